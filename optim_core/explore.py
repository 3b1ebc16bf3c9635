r"""Hyperparameter exploration: sweep grids, stability theory, basins of attraction, noise ensembles.

Pure NumPy (no Streamlit, no Plotly).  Every grid is computed by *one* vectorized call of the step loop
— hyperparameters or start points as (B,) arrays — so a 256×256 sweep costs about as much as one path of
65 536 coordinates.  A grid keeps no history: :func:`optim_core.trajectory.run_summary` computes each run's
final point and loss, divergence step and first step within tolerance while stepping (the numbers
``run()`` gives, bit for bit; memory O(runs), not O(runs × steps)):

    from optim_core.explore import sweep, axis_values, default_axes, stability_boundary
    spec = OPTIMIZERS["momentum"]
    xp, yp = default_axes(spec)                              # ("lr", "momentum")
    xs = axis_values(spec.param(xp), 1e-4, 1.0, 64)         # log-spaced: lr is a log parameter
    ys = axis_values(spec.param(yp), 0.0, 0.99, 64, axis="y")
    res = sweep("ill_conditioned", "momentum", (-4.5, 2.0), 300, xp, xs, yp, ys)
    res.final_loss[i, j]          # row i ↔ y_values[i], column j ↔ x_values[j] (Plotly's heatmap layout)
    res.cell_trajectory(i, j)     # re-runs that one cell with run(): the full path, identical to the sweep's cell

Grid layout: every (ny, nx) array is indexed [i, j] with i the y index and j the x
index; the flat batch index used inside run() (and by Plotly's ``point_index`` on the
selectable cell-centre overlay) is ``k = i * nx + j``.

Caps (documented limits, checked with one-line :class:`~optim_core.spec.SpecError` messages):
SWEEP_MAX = 256 values per sweep axis, BASIN_MAX = 256 start points per basin-map axis (256² = MAX_BATCH
runs), ENSEMBLE_MAX = 1024 noisy runs.  A sweep asked to keep every path (keep_points) and an ensemble keep
the full history: WORK_BUDGET bounds the trajectory-steps of one run() call there, and a larger sweep runs
in consecutive chunks, which gives the same numbers since the runs are independent.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

import i18n
from i18n import N_
from surfaces import SURFACES, Surface, get_surface

from .optimizers import OPTIMIZERS
from .spec import HyperParam, OptimizerSpec, SpecError
from .trajectory import (
    DIVERGENCE_BOUND,
    MAX_STEPS,
    RunSummary,
    Trajectory,
    resolve_params,
    run,
    run_summary,
    summarize,
)

SWEEP_MAX = 256
"""Most values per sweep axis (256×256 = 65 536 runs)."""
BASIN_MAX = 256
"""Most start points per basin-map axis (256×256 = 65 536 runs)."""
ENSEMBLE_MAX = 1024
"""Most noisy runs in one ensemble."""
WORK_BUDGET = 1 << 24
"""Most trajectories × (steps + 1) in one run() call that keeps the history (a sweep with keep_points, an
ensemble); above it a sweep runs in chunks (same results)."""

DIVERGED = -1
"""Basin label: the run diverged (left the bound or overflowed)."""
NOT_CONVERGED = -2
"""Basin label: the run ended farther than ``tol`` from every known minimum."""

METRICS = {
    "loss": N_("final loss"),
    "steps": N_("steps to tolerance"),
    "distance": N_("distance to nearest minimum"),
}
"""Sweep metrics by key: what a heatmap can be coloured by."""

_SECOND_AXIS = ("beta1", "alpha", "rho", "momentum")  # RMSprop: α (its momentum is off by default)

START_AXES = ("start_x", "start_y")
"""Besides the hyperparameters, a sweep axis may vary a coordinate of the start (start_y on a surface only):
an optimizer with lr alone (sign-SGD, say) gets lr × start_x, the map of which starts converge at which lr."""
_START_MEANING = (N_("x coordinate of the start"), N_("y coordinate of the start"))


# ============================================================================ helpers
def _spec(optimizer: str | OptimizerSpec) -> OptimizerSpec:
    if isinstance(optimizer, OptimizerSpec):
        return optimizer
    spec = OPTIMIZERS.get(str(optimizer))
    if spec is None:
        raise SpecError(
            "unknown optimizer {name!r}; choose one of: {choices}", name=optimizer, choices=", ".join(OPTIMIZERS)
        )
    return spec


def _fmt(x: float) -> str:
    return f"{x:g}"


def _surface_ref(surf: Surface) -> tuple[str | Surface, dict[str, float]]:
    """A picklable way to get the surface back: built-in id + params, or the formula text.

    Results are cached by Streamlit (pickled); a Surface holds lambdified functions, which do not pickle.
    """
    if surf.id in SURFACES:
        return surf.id, dict(surf.params)
    if surf.id == "custom" and surf.formula:
        return surf.formula, {}
    return surf, {}  # an ad-hoc Surface object: kept as is


def _resolve_surface(ref: str | Surface, params: Mapping[str, float]) -> Surface:
    kwargs: dict[str, Any] = dict(params)
    return get_surface(ref, **kwargs)


def _check_steps(steps: Any) -> int:
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or not 1 <= steps <= MAX_STEPS:
        raise SpecError("steps must be a whole number from 1 to {max}, got {steps!r}", max=MAX_STEPS, steps=steps)
    return int(steps)


def _check_start(start: Any, dim: int = 2) -> tuple[float, ...]:
    """One start as a d-tuple (a single number is accepted on a curve)."""
    try:
        s = np.asarray(start, dtype=float).reshape(-1)
    except (TypeError, ValueError):
        raise SpecError("start must be {d} number(s)", d=dim) from None
    if s.shape != (dim,) or not np.isfinite(s).all():
        raise SpecError("start must be {d} finite number(s), got {start!r}", d=dim, start=start)
    return tuple(float(v) for v in s)


def _best_known_value(surf: Surface) -> float | None:
    """f* = the lowest f over the surface's known minima (None if it declares none)."""
    if not surf.minima:
        return None
    vals = surf.value(np.asarray(surf.minima, dtype=float))
    vals = vals[np.isfinite(vals)]
    return float(vals.min()) if vals.size else None


