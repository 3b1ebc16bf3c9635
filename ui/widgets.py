"""Widgets generated from HyperParam declarations (optimizers, schedules) and surface parameters.

Every float is a select_slider over a grid that suits its kind — a log grid
for log-scale values (lr, eps), a grid that crowds towards 1 for decay rates
(β, ρ, α, momentum: 0.9 … 0.99 … 0.999 matter, 0.3 vs 0.31 does not), zero plus
a log grid for penalties (weight decay) — always including the default and the
current value, so any value from a link shows exactly and survives.  A
select_slider is fast to drag, shows the exact value, and keeps its identity
when its options change (Streamlit keys it by ``key`` alone), which a plain
slider with a changing range does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import streamlit as st

from look.fmt import num

from .text import _, fmt, lang

_ONE_MINUS = (
    0.0,
    0.1,
    0.2,
    0.3,
    0.4,
    0.5,
    0.6,
    0.7,
    0.8,
    0.85,
    0.9,
    0.93,
    0.95,
    0.97,
    0.98,
    0.99,
    0.995,
    0.998,
    0.999,
    0.9995,
    0.9999,
)
_MANTISSAS_10 = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0)
_MANTISSAS_3 = (1.0, 2.0, 5.0)


def log_grid(lo: float, hi: float) -> list[float]:
    decades = math.log10(hi / lo)
    mant = _MANTISSAS_10 if decades <= 9 else _MANTISSAS_3
    out = []
    for e in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for m in mant:
            v = float(f"{m}e{e}")
            if lo * (1 - 1e-9) <= v <= hi * (1 + 1e-9):
                out.append(v)
    return out


def _linear_grid(lo: float, hi: float, n: int = 40) -> list[float]:
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    k0, k1 = math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9)
    return [float(f"{k * step:.10g}") for k in range(k0, k1 + 1)]


def grid_for(lo: float, hi: float, *, log: bool = False, low_open: bool = False, rate: bool = False) -> list[float]:
    """Slider positions for a float parameter whose slider range is [lo, hi].

    rate: the parameter is a decay rate / fraction (valid range inside [0, 1]).
    """
    if log and lo > 0:
        return log_grid(lo, hi)
    if rate and lo >= 0 and 0.99 <= hi <= 1.0:
        g = [v for v in _ONE_MINUS if lo <= v <= hi]
        if hi == 1.0:
            g.append(1.0)
    elif lo == 0 and hi > 0:
        g = [0.0, *log_grid(hi * 0.0001, hi)]
    else:
        g = _linear_grid(lo, hi)
    if low_open:
        g = [v for v in g if v > lo]
    return g


def options_with(grid: list[float], *values: Any) -> list[float]:
    """The grid plus any extra values (the default, the current value), sorted, without duplicates."""
    out = list(grid)
    for v in values:
        if (
            isinstance(v, (int, float))
            and not isinstance(v, bool)
            and math.isfinite(v)
            and not any(math.isclose(v, g, rel_tol=1e-12, abs_tol=0.0) or v == g for g in out)
        ):
            out.append(float(v))
    return sorted(out)


def snap(value: float, options: list[float]) -> float:
    """The option equal (to rounding) to value; select_slider matches options exactly."""
    for o in options:
        if o == value or math.isclose(o, value, rel_tol=1e-12):
            return o
    return value


def slider_options(p, value: Any) -> list[float] | None:
    """The options of a float HyperParam's select_slider, the default and ``value`` among them; None when the
    parameter has no slider (bool, int, or no finite slider range). ui.scrub precomputes paths for exactly
    these options, in this order."""
    if p.kind != "float":
        return None
    lo, hi = p.slider_range()
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return None
    grid = grid_for(lo, hi, log=p.log, low_open=p.low_open, rate=p.low >= 0 and p.high <= 1)
    return options_with(grid, p.default, value)


def hyperparam_widget(
    p, key: str, *, on_change: Callable | None = None, args: tuple = (), label: str | None = None, container=st
) -> Any:
    """One widget for a HyperParam (optim_core.spec); its value lives in st.session_state[key]."""
    default = p.default
    if key not in st.session_state:
        st.session_state[key] = default
    label = label or (f"{p.name} ${p.symbol}$" if p.symbol else p.name)
    desc = _(p.description)
    help_text = fmt(
        "{meaning}. Valid: {range}; default {default}.",
        meaning=desc[:1].upper() + desc[1:],
        range=p.range_text(lang()),
        default=num(default),
    )
    if p.kind == "bool":
        st.session_state[key] = bool(st.session_state[key])
        return container.toggle(label, key=key, help=help_text, on_change=on_change, args=args)
    if p.kind == "int":
        v = st.session_state[key]
        st.session_state[key] = int(v) if isinstance(v, (int, float)) and math.isfinite(v) else int(default)
        lo = int(p.low) if math.isfinite(p.low) else None
        hi = int(p.high) if math.isfinite(p.high) else None
        return container.number_input(
            label, min_value=lo, max_value=hi, step=1, key=key, help=help_text, on_change=on_change, args=args
        )
    options = slider_options(p, st.session_state[key])
    if options is None:
        # unbounded with no slider range declared: a plain number box
        st.session_state[key] = float(st.session_state[key])
        return container.number_input(
            label,
            min_value=None if not math.isfinite(p.low) else float(p.low),
            max_value=None if not math.isfinite(p.high) else float(p.high),
            key=key,
            help=help_text,
            format="%g",
            on_change=on_change,
            args=args,
        )
    st.session_state[key] = snap(float(st.session_state[key]), options)
    return container.select_slider(
        label, options=options, format_func=num, key=key, help=help_text, on_change=on_change, args=args
    )


def float_select(
    label: str,
    key: str,
    grid: list[float],
    default: float,
    *,
    help: str | None = None,
    on_change: Callable | None = None,
    args: tuple = (),
    container=st,
    disabled: bool = False,
) -> float:
    if key not in st.session_state:
        st.session_state[key] = default
    options = options_with(grid, default, st.session_state[key])
    st.session_state[key] = snap(float(st.session_state[key]), options)
    return container.select_slider(
        label, options=options, format_func=num, key=key, help=help, on_change=on_change, args=args, disabled=disabled
    )


def surface_param_widget(p, key: str, *, on_change: Callable | None = None, container=st) -> float:
    """A built-in surface's parameter (surfaces.SurfaceParam)."""
    grid = log_grid(p.low, p.high) if p.log and p.low > 0 else _linear_grid(p.low, p.high)
    return float_select(
        p.name if p.name != "kappa" else "κ (kappa)",
        key,
        grid,
        p.default,
        help=fmt(
            "{meaning}. Range [{low}, {high}].",
            meaning=_(p.description)[:1].upper() + _(p.description)[1:],
            low=num(p.low),
            high=num(p.high),
        ),
        on_change=on_change,
        container=container,
    )


def nearest_option(p, value: float) -> float:
    """The value a HyperParam's slider offers nearest to `value` (in log space on a log slider): what a value
    computed elsewhere (an Explore cell) becomes when it is applied to the sidebar."""
    lo, hi = p.slider_range()
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return float(value)
    grid = grid_for(lo, hi, log=p.log, low_open=p.low_open, rate=p.low >= 0 and p.high <= 1)
    if not grid:
        return float(value)
    if p.log and value > 0:
        return min((g for g in grid if g > 0), key=lambda g: abs(math.log(g) - math.log(value)), default=float(value))
    return min(grid, key=lambda g: abs(g - value))
