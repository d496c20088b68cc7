#!/usr/bin/env python3
"""Records ten SGD steps of swift-ddp's residual CNN (`--model resnet`) in PyTorch, for
TrainerTests/ResNetReplayTests.swift to replay on one rank and on two.

Writes into resnet_replay/ beside this script:
  initial.safetensors   the model's initial weights and buffers under PyTorch state_dict names
  batch.safetensors     the fixed batch: 16 Fashion-MNIST training images [16, 1, 28, 28]
                        (pixels / 255) and their labels (as float32)
  trace.json            the state_dict names and shapes in order, then per step the loss, the
                        gradient norms (total and per parameter), slices of some gradients and
                        the BatchNorm running statistics after the step's forward; after the
                        last step, slices of the weights and every buffer

The model is torchvision's ResNet layout for 28x28 grey images: a 3x3 stem convolution with
BatchNorm and ReLU, BasicBlocks (two 3x3 convolutions with BatchNorm; a 1x1 convolution and
BatchNorm as the shortcut where the width or resolution changes), global average pooling and
a linear head. The block widths are 8, 8, 16, 32 (`--hidden 8,8,16,32`): layer1 holds two
blocks of 8 channels (identity shortcuts), layer2 and layer3 one block each at stride 2
(projection shortcuts). Training mode throughout (batch statistics, running statistics
updated with momentum 0.1 and the unbiased variance), cross-entropy, SGD lr 0.05 momentum 0.9.

The steps run in float64 from float32 weights and inputs, so the trace is the exact
arithmetic; the same run in float32 is printed for comparison (how far float32 rounding
alone moves it), since the Swift side computes in float32.

    pip install "torch==2.13.0+cpu" safetensors
    python3 Tests/Reference/pytorch_resnet_replay.py
    # and, to check that weights exported by swift-ddp load into this model by name (and
    # measure its accuracy on the 10,000 test images):
    python3 Tests/Reference/pytorch_resnet_replay.py --check-export exported.safetensors --widths 16,32,64
"""

import argparse
import gzip
import json
import os
import platform
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "resnet_replay")
FASHION = "/usr/share/datasets/fashion-mnist"
WIDTHS = [8, 8, 16, 32]
CLASSES = 10
BATCH = 16
STEPS = 10
LR, MOMENTUM = 0.05, 0.9
# Parameters whose first gradient values are recorded, and buffers recorded in full.
GRADIENT_SLICES = ["conv1.weight", "bn1.weight", "layer1.1.conv2.weight", "layer2.0.downsample.0.weight",
                   "layer3.0.bn2.bias", "fc.weight", "fc.bias"]
SLICE = 6
WATCHED_BUFFERS = ["bn1.running_mean", "bn1.running_var", "layer2.0.downsample.1.running_mean",
                   "layer3.0.bn2.running_var"]


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """Stages are runs of equal widths; the first keeps the resolution, each later one halves it."""

    def __init__(self, widths, classes):
        super().__init__()
        self.conv1 = nn.Conv2d(1, widths[0], 3, 1, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(widths[0])
        self.relu = nn.ReLU()
        stages = []
        for width in widths:
            if stages and stages[-1][0] == width:
                stages[-1][1] += 1
            else:
                stages.append([width, 1])
        inplanes = widths[0]
        for index, (width, blocks) in enumerate(stages):
            layers = []
            for block in range(blocks):
                stride = 2 if index > 0 and block == 0 else 1
                layers.append(BasicBlock(inplanes, width, stride))
                inplanes = width
            setattr(self, f"layer{index + 1}", nn.Sequential(*layers))
        self.stage_count = len(stages)
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))
        self.fc = nn.Linear(inplanes, classes)

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        for index in range(self.stage_count):
            x = getattr(self, f"layer{index + 1}")(x)
        return self.fc(torch.flatten(self.avgpool(x), 1))


def read_idx(path):
    with gzip.open(path, "rb") as file:
        data = file.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def fixed_batch():
    images = read_idx(os.path.join(FASHION, "train-images-idx3-ubyte.gz"))[:BATCH]
    labels = read_idx(os.path.join(FASHION, "train-labels-idx1-ubyte.gz"))[:BATCH]
    return (images.to(torch.float32) / 255).reshape(BATCH, 1, 28, 28), labels.to(torch.int64)


def flat(tensor, count=None):
    values = tensor.detach().reshape(-1).to(torch.float64)
    return [float(v) for v in (values if count is None else values[:count]).tolist()]


