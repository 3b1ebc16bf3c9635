"""Test surfaces: built-in SymPy functions and safely parsed user formulas.

>>> from surfaces import get_surface
>>> s = get_surface("rosenbrock")          # a built-in
>>> s = get_surface("x^2 + 3*y^2")         # a formula (parsed by an AST whitelist, never eval)
>>> s.value(points), s.gradient(points)    # vectorized over (..., 2)
"""

from __future__ import annotations

from .base import Surface, X, Y
from .builtins import BUILTINS, BuiltinSurface, SurfaceParam, builtin_surface
from .formula import FormulaError, custom_surface, parse_formula


def get_surface(spec: str | Surface, **params: float) -> Surface:
    """A built-in by id, a Surface unchanged, or a formula parsed safely.

    Raises FormulaError (a ValueError with a one-line message) for a formula
    the parser rejects, and ValueError for a bad surface parameter.
    """
    if isinstance(spec, Surface):
        return spec
    if not isinstance(spec, str):
        raise FormulaError(f"a surface is a built-in name or a formula, got {type(spec).__name__}")
    key = spec.strip()
    if key in BUILTINS:
        return builtin_surface(key, tuple(sorted((k, float(v)) for k, v in params.items())))
    if params:
        raise ValueError(f"surface parameters {sorted(params)} only apply to built-in surfaces")
    return custom_surface(key)


__all__ = [
    "BUILTINS",
    "BuiltinSurface",
    "FormulaError",
    "Surface",
    "SurfaceParam",
    "X",
    "Y",
    "builtin_surface",
    "custom_surface",
    "get_surface",
    "parse_formula",
]
