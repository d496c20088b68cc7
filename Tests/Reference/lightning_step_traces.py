"""Records, per training batch, what PyTorch Lightning 2.6 does to a small linear
regression: the global step, the learning rate, the gradients left after the batch, the
parameters, and every call to the logger. Writes Tests/Reference/step_traces.json.

    pip install "torch==2.13.0+cpu" "pytorch-lightning==2.6.*"
    python3 Tests/Reference/lightning_step_traces.py

The recipes:
- the last accumulation window of an epoch, when the batches are not a multiple of
  `accumulate_grad_batches` (Lightning steps on the epoch's last batch; the loss is still
  divided by `accumulate_grad_batches`);
- an `optimizer_step` override that steps the raw optimizer, `optimizer.optimizer.step(closure)`
  (Lightning counts the step: `global_step`, step-interval schedulers, logging, `max_steps`);
- an `optimizer_step` override that runs the closure alone on odd batches (the parameters
  stay, but Lightning counts the batch as a step all the same).

The initial weights and the data are in the file, so the Swift test
(Tests/TrainerTests/StepTraceTests.swift) replays the recipes exactly, on one rank and on
two; it never needs Python.
"""
import json
import pathlib

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers.logger import Logger

SAMPLES = 14
BATCH_SIZE = 2
FEATURES = 3


class RecordingLogger(Logger):
    def __init__(self):
        super().__init__()
        self.calls = []

    @property
    def name(self):
        return "recording"

    @property
    def version(self):
        return 0

    def log_hyperparams(self, params, *args, **kwargs):
        pass

    def log_metrics(self, metrics, step=None):
        self.calls.append({"step": step, "names": sorted(key for key in metrics if key != "epoch")})


class Regression(pl.LightningModule):
    def __init__(self, recipe, weight, bias):
        super().__init__()
        self.recipe = recipe
        self.linear = torch.nn.Linear(FEATURES, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor(weight))
            self.linear.bias.copy_(torch.tensor(bias))
        self.trace = []

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        loss = torch.nn.functional.mse_loss(self.linear(inputs), targets)
        self.log("train_loss", loss)
        return loss

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        if self.recipe["closure_alone_on_odd_batches"] and batch_idx % 2 == 1:
            optimizer_closure()
        elif self.recipe["raw_step"]:
            optimizer.optimizer.step(closure=optimizer_closure)
        else:
            optimizer.step(closure=optimizer_closure)

    def on_train_batch_end(self, outputs, batch, batch_idx):
        def values(tensors):
            return [value for tensor in tensors for value in tensor.detach().flatten().tolist()]
        self.trace.append({
            "epoch": self.current_epoch, "batch": batch_idx, "global_step": self.trainer.global_step,
            "lr": self.trainer.optimizers[0].param_groups[0]["lr"],
            "gradients": values(p.grad if p.grad is not None else torch.zeros_like(p) for p in self.parameters()),
            "parameters": values(self.parameters())})

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        if self.recipe["step_lr"] is None:
            return optimizer
        scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=self.recipe["step_lr"], gamma=0.5)
        return {"optimizer": optimizer, "lr_scheduler": {"scheduler": scheduler, "interval": "step"}}


def run(recipe):
    generator = torch.Generator().manual_seed(7)
    inputs = torch.randn(SAMPLES, FEATURES, generator=generator)
    targets = torch.randn(SAMPLES, 1, generator=generator)
    weight = torch.randn(1, FEATURES, generator=generator).tolist()
    bias = torch.randn(1, generator=generator).tolist()
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(inputs, targets), batch_size=BATCH_SIZE)
    logger = RecordingLogger()
    module = Regression(recipe, weight, bias)
    trainer = pl.Trainer(
        max_epochs=recipe["max_epochs"], max_steps=recipe["max_steps"] or -1,
        accumulate_grad_batches=recipe["accumulate_grad_batches"], log_every_n_steps=recipe["log_every_n_steps"],
        accelerator="cpu", devices=1, logger=logger, enable_checkpointing=False, enable_progress_bar=False,
        enable_model_summary=False)
    trainer.fit(module, data)
    return dict(recipe, batch_size=BATCH_SIZE, inputs=inputs.tolist(), targets=targets.tolist(), weight=weight,
                bias=bias, final_global_step=trainer.global_step, trace=module.trace, logged=logger.calls)


recipes = {
    # 7 batches per epoch, windows of 3: the epoch's last window holds one batch.
    "accumulate_3_partial_window": {"max_epochs": 2, "max_steps": None, "accumulate_grad_batches": 3,
                                    "raw_step": False, "closure_alone_on_odd_batches": False, "step_lr": None,
                                    "log_every_n_steps": 1},
    # The raw optimizer stepped in optimizer_step; max_steps alone ends the fit.
    "raw_optimizer_step": {"max_epochs": None, "max_steps": 5, "accumulate_grad_batches": 1,
                           "raw_step": True, "closure_alone_on_odd_batches": False, "step_lr": 2,
                           "log_every_n_steps": 2},
    # The same with accumulation over 2 batches.
    "raw_optimizer_step_accumulate_2": {"max_epochs": None, "max_steps": 3, "accumulate_grad_batches": 2,
                                        "raw_step": True, "closure_alone_on_odd_batches": False, "step_lr": 1,
                                        "log_every_n_steps": 1},
    # The closure alone on odd batches, the wrapped step on even ones.
    "closure_alone_every_other_batch": {"max_epochs": None, "max_steps": 4, "accumulate_grad_batches": 1,
                                        "raw_step": False, "closure_alone_on_odd_batches": True, "step_lr": 1,
                                        "log_every_n_steps": 1},
}
output = {"lightning": pl.__version__, "torch": torch.__version__,
          "recipes": {name: run(recipe) for name, recipe in recipes.items()}}
path = pathlib.Path(__file__).with_name("step_traces.json")
path.write_text(json.dumps(output, indent=1) + "\n")
print(path)
