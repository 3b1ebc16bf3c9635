"""The drawing kit of the renderers: antialiased shapes and text painted into NumPy RGB arrays, the legend,
the markers, the sizes of a frame, the fixed GIF palette, and the Backdrop (a frame's static picture).

Nothing here knows about surfaces or optimizers; everything works on pixel coordinates (floats, x to the
right, y down, pixel ``i`` spans ``[i, i+1)``).  Colours come from a look.Theme, fonts from look.fonts (CJK
text gets a CJK face), sizes from look.Look's presentation scale.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from look import Look, Theme, blend, hex_to_rgb
from look.fonts import Font, get_font, text_size

RGB = tuple[int, int, int]
SS = 3  # supersampling factor for antialiased shapes


# --------------------------------------------------------------------------- sizes and fonts
@dataclass(frozen=True)
class Sizes:
    """Font size (px) and path line width (px) of a frame, from its pixel size and the look."""

    fs: int
    lw: float

    @property
    def pad(self) -> int:
        return max(4, self.fs // 2)

    @property
    def tick_len(self) -> int:
        return max(3, self.fs // 4)

    @property
    def header_h(self) -> int:
        return int(round(self.fs * 1.1 * 1.7))

    def font(self, role: str, text: str = "") -> Font:
        """The font of a text role ("title", "text", "tick", "legend") for `text` (CJK text: a CJK face)."""
        if role == "title":
            return get_font(round(self.fs * 1.1), bold=True, text=text)
        if role == "text":
            return get_font(self.fs, text=text)
        return get_font(max(8, round(self.fs * 0.85)), text=text)


def base_sizes(w: int, h: int, look: Look) -> Sizes:
    base = min(h, w * 0.75)
    fs = max(9, min(36, int(round(base / 30.0))))
    fs = max(7, int(round(fs * look.scale)))
    lw = max(3.0, base / 150.0) * look.scale * look.theme.line_factor
    return Sizes(fs=fs, lw=lw)


def rgb_of(color: str) -> RGB:
    return hex_to_rgb(color)


# --------------------------------------------------------------------------- antialiased painting
# An op is (colour, opacity, shape); shape is either a callable drawing with
# fill=255 on a supersampled "L" ImageDraw (it receives the draw object and a
# function mapping pixel points (N, 2) to the supersampled coordinate list,
# and the supersampling factor),
# or a float32 coverage mask aligned with the op's bbox at 1x.  With colour
# None, shape is an image patch (rgb float32 (h, w, 3), alpha (h, w), x, y)
# placed with its top-left pixel at (x, y); it must cover the bbox.
Shape = Callable[[ImageDraw.ImageDraw, Callable[[np.ndarray], list], int], None] | np.ndarray
Op = tuple[RGB, float, Shape]


def clip_box(box: Sequence[float], limit: tuple[int, int, int, int]) -> tuple[int, int, int, int] | None:
    x0 = max(limit[0], int(math.floor(box[0])))
    y0 = max(limit[1], int(math.floor(box[1])))
    x1 = min(limit[2], int(math.ceil(box[2])))
    y1 = min(limit[3], int(math.ceil(box[3])))
    if x1 <= x0 or y1 <= y0:
        return None
    return x0, y0, x1, y1


def paint(
    src: np.ndarray, box: tuple[int, int, int, int], ops: Sequence[Op], ss: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Composite ops over src[box] (RGB uint8 array); returns the new region
    (uint8) and a bool mask of the pixels any op touched.  src is not modified."""
    x0, y0, x1, y1 = box
    w, h = x1 - x0, y1 - y0
    region = src[y0:y1, x0:x1].astype(np.float32)
    touched = np.zeros((h, w), dtype=bool)

    def tf(pts: np.ndarray) -> list:
        p = (np.asarray(pts, dtype=np.float64).reshape(-1, 2) - (x0, y0)) * ss - 0.5
        return p.ravel().tolist()

    for colour, alpha, shape in ops:
        if colour is None:  # a premultiplied-free RGBA patch: (rgb (h, w, 3), alpha (h, w), ox, oy)
            prgb, pa, ox, oy = shape
            sl = (slice(y0 - oy, y1 - oy), slice(x0 - ox, x1 - ox))
            a = pa[sl] * alpha
            hit = a > 0.004
            touched |= hit
            region += (prgb[sl] - region) * a[..., None]
            continue
        if isinstance(shape, np.ndarray):
            a = shape
        else:
            m = Image.new("L", (w * ss, h * ss), 0)
            shape(ImageDraw.Draw(m), tf, ss)
            if ss > 1:
                m = m.reduce(ss)
            a = np.asarray(m, dtype=np.float32) * (1.0 / 255.0)
        if alpha != 1.0:
            a = a * alpha
        hit = a > 0.004
        if not hit.any():
            continue
        touched |= hit
        region += (np.asarray(colour, dtype=np.float32) - region) * a[..., None]
    return (region + 0.5).astype(np.uint8), touched


