"""Pure renderers: optimizer trajectories on a 2-D surface -> GIF / MP4 / PNG bytes.

Inputs are plain NumPy arrays and strings (:class:`SurfaceImage`,
:class:`PathLayer`), so the Streamlit app, the CLI and the tests call the same
functions.  No Streamlit, no Plotly, no matplotlib: everything is drawn with
Pillow and NumPy.  (Figures exported through Plotly from inside a Streamlit
process come out black because ``import streamlit`` installs a template whose
colorscales are browser-side placeholders; drawing with Pillow sidesteps that.)

How a GIF is made fast (150 frames, 640x480, 4 paths x 500 steps in ~0.4 s,
~0.3 MB; see ``python -m benchmarks.render``):

* the static picture (colour map, contour lines, colour bar, axes, minima,
  legend, title) is rendered once in RGB and quantized once (median cut) to a
  fixed 256-entry palette that also holds reserved entries for the path
  colours, their outlines and the markers;
* paths are drawn incrementally: frame k adds only the segments between the
  steps of frames k-1 and k to a persistent "trail" image.  Each increment is
  drawn 3x supersampled on a small Pillow "L" mask around the new segments,
  box-downsampled to an alpha mask and composited in float (antialiased lines
  with a dark outline and round joints/caps); the touched pixels are mapped to
  the palette through a 32^3 nearest-colour table;
* head markers, the step counter and the divergence markers are composited
  the same way on a per-frame copy, so last frame's head never lingers;
* the GIF stores, for every frame after the first, only the changed pixels
  (unchanged ones are the transparent index, disposal 1), so LZW compresses
  long runs and the file stays small.  Frames carry a local colour table
  (+768 B each): passing ``palette=`` to Pillow instead makes it re-map
  every frame in Python, which costs more time than the bytes are worth.

MP4 and PNG use the very same frame generator in full colour (no palette).
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from . import _raster as R
from ._colormap import VIRIDIS, colorize

__all__ = [
    "DIVERGED_RGB",
    "GIF_LIMITS",
    "PathLayer",
    "SurfaceImage",
    "View3D",
    "data_to_pixel",
    "frame_steps",
    "iter_frames",
    "render_gif",
    "render_mp4",
    "render_png",
]

#: Colour of the divergence marker (a red x).
DIVERGED_RGB = (228, 26, 28)
#: Accepted option ranges (inclusive).
GIF_LIMITS = {
    "width": (160, 1920),
    "height": (120, 1080),
    "fps": (1, 60),
    "frames": (2, 600),
    "pause_s": (0.0, 30.0),
    "loop": (0, 65535),
}

_WHITE = (255, 255, 255)
_BLACK = (0, 0, 0)
_TEXT = (30, 30, 30)
_AXIS = (80, 80, 80)
_SS = 3  # supersampling factor for antialiased shapes


# =========================================================================== inputs
def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=np.float64, copy=True)
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class PathLayer:
    """One trajectory.

    points:      (S+1, 2) x, y for steps 0..S; finite.
    color:       "#RRGGBB".
    label:       legend text, e.g. "Adam lr=0.01 β1=0.9".
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
            raise ValueError(f"path points must have shape (S+1, 2), got {p.shape}")
        if not np.isfinite(p).all():
            raise ValueError("path points must be finite (no nan/inf)")
        object.__setattr__(self, "points", _readonly(p))
        c = self.color
        if not (
            isinstance(c, str) and len(c) == 7 and c[0] == "#" and all(ch in "0123456789abcdefABCDEF" for ch in c[1:])
        ):
            raise ValueError(f"path color must be '#RRGGBB', got {c!r}")
        if self.diverged_at is not None:
            d = self.diverged_at
            if isinstance(d, bool) or not isinstance(d, (int, np.integer)) or not 0 <= d <= p.shape[0] - 1:
                raise ValueError(f"diverged_at must be an int step in [0, {p.shape[0] - 1}], got {d!r}")
            object.__setattr__(self, "diverged_at", int(d))
        if self.values is not None:
            v = np.asarray(self.values, dtype=np.float64).reshape(-1)
            if v.shape[0] != p.shape[0]:
                raise ValueError(f"path values must have {p.shape[0]} entries, got {v.shape[0]}")
            object.__setattr__(self, "values", _readonly(v))

    @property
    def n_steps(self) -> int:
        return self.points.shape[0] - 1

    @property
    def rgb(self) -> tuple[int, int, int]:
        return R.hex_to_rgb(self.color)


