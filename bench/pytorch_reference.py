#!/usr/bin/env python3
"""PyTorch's side of `swift-ddp bench --compare-pytorch`: the same training steps as
swift-ddp's benchmarks (Sources/DDPBenchmarks/StepWorkload.swift), same model, batch,
optimizer and threads, in eager mode, float32.

Workloads:
  mlp-l    MLP 784-1024-1024-10, batch 128, SGD lr 0.01 momentum 0.9
  mlp-s    MLP 64-256-256-10, batch 64, SGD lr 0.01 momentum 0.9
  gan-mlp  G 100-256-512-784 (ReLU, tanh out), D 784-512-256-1 (LeakyReLU 0.2), batch 64,
           an Adam each (lr 2e-4, betas 0.5, 0.999); per step one D update on real and fake
           (the fake detached) and one G update through D
  cnn      conv(1->32, 3x3) relu conv(32->64, 3x3) relu maxpool 2 fc(9216->10) on 28x28,
           batch 64, SGD lr 0.01 momentum 0.9 (convolutions on oneDNN)
  resnet   `--model resnet`'s ResNet 16,32,64 (Tests/Reference/pytorch_resnet_replay.py's
           model), batch 64 of 28x28, training mode, SGD lr 0.01 momentum 0.9
  gpt      4 layers, 4 heads, 256 wide, context 128, batch 16, 65 symbols
           (Tests/Reference/gpt/record_gpt_reference.py's model), AdamW lr 1e-4 with weight
           decay 0.1 on matrices only

A step is zero_grad (set to None), forward, loss, backward, optimizer step, on a fixed
random batch; every workload runs three untimed steps when it is built.

    python3 bench/pytorch_reference.py mlp-s --steps 200 --threads 1   # prints {"seconds": median per step}
    python3 bench/pytorch_reference.py --serve --threads 1

With --serve it prints {"ready": true, "torch": VERSION} (or {"error": ...} without torch),
then reads requests {"workload": NAME, "steps": N}, one a line, and answers each with
{"seconds": total seconds of the N steps}, so that swift-ddp can alternate rounds of its
steps and of these in one run.
"""

import argparse
import json
import os
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def mlp(torch, sizes):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    return torch.nn.Sequential(*layers)


def classifier_step(torch, model, input_shape):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(*input_shape)
    y = torch.arange(input_shape[0]) % 10

    def step():
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
    return step


def cnn(torch):
    nn = torch.nn
    return nn.Sequential(nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 64, 3), nn.ReLU(),
                         nn.MaxPool2d(2), nn.Flatten(), nn.Linear(9216, 10))


def resnet(torch):
    sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Reference"))
    from pytorch_resnet_replay import ResNet
    return ResNet([16, 32, 64], 10)


def gan_step(torch):
    nn = torch.nn
    g = nn.Sequential(nn.Linear(100, 256), nn.ReLU(), nn.Linear(256, 512), nn.ReLU(), nn.Linear(512, 784), nn.Tanh())
    d = nn.Sequential(nn.Linear(784, 512), nn.LeakyReLU(0.2), nn.Linear(512, 256), nn.LeakyReLU(0.2), nn.Linear(256, 1))
    optimizer_g = torch.optim.Adam(g.parameters(), lr=2e-4, betas=(0.5, 0.999))
    optimizer_d = torch.optim.Adam(d.parameters(), lr=2e-4, betas=(0.5, 0.999))
    real = torch.rand(64, 784) * 2 - 1
    noise = torch.randn(64, 100)
    ones, zeros = torch.ones(64, 1), torch.zeros(64, 1)
    bce = torch.nn.functional.binary_cross_entropy_with_logits

    def step():
        fake = g(noise)
        optimizer_d.zero_grad(set_to_none=True)
        (bce(d(real), ones) + bce(d(fake.detach()), zeros)).backward()
        optimizer_d.step()
        optimizer_g.zero_grad(set_to_none=True)
        bce(d(fake), ones).backward()
        optimizer_g.step()
    return step


def gpt_step(torch):
    sys.path.insert(0, os.path.join(HERE, "..", "Tests", "Reference", "gpt"))
    from record_gpt_reference import GPT
    model = GPT(vocab_size=65, block_size=128, n_layer=4, n_head=4, n_embd=256)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                                  lr=1e-4)
    idx = torch.randint(0, 65, (16, 128))
    targets = torch.randint(0, 65, (16, 128))

    def step():
        optimizer.zero_grad(set_to_none=True)
        model(idx, targets).backward()
        optimizer.step()
    return step


WORKLOADS = {
    "mlp-l": lambda torch: classifier_step(torch, mlp(torch, [784, 1024, 1024, 10]), (128, 784)),
    "mlp-s": lambda torch: classifier_step(torch, mlp(torch, [64, 256, 256, 10]), (64, 64)),
    "gan-mlp": gan_step,
    "cnn": lambda torch: classifier_step(torch, cnn(torch), (64, 1, 28, 28)),
    "resnet": lambda torch: classifier_step(torch, resnet(torch), (64, 1, 28, 28)),
    "gpt": gpt_step,
}


def build(torch, name):
    torch.manual_seed(0)
    step = WORKLOADS[name](torch)
    for _ in range(3):
        step()
    return step


def timed(step, steps):
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return time.perf_counter() - start


def reply(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(torch):
    reply({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    built = {}
    for line in sys.stdin:
        try:
            request = json.loads(line)
            name = request["workload"]
            if name not in built:
                built[name] = build(torch, name)
            reply({"seconds": timed(built[name], int(request["steps"]))})
        except Exception as error:  # the caller shows it in one line
            reply({"error": f"{type(error).__name__}: {error}"})


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workload", nargs="?", choices=sorted(WORKLOADS))
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--threads", type=int, default=int(os.environ.get("OPENBLAS_NUM_THREADS", "1")))
    parser.add_argument("--serve", action="store_true", help="answer timing requests on stdin")
    args = parser.parse_args()
    try:
        import torch
    except ImportError as error:
        reply({"error": str(error)})
        sys.exit(2)
    torch.set_num_threads(args.threads)
    if args.serve:
        serve(torch)
    elif args.workload:
        step = build(torch, args.workload)
        reply({"seconds": statistics.median(timed(step, 1) for _ in range(args.steps))})
    else:
        parser.error("name a workload or pass --serve")


if __name__ == "__main__":
    main()
