#!/usr/bin/env python3
"""Records the PyTorch reference traces the OptimTests replay.

Writes optimizers.json, schedulers.json and clipping.json beside this script (or into the
directory given as the first argument). Needs torch only here: the Swift tests read the
JSON files and never run Python.

    pip install "torch==2.13.0+cpu"   # the version the committed files were recorded with
    python3 Tests/OptimTests/Fixtures/record_fixtures.py

Every computation runs in float64, so the traces are torch.optim's arithmetic with as
little rounding of its own as possible; the Swift side compares within a tolerance.
"""

import json
import math
import os
import platform
import sys
import warnings

import torch

# Stepping a scheduler before any optimizer step with a gradient warns; the traces do it on purpose.
warnings.filterwarnings("ignore")

GENERATOR = "record_fixtures.py"
META = {"generator": GENERATOR, "torch": torch.__version__, "python": platform.python_version()}


def float32_exact(rows):
    """Values given to 4 decimals, rounded to float32 (as the Swift tests hold them), as float64."""
    return torch.tensor(rows, dtype=torch.float32).to(torch.float64)


# ---------------------------------------------------------------------------------------
# optimizers.json
# ---------------------------------------------------------------------------------------

OPTIMIZERS_FORMAT = (
    "Optimizer reference traces (PyTorch, float64). Two problems. (1) 'linreg': data X (8x3) and Y (8x2) in "
    "problem_linreg (all inputs are float32-exact); params W (2x3, row-major nested lists) and b (2) start at "
    "W0/b0; loss = mean over all 16 entries of (X W^T + b - Y)^2, so dL/dP = 2 (X W^T + b - Y)/16 with "
    "P = X W^T + b, grad_W = dP^T X, grad_b = column sums of dP. Each case: param_groups (which params, full "
    "resolved torch options incl. defaults), then trace[k] for step k=1..steps: loss_before and grad_W/grad_b "
    "are the loss and gradients computed at the params before step k (exactly what optimizer.step() saw; "
    "replay by feeding these grads, or recompute from the loss), W/b are params after step k. Weight decay in "
    "SGD/Adam/RMSprop/Adagrad/Adadelta/Adamax/NAdam(non-decoupled)/RAdam is L2 added to grad (grad += wd*p) "
    "before the update; AdamW and NAdam(decoupled_weight_decay) multiply p by (1 - lr*wd) first. "
    "(2) 'rosenbrock': f(x)=(1-x0)^2+100(x1-x0^2)^2 from x0=[-1.5,2.0]; LBFGS.step(closure) is called 'steps' "
    "times; trace[k] gives x after step k, returned_loss (the loss torch's step returns = f at the start of "
    "that step), f_at_x, cumulative closure evaluation count; closure_evaluations lists every closure call in "
    "order (x, f, grad)."
)

LINREG = {
    "X": [[-0.0883, 0.342, 0.4112], [1.0051, -0.1117, -0.5988], [-0.0982, -0.3511, 0.1148],
          [-0.1952, -0.5215, 0.8718], [1.7656, 0.7725, -2.6852], [-0.1483, -0.366, 0.0853],
          [1.0006, -0.0962, 1.0628], [0.8112, -0.0721, 0.8024]],
    "Y": [[-0.4052, -0.5537], [1.1834, 0.4737], [0.9282, -0.8058], [1.2238, -1.741], [-0.9237, 4.0179],
          [0.968, -0.8515], [1.884, -1.5083], [1.4358, -1.1454]],
    "W0": [[0.8731, -0.0361, -0.8397], [-0.8505, 0.3243, 0.8827]],
    "b0": [0.5406, 0.6218],
}

LINREG_STEPS = 20
ROSENBROCK_STEPS = 6
ROSENBROCK_START = [-1.5, 2.0]

