"""Records every hook call of PyTorch Lightning 2.6 around setup, training, backward passes
and optimizer steps, in order: automatic optimization (with accumulation over 2 batches, a
partial last window and clipping, and without), manual optimization with two optimizers
(one stepped with a closure, one without), and the setup/teardown of validate, test and
predict. Writes Tests/Reference/hook_order.json.

    pip install "torch==2.13.0+cpu" "pytorch-lightning==2.6.*"
    python3 Tests/Reference/lightning_hook_order.py

The Swift test Tests/TrainerTests/HookOrderTests.swift replays every recipe through
`Trainer` and compares the event lists; it never needs Python. Only the hooks the Swift
trainer offers are recorded (Lightning has more, e.g. on_validation_start).

Event names (the same in the Swift replay):
    callback.<hook> / module.<hook>   the hook ran on the recording callback / the module
    ... <stage>                       setup, teardown: fit, validate, test or predict
    ... <batch index>                 on_train_batch_start/end, training/validation/test/predict_step,
                                      optimizer_step, optimizer_zero_grad
    ... <optimizer index>             on_before_optimizer_step, on_before_zero_grad,
                                      configure_gradient_clipping
    ... <loss>                        on_before_backward: the loss about to be backpropagated (%g)
Every training loss is built to equal a known number whatever the weights (batch b of the
first optimizer: b + 1, of the second: 10 (b + 1)), so the loss the backward hooks see, and
its division by accumulate_grad_batches, is visible in the trace.
"""
import json
import pathlib

import pytorch_lightning as pl
import torch


class Events(list):
    def add(self, text):
        self.append(text)


def optimizer_index(trainer, optimizer):
    raw = getattr(optimizer, "_optimizer", optimizer)
    return [id(o) for o in trainer.optimizers].index(id(raw))


def stage_name(stage):
    """Lightning hands a TrainerFn (a str enum): its value, "fit", "validate", ..."""
    return getattr(stage, "value", stage)


def known_loss(layer, value):
    """A loss equal to `value` exactly, with gradient 1 for every parameter of `layer`."""
    total = sum(p.sum() for p in layer.parameters())
    return total - total.detach() + value


class RecordingCallback(pl.Callback):
    def __init__(self, events):
        self.events = events

    def setup(self, trainer, module, stage):
        self.events.add(f"callback.setup {stage_name(stage)}")

    def teardown(self, trainer, module, stage):
        self.events.add(f"callback.teardown {stage_name(stage)}")

    def on_fit_start(self, trainer, module):
        self.events.add("callback.on_fit_start")

    def on_fit_end(self, trainer, module):
        self.events.add("callback.on_fit_end")

    def on_train_start(self, trainer, module):
        self.events.add("callback.on_train_start")

    def on_train_end(self, trainer, module):
        self.events.add("callback.on_train_end")

    def on_train_epoch_start(self, trainer, module):
        self.events.add("callback.on_train_epoch_start")

    def on_train_epoch_end(self, trainer, module):
        self.events.add("callback.on_train_epoch_end")

    def on_train_batch_start(self, trainer, module, batch, batch_idx):
        self.events.add(f"callback.on_train_batch_start {batch_idx}")

    def on_train_batch_end(self, trainer, module, outputs, batch, batch_idx):
        self.events.add(f"callback.on_train_batch_end {batch_idx}")

    def on_validation_epoch_start(self, trainer, module):
        self.events.add("callback.on_validation_epoch_start")

    def on_validation_epoch_end(self, trainer, module):
        self.events.add("callback.on_validation_epoch_end")

    def on_before_backward(self, trainer, module, loss):
        self.events.add(f"callback.on_before_backward {float(loss):g}")

    def on_after_backward(self, trainer, module):
        self.events.add("callback.on_after_backward")

    def on_before_optimizer_step(self, trainer, module, optimizer):
        self.events.add(f"callback.on_before_optimizer_step {optimizer_index(trainer, optimizer)}")

    def on_before_zero_grad(self, trainer, module, optimizer):
        self.events.add(f"callback.on_before_zero_grad {optimizer_index(trainer, optimizer)}")


