"""The one timing rule every benchmark script uses: best of N after a warm-up."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any


def best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """(fastest wall time in seconds over `repeat` calls, the last call's result).

    The first call is a warm-up (lambdify, caches, fonts, first-touch allocations) and is not timed."""
    out = fn()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return best, out