# (name, optimizer, description, constructor options, per-group overrides {param name: options} or None).
# Options are passed as torch's keyword arguments so that the recorded groups hold torch's own
# resolved values (an int default stays an int, as torch keeps it).
LINREG_CASES = [
    ("sgd_plain", "SGD", "", {"lr": 0.1}, None),
    ("sgd_momentum_dampening", "SGD", "", {"lr": 0.1, "momentum": 0.9, "dampening": 0.1}, None),
    ("sgd_nesterov_weight_decay", "SGD", "", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}, None),
    ("sgd_momentum_param_groups", "SGD", "two param groups: W lr=0.1, b lr=0.01, both momentum 0.9",
     {"lr": 0.1, "momentum": 0.9}, {"W": {}, "b": {"lr": 0.01}}),
    ("adam_default", "Adam", "all defaults (lr=1e-3)", {}, None),
    ("adam_lr0.05", "Adam", "", {"lr": 0.05}, None),
    ("adam_amsgrad", "Adam", "", {"lr": 0.05, "amsgrad": True}, None),
    ("adam_beta2_0.9", "Adam", "baseline for adam_amsgrad_beta2_0.9", {"lr": 0.05, "betas": (0.9, 0.9)}, None),
    ("adam_weight_decay", "Adam", "L2 (coupled) weight decay added to grad", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("adam_param_groups", "Adam", "W: lr 0.05 betas default; b: lr 0.01 betas (0.8, 0.99)",
     {"lr": 0.05}, {"W": {}, "b": {"lr": 0.01, "betas": (0.8, 0.99)}}),
    ("adamw", "AdamW", "decoupled weight decay", {"lr": 0.05, "weight_decay": 0.1}, None),
    ("adamw_amsgrad", "AdamW", "", {"lr": 0.05, "weight_decay": 0.1, "amsgrad": True}, None),
    ("rmsprop_plain", "RMSprop", "", {}, None),
    ("rmsprop_centered_momentum", "RMSprop", "", {"momentum": 0.9, "centered": True}, None),
    ("rmsprop_weight_decay", "RMSprop", "", {"alpha": 0.9, "weight_decay": 0.05}, None),
    ("adagrad", "Adagrad", "", {"lr": 0.1}, None),
    ("adadelta", "Adadelta", "", {}, None),
    ("adadelta_rho_wd", "Adadelta", "", {"lr": 0.5, "rho": 0.8, "weight_decay": 0.01}, None),
    ("adamax", "Adamax", "", {"lr": 0.02}, None),
    ("nadam", "NAdam", "", {"lr": 0.02}, None),
    ("radam", "RAdam", "rectification inactive for rho_t<=5 (first steps), active after", {"lr": 0.05}, None),
]

LBFGS_CASES = [
    ("lbfgs_no_line_search_lr1", {"lr": 1.0}),
    ("lbfgs_no_line_search_lr0.1", {"lr": 0.1}),
    ("lbfgs_strong_wolfe", {"lr": 1.0, "line_search_fn": "strong_wolfe"}),
]


def recorded_groups(optimizer, names):
    """Each group's parameter names and its options as torch resolved them (a tuple becomes a list)."""
    return [{"params": [names[id(p)] for p in group["params"]],
             "options": {key: value for key, value in group.items() if key != "params"}}
            for group in optimizer.param_groups]


def linreg_case(name, optimizer_name, description, options, groups):
    X, Y = float32_exact(LINREG["X"]), float32_exact(LINREG["Y"])
    W = float32_exact(LINREG["W0"]).requires_grad_()
    b = float32_exact(LINREG["b0"]).requires_grad_()
    by_name = {"W": W, "b": b}
    parameters = [W, b] if groups is None else [
        {"params": [by_name[param]], **overrides} for param, overrides in groups.items()]
    optimizer = getattr(torch.optim, optimizer_name)(parameters, **options)
    trace = []
    for step in range(1, LINREG_STEPS + 1):
        optimizer.zero_grad()
        loss = ((X @ W.T + b - Y) ** 2).mean()
        loss.backward()
        grad_W, grad_b = W.grad.tolist(), b.grad.tolist()
        optimizer.step()
        trace.append({"step": step, "loss_before": loss.item(), "grad_W": grad_W, "grad_b": grad_b,
                      "W": W.detach().tolist(), "b": b.detach().tolist()})
    return {"name": name, "optimizer": optimizer_name, "description": description, "problem": "linreg",
            "param_groups": recorded_groups(optimizer, {id(W): "W", id(b): "b"}),
            "steps": LINREG_STEPS, "trace": trace}


def rosenbrock(x):
    return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2


