"""Number formatting for labels, hovers and messages."""

from __future__ import annotations

import math


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
    for d in range(1, 10):
        t = f"{v:.{d}e}"
        if math.isclose(float(t), v, rel_tol=1e-9):
            break
    mant, exp = t.split("e")
    mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


def point(x: float, y: float, digits: int | None = None) -> str:
    """(x, y): exact, or rounded to `digits` significant digits."""
    if digits:
        return f"({sig(x, digits)}, {sig(y, digits)})"
    return f"({num(x)}, {num(y)})"


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
