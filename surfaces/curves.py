"""1-D curves f(x): the first pictures of gradient descent, and formulas typed in x alone.

A curve is a :class:`~surfaces.base.Surface` of dimension 1: its domain is one (lo, hi) pair, its
minima and start are 1-tuples, and the optimizers run on it exactly as on a surface, with
coordinate arrays of shape (1, B).

The built-in curves are declared as data, like the surfaces (surfaces/builtins.py); their minima are
found from the compiled derivative (sign changes of f', refined by bisection to machine precision),
so a curve with a parameter (xcos's frequency c) knows its minima for every c.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import sympy as sp

from .base import Point, Surface, SurfaceError, X
from .builtins import BuiltinSurface, SurfaceParam

DOMAIN = ((-5.0, 5.0),)
"""Plot window of a typed 1-D formula (the x range of a typed 2-D formula)."""
_GRID = 2001  # samples of f' when looking for minima
_BISECT = 80  # bisection steps, all brackets at once (most stop shrinking after ~55)
_MAX_BRACKETS = 64  # brackets refined at most (the lowest); a typed curve keeps its 8 lowest minima


def stationary_minima(s: Surface, window: tuple[float, float] | None = None) -> tuple[Point, ...]:
    """Interior local minima of a curve, lowest f first: brackets where f' goes from − to + between
    neighbouring samples (zeros and undefined samples skipped), all refined together by bisection until
    the brackets stop shrinking.  At most _MAX_BRACKETS brackets (those with the lowest f) are refined, so
    a wildly oscillating formula costs no more than a tame one."""
    lo, hi = window or s.domain[0]
    xs = np.linspace(lo, hi, _GRID)
    g = s.gradient(xs[:, None])[:, 0]
    keep = np.flatnonzero(np.isfinite(g) & (g != 0))
    if keep.size < 2:
        return ()
    left, right = keep[:-1], keep[1:]
    turn = (g[left] < 0) & (g[right] > 0)
    a, b = xs[left[turn]], xs[right[turn]]
    if a.size == 0:
        return ()
    if a.size > _MAX_BRACKETS:
        fa = s.value(a[:, None])
        order = np.argsort(np.where(np.isfinite(fa), fa, np.inf), kind="stable")[:_MAX_BRACKETS]
        a, b = a[order], b[order]
    active = np.ones(a.size, dtype=bool)
    for _ in range(_BISECT):
        m = 0.5 * (a + b)
        active &= (m != a) & (m != b)
        if not active.any():
            break
        gm = s.gradient(m[:, None])[:, 0]
        active &= np.isfinite(gm)
        a = np.where(active & (gm < 0), m, a)
        b = np.where(active & (gm > 0), m, b)
        hit = active & (gm == 0)
        a, b = np.where(hit, m, a), np.where(hit, m, b)
        active &= ~hit
    x = 0.5 * (a + b)
    fx = s.value(x[:, None])
    ok = np.isfinite(fx) & (x > lo) & (x < hi)
    found = sorted(zip(fx[ok].tolist(), x[ok].tolist()))
    return tuple((float(v) + 0.0,) for _, v in found)


def _curve(
    id: str,
    name: str,
    expr: sp.Expr,
    domain: tuple[float, float],
    start: float,
    description: str,
    formula: str,
    *,
    latex: str = "",
    params: dict[str, float] | None = None,
) -> Surface:
    probe = Surface(id=id, name=name, expr=expr, domain=(domain,), start=(start,), formula=formula)
    minima = stationary_minima(probe)
    s = Surface(
        id=id,
        name=name,
        expr=expr,
        domain=(domain,),
        minima=minima,
        start=(start,),
        description=description,
        latex=latex,
        formula=formula,
        params=dict(params or {}),
    )
    _reuse_compiled(probe, s)
    return s


def _reuse_compiled(probe: Surface, s: Surface) -> None:
    """Copy what the probe already compiled (cached_property values live in the instance __dict__)."""
    for key, value in probe.__dict__.items():
        if isinstance(getattr(Surface, key, None), functools.cached_property):
            s.__dict__[key] = value


# --------------------------------------------------------------------------- the built-in curves
def _parabola() -> Surface:
    return _curve(
        "parabola",
        "Parabola",
        X**2,
        (-2.5, 2.5),
        2.0,
        "f(x) = x², the first picture of gradient descent. L = 2: from x = 2, lr 0.01 crawls, 0.1 converges "
        "smoothly, 0.5 lands on the minimum in one step, 0.9 oscillates but converges, and lr > 1 = 2/L diverges.",
        "x^2",
    )


def _asymmetric_bowl() -> Surface:
    return _curve(
        "asymmetric_bowl",
        "Asymmetric bowl",
        sp.exp(X) - X - 1,
        (-4.0, 2.5),
        2.0,
        "eˣ − x − 1: steep on the right, almost a straight ramp on the left, one minimum at 0. A learning rate "
        "that is safe on one side is too large or too small on the other.",
        "exp(x) - x - 1",
    )


def _xcos(c: float = math.pi) -> Surface:
    sc = sp.pi if c == math.pi else sp.Float(c)
    period = math.pi / c  # the domain scales with the wavelength: [-1, 2] for c = π
    return _curve(
        "xcos",
        "x·cos(cx)",
        X * sp.cos(sc * X),
        (-period, 2 * period),
        -0.9 * period,
        "x·cos(cx), d2l's example of a local minimum: from the left, gradient descent settles in the shallow "
        "dip; momentum can carry it over the bump into the deeper, global minimum.",
        "x*cos(pi*x)" if c == math.pi else f"x*cos({c:g}*x)",
        latex=r"x\cos(\pi x)" if c == math.pi else rf"x\cos({c:g}\,x)",
        params={"c": float(c)},
    )


def _double_well() -> Surface:
    return _curve(
        "double_well",
        "Double well",
        (X**2 - 1) ** 2 + sp.Rational(3, 10) * X,
        (-2.0, 2.0),
        1.8,
        "(x² − 1)² + 0.3x: two minima of different depth. Which one a run reaches depends on the start, "
        "the learning rate and the momentum.",
        "(x^2 - 1)^2 + 0.3*x",
    )


CURVES: dict[str, BuiltinSurface] = {
    s.id: s
    for s in [
        BuiltinSurface("parabola", "Parabola", _parabola, dim=1),
        BuiltinSurface("asymmetric_bowl", "Asymmetric bowl", _asymmetric_bowl, dim=1),
        BuiltinSurface(
            "xcos",
            "x·cos(cx)",
            _xcos,
            (SurfaceParam("c", math.pi, 0.5, 10.0, "frequency of the cosine (the domain scales with π/c)"),),
            dim=1,
        ),
        BuiltinSurface("double_well", "Double well", _double_well, dim=1),
    ]
}
"""The built-in 1-D curves (ids fixed: the UI and the lessons use them)."""


# --------------------------------------------------------------------------- typed 1-D formulas
def custom_curve(text: str) -> Surface:
    """A 1-D curve for a formula typed in x alone (cached by its text), or FormulaError / SurfaceError.

    The formula goes through the same safe parser as a 2-D formula (surfaces.formula.parse_formula);
    domain [-5, 5]; minima from the compiled derivative; the start is chosen by _default_start."""
    from .formula import FormulaError

    try:
        return _custom_curve(str(text).strip())
    except (FormulaError, SurfaceError):
        raise
    except (RecursionError, MemoryError):
        raise SurfaceError("the formula is too complex to evaluate") from None
    except Exception as exc:
        raise SurfaceError("could not evaluate the formula ({kind}): simplify it", kind=type(exc).__name__) from None


@functools.lru_cache(maxsize=128)
def _custom_curve(src: str) -> Surface:
    from .formula import formula_surface

    # FormulaError for anything the parser rejects, SurfaceError for a formula using y; f and f' come from the
    # formula's own compiled tree (no SymPy differentiation or lambdify on user input).
    probe = formula_surface(src, DOMAIN)
    xs, fx = probe.curve(401)
    if not np.isfinite(fx).any():
        raise SurfaceError("f is not finite anywhere in the plot window [-5, 5] (undefined or overflowing)")
    _check_interval(fx, probe.gradient(xs[:, None])[:, 0])
    minima = stationary_minima(probe)[:8]
    start = _default_start(probe, xs, fx, minima)
    return dataclasses.replace(probe, minima=minima, start=(start,))


def _check_interval(fx: np.ndarray, g: np.ndarray) -> None:
    """The 2-D formula's checks (surfaces.formula._check_window) on a line: an optimizer needs an interval where
    f is defined (sqrt(-x**2) exists at x = 0 alone), a finite gradient there, and a gradient that is not 0."""
    from .formula import FormulaError

    finite = np.isfinite(fx)
    interval = finite[1:-1] & finite[:-2] & finite[2:]  # a sample whose two neighbours are finite too
    if not interval.any():
        raise FormulaError(
            "f is defined only at isolated points of the plot window {window} (at {count} of {total} sample "
            "points): an optimizer needs an interval to move in",
            window="[-5, 5]",
            count=int(finite.sum()),
            total=finite.size,
        )
    usable = finite & np.isfinite(g)
    if not usable.any():
        raise FormulaError(
            "the gradient of f is not finite anywhere in the plot window {window}: an optimizer cannot take a step",
            window="[-5, 5]",
        )
    if not np.any(g[usable]):
        raise FormulaError("f does not change in the plot window (its derivative is 0 everywhere): it must depend on x")


def _default_start(s: Surface, xs: np.ndarray, fx: np.ndarray, minima: tuple[Point, ...]) -> float:
    """Far from the nearest minimum, inside the inner 80 % of the window, where f and |f'| are finite and
    in the lowest three quarters of their values (out of the walls where default learning rates explode)."""
    g = np.abs(s.gradient(xs[:, None])[:, 0])
    ok = np.isfinite(fx) & np.isfinite(g)
    lo, hi = DOMAIN[0]
    inner = np.abs(xs - (lo + hi) / 2) <= 0.4 * (hi - lo) + 1e-9
    cand = ok & inner
    if cand.any():
        tame = cand & (fx <= np.quantile(fx[cand], 0.75)) & (g <= np.quantile(g[cand], 0.75))
        cand = tame if tame.any() else cand
    else:
        cand = ok
    ref = np.array([m[0] for m in minima]) if minima else np.array([xs[np.argmin(np.where(ok, fx, np.inf))]])
    dist = np.abs(xs[:, None] - ref[None, :]).min(axis=1)
    best = int(np.argmax(np.where(cand, dist, -np.inf)))
    return float(xs[best])