def lbfgs_case(name, options):
    x = torch.tensor(ROSENBROCK_START, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.LBFGS([x], **options)
    evaluations = []

    def closure():
        optimizer.zero_grad()
        loss = rosenbrock(x)
        loss.backward()
        evaluations.append({"x": x.detach().tolist(), "f": loss.item(), "grad": x.grad.tolist()})
        return loss

    trace = []
    for step in range(1, ROSENBROCK_STEPS + 1):
        returned = optimizer.step(closure)
        state = optimizer.state[x]
        with torch.no_grad():
            f_at_x = rosenbrock(x).item()
        trace.append({"step": step, "returned_loss": float(returned), "x": x.detach().tolist(), "f_at_x": f_at_x,
                      "closure_evals_total": len(evaluations), "func_evals_state": state["func_evals"],
                      "n_iter_state": state["n_iter"]})
    return {"name": name, "optimizer": "LBFGS", "problem": "rosenbrock", "x0": ROSENBROCK_START,
            "param_groups": recorded_groups(optimizer, {id(x): "x"}), "steps": ROSENBROCK_STEPS,
            "trace": trace, "closure_evaluations": evaluations}


def optimizers_reference():
    problem = {key: float32_exact(values).tolist() for key, values in LINREG.items()}
    cases = [linreg_case(*case) for case in LINREG_CASES] + [lbfgs_case(*case) for case in LBFGS_CASES]
    return {"format": OPTIMIZERS_FORMAT, "meta": META, "problem_linreg": problem, "cases": cases}


# ---------------------------------------------------------------------------------------
# schedulers.json
# ---------------------------------------------------------------------------------------

SCHEDULERS_FORMAT = (
    "LR scheduler reference (PyTorch). For 'cases': an SGD optimizer (momentum 0.9 unless noted; Adam where "
    "noted) has param groups with initial lr base_lrs; scheduler constructed; then n_steps times "
    "{optimizer.step(); scheduler.step()} with no epoch argument. lr[i][g] = lr of group g after i scheduler "
    "steps (lr[0] = value right after construction, i.e. the lr used for training step 0), so lr has n_steps+1 "
    "rows. 'momentum' (when present) is the same for the momentum/beta1 that OneCycleLR/CyclicLR cycle. "
    "'plateau': ReduceLROnPlateau stepped once per metric with metrics[i]; lr_after_step[i][g] is the lr after "
    "step(metrics[i]); best/num_bad_epochs/cooldown_counter after each step are given to help debugging; "
    "options are the fully resolved torch options. 'keras': ExponentialDecay computed by formula (see each "
    "entry's formula)."
)

MOMENTUM_NOTE = "SGD momentum per group (or Adam beta1) after each step; cycled by the scheduler"
SCHEDULER_STEPS = 60
ONE_CYCLE_TOTAL = 60


def one_cycle_description(strategy, three_phase):
    return (f"OneCycleLR(max_lr=0.1, total_steps=60, pct_start=0.3, div_factor=25, final_div_factor=1e4, "
            f"anneal_strategy='{strategy}', three_phase={three_phase}); base lr overwritten to max_lr/div_factor; "
            f"cycle_momentum True (base 0.85, max 0.95); 60 lr values = the 60 training steps")


S = torch.optim.lr_scheduler
# (name, description, base lrs, uses Adam, builds the scheduler on an optimizer, steps).
SCHEDULER_CASES = [
    ("StepLR_10_0.5", "StepLR(step_size=10, gamma=0.5)", [0.1], False,
     lambda o: S.StepLR(o, step_size=10, gamma=0.5), SCHEDULER_STEPS),
    ("StepLR_groups", "StepLR(step_size=7, gamma=0.3) with two param groups (lr 0.1, 0.02)", [0.1, 0.02], False,
     lambda o: S.StepLR(o, step_size=7, gamma=0.3), SCHEDULER_STEPS),
    ("MultiStepLR", "MultiStepLR([15,30,45], 0.1)", [0.1], False,
     lambda o: S.MultiStepLR(o, milestones=[15, 30, 45], gamma=0.1), SCHEDULER_STEPS),
    ("ExponentialLR", "ExponentialLR(gamma=0.95)", [0.1], False,
     lambda o: S.ExponentialLR(o, gamma=0.95), SCHEDULER_STEPS),
    ("CosineAnnealingLR_T60", "CosineAnnealingLR(T_max=60, eta_min=1e-3)", [0.1], False,
     lambda o: S.CosineAnnealingLR(o, T_max=60, eta_min=1e-3), SCHEDULER_STEPS),
    ("CosineAnnealingWarmRestarts_T0_5_Tmult2",
     "CosineAnnealingWarmRestarts(T_0=5, T_mult=2, eta_min=1e-3), step() without epoch argument", [0.1], False,
     lambda o: S.CosineAnnealingWarmRestarts(o, T_0=5, T_mult=2, eta_min=1e-3), SCHEDULER_STEPS),
    ("OneCycleLR_cos_three_phase_False", one_cycle_description("cos", False), [0.1], False,
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=ONE_CYCLE_TOTAL), ONE_CYCLE_TOTAL - 1),
    ("OneCycleLR_cos_three_phase_True", one_cycle_description("cos", True), [0.1], False,
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=ONE_CYCLE_TOTAL, three_phase=True), ONE_CYCLE_TOTAL - 1),
    ("OneCycleLR_linear_three_phase_False", one_cycle_description("linear", False), [0.1], False,
     lambda o: S.OneCycleLR(o, max_lr=0.1, total_steps=ONE_CYCLE_TOTAL, anneal_strategy="linear"),
     ONE_CYCLE_TOTAL - 1),
    ("OneCycleLR_adam_cos", "OneCycleLR(max_lr=0.01, total_steps=60) on Adam: cycles beta1 (recorded in 'momentum')",
     [0.1], True, lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=ONE_CYCLE_TOTAL), ONE_CYCLE_TOTAL - 1),
    ("LinearLR", "LinearLR(0.1 -> 1.0 over 10)", [0.1], False,
     lambda o: S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=10), SCHEDULER_STEPS),
    ("LinearLR_decay", "LinearLR(1.0 -> 0.05 over 40)", [0.1], False,
     lambda o: S.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=40), SCHEDULER_STEPS),
    ("ConstantLR", "ConstantLR(factor=0.5, total_iters=10)", [0.1], False,
     lambda o: S.ConstantLR(o, factor=0.5, total_iters=10), SCHEDULER_STEPS),
    ("PolynomialLR", "PolynomialLR(total_iters=40, power=2)", [0.1], False,
     lambda o: S.PolynomialLR(o, total_iters=40, power=2), SCHEDULER_STEPS),
    ("CyclicLR_triangular", "CyclicLR(0.01, 0.1, step_size_up=5, mode=triangular), cycle_momentum (0.8..0.9)",
     [0.1], False, lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, mode="triangular"),
     SCHEDULER_STEPS),
    ("CyclicLR_triangular2", "CyclicLR(0.01, 0.1, up=5, down=10, mode=triangular2)", [0.1], False,
     lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=5, step_size_down=10, mode="triangular2"),
     SCHEDULER_STEPS),
    ("CyclicLR_no_momentum_cycle", "CyclicLR triangular, cycle_momentum=False", [0.1], False,
     lambda o: S.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=6, cycle_momentum=False), SCHEDULER_STEPS),
    ("SequentialLR_warmup_cosine",
     "SequentialLR([LinearLR(0.1->1, 5), CosineAnnealingLR(T_max=55, eta_min=0)], milestones=[5])", [0.1], False,
     lambda o: S.SequentialLR(o, [S.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=5),
                                  S.CosineAnnealingLR(o, T_max=55, eta_min=0)], milestones=[5]),
     SCHEDULER_STEPS),
    ("ChainedScheduler_const_exp", "ChainedScheduler([ConstantLR(0.5, 5), ExponentialLR(0.95)]) (factors multiply)",
     [0.1], False,
     lambda o: S.ChainedScheduler([S.ConstantLR(o, factor=0.5, total_iters=5), S.ExponentialLR(o, gamma=0.95)]),
     SCHEDULER_STEPS),
]

