"""Numbers as people read them: labels, hovers, messages, and the round steps of every axis.

One "nice step" (1, 2, 2.5, 5 × 10^k) serves the screen's click grid and colour bar, the exported frames' axes
and the app's slider grids, so an axis reads the same everywhere.
"""

from __future__ import annotations

import math

import numpy as np

MINUS = "\u2212"  # typographic minus (tick labels); present in DejaVu Sans and in browsers' fonts
NICE_MANTISSAS = (1.0, 2.0, 2.5, 5.0, 10.0)


def num(v: float, digits: int = 3) -> str:
    """Short, exact-looking number: 0.001, 3e-05 → 3e-5, 1e+03 → 1000, 0.9999."""
    if isinstance(v, bool):
        return "true" if v else "false"
    v = float(v)
    if v == 0:
        return "0"
    if not math.isfinite(v):
        return str(v)
    a = abs(v)
    if 1e-4 <= a < 1e5:
        for d in range(12):
            t = f"{v:.{d}f}"
            if math.isclose(float(t), v, rel_tol=10 ** -(digits + 6)):
                return t
        return f"{v:.12g}"
    t = f"{v:.9e}"
    for d in range(1, 10):
        t = f"{v:.{d}e}"
        if math.isclose(float(t), v, rel_tol=1e-9):
            break
    mant, exp = t.split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


def point(*coords: float, digits: int | None = None) -> str:
    """(x, y) — or (x) on a curve: exact, or rounded to `digits` significant digits."""
    if digits:
        return "(" + ", ".join(sig(c, digits) for c in coords) + ")"
    return "(" + ", ".join(num(c) for c in coords) + ")"


def sig(v: float, digits: int = 3) -> str:
    """Rounded to `digits` significant digits: 1000.0025 → 1000, 2.5315e-05 → 2.53e-5."""
    v = float(v)
    if v == 0 or not math.isfinite(v):
        return num(v)
    a = abs(v)
    if 1e-4 <= a < 10 ** max(digits + 2, 5):
        r = float(f"{v:.{digits}g}")
        return num(r)
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


def minus(text: str) -> str:
    """A label with typographic minus signs (−3, 2e−5)."""
    return text.replace("-", MINUS)


# ------------------------------------------------------------------------------------------------ steps and ticks
def nice_step(raw: float, *, nearest: bool = False) -> float:
    """A round step m × 10^k, m in (1, 2, 2.5, 5): the smallest one ≥ raw, or (nearest=True) the one closest to
    raw in ratio.  Non-positive or non-finite raw gives 1."""
    if not (raw > 0 and math.isfinite(raw)):
        return 1.0
    mag = 10.0 ** math.floor(math.log10(raw))
    cands = [m * mag for m in NICE_MANTISSAS]
    if nearest:
        return min(cands, key=lambda c: abs(math.log(c / raw)))
    return next(c for c in cands if c >= raw * (1 - 1e-9))


def nice_ticks(lo: float, hi: float, target: int = 5) -> tuple[np.ndarray, float]:
    """Round tick values inside [lo, hi] (about `target` of them) and their step."""
    raw = (hi * 0.5 - lo * 0.5) / max(1, target - 1)  # half the raw step: hi − lo may overflow
    step = nice_step(2.0 * raw, nearest=True) if math.isfinite(2.0 * raw) else 2.0 * nice_step(raw, nearest=True)
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


def tick_label(v: float, step: float | None = None) -> str:
    """Compact axis label: "0", "12", "0.25", "1e4", "2.5e−3" (typographic minus); with the axis step, every
    label of the axis has the same number of decimals."""
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
        if "e" in s:
            mant, exp = s.split("e")
            s = f"{mant}e{int(exp)}"
    return minus(s)
