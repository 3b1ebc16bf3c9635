"""The built-in test surfaces, declared as data.

Each entry is a factory so that a surface with a parameter (the condition
number of the ill-conditioned quadratic) is still one declaration.
Minima values are from the standard references (Surjanovic & Bingham's
Virtual Library of Simulation Experiments) and verified by tests to be
stationary points of the declared formula.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import sympy as sp

from .base import Surface, X, Y


@dataclass(frozen=True)
class SurfaceParam:
    name: str
    default: float
    low: float
    high: float
    description: str  # a teaching text (translated through the catalogue; see surfaces/i18n_texts.py)
    log: bool = False


@dataclass(frozen=True)
class BuiltinSurface:
    id: str
    name: str
    build: Callable[..., Surface]
    params: tuple[SurfaceParam, ...] = field(default_factory=tuple)
    dim: int = 2  # 2: a surface f(x, y); 1: a curve f(x) (surfaces/curves.py)
    finite_sum: bool = False  # the mean loss over a dataset (surfaces/datasets.py): mini-batches apply


def _quadratic() -> Surface:
    return Surface(
        id="quadratic",
        name="Quadratic bowl",
        expr=X**2 + Y**2,
        domain=((-3.0, 3.0), (-3.0, 3.0)),
        minima=((0.0, 0.0),),
        start=(-2.5, 2.0),
        description="Isotropic bowl: every method converges; the baseline.",
        formula="x^2 + y^2",
    )


def _ill_conditioned(kappa: float = 10.0) -> Surface:
    k = sp.Float(kappa) if not float(kappa).is_integer() else sp.Integer(int(kappa))
    return Surface(
        id="ill_conditioned",
        name=f"Ill-conditioned quadratic (κ={kappa:g})",
        expr=sp.Rational(1, 2) * (X**2 + k * Y**2),
        domain=((-5.0, 5.0), (-3.0, 3.0)),
        minima=((0.0, 0.0),),
        start=(-4.5, 2.0),
        description="Narrow valley with condition number κ: gradient descent zig-zags across it; momentum and adaptive methods do not.",
        latex=rf"\tfrac12\,(x^2 + {kappa:g}\,y^2)",
        formula=f"0.5*(x^2 + {kappa:g}*y^2)",
        params={"kappa": float(kappa)},
    )


def _rosenbrock(a: float = 1.0, b: float = 100.0) -> Surface:
    sa = sp.nsimplify(a)
    sb = sp.nsimplify(b)
    return Surface(
        id="rosenbrock",
        name="Rosenbrock",
        expr=(sa - X) ** 2 + sb * (Y - X**2) ** 2,
        domain=((-2.0, 2.0), (-1.0, 3.0)),
        minima=((float(a), float(a) ** 2),),
        start=(-1.2, 1.0),
        description="A long curved valley: easy to find, hard to follow to the minimum at (a, a²).",
        latex=rf"({a:g} - x)^2 + {b:g}\,(y - x^2)^2",
        formula=f"({a:g} - x)^2 + {b:g}*(y - x^2)^2",
        params={"a": float(a), "b": float(b)},
        log_color=True,
    )


def _saddle() -> Surface:
    return Surface(
        id="saddle",
        name="Saddle",
        expr=X**2 - Y**2,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        start=(-1.8, 0.001),
        description="x² − y²: a saddle at the origin. Starting almost on the ridge, plain gradient descent crawls; adaptive methods escape fast.",
        formula="x^2 - y^2",
    )


def _beale() -> Surface:
    return Surface(
        id="beale",
        name="Beale",
        expr=(sp.Rational(3, 2) - X + X * Y) ** 2
        + (sp.Rational(9, 4) - X + X * Y**2) ** 2
        + (sp.Rational(21, 8) - X + X * Y**3) ** 2,
        domain=((-4.5, 4.5), (-4.5, 4.5)),
        minima=((3.0, 0.5),),
        start=(1.0, 1.5),
        description="Flat plateaus and sharp ridges; the minimum at (3, 0.5) sits in a narrow curved basin.",
        formula="(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2",
        log_color=True,
    )


def _himmelblau() -> Surface:
    return Surface(
        id="himmelblau",
        name="Himmelblau",
        expr=(X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186), (3.584428, -1.848126)),
        start=(0.0, 0.0),
        description="Four equal minima: where you end up depends on where you start and how you move.",
        formula="(x^2 + y - 11)^2 + (x + y^2 - 7)^2",
        log_color=True,
    )


def _rastrigin() -> Surface:
    return Surface(
        id="rastrigin",
        name="Rastrigin",
        expr=20 + X**2 - 10 * sp.cos(2 * sp.pi * X) + Y**2 - 10 * sp.cos(2 * sp.pi * Y),
        domain=((-5.12, 5.12), (-5.12, 5.12)),
        minima=((0.0, 0.0),),
        start=(-3.3, 2.7),
        description="A bowl covered in regularly spaced local minima: local methods get trapped.",
        formula="20 + x^2 - 10*cos(2*pi*x) + y^2 - 10*cos(2*pi*y)",
    )


def _ackley() -> Surface:
    # The minimum is a kink: d/dx sqrt(r²) = x/sqrt(r²) is 0/0 at the origin. A 1e-300 floor under the root makes
    # the gradient there 0 (the natural subgradient) and changes f by ~1e-150, far below anything plotted.
    r = sp.sqrt(sp.Rational(1, 2) * (X**2 + Y**2) + sp.Float("1e-300"))
    return Surface(
        id="ackley",
        name="Ackley",
        expr=-20 * sp.exp(-sp.Rational(1, 5) * r)
        - sp.exp(sp.Rational(1, 2) * (sp.cos(2 * sp.pi * X) + sp.cos(2 * sp.pi * Y)))
        + sp.E
        + 20,
        domain=((-5.0, 5.0), (-5.0, 5.0)),
        minima=((0.0, 0.0),),
        start=(-3.5, 3.0),
        description="Nearly flat outside, many small dips, and one sharp funnel at the origin.",
        latex=r"-20\,e^{-0.2\sqrt{\frac{x^2+y^2}{2}}} - e^{\frac{\cos 2\pi x + \cos 2\pi y}{2}} + e + 20",
        formula="-20*exp(-0.2*sqrt(0.5*(x^2 + y^2))) - exp(0.5*(cos(2*pi*x) + cos(2*pi*y))) + E + 20",
    )


def _booth() -> Surface:
    return Surface(
        id="booth",
        name="Booth",
        expr=(X + 2 * Y - 7) ** 2 + (2 * X + Y - 5) ** 2,
        domain=((-10.0, 10.0), (-10.0, 10.0)),
        minima=((1.0, 3.0),),
        start=(-8.0, -6.0),
        description="A tilted, mildly ill-conditioned quadratic (Hessian eigenvalues 2 and 18).",
        formula="(x + 2*y - 7)^2 + (2*x + y - 5)^2",
    )


def _six_hump_camel() -> Surface:
    return Surface(
        id="six_hump_camel",
        name="Six-hump camel",
        expr=(4 - sp.Rational(21, 10) * X**2 + X**4 / 3) * X**2 + X * Y + (-4 + 4 * Y**2) * Y**2,
        domain=((-2.0, 2.0), (-1.2, 1.2)),
        minima=(
            (0.0898420131, -0.7126564030),
            (-0.0898420131, 0.7126564030),
            (-1.7036067, 0.7960836),
            (1.7036067, -0.7960836),
            (-1.6071047, -0.5686515),
            (1.6071047, 0.5686515),
        ),
        start=(-1.5, 1.0),
        description="Six local minima, two of them global: a good test of which basin an optimizer settles in.",
        formula="(4 - 2.1*x^2 + x^4/3)*x^2 + x*y + (-4 + 4*y^2)*y^2",
    )


def _monkey_saddle() -> Surface:
    return Surface(
        id="monkey_saddle",
        name="Monkey saddle",
        expr=X**3 - 3 * X * Y**2,
        domain=((-2.0, 2.0), (-2.0, 2.0)),
        minima=(),
        start=(0.8, 0.3),
        description="x³ − 3xy²: a flat degenerate saddle with three valleys; the gradient vanishes to second order.",
        formula="x^3 - 3*x*y^2",
    )


BUILTINS: dict[str, BuiltinSurface] = {
    s.id: s
    for s in [
        BuiltinSurface("quadratic", "Quadratic bowl", _quadratic),
        BuiltinSurface(
            "ill_conditioned",
            "Ill-conditioned quadratic",
            _ill_conditioned,
            (SurfaceParam("kappa", 10.0, 1.0, 1000.0, "condition number (ratio of curvatures)", log=True),),
        ),
        BuiltinSurface(
            "rosenbrock",
            "Rosenbrock",
            _rosenbrock,
            (
                SurfaceParam("a", 1.0, -2.0, 2.0, "minimum at (a, a²)"),
                SurfaceParam("b", 100.0, 1.0, 1000.0, "valley steepness", log=True),
            ),
        ),
        BuiltinSurface("saddle", "Saddle", _saddle),
        BuiltinSurface("beale", "Beale", _beale),
        BuiltinSurface("himmelblau", "Himmelblau", _himmelblau),
        BuiltinSurface("rastrigin", "Rastrigin", _rastrigin),
        BuiltinSurface("ackley", "Ackley", _ackley),
        BuiltinSurface("booth", "Booth", _booth),
        BuiltinSurface("six_hump_camel", "Six-hump camel", _six_hump_camel),
        BuiltinSurface("monkey_saddle", "Monkey saddle", _monkey_saddle),
    ]
}


"""The built-in 2-D surfaces, in the order the app lists them (the 1-D curves are in surfaces.curves.CURVES)."""