# A metric that improves, then wobbles on a plateau (the max-mode cases watch 1 - metric).
PLATEAU_METRICS = [
    1.0, 0.8, 0.666667, 0.571429, 0.5, 0.444444, 0.4, 0.363636, 0.333333, 0.307692, 0.285714, 0.266667,
    0.27, 0.2695, 0.2701, 0.2699, 0.2694, 0.2698, 0.269, 0.2693, 0.2689, 0.2696, 0.2688, 0.2688, 0.2687,
    0.2691, 0.2686, 0.2689, 0.2685, 0.269, 0.2684, 0.2684, 0.2684, 0.2683, 0.2689, 0.2683, 0.2682, 0.269,
    0.2681, 0.2688, 0.2681, 0.2681,
]

# (name, base lrs, ReduceLROnPlateau keyword arguments).
PLATEAU_CASES = [
    ("plateau_min_rel", [0.1], {"mode": "min", "factor": 0.5, "patience": 3, "threshold": 1e-3}),
    ("plateau_min_abs_cooldown_minlr", [0.1],
     {"mode": "min", "factor": 0.5, "patience": 2, "threshold": 5e-4, "threshold_mode": "abs", "cooldown": 2,
      "min_lr": 0.01}),
    ("plateau_max_rel_cooldown", [0.1], {"mode": "max", "factor": 0.3, "patience": 2, "threshold": 1e-3, "cooldown": 3}),
    ("plateau_min_rel_defaults", [0.1, 0.05], {"mode": "min", "patience": 4, "min_lr": [0.0, 0.01]}),
]

