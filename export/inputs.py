"""What the renderers take: the surface (SurfaceImage), the paths (PathLayer), the 3-D camera (View3D), the
option ranges and their checks, and which step each frame shows.

Plain NumPy arrays and strings, validated once here, so the app, the CLI and the tests call the same
renderers.  A SurfaceImage carries the look layer's ValueScale: built from the app's SurfaceView
(:meth:`SurfaceImage.from_view`) it colours every point exactly as the screen does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from i18n import UserError
from look import CurveView, SurfaceView, ValueScale, fit_scale, hex_to_rgb, sample

Window = tuple[tuple[float, float], tuple[float, float]]

#: Accepted option ranges (inclusive).  Within them, a render must also fit the budget (export.budget).
GIF_LIMITS = {
    "width": (160, 1920),
    "height": (120, 1080),
    "fps": (1, 60),
    "frames": (2, 600),
    "pause_s": (0.0, 30.0),
    "loop": (0, 65535),
}
STYLES = ("contour", "3d")  # of a surface; a curve (CurveImage) has one style, "curve"
MAX_PATH_COLORS = 48  # distinct path colours that fit beside the surface in a GIF's 256-entry palette


class ExportError(UserError):
    """A render option or input that cannot be drawn (one line, translatable)."""


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


def _is_hex(c: object) -> bool:
    return isinstance(c, str) and len(c) == 7 and c[0] == "#" and all(ch in "0123456789abcdefABCDEF" for ch in c[1:])


@dataclass(frozen=True, eq=False)
class PathLayer:
    """One trajectory.

    points:      (S+1, 2) x, y for steps 0..S; finite.
    color:       "#RRGGBB".
    label:       legend text, e.g. "Adam lr=0.01 β1=0.9" ("" = no legend row, e.g. a run's other starts).
    diverged_at: step at which the run diverged, or None.  Points from there on
                 repeat the last finite point; a red x is drawn at
                 ``points[diverged_at]`` once a frame reaches that step
                 (clamped to the plot border when it lies outside the view).
    values:      optional (S+1,) f at the points, used by ``style="3d"`` for the
                 height of the path; if omitted it is interpolated from the
                 surface grid.
    """

    points: np.ndarray
    color: str
    label: str = ""
    diverged_at: int | None = None
    values: np.ndarray | None = None

    def __post_init__(self) -> None:
        p = np.asarray(self.points, dtype=np.float64)
        if p.ndim != 2 or p.shape[1] != 2 or p.shape[0] < 1:
            raise ExportError("path points must have shape (S+1, 2), got {shape}", shape=p.shape)
        if not np.isfinite(p).all():
            raise ExportError("path points must be finite (no nan/inf)")
        object.__setattr__(self, "points", _readonly(p))
        if not _is_hex(self.color):
            raise ExportError("path color must be '#RRGGBB', got {color}", color=repr(self.color))
        if self.diverged_at is not None:
            d = self.diverged_at
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d <= p.shape[0] - 1:
                raise ExportError(
                    "diverged_at must be an int step in [0, {last}], got {value}", last=p.shape[0] - 1, value=repr(d)
                )
            object.__setattr__(self, "diverged_at", int(d))
        if self.values is not None:
            v = np.asarray(self.values, dtype=np.float64).reshape(-1)
            if v.shape[0] != p.shape[0]:
                raise ExportError("path values must have {n} entries, got {got}", n=p.shape[0], got=v.shape[0])
            object.__setattr__(self, "values", _readonly(v))

    @property
    def n_steps(self) -> int:
        return self.points.shape[0] - 1

    @property
    def rgb(self) -> tuple[int, int, int]:
        return hex_to_rgb(self.color)


@dataclass(frozen=True, eq=False)
class SurfaceImage:
    """The surface f sampled on a grid: ``z[i, j] = f(xs[j], ys[i])``.

    z may hold nan/inf where f is undefined (drawn in the theme's "undefined" grey).  ``scale`` maps f to colour
    positions (look.ValueScale); when None it is fitted to z, logarithmic if ``log_color`` (Rosenbrock, Beale).
    ``window`` is the view box ((x0, x1), (y0, y1)); default: grid extent.  ``title`` is drawn as given (the
    caller translates it).
    """

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    log_color: bool = False
    title: str = ""
    minima: tuple[tuple[float, float], ...] = ()
    window: Window | None = None
    scale: ValueScale | None = None

    def __post_init__(self) -> None:
        xs = np.asarray(self.xs, dtype=np.float64).reshape(-1)
        ys = np.asarray(self.ys, dtype=np.float64).reshape(-1)
        z = np.asarray(self.z, dtype=np.float64)
        for name, a in (("xs", xs), ("ys", ys)):
            if a.size < 2 or not np.isfinite(a).all() or not (np.diff(a) > 0).all():
                raise ExportError("surface {name} must be >= 2 finite, strictly increasing values", name=name)
        if z.shape != (ys.size, xs.size):
            raise ExportError(
                "surface z must have shape (len(ys), len(xs)) = {want}, got {got}", want=(ys.size, xs.size), got=z.shape
            )
        object.__setattr__(self, "xs", _readonly(xs))
        object.__setattr__(self, "ys", _readonly(ys))
        object.__setattr__(self, "z", _readonly(z))
        try:
            minima = tuple((float(a), float(b)) for a, b in self.minima)
        except (TypeError, ValueError):
            raise ExportError("surface minima must be a sequence of (x, y) pairs") from None
        object.__setattr__(self, "minima", minima)
        if self.window is not None:
            try:
                (x0, x1), (y0, y1) = self.window
                x0, x1, y0, y1 = float(x0), float(x1), float(y0), float(y1)
            except (TypeError, ValueError):
                raise ExportError("surface window must be ((x0, x1), (y0, y1))") from None
            if not (np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1):
                raise ExportError(
                    "surface window must be finite with x0 < x1 and y0 < y1, got {window}", window=self.window
                )
            object.__setattr__(self, "window", ((x0, x1), (y0, y1)))
        if self.scale is None:
            object.__setattr__(self, "scale", fit_scale(z, bool(self.log_color)))
        elif not isinstance(self.scale, ValueScale):
            raise ExportError("surface scale must be a look.ValueScale")

    @classmethod
    def from_view(cls, sv: SurfaceView, title: str | None = None) -> SurfaceImage:
        """The renderer's input for a SurfaceView: the same grid, window, minima and value scale as the screen."""
        return cls(
            xs=sv.xs,
            ys=sv.ys,
            z=sv.z,
            log_color=sv.scale.log,
            title=sv.name if title is None else title,
            minima=tuple((float(x), float(y)) for x, y in sv.minima),
            window=sv.window,
            scale=sv.scale,
        )

    @property
    def value_scale(self) -> ValueScale:
        assert self.scale is not None  # set in __post_init__
        return self.scale

    @property
    def view(self) -> Window:
        if self.window is not None:
            return self.window
        return (float(self.xs[0]), float(self.xs[-1])), (float(self.ys[0]), float(self.ys[-1]))

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear interpolation of z at points (nan outside the grid or next to nan)."""
        return sample(self.xs, self.ys, self.z, x, y)


@dataclass(frozen=True, eq=False)
class CurveImage:
    """A 1-D curve f(x) to draw paths on: ``fs[j] = f(xs[j])`` (NaN where f is undefined), the x window and the
    f range to show, the known minima (x, f), the title (drawn as given: the caller translates it).

    The paths drawn on a curve are PathLayers whose points are (x_t, f(x_t)).  ``theta``: beside the curve, a
    second panel shows θ (the iterate x_t) against the iteration t, the course's first plot."""

    xs: np.ndarray
    fs: np.ndarray
    window: tuple[float, float]
    f_range: tuple[float, float]
    minima: tuple[float, ...] = ()
    minima_f: tuple[float, ...] = ()
    title: str = ""
    theta: bool = True

    def __post_init__(self) -> None:
        xs = np.asarray(self.xs, dtype=np.float64).reshape(-1)
        fs = np.asarray(self.fs, dtype=np.float64).reshape(-1)
        if xs.size < 2 or not np.isfinite(xs).all() or not (np.diff(xs) > 0).all():
            raise ExportError("curve xs must be >= 2 finite, strictly increasing values")
        if fs.shape != xs.shape:
            raise ExportError("curve fs must have {n} entries, got {got}", n=xs.size, got=fs.size)
        object.__setattr__(self, "xs", _readonly(xs))
        object.__setattr__(self, "fs", _readonly(np.where(np.isfinite(fs), fs, np.nan)))
        for name in ("window", "f_range"):
            try:
                lo, hi = (float(v) for v in getattr(self, name))
            except (TypeError, ValueError):
                raise ExportError("curve {name} must be a pair (lo, hi)", name=name) from None
            if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
                raise ExportError("curve {name} must be finite with lo < hi, got {value}", name=name, value=(lo, hi))
            object.__setattr__(self, name, (lo, hi))
        try:
            minima = tuple(float(v) for v in np.asarray(self.minima, dtype=float).reshape(-1))
            minima_f = tuple(float(v) for v in np.asarray(self.minima_f, dtype=float).reshape(-1))
        except (TypeError, ValueError):
            raise ExportError("curve minima must be numbers") from None
        if len(minima) != len(minima_f):
            raise ExportError("curve minima and minima_f must have the same length")
        object.__setattr__(self, "minima", minima)
        object.__setattr__(self, "minima_f", minima_f)

    @classmethod
    def from_view(cls, cv: CurveView, title: str | None = None, theta: bool = True) -> CurveImage:
        """The renderer's input for a look.CurveView: the screen's samples, window, f range and minima."""
        return cls(
            xs=cv.xs,
            fs=cv.fs,
            window=cv.window,
            f_range=cv.f_range,
            minima=tuple(float(v) for v in cv.minima),
            minima_f=tuple(float(v) for v in cv.minima_f),
            title=cv.name if title is None else title,
            theta=theta,
        )


@dataclass(frozen=True)
class View3D:
    """Camera for ``style="3d"``: elevation/azimuth in degrees (matplotlib's
    convention: the camera sits in direction (cos az cos el, sin az cos el,
    sin el); the default looks from low x, low y and fairly high, which shows
    narrow valleys such as Rosenbrock's from above), an optional turn per
    frame, and the mesh resolution (quads per side) used for the surface."""

    elev: float = 40.0
    azim: float = -125.0
    rotate_deg_per_frame: float = 0.0
    mesh: int | None = None  # default: 80 for a fixed camera, 48 for a turning one (re-rendered every frame)

    @property
    def mesh_n(self) -> int:
        if self.mesh is not None:
            return int(self.mesh)
        return 48 if self.rotate_deg_per_frame else 80

    def __post_init__(self) -> None:
        if not (-90.0 <= float(self.elev) <= 90.0):
            raise ExportError("elev must be in [-90, 90] degrees, got {value}", value=self.elev)
        if not math.isfinite(float(self.azim)) or not math.isfinite(float(self.rotate_deg_per_frame)):
            raise ExportError("azim and rotate_deg_per_frame must be finite")
        if self.mesh is not None and (
            isinstance(self.mesh, bool) or not isinstance(self.mesh, (int, np.integer)) or not 8 <= self.mesh <= 200
        ):
            raise ExportError("mesh must be an integer in [8, 200], got {value}", value=repr(self.mesh))


def check_options(
    size: Any, fps: Any, frames: Any, pause_s: Any, loop: Any, style: Any, paths: Sequence[Any]
) -> tuple[int, int]:
    """Validate the render options (one-line ExportError); returns (width, height)."""
    try:
        w, h = size
    except (TypeError, ValueError):
        raise ExportError("size must be (width, height), got {value}", value=repr(size)) from None
    for name, v in (("width", w), ("height", h), ("frames", frames), ("loop", loop)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ExportError("{name} must be an integer, got {value}", name=name, value=repr(v))
    for name, v in (("fps", fps), ("pause_s", pause_s)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise ExportError("{name} must be a finite number, got {value}", name=name, value=repr(v))
    for name, v in (
        ("width", w),
        ("height", h),
        ("fps", fps),
        ("frames", frames),
        ("pause_s", pause_s),
        ("loop", loop),
    ):
        lo, hi = GIF_LIMITS[name]
        if not lo <= v <= hi:
            raise ExportError("{name} must be in [{lo}, {hi}], got {value}", name=name, lo=lo, hi=hi, value=v)
    if style not in (*STYLES, "curve"):
        raise ExportError("style must be 'contour' or '3d', got {value}", value=repr(style))
    for p in paths:
        if not isinstance(p, PathLayer):
            raise ExportError("paths must be PathLayer objects, got {type}", type=type(p).__name__)
    if len({p.color.lower() for p in paths}) > MAX_PATH_COLORS:
        raise ExportError("at most {n} distinct path colours fit in a GIF palette", n=MAX_PATH_COLORS)
    return int(w), int(h)


def style_for(surface: SurfaceImage | CurveImage, style: Any) -> str:
    """The drawing style of a render: a surface's "contour" or "3d"; a curve has one, "curve" (it accepts the
    default "contour" and refuses "3d" in one line)."""
    if isinstance(surface, CurveImage):
        if style == "3d":
            raise ExportError("a curve of x alone has no 3-D view: export it as a curve (the contour view's place)")
        if style not in ("contour", "curve"):
            raise ExportError("style must be 'contour' or '3d', got {value}", value=repr(style))
        return "curve"
    return str(style) if isinstance(style, str) else repr(style)


def frame_steps(n_steps: int, frames: int) -> np.ndarray:
    """Which step each frame shows: evenly subsampled, strictly increasing,
    first 0, last always ``n_steps``, ``min(frames, n_steps + 1)`` entries.

    Step i is ``floor(i * n_steps / (frames - 1) + 1/2)`` in exact integer
    arithmetic (so rounding never produces a repeat)."""
    n = int(n_steps)
    f = int(frames)
    if n < 0:
        raise ExportError("n_steps must be >= 0, got {value}", value=n_steps)
    if f < 1:
        raise ExportError("frames must be >= 1, got {value}", value=frames)
    if f == 1 or n == 0:
        return np.array([n], dtype=np.int64)
    if n + 1 <= f:
        return np.arange(n + 1, dtype=np.int64)
    i = np.arange(f, dtype=np.int64)
    return (2 * i * n + (f - 1)) // (2 * (f - 1))


def max_steps(paths: Sequence[PathLayer]) -> int:
    return max([p.n_steps for p in paths] + [0])
