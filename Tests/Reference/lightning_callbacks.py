"""Records what PyTorch Lightning 2.6 does with three of its callbacks and logging options
on a small linear regression. Writes Tests/Reference/callbacks.json.

    pip install "torch==2.13.0+cpu" "pytorch-lightning==2.6.*"
    python3 Tests/Reference/lightning_callbacks.py

The recipes:
- `GradientAccumulationScheduler`: per batch, the global step and the parameters while the
  accumulation factor changes from epoch to epoch (7 batches per epoch, so windows are
  partial at the end of an epoch);
- `StochasticWeightAveraging`: the lr at the start of every epoch and the final parameters
  (and BatchNorm buffers), with cosine annealing from an integer start epoch, with linear
  annealing from a fractional start replacing a StepLR, and with a BatchNorm layer (whose
  running statistics Lightning recomputes in an extra epoch);
- `self.log(..., reduce_fx=...)`: every value handed to the logger for metrics logged with
  mean, sum, max and min, in training (batches of 3, 3, 3, 3 and 1 samples) and validation
  (2, 2 and 1);
- torch's `SWALR` alone: the learning rates of two param groups over 6 steps, for cosine
  and linear annealing over 0 to 10 epochs.

The initial weights and the data are in the file, so the Swift tests
(Tests/TrainerTests/CallbackReferenceTests.swift) replay the recipes exactly; they never
need Python.
"""
import json
import pathlib
import warnings

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import GradientAccumulationScheduler, StochasticWeightAveraging
from pytorch_lightning.loggers.logger import Logger

warnings.filterwarnings("ignore")
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
        self.calls.append({"step": step, "metrics": {key: float(value) for key, value in metrics.items() if key != "epoch"}})


def values(tensors):
    return [value for tensor in tensors for value in tensor.detach().flatten().tolist()]


class Regression(pl.LightningModule):
    def __init__(self, recipe, weight, bias):
        super().__init__()
        self.recipe = recipe
        self.linear = torch.nn.Linear(FEATURES, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor(weight))
            self.linear.bias.copy_(torch.tensor(bias))
        # BatchNorm on the output: affine parameters 1 and 0 to start with.
        self.norm = torch.nn.BatchNorm1d(1) if recipe.get("batch_norm") else None
        self.trace = []
        self.epoch_lrs = []

    def forward(self, inputs):
        outputs = self.linear(inputs)
        return self.norm(outputs) if self.norm is not None else outputs

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        loss = torch.nn.functional.mse_loss(self(inputs), targets)
        if self.recipe.get("log_reduce_fx"):
            self.log("loss_mean", loss, on_step=False, on_epoch=True, reduce_fx="mean")
            self.log("loss_sum", loss, on_step=False, on_epoch=True, reduce_fx="sum")
            self.log("loss_max", loss, on_step=True, on_epoch=True, reduce_fx="max")
            self.log("loss_min", loss, on_step=False, on_epoch=True, reduce_fx="min")
        return loss

    def validation_step(self, batch, batch_idx):
        inputs, targets = batch
        loss = torch.nn.functional.mse_loss(self(inputs), targets)
        self.log("val_mean", loss, reduce_fx="mean")
        self.log("val_sum", loss, reduce_fx="sum")
        self.log("val_max", loss, reduce_fx="max")
        self.log("val_min", loss, reduce_fx="min")

    def on_train_epoch_start(self):
        self.epoch_lrs.append(self.trainer.optimizers[0].param_groups[0]["lr"])

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.trace.append({"epoch": self.current_epoch, "batch": batch_idx, "global_step": self.trainer.global_step,
                           "parameters": values(self.linear.parameters())})

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        if not self.recipe.get("step_lr"):
            return optimizer
        return [optimizer], [torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5)]


