"""A test surface: a SymPy expression in x, y plus what a viewer needs to know.

A surface is declared (formula, domain, known minima, a good start) and
compiled once: f, its exact gradient and its Hessian are lambdified to NumPy
and cached on the instance.  Everything vectorizes over arrays of points with
a trailing axis of size 2.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

# Real symbols: with plain symbols the derivative of abs(x) contains re()/im() terms.
X, Y = sp.symbols("x y", real=True)


@dataclass(frozen=True, eq=False)
class Surface:
    id: str  # "rosenbrock", or "custom" for a typed formula
    name: str  # "Rosenbrock"
    expr: sp.Expr  # f(x, y)
    domain: tuple[tuple[float, float], tuple[float, float]]  # ((xmin, xmax), (ymin, ymax)) for plots
    minima: tuple[tuple[float, float], ...] = ()  # known global/local minima, for markers and distances
    start: tuple[float, float] = (0.0, 0.0)  # a good default start
    description: str = ""
    latex: str = ""  # defaults to sympy.latex(expr)
    formula: str = ""  # the text a user would type for this surface
    params: dict[str, float] = field(default_factory=dict)  # e.g. {"kappa": 10} for the ill-conditioned quadratic
    log_color: bool = False  # plot colours on a log scale (Rosenbrock's valley, Beale)

    # --- compiled callables -------------------------------------------------
    @functools.cached_property
    def _f(self):
        return sp.lambdify((X, Y), self.expr, modules="numpy")

    @functools.cached_property
    def gradient_xy(self):
        """(x, y) -> [df/dx, df/dy], one compiled function with common subexpressions shared
        (2.3x faster than two separate functions on Beale). A constant component comes back as a scalar."""
        gx, gy = sp.diff(self.expr, X), sp.diff(self.expr, Y)
        return sp.lambdify((X, Y), [gx, gy], modules="numpy", cse=True)

    @functools.cached_property
    def _hessian_expr(self):
        return sp.hessian(self.expr, (X, Y))

    @functools.cached_property
    def _hessian(self):
        # d²|x|/dx² = 2·DiracDelta(x): zero everywhere but the kink, where no Hessian exists anyway.
        modules = [{"DiracDelta": lambda v: np.zeros_like(np.asarray(v, dtype=float))}, "numpy"]
        h = self._hessian_expr
        return [[sp.lambdify((X, Y), h[i, j], modules=modules) for j in range(2)] for i in range(2)]

    @property
    def tex(self) -> str:
        return self.latex or sp.latex(self.expr)

    def value(self, points: np.ndarray) -> np.ndarray:
        """f at points shaped (..., 2) -> (...)."""
        p = np.asarray(points, dtype=float)
        x, y = p[..., 0], p[..., 1]
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(self._f(x, y), dtype=float), x.shape)

    def gradient(self, points: np.ndarray) -> np.ndarray:
        """Exact gradient at points shaped (..., 2) -> (..., 2)."""
        p = np.asarray(points, dtype=float)
        x, y = p[..., 0], p[..., 1]
        out = np.empty(p.shape, dtype=float)
        with np.errstate(all="ignore"):
            gx, gy = self.gradient_xy(x, y)
            # A constant component lambdifies to a 0-d scalar: assignment broadcasts it.
            out[..., 0] = gx
            out[..., 1] = gy
        return out

    def hessian(self, point: Any) -> np.ndarray:
        """2×2 Hessian at one point."""
        x, y = float(point[0]), float(point[1])
        with np.errstate(all="ignore"):
            return np.array([[float(h(x, y)) for h in row] for row in self._hessian])

    def grid(self, n: int = 200, window: tuple[tuple[float, float], tuple[float, float]] | None = None):
        """(xs, ys, Z) on an n×n grid over window (default: the domain); Z[i, j] = f(xs[j], ys[i])."""
        (x0, x1), (y0, y1) = window or self.domain
        xs = np.linspace(x0, x1, n)
        ys = np.linspace(y0, y1, n)
        gx, gy = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            z = np.broadcast_to(np.asarray(self._f(gx, gy), dtype=float), gx.shape).copy()
        return xs, ys, z

    def nearest_minimum_distance(self, points: np.ndarray) -> np.ndarray | None:
        """Distance from points (..., 2) to the nearest known minimum; None if none are known."""
        if not self.minima:
            return None
        m = np.asarray(self.minima, dtype=float)  # (M, 2)
        p = np.asarray(points, dtype=float)[..., None, :]  # (..., 1, 2)
        return np.sqrt(((p - m) ** 2).sum(-1)).min(-1)

    def curvature_bound(self) -> float | None:
        """Largest Hessian eigenvalue if f is quadratic (constant Hessian), else None.

        Used to explain divergence: gradient descent on a quadratic is stable
        only for lr < 2/L.
        """
        # A constant symbolic Hessian means f is quadratic (checked without expanding any polynomial).
        if any(entry.free_symbols for entry in self._hessian_expr):
            return None
        h = self.hessian((0.0, 0.0))
        if not np.isfinite(h).all():
            return None
        return float(np.linalg.eigvalsh(h).max())
