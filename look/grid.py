"""Values between grid points: the one bilinear interpolation of a sampled surface.

A surface is sampled on a grid ``z[i, j] = f(xs[j], ys[i])`` (xs, ys increasing).  The hover grid of the
contour map, the heights of a path on the 3-D view, the filled background of the map and of the exported
frames all read values between grid points through :func:`sample` (scattered points) or :func:`resample`
(a whole lattice, computed separably: the same bilinear formula, far fewer operations).
"""

from __future__ import annotations

from typing import Literal

import numpy as np

Outside = Literal["nan", "clamp"]


def _fractional(axis: np.ndarray, v: np.ndarray, outside: Outside) -> np.ndarray:
    """Fractional index of v along an increasing axis; NaN (or clamped to the ends) outside it."""
    idx = np.arange(axis.size, dtype=np.float64)
    if outside == "clamp":
        return np.interp(v, axis, idx)
    return np.interp(v, axis, idx, left=np.nan, right=np.nan)


def _corners(n: int, f: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lower index, weight of the upper neighbour, and a mask of unusable (NaN) positions."""
    bad = ~np.isfinite(f)
    f = np.where(bad, 0.0, f)
    i0 = np.clip(np.floor(f).astype(np.intp), 0, max(n - 2, 0))
    return i0, f - i0, bad


def bilinear(z: np.ndarray, fx: np.ndarray, fy: np.ndarray) -> np.ndarray:
    """z at fractional indices (column fx, row fy; they broadcast); NaN where an index is NaN or a corner is."""
    fx, fy = np.broadcast_arrays(np.asarray(fx, dtype=np.float64), np.asarray(fy, dtype=np.float64))
    j0, wx, bad_x = _corners(z.shape[1], fx)
    i0, wy, bad_y = _corners(z.shape[0], fy)
    with np.errstate(invalid="ignore", over="ignore"):
        top = z[i0, j0] * (1 - wx) + z[i0, j0 + 1] * wx
        bot = z[i0 + 1, j0] * (1 - wx) + z[i0 + 1, j0 + 1] * wx
        out = top * (1 - wy) + bot * wy
    out = np.asarray(out, dtype=np.float64)
    out[bad_x | bad_y] = np.nan
    return out


def sample(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, x: np.ndarray, y: np.ndarray, *, outside: Outside = "nan"
) -> np.ndarray:
    """z interpolated at points (x, y) (same shape); outside the grid NaN, or the nearest edge value (clamp)."""
    return bilinear(z, _fractional(xs, np.asarray(x, dtype=np.float64), outside), _fractional(ys, y, outside))


def resample(
    xs: np.ndarray, ys: np.ndarray, z: np.ndarray, x: np.ndarray, y: np.ndarray, *, outside: Outside = "nan"
) -> np.ndarray:
    """z interpolated on the lattice x (columns, (W,)) × y (rows, (H,)): an (H, W) array.

    Equal to ``sample(xs, ys, z, x[None, :], y[:, None])``, computed separably (along x for the grid rows the
    lattice needs, then along y), which is several times faster for an image-sized lattice."""
    fx = _fractional(xs, np.asarray(x, dtype=np.float64), outside)
    fy = _fractional(ys, np.asarray(y, dtype=np.float64), outside)
    j0, wx, bad_x = _corners(z.shape[1], fx)
    i0, wy, bad_y = _corners(z.shape[0], fy)
    with np.errstate(invalid="ignore", over="ignore"):
        rows = z[:, j0] * (1 - wx) + z[:, j0 + 1] * wx  # (m, W)
        out = rows[i0] * (1 - wy)[:, None] + rows[i0 + 1] * wy[:, None]
    out[bad_y, :] = np.nan
    out[:, bad_x] = np.nan
    return out