def run(recipe):
    generator = torch.Generator().manual_seed(11)
    samples = recipe["samples"]
    inputs = torch.randn(samples, FEATURES, generator=generator)
    targets = torch.randn(samples, 1, generator=generator)
    weight = torch.randn(1, FEATURES, generator=generator).tolist()
    bias = torch.randn(1, generator=generator).tolist()
    val_inputs = torch.randn(5, FEATURES, generator=generator)
    val_targets = torch.randn(5, 1, generator=generator)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(inputs, targets), batch_size=recipe["batch_size"])
    validation = None
    if recipe.get("validation"):
        validation = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(val_inputs, val_targets), batch_size=2)
    callbacks = []
    if "accumulation_scheduling" in recipe:
        callbacks.append(GradientAccumulationScheduler(
            scheduling={int(epoch): factor for epoch, factor in recipe["accumulation_scheduling"].items()}))
    if "swa" in recipe:
        swa = recipe["swa"]
        callbacks.append(StochasticWeightAveraging(
            swa_lrs=swa["swa_lrs"], swa_epoch_start=swa["swa_epoch_start"],
            annealing_epochs=swa["annealing_epochs"], annealing_strategy=swa["annealing_strategy"]))
    logger = RecordingLogger()
    module = Regression(recipe, weight, bias)
    trainer = pl.Trainer(
        max_epochs=recipe["max_epochs"], log_every_n_steps=1, accelerator="cpu", devices=1, logger=logger,
        callbacks=callbacks, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        num_sanity_val_steps=0)
    trainer.fit(module, data, validation)
    result = dict(recipe, inputs=inputs.tolist(), targets=targets.tolist(), weight=weight, bias=bias,
                  val_inputs=val_inputs.tolist(), val_targets=val_targets.tolist(),
                  final_global_step=trainer.global_step, trace=module.trace, epoch_lrs=module.epoch_lrs,
                  final_parameters=values(module.linear.parameters()), logged=logger.calls)
    if module.norm is not None:
        result["final_norm"] = {name: values([tensor]) for name, tensor in module.norm.state_dict().items()}
    for callback in callbacks:
        if isinstance(callback, StochasticWeightAveraging):
            result["n_averaged"] = int(callback.n_averaged)
    return result


recipes = {
    # 7 batches per epoch; factor 1 in epoch 0, 2 in epoch 1, 3 from epoch 2 on.
    "accumulation_scheduler": {"samples": 14, "batch_size": 2, "max_epochs": 4,
                               "accumulation_scheduling": {"1": 2, "2": 3}},
    # Averaging from epoch 3 (1-based), cosine annealing to 0.05 over 2 epochs.
    "swa_cos": {"samples": 12, "batch_size": 2, "max_epochs": 6,
                "swa": {"swa_lrs": 0.05, "swa_epoch_start": 3, "annealing_epochs": 2, "annealing_strategy": "cos"}},
    # From int(0.4 * 5) = epoch 2, linear annealing over 3 epochs, in place of a StepLR.
    "swa_linear_replaces_step_lr": {"samples": 12, "batch_size": 2, "max_epochs": 5, "step_lr": True,
                                    "swa": {"swa_lrs": 0.02, "swa_epoch_start": 0.4, "annealing_epochs": 3,
                                            "annealing_strategy": "linear"}},
    # A BatchNorm after the linear layer: the averaged model's statistics are recomputed.
    "swa_batch_norm": {"samples": 12, "batch_size": 4, "max_epochs": 4, "batch_norm": True,
                       "swa": {"swa_lrs": 0.05, "swa_epoch_start": 2, "annealing_epochs": 1, "annealing_strategy": "cos"}},
    # reduce_fx in training (batches of 3, 3, 3, 3, 1) and validation (2, 2, 1).
    "log_reduce_fx": {"samples": 13, "batch_size": 3, "max_epochs": 2, "log_reduce_fx": True, "validation": True},
}


def swalr_trace(strategy, anneal_epochs):
    """torch's SWALR alone: two param groups (lr 0.1 and 0.2, annealing to 0.05 and 0.01),
    the learning rates after construction and after each of 6 steps."""
    parameters = [torch.nn.Parameter(torch.zeros(1)), torch.nn.Parameter(torch.zeros(1))]
    optimizer = torch.optim.SGD([{"params": [parameters[0]], "lr": 0.1}, {"params": [parameters[1]], "lr": 0.2}])
    scheduler = torch.optim.swa_utils.SWALR(optimizer, swa_lr=[0.05, 0.01], anneal_epochs=anneal_epochs,
                                            anneal_strategy=strategy)
    lrs = [[group["lr"] for group in optimizer.param_groups]]
    for _ in range(6):
        optimizer.step()
        scheduler.step()
        lrs.append([group["lr"] for group in optimizer.param_groups])
    return {"anneal_strategy": strategy, "anneal_epochs": anneal_epochs, "lrs": lrs}


output = {"lightning": pl.__version__, "torch": torch.__version__,
          "recipes": {name: run(recipe) for name, recipe in recipes.items()},
          "swalr": [swalr_trace(strategy, epochs) for strategy, epochs in
                    [("cos", 0), ("cos", 1), ("cos", 3), ("linear", 2), ("linear", 10)]]}
path = pathlib.Path(__file__).with_name("callbacks.json")
path.write_text(json.dumps(output, indent=1) + "\n")
print(path)