def polyline_shape(pts: np.ndarray, width: float, caps: bool = True) -> Shape:
    """A wide polyline with round joints and (optionally) round caps.

    Pillow's ``joint="curve"`` computes every joint in Python; here only the
    vertices where the line turns by more than ~20 degrees get a disc."""
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)

    def draw(d: ImageDraw.ImageDraw, tf, k: int) -> None:
        flat = tf(pts)
        ssw = width * k
        r = ssw / 2.0
        n = len(flat) // 2
        if n >= 2:
            d.line(flat, fill=255, width=max(1, int(round(ssw))))
        disc: list[int] = [0, n - 1] if (caps or n < 2) else []
        if n >= 3:
            p = np.asarray(flat).reshape(-1, 2)
            v = np.diff(p, axis=0)
            ln = np.hypot(v[:, 0], v[:, 1])
            dot = (v[:-1] * v[1:]).sum(1)
            with np.errstate(invalid="ignore", divide="ignore"):
                cos = dot / (ln[:-1] * ln[1:])
            sharp = (cos < 0.94) & (np.maximum(ln[:-1], ln[1:]) > 0.3 * ssw)
            disc += (np.nonzero(sharp)[0] + 1).tolist()
        for i in disc:
            cx, cy = flat[2 * i], flat[2 * i + 1]
            d.ellipse((cx - r, cy - r, cx + r, cy + r), fill=255)

    return draw


@functools.lru_cache(maxsize=4096)
def disc_masks(
    r_outer: float, r_inner: float, fx: float, fy: float, sub: int = 4
) -> tuple[int, np.ndarray, np.ndarray]:
    """Antialiased coverage of two concentric discs centred at (k + fx, k + fy)
    in a (2k+1)-pixel square; k is returned first.  Cached: head markers are
    drawn for every path in every frame."""
    k = int(math.ceil(r_outer)) + 1
    n = 2 * k + 1
    c = (np.arange(n * sub) + 0.5) / sub
    d2 = (c[None, :] - (k + fx)) ** 2 + (c[:, None] - (k + fy)) ** 2
    out = []
    for r in (r_outer, r_inner):
        m = (d2 <= r * r).reshape(n, sub, n, sub).mean(axis=(1, 3)).astype(np.float32)
        m.setflags(write=False)
        out.append(m)
    return k, out[0], out[1]


def ring_shape(cx: float, cy: float, r: float, width: float) -> Shape:
    def draw(d: ImageDraw.ImageDraw, tf, k: int) -> None:
        x, y = tf(np.array([[cx, cy]]))
        s = k * r
        d.ellipse((x - s, y - s, x + s, y + s), outline=255, width=max(1, int(round(width * k))))

    return draw


def disc_shape(cx: float, cy: float, r: float) -> Shape:
    def draw(d: ImageDraw.ImageDraw, tf, k: int) -> None:
        x, y = tf(np.array([[cx, cy]]))
        s = k * r
        d.ellipse((x - s, y - s, x + s, y + s), fill=255)

    return draw


