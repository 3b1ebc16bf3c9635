r"""Tune a run's learning rate: a log grid of lrs in one vectorized run() call, scored by the final loss or by the
steps to a tolerance, plus the data of a 1-D sweep plot (final loss against lr) with the stability bound where
linear theory gives one.

    from optim_core.tune import tune_lr
    t = tune_lr("ill_conditioned", "momentum", (-4.5, 2.0), 300, params={"momentum": 0.9})
    t.best_lr                     # the grid's best lr
    t.lrs, t.final_gap            # the sweep plot: f − f* at the end against lr (NaN where the run diverged)
    t.bound, t.bound_formula      # 2(1+μ)/L on this quadratic (None where no closed form applies)

The stability bounds are those of gradient descent and heavy-ball / Nesterov momentum on a quadratic whose
Hessian has largest eigenvalue L (a surface or curve with constant curvature: Surface.curvature_bound()), for a
constant learning rate:

    SGD                         η < 2 / L
    momentum (torch, η inside)  η (1 − τ) < 2 (1 + μ) / L           τ = dampening
    momentum (EMA form)         η (1 − μ) < 2 (1 + μ) / L
    Nesterov                    η < 2 (1 + μ) / ((1 + 2μ) L)

(L includes an L2 weight decay λ: L + λ.)  See optim_core.explore for the same theory over two axes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from i18n import N_
from surfaces import Surface, get_surface

from .optimizers import OPTIMIZERS
from .spec import OptimizerSpec, SpecError
from .trajectory import MAX_BATCH, Trajectory, resolve_params, run

LR_GRID = np.logspace(-5.0, 1.0, 49)
"""The default grid: 1e-5 … 10, eight values per decade."""
CRITERIA = ("loss", "steps")
DEFAULT_RTOL = 1e-6
"""Converged: f − f* has fallen to this fraction of its value at the start (and stays there)."""

BOUND_SGD = N_("2/L")
BOUND_MOMENTUM = N_("2(1+μ)/((1−τ)L)")
BOUND_EMA = N_("2(1+μ)/((1−μ)L)")
BOUND_NESTEROV = N_("2(1+μ)/((1+2μ)L)")


def lr_bound(optimizer: str | OptimizerSpec, params: Mapping[str, Any], curvature: float) -> tuple[float, str] | None:
    """(the largest stable constant lr, its formula) on a quadratic with largest Hessian eigenvalue ``curvature``;
    None for an optimizer without a closed form (the adaptive ones) or a non-positive curvature."""
    spec = optimizer if isinstance(optimizer, OptimizerSpec) else OPTIMIZERS.get(str(optimizer))
    if spec is None:
        raise SpecError("unknown optimizer {name!r}", name=optimizer)
    big_l = float(curvature) + float(params.get("weight_decay", 0.0) or 0.0)
    if not big_l > 0:
        return None
    mu = float(params.get("momentum", 0.0) or 0.0)
    if spec.id == "sgd" or (spec.id in ("momentum", "nesterov") and mu == 0.0):
        return 2.0 / big_l, BOUND_SGD
    if spec.id == "momentum":
        if params.get("ema"):
            return 2.0 * (1.0 + mu) / ((1.0 - mu) * big_l), BOUND_EMA
        tau = float(params.get("dampening", 0.0) or 0.0)
        if tau >= 1.0:
            return None
        return 2.0 * (1.0 + mu) / ((1.0 - tau) * big_l), BOUND_MOMENTUM
    if spec.id == "nesterov":
        return 2.0 * (1.0 + mu) / ((1.0 + 2.0 * mu) * big_l), BOUND_NESTEROV
    return None


def steps_to_tolerance(gap: np.ndarray, tol: float | np.ndarray, diverged_at: np.ndarray) -> np.ndarray:
    """(B,) the first step from which f − f* stays ≤ tol to the end (-1: never, or the run diverged).

    gap: (steps+1, B) f − f*; tol: a number or (B,)."""
    ok = gap <= np.asarray(tol)
    # stays below from k on: the reversed cumulative "all" of ok
    stays = np.flip(np.logical_and.accumulate(np.flip(ok, axis=0), axis=0), axis=0)
    first = np.where(stays.any(axis=0), stays.argmax(axis=0), -1)
    return np.where(diverged_at >= 0, -1, first)


@dataclass(frozen=True)
class LrTuning:
    """The outcome of tune_lr: one trajectory per lr of the grid, scored.

    final_gap: (K,) f − f* at the last step (f itself when no minimum is known); NaN where the run diverged.
    steps_to_tol: (K,) the first step from which f − f* stays ≤ tol (-1: never or diverged).
    """

    optimizer: str
    criterion: str
    lrs: np.ndarray
    final_gap: np.ndarray
    steps_to_tol: np.ndarray
    diverged: np.ndarray
    tol: float | None
    f_star: float | None
    best_index: int  # -1 when every lr diverged
    bound: float | None
    bound_formula: str | None
    trajectory: Trajectory | None = None  # the whole grid's run (keep_trajectory=True)

    @property
    def best_lr(self) -> float | None:
        return None if self.best_index < 0 else float(self.lrs[self.best_index])

    @property
    def converged(self) -> np.ndarray:
        """(K,) the lrs that reach the tolerance (and stay)."""
        return self.steps_to_tol >= 0

    def converging_fraction(self) -> float:
        """The share of the grid that converges: how forgiving the optimizer is about its lr (tuning effort)."""
        return float(self.converged.mean())

    def sweep_curve(self) -> dict[str, Any]:
        """What a 1-D sweep plot needs: x = lr (log axis), y = final f − f* (log axis; NaN = diverged), the best
        lr, the stability bound and its formula (None where none applies)."""
        return {
            "lr": self.lrs.tolist(),
            "final_gap": [None if not np.isfinite(v) else float(v) for v in self.final_gap],
            "diverged": self.diverged.tolist(),
            "steps_to_tol": self.steps_to_tol.tolist(),
            "best_lr": self.best_lr,
            "bound": self.bound,
            "bound_formula": self.bound_formula,
        }


def tune_lr(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    start: Any,
    steps: int,
    *,
    params: Mapping[str, Any] | None = None,
    lrs: Any = None,
    criterion: str = "loss",
    rtol: float = DEFAULT_RTOL,
    schedule: Any = None,
    noise: Any = None,
    clip: float | None = None,
    batch_size: int | None = None,
    seed: int = 0,
    keep_trajectory: bool = False,
) -> LrTuning:
    """Search the lr of one run on a log grid (default LR_GRID), all in one run() call.

    criterion "loss": the lowest final f − f* wins (ties: the fewer steps to tolerance, then the smaller lr);
    "steps": the fewest steps to tolerance wins (ties: the lower final loss), falling back to "loss" when no lr
    reaches it.  The tolerance is ``rtol`` × (f(start) − f*), f* the lowest known minimum; without a known
    minimum there is no tolerance and the criterion is "loss" on f itself.
    params: the run's other hyperparameters (its lr, if given, is replaced by the grid)."""
    if criterion not in CRITERIA:
        raise SpecError("criterion must be one of: {choices}", choices=", ".join(CRITERIA))
    spec = optimizer if isinstance(optimizer, OptimizerSpec) else OPTIMIZERS.get(str(optimizer))
    if spec is None:
        raise SpecError(
            "unknown optimizer {name!r}; choose one of: {choices}", name=optimizer, choices=", ".join(OPTIMIZERS)
        )
    grid = LR_GRID if lrs is None else np.asarray(lrs, dtype=float).reshape(-1)
    if grid.size == 0 or grid.size > MAX_BATCH or not np.all(np.isfinite(grid)) or (grid <= 0).any():
        raise SpecError("the lr grid needs 1 to {max} positive numbers", max=MAX_BATCH)
    surf = get_surface(surface) if isinstance(surface, str) else surface
    rest = {k: v for k, v in dict(params or {}).items() if k != "lr"}
    traj = run(
        surf,
        spec,
        start,
        steps,
        schedule=schedule,
        noise=noise,
        clip=clip,
        batch_size=batch_size,
        seed=seed,
        lr=grid,
        **rest,
    )
    f_star = None
    if surf.minima:
        f_star = float(np.min(surf.value(np.asarray(surf.minima, dtype=float))))
    loss = traj.loss
    gap = loss - f_star if f_star is not None else loss
    diverged = traj.diverged
    final = np.where(diverged, np.nan, gap[-1])
    tol = None
    if f_star is not None:
        tol = float(rtol * max(float(np.max(gap[0])), 0.0))
        to_tol = steps_to_tolerance(gap, tol, traj.diverged_at)
    else:
        to_tol = np.full(grid.size, -1)
    best = _best(final, to_tol, grid, criterion if tol is not None else "loss")
    bound = None
    curvature = surf.curvature_bound()
    if curvature is not None:
        resolved = resolve_params(spec, {**rest, "lr": float(grid[0])}, 1)
        bound = lr_bound(spec, resolved, curvature)
    return LrTuning(
        optimizer=spec.id,
        criterion=criterion,
        lrs=grid,
        final_gap=final,
        steps_to_tol=to_tol,
        diverged=diverged,
        tol=tol,
        f_star=f_star,
        best_index=best,
        bound=None if bound is None else bound[0],
        bound_formula=None if bound is None else bound[1],
        trajectory=traj if keep_trajectory else None,
    )


