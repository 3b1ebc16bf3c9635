"""The 1-D style: the curve f(x) with each run's iterates joined in order and a ball at the current step, and
beside it (``CurveImage.theta``) θ — the iterate — against the iteration t, the course's first plot.

It follows the screen's 1-D view (viz.curve): the same samples, x window and f range (look.curve_view), the curve
in the theme's ink, the known minima as stars on the curve, thin chords with a dot at every iterate and a large
ball in the run's colour, the ✕ of a diverged run pinned to the panel's edge, grid lines on the f axis; the θ
panel draws every run's θ_t up to its last finite step, the known minima as dotted lines.  Title, step counter
and legend are drawn as in the contour style.

The paths given to a curve are PathLayers whose points are (x_t, f(x_t)); :func:`layers` adds one unlabelled
(t, θ_t) layer per path for the θ panel, and the backdrop puts each layer in its panel.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from look import Look, nice_ticks, tick_label
from look.fonts import text_size

from . import kit
from .inputs import CurveImage, PathLayer, max_steps

# Sizes relative to the contour style's path width (Sizes.lw), after the screen's 1-D view: chords 1.4 px and a
# 17 px ball beside the contour map's 2.6 px paths and 13 px heads.
STYLE = kit.PathStyle(width=0.55, outline=0.45, head=3.2, dot=0.75)
MAX_DRAWN_PER_PATH, MAX_DRAWN = 1_000, 16_000  # iterates drawn (see every())
THETA_DOTS_UP_TO = 120  # the θ panel marks every iterate of a path this short (the screen: lines+markers)
CURVE_WIDTH = 0.8  # the curve f(x), × Sizes.lw
SIDE_BY_SIDE = 1.15  # width / height from which the θ panel sits beside the curve (else below it)
CURVE_SHARE = 0.56  # the curve panel's share of the width (or height) when the θ panel is shown


@dataclass
class Panel:
    """A plot area: pixel box (left, top, right, bottom) and the data ranges it shows."""

    box: tuple[int, int, int, int]
    xr: tuple[float, float]
    yr: tuple[float, float]

    def to_pixel(self, pts: np.ndarray) -> np.ndarray:
        (x0, x1), (y0, y1) = self.xr, self.yr
        l, t, r, b = self.box
        p = np.asarray(pts, dtype=np.float64).reshape(-1, 2)
        out = np.empty_like(p)
        with np.errstate(over="ignore", invalid="ignore"):
            out[:, 0] = l + (p[:, 0] - x0) / (x1 - x0) * (r - l)
            out[:, 1] = t + (y1 - p[:, 1]) / (y1 - y0) * (b - t)
        # beyond ±1e6 px a point is simply far outside: keep the numbers finite for the clipper
        return np.clip(np.nan_to_num(out, nan=0.0), -1e6, 1e6)


@dataclass
class Layout:
    size: tuple[int, int]
    sizes: kit.Sizes
    curve: Panel
    theta: Panel | None


def last_valid(p: PathLayer) -> int:
    """The last step drawn in the θ panel: the step before divergence, or the final step (as on screen)."""
    return p.n_steps if p.diverged_at is None else max(p.diverged_at - 1, 0)


def theta_layer(p: PathLayer) -> PathLayer:
    """A curve path's θ panel twin: (t, x_t) up to its last finite step, unlabelled, no ✕ (the curve has it)."""
    n = last_valid(p)
    t = np.arange(n + 1, dtype=np.float64)
    return PathLayer(np.column_stack([t, p.points[: n + 1, 0]]), p.color, "")


def every(paths: Sequence[PathLayer]) -> int:
    """Draw every k-th iterate of the curve's paths: 1 unless the paths are long (at most MAX_DRAWN_PER_PATH
    iterates a path, MAX_DRAWN in all), then odd, so a bouncing run keeps its sign pattern (as the screen's
    animation plan thins long runs).  A chord across the panel costs its length in pixels: 10 000 of them
    would cost seconds and show nothing more."""
    if not paths:
        return 1
    return every_for(max(p.n_steps for p in paths), sum(p.n_steps for p in paths))


def every_for(longest: int, total: int) -> int:
    """:func:`every` from the longest path's steps and the steps of all paths (known before any simulation)."""
    k = max(1, math.ceil(max(longest / MAX_DRAWN_PER_PATH, total / MAX_DRAWN)))
    return k + 1 if k > 1 and k % 2 == 0 else k


