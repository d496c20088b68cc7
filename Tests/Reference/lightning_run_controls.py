"""Records what PyTorch Lightning 2.6 runs under its run controls: fast_dev_run,
overfit_batches, num_sanity_val_steps, min_epochs and min_steps against a stop request,
and limit_test_batches. Writes Tests/Reference/run_controls.json.

    pip install "torch==2.13.0+cpu" "pytorch-lightning==2.6.*"
    python3 Tests/Reference/lightning_run_controls.py

The Swift test Tests/TrainerTests/RunControlTests.swift replays every recipe through
`Trainer` and compares; it never needs Python.

The data: TRAIN_SAMPLES samples numbered 0, 1, ... (the number is the feature), in batches
of BATCH_SIZE; VALIDATION_SAMPLES likewise for validation and test. The training loader
shuffles (seed 0) unless a recipe says otherwise. Recorded per recipe:
    train_batches     [epoch, batch_idx, first sample number] of every training batch
    validation_runs   [epoch, batches] of every validation run after the sanity check
    sanity_batches    validation_step calls during the sanity check
    test_batches      test_step calls (recipes that test)
    global_step, current_epoch   at the end of fit
    logger_calls      calls of the logger's log_metrics
    checkpoints       the files ModelCheckpoint(save_last=True) wrote (Lightning 2.6.6 writes
                      last.ckpt at the end of a fast_dev_run, though it says checkpointing is
                      suppressed; swift-ddp writes nothing, as the message says)
    early_stopping_checks   times EarlyStopping compared the monitored value
The validation metric `constant` is 1.0 every time, so EarlyStopping(patience=1) asks to
stop at its second check, whatever the model learns.
"""
import json
import os
import pathlib
import tempfile

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers.logger import Logger

TRAIN_SAMPLES = 40
VALIDATION_SAMPLES = 12
BATCH_SIZE = 4


class CountingLogger(Logger):
    def __init__(self):
        super().__init__()
        self.calls = 0

    @property
    def name(self):
        return "counting"

    @property
    def version(self):
        return 0

    def log_hyperparams(self, params, *args, **kwargs):
        pass

    def log_metrics(self, metrics, step=None):
        self.calls += 1


class CountingEarlyStopping(pl.callbacks.EarlyStopping):
    checks = 0

    def _evaluate_stopping_criteria(self, current):
        CountingEarlyStopping.checks += 1
        return super()._evaluate_stopping_criteria(current)


class StopAtBatch(pl.Callback):
    """Asks the trainer to stop after training batch `batch` of epoch `epoch`."""

    def __init__(self, epoch, batch):
        self.epoch, self.batch = epoch, batch

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        if trainer.current_epoch == self.epoch and batch_idx == self.batch:
            trainer.should_stop = True


class Recorder(pl.LightningModule):
    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.layer = torch.nn.Linear(1, 1)
        self.record = {"train_batches": [], "validation_runs": [], "sanity_batches": 0, "test_batches": 0}
        self.validated = 0

    def training_step(self, batch, batch_idx):
        x, y = batch
        self.record["train_batches"].append([self.current_epoch, batch_idx, int(x[0, 0].item())])
        loss = torch.nn.functional.mse_loss(self.layer(x / 40), y)
        self.log("train_loss", loss)
        return loss

    def on_validation_epoch_start(self):
        self.validated = 0

    def validation_step(self, batch, batch_idx):
        if self.trainer.sanity_checking:
            self.record["sanity_batches"] += 1
        else:
            self.validated += 1
        self.log("constant", 1.0)

    def on_validation_epoch_end(self):
        if not self.trainer.sanity_checking:
            self.record["validation_runs"].append([self.current_epoch, self.validated])

    def test_step(self, batch, batch_idx):
        self.record["test_batches"] += 1
        self.log("test_constant", 1.0)

    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.1)


def loader(count, shuffle):
    x = torch.arange(count, dtype=torch.float32).unsqueeze(1)
    data = torch.utils.data.TensorDataset(x, x / 40)
    return torch.utils.data.DataLoader(data, batch_size=BATCH_SIZE, shuffle=shuffle,
                                       generator=torch.Generator().manual_seed(0))


def run(name, trainer_options, early_stopping=False, test=False, stop_at=None):
    CountingEarlyStopping.checks = 0
    module = Recorder()
    logger = CountingLogger()
    with tempfile.TemporaryDirectory() as folder:
        callbacks = [pl.callbacks.ModelCheckpoint(dirpath=folder, save_last=True)]
        if early_stopping:
            callbacks.append(CountingEarlyStopping(monitor="constant", patience=1))
        if stop_at:
            callbacks.append(StopAtBatch(*stop_at))
        options = dict(max_epochs=3, accelerator="cpu", devices=1, logger=logger, callbacks=callbacks,
                       enable_progress_bar=False, enable_model_summary=False, log_every_n_steps=1)
        options.update(trainer_options)
        trainer = pl.Trainer(**options)
        trainer.fit(module, loader(TRAIN_SAMPLES, shuffle=True), loader(VALIDATION_SAMPLES, shuffle=False))
        result = dict(module.record)
        result.update(global_step=trainer.global_step, current_epoch=trainer.current_epoch,
                      logger_calls=logger.calls, checkpoints=sorted(os.listdir(folder)),
                      early_stopping_checks=CountingEarlyStopping.checks)
        if test:
            trainer.test(module, loader(VALIDATION_SAMPLES, shuffle=False), verbose=False)
            result["test_batches"] = module.record["test_batches"]
    options = {key: value for key, value in trainer_options.items()}
    return {"name": name, "options": options, "early_stopping": early_stopping, "test": test,
            "stop_at": list(stop_at) if stop_at else None, **result}


def main():
    recipes = [
        run("fast_dev_run", {"fast_dev_run": True}, early_stopping=True, test=True),
        run("fast_dev_run_3", {"fast_dev_run": 3}, early_stopping=True, test=True),
        run("overfit_count", {"overfit_batches": 2}),
        run("overfit_fraction", {"overfit_batches": 0.5}),
        run("sanity_default", {}),
        run("sanity_all", {"num_sanity_val_steps": -1, "max_epochs": 1}),
        run("sanity_none", {"num_sanity_val_steps": 0, "max_epochs": 1}),
        run("early_stopping", {"max_epochs": 6}, early_stopping=True),
        run("min_epochs", {"max_epochs": 6, "min_epochs": 4}, early_stopping=True),
        run("min_steps_mid_epoch", {"max_epochs": 6, "min_steps": 15}, stop_at=(0, 1)),
        run("stop_mid_epoch", {"max_epochs": 6}, stop_at=(1, 3)),
        run("limit_test_batches", {"limit_test_batches": 2, "max_epochs": 1}, test=True),
    ]
    fixture = {
        "lightning": pl.__version__, "torch": torch.__version__,
        "train_samples": TRAIN_SAMPLES, "validation_samples": VALIDATION_SAMPLES, "batch_size": BATCH_SIZE,
        "recipes": recipes,
    }
    path = pathlib.Path(__file__).with_name("run_controls.json")
    path.write_text(json.dumps(fixture, indent=1) + "\n")
    print(f"wrote {path} ({len(recipes)} recipes)")


if __name__ == "__main__":
    main()