class RecordingModule(pl.LightningModule):
    """Records its hooks; the training loss of batch b is b + 1 (see `known_loss`)."""

    def __init__(self, events):
        super().__init__()
        self.events = events
        self.layer = torch.nn.Linear(2, 1)

    def configure_optimizers(self):
        self.events.add("module.configure_optimizers")
        return torch.optim.SGD(self.parameters(), lr=0.1)

    def training_step(self, batch, batch_idx):
        self.events.add(f"module.training_step {batch_idx}")
        return known_loss(self.layer, batch_idx + 1.0)

    def validation_step(self, batch, batch_idx):
        self.events.add(f"module.validation_step {batch_idx}")

    def test_step(self, batch, batch_idx):
        self.events.add(f"module.test_step {batch_idx}")

    def predict_step(self, batch, batch_idx):
        self.events.add(f"module.predict_step {batch_idx}")
        return self.layer(batch[0])

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure=None):
        self.events.add(f"module.optimizer_step {batch_idx}")
        super().optimizer_step(epoch, batch_idx, optimizer, optimizer_closure)

    def optimizer_zero_grad(self, epoch, batch_idx, optimizer):
        self.events.add(f"module.optimizer_zero_grad {batch_idx}")
        optimizer.zero_grad()

    def configure_gradient_clipping(self, optimizer, gradient_clip_val=None, gradient_clip_algorithm=None):
        self.events.add(f"module.configure_gradient_clipping {optimizer_index(self.trainer, optimizer)}")
        self.clip_gradients(optimizer, gradient_clip_val=gradient_clip_val,
                            gradient_clip_algorithm=gradient_clip_algorithm)

    def setup(self, stage):
        self.events.add(f"module.setup {stage_name(stage)}")

    def teardown(self, stage):
        self.events.add(f"module.teardown {stage_name(stage)}")

    def on_fit_start(self):
        self.events.add("module.on_fit_start")

    def on_fit_end(self):
        self.events.add("module.on_fit_end")

    def on_train_start(self):
        self.events.add("module.on_train_start")

    def on_train_end(self):
        self.events.add("module.on_train_end")

    def on_train_epoch_start(self):
        self.events.add("module.on_train_epoch_start")

    def on_train_epoch_end(self):
        self.events.add("module.on_train_epoch_end")

    def on_train_batch_start(self, batch, batch_idx):
        self.events.add(f"module.on_train_batch_start {batch_idx}")

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.events.add(f"module.on_train_batch_end {batch_idx}")

    def on_validation_epoch_start(self):
        self.events.add("module.on_validation_epoch_start")

    def on_validation_epoch_end(self):
        self.events.add("module.on_validation_epoch_end")

    def on_before_backward(self, loss):
        self.events.add(f"module.on_before_backward {float(loss):g}")

    def on_after_backward(self):
        self.events.add("module.on_after_backward")

    def on_before_optimizer_step(self, optimizer):
        self.events.add(f"module.on_before_optimizer_step {optimizer_index(self.trainer, optimizer)}")

    def on_before_zero_grad(self, optimizer):
        self.events.add(f"module.on_before_zero_grad {optimizer_index(self.trainer, optimizer)}")


class ManualRecordingModule(RecordingModule):
    """Manual optimization with two layers and two optimizers: the first stepped with a
    closure that backpropagates, the second after a manual_backward, without one."""

    def __init__(self, events):
        super().__init__(events)
        self.automatic_optimization = False
        self.second = torch.nn.Linear(2, 1)

    def configure_optimizers(self):
        self.events.add("module.configure_optimizers")
        return [torch.optim.SGD(self.layer.parameters(), lr=0.1), torch.optim.SGD(self.second.parameters(), lr=0.1)]

    def training_step(self, batch, batch_idx):
        self.events.add(f"module.training_step {batch_idx}")
        first, second = self.optimizers()

        def closure():
            first.zero_grad()
            loss = known_loss(self.layer, batch_idx + 1.0)
            self.manual_backward(loss)
            return loss

        first.step(closure=closure)
        second.zero_grad()
        self.manual_backward(known_loss(self.second, 10.0 * (batch_idx + 1)))
        second.step()


def loader(batches):
    data = torch.utils.data.TensorDataset(torch.randn(batches, 2))
    return torch.utils.data.DataLoader(data, batch_size=1)


def run(name, recipe):
    torch.manual_seed(0)
    events = Events()
    module = (ManualRecordingModule if recipe["manual"] else RecordingModule)(events)
    trainer = pl.Trainer(
        max_epochs=recipe["epochs"], accumulate_grad_batches=recipe["accumulate_grad_batches"],
        gradient_clip_val=recipe["gradient_clip_val"], num_sanity_val_steps=0, accelerator="cpu", devices=1,
        logger=False, enable_checkpointing=False, enable_progress_bar=False, enable_model_summary=False,
        callbacks=[RecordingCallback(events)])
    batches = recipe["batches"]
    validation = loader(recipe["validation_batches"]) if recipe["validation_batches"] else None
    if recipe["stage"] == "fit":
        trainer.fit(module, loader(batches), validation)
    elif recipe["stage"] == "validate":
        trainer.validate(module, loader(batches))
    elif recipe["stage"] == "test":
        trainer.test(module, loader(batches))
    else:
        trainer.predict(module, loader(batches))
    return dict(recipe, events=list(events))


fit = {"stage": "fit", "manual": False, "epochs": 1, "accumulate_grad_batches": 1, "gradient_clip_val": None,
       "validation_batches": 0}
recipes = {
    # Accumulation over 2 batches with a partial last window (batch 4), clipping by norm,
    # validation after each of 2 epochs.
    "automatic_accumulation_clipping": dict(fit, epochs=2, batches=5, accumulate_grad_batches=2,
                                            gradient_clip_val=0.5, validation_batches=2),
    # One step per batch, no clipping, no validation.
    "automatic": dict(fit, batches=3),
    # Two optimizers stepped in training_step, the first with a closure.
    "manual_two_optimizers": dict(fit, manual=True, batches=3),
    "validate": dict(fit, stage="validate", batches=2),
    "test": dict(fit, stage="test", batches=2),
    "predict": dict(fit, stage="predict", batches=2),
}
output = {"lightning": pl.__version__, "torch": torch.__version__,
          "recipes": {name: run(name, recipe) for name, recipe in recipes.items()}}
path = pathlib.Path(__file__).with_name("hook_order.json")
path.write_text(json.dumps(output, indent=1) + "\n")
print(path)
