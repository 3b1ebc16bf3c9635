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

LOG2 = math.log10(2.0)


def _half_span(lo: float, hi: float) -> float:
    """(hi - lo) / 2, finite for any finite lo and hi (hi - lo itself overflows past ±1.8e308)."""
    return hi * 0.5 - lo * 0.5


@dataclass(frozen=True)
class ValueScale:
    """f ↦ t in [0, 1].  Every difference of f values is taken in halves, (f/2 − lo/2), so a surface whose
    values reach ±1e308 (``exp(709)*x``) still maps, ticks and labels without overflowing."""

    lo: float  # f value at t = 0
    hi: float  # f value at t = 1
    log: bool  # t = log10(f - lo + offset) rescaled, else linear
    offset: float = 1.0  # shift that keeps the log finite at f = lo

    def _log_ends(self) -> tuple[float, float]:
        """log10 of (offset, hi − lo + offset), each minus log10(2) (computed in halves)."""
        half_off = self.offset * 0.5
        return math.log10(half_off), math.log10(_half_span(self.lo, self.hi) + half_off)

    def t(self, f: np.ndarray) -> np.ndarray:
        """Position in [0, 1] (clipped); NaN where f is not finite."""
        f = np.asarray(f, dtype=float)
        with np.errstate(all="ignore"):
            d = f * 0.5 - self.lo * 0.5  # (f - lo) / 2, no overflow
            if self.log:
                a = np.log10(np.maximum(d, 0.0) + self.offset * 0.5)
                a0, a1 = self._log_ends()
                t = (a - a0) / (a1 - a0)
            else:
                t = d / _half_span(self.lo, self.hi)
            t = np.clip(t, 0.0, 1.0)
        return np.where(np.isfinite(f), t, np.nan)

    def ticks(self, n: int = 6) -> tuple[list[float], list[str]]:
        """Colour-bar tick positions (in t) and their labels (in f): round values of f."""
        vals: list[float]
        if self.log:
            # powers of ten above lo (plus lo itself); 10**308 is the largest a float holds
            k0 = math.floor(math.log10(max(self.offset, 1e-300)))
            k1 = math.ceil(math.log10(max(_half_span(self.lo, self.hi), 1e-300)) + LOG2)
            vals = [self.lo] + [self.lo + 10.0**k for k in range(k0 + 1, min(k1, 308) + 1)]
            every = max(1, math.ceil(len(vals) / n))
            vals = vals[:1] + vals[1::every]
        else:
            # in units of 10**e so that neither the step nor the span overflows
            big = max(abs(self.lo), abs(self.hi))
            e = math.floor(math.log10(big)) if big > 1e300 else 0
            unit = 10.0**e
            lo_u, hi_u = self.lo / unit, self.hi / unit
            step = nice_step((hi_u - lo_u) / max(n - 1, 1))
            first = math.ceil(lo_u / step)
            last = math.floor(hi_u / step + 1e-9)
            vals = [float(k * step * unit) for k in range(first, min(last, first + 4 * n) + 1)]
        pos: list[float] = []
        labels: list[str] = []
        for v in vals:
            if not math.isfinite(v) or not self.lo - 1e-12 <= v <= self.hi * (1 + 1e-9) + 1e-12:
                continue
            t = float(self.t(np.array([v]))[0])
            if 0.0 <= t <= 1.0 and (not pos or t - pos[-1] > 0.04):
                pos.append(t)
                labels.append(minus(sig(v, 3)))
        return pos, labels


def fit_scale(z: np.ndarray, log: bool | None = None, f_min: float | None = None) -> ValueScale:
    """A robust scale for grid values z.  log=None decides from the data (very skewed values → log).
    Values up to ±1.8e308 are fine: the percentiles are checked, the spread is taken in halves."""
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return ValueScale(0.0, 1.0, False)
    lo = float(finite.min())
    if f_min is not None and math.isfinite(f_min):
        lo = min(lo, float(f_min))
    with np.errstate(all="ignore"):
        hi = float(np.percentile(finite, 99.5))
        med = float(np.median(finite))
        p1 = float(np.percentile(finite, 1))
    if not (math.isfinite(hi) and hi > lo):  # the interpolation itself can overflow
        hi = float(finite.max())
    if not hi > lo:
        hi = lo + 1.0
    if not hi > lo:  # lo so large that lo + 1 == lo: a flat picture a hair wide, just below it
        lo = hi - abs(hi) * 1e-9
    if not math.isfinite(med):
        med = hi
    if not math.isfinite(p1):
        p1 = lo
    half = _half_span(lo, hi)
    if log is None:
        log = half > 50 * max(med * 0.5 - lo * 0.5, 1e-300)
    if log:
        # the offset sets where the log scale starts to resolve: a small fraction of the range
        offset = max(half * 2e-4, min((p1 * 0.5 - lo * 0.5) * 2.0, 1e308), 1e-12)
        return ValueScale(lo, hi, True, offset)
    return ValueScale(lo, hi, False)