KERAS_FORMULA = ("lr(step) = initial_learning_rate * decay_rate ** (p), p = step / decay_steps "
                 "(staircase: p = floor(step / decay_steps)); computed in Python float64, not by torch")


def scheduled_optimizer(base_lrs, adam):
    """One group per base lr, each over its own small parameter (with a zero gradient, so steps run)."""
    groups = []
    for lr in base_lrs:
        parameter = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
        parameter.grad = torch.zeros_like(parameter)
        groups.append({"params": [parameter], "lr": lr})
    return torch.optim.Adam(groups) if adam else torch.optim.SGD(groups, momentum=0.9)


def cycled_momentum(optimizer):
    return [group["betas"][0] if "betas" in group else group["momentum"] for group in optimizer.param_groups]


def scheduler_case(name, description, base_lrs, adam, build, steps):
    optimizer = scheduled_optimizer(base_lrs, adam)
    scheduler = build(optimizer)
    lrs = [[group["lr"] for group in optimizer.param_groups]]
    momentum = [cycled_momentum(optimizer)]
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
        lrs.append([group["lr"] for group in optimizer.param_groups])
        momentum.append(cycled_momentum(optimizer))
    case = {"name": name, "scheduler": type(scheduler).__name__, "description": description,
            "base_lrs": base_lrs, "n_steps": steps, "lr": lrs}
    if getattr(scheduler, "cycle_momentum", False):
        case["momentum"] = momentum
        case["momentum_note"] = MOMENTUM_NOTE
    return case


def plateau_case(name, base_lrs, options):
    optimizer = scheduled_optimizer(base_lrs, adam=False)
    scheduler = S.ReduceLROnPlateau(optimizer, **options)
    metrics = PLATEAU_METRICS if scheduler.mode == "min" else [round(1 - m, 6) for m in PLATEAU_METRICS]
    case = {"name": name, "scheduler": "ReduceLROnPlateau",
            "options": {"mode": scheduler.mode, "factor": scheduler.factor, "patience": scheduler.patience,
                        "threshold": scheduler.threshold, "threshold_mode": scheduler.threshold_mode,
                        "cooldown": scheduler.cooldown, "min_lrs": list(scheduler.min_lrs), "eps": scheduler.eps},
            "base_lrs": base_lrs, "metrics": metrics,
            "lr_after_step": [], "best_after_step": [], "num_bad_epochs_after_step": [],
            "cooldown_counter_after_step": []}
    for metric in metrics:
        scheduler.step(metric)
        case["lr_after_step"].append([group["lr"] for group in optimizer.param_groups])
        case["best_after_step"].append(scheduler.best)
        case["num_bad_epochs_after_step"].append(scheduler.num_bad_epochs)
        case["cooldown_counter_after_step"].append(scheduler.cooldown_counter)
    return case