def _chunks(batch: int, steps: int) -> list[slice]:
    per = max(1, WORK_BUDGET // (steps + 1))
    return [slice(a, min(a + per, batch)) for a in range(0, batch, per)]


def _take(v: Any, sl: slice) -> Any:
    return v[sl] if isinstance(v, np.ndarray) else v


def _plain_params(spec: OptimizerSpec, resolved: Mapping[str, Any]) -> dict[str, Any]:
    return {
        p.name: (
            bool(resolved[p.name])
            if p.kind == "bool"
            else int(resolved[p.name])
            if p.kind == "int"
            else float(resolved[p.name])
        )
        for p in spec.hyperparams
    }


# ============================================================================ axes
def sweepable_params(spec: str | OptimizerSpec) -> list[HyperParam]:
    """The hyperparameters a sweep axis can vary: every float one (flags are not a continuum)."""
    return [p for p in _spec(spec).hyperparams if p.kind == "float"]


def start_axis_param(name: str, surface: Surface | None = None) -> HyperParam:
    """The pseudo-hyperparameter of a start axis ("start_x" / "start_y"): any coordinate within the divergence
    bound, its slider over the surface's domain (±5 without a surface)."""
    i = START_AXES.index(name)
    lo, hi = surface.domain[i] if surface is not None and i < surface.dim else (-5.0, 5.0)
    return HyperParam(
        name,
        0.0,
        _START_MEANING[i],
        ("x_0", "y_0")[i],
        low=-DIVERGENCE_BOUND,
        high=DIVERGENCE_BOUND,
        ui_low=float(lo),
        ui_high=float(hi),
    )


def sweep_axes(spec: str | OptimizerSpec, surface: str | Surface | None = None) -> list[HyperParam]:
    """Everything a sweep axis can vary: the float hyperparameters, then the start's coordinates
    (start_x, and start_y on a surface), with slider ranges from the surface's domain."""
    surf = get_surface(surface) if surface is not None else None
    dim = surf.dim if surf is not None else 2
    return [*sweepable_params(spec), *(start_axis_param(n, surf) for n in START_AXES[:dim])]


def default_axes(spec: str | OptimizerSpec) -> tuple[str, str]:
    """(x, y) for a first sweep: lr × (β1 | momentum | α | ρ), else lr × the next float hyperparameter, and for
    an optimizer whose only float hyperparameter is lr: lr × start_x."""
    names = [p.name for p in sweepable_params(spec)]
    second = next((n for n in _SECOND_AXIS if n in names), None)
    if second is None:
        second = next((n for n in names if n != "lr"), START_AXES[0])
    return "lr", second


def axis_param(
    spec: str | OptimizerSpec, name: str, axis: str = "x", surface: str | Surface | None = None
) -> HyperParam:
    """The HyperParam for a sweep axis (a float hyperparameter or a start axis), or SpecError."""
    spec = _spec(spec)
    surf = get_surface(surface) if surface is not None else None
    choices = ", ".join(p.name for p in sweep_axes(spec, surf))
    if name in START_AXES:
        if surf is not None and START_AXES.index(name) >= surf.dim:
            raise SpecError(
                "{name} is not an axis on a 1-D curve; choose one of: {choices}", name=name, choices=choices
            )
        return start_axis_param(name, surf)
    for p in spec.hyperparams:
        if p.name == name:
            if p.kind != "float":
                raise SpecError(
                    "{name} is a {kind}, not a continuous value: it cannot be the {axis} axis; choose one of: {choices}",
                    name=name,
                    kind=p.kind,
                    axis=axis,
                    choices=choices,
                )
            return p
    raise SpecError(
        "{optimizer} has no hyperparameter {name!r} for the {axis} axis; choose one of: {choices}",
        optimizer=spec.id,
        name=name,
        axis=axis,
        choices=choices,
    )


def _check_sweep_resolution(n: Any, axis: str) -> None:
    """A sweep axis resolution: a whole number from 2 to SWEEP_MAX (one-line SpecError otherwise)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise SpecError(
            "{axis} resolution must be a whole number from 2 to {cap}, got {n!r}", axis=axis, cap=SWEEP_MAX, n=n
        )
    if n > SWEEP_MAX:
        raise SpecError(
            "{axis} resolution {n} is over the cap: 2 to {cap} values per axis (at most {cap}×{cap} runs)",
            axis=axis,
            n=n,
            cap=SWEEP_MAX,
        )
    if n < 2:
        raise SpecError("{axis} resolution must be from 2 to {cap}, got {n}", axis=axis, cap=SWEEP_MAX, n=n)


def _check_grid_resolution(n: Any) -> None:
    """A basin-map resolution: a whole number from 2 to BASIN_MAX."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise SpecError("grid resolution must be a whole number from 2 to {cap}, got {n!r}", cap=BASIN_MAX, n=n)
    if n > BASIN_MAX:
        raise SpecError(
            "grid resolution {n} is over the cap: at most {cap} starts per axis ({cap}×{cap})", n=n, cap=BASIN_MAX
        )
    if n < 2:
        raise SpecError("grid resolution must be from 2 to {cap}, got {n}", cap=BASIN_MAX, n=n)


def _allowed_positive(param: HyperParam) -> str:
    """The valid range with 0 excluded (a log axis cannot reach 0), spelled as HyperParam.range_text() does."""
    return replace(param, low=max(param.low, 0.0), low_open=True).range_text()


def axis_values(param: HyperParam, lo: float, hi: float, n: int, *, axis: str = "x") -> np.ndarray:
    """n values from lo to hi (both included): log-spaced when the spec marks the parameter log.

    Raises SpecError with a one-line message that names the allowed range:
    "x range is reversed: 0.1 > 0.01", "lr is on a log scale: the range must be > 0 …",
    "y range: beta1 must be in [0, 1), got 1", "x resolution 300 is over the cap of 256 …".
    """
    name, allowed = param.name, param.range_text()
    _check_sweep_resolution(n, axis)
    try:
        lo, hi = float(lo), float(hi)
    except (TypeError, ValueError):
        raise SpecError(
            "{axis} range must be two numbers ({name} must be in {range})", axis=axis, name=name, range=allowed
        ) from None
    if not (math.isfinite(lo) and math.isfinite(hi)):
        raise SpecError("{axis} range must be finite ({name} must be in {range})", axis=axis, name=name, range=allowed)
    if lo > hi:
        raise SpecError(
            "{axis} range is reversed: {lo} > {hi} ({name} must be in {range})",
            axis=axis,
            lo=_fmt(lo),
            hi=_fmt(hi),
            name=name,
            range=allowed,
        )
    if lo == hi:
        raise SpecError(
            "{axis} range is empty: from {lo} to {hi} ({name} must be in {range})",
            axis=axis,
            lo=_fmt(lo),
            hi=_fmt(hi),
            name=name,
            range=allowed,
        )
    _check_axis_values(param, np.array([lo, hi]), axis)
    values = np.geomspace(lo, hi, int(n)) if param.log else np.linspace(lo, hi, int(n))
    values[0], values[-1] = lo, hi
    return values


def _check_axis_values(param: HyperParam, values: np.ndarray, axis: str) -> None:
    if param.log and (values <= 0).any():
        raise SpecError(
            "{name} is on a log scale: the range must be > 0, got {value} (allowed: {range})",
            name=param.name,
            value=_fmt(float(values.min())),
            range=_allowed_positive(param),
        )
    try:
        param.check_array(values)
    except SpecError as exc:
        raise SpecError(
            "{axis} range: {name} must be in {range}, got {value}",
            axis=axis,
            name=param.name,
            range=param.range_text(),
            value=exc.params.get("value", ""),
        ) from None


def _coerce_axis(param: HyperParam, values: Any, axis: str) -> np.ndarray:
    name, allowed = param.name, param.range_text()
    try:
        v = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise SpecError("{axis} values must be numbers", axis=axis) from None
    if v.ndim != 1 or v.size == 0:
        raise SpecError(
            "{axis} range is empty: give 1 to {cap} values ({name} must be in {range})",
            axis=axis,
            cap=SWEEP_MAX,
            name=name,
            range=allowed,
        )
    if v.size > SWEEP_MAX:
        raise SpecError(
            "{axis} axis has {n} values, over the cap: 1 to {cap} values per axis", axis=axis, n=v.size, cap=SWEEP_MAX
        )
    if not np.isfinite(v).all():
        raise SpecError("{axis} values must be finite ({name} must be in {range})", axis=axis, name=name, range=allowed)
    d = np.diff(v)
    if (d < 0).any():
        k = int(np.flatnonzero(d < 0)[0])
        raise SpecError(
            "{axis} range is reversed: {lo} > {hi} ({name} must be in {range})",
            axis=axis,
            lo=_fmt(v[k]),
            hi=_fmt(v[k + 1]),
            name=name,
            range=allowed,
        )
    if (d == 0).any():
        raise SpecError(
            "{axis} values must be strictly increasing: {value} repeats ({name} must be in {range})",
            axis=axis,
            value=_fmt(v[np.flatnonzero(d == 0)[0]]),
            name=name,
            range=allowed,
        )
    _check_axis_values(param, v, axis)
    return v


# ============================================================================ sweep
@dataclass(frozen=True)
class SweepResult:
    """A (ny, nx) hyperparameter grid: per-cell summaries, never the full paths unless asked.

    steps_to_tol (the "steps" metric): the first step t at which loss_t − f* ≤ tol, where
    f* is the lowest value of f over the surface's known minima; −1 if that never happens,
    if the run diverged, or if the surface declares no minima.  (A run that reaches tol and
    later leaves it still counts from its first arrival.)
    distance: Euclidean distance from the final point to the nearest known minimum (NaN if none).
    final_loss / final_point of a diverged run are those of its last finite point.
    """

    surface_ref: str | Surface
    surface_params: dict[str, float]
    optimizer: str
    start: tuple[float, ...]  # d coordinates
    steps: int
    x_param: str
    y_param: str
    x_values: np.ndarray  # (nx,)
    y_values: np.ndarray  # (ny,)
    x_log: bool
    y_log: bool
    base_params: dict[str, Any]  # every hyperparameter except the two axes, resolved, plain values
    schedule: Any
    clip: float | None
    tol: float
    f_star: float | None
    final_loss: np.ndarray  # (ny, nx)
    final_point: np.ndarray  # (ny, nx, d)
    distance: np.ndarray  # (ny, nx), NaN when the surface has no known minima
    steps_to_tol: np.ndarray  # (ny, nx) int, −1 = never
    diverged_at: np.ndarray  # (ny, nx) int, −1 = did not diverge
    points: np.ndarray | None = field(default=None, repr=False)  # (ny, nx, steps+1, d) only with keep_points

    @property
    def surface(self) -> Surface:
        return _resolve_surface(self.surface_ref, self.surface_params)

    @property
    def spec(self) -> OptimizerSpec:
        return OPTIMIZERS[self.optimizer]

    @property
    def shape(self) -> tuple[int, int]:
        return self.final_loss.shape

    @property
    def diverged(self) -> np.ndarray:
        return self.diverged_at >= 0

    def metric(self, name: str) -> np.ndarray:
        """(ny, nx) values of a metric in METRICS: "loss", "steps" or "distance"."""
        if name == "loss":
            return self.final_loss
        if name == "steps":
            return self.steps_to_tol
        if name == "distance":
            return self.distance
        raise SpecError("unknown metric {name!r}; choose one of: {choices}", name=name, choices=", ".join(METRICS))

    def cell_index(self, k: int) -> tuple[int, int]:
        """Flat index k (Plotly point_index on the cell overlay) → (i, j)."""
        ny, nx = self.shape
        if not 0 <= int(k) < nx * ny:
            raise SpecError("cell index {k} is outside the {ny}×{nx} grid", k=k, ny=ny, nx=nx)
        return divmod(int(k), nx)

    def cell_params(self, i: int, j: int) -> dict[str, Any]:
        """All hyperparameters of cell (i, j) (row i ↔ y_values[i], column j ↔ x_values[j]); a start axis is not
        a hyperparameter: see cell_start."""
        ny, nx = self.shape
        if not (0 <= i < ny and 0 <= j < nx):
            raise SpecError("cell ({i}, {j}) is outside the {ny}×{nx} grid", i=i, j=j, ny=ny, nx=nx)
        params = dict(self.base_params)
        for name, value in ((self.x_param, self.x_values[j]), (self.y_param, self.y_values[i])):
            if name not in START_AXES:
                params[name] = float(value)
        return params

    def cell_start(self, i: int, j: int) -> tuple[float, ...]:
        """The start of cell (i, j): the sweep's start, with a start axis's value in its coordinate."""
        self.cell_params(i, j)  # bounds check
        start = list(self.start)
        for name, value in ((self.x_param, self.x_values[j]), (self.y_param, self.y_values[i])):
            if name in START_AXES:
                start[START_AXES.index(name)] = float(value)
        return tuple(start)

    def cell_trajectory(self, i: int, j: int) -> Trajectory:
        """Re-run cell (i, j) alone with run(): its full path (B = 1), equal to the sweep's cell."""
        return run(
            self.surface,
            self.optimizer,
            self.cell_start(i, j),
            self.steps,
            schedule=self.schedule,
            clip=self.clip,
            **self.cell_params(i, j),
        )


def sweep(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    start: Any,
    steps: int,
    x_param: str,
    x_values: Any,
    y_param: str,
    y_values: Any,
    *,
    base_params: Mapping[str, Any] | None = None,
    schedule: Any = None,
    clip: float | None = None,
    tol: float = 1e-6,
    keep_points: bool = False,
) -> SweepResult:
    """Run a len(y_values) × len(x_values) grid of two hyperparameters from one start, in one pass of the step
    loop that keeps no history (run_summary: the numbers run() gives for each cell).

    base_params: the other hyperparameters (defaults fill the rest; axis values override them).
    keep_points: also keep every path (ny, nx, steps+1, d) — big; prefer cell_trajectory().
    Raises SpecError (one-line message) for bad axes, values, caps or parameters.
    """
    spec = _spec(optimizer)
    surf = get_surface(surface)
    steps = _check_steps(steps)
    start = _check_start(start, surf.dim)
    px = axis_param(spec, x_param, "x", surf)
    py = axis_param(spec, y_param, "y", surf)
    if px.name == py.name:
        raise SpecError("x and y are both {name}: pick two different hyperparameters", name=px.name)
    xv = _coerce_axis(px, x_values, "x")
    yv = _coerce_axis(py, y_values, "y")
    tol = float(tol)
    if not (math.isfinite(tol) and tol > 0):
        raise SpecError("tolerance must be a number > 0, got {tol}", tol=tol)

    base = resolve_params(spec, dict(base_params or {}), 1)
    base = _plain_params(spec, base)
    for name in (px.name, py.name):
        base.pop(name, None)

    ny, nx = yv.size, xv.size
    gx, gy = np.meshgrid(xv, yv)  # (ny, nx)
    batch = nx * ny
    params_all: dict[str, Any] = dict(base)
    starts_all = np.repeat(np.asarray([start]), batch, axis=0)
    for name, grid in ((px.name, gx), (py.name, gy)):
        if name in START_AXES:
            starts_all[:, START_AXES.index(name)] = grid.ravel()
        else:
            params_all[name] = grid.ravel()

    f_star = _best_known_value(surf)
    within = None if f_star is None else f_star + tol
    points = None
    if keep_points:  # the whole history, chunk by chunk (WORK_BUDGET), reduced as run_summary does
        points = np.empty((batch, steps + 1, surf.dim))
        parts = []
        for sl in _chunks(batch, steps):
            p = {k: _take(v, sl) for k, v in params_all.items()}
            traj = run(surf, spec, starts_all[sl], steps, schedule=schedule, clip=clip, **p)
            parts.append(summarize(traj, within))
            points[sl] = traj.points.transpose(1, 0, 2)
            del traj
        summary = RunSummary.join(parts)
    else:  # the metrics computed while stepping: memory O(runs), not O(runs × steps)
        summary = run_summary(surf, spec, starts_all, steps, within=within, schedule=schedule, clip=clip, **params_all)
    final_loss, final_point, diverged_at = summary.final_loss, summary.final_point, summary.diverged_at
    if summary.first_within is None:
        steps_to_tol = np.full(batch, -1, dtype=np.int64)
    else:  # a run that diverged never counts as within tolerance
        steps_to_tol = np.where(diverged_at < 0, summary.first_within, -1)

    dist = surf.nearest_minimum_distance(final_point)
    distance = np.full(batch, np.nan) if dist is None else dist
    ref, sparams = _surface_ref(surf)
    return SweepResult(
        surface_ref=ref,
        surface_params=sparams,
        optimizer=spec.id,
        start=start,
        steps=steps,
        x_param=px.name,
        y_param=py.name,
        x_values=xv,
        y_values=yv,
        x_log=px.log,
        y_log=py.log,
        base_params=base,
        schedule=schedule,
        clip=clip,
        tol=tol,
        f_star=f_star,
        final_loss=final_loss.reshape(ny, nx),
        final_point=final_point.reshape(ny, nx, surf.dim),
        distance=distance.reshape(ny, nx),
        steps_to_tol=steps_to_tol.reshape(ny, nx),
        diverged_at=diverged_at.reshape(ny, nx),
        points=None if points is None else points.reshape(ny, nx, steps + 1, surf.dim),
    )


# ============================================================================ stability theory
# On a quadratic f(θ) = ½ (θ − θ*)ᵀ H (θ − θ*) every method below is linear, and decouples along
# the eigenvectors of H (+ weight decay wd, which adds wd·I).  With λ an eigenvalue, a = η λ_eff,
# λ_eff = λ + wd, μ the momentum and τ the dampening (torch's forms, constant learning rate):
#
#   SGD        θ ← θ − η g                            multiplier 1 − a:             stable iff 0 < a < 2
#   heavy ball b ← μ b + (1 − τ) g, θ ← θ − η b       z² − (1 + μ − a(1−τ)) z + μ:  stable iff 0 < a(1−τ) < 2(1 + μ)
#   Nesterov   b ← μ b + g, θ ← θ − η (g + μ b)       z² − (1 + μ)(1 − a) z + μ(1 − a):
#                                                                                  stable iff 0 < a < 2(1 + μ)/(1 + 2μ)
#
# (Jury's conditions on the 2×2 companion matrix, for 0 ≤ μ < 1; companion_spectral_radius() checks them
# numerically.)  So every case reads  η (1 − τ)(λmax + wd) < C(μ)  with C = 2, 2(1+μ), 2(1+μ)/(1+2μ).
_THEORY = {
    "sgd": N_("stable iff 0 < η(λ+λ_wd) < 2 for every eigenvalue λ of H  ⇒  η < 2/(λmax+λ_wd)"),
    "momentum": N_("stable iff 0 ≤ μ < 1 and 0 < η(1−τ)(λ+λ_wd) < 2(1+μ)  ⇒  η < 2(1+μ)/((1−τ)(λmax+λ_wd))"),
    "nesterov": N_("stable iff 0 ≤ μ < 1 and 0 < η(λ+λ_wd) < 2(1+μ)/(1+2μ)  ⇒  η < 2(1+μ)/((1+2μ)(λmax+λ_wd))"),
}
_THEORY_PARAMS = {
    "sgd": ("lr", "weight_decay"),
    "momentum": ("lr", "momentum", "dampening", "weight_decay"),
    "nesterov": ("lr", "momentum", "weight_decay"),
}


def _c_of_mu(opt: str, mu):
    mu = np.asarray(mu, dtype=float)
    if opt == "sgd":
        return np.full(mu.shape, 2.0)
    if opt == "momentum":
        return 2.0 * (1.0 + mu)
    return 2.0 * (1.0 + mu) / (1.0 + 2.0 * mu)


def companion_spectral_radius(
    optimizer: str, lr: float, lam: float, momentum: float = 0.0, dampening: float = 0.0
) -> float:
    """Spectral radius of the linear map one step applies along an eigenvector with eigenvalue lam.

    State (θ, b) for the momentum methods (torch's update), θ for SGD.  < 1: that direction converges.
    """
    a = lr * lam
    if optimizer == "sgd":
        return abs(1.0 - a)
    mu = momentum
    if optimizer == "momentum":
        # b' = μ b + (1−τ) λ θ ;  θ' = θ − η b'
        m = np.array([[1.0 - a * (1.0 - dampening), -lr * mu], [(1.0 - dampening) * lam, mu]])
    elif optimizer == "nesterov":
        # b' = μ b + λ θ ;  θ' = θ − η (λ θ + μ b') = (1 − a(1+μ)) θ − η μ² b
        m = np.array([[1.0 - a * (1.0 + mu), -lr * mu * mu], [lam, mu]])
    else:
        raise SpecError("no linear theory for {name!r}", name=optimizer)
    return float(np.abs(np.linalg.eigvals(m)).max())


@dataclass(frozen=True)
class StabilityBoundary:
    """Where linear theory says a run on a quadratic stops converging.

    curves: polylines (x, y) in hyperparameter coordinates (the boundary, where ratio = 1).
    stable: predicted-stable mask (ny, nx) on the sweep grid, when the grid was given.
    ratio: (ny, nx) η(1−τ)(λmax+wd)/C(μ) on the grid: < 1 stable, > 1 unstable (the margin).
    """

    optimizer: str
    x_param: str
    y_param: str
    eigenvalues: tuple[float, ...]
    lam_max: float
    formula: str
    curves: tuple[tuple[np.ndarray, np.ndarray], ...]
    stable: np.ndarray | None = None
    ratio: np.ndarray | None = None
    local: bool = False  # True: the Hessian at a minimum of a non-quadratic surface (valid near it only)

    def summary(self, lang: i18n.Lang = i18n.EN) -> str:
        """The rule and λmax in one line, in the language."""
        template = (
            N_("{formula}; λmax = {lam} near the minimum (local linearisation)")
            if self.local
            else N_("{formula}; λmax = {lam} on this quadratic")
        )
        return lang.fmt(template, formula=lang(self.formula), lam=format(self.lam_max, ".4g"))


def _solve_for(opt: str, var: str, vals: Mapping[str, np.ndarray], lam: float) -> np.ndarray:
    """Solve η(1−τ)(λ+wd) = C(μ) for one variable given the others (arrays broadcast)."""
    eta, mu, tau, wd = vals["lr"], vals["momentum"], vals["dampening"], vals["weight_decay"]
    with np.errstate(divide="ignore", invalid="ignore"):
        if var == "lr":
            return _c_of_mu(opt, mu) / ((1.0 - tau) * (lam + wd))
        if var == "weight_decay":
            return _c_of_mu(opt, mu) / (eta * (1.0 - tau)) - lam
        if var == "dampening":
            return 1.0 - _c_of_mu(opt, mu) / (eta * (lam + wd))
        k = eta * (1.0 - tau) * (lam + wd)  # momentum
        if opt == "momentum":
            return k / 2.0 - 1.0
        return (2.0 - k) / (2.0 * k - 2.0)


def stability_boundary(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    x_param: str,
    y_param: str,
    x_values: Any = None,
    y_values: Any = None,
    *,
    base_params: Mapping[str, Any] | None = None,
    n: int = 400,
    local: bool = False,
    minimum: int = 0,
) -> StabilityBoundary | None:
    """The classical stability boundary for SGD / heavy-ball momentum / Nesterov on a quadratic, else None.

    Uses the eigenvalues of the Hessian at the minimum (constant on a quadratic; surface.curvature_bound()
    is λmax).  With local=True, a non-quadratic surface uses the Hessian at minima[minimum] (valid only
    close to it).  None when: another optimizer, an axis the theory does not involve (e.g. eps), a
    non-quadratic surface without local=True, or no positive-definite minimum.
    Assumes a constant learning rate and no gradient clipping.
    """
    spec = _spec(optimizer)
    if spec.id not in _THEORY:
        return None
    involved = _THEORY_PARAMS[spec.id]
    if x_param not in involved or y_param not in involved or x_param == y_param:
        return None
    surf = get_surface(surface)
    is_quadratic = surf.curvature_bound() is not None
    if not is_quadratic and not local:
        return None
    if is_quadratic:
        point = surf.minima[0] if surf.minima else (0.0,) * surf.dim
    else:
        if not surf.minima or not 0 <= minimum < len(surf.minima):
            return None
        point = surf.minima[minimum]
    h = surf.hessian(point)
    if not np.isfinite(h).all():
        return None
    eig = np.linalg.eigvalsh(0.5 * (h + h.T))
    if eig.min() <= 0:
        return None
    lam = float(eig.max())

    base = _plain_params(spec, resolve_params(spec, dict(base_params or {}), 1))
    consts = {
        "lr": base["lr"],
        "momentum": base.get("momentum", 0.0),
        "dampening": base.get("dampening", 0.0),
        "weight_decay": base.get("weight_decay", 0.0),
    }
    if (consts["weight_decay"] + eig.min() <= 0) and "weight_decay" not in (x_param, y_param):
        return None
    if base.get("ema"):
        # the EMA form (MOMENTUM_SGD.variants) is torch's form with lr η(1−μ): dampening τ = μ, as far as
        # stability goes; with μ or τ on an axis the closed form above does not apply.
        if {"momentum", "dampening"} & {x_param, y_param}:
            return None
        consts["dampening"] = consts["momentum"]

    px, py = spec.param(x_param), spec.param(y_param)

    def span(param: HyperParam, values: Any) -> np.ndarray:
        if values is not None:
            v = np.asarray(values, dtype=float)
            lo, hi = float(v.min()), float(v.max())
        else:
            lo, hi = param.slider_range()
        if param.log:
            lo = max(lo, 1e-300)
            return np.geomspace(lo, hi, n)
        return np.linspace(lo, hi, n)

    # Which variable to solve for: lr if present, then weight decay, dampening, momentum.
    order = ("lr", "weight_decay", "dampening", "momentum")
    solved = min((x_param, y_param), key=order.index)
    free = y_param if solved == x_param else x_param
    free_vals = span(px if free == x_param else py, x_values if free == x_param else y_values)
    vals = {k: np.asarray(v, dtype=float) for k, v in consts.items()}
    vals[free] = free_vals
    sol = np.broadcast_to(_solve_for(spec.id, solved, vals, lam), free_vals.shape)
    psolved = spec.param(solved)
    ok = np.isfinite(sol)
    ok &= (sol > 0) if psolved.log or psolved.low_open else (sol >= psolved.low)
    ok &= (sol < psolved.high) if psolved.high_open else (sol <= psolved.high)
    curves: list[tuple[np.ndarray, np.ndarray]] = []
    # Split into runs of consecutive valid points (the curve may leave the valid range).
    idx = np.flatnonzero(ok)
    if idx.size:
        breaks = np.flatnonzero(np.diff(idx) > 1)
        for part in np.split(idx, breaks + 1):
            if part.size >= 2:
                s, f = sol[part].copy(), free_vals[part].copy()
                curves.append((s, f) if solved == x_param else (f, s))

    stable = ratio = None
    if x_values is not None and y_values is not None:
        gx, gy = np.meshgrid(np.asarray(x_values, dtype=float), np.asarray(y_values, dtype=float))
        g = {k: np.full(gx.shape, v, dtype=float) for k, v in consts.items()}
        g[x_param], g[y_param] = gx, gy
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = g["lr"] * (1.0 - g["dampening"]) * (lam + g["weight_decay"]) / _c_of_mu(spec.id, g["momentum"])
        stable = (ratio < 1.0) & (eig.min() + g["weight_decay"] > 0)

    return StabilityBoundary(
        optimizer=spec.id,
        x_param=x_param,
        y_param=y_param,
        eigenvalues=tuple(float(e) for e in eig),
        lam_max=lam,
        formula=_THEORY[spec.id],
        curves=tuple(curves),
        stable=stable,
        ratio=ratio,
        local=not is_quadratic,
    )


# ============================================================================ basins of attraction
@dataclass(frozen=True)
class BasinResult:
    """Which known minimum each start of an n×n grid reaches.

    labels[i, j] (start (xs[j], ys[i])): an index into minima, DIVERGED (−1) or NOT_CONVERGED (−2:
    the final point is farther than tol from every known minimum).
    """

    surface_ref: str | Surface
    surface_params: dict[str, float]
    optimizer: str
    params: dict[str, Any]
    steps: int
    window: tuple[tuple[float, float], ...]  # d (lo, hi) pairs
    xs: np.ndarray  # (n,)
    ys: np.ndarray  # (n,); (1,) = [0.0] on a curve
    minima: tuple[tuple[float, ...], ...]
    tol: float
    labels: np.ndarray  # (n, n) int; (1, n) on a curve
    final_point: np.ndarray  # (n, n, d); (1, n, 1) on a curve
    counts: dict[int, int]  # label → number of starts (every minimum, DIVERGED and NOT_CONVERGED present)

    @property
    def surface(self) -> Surface:
        return _resolve_surface(self.surface_ref, self.surface_params)

    @property
    def fractions(self) -> dict[int, float]:
        total = self.labels.size
        return {k: v / total for k, v in self.counts.items()}


def _check_window(window: Any, dim: int = 2) -> tuple[tuple[float, float], ...]:
    """((x min, x max), (y min, y max)) on a surface, ((x min, x max),) on a curve; SpecError otherwise."""
    try:
        pairs = tuple((float(a), float(b)) for a, b in window)
    except (TypeError, ValueError):
        pairs = ()
    if len(pairs) != dim:
        if dim == 2:
            raise SpecError("window must be ((x min, x max), (y min, y max))")
        raise SpecError("window must be ((x min, x max),) on a curve")
    if not all(math.isfinite(v) for pair in pairs for v in pair):
        raise SpecError("window bounds must be finite")
    for axis, (lo, hi) in zip("xy", pairs):
        if lo > hi:
            raise SpecError("window {axis} range is reversed: {lo} ≥ {hi}", axis=axis, lo=_fmt(lo), hi=_fmt(hi))
        if lo == hi:
            raise SpecError("window {axis} range is empty: {lo} ≥ {hi}", axis=axis, lo=_fmt(lo), hi=_fmt(hi))
    return pairs


def basins(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    steps: int,
    *,
    params: Mapping[str, Any] | None = None,
    grid_n: int = 100,
    window: Any = None,
    tol: float = 1e-2,
    schedule: Any = None,
    clip: float | None = None,
) -> BasinResult:
    """Label a grid_n × grid_n grid of starts (over window, default the surface's domain) by the minimum reached.

    On a 1-D curve the grid is one row of grid_n starts: labels (1, grid_n), ys = [0.0].
    One pass of the step loop for the whole grid (≤ BASIN_MAX² = 65 536 starts), no history kept
    (optim_core.trajectory.run_summary).
    """
    spec = _spec(optimizer)
    surf = get_surface(surface)
    steps = _check_steps(steps)
    _check_grid_resolution(grid_n)
    tol = float(tol)
    if not (math.isfinite(tol) and tol > 0):
        raise SpecError("tolerance must be a number > 0, got {tol}", tol=tol)
    if not surf.minima:
        raise SpecError("{name} has no known minima: a basin map needs at least one", name=surf.name)
    dim = surf.dim
    win = _check_window(window if window is not None else surf.domain, dim)
    resolved = _plain_params(spec, resolve_params(spec, dict(params or {}), 1))

    n = int(grid_n)
    xs = np.linspace(win[0][0], win[0][1], n)
    if dim == 2:
        ys = np.linspace(win[1][0], win[1][1], n)
        gx, gy = np.meshgrid(xs, ys)
        starts = np.column_stack([gx.ravel(), gy.ravel()])
        shape = (n, n)
    else:
        ys = np.zeros(1)
        starts = xs[:, None]
        shape = (1, n)
    batch = starts.shape[0]
    summary = run_summary(surf, spec, starts, steps, schedule=schedule, clip=clip, **resolved)
    final_point, diverged_at = summary.final_point, summary.diverged_at

    minima = np.asarray(surf.minima, dtype=float)
    if dim == 2:
        d = np.hypot(final_point[:, None, 0] - minima[None, :, 0], final_point[:, None, 1] - minima[None, :, 1])
    else:
        d = np.abs(final_point[:, None, 0] - minima[None, :, 0])
    nearest = d.argmin(axis=1)
    labels = np.where(d[np.arange(batch), nearest] <= tol, nearest, NOT_CONVERGED)
    labels = np.where(diverged_at >= 0, DIVERGED, labels).astype(np.int16)
    counts = {k: int((labels == k).sum()) for k in [*range(len(minima)), DIVERGED, NOT_CONVERGED]}
    ref, sparams = _surface_ref(surf)
    return BasinResult(
        surface_ref=ref,
        surface_params=sparams,
        optimizer=spec.id,
        params=resolved,
        steps=steps,
        window=win,
        xs=xs,
        ys=ys,
        minima=tuple(map(tuple, minima.tolist())),
        tol=tol,
        labels=labels.reshape(shape),
        final_point=final_point.reshape(*shape, dim),
        counts=counts,
    )


# ============================================================================ noise ensembles
@dataclass(frozen=True)
class EnsembleResult:
    """n_runs noisy runs (simulated mini-batch SGD: g + σ·ξ) from one start, and the noise-free run.

    bands[k] is the percentiles[k]-th percentile over runs of the loss at each step, (len(q), steps+1).
    Reproducible: run() draws one (d, n_runs) standard normal per step from a generator seeded by seed.
    """

    surface_ref: str | Surface
    surface_params: dict[str, float]
    optimizer: str
    params: dict[str, Any]
    start: tuple[float, ...]
    steps: int
    n_runs: int
    noise_std: float
    seed: int
    percentiles: tuple[float, ...]
    bands: np.ndarray  # (len(percentiles), steps+1)
    mean_loss: np.ndarray  # (steps+1,)
    end_points: np.ndarray  # (n_runs, d)
    end_loss: np.ndarray  # (n_runs,)
    diverged: np.ndarray  # (n_runs,) bool
    sample_paths: np.ndarray  # (k, steps+1, d): the first k noisy paths, for drawing
    full_loss: np.ndarray  # (steps+1,) the full-batch (noise-free) run
    full_points: np.ndarray  # (steps+1, d)
    full_diverged_at: int

    @property
    def surface(self) -> Surface:
        return _resolve_surface(self.surface_ref, self.surface_params)

    def band(self, q: float) -> np.ndarray:
        for k, p in enumerate(self.percentiles):
            if p == q:
                return self.bands[k]
        raise SpecError(
            "percentile {q} was not computed; have: {have}", q=_fmt(q), have=", ".join(map(_fmt, self.percentiles))
        )


def ensemble(
    surface: str | Surface,
    optimizer: str | OptimizerSpec,
    start: Any,
    steps: int,
    *,
    params: Mapping[str, Any] | None = None,
    n_runs: int = 200,
    noise_std: float = 0.1,
    seed: int = 0,
    schedule: Any = None,
    clip: float | None = None,
    percentiles: Sequence[float] = (10, 50, 90),
    n_samples: int = 12,
) -> EnsembleResult:
    """n_runs seeded noisy runs in one run() call, plus the full-batch run for comparison."""
    spec = _spec(optimizer)
    surf = get_surface(surface)
    steps = _check_steps(steps)
    start = _check_start(start, surf.dim)
    if isinstance(n_runs, bool) or not isinstance(n_runs, (int, np.integer)) or not 2 <= n_runs <= ENSEMBLE_MAX:
        raise SpecError("ensemble size must be a whole number from 2 to {cap}, got {n!r}", cap=ENSEMBLE_MAX, n=n_runs)
    try:
        noise_std = float(noise_std)
    except (TypeError, ValueError):
        raise SpecError("noise std must be a number > 0, got {std!r}", std=noise_std) from None
    if not (math.isfinite(noise_std) and noise_std > 0):
        raise SpecError("noise std must be a finite number > 0 for an ensemble, got {std}", std=_fmt(noise_std))
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise SpecError("seed must be a whole number ≥ 0, got {seed!r}", seed=seed)
    q = tuple(float(p) for p in percentiles)
    if not q or any(not 0 <= p <= 100 for p in q) or list(q) != sorted(q):
        raise SpecError("percentiles must be increasing numbers from 0 to 100, got {q!r}", q=percentiles)
    n_runs = int(n_runs)
    if n_runs * (steps + 1) > WORK_BUDGET:
        raise SpecError(
            "ensemble too large: runs × (steps+1) = {work} is over {budget}; use fewer runs or steps",
            work=n_runs * (steps + 1),
            budget=WORK_BUDGET,
        )
    resolved = _plain_params(spec, resolve_params(spec, dict(params or {}), 1))

    starts = np.repeat(np.asarray([start]), n_runs, axis=0)
    traj = run(surf, spec, starts, steps, schedule=schedule, clip=clip, noise=(noise_std, int(seed)), **resolved)
    full = run(surf, spec, start, steps, schedule=schedule, clip=clip, **resolved)
    with np.errstate(all="ignore"):
        bands = np.percentile(traj.loss, q, axis=1)
        mean_loss = traj.loss.mean(axis=1)
    k = max(0, min(int(n_samples), n_runs))
    ref, sparams = _surface_ref(surf)
    return EnsembleResult(
        surface_ref=ref,
        surface_params=sparams,
        optimizer=spec.id,
        params=resolved,
        start=start,
        steps=steps,
        n_runs=n_runs,
        noise_std=noise_std,
        seed=int(seed),
        percentiles=q,
        bands=np.asarray(bands),
        mean_loss=mean_loss,
        end_points=traj.points[-1].copy(),
        end_loss=traj.loss[-1].copy(),
        diverged=traj.diverged.copy(),
        sample_paths=traj.points[:, :k].transpose(1, 0, 2).copy(),
        full_loss=full.loss[:, 0].copy(),
        full_points=full.points[:, 0].copy(),
        full_diverged_at=int(full.diverged_at[0]),
    )


# ============================================================================ back to the main view
def _round10(v: Any) -> Any:
    return float(f"{v:.10g}") if isinstance(v, float) else v


def apply_to_scene(scene: Any, optimizer: str, params: Mapping[str, Any]) -> Any:
    """A copy of scene (optim_core.scene.Scene) whose run for ``optimizer`` uses ``params``.

    The first run with that optimizer gets the new values (its other overrides kept); without one, a run is
    appended (or, at the scene's run cap, the last run is replaced).  Values are rounded to 10 significant
    digits, as the URL stores them, so the scene round-trips through st.query_params unchanged.
    Only hyperparameters that differ from the defaults are written (lr always).
    """
    from .scene import MAX_RUNS, RunConfig

    spec = _spec(optimizer)
    runs = list(scene.runs)
    idx = next((k for k, r in enumerate(runs) if r.optimizer == spec.id), None)
    old = dict(runs[idx].params) if idx is not None else {}
    merged = _plain_params(spec, resolve_params(spec, old, 1))
    merged.update({k: _round10(float(v)) if spec.param(k).kind == "float" else v for k, v in params.items()})
    merged = _plain_params(spec, resolve_params(spec, merged, 1))
    clean = {p.name: merged[p.name] for p in spec.hyperparams if p.name == "lr" or merged[p.name] != p.default}
    new_run = RunConfig(spec.id, clean)
    if idx is not None:
        runs[idx] = new_run
    elif len(runs) < MAX_RUNS:
        runs.append(new_run)
    else:
        runs[-1] = new_run
    return replace(scene, runs=tuple(runs)).validated()
