"""Cached computation behind the views: surface grids (+ background image) and one trajectory per run.

Every cache is keyed on a key the ResolvedScene computed once (``resolved.key`` / ``resolved.run_key(i)``);
the resolved objects themselves ride along as underscore arguments, which Streamlit does not hash.  Runs
are cached one by one, so moving one run's slider recomputes that run only.  Everything returned is plain
data (NumPy arrays, dataclasses), safe for st.cache_data's pickling.
"""

from __future__ import annotations

import collections
import threading
from dataclasses import dataclass

import numpy as np
import streamlit as st

from look import GRID_N as LOOK_GRID_N
from optim_core.scene import ResolvedScene
from viz import RunView, SurfaceView, surface_view
from viz.curve import CurveView, curve_view

from . import heavy
from .text import lang

GRID_N = LOOK_GRID_N  # the exports sample the same grid, so a GIF has the screen's colours


def surface_key(resolved: ResolvedScene) -> str:
    s = resolved.scene
    return repr((s.surface, sorted(s.surface_params.items()), resolved.window))


@st.cache_data(max_entries=24, show_spinner=False)
def cached_surface_view(key: str, _resolved: ResolvedScene, n: int = GRID_N) -> SurfaceView | CurveView:
    """A 2-D surface's grid and picture, or a 1-D curve's samples."""
    if _resolved.dim == 1:
        return curve_view(_resolved.surface, _resolved.window)
    (x0, x1), (y0, y1) = _resolved.window
    return surface_view(_resolved.surface, ((x0, x1), (y0, y1)), n)


@dataclass(frozen=True, eq=False)
class RunData:
    """What the views need of one run's trajectory (plain arrays: cheap to pickle into st.cache_data)."""

    points: np.ndarray  # (steps+1, B, d)
    loss: np.ndarray
    grad_norm: np.ndarray
    diverged_at: np.ndarray
    reasons: tuple[str | None, ...]
    params: dict
    dist: np.ndarray | None
    events: tuple = ()  # optim_core Events (SWATS's switch, RAdam's rectification): marked on the map

    @property
    def steps(self) -> int:
        return self.points.shape[0] - 1

    def distance_to_minimum(self) -> np.ndarray | None:
        return self.dist


RUN_CACHE_ENTRIES = 64
_computed: collections.OrderedDict[str, None] = collections.OrderedDict()  # run keys cached_run has computed
_computed_lock = threading.Lock()


@st.cache_data(max_entries=RUN_CACHE_ENTRIES, show_spinner=False)
def cached_run(run_key: str, _resolved: ResolvedScene, _i: int) -> RunData:
    with _computed_lock:
        _computed[run_key] = None
        while len(_computed) > RUN_CACHE_ENTRIES:
            _computed.popitem(last=False)
    spec = _resolved.runs[_i].spec
    # an optimizer that declares events (Indicator.event) is recorded, to find the step they happen at
    traj = _resolved.simulate_run(_i, record_state=any(ind.event for ind in spec.indicators))
    return RunData(
        points=np.ascontiguousarray(traj.points),
        loss=traj.loss,
        grad_norm=traj.grad_norm,
        diverged_at=traj.diverged_at,
        reasons=tuple(traj.reasons),
        params=traj.params_for(0),
        dist=traj.distance_to_minimum(),
        events=traj.events(),
    )


def run_data(resolved: ResolvedScene) -> list[RunData]:
    """Every run's data.  Within the CPU budget (ui.heavy): a scene predicted to cost more than one request may
    use is refused with one line; one whose uncomputed runs cost more than heavy.HEAVY_S runs in the job line."""
    keys = [resolved.run_key(i) for i in range(len(resolved.runs))]
    costs = [
        heavy.simulation_seconds(
            resolved.surface, resolved.steps, len(resolved.starts), minibatch=r.batch_size is not None
        )
        for r in resolved.runs
    ]
    if sum(costs) > heavy.CPU_BUDGET_S:
        raise heavy.BudgetError(
            "this scene would take about {seconds} s of the server's time, more than one request may use "
            "({limit} s): lower the steps, the starts or the runs",
            seconds=f"{sum(costs):.0f}",
            limit=f"{heavy.CPU_BUDGET_S:g}",
        )
    with _computed_lock:
        todo = sum(c for k, c in zip(keys, costs) if k not in _computed)
    if todo <= heavy.HEAVY_S:
        return [cached_run(k, resolved, i) for i, k in enumerate(keys)]
    with heavy.quiet_job():  # no Streamlit element: scene_data runs inside ui.trajectories' cached _data
        return [cached_run(k, resolved, i) for i, k in enumerate(keys)]


@dataclass
class SceneData:
    resolved: ResolvedScene
    surface_view: SurfaceView | CurveView  # CurveView on a 1-D curve
    runs: list[RunView]
    starts: np.ndarray
    curvature: float | None
    start_curvature: list[float | None]


def _top_eigenvalue(surface, point) -> float | None:
    try:
        h = surface.hessian(point)
        if not np.isfinite(h).all():
            return None
        return float(np.linalg.eigvalsh((h + h.T) / 2).max())
    except Exception:
        return None


def scene_data(resolved: ResolvedScene) -> SceneData:
    """Everything the Trajectories views need (raises ValueError with a one-line message)."""
    surface = resolved.surface
    sv = cached_surface_view(surface_key(resolved), resolved)
    runs = []
    for i, (r, d) in enumerate(zip(resolved.runs, run_data(resolved))):
        runs.append(
            RunView(
                index=i,
                label=r.label_in(lang()),
                points=d.points,
                loss=d.loss,
                grad_norm=d.grad_norm,
                diverged_at=d.diverged_at,
                reasons=d.reasons,
                params=d.params,
                dist=d.dist,
                events=d.events,
            )
        )
    try:
        curvature = surface.curvature_bound()
    except Exception:
        curvature = None
    return SceneData(
        resolved=resolved,
        surface_view=sv,
        runs=runs,
        starts=resolved.starts,
        curvature=curvature,
        start_curvature=[_top_eigenvalue(surface, s) for s in resolved.starts],
    )
