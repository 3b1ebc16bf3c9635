"""Generate the golden trajectory fixtures in tests/golden/fixtures/ from the reference optimizers.

The fixtures pin this project's NumPy optimizers to the implementations they
re-implement (``torch.optim`` and the ``pytorch-optimizer`` package), step for
step, in float64.  tests/golden/test_golden.py replays every case through
``optim_core.run`` and compares with rtol 1e-6 -- without torch.

Which reference class each optimizer runs, its fixed keyword arguments and its
hyperparameters' names and defaults come from the optimizer registry itself
(``OptimizerSpec.ref`` and ``reference_kwargs``): an optimizer is declared once.
The test surfaces, on the other hand, are defined again here in torch (same ids,
same formulas), independently of the SymPy declarations they check.

Regenerate (only when a reference or a case list changes), from the repository root::

    python3 -m venv /tmp/torchvenv
    /tmp/torchvenv/bin/pip install torch==2.13.0 pytorch-optimizer numpy sympy \\
        --extra-index-url https://download.pytorch.org/whl/cpu
    /tmp/torchvenv/bin/python -m tools.make_golden            # writes tests/golden/fixtures/*.json
    /tmp/torchvenv/bin/python -m tools.make_golden --check    # also: robustness checks, no writing

``--check`` re-runs every case (a) with ``foreach=True`` and (b) with every
gradient multiplied by ``1 + 1e-13 * u``, or shifted by ``1e-13 * u`` (u uniform
in [-1, 1]), and reports how far the trajectory moves, measured in units of the
test tolerance (|a - b| / (1e-12 + 1e-6 |b|)).  A case whose perturbed path
moves by a sizeable fraction of the tolerance is chaotic at the level of
rounding and would make the golden test flaky against an independent float64
implementation; the script fails on any case above 5 % (the current cases stay
near or below 1 %).  It also checks Lion's sign margin, prints at which step
each SWATS case switches from Adam to SGD and how far the switch test was from
its threshold, and prints a small learning-rate table for every scheduler.

Recording convention (what the NumPy side must reproduce)::

    p = torch.tensor(start, dtype=float64, requires_grad=True)     # (2,) on a surface, (1,) on a curve
    for each step: record group lr; zero_grad; loss = f(p); loss.backward();
                   [clip_grad_norm_([p], clip)]; record p.grad; opt.step(); [scheduler.step()]
                   record p and optimizer.state[p] (its floating-point entries, 12 significant digits)
    points = [start] + recorded            (steps + 1 rows)
    loss   = f(points)                     (steps + 1 values)

The optimizers run with ``foreach=False`` (single-tensor path); ``--check``
verifies the numbers do not depend on that.

Mini-batches (``minibatch.json``): on the dataset surfaces (surfaces/datasets.py) the reference is a real
model trained from a real ``DataLoader``::

    linreg: torch.nn.Linear(1, 1) + MSELoss()            θ = (weight, bias)
    logreg: torch.nn.Linear(2, 1, bias=False) + BCEWithLogitsLoss()   θ = weight
    loader = DataLoader(TensorDataset(inputs, targets), batch_size=B, sampler=<permutations>, drop_last=False)

whose sampler yields ``np.random.default_rng(seed).permutation(N)`` once per epoch, the order optim_core's
sampling uses (a DataLoader with ``shuffle=True`` draws the same kind of order from torch's own generator).
Each step takes the next batch: loss = criterion(model(xb), yb); backward; [noise]; [clip]; step.  The
recorded loss is the mean loss over the whole dataset at each point (what run() reports).  The data arrays
come from surfaces.datasets (they are the input, not what is checked); each case stores their checksum.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys
from importlib.metadata import version as _pkg_version
from pathlib import Path

import numpy as np
import torch
from torch.optim import lr_scheduler as L

from optim_core import OPTIMIZERS
from surfaces.datasets import DATASETS, Dataset, linreg_data, logreg_data

torch.set_default_dtype(torch.float64)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "tests" / "golden" / "fixtures"

# --------------------------------------------------------------------------- surfaces
# x = p[0], y = p[1]; the same formulas as surfaces/builtins.py.


def _quadratic(x, y):
    return x**2 + y**2


def _ill_conditioned(x, y, kappa=10.0):
    return 0.5 * (x**2 + kappa * y**2)


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x**2) ** 2


def _beale(x, y):
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2


def _himmelblau(x, y):
    return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2


def _saddle(x, y):
    return x**2 - y**2


def _booth(x, y):
    return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2


# 1-D curves (surfaces/curves.py): x = p[0].


def _parabola(x):
    return x**2


def _asymmetric_bowl(x):
    return torch.exp(x) - x - 1


def _xcos(x, c=math.pi):
    return x * torch.cos(c * x)


def _double_well(x):
    return (x**2 - 1) ** 2 + 0.3 * x


SURFACES = {
    "parabola": _parabola,
    "asymmetric_bowl": _asymmetric_bowl,
    "xcos": _xcos,
    "double_well": _double_well,
    "quadratic": _quadratic,
    "ill_conditioned": _ill_conditioned,
    "rosenbrock": _rosenbrock,
    "beale": _beale,
    "himmelblau": _himmelblau,
    "saddle": _saddle,
    "booth": _booth,
}

# The usual start of each surface (as in surfaces/builtins.py), used unless a case gives one.
STARTS = {
    "parabola": [2.0],
    "asymmetric_bowl": [2.0],
    "xcos": [-0.9],
    "double_well": [1.8],
    "quadratic": [-2.5, 2.0],
    "ill_conditioned": [-4.5, 2.0],
    "rosenbrock": [-1.2, 1.0],
    "beale": [1.0, 1.5],
    "himmelblau": [0.0, 0.0],
    "saddle": [-1.8, 0.001],
    "booth": [-8.0, -6.0],
    "linreg": [-1.0, 2.0],
    "logreg": [-2.0, 3.5],
}


def _reference_class(opt_id: str):
    """The class the optimizer's declaration names (OptimizerSpec.ref): torch.optim.X or pytorch_optimizer.X."""
    ref = OPTIMIZERS[opt_id].ref
    return getattr(importlib.import_module(ref.module), ref.cls)