@dataclass(frozen=True, eq=False)
class SurfaceImage:
    """The surface f sampled on a grid: ``z[i, j] = f(xs[j], ys[i])``.

    z may hold nan/inf where f is undefined (drawn grey).  ``log_color``
    colours by log(z - zmin + 1) (Rosenbrock, Beale; also fine with negative
    z).  ``window`` is the view box ((x0, x1), (y0, y1)); default: grid extent.
    """

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    log_color: bool = False
    title: str = ""
    minima: tuple[tuple[float, float], ...] = ()
    window: tuple[tuple[float, float], tuple[float, float]] | None = None

    def __post_init__(self) -> None:
        xs = np.asarray(self.xs, dtype=np.float64).reshape(-1)
        ys = np.asarray(self.ys, dtype=np.float64).reshape(-1)
        z = np.asarray(self.z, dtype=np.float64)
        for name, a in (("xs", xs), ("ys", ys)):
            if a.size < 2 or not np.isfinite(a).all() or not (np.diff(a) > 0).all():
                raise ValueError(f"surface {name} must be >= 2 finite, strictly increasing values")
        if z.shape != (ys.size, xs.size):
            raise ValueError(f"surface z must have shape (len(ys), len(xs)) = {(ys.size, xs.size)}, got {z.shape}")
        object.__setattr__(self, "xs", _readonly(xs))
        object.__setattr__(self, "ys", _readonly(ys))
        object.__setattr__(self, "z", _readonly(z))
        try:
            minima = tuple((float(a), float(b)) for a, b in self.minima)
        except (TypeError, ValueError):
            raise ValueError("surface minima must be a sequence of (x, y) pairs") from None
        object.__setattr__(self, "minima", minima)
        if self.window is not None:
            try:
                (x0, x1), (y0, y1) = self.window
                x0, x1, y0, y1 = float(x0), float(x1), float(y0), float(y1)
            except (TypeError, ValueError):
                raise ValueError("surface window must be ((x0, x1), (y0, y1))") from None
            if not (np.isfinite([x0, x1, y0, y1]).all() and x0 < x1 and y0 < y1):
                raise ValueError(f"surface window must be finite with x0 < x1 and y0 < y1, got {self.window}")
            object.__setattr__(self, "window", ((x0, x1), (y0, y1)))

    @property
    def view(self) -> tuple[tuple[float, float], tuple[float, float]]:
        if self.window is not None:
            return self.window
        return (float(self.xs[0]), float(self.xs[-1])), (float(self.ys[0]), float(self.ys[-1]))

    def sample(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Bilinear interpolation of z at points (nan outside the grid or next to nan)."""
        x = np.asarray(x, dtype=np.float64)
        y = np.asarray(y, dtype=np.float64)
        fx = np.interp(x, self.xs, np.arange(self.xs.size), left=np.nan, right=np.nan)
        fy = np.interp(y, self.ys, np.arange(self.ys.size), left=np.nan, right=np.nan)
        return _bilinear(self.z, fx, fy)


def _bilinear(z: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """z sampled at fractional indices (column fx, row fy); fx/fy broadcast; nan where out."""
    fx, fy = np.broadcast_arrays(fx, fy)
    bad = ~(np.isfinite(fx) & np.isfinite(fy))
    fx = np.where(bad, 0.0, fx)
    fy = np.where(bad, 0.0, fy)
    i0 = np.clip(np.floor(fx).astype(np.intp), 0, z.shape[1] - 2)
    j0 = np.clip(np.floor(fy).astype(np.intp), 0, z.shape[0] - 2)
    wx = fx - i0
    wy = fy - j0
    with np.errstate(invalid="ignore"):
        top = z[j0, i0] * (1 - wx) + z[j0, i0 + 1] * wx
        bot = z[j0 + 1, i0] * (1 - wx) + z[j0 + 1, i0 + 1] * wx
        out = top * (1 - wy) + bot * wy
    out[bad] = np.nan
    return out


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
            raise ValueError(f"elev must be in [-90, 90] degrees, got {self.elev}")
        if not math.isfinite(float(self.azim)) or not math.isfinite(float(self.rotate_deg_per_frame)):
            raise ValueError("azim and rotate_deg_per_frame must be finite")
        if self.mesh is not None and (
            isinstance(self.mesh, bool) or not isinstance(self.mesh, (int, np.integer)) or not 8 <= self.mesh <= 200
        ):
            raise ValueError(f"mesh must be an integer in [8, 200], got {self.mesh!r}")


# =========================================================================== options
def _check_options(size, fps, frames, pause_s, loop, style, paths) -> tuple[int, int]:
    try:
        w, h = size
    except (TypeError, ValueError):
        raise ValueError(f"size must be (width, height), got {size!r}") from None
    for name, v in (("width", w), ("height", h), ("frames", frames), ("loop", loop)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)):
            raise ValueError(f"{name} must be an integer, got {v!r}")
    for name, v in (("fps", fps), ("pause_s", pause_s)):
        if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not math.isfinite(v):
            raise ValueError(f"{name} must be a finite number, got {v!r}")
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
            raise ValueError(f"{name} must be in [{lo}, {hi}], got {v}")
    if style not in ("contour", "3d"):
        raise ValueError(f"style must be 'contour' or '3d', got {style!r}")
    for p in paths:
        if not isinstance(p, PathLayer):
            raise ValueError(f"paths must be PathLayer objects, got {type(p).__name__}")
    if len({p.color.lower() for p in paths}) > 48:
        raise ValueError("at most 48 distinct path colours fit in a GIF palette")
    return int(w), int(h)


def frame_steps(n_steps: int, frames: int) -> np.ndarray:
    """Which step each frame shows: evenly subsampled, strictly increasing,
    first 0, last always ``n_steps``, ``min(frames, n_steps + 1)`` entries.

    Step i is ``floor(i * n_steps / (frames - 1) + 1/2)`` in exact integer
    arithmetic (so rounding never produces a repeat)."""
    n = int(n_steps)
    f = int(frames)
    if n < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps}")
    if f < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    if f == 1 or n == 0:
        return np.array([n], dtype=np.int64)
    if n + 1 <= f:
        return np.arange(n + 1, dtype=np.int64)
    i = np.arange(f, dtype=np.int64)
    return (2 * i * n + (f - 1)) // (2 * (f - 1))


# =========================================================================== 2-D scene
@dataclass
class _ColorScale:
    """Maps f values to t in [0, 1] (linear or log(z - zmin + 1))."""

    zmin: float
    zmax: float
    log: bool

    def v(self, z: np.ndarray) -> np.ndarray:
        z = np.asarray(z, dtype=np.float64)
        with np.errstate(all="ignore"):
            if self.log:
                return np.log1p(np.maximum(z - self.zmin, 0.0))
            return z

    @property
    def vmin(self) -> float:
        return 0.0 if self.log else self.zmin

    @property
    def vmax(self) -> float:
        return float(self.v(self.zmax)) if self.log else self.zmax

    def t(self, z: np.ndarray) -> np.ndarray:
        span = self.vmax - self.vmin
        with np.errstate(all="ignore"):
            if span > 0:
                out = (self.v(z) - self.vmin) / span
            else:  # constant f: the middle colour
                out = np.full(np.shape(z), 0.5)
        out = np.where(np.isfinite(z), out, np.nan)
        return out

    def ticks(self, target: int = 5) -> list[tuple[float, str]]:
        """(t position, label) pairs for the colour bar."""
        lo, hi = self.zmin, self.zmax
        if not hi > lo:
            return [(0.5, R.fmt_value(lo))]
        if not self.log:
            vals, step = R.nice_ticks(lo, hi, target)
            return [(float(self.t(np.array(v))), R.fmt_value(v, step)) for v in vals]
        # log: candidates 0, ±{1,2,5}·10^k in range, chosen near evenly spaced positions
        top = max(abs(lo), abs(hi), 1e-12)
        kmax = int(math.ceil(math.log10(top))) + 1
        kmin = kmax - 14
        cands = [0.0] + [s * m * 10.0**k for k in range(kmin, kmax + 1) for m in (1, 2, 5) for s in (1, -1)]
        near0 = 0 < lo <= 1e-3 * (hi - lo)  # e.g. the grid just misses f = 0
        cands = np.array(sorted(c for c in cands if lo <= c <= hi or (c == 0 and near0)))
        if cands.size == 0:
            return [(0.0, R.fmt_value(lo)), (1.0, R.fmt_value(hi))]
        pos = np.clip(self.t(cands), 0.0, 1.0)
        chosen: list[int] = []
        for target_t in np.linspace(0, 1, target):
            j = int(np.argmin(np.abs(pos - target_t)))
            if abs(pos[j] - target_t) < 0.2 and all(abs(pos[j] - pos[c]) > 0.12 for c in chosen):
                chosen.append(j)
        return [(float(pos[j]), R.fmt_value(float(cands[j]))) for j in sorted(chosen)]


def _color_scale(s: SurfaceImage) -> _ColorScale:
    (x0, x1), (y0, y1) = s.view
    ix = np.nonzero((s.xs >= x0) & (s.xs <= x1))[0]
    iy = np.nonzero((s.ys >= y0) & (s.ys <= y1))[0]
    # one extra grid line on each side: bilinear values between them are in range too
    i0, i1 = (max(ix[0] - 1, 0), min(ix[-1] + 2, s.xs.size)) if ix.size else (0, s.xs.size)
    j0, j1 = (max(iy[0] - 1, 0), min(iy[-1] + 2, s.ys.size)) if iy.size else (0, s.ys.size)
    sub = s.z[j0:j1, i0:i1]
    fin = sub[np.isfinite(sub)]
    if fin.size == 0:
        return _ColorScale(0.0, 1.0, s.log_color)
    return _ColorScale(float(fin.min()), float(fin.max()), s.log_color)


@dataclass
class _Layout:
    size: tuple[int, int]
    box: tuple[int, int, int, int]  # plot area in pixels: left, top, right, bottom (exclusive)
    window: tuple[tuple[float, float], tuple[float, float]]
    fs: int  # base font size
    lw: float  # path line width (core)
    header_h: int
    cbar: tuple[int, int, int, int]
    xticks: list[tuple[float, str]]
    yticks: list[tuple[float, str]]
    cticks: list[tuple[float, str]]
    scale: _ColorScale

    def to_pixel(self, pts: np.ndarray) -> np.ndarray:
        (x0, x1), (y0, y1) = self.window
        l, t, r, b = self.box
        p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        out = np.empty_like(p)
        out[:, 0] = l + (p[:, 0] - x0) / (x1 - x0) * (r - l)
        out[:, 1] = t + (y1 - p[:, 1]) / (y1 - y0) * (b - t)
        return out


def _fonts(fs: int):
    return {
        "title": R.get_font(round(fs * 1.1), bold=True),
        "text": R.get_font(fs),
        "tick": R.get_font(max(8, round(fs * 0.85))),
        "legend": R.get_font(max(8, round(fs * 0.85))),
    }


def _base_sizes(w: int, h: int) -> tuple[int, float]:
    fs = int(round(min(h, w * 0.75) / 30.0))
    fs = max(9, min(36, fs))
    lw = max(3.0, min(h, w * 0.75) / 150.0)
    return fs, lw


def _layout(s: SurfaceImage, size: tuple[int, int]) -> _Layout:
    w, h = size
    fs, lw = _base_sizes(w, h)
    f = _fonts(fs)
    scale = _color_scale(s)
    (wx0, wx1), (wy0, wy1) = s.view
    pad = max(4, fs // 2)
    tick_len = max(3, fs // 4)
    header_h = int(round(fs * 1.1 * 1.7))
    cticks = scale.ticks(5 if h >= 300 else 3)
    c_lab_w = max([R.text_size(lab, f["tick"])[0] for _, lab in cticks] + [0])
    cbar_w = max(8, int(round(fs * 0.75)))
    right_need = pad + cbar_w + tick_len + 3 + c_lab_w + pad
    # y ticks first (their labels set the left margin)
    top, _bottom_guess = header_h, h - (tick_len + 3 + fs + pad + fs)
    yt, ystep = R.nice_ticks(wy0, wy1, 5 if h >= 300 else 3)
    ylabels = [(v, R.fmt_value(v, ystep)) for v in yt]
    ylab_w = max([R.text_size(lab, f["tick"])[0] for _, lab in ylabels] + [0])
    axis_lab_w = R.text_size("y", f["text"])[0] + pad
    left = pad + axis_lab_w + ylab_w + 3 + tick_len
    bottom = h - (tick_len + 3 + R.text_size("0", f["tick"])[1] + pad + R.text_size("x", f["text"])[1] + pad)
    avail_w = max(40, w - left - right_need)
    avail_h = max(30, bottom - top)
    # Equal aspect (gradients look perpendicular to contours) unless that wastes
    # more than half of the available area.
    dx, dy = wx1 - wx0, wy1 - wy0
    k = min(avail_w / dx, avail_h / dy)
    pw, ph = dx * k, dy * k
    if pw * ph < 0.7 * avail_w * avail_h:
        pw, ph = avail_w, avail_h
    pw, ph = int(round(pw)), int(round(ph))
    top += max(0, (avail_h - ph) // 2)  # a wide window sits mid-height
    box = (left, top, left + pw, top + ph)
    # x ticks
    xt, xstep = R.nice_ticks(wx0, wx1, max(3, min(8, pw // (fs * 5))))
    xlabels = [(v, R.fmt_value(v, xstep)) for v in xt]
    cx0 = box[2] + pad
    cbar = (cx0, top, cx0 + cbar_w, top + ph)
    return _Layout(
        size=(w, h),
        box=box,
        window=s.view,
        fs=fs,
        lw=lw,
        header_h=header_h,
        cbar=cbar,
        xticks=xlabels,
        yticks=ylabels,
        cticks=cticks,
        scale=scale,
    )


def _max_steps(paths) -> int:
    return max([p.n_steps for p in paths] + [0])


def _fit_text(text: str, font, max_w: float) -> str:
    """text, shortened with an ellipsis to fit max_w pixels."""
    if max_w <= 0:
        return ""
    while len(text) > 1 and R.text_size(text, font)[0] > max_w:
        text = text[:-2].rstrip() + "…"
    return text


def _put_text(
    img: np.ndarray, xy: tuple[float, float], text: str, font, color=_TEXT, anchor: str = "la", alpha: float = 1.0
) -> tuple[int, int, int, int] | None:
    """Draw antialiased text into an RGB array in place; returns its pixel box."""
    if not text:
        return None
    box, mask = _text_mask(xy, text, font, anchor)
    cb = R.clip_box(box, (0, 0, img.shape[1], img.shape[0]))
    if cb is None:
        return None
    m = mask[cb[1] - box[1] : cb[3] - box[1], cb[0] - box[0] : cb[2] - box[0]]
    region, _ = R.paint(img, cb, [(color, alpha, m)])
    img[cb[1] : cb[3], cb[0] : cb[2]] = region
    return box


def _text_mask(xy, text, font, anchor):
    x, y = int(round(xy[0])), int(round(xy[1]))
    try:
        l, t, r, b = font.getbbox(text, anchor=anchor)
    except (TypeError, ValueError):  # bitmap fallback font: no anchors
        l, t, r, b = font.getbbox(text)
    l, t, r, b = int(math.floor(l)), int(math.floor(t)), int(math.ceil(r)), int(math.ceil(b))
    from PIL import ImageDraw

    im = Image.new("L", (max(1, r - l), max(1, b - t)), 0)
    try:
        ImageDraw.Draw(im).text((-l, -t), text, font=font, fill=255, anchor=anchor)
    except (TypeError, ValueError):
        ImageDraw.Draw(im).text((-l, -t), text, font=font, fill=255)
    return (x + l, y + t, x + r, y + b), np.asarray(im, dtype=np.float32) / 255.0


def _fill_rect(img: np.ndarray, box, color, alpha: float = 1.0) -> None:
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    x0, y0 = max(0, x0), max(0, y0)
    x1, y1 = min(img.shape[1], x1), min(img.shape[0], y1)
    if x1 <= x0 or y1 <= y0:
        return
    if alpha >= 1:
        img[y0:y1, x0:x1] = color
    else:
        reg = img[y0:y1, x0:x1].astype(np.float32)
        reg += (np.asarray(color, np.float32) - reg) * alpha
        img[y0:y1, x0:x1] = (reg + 0.5).astype(np.uint8)


def _rect_outline(img: np.ndarray, box, color, width: int = 1) -> None:
    x0, y0, x1, y1 = box
    _fill_rect(img, (x0 - width, y0 - width, x1 + width, y0), color)
    _fill_rect(img, (x0 - width, y1, x1 + width, y1 + width), color)
    _fill_rect(img, (x0 - width, y0, x0, y1), color)
    _fill_rect(img, (x1, y0, x1 + width, y1), color)


def _contour_field(lay: _Layout, s: SurfaceImage) -> np.ndarray:
    """RGB (ph, pw, 3) of the plot area: colour map + antialiased contour lines."""
    l, t, r, b = lay.box
    pw, ph = r - l, b - t
    (x0, x1), (y0, y1) = lay.window
    xc = x0 + (np.arange(pw) + 0.5) / pw * (x1 - x0)
    yc = y1 - (np.arange(ph) + 0.5) / ph * (y1 - y0)
    fx = np.interp(xc, s.xs, np.arange(s.xs.size), left=np.nan, right=np.nan)
    fy = np.interp(yc, s.ys, np.arange(s.ys.size), left=np.nan, right=np.nan)
    z = _bilinear(s.z, fx[None, :], fy[:, None])
    tt = lay.scale.t(z)
    rgb = colorize(tt).astype(np.float32)
    # contour levels: nice f values (linear) or evenly spaced in log space
    sc = lay.scale
    if sc.log:
        nlev = 14
        level = tt * nlev
    else:
        _, step = R.nice_ticks(sc.zmin, sc.zmax, 12)
        with np.errstate(all="ignore"):
            level = np.where(np.isfinite(z), z / step, np.nan)
    with np.errstate(all="ignore"):
        gy, gx = np.gradient(level)
        g = np.hypot(gx, gy)
        dist = np.abs(level - np.rint(level)) / g
        a = np.clip(1.1 - dist, 0.0, 1.0)
    a = np.where(np.isfinite(a) & (g > 1e-9) & (g < 0.5), a, 0.0).astype(np.float32)
    # light lines on the dark end of the map, dark lines on the bright end
    bright = np.nan_to_num(tt, nan=0.0) > 0.62
    line = np.where(bright[..., None], np.float32(0.0), np.float32(255.0))
    op = np.where(bright, 0.28, 0.42).astype(np.float32)
    rgb += (line - rgb) * (a * op)[..., None]
    return (rgb + 0.5).astype(np.uint8)


def _legend_entries(paths: Sequence[PathLayer]) -> list[tuple[str, tuple[int, int, int]]]:
    """One legend row per distinct (label, colour); unlabelled paths (e.g. the
    other members of a batch run) have none."""
    return list(dict.fromkeys((p.label, p.rgb) for p in paths if p.label))


def _legend_layout(paths: Sequence[PathLayer], fs: int, max_w: int, max_h: int):
    """Rows (label, rgb or None), truncated labels, box size and metrics."""
    font = _fonts(fs)["legend"]
    pad = max(4, fs // 2)
    sw = int(round(fs * 1.8))
    row_h = int(round(fs * 1.25))
    rows: list = _legend_entries(paths)
    max_rows = max(1, (max_h - pad) // row_h)
    if len(rows) > max_rows:
        rows = [*rows[: max_rows - 1], (f"+ {len(rows) - (max_rows - 1)} more", None)]
    labels = []
    for lab, _ in rows:
        txt = lab
        while len(txt) > 1 and R.text_size(txt, font)[0] + sw + 3 * pad > max_w:
            txt = txt[:-2].rstrip() + "…"
        labels.append(txt)
    tw = max([R.text_size(t, font)[0] for t in labels] + [0])
    size = (pad + sw + pad + tw + pad, pad + row_h * len(rows) + pad // 2)
    return rows, labels, size, (pad, sw, row_h, font)


def _draw_legend(img, paths, fs: int, lw: float, xy, region) -> tuple[int, int, int, int]:
    """Legend at xy (top-left): swatch in the path style + label per row."""
    rows, labels, (bw, bh), (pad, sw, row_h, font) = _legend_layout(
        paths, fs, region[2] - region[0], region[3] - region[1]
    )
    x, y = xy
    for k, ((_, rgb), lab) in enumerate(zip(rows, labels)):
        cy = y + pad + row_h * k + row_h / 2
        if rgb is not None:
            seg = np.array([[x + pad, cy], [x + pad + sw, cy]])
            ops = [(_outline_rgb(rgb), 1.0, R.polyline_shape(seg, lw + 2.4)), (rgb, 1.0, R.polyline_shape(seg, lw))]
            box = R.clip_box((x, cy - lw * 2, x + pad * 2 + sw, cy + lw * 2), (0, 0, img.shape[1], img.shape[0]))
            if box:
                reg, _ = R.paint(img, box, ops, _SS)
                img[box[1] : box[3], box[0] : box[2]] = reg
        _put_text(img, (x + pad + sw + pad, cy), lab, font, _TEXT, "lm")
    return x, y, x + bw, y + bh


def _legend_overlay(
    img: np.ndarray, paths, fs: int, lw: float, region, busy_pts: np.ndarray, busy_img: np.ndarray | None = None
):
    """Legend inside ``region`` at the corner that hides the least (path
    points, markers, and the True pixels of busy_img), drawn on a translucent
    white box into img; returns the (box, ops) overlay that keeps it above
    the paths."""
    if not _legend_entries(paths):
        return None
    l, t, r, b = region
    _, _, (bw, bh), (pad, *_rest) = _legend_layout(paths, fs, r - l, b - t)
    if bw * bh > 0.4 * (r - l) * (b - t):  # would hide most of a small image
        return None
    cands = [(r - bw - pad, t + pad), (l + pad, t + pad), (r - bw - pad, b - bh - pad), (l + pad, b - bh - pad)]

    def score(c):
        x, y = c
        e = np.where(busy_pts[:, 2] > 1, 10.0, 0.0)  # markers have a radius; points may touch the edge
        m = (
            (busy_pts[:, 0] >= x - e)
            & (busy_pts[:, 0] <= x + bw + e)
            & (busy_pts[:, 1] >= y - e)
            & (busy_pts[:, 1] <= y + bh + e)
        )
        sc = float(busy_pts[m, 2].sum()) if busy_pts.size else 0.0
        if busy_img is not None:
            sc += float(busy_img[max(0, y) : max(0, y + bh), max(0, x) : max(0, x + bw)].sum()) * 0.1
        return sc

    x, y = (int(v) for v in min(cands, key=score))
    layers = []
    for base in (255, 0):  # draw on white and on black: recovers colour and alpha exactly
        im = np.full_like(img, base)
        _fill_rect(im, (x, y, x + bw, y + bh), _WHITE, 0.82)
        _rect_outline(im, (x, y, x + bw, y + bh), (150, 150, 150))
        _draw_legend(im, paths, fs, lw, (x, y), region)
        layers.append(im)
    box = R.clip_box((x - 1, y - 1, x + bw + 1, y + bh + 1), (0, 0, img.shape[1], img.shape[0]))
    if box is None:
        return None
    x0, y0, x1, y1 = box
    iw = layers[0][y0:y1, x0:x1].astype(np.float32)
    ib = layers[1][y0:y1, x0:x1].astype(np.float32)
    alpha = np.clip(1.0 - (iw - ib).mean(-1) / 255.0, 0.0, 1.0)
    rgb = np.clip(ib / np.maximum(alpha, 1e-3)[..., None], 0, 255)
    op = (None, 1.0, (rgb, alpha, x0, y0))
    reg, _ = R.paint(img, box, [op])
    img[y0:y1, x0:x1] = reg
    return box, [op]


def _busy_points(paths, path_px, minima_px=()) -> np.ndarray:
    """(N, 3) x, y, weight: path points weigh 1, starts / divergences / minima 500."""
    rows = [np.column_stack([px, np.ones(len(px))]) for px in path_px]
    for p, px in zip(paths, path_px):
        rows.append(np.array([[px[0, 0], px[0, 1], 500.0]]))
        if p.diverged_at is not None:
            rows.append(np.array([[px[p.diverged_at, 0], px[p.diverged_at, 1], 500.0]]))
    for mx, my in minima_px:
        rows.append(np.array([[mx, my, 500.0]]))
    return np.concatenate(rows) if rows else np.zeros((0, 3))


def _outline_rgb(rgb):
    return R.blend(rgb, _BLACK, 0.62)


def _minimum_ops(cx, cy, fs):
    r = max(5.0, fs * 0.55)
    return [
        ((20, 20, 20), 1.0, R.polygon_shape(R.star_points(cx, cy, r + 1.8, inner=0.5))),
        (_WHITE, 1.0, R.polygon_shape(R.star_points(cx, cy, r, inner=0.45))),
    ], r + 3


@dataclass
class _Scene:
    bg: np.ndarray  # (H, W, 3) uint8 static picture
    clip: tuple[int, int, int, int]  # where paths may be drawn
    path_px: list[np.ndarray]  # per path (S+1, 2) pixel coordinates
    hidden: list[np.ndarray | None]  # per path (S+1,) True where the surface hides the point (3-D)
    lw: float
    fs: int
    counter_xy: tuple[int, int]  # right end, vertical middle of the step counter
    counter_box: tuple[int, int, int, int]
    overlays: list = field(default_factory=list)  # (box, ops) kept above the paths (legend, minima)


def _scene_2d(s: SurfaceImage, paths: Sequence[PathLayer], size: tuple[int, int]) -> _Scene:
    lay = _layout(s, size)
    w, h = size
    fonts = _fonts(lay.fs)
    img = np.full((h, w, 3), 255, dtype=np.uint8)
    l, t, r, b = lay.box
    img[t:b, l:r] = _contour_field(lay, s)
    _rect_outline(img, lay.box, _AXIS)
    tick_len = max(3, lay.fs // 4)
    # axes ticks and labels
    (x0, x1), (y0, y1) = lay.window
    for v, lab in lay.xticks:
        px = l + (v - x0) / (x1 - x0) * (r - l)
        _fill_rect(img, (round(px) - 0.5, b + 1, round(px) + 0.5, b + 1 + tick_len), _AXIS)
        _put_text(img, (px, b + 2 + tick_len), lab, fonts["tick"], _TEXT, "mt")
    for v, lab in lay.yticks:
        py = t + (y1 - v) / (y1 - y0) * (b - t)
        _fill_rect(img, (l - 1 - tick_len, round(py) - 0.5, l - 1, round(py) + 0.5), _AXIS)
        _put_text(img, (l - 3 - tick_len, py), lab, fonts["tick"], _TEXT, "rm")
    tick_h = R.text_size("0", fonts["tick"])[1]
    _put_text(img, ((l + r) / 2, b + tick_len + tick_h + lay.fs * 0.6), "x", fonts["text"], _TEXT, "mt")
    pad = max(4, lay.fs // 2)
    _put_text(img, (pad, (t + b) / 2), "y", fonts["text"], _TEXT, "lm")
    # colour bar
    c0, ct, c1, cb = lay.cbar
    tcol = 1.0 - (np.arange(cb - ct) + 0.5) / (cb - ct)
    img[ct:cb, c0:c1] = colorize(tcol)[:, None, :]
    _rect_outline(img, lay.cbar, _AXIS)
    for tpos, lab in lay.cticks:
        py = cb - tpos * (cb - ct)
        _fill_rect(img, (c1 + 1, round(py) - 0.5, c1 + 1 + tick_len, round(py) + 0.5), _AXIS)
        _put_text(img, (c1 + 3 + tick_len, py), lab, fonts["tick"], _TEXT, "lm")
    _put_text(
        img,
        (c0, b + tick_len + tick_h + lay.fs * 0.6),
        "f (log scale)" if s.log_color else "f",
        fonts["tick"],
        (90, 90, 90),
        "lt",
    )
    # minima: stars kept above the paths (re-stamped when a path crosses them)
    overlays: list = []
    if s.minima:
        mp = lay.to_pixel(np.array(s.minima))
        for cx, cy in mp:
            ops, rad = _minimum_ops(cx, cy, lay.fs)
            box = R.clip_box((cx - rad, cy - rad, cx + rad, cy + rad), lay.box)
            if box:
                reg, _ = R.paint(img, box, ops, _SS)
                img[box[1] : box[3], box[0] : box[2]] = reg
                overlays.append((box, ops))
    # title
    title_font = fonts["title"]
    hm = lay.header_h / 2
    counter_w = R.text_size(f"step {_max_steps(paths)} / {_max_steps(paths)}", fonts["text"])[0] if paths else 0
    _put_text(img, (l, hm), _fit_text(s.title, title_font, r - l - counter_w - 2 * pad), title_font, _TEXT, "lm")
    # legend: right of the colour bar if it fits, else inside the plot
    path_px = [lay.to_pixel(p.points) for p in paths]
    if _legend_entries(paths):
        label_right = c1 + 3 + tick_len + max([R.text_size(lab, fonts["tick"])[0] for _, lab in lay.cticks] + [0])
        free = (label_right + 2 * pad, t, w - pad, b)
        _, _, (bw, bh), _ = _legend_layout(paths, lay.fs, 10**6, b - t)
        if free[2] - free[0] >= bw and len(_legend_entries(paths)) * lay.fs * 1.25 < b - t:
            _draw_legend(img, paths, lay.fs, lay.lw, free[:2], free)
        else:
            mins = lay.to_pixel(np.array(s.minima)) if s.minima else ()
            # a divergence marker outside the view is drawn at the border
            m = 3 * lay.lw
            busy = _busy_points(paths, [np.clip(px, (l + m, t + m), (r - m, b - m)) for px in path_px], mins)
            ov = _legend_overlay(img, paths, lay.fs, lay.lw, lay.box, busy)
            if ov:
                overlays.append(ov)
    counter_w = R.text_size("step 00000 / 00000", fonts["text"])[0]
    cbox = (max(0, r - counter_w - 2), 0, min(w, r + 2), lay.header_h)
    return _Scene(
        bg=img,
        clip=lay.box,
        path_px=path_px,
        hidden=[None] * len(paths),
        lw=lay.lw,
        fs=lay.fs,
        counter_xy=(r, int(hm)),
        counter_box=cbox,
        overlays=overlays,
    )


# =========================================================================== frame engine
def _clip_runs(pts: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
    """Liang-Barsky clip of a polyline to box; returns the connected visible runs."""
    if pts.shape[0] < 2:
        return [pts] if pts.shape[0] == 1 and _inside(pts[0], box) else []
    x0, y0, x1, y1 = box
    inside = (pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)
    if inside.all():
        return [pts]
    a, bpt = pts[:-1], pts[1:]
    d = bpt - a
    t0 = np.zeros(len(a))
    t1 = np.ones(len(a))
    ok = np.ones(len(a), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in (
            (-d[:, 0], a[:, 0] - x0),
            (d[:, 0], x1 - a[:, 0]),
            (-d[:, 1], a[:, 1] - y0),
            (d[:, 1], y1 - a[:, 1]),
        ):
            par = p == 0
            ok &= ~(par & (q < 0))
            r = q / p
            neg = (p < 0) & ~par
            pos = (p > 0) & ~par
            t0 = np.where(neg, np.maximum(t0, r), t0)
            t1 = np.where(pos, np.minimum(t1, r), t1)
    ok &= t0 <= t1
    runs: list[np.ndarray] = []
    cur: list[np.ndarray] = []
    for i in range(len(a)):
        if not ok[i]:
            if cur:
                runs.append(np.array(cur))
                cur = []
            continue
        pa = a[i] + t0[i] * d[i]
        pb = a[i] + t1[i] * d[i]
        if cur and t0[i] == 0.0:
            cur.append(pb)
        else:
            if cur:
                runs.append(np.array(cur))
            cur = [pa, pb]
        if t1[i] < 1.0:
            runs.append(np.array(cur))
            cur = []
    if cur:
        runs.append(np.array(cur))
    return runs


def _inside(p, box) -> bool:
    return box[0] <= p[0] <= box[2] and box[1] <= p[1] <= box[3]


class _Engine:
    """Draws paths incrementally into a persistent trail (RGB, and palette
    indices when quantized) and produces frames with heads and the counter."""

    def __init__(
        self,
        scene: _Scene,
        paths: Sequence[PathLayer],
        n_steps: int,
        palette: R.Palette | None = None,
        bg_idx: np.ndarray | None = None,
    ):
        self.sc = scene
        self.paths = paths
        self.n_steps = n_steps
        self.rgb = scene.bg.copy()
        self.pal = palette
        self.idx = None if bg_idx is None else bg_idx.copy()
        self.cur = [-1] * len(paths)
        lw = scene.lw
        self.safe = (scene.clip[0] - 4 * lw, scene.clip[1] - 4 * lw, scene.clip[2] + 4 * lw, scene.clip[3] + 4 * lw)
        # cumulative pixel arc length, to redraw enough core behind each joint
        self.inside = [bool(((px >= self.safe[:2]) & (px <= self.safe[2:])).all()) for px in scene.path_px]
        # first index from which a path no longer moves (diverged / converged to the pixel)
        self.still = []
        for px in scene.path_px:
            mv = np.nonzero(np.abs(np.diff(px, axis=0)).max(1) > 1e-3)[0] if len(px) > 1 else np.zeros(0, int)
            self.still.append(int(mv[-1]) + 1 if mv.size else 0)
        self.arc = [
            np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(px, axis=0).T))]) if len(px) > 1 else np.zeros(1)
            for px in scene.path_px
        ]
        self.col = [p.rgb for p in paths]
        self.out = [_outline_rgb(c) for c in self.col]
        lw = scene.lw
        self.lw = lw
        self.div_drawn = [False] * len(paths)
        self.font = R.get_font(scene.fs)
        # (box, ops) re-stamped whenever new segments overlap them
        self.markers: list[tuple[tuple[float, float, float, float], list]] = []  # start / divergence
        self.overlays = list(scene.overlays)  # legend, minima: above everything drawn here
        for i, _p in enumerate(paths):
            self._add_marker(self._start_ops(i))
        for box, ops in self.overlays:
            if any(_overlap(box, m[0]) for m in self.markers):
                self._persist(box, ops)

    # ---- marker definitions
    def _start_ops(self, i):
        cx, cy = self.sc.path_px[i][0]
        r = self.lw * 1.9
        ops = [
            (self.out[i], 1.0, R.ring_shape(cx, cy, r + 1.2, self.lw * 0.8 + 2.4)),
            (self.col[i], 1.0, R.ring_shape(cx, cy, r, self.lw * 0.8)),
        ]
        return (cx - r - 3, cy - r - 3, cx + r + 3, cy + r + 3), ops

    def _head_ops(self, i, cx, cy):
        """Head marker as cached coverage masks (drawn every frame for every path)."""
        r = self.lw * 1.55
        ix, iy = math.floor(cx), math.floor(cy)
        fx, fy = round((cx - ix) * 4) / 4, round((cy - iy) * 4) / 4
        k, outer, inner = R.disc_masks(r + 1.3, r, fx, fy)
        return (ix - k, iy - k, ix + k + 1, iy + k + 1), [(self.out[i], 1.0, outer), (self.col[i], 1.0, inner)]

    def _div_ops(self, i):
        cx, cy = self.sc.path_px[i][self.paths[i].diverged_at]
        c = self.sc.clip
        m = self.lw * 2.6
        cx = min(max(cx, c[0] + m), c[2] - m)
        cy = min(max(cy, c[1] + m), c[3] - m)
        k = self.lw * 2.3
        a = np.array([[cx - k, cy - k], [cx + k, cy + k]])
        b = np.array([[cx - k, cy + k], [cx + k, cy - k]])
        ops = [
            (_WHITE, 1.0, R.polyline_shape(a, self.lw * 1.1 + 3.0)),
            (_WHITE, 1.0, R.polyline_shape(b, self.lw * 1.1 + 3.0)),
            (DIVERGED_RGB, 1.0, R.polyline_shape(a, self.lw * 1.1)),
            (DIVERGED_RGB, 1.0, R.polyline_shape(b, self.lw * 1.1)),
        ]
        e = k + self.lw * 1.2 + 3
        return (cx - e, cy - e, cx + e, cy + e), ops

    def _add_marker(self, marker):
        self.markers.append(marker)
        self._persist(marker[0], marker[1])

    # ---- drawing
    def _persist(self, box, ops) -> tuple[int, int, int, int] | None:
        cb = R.clip_box(box, self.sc.clip)
        if cb is None:
            return None
        region, touched = R.paint(self.rgb, cb, ops, _SS)
        x0, y0, x1, y1 = cb
        self.rgb[y0:y1, x0:x1] = region
        if self.idx is not None and touched.any():
            sub = self.idx[y0:y1, x0:x1]
            sub[touched] = self.pal.map(region[touched])
        return cb

    def advance(self, step: int) -> None:
        """Extend every path to ``step`` (clamped to its own length)."""
        dirty: list[tuple[float, float, float, float]] = []
        lw = self.lw
        for i, p in enumerate(self.paths):
            b = min(step, p.n_steps)
            a = self.cur[i]
            if b <= a:
                continue
            px = self.sc.path_px[i]
            hid = self.sc.hidden[i]
            a0 = max(a, 0)
            seg = px[a0 : b + 1]
            # the new outline (with its round cap) covers the old core up to
            # ~(lw + 2.4) / 2 px behind the joint: redraw the core from there
            arc = self.arc[i]
            core_from = int(np.searchsorted(arc, arc[a0] - (lw + 4.0), side="right")) - 1
            core_from = min(max(core_from, 0), a0)
            if self.still[i] <= a0:  # the path does not move any more: nothing to draw
                runs_out, runs_core = [], []
            elif hid is None:
                if self.inside[i]:
                    runs_out = [(seg, True)]
                    runs_core = [(px[core_from : b + 1], True)]
                else:
                    runs_out = [(r, True) for r in _clip_runs(seg, self.safe)]
                    runs_core = [(r, True) for r in _clip_runs(px[core_from : b + 1], self.safe)]
            else:
                runs_out = _vis_runs(seg, hid[a0 : b + 1], self.safe)
                runs_core = _vis_runs(px[core_from : b + 1], hid[core_from : b + 1], self.safe, both=True)
            ops = []
            lo = np.array([np.inf, np.inf])
            hi = -lo
            for run, vis in runs_out:
                if len(run) >= 2 and vis:
                    ops.append((self.out[i], 1.0, R.polyline_shape(run, lw + 2.4)))
            for run, vis in runs_core:
                if len(run) >= 2:
                    if vis:
                        ops.append((self.col[i], 1.0, R.polyline_shape(run, lw)))
                    else:  # behind the surface (3-D): thin and faint
                        ops.append((self.col[i], 0.45, R.polyline_shape(run, lw * 0.7)))
                    lo = np.minimum(lo, run.min(0))
                    hi = np.maximum(hi, run.max(0))
            if ops:
                e = lw + 4
                cb = self._persist((lo[0] - e, lo[1] - e, hi[0] + e, hi[1] + e), ops)
                if cb:
                    dirty.append(cb)
            self.cur[i] = b
            d = p.diverged_at
            if d is not None and not self.div_drawn[i] and b >= d:
                self.div_drawn[i] = True
                self.markers.append(self._div_ops(i))
                dirty.append(self.markers[-1][0])
        if dirty:
            for box, ops in self.markers:
                if any(_overlap(box, q) for q in dirty):
                    self._persist(box, ops)
                    dirty.append(box)
            for box, ops in self.overlays:
                if any(_overlap(box, q) for q in dirty):
                    self._persist(box, ops)

    def frame(self, step: int, quantized: bool) -> np.ndarray:
        """The current trail plus head markers and the step counter."""
        base = self.idx if quantized else self.rgb
        out = base.copy()
        items = []
        for i, p in enumerate(self.paths):
            b = min(step, p.n_steps)
            cx, cy = self.sc.path_px[i][b]
            items.append(self._head_ops(i, cx, cy))
        for box, ops in items:
            self._transient(out, box, ops, quantized, self.sc.clip, full_mask=box)
        # step counter (right-aligned in the header)
        if not self.paths:
            return out
        txt = f"step {step} / {self.n_steps}"
        tbox, mask = _text_mask(self.sc.counter_xy, txt, self.font, "rm")
        self._transient(out, tbox, [(_TEXT, 1.0, mask)], quantized, self.sc.counter_box, full_mask=tbox)
        return out

    def _transient(self, out, box, ops, quantized, limit, full_mask=None):
        cb = R.clip_box(box, limit)
        if cb is None:
            return
        if full_mask is not None:  # ops hold masks aligned with full_mask; crop them
            fx0, fy0 = full_mask[0], full_mask[1]
            ops = [(c, a, m[cb[1] - fy0 : cb[3] - fy0, cb[0] - fx0 : cb[2] - fx0]) for c, a, m in ops]
        region, touched = R.paint(self.rgb, cb, ops, _SS)
        x0, y0, x1, y1 = cb
        if quantized:
            sub = out[y0:y1, x0:x1]
            sub[touched] = self.pal.map(region[touched])
        else:
            out[y0:y1, x0:x1] = region


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _vis_runs(pts, hidden, safe, both=False):
    """Split a polyline into runs of visible / hidden segments (a segment is
    hidden when both ends are hidden), each clipped to the safe box."""
    if len(pts) < 2:
        return []
    seg_hidden = hidden[:-1] & hidden[1:]
    out = []
    start = 0
    for k in range(1, len(seg_hidden) + 1):
        if k == len(seg_hidden) or seg_hidden[k] != seg_hidden[start]:
            vis = not seg_hidden[start]
            if vis or both:
                for r in _clip_runs(pts[start : k + 1], safe):
                    out.append((r, vis))
            start = k
    return out


# =========================================================================== drivers
def _reserved_colors(paths: Sequence[PathLayer]) -> list[tuple[int, int, int]]:
    res: list[tuple[int, int, int]] = [_WHITE, _BLACK, _TEXT, DIVERGED_RGB, R.blend(DIVERGED_RGB, _WHITE, 0.5)]
    res += [(g, g, g) for g in (60, 100, 140, 180, 215, 240)]
    # an even sample of the colour map, so small areas (the colour bar's dark
    # end, a narrow valley) are not starved by the median cut
    res += [tuple(int(v) for v in c) for c in VIRIDIS[::8]]
    for c in dict.fromkeys(p.rgb for p in paths):
        o = _outline_rgb(c)
        res += [c, o, R.blend(c, o, 0.5)]
    return res


def _make_scene(surface, paths, size, style, view3d, frame_index=0) -> _Scene:
    if style == "3d":
        from ._scene3d import scene_3d

        return scene_3d(surface, paths, size, view3d or View3D(), frame_index)
    return _scene_2d(surface, paths, size)


def _frames(
    surface: SurfaceImage,
    paths: Sequence[PathLayer],
    size,
    frames: int,
    style: str,
    view3d: View3D | None,
    quantized: bool,
    only_last: bool = False,
) -> tuple[Iterator[np.ndarray], R.Palette | None, np.ndarray]:
    n_steps = max([p.n_steps for p in paths] + [0])
    steps = frame_steps(n_steps, frames)
    if only_last:
        steps = steps[-1:]
    rotating = style == "3d" and (view3d or View3D()).rotate_deg_per_frame != 0 and not only_last
    scene = _make_scene(
        surface, paths, size, style, view3d, 0 if not only_last else len(frame_steps(n_steps, frames)) - 1
    )
    pal = bg_idx = None
    if quantized:
        # the shaded 3-D surface bands visibly without dithering; the flat
        # colour map does not need it (and compresses better without).  A
        # turning camera maps every frame through the LUT: no dither there
        # either, or frame 0 would differ in texture from the rest.
        pal, bg_idx = R.build_palette(scene.bg, _reserved_colors(paths), dither=style == "3d" and not rotating)

    def gen() -> Iterator[np.ndarray]:
        if not rotating:
            eng = _Engine(scene, paths, n_steps, pal, bg_idx)
            for s in steps:
                eng.advance(int(s))
                yield eng.frame(int(s), quantized)
            return
        for j, s in enumerate(steps):
            sc = scene if j == 0 else _make_scene(surface, paths, size, style, view3d, j)
            idx = (bg_idx if j == 0 else pal.map(sc.bg)) if quantized else None
            eng = _Engine(sc, paths, n_steps, pal, idx)
            eng.advance(int(s))
            yield eng.frame(int(s), quantized)

    return gen(), pal, steps


def iter_frames(
    surface: SurfaceImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    frames: int = 150,
    style: str = "contour",
    view3d: View3D | None = None,
) -> Iterator[np.ndarray]:
    """Full-colour frames as (H, W, 3) uint8 arrays, one per ``frame_steps`` entry."""
    w, h = _check_options(size, 20, frames, 0.0, 0, style, paths)
    it, _, _ = _frames(surface, list(paths), (w, h), frames, style, view3d, quantized=False)
    return it


def data_to_pixel(
    surface: SurfaceImage,
    points: np.ndarray,
    *,
    size=(640, 480),
    style: str = "contour",
    view3d: View3D | None = None,
    values: np.ndarray | None = None,
    frame_index: int = 0,
) -> np.ndarray:
    """Continuous pixel coordinates (N, 2) (x right, y down; pixel (i, j) spans
    [i, i+1) x [j, j+1)) of data points (N, 2) in an image of ``size``, exactly
    as the renderers place them.  For ``style="3d"`` the height is ``values``
    (f at the points) or, if None, interpolated from the surface grid;
    ``frame_index`` matters only with a turning camera."""
    w, h = _check_options(size, 20, 2, 0.0, 0, style, ())
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if style == "3d":
        from ._scene3d import project_points

        return project_points(surface, pts, values, (w, h), view3d or View3D(), frame_index)
    return _layout(surface, (w, h)).to_pixel(pts)


def _durations_cs(n: int, fps: float, pause_s: float) -> list[int]:
    cs = max(2, int(round(100.0 / fps)))
    d = [cs] * n
    d[-1] += int(round(pause_s * 100))
    return d


def _reporting(frames: Iterator[np.ndarray], total: int, progress: Callable[[float], None] | None):
    """Pass frames through, telling ``progress`` the fraction done every few frames."""
    if progress is None:
        yield from frames
        return
    every = max(1, total // 50)
    for k, frame in enumerate(frames, 1):
        yield frame
        if k % every == 0 or k == total:
            progress(min(k / total, 1.0))


def render_gif(
    surface: SurfaceImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    fps: float = 20,
    frames: int = 150,
    pause_s: float = 1.5,
    loop: int = 0,
    style: str = "contour",
    view3d: View3D | None = None,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """Animated GIF of the paths growing over the surface.

    ``frames`` steps are chosen by :func:`frame_steps` (the last step always
    shown).  GIF stores durations in centiseconds: every frame lasts
    ``round(100 / fps)`` cs (>= 2), the last one ``round(100 * pause_s)`` cs
    more.  ``loop``: 0 = forever, n = play n times (n - 1 repeats are stored
    in the NETSCAPE block; 1 omits it).  ``style``: "contour" (filled map +
    contour lines) or "3d" (shaded surface; see :class:`View3D`, a turning
    camera re-renders the surface every frame and is much slower).
    ``progress``, if given, is called with the fraction of frames drawn (for a progress bar).
    """
    w, h = _check_options(size, fps, frames, pause_s, loop, style, paths)
    it, pal, steps = _frames(surface, list(paths), (w, h), frames, style, view3d, quantized=True)
    it = _reporting(it, len(steps), progress)
    assert pal is not None
    images: list[Image.Image] = []
    prev: np.ndarray | None = None
    T = np.uint8(pal.transparent)
    pbytes = pal.bytes
    for arr in it:
        if prev is None:
            enc = arr
        else:
            enc = np.where(arr != prev, arr, T)
        prev = arr
        im = Image.frombuffer("P", (w, h), np.ascontiguousarray(enc).tobytes(), "raw", "P", 0, 1)
        im.putpalette(pbytes)
        images.append(im)
    durations = [c * 10 for c in _durations_cs(len(images), fps, pause_s)]
    buf = io.BytesIO()
    kw = dict(
        format="GIF",
        save_all=True,
        append_images=images[1:],
        duration=durations,
        optimize=False,
        disposal=1,
        transparency=int(pal.transparent),
    )
    if loop != 1:
        kw["loop"] = 0 if loop == 0 else int(loop) - 1
    images[0].save(buf, **kw)
    return buf.getvalue()


def render_mp4(
    surface: SurfaceImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    fps: float = 20,
    frames: int = 150,
    pause_s: float = 1.5,
    loop: int = 0,
    style: str = "contour",
    view3d: View3D | None = None,
    crf: int = 20,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """H.264 MP4 (yuv420p, +faststart) of the same animation, via imageio-ffmpeg.

    Odd sizes are padded to even by repeating the last row/column.  The last
    frame is held for ``pause_s`` by repeating it ``round(pause_s * fps)``
    times.  ``loop`` is accepted for a uniform signature and ignored (players
    decide).  ``crf``: x264 quality, 0-51 (lower is better)."""
    w, h = _check_options(size, fps, frames, pause_s, loop, style, paths)
    if isinstance(crf, bool) or not isinstance(crf, (int, np.integer)) or not 0 <= crf <= 51:
        raise ValueError(f"crf must be an integer in [0, 51], got {crf!r}")
    import imageio_ffmpeg

    it, _, steps = _frames(surface, list(paths), (w, h), frames, style, view3d, quantized=False)
    it = _reporting(it, len(steps), progress)
    W, H = w + (w % 2), h + (h % 2)
    hold = int(round(pause_s * fps))
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        writer = imageio_ffmpeg.write_frames(
            path,
            (W, H),
            fps=fps,
            codec="libx264",
            quality=None,
            macro_block_size=2,
            pix_fmt_in="rgb24",
            pix_fmt_out="yuv420p",
            ffmpeg_log_level="error",
            output_params=[
                "-crf",
                str(int(crf)),
                "-preset",
                "veryfast",
                "-tune",
                "animation",
                "-movflags",
                "+faststart",
            ],
        )
        writer.send(None)
        last = None
        for arr in it:
            if (w, h) != (W, H):
                arr = np.pad(arr, ((0, H - h), (0, W - w), (0, 0)), mode="edge")
            last = np.ascontiguousarray(arr)
            writer.send(last)
        for _ in range(hold):
            writer.send(last)
        writer.close()
        with open(path, "rb") as fh:
            return fh.read()
    finally:
        with contextlib.suppress(OSError):
            os.remove(path)


def render_png(
    surface: SurfaceImage,
    paths: Sequence[PathLayer] = (),
    *,
    size=(640, 480),
    fps: float = 20,
    frames: int = 150,
    pause_s: float = 1.5,
    loop: int = 0,
    style: str = "contour",
    view3d: View3D | None = None,
) -> bytes:
    """PNG of the final frame (full paths), full colour (not quantized).  The
    animation options are accepted (and validated) for a uniform signature."""
    w, h = _check_options(size, fps, frames, pause_s, loop, style, paths)
    it, _, _ = _frames(surface, list(paths), (w, h), frames, style, view3d, quantized=False, only_last=True)
    arr = next(iter(it))
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(arr)).save(buf, format="PNG", optimize=False, compress_level=6)
    return buf.getvalue()
