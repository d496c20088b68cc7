#!/usr/bin/env python3
"""Times one training step (forward, backward, AdamW) of the GPT that `swift-ddp bench gpt`
times: 4 layers, 4 heads, 256 wide, context 128, batch 16, 65 characters, float32, on as
many threads as the first argument says. Prints {"seconds": median seconds per step}.

The model is Tests/Reference/gpt/record_gpt_reference.py's (nanoGPT's), with the explicit
masked softmax attention swift-ddp computes.

    python3 bench/pytorch_gpt.py THREADS STEPS
"""

import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Reference", "gpt"))
from record_gpt_reference import GPT  # noqa: E402


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    torch.set_num_threads(threads)
    torch.manual_seed(0)
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

    for _ in range(3):
        step()
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    print(json.dumps({"seconds": statistics.median(times)}))


if __name__ == "__main__":
    main()
