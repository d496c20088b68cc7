"""Records, per training batch, what PyTorch Lightning 2.6 does in the optimization recipes
of its guide: which optimizers stepped, each param group's lr after the batch, each
optimizer's gradient norm after clipping, the parameters, and every call to the logger
(names and values). Writes Tests/Reference/optimization_traces.json.

    pip install "torch==2.13.0+cpu" "pytorch-lightning==2.6.*"
    python3 Tests/Reference/lightning_optimization_traces.py

The recipes, on a small regression whose initial weights and data are in the file:
- clipping by norm, with momentum and accumulation over 2 batches (7 batches per epoch,
  so each epoch ends on a short window), and clipping by value;
- an `optimizer_step` override with a linear warm-up of the lr of two param groups (the
  guide's example: the lr is set after the step from `trainer.global_step`);
- LBFGS with a closure, with and without strong Wolfe line search, on the whole data set
  per step (the training step and its logging run once per evaluation; the last
  evaluation's value is logged). Full batches keep the problem well conditioned: on
  batches of 2 samples for 4 parameters, scaling torch's own gradients by 1 + 1e-7 changes
  a line-search decision at the third batch and the parameters there by 6%;
- manual optimization with two optimizers, GAN-like: the discriminator steps on even
  batches (its gradients clipped by norm with `clip_gradients`), the generator on odd ones
  (with `toggle_optimizer`); the module steps both schedulers from `lr_schedulers()`.
The loss is logged with `sync_dist=True`, so that a replay on several ranks logs the
loss of the whole batch. Tests/TrainerTests/OptimizationTraceTests.swift replays every
recipe on one rank and on two; it never needs Python.
"""
import json
import pathlib

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers.logger import Logger

SAMPLES = 14
BATCH_SIZE = 2   # unless a recipe says otherwise
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
        self.calls.append({"step": step, "values": {key: float(value) for key, value in metrics.items()
                                                     if key != "epoch"}})


def flat(tensors):
    return [value for tensor in tensors for value in tensor.detach().flatten().tolist()]


def gradient_norm(parameters):
    gradients = [p.grad.detach().double().flatten() for p in parameters if p.grad is not None]
    return torch.cat(gradients).norm().item() if gradients else 0.0


class Recording(pl.LightningModule):
    """Records the batch's trace at its end; `modules` are the parts each optimizer owns."""

    def setup_recording(self, recipe):
        self.recipe = recipe
        self.trace = []
        self.stepped = []

    def on_fit_start(self):
        for index, optimizer in enumerate(self.trainer.optimizers):
            optimizer.register_step_post_hook(lambda _optimizer, _args, _kwargs, index=index: self.stepped.append(index))

    def on_train_batch_start(self, batch, batch_idx):
        self.stepped = []

    def on_train_batch_end(self, outputs, batch, batch_idx):
        self.trace.append({
            "epoch": self.current_epoch, "batch": batch_idx, "global_step": self.trainer.global_step,
            "stepped": sorted(set(self.stepped)),
            "lrs": [[group["lr"] for group in optimizer.param_groups] for optimizer in self.trainer.optimizers],
            "gradient_norms": [gradient_norm([p for group in optimizer.param_groups for p in group["params"]])
                               for optimizer in self.trainer.optimizers],
            "parameters": flat(self.parameters())})


class Regression(Recording):
    """`Linear(3, 1)`, mean squared error; the optimizer the recipe names."""

    def __init__(self, recipe, initial):
        super().__init__()
        self.setup_recording(recipe)
        self.linear = torch.nn.Linear(FEATURES, 1)
        with torch.no_grad():
            self.linear.weight.copy_(torch.tensor(initial["weight"]))
            self.linear.bias.copy_(torch.tensor(initial["bias"]))

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        loss = torch.nn.functional.mse_loss(self.linear(inputs), targets)
        self.log("train_loss", loss, sync_dist=True)
        return loss

    def optimizer_step(self, epoch, batch_idx, optimizer, optimizer_closure):
        optimizer.step(closure=optimizer_closure)
        warmup = self.recipe.get("warmup_steps")
        # The guide's warm-up: after each of the first steps, the lr grows linearly.
        if warmup and self.trainer.global_step < warmup:
            scale = min(1.0, float(self.trainer.global_step + 1) / warmup)
            for group, base in zip(optimizer.param_groups, self.recipe["group_lrs"]):
                group["lr"] = scale * base

    def configure_optimizers(self):
        kind = self.recipe["optimizer"]
        if kind == "lbfgs":
            lbfgs = self.recipe["lbfgs"]
            return torch.optim.LBFGS(self.parameters(), lr=lbfgs["lr"], max_iter=lbfgs["max_iter"],
                                     line_search_fn=lbfgs["line_search_fn"])
        if kind == "sgd_groups":
            weight_lr, bias_lr = self.recipe["group_lrs"]
            return torch.optim.SGD([{"params": [self.linear.weight], "lr": weight_lr},
                                    {"params": [self.linear.bias], "lr": bias_lr}], lr=weight_lr, momentum=0.9)
        return torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)


