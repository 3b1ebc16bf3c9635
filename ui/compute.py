"""Cached computation behind the views: surface grids (+ background image) and one trajectory per run.

Runs are cached one by one, keyed on a one-run Scene's JSON, so moving one
run's slider recomputes that run only.  Everything returned is plain data
(NumPy arrays, dataclasses), safe for st.cache_data's pickling.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import streamlit as st

from optim_core.scene import Scene, simulate
from surfaces import get_surface
from viz import RunView, SurfaceView, surface_view

GRID_N = 200


@st.cache_data(max_entries=24, show_spinner=False)
def cached_surface_view(surface: str, params: tuple[tuple[str, float], ...], window, n: int = GRID_N) -> SurfaceView:
    return surface_view(get_surface(surface, **dict(params)), window, n)


@st.cache_data(max_entries=64, show_spinner=False)
def cached_run(one_run_scene_json: str) -> dict:
    scene = Scene.from_json(one_run_scene_json)
    traj = simulate(scene)[0]
    return {
        "points": np.ascontiguousarray(traj.points),
        "loss": traj.loss,
        "grad_norm": traj.grad_norm,
        "diverged_at": traj.diverged_at,
        "reasons": traj.reasons,
        "params": traj.params_for(0),
        "dist": traj.distance_to_minimum(),
    }


@dataclass
class SceneData:
    scene: Scene
    surface_view: SurfaceView
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


def scene_data(scene: Scene) -> SceneData:
    """Everything the Trajectories views need (raises ValueError with a one-line message)."""
    surface = get_surface(scene.surface, **dict(scene.surface_params))
    params = tuple(sorted((k, float(v)) for k, v in scene.surface_params.items()))
    window = tuple(tuple(map(float, w)) for w in scene.view_window())
    sv = cached_surface_view(scene.surface, params, window)
    runs = []
    labels = scene.run_labels()
    for i, rc in enumerate(scene.runs):
        one = scene.with_(runs=(rc,), window=None)
        d = cached_run(one.to_json())
        runs.append(
            RunView(
                index=i,
                label=labels[i],
                points=d["points"],
                loss=d["loss"],
                grad_norm=d["grad_norm"],
                diverged_at=d["diverged_at"],
                reasons=tuple(d["reasons"]),
                params=d["params"],
                dist=d["dist"],
            )
        )
    try:
        curvature = surface.curvature_bound()
    except Exception:
        curvature = None
    starts = np.asarray(scene.start_points(), dtype=float)
    return SceneData(
        scene=scene,
        surface_view=sv,
        runs=runs,
        starts=starts,
        curvature=curvature,
        start_curvature=[_top_eigenvalue(surface, s) for s in starts],
    )
