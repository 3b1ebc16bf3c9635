r"""Learning-rate schedules, declared like optimizers and matching torch.optim.lr_scheduler.

A schedule maps the 0-based epoch e (the number of scheduler steps taken before
optimizer step e + 1) to a factor; the learning rate used at step t is
``lr * factor[t - 1]``.  This is exactly how torch behaves when
``scheduler.step()`` is called after every ``optimizer.step()``.

torch's schedulers are *chainable*: each ``scheduler.step()`` rewrites the group's
current lr (StepLR multiplies it by γ, CosineAnnealingLR applies a ratio of cosines
around η_min, SequentialLR resets it to the cosine's closed form at its milestone).
For an optimizer that changes its own group lr (SWATS, at its switch to SGD), that
recursion is what the reference does to the new value; :func:`lr_chain` gives it as
an affine map per epoch, lr ← a·(lr − c) + c + d, computed with the reference's own
float operations.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .spec import HyperParam, SpecError


@dataclass(frozen=True)
class ScheduleSpec:
    id: str
    name: str
    reference: str
    hyperparams: tuple[HyperParam, ...]
    latex: str
    explanation: str
    factors: Callable[[np.ndarray, int, Mapping[str, Any], Any], np.ndarray]  # (epochs, steps, params, lr)

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.hyperparams}


def _constant(e, steps, hp, lr):
    return np.ones_like(e, dtype=float)


def _step(e, steps, hp, lr):
    return hp["gamma"] ** np.floor(e / hp["step_size"])


def _exponential(e, steps, hp, lr):
    return hp["gamma"] ** e


def _eta_min_factor(e, hp, lr):
    """eta_min is absolute (as in torch); as a factor it depends on lr, which may be per trajectory."""
    if not hp["eta_min"]:
        return e, 0.0
    factor = hp["eta_min"] / np.asarray(lr, dtype=float)
    return (e[:, None], factor) if np.ndim(factor) else (e, float(factor))


def _half_cosine(e, t_max, floor):
    return floor + (1.0 - floor) * (1.0 + np.cos(np.pi * e / t_max)) / 2.0


def _cosine(e, steps, hp, lr):
    e, floor = _eta_min_factor(e, hp, lr)
    return _half_cosine(e, hp["T_max"] or steps, floor)


def _warmup_cosine(e, steps, hp, lr):
    # torch's SequentialLR restarts the cosine at the milestone with its closed form (factor 1 at e = W).
    e, floor = _eta_min_factor(e, hp, lr)
    w = hp["warmup_steps"]
    t_max = hp["T_max"] or max(steps - w, 1)
    warm = hp["start_factor"] + (1.0 - hp["start_factor"]) * e / w
    return np.where(e < w, warm, _half_cosine(e - w, t_max, floor))


COSINE_LATEX = r"\eta_t = \eta_{\min} + (\eta - \eta_{\min})\,\tfrac12\bigl(1 + \cos(\pi e / T_{\max})\bigr)"

SCHEDULES: dict[str, ScheduleSpec] = {
    s.id: s
    for s in (
        ScheduleSpec(
            "constant", "Constant", "(none)", (), r"\eta_t = \eta", "The same learning rate at every step.", _constant
        ),
        ScheduleSpec(
            "step",
            "Step decay",
            "torch.optim.lr_scheduler.StepLR",
            (
                HyperParam("step_size", 100, "steps between decays", kind="int", low=1, ui_high=2000),
                HyperParam("gamma", 0.5, "factor applied at each decay", r"\gamma", low=0.0, high=1.0, low_open=True),
            ),
            r"\eta_t = \eta\,\gamma^{\lfloor e / \text{step\_size} \rfloor}",
            "Multiply the learning rate by γ every step_size steps.",
            _step,
        ),
        ScheduleSpec(
            "exponential",
            "Exponential decay",
            "torch.optim.lr_scheduler.ExponentialLR",
            (
                HyperParam(
                    "gamma", 0.99, "factor applied every step", r"\gamma", low=0.0, high=1.0, low_open=True, ui_low=0.9
                ),
            ),
            r"\eta_t = \eta\,\gamma^{e}",
            "Multiply the learning rate by γ after every step.",
            _exponential,
        ),
        ScheduleSpec(
            "cosine",
            "Cosine annealing",
            "torch.optim.lr_scheduler.CosineAnnealingLR",
            (
                HyperParam(
                    "T_max",
                    0,
                    "length of the half cosine in steps (0: the whole run)",
                    kind="int",
                    low=0,
                    ui_high=10000,
                ),
                HyperParam("eta_min", 0.0, "final learning rate", r"\eta_{\min}", low=0.0),
            ),
            COSINE_LATEX,
            "Lower the learning rate along half a cosine from η to η_min.",
            _cosine,
        ),
        ScheduleSpec(
            "warmup_cosine",
            "Linear warm-up, then cosine",
            "LinearLR then CosineAnnealingLR (SequentialLR)",
            (
                HyperParam("warmup_steps", 50, "length of the linear warm-up", kind="int", low=1, ui_high=2000),
                HyperParam("start_factor", 0.01, "fraction of η at the first step", low=0.0, high=1.0, low_open=True),
                HyperParam(
                    "T_max", 0, "length of the cosine part (0: the rest of the run)", kind="int", low=0, ui_high=10000
                ),
                HyperParam("eta_min", 0.0, "final learning rate", r"\eta_{\min}", low=0.0),
            ),
            r"\eta_t = \begin{cases}\eta\,\bigl(s + (1-s)\,e/W\bigr) & e < W\\ "
            + COSINE_LATEX.replace("e / T", "(e-W) / T").split("=", 1)[1]
            + r" & e \ge W\end{cases}",
            "Ramp the learning rate up linearly from s·η over W steps, then anneal it along a cosine.",
            _warmup_cosine,
        ),
    )
}


def resolve_schedule(schedule: Any) -> tuple[ScheduleSpec, dict[str, Any]]:
    """None | "name" | {"name": ..., params} | (spec, params) → (spec, validated params)."""
    if schedule is None:
        return SCHEDULES["constant"], {}
    if isinstance(schedule, str):
        name, given = schedule, {}
    elif isinstance(schedule, Mapping):
        given = dict(schedule)
        name = given.pop("name", None) or given.pop("kind", None) or "constant"
    else:
        raise SpecError("schedule must be a name or a mapping, got {kind}", kind=type(schedule).__name__)
    if name not in SCHEDULES:
        raise SpecError("unknown schedule {name!r}; choose one of: {choices}", name=name, choices=", ".join(SCHEDULES))
    spec = SCHEDULES[name]
    known = {p.name: p for p in spec.hyperparams}
    params = spec.defaults()
    for key, value in given.items():
        if key not in known:
            if not known:
                raise SpecError("schedule {name} takes no parameters, got {key!r}", name=name, key=key)
            raise SpecError(
                "schedule {name} has no parameter {key!r} (parameters: {allowed})",
                name=name,
                key=key,
                allowed=", ".join(known),
            )
        params[key] = known[key].validate(value)
    return spec, params


def lr_factors(schedule: Any, steps: int, lr: Any = 1.0) -> np.ndarray:
    """Factor for each step 1..steps: shape (steps,), or (steps, B) when eta_min is set and lr is per trajectory."""
    spec, hp = resolve_schedule(schedule)
    return np.asarray(spec.factors(np.arange(steps, dtype=float), steps, hp, lr), dtype=float)


LrChain = tuple[np.ndarray, np.ndarray, np.ndarray]
"""(a, c, d), each (steps,) or (steps, B): scheduler.step() after optimizer step t maps lr to
a[t-1]·(lr − c[t-1]) + c[t-1] + d[t-1]."""


def identity_chain(steps: int) -> LrChain:
    """The chain of the constant schedule: lr ← 1·(lr − 0) + 0 + 0 (exactly lr)."""
    return np.ones(steps), np.zeros(steps), np.zeros(steps)


def _cosine_chain(k: int, t_max: int, eta_min: float, base: Any) -> tuple[float, float, Any]:
    """CosineAnnealingLR.get_lr at its own epoch k ≥ 1 (torch 2.x), as (a, c, d)."""
    if (k - 1 - t_max) % (2 * t_max) == 0:
        return 1.0, 0.0, (base - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    ratio = (1 + math.cos(math.pi * k / t_max)) / (1 + math.cos(math.pi * (k - 1) / t_max))
    return ratio, eta_min, 0.0


def lr_chain(schedule: Any, steps: int, lr: Any) -> LrChain:
    """The chainable torch scheduler step after each optimizer step t = 1..steps, as an affine map of the
    group's lr (see the module docstring).  ``lr`` is the base lr (the group's initial_lr): scalar or (B,).

    Reproduces torch.optim.lr_scheduler's recursive ``get_lr`` (not the closed form): StepLR and
    ExponentialLR multiply by γ, CosineAnnealingLR scales lr − η_min by a ratio of cosines (and adds a
    fixed amount one epoch after T_max), LinearLR multiplies by its ratio, and SequentialLR sets the lr to
    the cosine's closed form at epoch 0 when it reaches its milestone."""
    spec, hp = resolve_schedule(schedule)
    base = np.asarray(lr, dtype=float) if np.ndim(lr) else float(lr)
    a = np.ones(steps)
    c = np.zeros(steps)
    d = np.zeros((steps, *np.shape(base)))
    for e in range(1, steps + 1):
        i = e - 1
        if spec.id == "step":
            if e % int(hp["step_size"]) == 0:
                a[i] = hp["gamma"]
        elif spec.id == "exponential":
            a[i] = hp["gamma"]
        elif spec.id == "cosine":
            a[i], c[i], d[i] = _cosine_chain(e, int(hp["T_max"] or steps), float(hp["eta_min"]), base)
        elif spec.id == "warmup_cosine":
            w, s0, eta_min = int(hp["warmup_steps"]), float(hp["start_factor"]), float(hp["eta_min"])
            t_max = int(hp["T_max"] or max(steps - w, 1))
            if e < w:  # LinearLR (end_factor 1) at its epoch e
                a[i] = 1.0 + (1.0 - s0) / (w * s0 + (e - 1) * (1.0 - s0))
            elif e == w:  # SequentialLR's milestone: the cosine's closed form at its epoch 0
                a[i] = 0.0
                d[i] = eta_min + (base - eta_min) * (1 + math.cos(math.pi * 0 / t_max)) / 2
            else:
                a[i], c[i], d[i] = _cosine_chain(e - w, t_max, eta_min, base)
    return a, c, d
