"""Records what PyTorch Lightning 2.6 does to BatchNorm under DDP with 2 processes on the
CPU (gloo): per rank and per training batch, the running statistics, the batch count and
the parameters, with DDP's default `broadcast_buffers`. Writes
Tests/Reference/batchnorm_ddp_traces.json.

    pip install "torch==2.13.0+cpu" "pytorch-lightning==2.6.*"
    python3 Tests/Reference/lightning_batchnorm_ddp.py

The model is `Linear(3, 4)`, `BatchNorm1d(4)`, ReLU, `Linear(4, 1)`, with mean squared
error and SGD with momentum; 16 samples, 2 per rank and batch. Lightning shuffles the
training data under DDP whatever the loader says, so each rank's loader is given its own
`DistributedSampler` without shuffling (`use_distributed_sampler=False`): rank r reads the
samples r, r + 2, r + 4, ..., as the replay's loader. The sample indices of every batch,
the initial weights and the data are in the file. PyTorch DDP copies rank 0's buffers to every rank before each
training forward, so between two batches each rank holds its own update of them.

`sync_batchnorm=True` cannot run on the CPU: torch's DDP refuses SyncBatchNorm there
("SyncBatchNorm layers only work with GPU modules"). What it computes is BatchNorm over the
global batch (the batch statistics of all ranks' samples together, the running variance
unbiased over their total count), so the `global_batch` recipe records one Lightning
process trained on the global batches of 4: the reference for `--sync-batchnorm` on 2 ranks.
Tests/TrainerTests/BatchNormTraceTests.swift replays both recipes; it never needs Python.
"""
import json
import pathlib
import tempfile

import pytorch_lightning as pl
import torch

SAMPLES = 16
BATCH_SIZE = 2       # per rank
FEATURES = 3
HIDDEN = 4
WORLD_SIZE = 2


def flat(tensors):
    return [value for tensor in tensors for value in tensor.detach().flatten().tolist()]


class BatchNormRegression(pl.LightningModule):
    def __init__(self, initial, folder, name, dataset, batch_size):
        super().__init__()
        self.dataset, self.batch_size = dataset, batch_size
        self.first = torch.nn.Linear(FEATURES, HIDDEN)
        self.norm = torch.nn.BatchNorm1d(HIDDEN)
        self.second = torch.nn.Linear(HIDDEN, 1)
        with torch.no_grad():
            for parameter, values in zip(self.parameters(), initial):
                parameter.copy_(torch.tensor(values).reshape(parameter.shape))
        self.folder, self.name = folder, name
        self.trace = []

    def train_dataloader(self):
        sampler = torch.utils.data.DistributedSampler(self.dataset, num_replicas=self.trainer.world_size,
                                                      rank=self.global_rank, shuffle=False)
        return torch.utils.data.DataLoader(self.dataset, batch_size=self.batch_size, sampler=sampler)

    def training_step(self, batch, batch_idx):
        inputs, targets, self.samples = batch
        hidden = torch.relu(self.norm(self.first(inputs)))
        loss = torch.nn.functional.mse_loss(self.second(hidden), targets)
        self.log("train_loss", loss, sync_dist=True)
        return loss

    def on_train_batch_end(self, outputs, batch, batch_idx):
        norm = self.norm
        self.trace.append({
            "epoch": self.current_epoch, "batch": batch_idx, "global_step": self.trainer.global_step,
            "samples": self.samples.tolist(), "running_mean": norm.running_mean.tolist(), "running_var": norm.running_var.tolist(),
            "num_batches_tracked": int(norm.num_batches_tracked), "parameters": flat(self.parameters())})

    def on_train_end(self):
        path = pathlib.Path(self.folder) / f"{self.name}-{self.global_rank}.json"
        path.write_text(json.dumps({"rank": self.global_rank, "trace": self.trace}))

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)


def run(name, world_size, folder):
    generator = torch.Generator().manual_seed(11)
    inputs = torch.randn(SAMPLES, FEATURES, generator=generator)
    targets = torch.randn(SAMPLES, 1, generator=generator)
    reference = torch.nn.Sequential(torch.nn.Linear(FEATURES, HIDDEN), torch.nn.BatchNorm1d(HIDDEN),
                                    torch.nn.Linear(HIDDEN, 1))
    initial = [(torch.randn(p.shape, generator=generator) * 0.7).flatten().tolist() for p in reference.parameters()]
    # One process reads the global batches: each holds what the ranks' batches hold together.
    batch_size = BATCH_SIZE * WORLD_SIZE // world_size
    dataset = torch.utils.data.TensorDataset(inputs, targets, torch.arange(SAMPLES))
    module = BatchNormRegression(initial, folder, name, dataset, batch_size)
    trainer = pl.Trainer(max_epochs=2, accelerator="cpu", devices=world_size,
                         strategy="ddp_spawn" if world_size > 1 else "auto", use_distributed_sampler=False, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(module)
    ranks = [json.loads((pathlib.Path(folder) / f"{name}-{rank}.json").read_text()) for rank in range(world_size)]
    return {"world_size": world_size, "batch_size": batch_size, "max_epochs": 2,
            "inputs": inputs.tolist(), "targets": targets.tolist(), "initial": initial,
            "ranks": [rank["trace"] for rank in sorted(ranks, key=lambda rank: rank["rank"])]}


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        recipes = {"broadcast_buffers": run("broadcast_buffers", WORLD_SIZE, folder),
                   "global_batch": run("global_batch", 1, folder)}
    output = {"lightning": pl.__version__, "torch": torch.__version__, "backend": "gloo", "recipes": recipes}
    path = pathlib.Path(__file__).with_name("batchnorm_ddp_traces.json")
    path.write_text(json.dumps(output, indent=1) + "\n")
    print(path)
