"""Times PyTorch's eager train step on the MLPs that `swift-ddp bench core` measures.

Prints one JSON object: {"<sizes>/<batch>": median step seconds, ...}. The step is the
same as ours: zero_grad, forward, cross-entropy, backward, SGD with momentum 0.9.
Needs torch (pip install torch==2.13.0+cpu); swift-ddp falls back to a recorded figure
without it. Threads follow OPENBLAS_NUM_THREADS so both sides use the same number.
"""
import json
import os
import sys
import time

import torch


def median_step(sizes, batch, steps):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x = torch.randn(batch, sizes[0])
    y = torch.arange(batch) % sizes[-1]

    def step():
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()

    for _ in range(5):
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
    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 60
    print(json.dumps({
        "784-1024-1024-10/128": median_step([784, 1024, 1024, 10], 128, steps),
        "64-256-256-10/64": median_step([64, 256, 256, 10], 64, steps * 10),
    }))