def _best(final: np.ndarray, to_tol: np.ndarray, grid: np.ndarray, criterion: str) -> int:
    ok = np.isfinite(final)
    if not ok.any():
        return -1
    never = np.iinfo(np.int64).max
    steps_key = np.where(to_tol >= 0, to_tol, never)
    if criterion == "steps" and (to_tol[ok] >= 0).any():
        keys = (grid, np.where(ok, final, np.inf), np.where(ok, steps_key, never))
    else:
        keys = (grid, np.where(ok, steps_key, never), np.where(ok, final, np.inf))
    return int(np.lexsort(keys)[0])


# --------------------------------------------------------------------------- the measured comparison table
_BENCHMARK = "benchmark_table.json"


def benchmark_path() -> Path:
    """Where tools/benchmark_table.py writes the measured table (beside this module)."""
    return Path(__file__).with_name(_BENCHMARK)


def benchmark_table() -> dict[str, Any]:
    """The committed measurements (python -m tools.benchmark_table): per optimizer id, "solved", "median_steps"
    (None: more than "steps"), "converging_fraction" (share of the lr grid that converges), "buffers_per_parameter"
    and the per-problem details; plus the settings ("steps", "rtol", "lr_grid", "problems")."""
    return json.loads(benchmark_path().read_text(encoding="utf-8"))
