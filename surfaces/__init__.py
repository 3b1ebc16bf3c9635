"""Test surfaces and curves: built-in SymPy functions and safely parsed user formulas.

>>> from surfaces import get_surface
>>> s = get_surface("rosenbrock")          # a built-in surface f(x, y)
>>> s = get_surface("parabola")            # a built-in curve f(x) (s.dim == 1)
>>> s = get_surface("x^2 + 3*y^2")         # a formula (parsed by an AST whitelist, never eval)
>>> s = get_surface("x^2", dim=1)          # a formula in x alone as a 1-D curve
>>> s = get_surface("linreg")              # the mean loss of a model over a dataset (dataset_of(s))
>>> s.value(points), s.gradient(points)    # vectorized over (..., d)
"""

from __future__ import annotations

from .base import DIMS, SYMBOLS, Surface, SurfaceError, X, Y, as_point
from .builtins import BUILTINS, BuiltinSurface, SurfaceParam
from .catalog import builtin_surface
from .curves import CURVES, custom_curve
from .datasets import DATASETS, Dataset, FiniteSumSurface, dataset_of
from .formula import FormulaError, custom_surface, parse_formula

SURFACES: dict[str, BuiltinSurface] = {**BUILTINS, **DATASETS, **CURVES}
"""Every built-in: the 2-D surfaces (BUILTINS), the finite-sum surfaces over a dataset (DATASETS, 2-D), then the
1-D curves (CURVES); entry.dim and entry.finite_sum tell them apart."""


def get_surface(spec: str | Surface, *, dim: int | None = None, **params: float) -> Surface:
    """A built-in by id, a Surface unchanged, or a formula parsed safely.

    dim: None accepts any built-in and makes a formula a 2-D surface (today's default); 1 makes a
    formula in x alone a 1-D curve; with a built-in or a Surface it must match (SurfaceError otherwise).
    Raises FormulaError (a ValueError with a one-line message) for a formula the parser rejects, and
    SurfaceError for a bad surface parameter or dimension.
    """
    if dim is not None and dim not in DIMS:
        raise SurfaceError("a surface has 1 or 2 coordinates, got {d}", d=dim)
    if isinstance(spec, Surface):
        surface = spec
    elif not isinstance(spec, str):
        raise SurfaceError("a surface is a built-in name or a formula, got {kind}", kind=type(spec).__name__)
    elif spec.strip() in SURFACES:
        surface = builtin_surface(spec.strip(), tuple(sorted((k, float(v)) for k, v in params.items())))
    elif params:
        raise SurfaceError(
            "surface parameters ({names}) only apply to built-in surfaces", names=", ".join(sorted(params))
        )
    elif dim == 1:
        return custom_curve(spec)
    else:
        return custom_surface(spec.strip())
    if dim is not None and surface.dim != dim:
        raise SurfaceError(
            "{name} is {have}-D: its points have {have} coordinate(s), not {want}",
            name=surface.name,
            have=surface.dim,
            want=dim,
        )
    return surface


__all__ = [
    "BUILTINS",
    "CURVES",
    "DATASETS",
    "DIMS",
    "SURFACES",
    "SYMBOLS",
    "BuiltinSurface",
    "Dataset",
    "FiniteSumSurface",
    "FormulaError",
    "Surface",
    "SurfaceError",
    "SurfaceParam",
    "X",
    "Y",
    "as_point",
    "builtin_surface",
    "custom_curve",
    "custom_surface",
    "dataset_of",
    "get_surface",
    "parse_formula",
]