def polygon_shape(pts: np.ndarray) -> Shape:
    def draw(d: ImageDraw.ImageDraw, tf, k: int) -> None:
        d.polygon(tf(pts), fill=255)

    return draw


def dots_shape(pts: np.ndarray, r: float) -> Shape:
    """A disc of radius r at each point (the iterates of a 1-D path)."""
    pts = np.asarray(pts, dtype=np.float64).reshape(-1, 2)

    def draw(d: ImageDraw.ImageDraw, tf, k: int) -> None:
        flat = tf(pts)
        s = k * r
        for i in range(0, len(flat), 2):
            x, y = flat[i], flat[i + 1]
            d.ellipse((x - s, y - s, x + s, y + s), fill=255)

    return draw


def clip_runs(pts: np.ndarray, box: tuple[float, float, float, float]) -> list[np.ndarray]:
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


def star_points(cx: float, cy: float, r: float, n: int = 5, inner: float = 0.45) -> np.ndarray:
    ang = -math.pi / 2 + np.arange(2 * n) * math.pi / n
    rad = np.where(np.arange(2 * n) % 2 == 0, r, r * inner)
    return np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], axis=1)


# --------------------------------------------------------------------------- text and rectangles
def fit_text(text: str, font: Font, max_w: float) -> str:
    """text, shortened with an ellipsis to fit max_w pixels."""
    if max_w <= 0:
        return ""
    while len(text) > 1 and text_size(text, font)[0] > max_w:
        text = text[:-2].rstrip() + "…"
    return text


def text_mask(
    xy: tuple[float, float], text: str, font: Font, anchor: str
) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """(pixel box, coverage mask) of text drawn at xy with a Pillow anchor ("la", "mm", "rm" …)."""
    x, y = int(round(xy[0])), int(round(xy[1]))
    try:
        l, t, r, b = font.getbbox(text, anchor=anchor)
    except (TypeError, ValueError):  # bitmap fallback font: no anchors
        l, t, r, b = font.getbbox(text)
    l, t, r, b = int(math.floor(l)), int(math.floor(t)), int(math.ceil(r)), int(math.ceil(b))
    im = Image.new("L", (max(1, r - l), max(1, b - t)), 0)
    try:
        ImageDraw.Draw(im).text((-l, -t), text, font=font, fill=255, anchor=anchor)
    except (TypeError, ValueError):
        ImageDraw.Draw(im).text((-l, -t), text, font=font, fill=255)
    return (x + l, y + t, x + r, y + b), np.asarray(im, dtype=np.float32) / 255.0


def put_text(
    img: np.ndarray,
    xy: tuple[float, float],
    text: str,
    font: Font,
    color: RGB,
    anchor: str = "la",
    alpha: float = 1.0,
) -> tuple[int, int, int, int] | None:
    """Draw antialiased text into an RGB array in place; returns its pixel box."""
    if not text:
        return None
    box, mask = text_mask(xy, text, font, anchor)
    cb = clip_box(box, (0, 0, img.shape[1], img.shape[0]))
    if cb is None:
        return None
    m = mask[cb[1] - box[1] : cb[3] - box[1], cb[0] - box[0] : cb[2] - box[0]]
    region, _ = paint(img, cb, [(color, alpha, m)])
    img[cb[1] : cb[3], cb[0] : cb[2]] = region
    return box


def fill_rect(img: np.ndarray, box: Sequence[float], color: RGB, alpha: float = 1.0) -> None:
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


def rect_outline(img: np.ndarray, box: Sequence[float], color: RGB, width: int = 1) -> None:
    x0, y0, x1, y1 = box
    fill_rect(img, (x0 - width, y0 - width, x1 + width, y0), color)
    fill_rect(img, (x0 - width, y1, x1 + width, y1 + width), color)
    fill_rect(img, (x0 - width, y0, x0, y1), color)
    fill_rect(img, (x1, y0, x1 + width, y1), color)