def keras_case(staircase):
    initial, decay_steps, decay_rate = 0.1, 10, 0.5
    steps = list(range(SCHEDULER_STEPS + 1))

    def lr(step):
        p = step / decay_steps
        return initial * decay_rate ** (math.floor(p) if staircase else p)

    return {"name": f"keras_ExponentialDecay_staircase_{staircase}", "initial_learning_rate": initial,
            "decay_steps": decay_steps, "decay_rate": decay_rate, "staircase": staircase, "step": steps,
            "lr": [lr(step) for step in steps], "formula": KERAS_FORMULA}


def schedulers_reference():
    return {"format": SCHEDULERS_FORMAT, "meta": META,
            "cases": [scheduler_case(*case) for case in SCHEDULER_CASES],
            "plateau": [plateau_case(*case) for case in PLATEAU_CASES],
            "keras": [keras_case(staircase) for staircase in (False, True)]}


# ---------------------------------------------------------------------------------------
# clipping.json
# ---------------------------------------------------------------------------------------

CLIPPING_FORMAT = (
    "Gradient clipping reference (PyTorch, float64). grads_before: 3 gradient tensors (shapes 3x4, 4, 2x2). "
    "clip_grad_norm_: total_norm = norm_type-norm of the concatenation of all grads (inf: max |g|); torch "
    "computes clip_coef = max_norm / (total_norm + 1e-6), clamps it to <= 1 and multiplies every grad by the "
    "clamped coef (so grads are unchanged when under the threshold); total_norm returned is the pre-clip norm. "
    "clip_grad_value_: clamp each element to [-clip_value, clip_value]."
)

GRADS_BEFORE = [
    [[0.5, -1.25, 2.0, 0.0], [3.5, -0.75, 1.0, -2.25], [0.125, 4.0, -3.0, 1.5]],
    [-0.5, 2.5, -1.75, 0.25],
    [[1.0, -6.0], [0.375, 2.0]],
]
# (max_norm, norm_type) pairs: one that clips hard, one that clips a little, one under the threshold.
NORM_CASES = [(1.0, 2.0), (5.0, 2.0), (100.0, 2.0), (10.0, 1.0), (100.0, 1.0), (2.0, math.inf), (10.0, math.inf)]
VALUE_CASES = [0.5, 2.5]


def parameters_with_grads():
    parameters = []
    for grad in GRADS_BEFORE:
        parameter = torch.zeros_like(torch.tensor(grad, dtype=torch.float64), requires_grad=True)
        parameter.grad = torch.tensor(grad, dtype=torch.float64)
        parameters.append(parameter)
    return parameters


def norm_case(max_norm, norm_type):
    parameters = parameters_with_grads()
    total = torch.nn.utils.clip_grad_norm_(parameters, max_norm, norm_type=norm_type).item()
    coefficient = max_norm / (total + 1e-6)
    return {"fn": "clip_grad_norm_", "max_norm": max_norm, "norm_type": "inf" if math.isinf(norm_type) else norm_type,
            "total_norm": total, "clip_coef": coefficient, "clipped": coefficient < 1,
            "grads_after": [p.grad.tolist() for p in parameters]}


def value_case(clip_value):
    parameters = parameters_with_grads()
    torch.nn.utils.clip_grad_value_(parameters, clip_value)
    return {"fn": "clip_grad_value_", "clip_value": clip_value, "grads_after": [p.grad.tolist() for p in parameters]}


def clipping_reference():
    cases = [norm_case(*case) for case in NORM_CASES] + [value_case(value) for value in VALUE_CASES]
    return {"format": CLIPPING_FORMAT, "meta": META, "grads_before": GRADS_BEFORE, "cases": cases}


def main():
    torch.set_default_dtype(torch.float64)
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    # The small clipping file is indented so that it reads well; the long traces are one line.
    for name, build, indent in [("optimizers.json", optimizers_reference, None),
                                ("schedulers.json", schedulers_reference, None),
                                ("clipping.json", clipping_reference, 1)]:
        with open(os.path.join(directory, name), "w") as file:
            json.dump(build(), file, indent=indent)
        print(f"wrote {os.path.join(directory, name)}")


if __name__ == "__main__":
    main()
