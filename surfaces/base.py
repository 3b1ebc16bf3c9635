"""A test surface or curve: a SymPy expression in x (and y) plus what a viewer needs to know.

A surface is declared (formula, domain, known minima, a good start) and compiled once: f and its
exact gradient are lambdified to NumPy and cached on the instance.  Everything vectorizes over arrays
of points with a trailing axis of size d, the dimension:

* d = 2: a surface f(x, y), domain ((x min, x max), (y min, y max)), minima and start (x, y);
* d = 1: a curve f(x), domain ((x min, x max),), minima and start (x,).

No symbolic second derivative is ever taken: the Hessian is a finite difference of the compiled
gradient (a symbolic Hessian of a 47-character formula once cost 10-18 s of CPU), and whether f is
quadratic is decided from the compiled gradient too (:meth:`Surface.curvature_bound`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from i18n import UserError

# Real symbols: with plain symbols the derivative of abs(x) contains re()/im() terms.
X, Y = sp.symbols("x y", real=True)
SYMBOLS: tuple[sp.Symbol, sp.Symbol] = (X, Y)
DIMS = (1, 2)

Domain = tuple[tuple[float, float], ...]
Point = tuple[float, ...]

# Hessian by central differences of the exact gradient with one Richardson extrapolation: the step is
# _FD_STEP·max(1, |x_i|), truncation error O(step⁴), rounding error ~1e-13·|∇f|.
_FD_STEP = 1e-3
# Points (in units of the domain's half-widths around its centre) where curvature_bound() checks that
# the gradient is affine, i.e. that f is quadratic.
_AFFINE_PROBES = {
    1: ((0.3,), (-0.55,), (0.8,), (-0.95,), (0.05,)),
    2: ((0.3, -0.7), (-0.55, 0.45), (0.8, 0.15), (-0.2, -0.9), (0.65, 0.95)),
}
_AFFINE_RTOL = 1e-9


class SurfaceError(UserError):
    """A surface that cannot be built or used as asked (wrong dimension, bad parameter): one line."""


@dataclass(frozen=True, eq=False)
class Surface:
    id: str  # "rosenbrock", or "custom" for a typed formula
    name: str  # "Rosenbrock"
    expr: sp.Expr  # f(x, y), or f(x) for a curve
    domain: Domain  # d (lo, hi) pairs for plots: ((xmin, xmax), (ymin, ymax)) or ((xmin, xmax),)
    minima: tuple[Point, ...] = ()  # known global/local minima (d-tuples), for markers and distances
    start: Point = ()  # a good default start (a d-tuple); empty: the origin
    description: str = ""
    latex: str = ""  # defaults to sympy.latex(expr)
    formula: str = ""  # the text a user would type for this surface
    params: dict[str, float] = field(default_factory=dict)  # e.g. {"kappa": 10} for the ill-conditioned quadratic
    log_color: bool = False  # plot colours on a log scale (Rosenbrock's valley, Beale)

    def __post_init__(self) -> None:
        d = len(self.domain)
        if d not in DIMS:
            raise SurfaceError("a surface has 1 or 2 coordinates, got a domain of {d}", d=d)
        if not self.start:
            object.__setattr__(self, "start", (0.0,) * d)
        if len(self.start) != d or any(len(m) != d for m in self.minima):
            raise SurfaceError("the start and the minima of a {d}-D surface have {d} coordinates", d=d)
        if d == 1 and Y in self.expr.free_symbols:
            raise SurfaceError("a 1-D curve is a formula in x alone; this one uses y")

    # --- dimension ------------------------------------------------------------
    @property
    def dim(self) -> int:
        """1 for a curve f(x), 2 for a surface f(x, y)."""
        return len(self.domain)

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        return SYMBOLS[: self.dim]

    # --- compiled callables -------------------------------------------------
    @functools.cached_property
    def _f(self) -> Callable[..., Any]:
        """f(x) or f(x, y) on arrays (a constant f comes back as a scalar)."""
        return sp.lambdify(self.symbols, self.expr, modules="numpy")

    @functools.cached_property
    def gradient_fn(self) -> Callable[..., list[Any]]:
        """(x[, y]) -> [df/dx[, df/dy]], one compiled function with common subexpressions shared
        (2.3x faster than separate functions on Beale). A constant component comes back as a scalar."""
        parts = [sp.diff(self.expr, s) for s in self.symbols]
        return sp.lambdify(self.symbols, parts, modules="numpy", cse=True)

    @property
    def gradient_xy(self) -> Callable[..., list[Any]]:
        """The compiled gradient of a 2-D surface (the name it had before curves existed)."""
        return self.gradient_fn

    @property
    def tex(self) -> str:
        return self.latex or sp.latex(self.expr)

    def _coords(self, points: Any) -> np.ndarray:
        p = np.asarray(points, dtype=float)
        if p.ndim == 0 or p.shape[-1] != self.dim:
            raise SurfaceError(
                "points on a {d}-D surface have {d} coordinates (a trailing axis of {d}), got shape {shape}",
                d=self.dim,
                shape=str(p.shape),
            )
        return p

    def value(self, points: Any) -> np.ndarray:
        """f at points shaped (..., d) -> (...)."""
        p = self._coords(points)
        rows = [p[..., i] for i in range(self.dim)]
        with np.errstate(all="ignore"):
            return np.broadcast_to(np.asarray(self._f(*rows), dtype=float), rows[0].shape)

    def gradient(self, points: Any) -> np.ndarray:
        """Exact gradient at points shaped (..., d) -> (..., d)."""
        p = self._coords(points)
        out = np.empty(p.shape, dtype=float)
        with np.errstate(all="ignore"):
            parts = self.gradient_fn(*[p[..., i] for i in range(self.dim)])
            for i, part in enumerate(parts):
                out[..., i] = part  # a constant component lambdifies to a 0-d scalar: assignment broadcasts it
        return out

    def hessian(self, point: Any) -> np.ndarray:
        """d×d Hessian at one point, by finite differences of the compiled gradient (never symbolic).

        Central differences with steps h and h/2 combined by Richardson extrapolation,
        h = 1e-3·max(1, |x_i|): ~1e-9 relative or better on the built-ins.  Where the gradient is not
        finite nearby (a kink, a pole) the entries are NaN or inf; no exception for any float input."""
        p = np.asarray(point, dtype=float).reshape(-1)
        d = self.dim
        if p.shape != (d,):
            raise SurfaceError("a point on a {d}-D surface has {d} coordinates, got {n}", d=d, n=p.size)
        h = _FD_STEP * np.maximum(1.0, np.abs(p))
        offsets = np.zeros((4 * d, d))
        for j in range(d):
            offsets[4 * j : 4 * j + 4, j] = (h[j], -h[j], h[j] / 2, -h[j] / 2)
        with np.errstate(all="ignore"):
            g = self.gradient(p[None, :] + offsets)
            cols = []
            for j in range(d):
                gp, gm, hp, hm = g[4 * j : 4 * j + 4]
                coarse = (gp - gm) / (2 * h[j])
                fine = (hp - hm) / h[j]
                cols.append((4 * fine - coarse) / 3)
            hess = np.stack(cols, axis=1)
            return 0.5 * (hess + hess.T)

    def grid(self, n: int = 200, window: Domain | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(xs, ys, Z) on an n×n grid over window (default: the domain); Z[i, j] = f(xs[j], ys[i]). 2-D only."""
        if self.dim != 2:
            raise SurfaceError("a 1-D curve has no 2-D grid: use curve()")
        (x0, x1), (y0, y1) = window or self.domain
        xs = np.linspace(x0, x1, n)
        ys = np.linspace(y0, y1, n)
        gx, gy = np.meshgrid(xs, ys)
        with np.errstate(all="ignore"):
            z = np.broadcast_to(np.asarray(self._f(gx, gy), dtype=float), gx.shape).copy()
        return xs, ys, z

    def curve(self, n: int = 400, window: Domain | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(xs, f(xs)) at n points over window (default: the domain). 1-D only."""
        if self.dim != 1:
            raise SurfaceError("a 2-D surface is drawn with grid(), not curve()")
        ((x0, x1),) = window or self.domain
        xs = np.linspace(x0, x1, n)
        return xs, self.value(xs[:, None]).copy()

    def nearest_minimum_distance(self, points: Any) -> np.ndarray | None:
        """Distance from points (..., d) to the nearest known minimum; None if none are known."""
        if not self.minima:
            return None
        m = np.asarray(self.minima, dtype=float)  # (M, d)
        p = np.asarray(points, dtype=float)[..., None, :]  # (..., 1, d)
        return np.sqrt(((p - m) ** 2).sum(-1)).min(-1)

    def curvature_bound(self) -> float | None:
        """Largest Hessian eigenvalue if f is quadratic (constant Hessian), else None.

        Used to explain divergence: gradient descent on a quadratic is stable only for lr < 2/L.
        Decided from the compiled gradient alone (no symbolic Hessian, no expansion)."""
        h = self._quadratic_hessian
        return None if h is None else float(np.linalg.eigvalsh(h).max())

    @functools.cached_property
    def _quadratic_hessian(self) -> np.ndarray | None:
        """The constant Hessian if the gradient is affine over the domain, else None.

        f is quadratic iff ∇f is affine.  Central differences of an affine gradient have no truncation
        error, so a step of half the domain gives the Hessian exactly (to rounding; exactly for the
        built-in quadratics, whose gradients are integer-valued at those points).  The gradient is then
        checked against g(c) + H (p − c) at fixed probe points spread over the domain."""
        d = self.dim
        lo = np.array([a for a, _ in self.domain], dtype=float)
        hi = np.array([b for _, b in self.domain], dtype=float)
        centre, half = (lo + hi) / 2, (hi - lo) / 2
        step = half / 2
        offsets = np.concatenate([np.diag(step), -np.diag(step)])  # (2d, d)
        probes = centre + np.asarray(_AFFINE_PROBES[d], dtype=float) * half
        with np.errstate(all="ignore"):
            g = self.gradient(np.concatenate([centre[None, :], centre + offsets, probes]))
            if not np.isfinite(g).all():
                return None
            g0, gp, gm, gq = g[0], g[1 : 1 + d], g[1 + d : 1 + 2 * d], g[1 + 2 * d :]
            hess = ((gp - gm) / (2 * step)[:, None]).T  # column j: d(∇f)/dx_j
            hess = 0.5 * (hess + hess.T)
            predicted = g0 + (probes - centre) @ hess.T
            scale = np.abs(gq) + np.abs(g0) + np.abs(hess).max() * np.abs(probes - centre).max() + 1e-300
            if not (np.abs(gq - predicted) <= _AFFINE_RTOL * scale).all():
                return None
        return hess


def as_point(values: Sequence[float] | np.ndarray | float, dim: int) -> Point:
    """A d-tuple of floats from a scalar (1-D only) or a sequence of d numbers, or SurfaceError."""
    arr = np.asarray(values, dtype=float).reshape(-1)
    if arr.shape != (dim,):
        raise SurfaceError("a point on a {d}-D surface has {d} coordinates, got {n}", d=dim, n=arr.size)
    return tuple(float(v) for v in arr)
