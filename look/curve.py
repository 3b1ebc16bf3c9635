"""What a 1-D curve f(x) looks like in a window: dense samples, a robust f range, the known minima.

The screen's curve view (viz.curve) and the exported 1-D frames (export.scene1d) both draw from this, so the
curve, its vertical range and its minima are the same in the app and in a GIF.  (viz/curve.py keeps its own
copy of this function for now; tests/unit/test_look.py checks that the two agree sample for sample.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CURVE_POINTS = 600  # samples across the window: the screen's curve and the exports' curve


@dataclass(frozen=True, eq=False)
class CurveView:
    """Samples of a curve over a window, the f range to show (steep tails left out), the known minima."""

    name: str
    window: tuple[float, float]
    xs: np.ndarray  # (n,)
    fs: np.ndarray  # (n,) f(xs); NaN where undefined
    f_range: tuple[float, float]
    minima: np.ndarray  # (M,)
    minima_f: np.ndarray  # (M,)
    tex: str = ""

    @property
    def f_star(self) -> float | None:
        return float(self.minima_f.min()) if len(self.minima_f) else None


def curve_view(surface: Any, window: tuple[tuple[float, float], ...] | None = None, n: int = CURVE_POINTS) -> CurveView:
    """Samples of a 1-D Surface over its window; the f range leaves out steep tails (99th percentile)."""
    (x0, x1) = (window or surface.domain)[0]
    xs = np.linspace(float(x0), float(x1), n)
    with np.errstate(all="ignore"):
        fs = surface.value(xs[:, None])
    finite = fs[np.isfinite(fs)]
    minima = np.asarray(surface.minima, dtype=float).reshape(-1)
    minima_f = surface.value(minima[:, None]) if len(minima) else np.zeros(0)
    if finite.size:
        lo = float(min(finite.min(), minima_f.min() if len(minima_f) else finite.min()))
        hi = float(np.percentile(finite, 99))
        if not hi > lo:
            hi = float(finite.max()) if finite.max() > lo else lo + 1.0
        pad = 0.12 * (hi * 0.5 - lo * 0.5)  # 6 % of hi − lo, which itself may overflow (exp(709)*x)
        big = float(np.finfo(float).max)
        f_range = (max(lo - pad, -big), min(hi + pad, big))
    else:
        f_range = (0.0, 1.0)
    return CurveView(
        name=surface.name,
        window=(float(x0), float(x1)),
        xs=xs,
        fs=np.asarray(fs, dtype=float),
        f_range=f_range,
        minima=minima,
        minima_f=np.asarray(minima_f, dtype=float),
        tex=surface.tex,
    )