def _make_scheduler(opt, schedule):
    if schedule is None or schedule["name"] == "constant":
        return None
    name = schedule["name"]
    if name == "step":
        return L.StepLR(opt, step_size=schedule["step_size"], gamma=schedule["gamma"])
    if name == "exponential":
        return L.ExponentialLR(opt, gamma=schedule["gamma"])
    if name == "cosine":
        return L.CosineAnnealingLR(opt, T_max=schedule["T_max"], eta_min=schedule["eta_min"])
    if name == "warmup_cosine":
        w = schedule["warmup_steps"]
        return L.SequentialLR(
            opt,
            [
                L.LinearLR(opt, start_factor=schedule["start_factor"], end_factor=1.0, total_iters=w),
                L.CosineAnnealingLR(opt, T_max=schedule["T_max"], eta_min=schedule["eta_min"]),
            ],
            milestones=[w],
        )
    raise ValueError(f"unknown schedule {name!r}")


# --------------------------------------------------------------------------- running


DATA = {"linreg": linreg_data(), "logreg": logreg_data()}


def data_checksum(data: Dataset) -> float:
    return float(np.sum(data.inputs) + np.sum(data.targets))


class PermutationSampler(torch.utils.data.Sampler):
    """The sample order of optim_core.batches: np.random.default_rng(seed).permutation(N), one per epoch."""

    def __init__(self, n, seed):
        self.n = n
        self.rng = np.random.default_rng(seed)

    def __len__(self):
        return self.n

    def __iter__(self):
        return iter(self.rng.permutation(self.n).tolist())


def _model(surface, start):
    """The torch model whose two parameters are the surface's (x, y), set to the start; its criterion."""
    if surface == "linreg":
        model = torch.nn.Linear(1, 1)
        with torch.no_grad():
            model.weight.copy_(torch.tensor([[start[0]]]))
            model.bias.copy_(torch.tensor([start[1]]))
        return model, torch.nn.MSELoss()
    model = torch.nn.Linear(2, 1, bias=False)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([start]))
    return model, torch.nn.BCEWithLogitsLoss()


def _theta(model):
    return torch.cat([q.detach().reshape(-1) for q in model.parameters()]).clone()


def run_minibatch_case(case, *, foreach=False, perturb=0.0, perturb_abs=0.0, seed=0, trace=False):
    """A case on a dataset surface: a torch.nn.Linear trained from a DataLoader; (points, loss, info)."""
    data = DATA[case["surface"]]
    inputs = torch.tensor(data.inputs)
    targets = torch.tensor(data.targets)[:, None]
    model, criterion = _model(case["surface"], case["start"])
    params = list(model.parameters())
    opt = _reference_class(case["optimizer"])(params, **case["reference_kwargs"], foreach=foreach)
    sched = _make_scheduler(opt, case["schedule"])
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(inputs, targets),
        batch_size=case["batch_size"],
        sampler=PermutationSampler(data.n, case["seed"]),
        drop_last=False,
    )

    def batches():
        while True:
            yield from loader  # one pass = one epoch = one fresh permutation

    rng = np.random.default_rng(seed)
    noise = case.get("noise")
    noise_rng = np.random.default_rng(noise["seed"]) if noise else None
    it = batches()
    recorded = []
    info = {"lrs": [], "grads": [], "states": [], "phases": [], "swats_margin": [], "lion_margin": []}
    for _ in range(case["steps"]):
        info["lrs"].append(float(opt.param_groups[0]["lr"]))
        xb, yb = next(it)
        opt.zero_grad()
        loss = criterion(model(xb), yb)
        loss.backward()
        with torch.no_grad():
            if noise_rng is not None:
                draw = torch.from_numpy(noise["std"] * noise_rng.standard_normal((2, 1))[:, 0])
                k = 0
                for q in params:
                    q.grad += draw[k : k + q.numel()].reshape(q.shape)
                    k += q.numel()
            if perturb or perturb_abs:
                for q in params:
                    q.grad.mul_(1.0 + perturb * torch.from_numpy(rng.uniform(-1.0, 1.0, q.shape)))
                    q.grad.add_(perturb_abs * torch.from_numpy(rng.uniform(-1.0, 1.0, q.shape)))
        if case["clip"] is not None:
            torch.nn.utils.clip_grad_norm_(params, case["clip"])
        info["grads"].append(torch.cat([q.grad.detach().reshape(-1) for q in params]).tolist())
        opt.step()
        snaps = [_state_snapshot(opt.state[q]) for q in params]
        info["states"].append({k: [v for sn in snaps for v in sn.get(k, [])] for k in snaps[0]})
        if sched is not None:
            sched.step()
        recorded.append(_theta(model))
    pts = torch.stack([torch.tensor(case["start"]), *recorded])
    with torch.no_grad():
        full = []
        for theta in pts:
            m, crit = _model(case["surface"], theta.tolist())
            full.append(float(crit(m(inputs), targets)))
    return pts.numpy(), np.array(full), info