def curve_style(k: int) -> kit.PathStyle:
    """A path on the curve: thin chords, a dot at every drawn iterate, a large ball."""
    return dataclasses.replace(STYLE, every=k)


def theta_style(p: PathLayer, k: int) -> kit.PathStyle:
    """A θ panel line: the curve's chords' width, dots on short paths only, a small head (no ball)."""
    dot = 0.5 if p.n_steps <= THETA_DOTS_UP_TO else 0.0
    return kit.PathStyle(width=STYLE.width, outline=STYLE.outline, head=1.3, dot=dot, every=k)


def layers(c: CurveImage, paths: Sequence[PathLayer]) -> list[PathLayer]:
    """Every layer the engine draws: the paths on the curve, then (θ panel) their (t, θ_t) twins."""
    paths = list(paths)
    return paths + [theta_layer(p) for p in paths] if c.theta else paths


def _theta_range(c: CurveImage, paths: Sequence[PathLayer]) -> tuple[float, float]:
    """θ's axis range: every shown iterate and every known minimum, padded 5 % (Plotly's autorange)."""
    vals = [p.points[: last_valid(p) + 1, 0] for p in paths] + [np.asarray(c.minima, dtype=float)]
    v = np.concatenate(vals) if vals else np.zeros(0)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return c.window
    lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        half = max(abs(lo) * 0.1, 0.5)
        return lo - half, hi + half
    pad = 0.05 * (hi - lo)
    return lo - pad, hi + pad


def _ylabel_w(ticks: list[tuple[float, str]], font) -> int:
    return max([text_size(lab, font)[0] for _, lab in ticks] + [0])


def _yticks(lo: float, hi: float, n: int) -> list[tuple[float, str]]:
    vals, step = nice_ticks(lo, hi, n)
    return [(float(v), tick_label(v, step)) for v in vals]


