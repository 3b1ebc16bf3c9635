"""Plain data every drawing reads: what a surface looks like in a window, and what a run did.

The screen's figures (viz) and the exported frames (export) both draw from these, so a run has the same
colour, label and path, and a surface the same grid, value scale and picture, in the app and in a file.
Built from a Surface / Trajectory by the helpers below, or directly (tests, other front ends).
No Streamlit, no Plotly, no hidden state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from i18n import UserError

from .background import LEVELS, background_uri
from .fmt import num
from .grid import sample
from .scale import ValueScale, fit_scale
from .theme import LIGHT, Theme

Window = tuple[tuple[float, float], tuple[float, float]]
GRID_N = 200  # grid points per axis of a surface view: the app's map and the exports sample the same grid


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
    coords: tuple[str, str] = ("x", "y")  # what the axes are (a dataset's weights: ("w", "b"), ("w₁", "w₂"))
    _pictures: dict[str, str] = field(default_factory=dict, repr=False)  # "theme|levels" → PNG data URI

    @property
    def f_star(self) -> float | None:
        """Lowest f over the known minima (None if none are known)."""
        return float(self.minima_f.min()) if len(self.minima_f) else None

    @property
    def background(self) -> str:
        """The window's picture in the light theme (PNG data URI)."""
        return self.picture(LIGHT)

    def picture(self, theme: Theme = LIGHT, levels: int = LEVELS) -> str:
        """The window's picture in a theme (PNG data URI), drawn once per theme."""
        key = f"{theme.name}|{levels}"
        if key not in self._pictures:
            self._pictures[key] = background_uri(
                self.xs, self.ys, self.z, self.scale, self.window, theme=theme, levels=levels
            )
        return self._pictures[key]

    def value_at(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f interpolated from the grid (bilinear), the nearest edge value outside it."""
        return sample(self.xs, self.ys, self.z, x, y, outside="clamp")


@dataclass(frozen=True, eq=False)
class RunView:
    index: int  # the run's slot: fixes its colour in every view and every export
    label: str  # "Adam (lr=0.01)"
    points: np.ndarray  # (steps+1, B, 2)
    loss: np.ndarray  # (steps+1, B)
    grad_norm: np.ndarray  # (steps+1, B)
    diverged_at: np.ndarray  # (B,) -1 = no divergence
    reasons: tuple[str | None, ...] = ()
    params: Mapping[str, Any] = field(default_factory=dict)  # resolved hyperparameters, for the hover
    dist: np.ndarray | None = None  # (steps+1, B) distance to the nearest known minimum
    color: str = ""  # "" = the theme's colour for `index` (Look.color_of)
    events: tuple[Any, ...] = ()  # optim_core Events (.step, .start, .label): moments marked on the path

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

    def diverged_step(self, b: int) -> int | None:
        d = int(self.diverged_at[b])
        return None if d < 0 else d

    def params_text(self, sep: str = "<br>", per_line: int = 3) -> str:
        items = [f"{k} = {num(v)}" for k, v in self.params.items()]
        return sep.join(", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line))


def surface_view(
    surface: Any,
    window: Window | None = None,
    n: int = GRID_N,
    *,
    background: bool = True,
    levels: int = LEVELS,
    theme: Theme = LIGHT,
) -> SurfaceView:
    """Grid, value scale and minima of a Surface in a window; the theme's picture is drawn now unless
    background=False (then on first use).  A curve of x alone (dim 1) has no map: a one-line UserError."""
    if int(getattr(surface, "dim", 2)) != 2:
        raise UserError(
            "{name} is a curve of x alone: the contour map, the 3-D view and their exports draw surfaces of x and y",
            name=surface.name,
        )
    win = window or surface.domain
    win = ((float(win[0][0]), float(win[0][1])), (float(win[1][0]), float(win[1][1])))
    xs, ys, z = surface.grid(n, win)
    minima = np.asarray(surface.minima, dtype=float).reshape(-1, 2)
    minima_f = surface.value(minima) if len(minima) else np.zeros(0)
    f_star = float(np.nanmin(minima_f)) if len(minima_f) and np.isfinite(minima_f).any() else None
    scale = fit_scale(z, True if surface.log_color else None, f_star)
    sv = SurfaceView(
        name=surface.name,
        window=win,
        xs=xs,
        ys=ys,
        z=z,
        scale=scale,
        minima=minima,
        minima_f=np.asarray(minima_f, dtype=float),
        tex=surface.tex,
        coords=tuple(getattr(surface, "coords", ("x", "y")))[:2],  # type: ignore[arg-type]
    )
    if background:
        sv.picture(theme, levels)
    return sv


def run_view(traj: Any, index: int, label: str | None = None) -> RunView:
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
        events=tuple(traj.events()),
    )


def run_views(trajectories: Sequence[Any], labels: Sequence[str] | None = None) -> list[RunView]:
    names: Sequence[str | None] = labels or [None] * len(trajectories)
    return [run_view(t, i, lab) for i, (t, lab) in enumerate(zip(trajectories, names))]
