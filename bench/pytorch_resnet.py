"""Times PyTorch's eager train step on the ResNet that `swift-ddp bench resnet` measures.

Prints one JSON object: {"resnet-16-32-64/64": median step seconds}. The step is the same as
ours: zero_grad, forward in training mode (batch statistics), cross-entropy, backward, SGD
with momentum 0.9, on 64 random 28x28 grey images. The model is the one the replay test's
recording builds (Tests/Reference/pytorch_resnet_replay.py). Threads follow
OPENBLAS_NUM_THREADS so both sides use the same number; PyTorch's convolutions run on
oneDNN.
"""
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Reference"))
from pytorch_resnet_replay import ResNet  # noqa: E402


def median_step(widths, batch, steps):
    torch.manual_seed(0)
    model = ResNet(widths, 10)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, 1, 28, 28)
    y = torch.arange(batch) % 10

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    times.sort()
    return times[len(times) // 2]


if __name__ == "__main__":
    torch.set_num_threads(int(os.environ.get("OPENBLAS_NUM_THREADS", "1")))
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    print(json.dumps({"resnet-16-32-64/64": median_step([16, 32, 64], 64, steps)}))