def run(initial, inputs, labels, dtype):
    """Ten steps from `initial` in `dtype`; returns the per-step records and the final model."""
    torch.manual_seed(0)
    model = ResNet(WIDTHS, CLASSES).to(dtype)
    model.load_state_dict(initial, strict=True)
    model.train()
    optimizer = torch.optim.SGD(model.parameters(), lr=LR, momentum=MOMENTUM)
    named = dict(model.named_parameters())
    buffers = dict(model.named_buffers())
    steps = []
    for _ in range(STEPS):
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs.to(dtype)), labels)
        loss.backward()
        norms = [float(p.grad.to(torch.float64).norm()) for p in model.parameters()]
        steps.append({
            "loss": float(loss.detach()),
            "gradient_norm": float(torch.stack([torch.tensor(n, dtype=torch.float64) for n in norms]).norm()),
            "parameter_gradient_norms": norms,
            "gradient_slices": {name: flat(named[name].grad, SLICE) for name in GRADIENT_SLICES},
            "running_statistics": {name: flat(buffers[name]) for name in WATCHED_BUFFERS},
        })
        optimizer.step()
    return steps, model


def largest_relative_difference(a, b):
    worst = 0.0
    for x, y in zip(a, b):
        worst = max(worst, abs(x - y) / max(abs(y), 1e-6))
    return worst


def record():
    torch.manual_seed(20261202)
    model = ResNet(WIDTHS, CLASSES)
    # PyTorch's default initialisation for this seed (BatchNorm: weight 1, bias 0).
    initial = {name: value.detach().to(torch.float32).contiguous() for name, value in model.state_dict().items()}
    inputs, labels = fixed_batch()
    os.makedirs(OUT, exist_ok=True)
    save_file(initial, os.path.join(OUT, "initial.safetensors"))
    save_file({"inputs": inputs.contiguous(), "labels": labels.to(torch.float32)},
              os.path.join(OUT, "batch.safetensors"))

    as64 = {name: value.to(torch.float64) if value.is_floating_point() else value for name, value in initial.items()}
    steps, final = run(as64, inputs, labels, torch.float64)
    steps32, _ = run(initial, inputs, labels, torch.float32)
    drift = largest_relative_difference([s["loss"] for s in steps32], [s["loss"] for s in steps])
    drift_norm = largest_relative_difference([s["gradient_norm"] for s in steps32], [s["gradient_norm"] for s in steps])
    print(f"float32 against float64 PyTorch: losses within {drift:.2e}, gradient norms within {drift_norm:.2e} (relative)")

    document = {
        "generator": "pytorch_resnet_replay.py",
        "torch": torch.__version__,
        "python": platform.python_version(),
        "widths": WIDTHS,
        "classes": CLASSES,
        "batch_size": BATCH,
        "optimizer": {"name": "sgd", "lr": LR, "momentum": MOMENTUM},
        "state_dict": [[name, list(value.shape)] for name, value in model.state_dict().items()],
        "parameters": [name for name, _ in model.named_parameters()],
        "slice_length": SLICE,
        "steps": steps,
        "final_weight_slices": {name: flat(value, SLICE) for name, value in final.named_parameters()},
        "final_buffers": {name: flat(value) for name, value in final.named_buffers()},
        "float32_pytorch_relative_drift": {"loss": drift, "gradient_norm": drift_norm},
    }
    with open(os.path.join(OUT, "trace.json"), "w") as file:
        json.dump(document, file, indent=1)
        file.write("\n")
    print(f"wrote {OUT}: {len(steps)} steps, loss {steps[0]['loss']:.4f} -> {steps[-1]['loss']:.4f}")


def check_export(path, widths):
    """Loads weights exported by swift-ddp into the PyTorch model, strictly, by name, and
    measures that model's accuracy on the 10,000 Fashion-MNIST test images."""
    exported = load_file(path)
    model = ResNet(widths, CLASSES)
    converted = {name: value.to(model.state_dict()[name].dtype) for name, value in exported.items()}
    model.load_state_dict(converted, strict=True)
    model.eval()
    images = read_idx(os.path.join(FASHION, "t10k-images-idx3-ubyte.gz"))
    labels = read_idx(os.path.join(FASHION, "t10k-labels-idx1-ubyte.gz")).to(torch.int64)
    inputs = (images.to(torch.float32) / 255).reshape(-1, 1, 28, 28)
    with torch.no_grad():
        predictions = torch.cat([model(chunk).argmax(1) for chunk in inputs.split(500)])
    accuracy = (predictions == labels).float().mean()
    print(f"{path}: all {len(exported)} entries loaded by name into ResNet{tuple(widths)}; "
          f"test accuracy {accuracy:.4f} on {len(labels)} Fashion-MNIST test images")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check-export", metavar="FILE", help="load a swift-ddp weights file into the model")
    parser.add_argument("--widths", default="16,32,64", help="the exported model's --hidden (default: swift-ddp's)")
    arguments = parser.parse_args()
    if arguments.check_export:
        check_export(arguments.check_export, [int(w) for w in arguments.widths.split(",")])
    else:
        record()
