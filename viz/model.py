"""Plain data the figure builders draw: what a surface looks like in a window, and what a run did.

Built from a Surface / Trajectory by the helpers below, or directly (tests,
other front ends).  No Streamlit, no hidden state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .fmt import num
from .palette import run_color
from .scale import ValueScale, fit_scale

Window = tuple[tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, eq=False)
class SurfaceView:
    name: str
    window: Window
    xs: np.ndarray  # (n,)
    ys: np.ndarray  # (m,)
    z: np.ndarray  # (m, n): z[i, j] = f(xs[j], ys[i])
    scale: ValueScale
    minima: np.ndarray  # (M, 2), may be empty
    minima_f: np.ndarray  # (M,)
    tex: str = ""
    background: str | None = None  # PNG data URI (viz.background); built on demand when None

    @property
    def f_star(self) -> float | None:
        """Lowest f over the known minima (None if none are known)."""
        return float(self.minima_f.min()) if len(self.minima_f) else None


@dataclass(frozen=True, eq=False)
class RunView:
    index: int  # the run's slot: fixes its colour in every view
    label: str  # "Adam (lr=0.01)"
    points: np.ndarray  # (steps+1, B, 2)
    loss: np.ndarray  # (steps+1, B)
    grad_norm: np.ndarray  # (steps+1, B)
    diverged_at: np.ndarray  # (B,) -1 = no divergence
    reasons: tuple[str | None, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)  # resolved hyperparameters, for the hover
    dist: np.ndarray | None = None  # (steps+1, B) distance to the nearest known minimum
    color: str = ""

    def __post_init__(self):
        if not self.color:
            object.__setattr__(self, "color", run_color(self.index))

    @property
    def steps(self) -> int:
        return self.points.shape[0] - 1

    @property
    def batch(self) -> int:
        return self.points.shape[1]

    def last_valid(self) -> np.ndarray:
        """(B,) index of the last point to draw: the step before divergence, or the final step."""
        d = np.asarray(self.diverged_at)
        return np.where(d < 0, self.steps, np.maximum(d - 1, 0))

    def params_text(self, sep: str = "<br>", per_line: int = 3) -> str:
        items = [f"{k} = {num(v)}" for k, v in self.params.items()]
        return sep.join(", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line))


def surface_view(
    surface, window: Window | None = None, n: int = 200, *, background: bool = True, levels: int = 16
) -> SurfaceView:
    """Grid, colour scale, minima (and the background image) of a Surface in a window."""
    from .background import background_uri

    win = window or surface.domain
    win = ((float(win[0][0]), float(win[0][1])), (float(win[1][0]), float(win[1][1])))
    xs, ys, z = surface.grid(n, win)
    minima = np.asarray(surface.minima, dtype=float).reshape(-1, 2)
    minima_f = surface.value(minima) if len(minima) else np.zeros(0)
    f_star = float(np.nanmin(minima_f)) if len(minima_f) and np.isfinite(minima_f).any() else None
    scale = fit_scale(z, True if surface.log_color else None, f_star)
    bg = background_uri(z, scale, win, levels=levels) if background else None
    return SurfaceView(
        name=surface.name,
        window=win,
        xs=xs,
        ys=ys,
        z=z,
        scale=scale,
        minima=minima,
        minima_f=np.asarray(minima_f, dtype=float),
        tex=surface.tex,
        background=bg,
    )


def run_view(traj, index: int, label: str | None = None) -> RunView:
    """A RunView of an optim_core Trajectory."""
    return RunView(
        index=index,
        label=label or traj.optimizer.name,
        points=np.asarray(traj.points),
        loss=np.asarray(traj.loss),
        grad_norm=np.asarray(traj.grad_norm),
        diverged_at=np.asarray(traj.diverged_at),
        reasons=tuple(traj.reasons),
        params=traj.params_for(0),
        dist=traj.distance_to_minimum(),
    )


def run_views(trajectories: Sequence, labels: Sequence[str] | None = None) -> list[RunView]:
    labels = labels or [None] * len(trajectories)
    return [run_view(t, i, lab) for i, (t, lab) in enumerate(zip(trajectories, labels))]