def colour_bar(img: np.ndarray, box: Sequence[int], theme: Theme) -> None:
    """The surface scale as a vertical bar (t = 1 at the top), framed in the axis colour."""
    c0, ct, c1, cb = box
    tcol = 1.0 - (np.arange(cb - ct) + 0.5) / (cb - ct)
    img[ct:cb, c0:c1] = theme.colorize(tcol)[:, None, :]
    rect_outline(img, box, rgb_of(theme.axis))


def counter_text(look: Look, step: int, total: int) -> str:
    """The step counter of a frame ("step 12 / 500", in the look's language)."""
    return look.lang.fmt("step {step} / {total}", step=step, total=total)


def counter_width(look: Look, sizes: Sizes, steps: int | None) -> int:
    """Width of the last frame's counter ("step S / S"), the room a title leaves for it; 0 without paths."""
    if steps is None:
        return 0
    text = counter_text(look, steps, steps)
    return text_size(text, sizes.font("text", text))[0]


def counter_box(look: Look, sizes: Sizes, right: float, width: int) -> tuple[int, int, int, int]:
    """The header strip the step counter is redrawn in, ending at ``right``: wide enough for any counter."""
    widest = counter_text(look, 99999, 99999)
    w = text_size(widest, sizes.font("text", widest))[0]
    return (max(0, int(right) - w - 2), 0, min(width, int(right) + 2), sizes.header_h)


# --------------------------------------------------------------------------- markers
def minimum_ops(cx: float, cy: float, fs: int, theme: Theme) -> tuple[list[Op], float]:
    """A known minimum: the theme's star (filled, ink outline), as on screen."""
    r = max(5.0, fs * 0.55)
    return [
        (rgb_of(theme.ink), 1.0, polygon_shape(star_points(cx, cy, r + 1.8, inner=0.5))),
        (rgb_of(theme.minimum), 1.0, polygon_shape(star_points(cx, cy, r, inner=0.45))),
    ], r + 3


def stamp_minimum(
    img: np.ndarray, cx: float, cy: float, clip: tuple[int, int, int, int], fs: int, theme: Theme
) -> Overlay | None:
    """Paint a known minimum's star at (cx, cy) into ``img``, inside ``clip``; the overlay that keeps it above
    the paths (re-stamped where a path crosses it), or None where it falls outside ``clip``."""
    ops, rad = minimum_ops(cx, cy, fs, theme)
    box = clip_box((cx - rad, cy - rad, cx + rad, cy + rad), clip)
    if not box:
        return None
    reg, _ = paint(img, box, ops, SS)
    img[box[1] : box[3], box[0] : box[2]] = reg
    return box, ops


def legend_entries(paths: Sequence[Any]) -> list[tuple[str, RGB]]:
    """One legend row per distinct (label, colour); unlabelled paths (e.g. the
    other members of a batch run) have none."""
    return list(dict.fromkeys((p.label, p.rgb) for p in paths if p.label))


@dataclass(frozen=True)
class LegendLayout:
    rows: list[tuple[str, RGB | None]]
    labels: list[str]  # fitted to the width
    size: tuple[int, int]
    pad: int
    swatch: int
    row_h: int