def run_case(case, *, foreach=False, perturb=0.0, perturb_abs=0.0, seed=0, trace=False):
    """Run one case in torch; return (points, loss, info).

    ``perturb`` multiplies every gradient by (1 + perturb * u) and ``perturb_abs``
    then adds perturb_abs * u' (u, u' ~ U[-1, 1]), to measure how strongly
    rounding-level differences (relative, or absolute from cancellation in the
    gradient formula) are amplified along the path.
    """
    if case["surface"] in DATASETS:
        return run_minibatch_case(case, foreach=foreach, perturb=perturb, perturb_abs=perturb_abs, seed=seed)
    f = SURFACES[case["surface"]]
    sp = case["surface_params"]
    rng = np.random.default_rng(seed)
    p = torch.tensor(case["start"], dtype=torch.float64, requires_grad=True)
    opt = _reference_class(case["optimizer"])([p], **case["reference_kwargs"], foreach=foreach)
    sched = _make_scheduler(opt, case["schedule"])
    recorded = []
    info = {"lrs": [], "phases": [], "swats_margin": [], "lion_margin": [], "grads": [], "states": []}
    for _ in range(case["steps"]):
        info["lrs"].append(float(opt.param_groups[0]["lr"]))
        opt.zero_grad()
        loss = f(*p, **sp)
        loss.backward()
        if perturb or perturb_abs:
            with torch.no_grad():
                p.grad.mul_(1.0 + perturb * torch.from_numpy(rng.uniform(-1.0, 1.0, p.numel())))
                p.grad.add_(perturb_abs * torch.from_numpy(rng.uniform(-1.0, 1.0, p.numel())))
        if case["clip"] is not None:
            torch.nn.utils.clip_grad_norm_([p], case["clip"])
        if trace and case["optimizer"] == "swats" and opt.param_groups[0]["phase"] == "adam":
            info["swats_margin"].append(_swats_margin(opt, p))
        if trace and case["optimizer"] == "lion":
            info["lion_margin"].append(_lion_margin(opt, p))
        info["grads"].append(p.grad.detach().clone().tolist())
        opt.step()
        info["states"].append(_state_snapshot(opt.state[p]))
        if sched is not None:
            sched.step()
        if case["optimizer"] == "swats":
            info["phases"].append((opt.param_groups[0]["phase"], float(opt.param_groups[0]["lr"])))
        recorded.append(p.detach().clone())
    pts = torch.stack([torch.tensor(case["start"], dtype=torch.float64), *recorded])
    with torch.no_grad():
        loss = f(*pts.T, **sp)
    return pts.numpy(), loss.numpy(), info


def _state_snapshot(state):
    """optimizer.state[p] after a step: every floating-point tensor entry (not the step counter) as a list."""
    out = {}
    for key, value in state.items():
        if key == "step" or not torch.is_tensor(value) or not value.is_floating_point():
            continue
        out[key] = value.detach().reshape(-1).tolist()
    return out


def _r(v):
    """12 significant digits: the state fixtures are compared at rtol 1e-6, and this keeps them small."""
    return float(f"{v:.12g}")


def _state_columns(states):
    """Per-step snapshots -> {key: [row or None per step]} (None where the reference has no such entry yet)."""
    keys = list(dict.fromkeys(k for st in states for k in st))
    return {k: [[_r(v) for v in st[k]] if k in st else None for st in states] for k in keys}


def _lion_margin(opt, p):
    """min_i |c_i| / (b1 |m_i| + (1 - b1) |g_i|) for Lion's pre-sign update c = lerp(m, g, 1 - b1).

    Small values mean the sign could flip under rounding differences.
    """
    g = opt.param_groups[0]
    b1 = g["betas"][0]
    grad = p.grad.detach().clone()
    if g["weight_decay"] != 0 and not g["weight_decouple"]:
        grad = grad + g["weight_decay"] * p.detach()
    m = opt.state[p]["exp_avg"] if opt.state[p] else torch.zeros_like(grad)
    c = m.lerp(grad, 1 - b1)
    scale = b1 * m.abs() + (1 - b1) * grad.abs()
    return float((c.abs() / scale).min()) if bool((scale > 0).all()) else 0.0


def _swats_margin(opt, p):
    """How close SWATS's switch test is at this (Adam-phase) step.

    Replays the step on copies of the state and returns |corrected - scaling| /
    (atol + rtol * |scaling|) as used by torch.allclose (atol 1e-8, rtol = eps):
    < 1 means the switch fires.  Returned for steps > 1 only (None otherwise).
    """
    g = opt.param_groups[0]
    st = opt.state[p]
    step = g.get("step", 0) + 1
    if step == 1 or not st:
        return None
    b1, b2 = g["betas"]
    grad = p.grad.detach().clone()
    pd = p.detach().clone()
    if g["weight_decay"] != 0:
        if g["weight_decouple"]:
            pd = pd * (1.0 - g["weight_decay"] * (1.0 if g["fixed_decay"] else g["lr"]))
        else:
            grad = grad + g["weight_decay"] * pd
    m = st["exp_avg"].clone().lerp_(grad, 1 - b1)
    v = st["exp_avg_sq"].clone().mul_(b2).addcmul_(grad, grad, value=1 - b2)
    if g["ams_bound"]:
        v = torch.maximum(st["max_exp_avg_sq"], v)
    den = (v + 1e-15).sqrt() + g["eps"]
    bc1, bc2 = 1 - b1**step, 1 - b2**step
    pert = -(g["lr"] * math.sqrt(bc2) / bc1) * m / den
    pg = float(pert @ grad)
    if pg == 0:
        return None
    scaling = float(pert @ pert) / -pg
    avg2 = float(st["exp_avg2"].clone().lerp_(torch.tensor([scaling]), 1 - b2))
    corr = avg2 / bc2
    if corr <= 0:
        return math.inf
    return abs(corr - scaling) / (1e-8 + g["eps"] * abs(scaling))


# --------------------------------------------------------------------------- cases

CASES: dict[str, list[dict]] = {}


