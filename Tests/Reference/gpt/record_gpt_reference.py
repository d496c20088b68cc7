#!/usr/bin/env python3
"""Records the PyTorch numbers the GPT tests replay.

Writes, beside this script (or into the directory given as the first argument):

- transformer_ops.json: LayerNorm, GELU (tanh form) and causal self-attention on fixed
  inputs, with the gradients of a fixed upstream gradient (TensorTests/TransformerOpTests).
- gpt_initial.safetensors: the initial weights of a small GPT under nanoGPT's names.
- gpt_replay.json: that GPT's first 10 AdamW steps on a fixed batch (dropout 0): loss,
  gradient norms and gradient slices at every step (ddp-worker gpt-replay, replayed by
  DistributedTests/GPTReplayTests on one rank and under mpirun -np 2).

The GPT is nanoGPT's (token and position embeddings, pre-LayerNorm blocks, causal
self-attention, MLP with GELU in its tanh form, weight tying), with AdamW in two parameter
groups (weight decay on matrices only) and a linear warm-up into a cosine decay stepped
every step. Everything runs in float64, so the numbers are PyTorch's arithmetic with as
little rounding of its own as possible; the Swift side (float32) compares within a
tolerance. The tests read these files only: they never run Python.

    pip install "torch==2.13.0+cpu" safetensors
    python3 Tests/Reference/gpt/record_gpt_reference.py

`--check-export FILE [N_HEAD]` instead loads weights exported by `swift-ddp export` (from
a checkpoint of --task gpt, N_HEAD heads, default 4) into this PyTorch model by name,
strictly, and prints the loss of random tokens of the model's vocabulary.
"""

import json
import math
import os
import platform
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

DTYPE = torch.float64
META = {"generator": "record_gpt_reference.py", "torch": torch.__version__, "python": platform.python_version()}


class CausalSelfAttention(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.c_attn = nn.Linear(n_embd, 3 * n_embd)
        self.c_proj = nn.Linear(n_embd, n_embd)
        self.attn_dropout = nn.Dropout(dropout)
        self.resid_dropout = nn.Dropout(dropout)
        self.n_head, self.n_embd = n_head, n_embd

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        q, k, v = (t.view(B, T, self.n_head, C // self.n_head).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.tril(torch.ones(T, T, dtype=torch.bool))
        att = self.attn_dropout(F.softmax(att.masked_fill(~mask, float("-inf")), dim=-1))
        y = (att @ v).transpose(1, 2).contiguous().view(B, T, C)
        return self.resid_dropout(self.c_proj(y))


class MLP(nn.Module):
    def __init__(self, n_embd, dropout):
        super().__init__()
        self.c_fc = nn.Linear(n_embd, 4 * n_embd)
        self.c_proj = nn.Linear(4 * n_embd, n_embd)
        self.dropout = nn.Dropout(dropout)

    def forward(self, x):
        return self.dropout(self.c_proj(F.gelu(self.c_fc(x), approximate="tanh")))


class Block(nn.Module):
    def __init__(self, n_embd, n_head, dropout):
        super().__init__()
        self.ln_1 = nn.LayerNorm(n_embd)
        self.attn = CausalSelfAttention(n_embd, n_head, dropout)
        self.ln_2 = nn.LayerNorm(n_embd)
        self.mlp = MLP(n_embd, dropout)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab_size, block_size, n_layer, n_head, n_embd, dropout=0.0):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab_size, n_embd),
            wpe=nn.Embedding(block_size, n_embd),
            drop=nn.Dropout(dropout),
            h=nn.ModuleList([Block(n_embd, n_head, dropout) for _ in range(n_layer)]),
            ln_f=nn.LayerNorm(n_embd),
        ))
        self.lm_head = nn.Linear(n_embd, vocab_size, bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith("c_proj.weight"):
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * n_layer))

    @staticmethod
    def _init_weights(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, mean=0.0, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, idx, targets):
        B, T = idx.shape
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(torch.arange(T)))
        for block in self.transformer.h:
            x = block(x)
        logits = self.lm_head(self.transformer.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1))