def legend_layout(paths: Sequence[Any], sizes: Sizes, max_w: int, max_h: int, look: Look) -> LegendLayout:
    """Rows (label, rgb or None), truncated labels, box size and metrics."""
    fs = sizes.fs
    pad = max(4, fs // 2)
    sw = int(round(fs * 1.8))
    row_h = int(round(fs * 1.25))
    rows: list[tuple[str, RGB | None]] = list(legend_entries(paths))
    max_rows = max(1, (max_h - pad) // row_h)
    if len(rows) > max_rows:
        more = look.lang.fmt("+ {n} more", n=len(rows) - (max_rows - 1))
        rows = [*rows[: max_rows - 1], (more, None)]
    labels = []
    for lab, _ in rows:
        font = sizes.font("legend", lab)
        txt = lab
        while len(txt) > 1 and text_size(txt, font)[0] + sw + 3 * pad > max_w:
            txt = txt[:-2].rstrip() + "…"
        labels.append(txt)
    tw = max([text_size(t, sizes.font("legend", t))[0] for t in labels] + [0])
    size = (pad + sw + pad + tw + pad, pad + row_h * len(rows) + pad // 2)
    return LegendLayout(rows, labels, size, pad, sw, row_h)


def draw_legend(
    img: np.ndarray, paths: Sequence[Any], sizes: Sizes, xy: tuple[int, int], region: Sequence[int], look: Look
) -> tuple[int, int, int, int]:
    """Legend at xy (top-left): swatch in the path style + label per row."""
    lay = legend_layout(paths, sizes, region[2] - region[0], region[3] - region[1], look)
    lw = sizes.lw
    x, y = xy
    ink = rgb_of(look.theme.ink)
    for k, ((_, rgb), lab) in enumerate(zip(lay.rows, lay.labels)):
        cy = y + lay.pad + lay.row_h * k + lay.row_h / 2
        if rgb is not None:
            seg = np.array([[x + lay.pad, cy], [x + lay.pad + lay.swatch, cy]])
            ops: list[Op] = [
                (look.theme.path_outline(rgb), 1.0, polyline_shape(seg, lw + outline_extra(look))),
                (rgb, 1.0, polyline_shape(seg, lw)),
            ]
            box = clip_box(
                (x, cy - lw * 2 - 2, x + lay.pad * 2 + lay.swatch, cy + lw * 2 + 2), (0, 0, img.shape[1], img.shape[0])
            )
            if box:
                reg, _ = paint(img, box, ops, SS)
                img[box[1] : box[3], box[0] : box[2]] = reg
        _ = put_text(img, (x + lay.pad + lay.swatch + lay.pad, cy), lab, sizes.font("legend", lab), ink, "lm")
    return x, y, x + lay.size[0], y + lay.size[1]


def outline_extra(look: Look) -> float:
    """How much wider than a path its outline is (px)."""
    return look.theme.outline_extra * look.scale


Overlay = tuple[tuple[int, int, int, int], list[Any]]


def legend_overlay(
    img: np.ndarray,
    paths: Sequence[Any],
    sizes: Sizes,
    region: Sequence[int],
    busy_pts: np.ndarray,
    look: Look,
    busy_img: np.ndarray | None = None,
) -> Overlay | None:
    """Legend inside ``region`` at the corner that hides the least (path
    points, markers, and the True pixels of busy_img), drawn on a translucent
    paper-coloured box into img; returns the (box, ops) overlay that keeps it above
    the paths."""
    if not legend_entries(paths):
        return None
    l, t, r, b = region
    lay = legend_layout(paths, sizes, r - l, b - t, look)
    bw, bh = lay.size
    pad = lay.pad
    if bw * bh > 0.4 * (r - l) * (b - t):  # would hide most of a small image
        return None
    cands = [(r - bw - pad, t + pad), (l + pad, t + pad), (r - bw - pad, b - bh - pad), (l + pad, b - bh - pad)]

    def score(c: tuple[int, int]) -> float:
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
    paper = rgb_of(look.theme.paper)
    border = blend(paper, rgb_of(look.theme.ink), 0.45)
    layers = []
    for base in (255, 0):  # draw on white and on black: recovers colour and alpha exactly
        im = np.full_like(img, base)
        fill_rect(im, (x, y, x + bw, y + bh), paper, 0.82)
        rect_outline(im, (x, y, x + bw, y + bh), border)
        draw_legend(im, paths, sizes, (x, y), region, look)
        layers.append(im)
    box = clip_box((x - 1, y - 1, x + bw + 1, y + bh + 1), (0, 0, img.shape[1], img.shape[0]))
    if box is None:
        return None
    x0, y0, x1, y1 = box
    iw = layers[0][y0:y1, x0:x1].astype(np.float32)
    ib = layers[1][y0:y1, x0:x1].astype(np.float32)
    alpha = np.clip(1.0 - (iw - ib).mean(-1) / 255.0, 0.0, 1.0)
    rgb = np.clip(ib / np.maximum(alpha, 1e-3)[..., None], 0, 255)
    op: Any = (None, 1.0, (rgb, alpha, x0, y0))  # an image patch (see paint)
    reg, _ = paint(img, box, [op])
    img[y0:y1, x0:x1] = reg
    return box, [op]


def busy_points(paths: Sequence[Any], path_px: Sequence[np.ndarray], minima_px: Any = ()) -> np.ndarray:
    """(N, 3) x, y, weight: path points weigh 1, starts / divergences / minima 500."""
    rows = [np.column_stack([px, np.ones(len(px))]) for px in path_px]
    for p, px in zip(paths, path_px):
        rows.append(np.array([[px[0, 0], px[0, 1], 500.0]]))
        if p.diverged_at is not None:
            rows.append(np.array([[px[p.diverged_at, 0], px[p.diverged_at, 1], 500.0]]))
    for mx, my in minima_px:
        rows.append(np.array([[mx, my, 500.0]]))
    return np.concatenate(rows) if rows else np.zeros((0, 3))


# --------------------------------------------------------------------------- the static picture of a frame
@dataclass(frozen=True)
class PathStyle:
    """How the frame engine draws paths and their markers on a backdrop (the defaults: the contour and 3-D
    styles).  A 1-D curve draws thin chords with a dot at every iterate and a large ball, as the screen does."""

    width: float = 1.0  # path width, × Sizes.lw
    outline: float = 1.0  # outline beyond the path, × the theme's outline_extra
    head: float = 1.55  # head (ball) radius, × Sizes.lw
    dot: float = 0.0  # radius of a dot at every iterate, × Sizes.lw (0: none)
    every: int = 1  # draw every k-th iterate (and each frame's step): long 1-D paths, as the screen thins them


DEFAULT_STYLE = PathStyle()


@dataclass
class Backdrop:
    """Everything a frame shows that does not move, and where the paths go."""

    bg: np.ndarray  # (H, W, 3) uint8 static picture
    clip: tuple[int, int, int, int]  # where paths may be drawn
    path_px: list[np.ndarray]  # per path (S+1, 2) pixel coordinates
    hidden: list[np.ndarray | None]  # per path (S+1,) True where the surface hides the point (3-D)
    sizes: Sizes
    counter_xy: tuple[int, int]  # right end, vertical middle of the step counter
    counter_box: tuple[int, int, int, int]
    overlays: list[Overlay] = field(default_factory=list)  # (box, ops) kept above the paths (legend, minima)
    reserved: list[RGB] = field(default_factory=list)  # colours the GIF palette must hold exactly
    path_clip: list[tuple[int, int, int, int]] | None = None  # per path: its panel (None: every path in `clip`)
    starts: list[bool] | None = None  # per path: draw its start marker (None: every path)
    styles: list[PathStyle] | None = None  # per path: how it is drawn (None: PathStyle() for every path)

    def style_of(self, i: int) -> PathStyle:
        return self.styles[i] if self.styles is not None else DEFAULT_STYLE


# --------------------------------------------------------------------------- palette
@dataclass
class Palette:
    """A fixed 256-entry GIF palette: the quantized background plus reserved colours."""

    colors: np.ndarray  # (256, 3) uint8, all entries distinct
    lut: np.ndarray  # (32, 32, 32) uint8: nearest usable entry for RGB >> 3
    transparent: int  # index used for "unchanged since the previous frame"

    @property
    def bytes(self) -> bytes:
        return self.colors.tobytes()

    def map(self, rgb: np.ndarray) -> np.ndarray:
        """Palette indices for a uint8 RGB array (..., 3) via the 5-bit LUT."""
        q = rgb >> 3
        return self.lut[q[..., 0], q[..., 1], q[..., 2]]


def build_palette(bg: np.ndarray, reserved: Sequence[RGB], dither: bool = False) -> tuple[Palette, np.ndarray]:
    """Quantize the RGB background once (median cut, no dither) to the entries
    left after ``reserved`` colours and one transparency index; returns the
    palette and the background's index array."""
    extra: list[RGB] = list(dict.fromkeys((int(c[0]), int(c[1]), int(c[2])) for c in reserved))
    k = max(16, 255 - len(extra))
    q = Image.fromarray(bg).quantize(colors=k, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    pal_flat = q.getpalette() or []
    n_bg = len(pal_flat) // 3
    pal = np.asarray(pal_flat, dtype=np.int32).reshape(-1, 3)[:n_bg]
    idx = np.asarray(q, dtype=np.uint8)
    used = np.unique(idx)
    n_bg = max(n_bg, int(used.max()) + 1)
    entries: list[RGB] = [tuple(int(v) for v in c) for c in pal[:n_bg]]  # type: ignore[misc]
    # Make entries unique (GIF writers remap by colour), nudging duplicates by one step.
    seen: set[RGB] = set()
    for i, c in enumerate(entries):
        while c in seen:
            c = (c[0], c[1], (c[2] + 1) % 256)
        seen.add(c)
        entries[i] = c
    for c in extra:
        if c not in seen and len(entries) < 255:
            entries.append(c)
            seen.add(c)
    usable = len(entries)
    pal_im = Image.new("P", (1, 1))
    # (entries past `usable` repeat the last usable colour so nothing maps to them)
    pal_im.putpalette(bytes(np.asarray(entries, dtype=np.uint8).tobytes()) + bytes(entries[-1]) * (256 - usable))
    if extra or dither:
        # Re-map the background to the nearest entry of the full palette, so
        # small areas drawn in path colours (legend swatches) keep their colour.
        mode = Image.Dither.FLOYDSTEINBERG if dither else Image.Dither.NONE
        idx = np.asarray(Image.fromarray(bg).quantize(palette=pal_im, dither=mode), dtype=np.uint8)
        idx = np.minimum(idx, usable - 1)
        # Pillow's palette mapping is approximate (a cache of colour boxes): a pixel that is exactly a reserved
        # colour (the paper, the ink, the axes) takes that entry, so a white page stays #FFFFFF, not #FCFCFC
        reserved_set = set(extra)
        where_extra = {c: i for i, c in enumerate(entries[:usable]) if c in reserved_set}
        if where_extra:
            keys = (bg[..., 0].astype(np.int32) << 16) | (bg[..., 1].astype(np.int32) << 8) | bg[..., 2]
            ek = np.array([(c[0] << 16) | (c[1] << 8) | c[2] for c in where_extra], dtype=np.int32)
            ei = np.array(list(where_extra.values()), dtype=np.uint8)
            order = np.argsort(ek)
            ek, ei = ek[order], ei[order]
            pos = np.minimum(np.searchsorted(ek, keys), len(ek) - 1)
            idx = np.where(ek[pos] == keys, ei[pos], idx).astype(np.uint8)
    # Transparency and padding: distinct colours no one uses.
    r = 0
    while len(entries) < 256:
        c = (255, r % 256, 254 - (r // 256))
        r += 1
        if c not in seen:
            entries.append(c)
            seen.add(c)
    colors = np.asarray(entries, dtype=np.uint8)
    transparent = usable
    # Nearest usable entry for every 5-bit RGB cell, computed by Pillow in C.
    cube = (
        np.stack(np.meshgrid(np.arange(32), np.arange(32), np.arange(32), indexing="ij"), -1).reshape(-1, 3) * 8 + 4
    ).astype(np.uint8)
    cube_im = Image.fromarray(cube.reshape(256, 128, 3))
    lut = np.asarray(cube_im.quantize(palette=pal_im, dither=Image.Dither.NONE), dtype=np.uint8)
    lut = np.minimum(lut, usable - 1).reshape(32, 32, 32)
    # reserved colours map to themselves exactly (the cell centre may be nearer another entry)
    where = {c: i for i, c in enumerate(entries[:usable])}
    for c in extra:
        if c in where:
            lut[c[0] >> 3, c[1] >> 3, c[2] >> 3] = where[c]
    return Palette(colors=colors, lut=lut, transparent=transparent), idx