def _xticks(lo: float, hi: float, width: int, fs: int, integer: bool = False) -> list[tuple[float, str]]:
    vals, step = nice_ticks(lo, hi, max(3, min(8, width // (fs * 5))))
    if integer:
        keep = np.abs(vals - np.round(vals)) < 1e-9
        vals, step = vals[keep], max(step, 1.0)
    return [(float(v), tick_label(v, step)) for v in vals]


def layout(c: CurveImage, paths: Sequence[PathLayer], size: tuple[int, int], look: Look) -> Layout:
    w, h = size
    sz = kit.base_sizes(w, h, look)
    pad, tick_len = sz.pad, sz.tick_len
    tick_font = sz.font("tick")
    tick_h = text_size("0", tick_font)[1]
    caption_h = int(round(sz.fs * 1.5))  # above each panel: its y-axis title (and the θ panel's heading)
    bottom_need = tick_len + 3 + tick_h + pad + text_size("x", sz.font("text"))[1] + pad
    top = sz.header_h + caption_h
    n_y = 5 if h >= 300 else 3
    half_label = text_size("0000", tick_font)[0] // 2 + 2
    f_ticks = _yticks(*c.f_range, n_y)
    theta_r = _theta_range(c, paths) if c.theta else None
    t_ticks = _yticks(*theta_r, n_y) if theta_r else []

    def panel_box(x0: int, x1: int, y0: int, y1: int, ticks: list[tuple[float, str]]) -> tuple[int, int, int, int]:
        left = x0 + pad + _ylabel_w(ticks, tick_font) + 3 + tick_len
        right = x1 - max(pad, half_label if x1 >= w else 0)  # the last x tick label is centred on the border
        return left, y0, max(left + 20, right), max(y0 + 20, y1 - bottom_need)

    steps = max(1, max_steps(paths))
    if not c.theta:
        return Layout(size, sz, Panel(panel_box(0, w, top, h, f_ticks), c.window, c.f_range), None)
    if w >= SIDE_BY_SIDE * h:
        split = int(round(w * CURVE_SHARE))
        curve = Panel(panel_box(0, split, top, h, f_ticks), c.window, c.f_range)
        theta = Panel(panel_box(split, w, top, h, t_ticks), (0.0, float(steps)), theta_r or c.window)
    else:
        split = int(round(top + (h - top) * CURVE_SHARE))
        curve = Panel(panel_box(0, w, top, split, f_ticks), c.window, c.f_range)
        theta = Panel(panel_box(0, w, split + caption_h, h, t_ticks), (0.0, float(steps)), theta_r or c.window)
    return Layout(size, sz, curve, theta)


def _axes(
    img: np.ndarray,
    panel: Panel,
    xticks: list[tuple[float, str]],
    yticks: list[tuple[float, str]],
    xlabel: str,
    sizes: kit.Sizes,
    look: Look,
    xgrid: bool,
) -> None:
    """Grid lines, the frame, ticks and tick labels, the x-axis title of a panel."""
    th = look.theme
    ink, axis_rgb, grid_rgb = kit.rgb_of(th.ink), kit.rgb_of(th.axis), kit.rgb_of(th.grid)
    l, t, r, b = panel.box
    tick_len, tick_font = sizes.tick_len, sizes.font("tick")
    px_y = panel.to_pixel(np.column_stack([np.full(len(yticks), panel.xr[0]), [v for v, _ in yticks]]))[:, 1]
    px_x = panel.to_pixel(np.column_stack([[v for v, _ in xticks], np.full(len(xticks), panel.yr[0])]))[:, 0]
    for py in px_y:
        kit.fill_rect(img, (l, round(py) - 0.5, r, round(py) + 0.5), grid_rgb)
    if xgrid:
        for px in px_x:
            kit.fill_rect(img, (round(px) - 0.5, t, round(px) + 0.5, b), grid_rgb)
    kit.rect_outline(img, panel.box, axis_rgb)
    for px, (_, lab) in zip(px_x, xticks):
        kit.fill_rect(img, (round(px) - 0.5, b + 1, round(px) + 0.5, b + 1 + tick_len), axis_rgb)
        kit.put_text(img, (px, b + 2 + tick_len), lab, tick_font, ink, "mt")
    for py, (_, lab) in zip(px_y, yticks):
        kit.fill_rect(img, (l - 1 - tick_len, round(py) - 0.5, l - 1, round(py) + 0.5), axis_rgb)
        kit.put_text(img, (l - 3 - tick_len, py), lab, tick_font, ink, "rm")
    tick_h = text_size("0", tick_font)[1]
    font = sizes.font("text", xlabel)
    kit.put_text(img, ((l + r) / 2, b + tick_len + tick_h + sizes.fs * 0.6), xlabel, font, ink, "mt")


def _curve_ops(c: CurveImage, panel: Panel, width: float, color: kit.RGB) -> list[kit.Op]:
    """The curve f(x) as polylines (split where f is undefined), clipped to the panel."""
    px = panel.to_pixel(np.column_stack([c.xs, np.nan_to_num(c.fs, nan=0.0)]))
    ok = np.isfinite(c.fs)
    l, t, r, b = panel.box
    safe = (l - width, t - width, r + width, b + width)
    ops: list[kit.Op] = []
    edges = np.flatnonzero(np.diff(np.concatenate([[0], ok.astype(np.int8), [0]])))
    for s, e in zip(edges[::2], edges[1::2]):
        for run in kit.clip_runs(px[s:e], safe):
            if len(run) >= 2:
                ops.append((color, 1.0, kit.polyline_shape(run, width)))
    return ops


def backdrop(c: CurveImage, paths: Sequence[PathLayer], size: tuple[int, int], look: Look) -> kit.Backdrop:
    """The static picture of a 1-D frame and the pixel coordinates of every layer.

    paths: what :func:`layers` returns — the curve's paths, then (θ panel) as many (t, θ_t) twins."""
    curve_paths = list(paths[: len(paths) // 2] if c.theta else paths)
    lay = layout(c, curve_paths, size, look)
    th = look.theme
    sz = lay.sizes
    w, h = size
    ink, muted = kit.rgb_of(th.ink), kit.rgb_of(th.muted)
    img = np.empty((h, w, 3), dtype=np.uint8)
    img[:] = kit.rgb_of(th.paper)
    cp = lay.curve
    l, t, r, b = cp.box
    (x0, x1), (f0, f1) = cp.xr, cp.yr
    xticks = _xticks(x0, x1, r - l, sz.fs)
    n_y = 5 if h >= 300 else 3
    _axes(img, cp, xticks, _yticks(f0, f1, n_y), "x", sz, look, xgrid=False)
    caption_y = t - sz.fs * 0.75
    axis_font = sz.font("text", "f(x)")
    kit.put_text(img, (sz.pad, caption_y), "f(x)", axis_font, ink, "lm")
    # the curve, in the theme's ink
    ops = _curve_ops(c, cp, sz.lw * CURVE_WIDTH, ink)
    if ops:
        region, _ = kit.paint(img, cp.box, ops, kit.SS)
        img[t:b, l:r] = region
    # known minima: stars on the curve, kept above the paths
    overlays: list[kit.Overlay] = []
    minima_px = cp.to_pixel(np.column_stack([c.minima, c.minima_f])) if c.minima else np.zeros((0, 2))
    for cx, cy in minima_px:
        if star := kit.stamp_minimum(img, cx, cy, cp.box, sz.fs, th):
            overlays.append(star)
    path_px = [cp.to_pixel(p.points) for p in curve_paths]
    clips = [cp.box] * len(curve_paths)
    tp = lay.theta
    if tp is not None:
        tl, tt, tr, tb = tp.box
        steps = max(1, max_steps(curve_paths))
        tx = _xticks(0.0, float(steps), tr - tl, sz.fs, integer=True)
        _axes(img, tp, tx, _yticks(*tp.yr, n_y), look.gettext("iteration t"), sz, look, xgrid=True)
        for m in c.minima:  # dotted horizontal lines at the known minima
            py = float(tp.to_pixel(np.array([[0.0, m]]))[0, 1])
            if tt <= py <= tb:
                dash = max(2, int(round(sz.lw)))
                for x in range(tl, tr, 3 * dash):
                    kit.fill_rect(img, (x, round(py) - 0.5, min(x + dash, tr), round(py) + 0.5), muted)
        label = "θₜ"
        heading = look.gettext("θ against the iteration")
        lab_w = text_size(label, axis_font)[0]
        x_cap = tl - sz.tick_len - 3 - _ylabel_w(_yticks(*tp.yr, n_y), sz.font("tick"))
        kit.put_text(img, (x_cap, tt - sz.fs * 0.75), label, axis_font, ink, "lm")
        head_font = sz.font("text", heading)
        x_head = max(x_cap + lab_w + sz.pad * 2, tl)
        fitted = kit.fit_text(heading, head_font, tr - x_head)
        kit.put_text(img, (x_head, tt - sz.fs * 0.75), fitted, head_font, ink, "lm")
        path_px += [tp.to_pixel(p.points) for p in paths[len(curve_paths) :]]
        clips += [tp.box] * (len(paths) - len(curve_paths))
    # title (left) and the step counter's room (right), over the whole width
    counter_w = kit.counter_width(look, sz, max_steps(curve_paths) if curve_paths else None)
    right = (tp or cp).box[2]
    title_font = sz.font("title", c.title)
    hm = sz.header_h / 2
    kit.put_text(
        img, (sz.pad, hm), kit.fit_text(c.title, title_font, right - counter_w - 3 * sz.pad), title_font, ink, "lm"
    )
    # the legend, inside the curve panel where it hides the least
    if kit.legend_entries(curve_paths):
        m = 3 * sz.lw
        busy = kit.busy_points(
            curve_paths, [np.clip(px, (l + m, t + m), (r - m, b - m)) for px in path_px[: len(curve_paths)]], minima_px
        )
        curve_img = np.zeros((h, w), dtype=bool)
        curve_img[t:b, l:r] = np.any(img[t:b, l:r] == ink, axis=-1)  # the curve itself
        ov = kit.legend_overlay(img, curve_paths, sz, cp.box, busy, look, busy_img=curve_img)
        if ov:
            overlays.append(ov)
    cbox = kit.counter_box(look, sz, right, w)
    k = every(curve_paths)
    boxes = [cp.box] + ([tp.box] if tp is not None else [])
    union = (min(x[0] for x in boxes), min(x[1] for x in boxes), max(x[2] for x in boxes), max(x[3] for x in boxes))
    return kit.Backdrop(
        bg=img,
        clip=union,
        path_px=path_px,
        hidden=[None] * len(paths),
        sizes=sz,
        counter_xy=(right, int(hm)),
        counter_box=cbox,
        overlays=overlays,
        reserved=[ink, kit.rgb_of(th.grid), muted],
        path_clip=clips,
        starts=[True] * len(curve_paths) + [False] * (len(paths) - len(curve_paths)),
        styles=[curve_style(k)] * len(curve_paths) + [theta_style(p, k) for p in paths[len(curve_paths) :]],
    )


def data_to_pixel(
    c: CurveImage, points: np.ndarray, size: tuple[int, int], look: Look, panel: str = "curve", paths=()
) -> np.ndarray:
    """Pixel coordinates of (x, f) points in the curve panel, or of (t, θ) points in the θ panel (whose ranges
    depend on the paths)."""
    lay = layout(c, list(paths), size, look)
    target = lay.theta if panel == "theta" else lay.curve
    if target is None:
        raise ValueError("this curve has no θ panel")
    return target.to_pixel(points)