def values(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def transformer_ops():
    g = torch.Generator().manual_seed(1)
    randn = lambda *shape: torch.randn(*shape, generator=g, dtype=DTYPE)
    record = {"meta": META}

    x, w, b = randn(2, 3, 6), 1 + 0.5 * randn(6), randn(6)
    upstream = randn(2, 3, 6)
    for t in (x, w, b):
        t.requires_grad_(True)
    y = F.layer_norm(x, (6,), w, b, eps=1e-5)
    y.backward(upstream)
    record["layer_norm"] = {"shape": list(x.shape), "x": values(x), "weight": values(w), "bias": values(b),
                            "upstream": values(upstream), "y": values(y), "dx": values(x.grad),
                            "dweight": values(w.grad), "dbias": values(b.grad)}

    x = (3 * randn(40)).requires_grad_(True)
    upstream = randn(40)
    y = F.gelu(x, approximate="tanh")
    y.backward(upstream)
    record["gelu_tanh"] = {"x": values(x), "upstream": values(upstream), "y": values(y), "dx": values(x.grad)}

    B, T, C, H = 2, 5, 8, 2
    qkv = randn(B, T, 3 * C).requires_grad_(True)
    upstream = randn(B, T, C)
    q, k, v = (t.view(B, T, H, C // H).transpose(1, 2) for t in qkv.split(C, dim=2))
    y = F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(1, 2).reshape(B, T, C)
    y.backward(upstream)
    record["causal_self_attention"] = {"batch": B, "time": T, "channels": C, "heads": H, "qkv": values(qkv),
                                       "upstream": values(upstream), "y": values(y), "dqkv": values(qkv.grad)}
    return record


# The replayed run: sizes, optimizer and schedule.
CONFIG = dict(vocab_size=13, block_size=8, n_layer=2, n_head=2, n_embd=16)
BATCH_ROWS, STEPS = 4, 10
LR, BETAS, WEIGHT_DECAY, WARMUP = 1e-2, (0.9, 0.99), 0.1, 3
SLICED = ["transformer.wte.weight", "transformer.h.0.attn.c_attn.weight", "transformer.h.1.mlp.c_fc.bias",
          "transformer.ln_f.weight"]


def gpt_replay(directory):
    torch.manual_seed(2024)
    model = GPT(**CONFIG).to(DTYPE)
    # The initial weights, every state_dict name (lm_head.weight too), as float32: what
    # the Swift side loads. The float64 model starts from exactly those values.
    state = {k: v.detach().to(torch.float32).clone().contiguous() for k, v in model.state_dict().items()}
    save_file(state, os.path.join(directory, "gpt_initial.safetensors"))
    model.load_state_dict({k: v.to(DTYPE) for k, v in state.items()}, strict=True)

    g = torch.Generator().manual_seed(7)
    stream = torch.randint(0, CONFIG["vocab_size"], (BATCH_ROWS * (CONFIG["block_size"] + 1),), generator=g)
    windows = stream.view(BATCH_ROWS, CONFIG["block_size"] + 1)
    idx, targets = windows[:, :-1].contiguous(), windows[:, 1:].contiguous()

    params = dict(model.named_parameters())  # tied weights once, under transformer.wte.weight
    decay = [p for p in params.values() if p.dim() >= 2]
    no_decay = [p for p in params.values() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": decay, "weight_decay": WEIGHT_DECAY},
                                   {"params": no_decay, "weight_decay": 0.0}], lr=LR, betas=BETAS)
    warmup = torch.optim.lr_scheduler.LinearLR(optimizer, start_factor=1e-3, end_factor=1.0, total_iters=WARMUP)
    cosine = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=STEPS - WARMUP, eta_min=LR / 10)
    scheduler = torch.optim.lr_scheduler.SequentialLR(optimizer, [warmup, cosine], milestones=[WARMUP])

    steps = []
    for step in range(STEPS):
        optimizer.zero_grad()
        loss = model(idx, targets)
        loss.backward()
        norms = {name: float(p.grad.norm()) for name, p in params.items()}
        total = math.sqrt(sum(n * n for n in norms.values()))
        slices = {name: values(params[name].grad.reshape(-1)[:6]) for name in SLICED}
        steps.append({"step": step, "lr": optimizer.param_groups[0]["lr"], "loss": float(loss.detach()),
                      "grad_norm": total, "grad_norms": norms, "grad_slices": slices})
        optimizer.step()
        scheduler.step()
    final = {name: values(p.reshape(-1)[:6]) for name, p in params.items() if name in SLICED}
    return {"meta": META, "config": CONFIG, "rows": BATCH_ROWS, "tokens": [int(t) for t in idx.reshape(-1)],
            "targets": [int(t) for t in targets.reshape(-1)], "lr": LR, "betas": list(BETAS),
            "weight_decay": WEIGHT_DECAY, "warmup_steps": WARMUP, "steps": steps, "final_weight_slices": final}


def check_export(path):
    """Loads swift-ddp's exported GPT weights into the PyTorch GPT by name, strictly."""
    weights = load_file(path)
    wte, wpe = weights["transformer.wte.weight"], weights["transformer.wpe.weight"]
    n_layer = len({k.split(".")[2] for k in weights if k.startswith("transformer.h.")})
    n_embd = wte.shape[1]
    n_head = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    model = GPT(wte.shape[0], wpe.shape[0], n_layer, n_head, n_embd)
    result = model.load_state_dict(weights, strict=True)
    assert torch.equal(model.lm_head.weight, model.transformer.wte.weight)
    model.eval()
    g = torch.Generator().manual_seed(0)
    idx = torch.randint(0, wte.shape[0], (2, wpe.shape[0] + 1), generator=g)
    with torch.no_grad():
        loss = model(idx[:, :-1], idx[:, 1:])
    print(f"loaded {len(weights)} tensors strictly into the PyTorch GPT ({result}); "
          f"{n_layer} layers, {n_embd} wide, vocabulary {wte.shape[0]}; loss of random text {float(loss):.4f} nats")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "--check-export":
        check_export(sys.argv[2])
        return
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(directory, "transformer_ops.json"), "w") as f:
        json.dump(transformer_ops(), f, indent=1)
    with open(os.path.join(directory, "gpt_replay.json"), "w") as f:
        json.dump(gpt_replay(directory), f, indent=1)
    print("wrote transformer_ops.json, gpt_initial.safetensors and gpt_replay.json to", directory)


if __name__ == "__main__":
    main()
