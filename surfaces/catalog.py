"""Every built-in by id: the 2-D surfaces, the dataset losses and the 1-D curves, compiled once per parameter set.

Above builtins.py, curves.py and datasets.py (which build on builtins.py), so no module imports back up.
"""

from __future__ import annotations

import functools

from .base import Surface, SurfaceError
from .builtins import BUILTINS
from .curves import CURVES
from .datasets import DATASETS


@functools.lru_cache(maxsize=64)
def builtin_surface(surface_id: str, params: tuple[tuple[str, float], ...] = ()) -> Surface:
    """The compiled built-in surface or curve (cached, so lambdify runs once per surface and parameter set)."""
    entry = BUILTINS.get(surface_id) or DATASETS.get(surface_id) or CURVES.get(surface_id)
    if entry is None:
        raise SurfaceError("unknown built-in surface {id!r}", id=surface_id)
    allowed = {p.name: p for p in entry.params}
    kwargs = {}
    for name, value in params:
        if name not in allowed:
            names = ", ".join(allowed) or "none"
            raise SurfaceError(
                "surface {id} has no parameter {name!r} (parameters: {names})", id=surface_id, name=name, names=names
            )
        p = allowed[name]
        v = float(value)
        if not (p.low <= v <= p.high):
            raise SurfaceError(
                "{id} parameter {name} must be in [{low}, {high}], got {value}",
                id=surface_id,
                name=name,
                low=format(p.low, "g"),
                high=format(p.high, "g"),
                value=format(v, "g"),
            )
        kwargs[name] = v
    return entry.build(**kwargs)
