"""Raster helpers shared by the renderers: fonts, ticks, number labels,
antialiased drawing into NumPy RGB arrays, and the fixed GIF palette.

Nothing here knows about surfaces or optimizers; everything works on pixel
coordinates (floats, x to the right, y down, pixel ``i`` spans ``[i, i+1)``).
"""

from __future__ import annotations

import functools
import importlib.util
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont

MINUS = "\u2212"  # typographic minus, present in DejaVu Sans


# --------------------------------------------------------------------------- fonts
def _font_candidates(bold: bool) -> list[str]:
    dejavu = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    out: list[str] = []
    # matplotlib ships DejaVu Sans; find its data folder without importing it.
    try:
        spec = importlib.util.find_spec("matplotlib")
    except (ImportError, ValueError):  # pragma: no cover - broken installs
        spec = None
    if spec is not None and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            out.append(str(Path(loc) / "mpl-data" / "fonts" / "ttf" / dejavu))
    for folder in (
        "/usr/share/fonts/truetype/dejavu",
        "/usr/share/fonts/TTF",
        "/usr/share/fonts/dejavu",
        "/usr/local/share/fonts",
    ):
        out.append(f"{folder}/{dejavu}")
    # Bare names: Pillow searches the platform's font folders for these.
    out.append(dejavu)
    if bold:
        out += ["LiberationSans-Bold.ttf", "arialbd.ttf", "Arial Bold.ttf"]
    else:
        out += ["LiberationSans-Regular.ttf", "arial.ttf", "Arial.ttf"]
    return out


@functools.lru_cache(maxsize=64)
def get_font(size: int, bold: bool = False) -> Font:
    """A TrueType font of ``size`` pixels: DejaVu Sans (matplotlib's copy or the
    system's), else Liberation Sans / Arial, else Pillow's built-in scalable
    font (Pillow >= 10.1 with FreeType), else Pillow's bitmap font."""
    size = max(6, int(size))
    for cand in _font_candidates(bold):
        try:
            return ImageFont.truetype(cand, size)
        except OSError:
            continue
    try:
        return ImageFont.load_default(size=size)
    except (TypeError, ImportError, OSError, AttributeError):  # pragma: no cover
        return ImageFont.load_default()


def text_size(text: str, font: Font) -> tuple[int, int]:
    """Width and height (ink box, in pixels) of text."""
    l, t, r, b = font.getbbox(text)
    return int(math.ceil(r - l)), int(math.ceil(b - t))


# --------------------------------------------------------------------------- ticks / labels
def nice_step(span: float, target: int) -> float:
    """The 1-2-2.5-5 x 10^k step closest (in ratio) to span / target."""
    if not (span > 0 and math.isfinite(span)):
        return 1.0
    raw = span / max(1, target)
    mag = 10.0 ** math.floor(math.log10(raw))
    cands = [m * mag for m in (1.0, 2.0, 2.5, 5.0, 10.0)]
    return min(cands, key=lambda c: abs(math.log(c / raw)))


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[np.ndarray, float]:
    """Round tick values inside [lo, hi] (about target of them) and their step."""
    step = nice_step(hi - lo, max(1, target - 1))
    first = math.ceil(lo / step - 1e-9)
    last = math.floor(hi / step + 1e-9)
    vals = np.arange(first, last + 1, dtype=np.float64) * step
    vals[np.abs(vals) < step * 1e-9] = 0.0
    return vals, step


def _decimals(step: float) -> int:
    for d in range(7):
        s = step * 10**d
        if abs(s - round(s)) < 1e-6 * max(1.0, s):
            return d
    return 6


def fmt_value(v: float, step: float | None = None) -> str:
    """Compact label: "0", "12", "0.25", "1e4", "2.5e-3" (typographic minus)."""
    if v == 0 or not math.isfinite(v):
        return "0" if v == 0 else str(v)
    a = abs(v)
    if a >= 1e4 or a < 1e-3 or (step is not None and step >= 1e4):
        mant, exp = f"{v:.2e}".split("e")
        mant = mant.rstrip("0").rstrip(".")
        s = f"{mant}e{int(exp)}"
    elif step is not None:
        s = f"{v:.{_decimals(step)}f}"
    else:
        s = f"{v:.4g}" if a >= 1000 else f"{v:.3g}"
        if "e" in s:  # .3g of e.g. 0.00123 stays positional above 1e-3; be safe anyway
            mant, exp = s.split("e")
            s = f"{mant}e{int(exp)}"
    return s.replace("-", MINUS)


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


def polygon_shape(pts: np.ndarray) -> Shape:
    def draw(d: ImageDraw.ImageDraw, tf, k: int) -> None:
        d.polygon(tf(pts), fill=255)

    return draw


def star_points(cx: float, cy: float, r: float, n: int = 5, inner: float = 0.45) -> np.ndarray:
    ang = -math.pi / 2 + np.arange(2 * n) * math.pi / n
    rad = np.where(np.arange(2 * n) % 2 == 0, r, r * inner)
    return np.stack([cx + rad * np.cos(ang), cy + rad * np.sin(ang)], axis=1)


def blend(c1: RGB, c2: RGB, t: float) -> RGB:
    return tuple(int(round(a + (b - a) * t)) for a, b in zip(c1, c2))  # type: ignore[return-value]


def hex_to_rgb(s: str) -> RGB:
    return int(s[1:3], 16), int(s[3:5], 16), int(s[5:7], 16)


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
    extra = list(dict.fromkeys(tuple(int(v) for v in c) for c in reserved))
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