class ManualGAN(Recording):
    """A generator `Linear(3, 3)` and a discriminator `Linear(3, 1)`: the discriminator learns
    the targets from real inputs and 0 from generated ones (even batches), the generator
    learns to make the discriminator output the targets (odd batches)."""

    def __init__(self, recipe, initial):
        super().__init__()
        self.setup_recording(recipe)
        self.automatic_optimization = False
        self.generator = torch.nn.Linear(FEATURES, FEATURES)
        self.discriminator = torch.nn.Linear(FEATURES, 1)
        with torch.no_grad():
            self.generator.weight.copy_(torch.tensor(initial["generator_weight"]))
            self.generator.bias.copy_(torch.tensor(initial["generator_bias"]))
            self.discriminator.weight.copy_(torch.tensor(initial["weight"]))
            self.discriminator.bias.copy_(torch.tensor(initial["bias"]))

    def training_step(self, batch, batch_idx):
        inputs, targets = batch
        generator_optimizer, discriminator_optimizer = self.optimizers()
        generator_scheduler, discriminator_scheduler = self.lr_schedulers()
        mse = torch.nn.functional.mse_loss
        if batch_idx % 2 == 0:
            fake = self.generator(inputs).detach()
            loss = mse(self.discriminator(inputs), targets) + mse(self.discriminator(fake), torch.zeros_like(targets))
            discriminator_optimizer.zero_grad()
            self.manual_backward(loss)
            self.clip_gradients(discriminator_optimizer, gradient_clip_val=0.5, gradient_clip_algorithm="norm")
            discriminator_optimizer.step()
            discriminator_scheduler.step()          # every discriminator step
        else:
            self.toggle_optimizer(generator_optimizer)
            loss = mse(self.discriminator(self.generator(inputs)), targets)
            generator_optimizer.zero_grad()
            self.manual_backward(loss)
            generator_optimizer.step()
            self.untoggle_optimizer(generator_optimizer)
        if self.trainer.is_last_batch:
            generator_scheduler.step()              # once per epoch
        self.log("train_loss", loss, sync_dist=True)

    def configure_optimizers(self):
        generator_optimizer = torch.optim.SGD(self.generator.parameters(), lr=0.05, momentum=0.5)
        discriminator_optimizer = torch.optim.SGD(self.discriminator.parameters(), lr=0.1, momentum=0.5)
        return ([generator_optimizer, discriminator_optimizer],
                [torch.optim.lr_scheduler.StepLR(generator_optimizer, step_size=1, gamma=0.5),
                 torch.optim.lr_scheduler.StepLR(discriminator_optimizer, step_size=2, gamma=0.8)])


def run(recipe):
    generator = torch.Generator().manual_seed(7)
    inputs = torch.randn(SAMPLES, FEATURES, generator=generator)
    targets = torch.randn(SAMPLES, 1, generator=generator)
    initial = {"weight": torch.randn(1, FEATURES, generator=generator).tolist(),
               "bias": torch.randn(1, generator=generator).tolist(),
               "generator_weight": (0.5 * torch.randn(FEATURES, FEATURES, generator=generator)).tolist(),
               "generator_bias": (0.5 * torch.randn(FEATURES, generator=generator)).tolist()}
    batch_size = recipe.get("batch_size", BATCH_SIZE)
    data = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(inputs, targets), batch_size=batch_size)
    logger = RecordingLogger()
    module = (ManualGAN if recipe["manual"] else Regression)(recipe, initial)
    trainer = pl.Trainer(
        max_epochs=recipe["max_epochs"], accumulate_grad_batches=recipe["accumulate_grad_batches"],
        gradient_clip_val=recipe["gradient_clip_val"], gradient_clip_algorithm=recipe["gradient_clip_algorithm"],
        log_every_n_steps=1, accelerator="cpu", devices=1, logger=logger, enable_checkpointing=False,
        enable_progress_bar=False, enable_model_summary=False)
    trainer.fit(module, data)
    return dict(recipe, batch_size=batch_size, inputs=inputs.tolist(), targets=targets.tolist(), initial=initial,
                final_global_step=trainer.global_step, trace=module.trace, logged=logger.calls)


def recipe(optimizer="sgd", manual=False, max_epochs=2, accumulate_grad_batches=1, gradient_clip_val=None,
           gradient_clip_algorithm=None, **extra):
    return dict(optimizer=optimizer, manual=manual, max_epochs=max_epochs,
                accumulate_grad_batches=accumulate_grad_batches, gradient_clip_val=gradient_clip_val,
                gradient_clip_algorithm=gradient_clip_algorithm, **extra)


recipes = {
    # Norm clipping on the accumulated, averaged gradients; windows of 2 over 7 batches.
    "clip_norm_accumulate_2": recipe(accumulate_grad_batches=2, gradient_clip_val=0.3, gradient_clip_algorithm="norm"),
    "clip_value": recipe(max_epochs=1, gradient_clip_val=0.05, gradient_clip_algorithm="value"),
    # Warm-up over 4 steps of two param groups at their own base lrs.
    "warmup_optimizer_step": recipe(optimizer="sgd_groups", warmup_steps=4, group_lrs=[0.1, 0.05]),
    # LBFGS on the whole data set per step: 4 epochs of one batch.
    "lbfgs_strong_wolfe": recipe(optimizer="lbfgs", max_epochs=4, batch_size=SAMPLES,
                                 lbfgs={"lr": 1.0, "max_iter": 3, "line_search_fn": "strong_wolfe"}),
    "lbfgs_fixed_step": recipe(optimizer="lbfgs", max_epochs=3, batch_size=SAMPLES,
                               lbfgs={"lr": 0.5, "max_iter": 4, "line_search_fn": None}),
    "manual_two_optimizers_schedulers": recipe(optimizer="sgd", manual=True),
}
output = {"lightning": pl.__version__, "torch": torch.__version__,
          "recipes": {name: run(settings) for name, settings in recipes.items()}}
path = pathlib.Path(__file__).with_name("optimization_traces.json")
path.write_text(json.dumps(output, indent=1) + "\n")
print(path)
