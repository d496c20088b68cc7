#!/usr/bin/env python3
"""Records what PyTorch computes for the image ops: conv2d, batch_norm, max/avg pooling and
global average pooling, forward and backward, into conv_ops.json beside this script.

Each case holds its inputs (values that are exact in float32), the op's options, the output,
the gradient of every input for the objective sum(output * R) with a fixed random R, and
for batch_norm in training the running statistics after the update. Everything is computed
in float64 from those float32 values, so the reference carries no float32 rounding of its
own; the Swift tests (TensorTests/ConvOpReferenceTests.swift) compute in float32 and compare
within a stated tolerance. The tests read the JSON only and never run Python.

    pip install "torch==2.13.0+cpu"
    python3 Tests/Reference/pytorch_conv_ops.py
"""

import json
import os
import platform

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
generator = torch.Generator().manual_seed(20261202)


def tensor(*shape, scale=1.0, offset=0.0):
    """Normal values rounded to float32, held as float64 leaves that want a gradient."""
    values = (torch.randn(*shape, generator=generator) * scale + offset).to(torch.float32)
    return values.to(torch.float64).requires_grad_(True)


def positive(*shape):
    values = (torch.rand(*shape, generator=generator) * 1.5 + 0.25).to(torch.float32)
    return values.to(torch.float64)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def record(name, op, options, inputs, function, extra_state=None):
    """Runs `function(**inputs)`, back-propagates sum(output * R) and stores everything."""
    output = function(**inputs)
    weights = torch.randn(output.shape, generator=generator).to(torch.float32).to(torch.float64)
    (output * weights).sum().backward()
    case = {
        "name": name,
        "op": op,
        "options": options,
        "inputs": {key: {"shape": list(value.shape), "values": flat(value)} for key, value in inputs.items()},
        "output": {"shape": list(output.shape), "values": flat(output)},
        "objective_weights": flat(weights),
        "gradients": {key: flat(value.grad) for key, value in inputs.items() if value.grad is not None},
    }
    if extra_state:
        case["state_after"] = {key: flat(value) for key, value in extra_state.items()}
    return case


def conv_case(name, batch, channels, size, out_channels, kernel, stride, padding, bias=True):
    inputs = {"input": tensor(batch, channels, *size), "weight": tensor(out_channels, channels, *kernel, scale=0.3)}
    if bias:
        inputs["bias"] = tensor(out_channels, scale=0.2)
    options = {"stride": list(stride), "padding": list(padding)}
    return record(name, "conv2d", options, inputs,
                  lambda input, weight, bias=None: F.conv2d(input, weight, bias, stride=stride, padding=padding))


def batch_norm_case(name, shape, training, momentum=0.1, eps=1e-5):
    channels = shape[1]
    inputs = {"input": tensor(*shape, scale=1.7, offset=0.4), "weight": tensor(channels, scale=0.5, offset=1.0),
              "bias": tensor(channels, scale=0.3)}
    running_mean = tensor(channels, scale=0.2).detach()
    running_var = positive(channels)
    options = {"training": training, "momentum": momentum, "eps": eps,
               "running_mean": flat(running_mean), "running_var": flat(running_var)}
    return record(name, "batch_norm", options, inputs,
                  lambda input, weight, bias: F.batch_norm(input, running_mean, running_var, weight, bias,
                                                           training=training, momentum=momentum, eps=eps),
                  extra_state={"running_mean": running_mean, "running_var": running_var})


def max_pool_case(name, shape, kernel, stride, padding):
    options = {"kernel": list(kernel), "stride": list(stride), "padding": list(padding)}
    return record(name, "max_pool2d", options, {"input": tensor(*shape)},
                  lambda input: F.max_pool2d(input, kernel, stride, padding))


def avg_pool_case(name, shape, kernel, stride, padding, count_include_pad):
    options = {"kernel": list(kernel), "stride": list(stride), "padding": list(padding),
               "count_include_pad": count_include_pad}
    return record(name, "avg_pool2d", options, {"input": tensor(*shape)},
                  lambda input: F.avg_pool2d(input, kernel, stride, padding, count_include_pad=count_include_pad))


def global_avg_pool_case(name, shape):
    # torchvision's ResNet head: AdaptiveAvgPool2d((1, 1)) then flatten(1).
    return record(name, "global_avg_pool2d", {}, {"input": tensor(*shape)},
                  lambda input: torch.flatten(F.adaptive_avg_pool2d(input, 1), 1))


def main():
    cases = [
        conv_case("conv 3x3 stride 2 padding 1 with bias", 2, 3, (7, 6), 4, (3, 3), (2, 2), (1, 1)),
        conv_case("conv 3x3 stride 1 padding 1 without bias", 2, 4, (5, 5), 3, (3, 3), (1, 1), (1, 1), bias=False),
        conv_case("conv 1x1 stride 2 projection without bias", 2, 3, (6, 6), 5, (1, 1), (2, 2), (0, 0), bias=False),
        conv_case("conv 2x3 stride (2, 1) padding (0, 2)", 2, 2, (7, 5), 3, (2, 3), (2, 1), (0, 2)),
        batch_norm_case("batch norm 2d training", (4, 3, 5, 5), training=True),
        batch_norm_case("batch norm 2d training momentum 0.3", (3, 2, 4, 3), training=True, momentum=0.3),
        batch_norm_case("batch norm 2d evaluation", (4, 3, 5, 5), training=False),
        batch_norm_case("batch norm 1d training", (6, 4), training=True),
        max_pool_case("max pool 3x3 stride 2 padding 1", (2, 3, 7, 7), (3, 3), (2, 2), (1, 1)),
        max_pool_case("max pool 2x2", (2, 2, 6, 5), (2, 2), (2, 2), (0, 0)),
        avg_pool_case("avg pool 3x3 stride 2 padding 1 counting padding", (2, 3, 7, 7), (3, 3), (2, 2), (1, 1), True),
        avg_pool_case("avg pool 3x3 stride 2 padding 1 not counting padding", (2, 3, 7, 7), (3, 3), (2, 2), (1, 1), False),
        avg_pool_case("avg pool 2x2", (2, 2, 6, 4), (2, 2), (2, 2), (0, 0), True),
        global_avg_pool_case("global average pool", (3, 4, 5, 6)),
    ]
    document = {
        "generator": "pytorch_conv_ops.py",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "objective": "sum(output * objective_weights); gradients are of that objective",
        "cases": cases,
    }
    path = os.path.join(HERE, "conv_ops.json")
    with open(path, "w") as file:
        json.dump(document, file, separators=(",", ":"))
        file.write("\n")
    print(f"wrote {len(cases)} cases to {path}")


if __name__ == "__main__":
    main()
