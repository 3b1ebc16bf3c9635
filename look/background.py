"""The surface as a picture: filled bands plus contour lines, drawn once with NumPy + Pillow.

The app shows it as the contour map's layout image, and the exported GIF / MP4 / PNG frames paste the very
same raster into their plot area, so a point of the surface has the same colour on screen and in a file.

Why an image on screen: Plotly's fast animation path (``redraw=False``) drops the fill (and the lines) of
contour and heatmap traces after the first frame, while ``redraw=True`` plays ~3× slower.  A layout image is
not a trace: frames never touch it, so the surface stays visible in every frame at full speed.

How: the surface's ValueScale maps the grid to colour positions t in [0, 1], interpolated (look.grid, bilinear)
at the centres of a 2× supersampled pixel lattice of the view window, cut into ``levels`` equal bands (each takes the
theme's colour at its middle value, as a filled contour plot does), and box-filtered down, which anti-aliases
the band edges; the band edges themselves are the contour lines.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from .grid import resample
from .scale import ValueScale
from .theme import LIGHT, Theme

Window = tuple[tuple[float, float], tuple[float, float]]
LEVELS = 16  # bands of the filled map (equal steps of the colour position t)
SUPERSAMPLE = 2


def render_rgb(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    scale: ValueScale,
    window: Window,
    *,
    width: int,
    height: int,
    theme: Theme = LIGHT,
    levels: int = LEVELS,
    line_alpha: float | None = None,
) -> np.ndarray:
    """(height, width, 3) uint8 picture of grid z over `window`; row 0 is the top (max y), pixel (i, j) covers
    [x0 + j·dx, x0 + (j+1)·dx] × [y1 − (i+1)·dy, y1 − i·dy]."""
    (x0, x1), (y0, y1) = window
    k = SUPERSAMPLE
    W, H = width * k, height * k
    xc = x0 + (np.arange(W) + 0.5) / W * (x1 - x0)
    yc = y1 - (np.arange(H) + 0.5) / H * (y1 - y0)
    # the colour position t is interpolated (not f): on a log scale the bands then follow log f smoothly
    t = resample(xs, ys, scale.t(z), xc, yc)
    bad = ~np.isfinite(t)
    q = np.minimum(np.floor(np.where(bad, 0.0, t) * levels), levels - 1).astype(np.uint8)
    lut = theme.lut(256)
    band_rgb = lut[np.clip(np.rint((np.arange(levels) + 0.5) / levels * 255.0), 0, 255).astype(np.intp)]
    bands = Image.fromarray(q, mode="P")
    bands.putpalette(band_rgb.tobytes())
    big = bands.convert("RGB")
    rgb: np.ndarray = np.asarray(big.resize((width, height), Image.Resampling.BOX), dtype=np.float32)
    # undefined where most of the pixel is
    bad_small = np.asarray(
        Image.fromarray(bad.astype(np.float32), mode="F").resize((width, height), Image.Resampling.BOX)
    )
    bad_small = bad_small > 0.5
    rgb[bad_small] = theme.undefined
    edge = np.zeros(q.shape, dtype=np.float32)
    edge[:, 1:] += (q[:, 1:] != q[:, :-1]) & ~bad[:, 1:] & ~bad[:, :-1]
    edge[1:, :] += (q[1:, :] != q[:-1, :]) & ~bad[1:, :] & ~bad[:-1, :]
    cover = np.asarray(Image.fromarray(np.minimum(edge, 1.0), mode="F").resize((width, height), Image.Resampling.BOX))
    alpha = theme.contour_alpha if line_alpha is None else line_alpha
    a = (alpha * np.minimum(cover * 2.0, 1.0))[..., None]
    a[bad_small] = 0.0
    rgb = rgb * (1.0 - a) + np.asarray(theme.contour_line, dtype=np.float32) * a
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def to_data_uri(rgb: np.ndarray, colors: int = 256) -> str:
    """PNG data URI; the image is quantized to a palette (16 bands and their edges need no more) to keep it small."""
    img = Image.fromarray(rgb, mode="RGB").quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def pixel_size(window: Window, max_side: int = 720) -> tuple[int, int]:
    """(width, height) of a picture of the window whose pixels are square and whose longer side is max_side."""
    (x0, x1), (y0, y1) = window
    aspect = (y1 - y0) / (x1 - x0)
    if aspect <= 1:
        return max_side, max(64, int(round(max_side * aspect)))
    return max(64, int(round(max_side / aspect))), max_side


def background_uri(
    xs: np.ndarray,
    ys: np.ndarray,
    z: np.ndarray,
    scale: ValueScale,
    window: Window,
    *,
    theme: Theme = LIGHT,
    max_side: int = 720,
    levels: int = LEVELS,
) -> str:
    """The data URI of the window's picture (what the contour map shows under the paths)."""
    width, height = pixel_size(window, max_side)
    return to_data_uri(render_rgb(xs, ys, z, scale, window, width=width, height=height, theme=theme, levels=levels))
