"""Value → colour position: how f is mapped to [0, 1] for the surface picture, the colour bar and the 3-D height,
on screen (viz) and in the exported frames (export) alike.

The range is robust (percentiles of the finite grid values, so one singular
point does not wash the picture out) and optionally logarithmic (Rosenbrock's
valley is invisible on a linear scale).  The same mapping gives the colour-bar
ticks, labelled in f, so the reader always reads real values.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .fmt import minus, nice_step, sig


@dataclass(frozen=True)
class ValueScale:
    lo: float  # f value at t = 0
    hi: float  # f value at t = 1
    log: bool  # t = log10(f - lo + offset) rescaled, else linear
    offset: float = 1.0  # shift that keeps the log finite at f = lo

    def t(self, f: np.ndarray) -> np.ndarray:
        """Position in [0, 1] (clipped); NaN where f is not finite."""
        f = np.asarray(f, dtype=float)
        with np.errstate(all="ignore"):
            if self.log:
                a = np.log10(np.maximum(f - self.lo, 0.0) + self.offset)
                a0, a1 = math.log10(self.offset), math.log10(self.hi - self.lo + self.offset)
                t = (a - a0) / (a1 - a0)
            else:
                t = (f - self.lo) / (self.hi - self.lo)
            t = np.clip(t, 0.0, 1.0)
        return np.where(np.isfinite(f), t, np.nan)

    def f(self, t: np.ndarray) -> np.ndarray:
        """Inverse of t() inside [0, 1]."""
        t = np.asarray(t, dtype=float)
        if self.log:
            a0, a1 = math.log10(self.offset), math.log10(self.hi - self.lo + self.offset)
            return 10 ** (a0 + t * (a1 - a0)) - self.offset + self.lo
        return self.lo + t * (self.hi - self.lo)

    def ticks(self, n: int = 6) -> tuple[list[float], list[str]]:
        """Colour-bar tick positions (in t) and their labels (in f): round values of f."""
        if self.log:
            # powers of ten above lo (plus lo itself)
            top = self.hi - self.lo
            k0 = math.floor(math.log10(max(self.offset, 1e-300)))
            k1 = math.ceil(math.log10(max(top, 1e-300)))
            vals: list[float] = [self.lo] + [self.lo + 10.0**k for k in range(k0 + 1, k1 + 1)]
            every = max(1, math.ceil(len(vals) / n))
            vals = vals[:1] + vals[1::every]
        else:
            step = nice_step((self.hi - self.lo) / max(n - 1, 1))
            first = math.ceil(self.lo / step) * step
            vals = [float(v) for v in np.arange(first, self.hi + step * 1e-9, step)]
        pos: list[float] = []
        labels: list[str] = []
        for v in vals:
            if not self.lo - 1e-12 <= v <= self.hi * (1 + 1e-9) + 1e-12:
                continue
            t = float(self.t(np.array([v]))[0])
            if 0.0 <= t <= 1.0 and (not pos or t - pos[-1] > 0.04):
                pos.append(t)
                labels.append(minus(sig(v, 3)))
        return pos, labels


def fit_scale(z: np.ndarray, log: bool | None = None, f_min: float | None = None) -> ValueScale:
    """A robust scale for grid values z.  log=None decides from the data (very skewed values → log)."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return ValueScale(0.0, 1.0, False)
    lo = float(finite.min())
    if f_min is not None and math.isfinite(f_min):
        lo = min(lo, float(f_min))
    hi = float(np.percentile(finite, 99.5))
    if not hi > lo:
        hi = float(finite.max())
    if not hi > lo:
        hi = lo + 1.0
    if log is None:
        med = float(np.median(finite))
        log = (hi - lo) > 50 * max(med - lo, 1e-300)
    if log:
        # the offset sets where the log scale starts to resolve: a small fraction of the range
        spread = hi - lo
        offset = max(spread * 1e-4, float(np.percentile(finite, 1)) - lo, 1e-12)
        return ValueScale(lo, hi, True, offset)
    return ValueScale(lo, hi, False)