def case(
    opt_id,
    name,
    surface,
    steps,
    start=None,
    surface_params=None,
    schedule=None,
    clip=None,
    batch_size=None,
    seed=0,
    noise=None,
    **params,
):
    spec = OPTIMIZERS[opt_id]
    # the reference's own form: variant switches (textbook forms torch does not have) stay at their defaults
    defaults = {p.name: p.default for p in spec.hyperparams if not p.variant}
    unknown = set(params) - set(defaults)
    if unknown:
        raise ValueError(f"{opt_id}: unknown hyperparameters {sorted(unknown)}")
    h = dict(defaults)
    h.update(params)
    h = {k: (bool(v) if spec.param(k).kind == "bool" else float(v)) for k, v in h.items()}
    if surface == "ill_conditioned" and surface_params is None:
        surface_params = {"kappa": 10.0}
    c = {
        "name": name,
        "optimizer": opt_id,
        "surface": surface,
        "surface_params": surface_params or {},
        "start": [float(v) for v in (start or STARTS[surface])],
        "steps": int(steps),
        "params": h,
        "reference_kwargs": {k: list(v) if isinstance(v, tuple) else v for k, v in spec.reference_kwargs(h).items()},
        "schedule": schedule,
        "clip": None if clip is None else float(clip),
    }
    if surface in DATASETS:
        c.update(
            batch_size=int(batch_size or DATA[surface].n),
            seed=int(seed),
            noise=noise,
            data_sum=data_checksum(DATA[surface]),
        )
        CASES.setdefault("minibatch", []).append(c)
        return
    if len(c["start"]) == 1:
        key = "curves"
    elif schedule is not None or clip is not None:
        key = "schedules"
    else:
        key = opt_id
    CASES.setdefault(key, []).append(c)


# sgd: lr, weight_decay
case("sgd", "defaults_quadratic", "quadratic", 100)
case("sgd", "defaults_rosenbrock", "rosenbrock", 120)
case("sgd", "lr_zigzag_ill_conditioned", "ill_conditioned", 60, lr=0.18)
case("sgd", "weight_decay_booth", "booth", 60, lr=0.02, weight_decay=0.5)
case("sgd", "weight_decay_beale", "beale", 80, lr=0.02, weight_decay=0.1)
case("sgd", "himmelblau", "himmelblau", 60, lr=0.01)
case("sgd", "saddle_escape", "saddle", 80, lr=0.05)

# momentum: lr, momentum, dampening, weight_decay
case("momentum", "defaults_quadratic", "quadratic", 100)
case("momentum", "rosenbrock", "rosenbrock", 150, lr=2e-4)
case("momentum", "dampening_ill_conditioned", "ill_conditioned", 80, lr=0.05, dampening=0.5)
case("momentum", "momentum_weight_decay_booth", "booth", 60, lr=0.01, momentum=0.5, weight_decay=0.1)
case("momentum", "high_momentum_dampening_himmelblau", "himmelblau", 80, lr=1e-3, momentum=0.99, dampening=0.1)
case("momentum", "weight_decay_beale", "beale", 80, lr=5e-3, momentum=0.8, weight_decay=0.05)

# nesterov: lr, momentum, weight_decay
case("nesterov", "defaults_quadratic", "quadratic", 100)
case("nesterov", "rosenbrock", "rosenbrock", 150, lr=2e-4)
case("nesterov", "low_momentum_ill_conditioned", "ill_conditioned", 60, lr=0.05, momentum=0.5)
case("nesterov", "weight_decay_booth", "booth", 60, lr=0.01, weight_decay=0.2)
case("nesterov", "high_momentum_saddle", "saddle", 60, lr=0.01, momentum=0.95)
case("nesterov", "weight_decay_himmelblau", "himmelblau", 60, lr=2e-3, momentum=0.7, weight_decay=0.05)

# adagrad: lr, lr_decay, weight_decay, initial_accumulator_value, eps
case("adagrad", "defaults_quadratic", "quadratic", 100)
case("adagrad", "rosenbrock", "rosenbrock", 120, lr=0.1)
case("adagrad", "lr_decay_himmelblau", "himmelblau", 80, lr=0.5, lr_decay=0.05)
case("adagrad", "initial_accumulator_ill_conditioned", "ill_conditioned", 80, lr=0.5, initial_accumulator_value=1.0)
case("adagrad", "large_eps_beale", "beale", 80, lr=0.2, eps=0.1)
case("adagrad", "weight_decay_booth", "booth", 80, lr=1.0, weight_decay=0.1)
case(
    "adagrad",
    "all_nondefault_saddle",
    "saddle",
    60,
    lr=0.3,
    lr_decay=0.01,
    weight_decay=0.05,
    initial_accumulator_value=0.1,
    eps=1e-3,
)

# rmsprop: lr, alpha, eps, weight_decay, momentum, centered
case("rmsprop", "defaults_quadratic", "quadratic", 100)
case("rmsprop", "centered_rosenbrock", "rosenbrock", 100, lr=1e-3, centered=True)
case("rmsprop", "momentum_ill_conditioned", "ill_conditioned", 80, lr=1e-3, momentum=0.9)
case("rmsprop", "centered_momentum_himmelblau", "himmelblau", 80, lr=5e-3, centered=True, momentum=0.5)
case("rmsprop", "alpha_large_eps_beale", "beale", 80, lr=0.05, alpha=0.9, eps=0.1)
case("rmsprop", "weight_decay_booth", "booth", 80, lr=0.05, weight_decay=0.1)
case("rmsprop", "centered_weight_decay_saddle", "saddle", 60, lr=0.01, alpha=0.95, centered=True, weight_decay=0.1)

# adadelta: lr, rho, eps, weight_decay
case("adadelta", "defaults_quadratic", "quadratic", 150)
case("adadelta", "defaults_rosenbrock", "rosenbrock", 100)
case("adadelta", "rho_ill_conditioned", "ill_conditioned", 100, rho=0.5)
case("adadelta", "eps_himmelblau", "himmelblau", 40, eps=1e-2)
case("adadelta", "weight_decay_booth", "booth", 80, lr=5.0, weight_decay=0.1)
case("adadelta", "large_eps_lr_beale", "beale", 80, lr=0.5, eps=0.1, rho=0.95)

