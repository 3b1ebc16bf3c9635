"""The filled contour background as one PNG, drawn once with NumPy + Pillow.

Why an image: Plotly's fast animation path (``redraw=False``) drops the fill
(and the lines) of contour and heatmap traces after the first frame, while
``redraw=True`` plays ~3× slower.  A layout image is not a trace: frames never
touch it, so the surface stays visible in every frame at full speed.

The image uses the shared colour scale (viz.palette) through a ValueScale, so
it matches the colour bar, and has the contour lines baked in: level sets of
the same mapping, drawn at twice the resolution and filtered down, which
anti-aliases them.
"""

from __future__ import annotations

import base64
import io

import numpy as np
from PIL import Image

from .palette import UNDEFINED_RGB, lut
from .scale import ValueScale

_LUT = lut(256).astype(np.float32)


def _resize(a: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear resize of a float array (NaN-safe: NaN spreads to its neighbours)."""
    img = Image.fromarray(np.ascontiguousarray(a, dtype=np.float32), mode="F")
    return np.asarray(img.resize((width, height), Image.Resampling.BILINEAR), dtype=np.float32)


def render_rgb(
    z: np.ndarray,
    scale: ValueScale,
    *,
    width: int = 720,
    height: int = 720,
    levels: int = 16,
    line_rgb: tuple[int, int, int] = (31, 36, 48),
    line_alpha: float = 0.38,
) -> np.ndarray:
    """(height, width, 3) uint8 image of grid z (z[i, j] at x_j, y_i; y ascending) — row 0 is the top (max y)."""
    t = scale.t(z).astype(np.float32)
    bad = ~np.isfinite(t)
    t_filled = np.where(bad, 0.0, t)[::-1]  # row 0 = top
    bad_small = _resize(bad[::-1].astype(np.float32), width, height) > 0.5
    # Filled bands, as a filled contour plot: each band takes the colour of its middle value.  Computed on a
    # 2x supersampled grid and box-filtered down, which anti-aliases the band edges and the lines.
    q = np.minimum(np.floor(_resize(t_filled, 2 * width, 2 * height) * levels), levels - 1).astype(np.int16)
    band_rgb = _LUT[np.clip(np.rint((np.arange(levels) + 0.5) / levels * 255.0), 0, 255).astype(np.intp)]
    big_rgb = band_rgb.astype(np.uint8)[q]
    rgb = np.asarray(
        Image.fromarray(big_rgb, mode="RGB").resize((width, height), Image.Resampling.BOX), dtype=np.float32
    )
    rgb[bad_small] = UNDEFINED_RGB
    edge = np.zeros(q.shape, dtype=np.float32)
    edge[:, 1:] += q[:, 1:] != q[:, :-1]
    edge[1:, :] += q[1:, :] != q[:-1, :]
    cover = np.asarray(Image.fromarray(np.minimum(edge, 1.0), mode="F").resize((width, height), Image.Resampling.BOX))
    a = (line_alpha * np.minimum(cover * 2.0, 1.0))[..., None]
    a[bad_small] = 0.0
    rgb = rgb * (1.0 - a) + np.asarray(line_rgb, dtype=np.float32) * a
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def to_data_uri(rgb: np.ndarray, colors: int = 256) -> str:
    """PNG data URI; the image is quantized to a palette (smooth scales need no more) to keep it small."""
    img = Image.fromarray(rgb, mode="RGB").quantize(
        colors=colors, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def background_uri(z: np.ndarray, scale: ValueScale, window, *, max_side: int = 720, levels: int = 16) -> str:
    """The data URI for a window ((x0, x1), (y0, y1)); the pixel aspect follows the window's aspect."""
    (x0, x1), (y0, y1) = window
    aspect = (y1 - y0) / (x1 - x0)
    if aspect <= 1:
        width, height = max_side, max(64, int(round(max_side * aspect)))
    else:
        width, height = max(64, int(round(max_side / aspect))), max_side
    return to_data_uri(render_rgb(z, scale, width=width, height=height, levels=levels))
