r"""Numbers in the step's LaTeX: short, exact enough to check (4 significant digits), and readable back.

    tex_num(0.000012345)        → "1.235\times10^{-5}"
    tex_vec([0.1, -2.5])        → "(0.1,\ -2.5)"
    read_numbers(r"(0.1,\ -2.5)") → [0.1, -2.5]

``read_numbers`` is the inverse the tests use to check that every number shown is the recorded one.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np

DIGITS = 4  # significant digits: relative error ≤ 5e-4
_NUMBER = re.compile(r"(-?)10\^\{(-?\d+)\}|(-?\d+(?:\.\d+)?)(?:\\times\s*10\^\{(-?\d+)\})?|(-?)\\infty")


def tex_num(v: float, digits: int = DIGITS) -> str:
    """A number for LaTeX: 4 significant digits, ×10^k outside [1e-3, 1e5), no trailing zeros."""
    v = float(v)
    if math.isnan(v):
        return r"\text{—}"
    if math.isinf(v):
        return r"\infty" if v > 0 else r"-\infty"
    if v == 0:
        return "0"
    a = abs(v)
    if 1e-3 <= a < 1e5:
        text = f"{v:.{digits}g}"
        if "e" not in text:
            return _trim(text)
    mant, exp = f"{v:.{digits - 1}e}".split("e")
    mant = _trim(mant)
    k = int(exp)
    if mant in ("1", "-1"):
        return ("-" if mant == "-1" else "") + f"10^{{{k}}}"
    return f"{mant}\\times10^{{{k}}}"


def _trim(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def tex_vec(values: Sequence[float] | np.ndarray | float, digits: int = DIGITS) -> str:
    """A point or vector: "(a,\\ b)" in 2-D, the bare number in 1-D or for a scalar."""
    arr = np.atleast_1d(np.asarray(values, dtype=float))
    if arr.size == 1:
        return tex_num(float(arr[0]), digits)
    return "(" + r",\ ".join(tex_num(float(x), digits) for x in arr) + ")"


def read_numbers(tex: str) -> list[float]:
    """Every number written by tex_num in a piece of LaTeX, in order (give it the values, not the symbols:
    the 1 of β_1 is a number too)."""
    out: list[float] = []
    for m in _NUMBER.finditer(tex):
        sign, bare_exp, mant, exp, inf_sign = m.groups()
        if bare_exp is not None:
            out.append((-1.0 if sign else 1.0) * 10.0 ** int(bare_exp))
        elif mant is not None:
            out.append(float(mant) * (10.0 ** int(exp) if exp else 1.0))
        else:
            out.append(-math.inf if inf_sign else math.inf)
    return out