# adam: lr, beta1, beta2, eps, weight_decay, amsgrad
case("adam", "defaults_rosenbrock", "rosenbrock", 100)
case("adam", "lr_quadratic", "quadratic", 100, lr=0.05)
case("adam", "betas_beale", "beale", 80, lr=0.02, beta1=0.5, beta2=0.9)
case("adam", "large_eps_himmelblau", "himmelblau", 80, lr=0.1, eps=0.1)
case("adam", "weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.1)
case("adam", "amsgrad_rosenbrock", "rosenbrock", 100, lr=0.01, amsgrad=True)
case("adam", "beta2_saddle", "saddle", 60, lr=0.01, beta2=0.99)
case(
    "adam",
    "amsgrad_weight_decay_ill_conditioned",
    "ill_conditioned",
    80,
    lr=0.05,
    beta1=0.8,
    weight_decay=0.05,
    amsgrad=True,
)

# adamw: lr, beta1, beta2, eps, weight_decay (decoupled), amsgrad
case("adamw", "defaults_rosenbrock", "rosenbrock", 100)
case("adamw", "lr_quadratic", "quadratic", 100, lr=0.05)
case("adamw", "large_weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.5)
case("adamw", "amsgrad_beale", "beale", 80, lr=0.02, amsgrad=True, weight_decay=0.1)
case("adamw", "betas_large_eps_himmelblau", "himmelblau", 80, lr=0.1, beta1=0.7, beta2=0.95, eps=0.1)
case("adamw", "no_weight_decay_ill_conditioned", "ill_conditioned", 80, lr=0.05, weight_decay=0.0)
case("adamw", "amsgrad_saddle", "saddle", 60, lr=0.01, amsgrad=True, beta2=0.9)

# amsgrad: lr, beta1, beta2, eps, weight_decay
case("amsgrad", "defaults_rosenbrock", "rosenbrock", 100)
case("amsgrad", "lr_quadratic", "quadratic", 100, lr=0.05)
case("amsgrad", "betas_beale", "beale", 80, lr=0.02, beta1=0.5, beta2=0.9)
case("amsgrad", "large_eps_himmelblau", "himmelblau", 80, lr=0.1, eps=0.1)
case("amsgrad", "weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.1)
case("amsgrad", "beta2_ill_conditioned", "ill_conditioned", 80, lr=0.05, beta2=0.9)

# nadam: lr, beta1, beta2, eps, weight_decay, momentum_decay, decoupled_weight_decay
case("nadam", "defaults_rosenbrock", "rosenbrock", 100)
case("nadam", "lr_quadratic", "quadratic", 100, lr=0.05)
case("nadam", "momentum_decay_himmelblau", "himmelblau", 80, lr=0.05, momentum_decay=0.1)
case("nadam", "zero_momentum_decay_ill_conditioned", "ill_conditioned", 80, lr=0.05, momentum_decay=0.0)
case("nadam", "weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.1)
case("nadam", "decoupled_weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)
case("nadam", "betas_large_eps_beale", "beale", 80, lr=0.05, beta1=0.8, beta2=0.95, eps=0.1)

# radam: lr, beta1, beta2, eps, weight_decay, decoupled_weight_decay
# beta2 = 0.999: steps 1-5 un-rectified (rho_t <= 5), rectified from step 6 on.
case("radam", "defaults_rosenbrock", "rosenbrock", 100)
case("radam", "lr_quadratic", "quadratic", 100, lr=0.05)
case("radam", "never_rectified_beta2_himmelblau", "himmelblau", 40, lr=0.01, beta2=0.6)
case("radam", "weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.1)
case("radam", "decoupled_weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.1, decoupled_weight_decay=True)
case("radam", "betas_large_eps_beale", "beale", 80, lr=0.005, beta1=0.8, beta2=0.9, eps=0.1)
case("radam", "ill_conditioned", "ill_conditioned", 60, lr=0.05)

# adamax: lr, beta1, beta2, eps, weight_decay
case("adamax", "defaults_rosenbrock", "rosenbrock", 100)
case("adamax", "lr_quadratic", "quadratic", 100, lr=0.05)
case("adamax", "betas_beale", "beale", 80, lr=0.02, beta1=0.5, beta2=0.9)
case("adamax", "large_eps_himmelblau", "himmelblau", 80, lr=0.1, eps=0.1)
case("adamax", "weight_decay_booth", "booth", 80, lr=0.1, weight_decay=0.1)
case("adamax", "saddle", "saddle", 60, lr=0.01)

# ftrl: lr, lr_power, beta, lambda_1, lambda_2
case("ftrl", "defaults_quadratic", "quadratic", 60)
case("ftrl", "lr_quadratic", "quadratic", 80, lr=0.5)
case("ftrl", "lr_rosenbrock", "rosenbrock", 100, lr=0.05)
case("ftrl", "beta_himmelblau", "himmelblau", 80, lr=0.5, beta=1.0)
case("ftrl", "lambda_1_booth", "booth", 80, lr=1.0, lambda_1=20.0)  # some coordinates clamp to 0
case("ftrl", "lambda_1_sparsity_saddle", "saddle", 60, lr=1.0, lambda_1=0.5)  # y pinned at 0, x reaches 0
case("ftrl", "lambda_2_ill_conditioned", "ill_conditioned", 80, lr=0.5, lambda_2=0.5)
case("ftrl", "lr_power_beale", "beale", 80, lr=0.1, lr_power=-0.25)
case("ftrl", "lr_power_zero_quadratic", "quadratic", 60, lr=0.2, lr_power=0.0)

# swats: lr, beta1, beta2, weight_decay, weight_decouple, fixed_decay, ams_bound, nesterov, eps
# The Adam->SGD switch fires when the bias-corrected EMA of the projected step size agrees with the
# current one (torch.allclose: atol 1e-8, rtol eps).  Cases named switch_* switch inside the recorded
# steps; each case's "notes" says in which step.  Found by a grid search over surface, lr, eps and betas;
# --check prints how far each test is from the threshold.
case("swats", "defaults_quadratic", "quadratic", 60)  # Adam phase only
case("swats", "lr_himmelblau", "himmelblau", 60, lr=0.05)  # Adam phase only
case(
    "swats",
    "no_switch_weight_decouple_ill_conditioned",
    "ill_conditioned",
    60,
    lr=0.05,
    weight_decay=0.1,
    weight_decouple=True,
)
case("swats", "switch_defaults_booth", "booth", 60)  # switches in step 2 (atol-driven)
case("swats", "switch_nesterov_booth", "booth", 60, nesterov=True)
case("swats", "switch_eps_rosenbrock", "rosenbrock", 50, lr=0.1, eps=0.1)
case("swats", "switch_nesterov_beale", "beale", 50, lr=0.1, eps=0.1, beta1=0.5, beta2=0.9, nesterov=True)
case("swats", "switch_ams_bound_beale", "beale", 60, lr=0.03, eps=0.01, beta1=0.5, beta2=0.9, ams_bound=True)
case(
    "swats", "switch_ams_bound_default_eps_rosenbrock", "rosenbrock", 80, lr=0.003, beta1=0.5, beta2=0.9, ams_bound=True
)
case(
    "swats",
    "switch_weight_decay_himmelblau",
    "himmelblau",
    60,
    lr=0.1,
    eps=0.01,
    beta1=0.5,
    beta2=0.9,
    weight_decay=0.1,
)
case(
    "swats",
    "switch_weight_decouple_himmelblau",
    "himmelblau",
    60,
    lr=0.1,
    eps=0.01,
    beta1=0.5,
    beta2=0.9,
    weight_decay=0.1,
    weight_decouple=True,
)
case(
    "swats",
    "switch_fixed_decay_saddle",
    "saddle",
    80,
    lr=0.03,
    eps=0.01,
    weight_decay=0.01,
    weight_decouple=True,
    fixed_decay=True,
)

# lion: lr, beta1, beta2, weight_decay, weight_decouple, fixed_decay
case("lion", "defaults_rosenbrock", "rosenbrock", 100)
case("lion", "lr_quadratic", "quadratic", 100, lr=0.02)
case("lion", "betas_himmelblau", "himmelblau", 80, lr=0.05, beta1=0.95, beta2=0.98)
case("lion", "decoupled_weight_decay_booth", "booth", 80, lr=0.05, weight_decay=0.5)
case("lion", "fixed_decay_beale", "beale", 80, lr=0.02, weight_decay=0.01, fixed_decay=True)
case(
    "lion",
    "coupled_weight_decay_ill_conditioned",
    "ill_conditioned",
    80,
    lr=0.05,
    weight_decay=0.5,
    weight_decouple=False,
)

# schedules.json: SGD and Adam under every schedule, plus gradient clipping.
for _opt, _lr, _surf, _extra in [("sgd", 0.01, "booth", {}), ("adam", 0.05, "himmelblau", {})]:
    case(_opt, f"sched_constant_{_surf}", _surf, 60, lr=_lr, schedule={"name": "constant"})
    case(_opt, f"sched_step_{_surf}", _surf, 60, lr=_lr, schedule={"name": "step", "step_size": 15, "gamma": 0.5})
    case(_opt, f"sched_exponential_{_surf}", _surf, 60, lr=_lr, schedule={"name": "exponential", "gamma": 0.97})
    case(
        _opt, f"sched_cosine_{_surf}", _surf, 60, lr=_lr, schedule={"name": "cosine", "T_max": 60, "eta_min": _lr / 100}
    )
    case(
        _opt,
        f"sched_warmup_cosine_{_surf}",
        _surf,
        60,
        lr=_lr,
        schedule={"name": "warmup_cosine", "warmup_steps": 10, "start_factor": 0.1, "T_max": 50, "eta_min": _lr / 100},
    )
case(
    "sgd",
    "sched_cosine_short_T_quadratic",
    "quadratic",
    40,
    lr=0.05,
    schedule={"name": "cosine", "T_max": 40, "eta_min": 0.0},
)
case(
    "adam",
    "sched_warmup_cosine_rosenbrock",
    "rosenbrock",
    80,
    lr=0.05,
    schedule={"name": "warmup_cosine", "warmup_steps": 5, "start_factor": 0.25, "T_max": 75, "eta_min": 0.0},
)
# SWATS under every schedule, each case switching to SGD early (found by a grid search; --check prints the
# margins): torch's chainable scheduler keeps rescaling the group lr that then holds the SGD rate; cosine with
# T_max < steps also takes its one-epoch-after-T_max branch; SequentialLR resets the lr to the base lr at the
# warm-up's milestone (the SGD rate is lost there).
case(
    "swats",
    "sched_step_switch_rosenbrock",
    "rosenbrock",
    60,
    lr=0.1,
    eps=0.1,
    beta1=0.5,
    beta2=0.9,
    schedule={"name": "step", "step_size": 15, "gamma": 0.5},
)
case(
    "swats",
    "sched_exponential_switch_saddle",
    "saddle",
    60,
    lr=0.1,
    eps=0.01,
    beta1=0.8,
    beta2=0.99,
    schedule={"name": "exponential", "gamma": 0.97},
)
case(
    "swats",
    "sched_cosine_switch_ill_conditioned",
    "ill_conditioned",
    60,
    lr=0.1,
    eps=0.01,
    schedule={"name": "cosine", "T_max": 25, "eta_min": 1e-4},
)
case(
    "swats",
    "sched_warmup_cosine_switch_booth",
    "booth",
    60,
    lr=0.01,
    eps=0.1,
    schedule={"name": "warmup_cosine", "warmup_steps": 20, "start_factor": 0.9, "T_max": 40, "eta_min": 1e-5},
)
case("sgd", "clip_rosenbrock", "rosenbrock", 100, lr=1e-3, clip=1.0)
case("adam", "clip_rosenbrock", "rosenbrock", 100, lr=0.02, clip=1.0)
case("sgd", "clip_partial_quadratic", "quadratic", 60, lr=0.05, clip=2.0)  # clips only early on
case("momentum", "clip_rosenbrock", "rosenbrock", 100, lr=1e-3, clip=1.0)
case(
    "sgd",
    "clip_step_schedule_beale",
    "beale",
    80,
    lr=0.05,
    clip=1.0,
    schedule={"name": "step", "step_size": 20, "gamma": 0.5},
)
case(
    "adam",
    "clip_warmup_cosine_rosenbrock",
    "rosenbrock",
    80,
    lr=0.02,
    clip=1.0,
    schedule={"name": "warmup_cosine", "warmup_steps": 10, "start_factor": 0.1, "T_max": 70, "eta_min": 1e-4},
)


# curves.json: every optimizer on the four 1-D curves, each under its own schedule (noise off).
# A learning rate per optimizer that moves visibly on curves of slope ~1-10 without diverging.
CURVE_LR = {
    "sgd": 0.05,
    "momentum": 0.02,
    "nesterov": 0.02,
    "adagrad": 0.3,
    "rmsprop": 0.02,
    "adadelta": 1.0,
    "adam": 0.05,
    "adamw": 0.05,
    "amsgrad": 0.05,
    "nadam": 0.05,
    "radam": 0.05,
    "adamax": 0.05,
    "ftrl": 0.5,
    "swats": 0.05,
    "lion": 0.02,
}
CURVE_SCHEDULES = (
    ("parabola", None),
    ("parabola", {"name": "step", "step_size": 15, "gamma": 0.5}),
    ("asymmetric_bowl", {"name": "exponential", "gamma": 0.97}),
    ("xcos", {"name": "cosine", "T_max": 60, "eta_min": 0.0}),
    ("double_well", {"name": "warmup_cosine", "warmup_steps": 10, "start_factor": 0.1, "T_max": 50, "eta_min": 0.0}),
)
for _opt, _lr in CURVE_LR.items():
    for _surf, _sched in CURVE_SCHEDULES:
        _tag = _sched["name"] if _sched else "constant"
        case(_opt, f"curve_{_tag}_{_surf}", _surf, 60, lr=_lr, schedule=_sched)


# minibatch.json: real mini-batches from a DataLoader on the two dataset surfaces (several optimizers, batch
# sizes that divide N = 200 and that leave a smaller last batch, several epochs, noise and clipping on top).
case("sgd", "sgd_batch1_linreg", "linreg", 200, lr=0.02, batch_size=1, seed=0)  # one epoch, one sample per step
case("sgd", "sgd_batch16_linreg", "linreg", 120, lr=0.1, batch_size=16, seed=1)  # 13 steps/epoch, last batch 8
case("sgd", "sgd_full_batch_linreg", "linreg", 60, lr=0.2, batch_size=200, seed=0)  # torch still permutes
case("momentum", "momentum_batch32_linreg", "linreg", 100, lr=0.02, momentum=0.9, batch_size=32, seed=2)
case("nesterov", "nesterov_batch8_linreg", "linreg", 100, lr=0.02, momentum=0.8, batch_size=8, seed=3)
case("adam", "adam_batch10_linreg", "linreg", 120, lr=0.1, batch_size=10, seed=4)
case("adam", "adam_batch64_linreg", "linreg", 100, lr=0.2, batch_size=64, seed=5)
case("rmsprop", "rmsprop_batch50_linreg", "linreg", 100, lr=0.02, batch_size=50, seed=6)
case("adagrad", "adagrad_batch7_linreg", "linreg", 100, lr=0.5, batch_size=7, seed=7)
case("adamw", "adamw_batch64_clip_linreg", "linreg", 100, lr=0.1, weight_decay=0.1, batch_size=64, seed=8, clip=1.0)
case("sgd", "sgd_batch16_noise_linreg", "linreg", 100, lr=0.05, batch_size=16, seed=9, noise={"std": 0.5, "seed": 4})
case("lion", "lion_batch32_linreg", "linreg", 100, lr=0.02, batch_size=32, seed=10)
case("sgd", "sgd_batch1_logreg", "logreg", 200, lr=0.5, batch_size=1, seed=0)
case("adam", "adam_batch16_logreg", "logreg", 120, lr=0.1, batch_size=16, seed=11)
case(
    "momentum",
    "momentum_batch64_cosine_logreg",
    "logreg",
    100,
    lr=0.5,
    batch_size=64,
    seed=12,
    schedule={"name": "cosine", "T_max": 100, "eta_min": 0.0},
)
case("rmsprop", "rmsprop_full_batch_logreg", "logreg", 80, lr=0.05, batch_size=200, seed=0)
case("nadam", "nadam_batch20_logreg", "logreg", 100, lr=0.1, batch_size=20, seed=13)
case("adadelta", "adadelta_batch25_logreg", "logreg", 100, lr=5.0, batch_size=25, seed=14)


# --------------------------------------------------------------------------- output


def _versions():
    return {"torch": torch.__version__, "pytorch_optimizer": _pkg_version("pytorch_optimizer")}


def build(check: bool) -> tuple[dict[str, dict], list[str]]:
    files: dict[str, dict] = {}
    problems: list[str] = []
    for key, cases in CASES.items():
        out_cases = []
        for c in cases:
            pts, loss, info = run_case(c, trace=check)
            label = f"{c['optimizer']}-{c['name']}"
            if not (np.isfinite(pts).all() and np.isfinite(loss).all()):
                raise SystemExit(f"{label}: non-finite values")
            c = dict(c)
            if c["optimizer"] == "swats":
                switch = next((i + 1 for i, (ph, _) in enumerate(info["phases"]) if ph == "sgd"), None)
                c["notes"] = (
                    f"Adam->SGD switch in step {switch} (SGD lr {info['phases'][switch - 1][1]!r} "
                    f"from step {switch + 1} on)"
                    if switch
                    else "no Adam->SGD switch in these steps"
                )
            c["points"] = pts.tolist()
            c["loss"] = loss.tolist()
            c["lr"] = info["lrs"]  # the group lr each step used
            c["grad"] = [[_r(v) for v in g] for g in info["grads"]]  # p.grad when optimizer.step() ran
            c["state"] = _state_columns(info["states"])  # optimizer.state[p] after each step
            out_cases.append(c)
            if check:
                problems += _check_case(c, pts, info, label)
        if key in OPTIMIZERS:
            ref = OPTIMIZERS[key].reference
        elif key == "minibatch":
            ref = "torch.utils.data.DataLoader + torch.nn.Linear + MSELoss / BCEWithLogitsLoss"
        else:
            ref = "torch.optim.lr_scheduler + torch.nn.utils.clip_grad_norm_"

        files[key] = {"optimizer": key, "reference": ref, "generated_with": _versions(), "cases": out_cases}
    return files, problems


def _tol_units(a, b):
    return float(np.max(np.abs(a - b) / (1e-12 + 1e-6 * np.abs(b))))


def _check_case(c, pts, info, label) -> list[str]:
    problems = []
    fe, _, _ = run_case(c, foreach=True)
    d_fe = float(np.max(np.abs(fe - pts)))
    worst = 0.0
    for seed in range(3):
        pp, _, _ = run_case(c, perturb=1e-13, seed=seed)
        worst = max(worst, _tol_units(pp, pts))
        pp, _, _ = run_case(c, perturb_abs=1e-13, seed=seed)
        worst = max(worst, _tol_units(pp, pts))
    moved = float(np.max(np.abs(pts[-1] - pts[0])))
    extra = ""
    if c["optimizer"] == "swats":
        m = [x for x in info["swats_margin"] if x is not None]
        extra = (
            f"  {c['notes']}; closest non-firing test ratio "
            f"{min((x for x in m if x >= 1), default=float('nan')):.3g}, firing ratio "
            f"{(m[-1] if m and m[-1] < 1 else float('nan')):.3g}"
        )
    if c["optimizer"] == "lion" and info["lion_margin"]:
        lm = min(info["lion_margin"])
        extra = f"  Lion sign margin {lm:.3g}"
        if lm < 1e-9:
            problems.append(f"{label}: Lion pre-sign update nearly cancels (margin {lm:.3g})")
    print(f"{label:60s} moved {moved:9.3g}  foreach max|diff| {d_fe:.2e}  perturbed {worst:.2e} tol{extra}")
    if worst > 5e-2:
        problems.append(f"{label}: 1e-13 gradient noise moves the path by {worst:.3g} x tolerance")
    if d_fe > 1e-12 * max(1.0, float(np.max(np.abs(pts)))):
        problems.append(f"{label}: foreach=True differs by {d_fe:.3g}")
    if moved < 1e-3:
        problems.append(f"{label}: path barely moves ({moved:.3g})")
    return problems


def _print_schedule_table():
    print("\nlr used in step t = 1..n (base lr 1.0):")
    demo = {
        "step(step_size=3, gamma=0.5)": {"name": "step", "step_size": 3, "gamma": 0.5},
        "exponential(gamma=0.5)": {"name": "exponential", "gamma": 0.5},
        "cosine(T_max=4, eta_min=0)": {"name": "cosine", "T_max": 4, "eta_min": 0.0},
        "warmup_cosine(warmup_steps=3, start_factor=0.1, T_max=4, eta_min=0)": {
            "name": "warmup_cosine",
            "warmup_steps": 3,
            "start_factor": 0.1,
            "T_max": 4,
            "eta_min": 0.0,
        },
    }
    for label, sch in demo.items():
        c = {
            "optimizer": "sgd",
            "surface": "quadratic",
            "surface_params": {},
            "start": [1.0, 1.0],
            "steps": 8,
            "reference_kwargs": {"lr": 1.0},
            "schedule": sch,
            "clip": None,
        }
        _, _, info = run_case(c)
        print(f"  {label}: " + ", ".join(f"{v:.6g}" for v in info["lrs"]))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="robustness checks only; do not write")
    args = ap.parse_args(argv)
    files, problems = build(check=args.check)
    if args.check:
        _print_schedule_table()
        for p in problems:
            print("PROBLEM:", p)
        return 1 if problems else 0
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    for key, doc in files.items():
        head = {k: v for k, v in doc.items() if k != "cases"}
        text = json.dumps(head, separators=(", ", ": "))[:-1] + ', "cases": [\n'
        text += ",\n".join(json.dumps(c, separators=(",", ":")) for c in doc["cases"]) + "\n]}\n"
        assert json.loads(text) == json.loads(json.dumps(doc))
        path = OUT / f"{key}.json"
        path.write_text(text)
        total += len(text)
        print(f"wrote {path.relative_to(ROOT)}: {len(doc['cases'])} cases, {len(text) / 1024:.0f} KiB")
    print(f"total {total / 1024:.0f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
