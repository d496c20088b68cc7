"""Records the order in which PyTorch Lightning 2.6 runs the events around the end of a
training epoch: the module's and a callback's hooks, every scheduler step (with the
metric a ReduceLROnPlateau saw), validation, ModelCheckpoint saves and every call to the
logger. Writes Tests/Reference/epoch_end_order.json.

    pip install "torch==2.13.0+cpu" "pytorch-lightning==2.6.*"
    python3 Tests/Reference/lightning_epoch_end_order.py

The Swift test Tests/TrainerTests/EpochEndOrderTests.swift replays every recipe through
`Trainer` and compares the event lists; it never needs Python.

Event names (the same in the Swift replay):
    callback.<hook> / module.<hook>   on_train_epoch_start, on_train_batch_start, on_train_batch_end,
                                      on_validation_epoch_start, on_validation_epoch_end, on_train_epoch_end
    scheduler.step <class> [<metric>] a scheduler stepped (module.lr_scheduler_step)
    checkpoint.save                   ModelCheckpoint wrote a checkpoint
    log <keys>                        the logger received metrics (sorted keys, `epoch` left out)
The validation loss logged at epoch e (counted from 0) is 10 - e, so a plateau scheduler
that sees a stale or missing value is visible in the trace.
"""
import json
import pathlib
import tempfile

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers.logger import Logger

TRAIN_BATCHES = 4
VALIDATION_BATCHES = 2


class Events(list):
    def add(self, text):
        self.append(text)


class RecordingLogger(Logger):
    def __init__(self, events):
        super().__init__()
        self.events = events

    @property
    def name(self):
        return "recording"

    @property
    def version(self):
        return 0

    def log_hyperparams(self, params, *args, **kwargs):
        pass

    def log_metrics(self, metrics, step=None):
        keys = sorted(key for key in metrics if key != "epoch")
        self.events.add("log " + ",".join(keys))


class RecordingCheckpoint(pl.callbacks.ModelCheckpoint):
    def __init__(self, events, **kwargs):
        super().__init__(**kwargs)
        self.events = events

    def _save_checkpoint(self, trainer, filepath):
        self.events.add("checkpoint.save")
        super()._save_checkpoint(trainer, filepath)


class RecordingCallback(pl.Callback):
    def __init__(self, events):
        self.events = events

    def on_train_epoch_start(self, trainer, module):
        self.events.add("callback.on_train_epoch_start")

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        self.events.add(f"callback.on_train_batch_start {batch_idx}")

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        self.events.add(f"callback.on_train_batch_end {batch_idx}")

    def on_train_epoch_end(self, trainer, module):
        self.events.add("callback.on_train_epoch_end")

    def on_validation_epoch_start(self, trainer, module):
        self.events.add("callback.on_validation_epoch_start")

    def on_validation_epoch_end(self, trainer, module):
        self.events.add("callback.on_validation_epoch_end")


class RecordingModule(pl.LightningModule):
    def __init__(self, events, schedulers):
        super().__init__()
        self.events = events
        self.schedulers = schedulers
        self.layer = torch.nn.Linear(2, 1)

    def training_step(self, batch, batch_idx):
        loss = self.layer(batch[0]).pow(2).mean()
        self.log("train_loss", loss, on_step=True, on_epoch=True)
        return loss

    def validation_step(self, batch, batch_idx):
        self.log("val_loss", 10.0 - self.current_epoch)

    def on_train_epoch_start(self):
        self.events.add("module.on_train_epoch_start")

    def on_train_batch_start(self, batch, batch_idx):
        self.events.add(f"module.on_train_batch_start {batch_idx}")

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.events.add(f"module.on_train_batch_end {batch_idx}")

    def on_train_epoch_end(self):
        self.events.add("module.on_train_epoch_end")

    def on_validation_epoch_start(self):
        self.events.add("module.on_validation_epoch_start")

    def on_validation_epoch_end(self):
        self.events.add("module.on_validation_epoch_end")

    def lr_scheduler_step(self, scheduler, metric):
        seen = "" if metric is None else f" {float(metric):g}"
        self.events.add(f"scheduler.step {type(scheduler).__name__}{seen}")
        if metric is None:
            scheduler.step()
        else:
            scheduler.step(metric)

    def configure_optimizers(self):
        optimizer = torch.optim.SGD(self.parameters(), lr=0.1)
        configs = []
        for kind in self.schedulers:
            if kind.startswith("plateau"):
                # "plateau_lenient": strict=False, skipped while val_loss is not logged yet.
                configs.append({"scheduler": torch.optim.lr_scheduler.ReduceLROnPlateau(optimizer, patience=0),
                                "interval": "epoch", "monitor": "val_loss", "strict": kind == "plateau"})
            else:
                configs.append({"scheduler": torch.optim.lr_scheduler.StepLR(optimizer, step_size=1, gamma=0.5),
                                "interval": kind})
        return [optimizer], configs


def run(recipe):
    torch.manual_seed(0)
    events = Events()
    train = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(torch.randn(TRAIN_BATCHES, 2)), batch_size=1)
    validation = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.randn(VALIDATION_BATCHES, 2)), batch_size=1)
    with tempfile.TemporaryDirectory() as directory:
        callbacks = [RecordingCallback(events)]
        if recipe["checkpoint"]:
            callbacks.append(RecordingCheckpoint(events, dirpath=directory, save_top_k=-1))
        trainer = pl.Trainer(
            max_epochs=recipe["epochs"], val_check_interval=recipe["val_check_interval"],
            check_val_every_n_epoch=recipe["check_val_every_n_epoch"], log_every_n_steps=1,
            num_sanity_val_steps=0, accelerator="cpu", devices=1, logger=RecordingLogger(events),
            enable_checkpointing=recipe["checkpoint"], enable_progress_bar=False, enable_model_summary=False,
            callbacks=callbacks)
        trainer.fit(RecordingModule(events, recipe["schedulers"]), train,
                    validation if recipe["validation"] else None)
    return dict(recipe, train_batches=TRAIN_BATCHES, validation_batches=VALIDATION_BATCHES, events=list(events))


recipes = {
    # Validation after every epoch, a step, an epoch and a plateau scheduler, checkpoints.
    "validate_every_epoch": {"epochs": 2, "validation": True, "val_check_interval": 1.0,
                             "check_val_every_n_epoch": 1, "schedulers": ["step", "epoch", "plateau"],
                             "checkpoint": True},
    # Validation twice per epoch: checkpoints follow validation.
    "validate_twice_per_epoch": {"epochs": 2, "validation": True, "val_check_interval": 0.5,
                                 "check_val_every_n_epoch": 1, "schedulers": ["epoch", "plateau"],
                                 "checkpoint": True},
    # Validation every second epoch: the plateau scheduler keeps the last val_loss.
    "validate_every_second_epoch": {"epochs": 3, "validation": True, "val_check_interval": 1.0,
                                    "check_val_every_n_epoch": 2, "schedulers": ["epoch", "plateau_lenient"],
                                    "checkpoint": True},
    # No validation data.
    "no_validation": {"epochs": 2, "validation": False, "val_check_interval": 1.0,
                      "check_val_every_n_epoch": 1, "schedulers": ["epoch"], "checkpoint": True},
}
output = {"lightning": pl.__version__, "torch": torch.__version__,
          "recipes": {name: run(recipe) for name, recipe in recipes.items()}}
path = pathlib.Path(__file__).with_name("epoch_end_order.json")
path.write_text(json.dumps(output, indent=1) + "\n")
print(path)
