"""Records, per training batch, which optimizer PyTorch Lightning 1.9.5 steps and every
optimizer's learning rate after the batch, for recipes with optimizer `frequency`,
step-interval schedulers and gradient accumulation. Writes
Tests/Reference/frequency_traces.json.

Frequencies (and several optimizers in automatic optimization) exist only in Lightning 1.x,
so the reference is 1.9.5:
    python3 -m venv --system-site-packages /tmp/pl195
    /tmp/pl195/bin/pip install --no-deps "pytorch-lightning==1.9.5"
    (--no-deps: its requirements are met by the system's torch 2.13.0+cpu, and without it pip
    backtracks through other torch releases, since torch 2.13 asks for setuptools>=77.)
    /tmp/pl195/bin/python Tests/Reference/lightning_frequency_traces.py
The Swift tests (Tests/TrainerTests/FrequencyTraceTests.swift) replay the file; they never
need Python. Only the trainer's decisions are recorded, so the model is a single Linear.
"""
import json
import pathlib

import pytorch_lightning as pl
import torch

BATCHES_PER_EPOCH = 7


class RecordingModule(pl.LightningModule):
    """Two (or one) Linear layers, one optimizer each, SGD with a fixed starting lr."""

    def __init__(self, optimizers):
        super().__init__()
        self.recipe_optimizers = optimizers
        self.layers = torch.nn.ModuleList(torch.nn.Linear(2, 1) for _ in optimizers)
        self.trace = []

    def training_step(self, batch, batch_idx, optimizer_idx=0):
        return self.layers[optimizer_idx](batch[0]).pow(2).mean()

    def on_train_batch_start(self, batch, batch_idx):
        self.trace.append({"epoch": self.current_epoch, "batch": batch_idx, "stepped": []})

    def on_before_optimizer_step(self, optimizer, optimizer_idx):
        self.trace[-1]["stepped"].append(optimizer_idx)

    def current_lrs(self):
        return [optimizer.param_groups[0]["lr"] for optimizer in self.trainer.optimizers]

    def on_train_batch_end(self, outputs, batch, batch_idx):
        # Written again at the next batch's start, so steps made after this hook count too.
        self.trace[-1]["lrs"] = self.current_lrs()

    def configure_optimizers(self):
        entries = []
        for index, recipe in enumerate(self.recipe_optimizers):
            optimizer = torch.optim.SGD(self.layers[index].parameters(), lr=recipe["lr"])
            entry = {"optimizer": optimizer}
            if "frequency" in recipe:
                entry["frequency"] = recipe["frequency"]
            if "scheduler" in recipe:
                scheduler = recipe["scheduler"]
                entry["lr_scheduler"] = {
                    "scheduler": torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=scheduler["gamma"]),
                    "interval": scheduler["interval"], "frequency": scheduler["frequency"]}
            entries.append(entry)
        return tuple(entries)


class LrAfterBatch(pl.Callback):
    """Fixes each batch's lrs at the next batch's start (or the fit's end): whatever the
    trainer steps between two batches belongs to the earlier one."""

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        # Callbacks run before the module's hook: the last entry is still the previous batch.
        if module.trace:
            module.trace[-1]["lrs"] = module.current_lrs()

    def on_train_end(self, trainer, module):
        module.trace[-1]["lrs"] = module.current_lrs()


def run(recipe):
    torch.manual_seed(0)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(BATCHES_PER_EPOCH, 2)), batch_size=1)
    module = RecordingModule(recipe["optimizers"])
    trainer = pl.Trainer(max_epochs=recipe["epochs"], accumulate_grad_batches=recipe["accumulate_grad_batches"],
                         accelerator="cpu", devices=1, logger=False, enable_checkpointing=False,
                         enable_progress_bar=False, enable_model_summary=False, callbacks=[LrAfterBatch()])
    trainer.fit(module, data)
    return dict(recipe, batches_per_epoch=BATCHES_PER_EPOCH, trace=module.trace)


def step_scheduler(gamma, frequency=1, interval="step"):
    return {"gamma": gamma, "interval": interval, "frequency": frequency}


recipes = {
    # (a) generator 1 / discriminator 2 across an epoch boundary; 7 is not a multiple of 3.
    "frequencies_1_2": {"epochs": 2, "accumulate_grad_batches": 1,
                        "optimizers": [{"lr": 0.1, "frequency": 1}, {"lr": 0.2, "frequency": 2}]},
    # (b) the same, accumulating 2 batches (the epoch's last batch closes its window).
    "frequencies_1_2_accumulate_2": {"epochs": 2, "accumulate_grad_batches": 2,
                                     "optimizers": [{"lr": 0.1, "frequency": 1}, {"lr": 0.2, "frequency": 2}]},
    # (c) StepLR per step with frequency 3, accumulating 2.
    "step_scheduler_frequency_3_accumulate_2": {"epochs": 2, "accumulate_grad_batches": 2,
                                                "optimizers": [{"lr": 0.1, "scheduler": step_scheduler(0.5, 3)}]},
    # (d) frequencies with a step-interval scheduler on each optimizer.
    "frequencies_1_2_step_schedulers": {"epochs": 2, "accumulate_grad_batches": 1, "optimizers": [
        {"lr": 0.1, "frequency": 1, "scheduler": step_scheduler(0.5)},
        {"lr": 0.2, "frequency": 2, "scheduler": step_scheduler(0.8, 2)}]},
    # (e) frequencies with an epoch-interval scheduler on each optimizer, over 3 epochs.
    "frequencies_1_2_epoch_schedulers": {"epochs": 3, "accumulate_grad_batches": 1, "optimizers": [
        {"lr": 0.1, "frequency": 1, "scheduler": step_scheduler(0.5, interval="epoch")},
        {"lr": 0.2, "frequency": 2, "scheduler": step_scheduler(0.8, interval="epoch")}]},
}
output = {"lightning": pl.__version__, "torch": torch.__version__,
          "recipes": {name: run(recipe) for name, recipe in recipes.items()}}
path = pathlib.Path(__file__).with_name("frequency_traces.json")
path.write_text(json.dumps(output, indent=1) + "\n")
print(path)
