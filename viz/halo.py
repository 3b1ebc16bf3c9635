"""Halos under the paths on screen, as the exported frames draw them.

A theme with ``screen_halo`` (high contrast, for projectors that wash colours out) outlines every path: the
exported frames draw a wider line in the theme's outline colour under each path, and on screen each path trace
gets a twin under it — the same points, wider, in that colour (``meta.role = "halo"``), animated by the same
frames.  Plotly has no line outline; a trace under the path is what draws one.

:func:`add_halos` works on a figure's plain trace and frame dicts (the builders call it before making the
Figure); :func:`with_halos` does the same to a finished Figure (e.g. the 1-D curve view).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from look import Look, rgb_to_hex

from .figure import Figure

HALO_ROLES = ("path",)


def halo_width(look: Look, core: float) -> float:
    """The halo's width around a path `core` px wide: the core plus the theme's outline on both sides (the
    exported frames' outline beyond the path, at the same presentation scale)."""
    return round(float(core) + 0.8 * look.theme.outline_extra * look.scale, 2)


def _halo_trace(trace: dict[str, Any], look: Look) -> dict[str, Any]:
    line = trace.get("line") or {}
    color = str(line.get("color") or "")
    # the exported frames' outline of a path in this colour (the theme's outline colour when it is a halo)
    outline = rgb_to_hex(look.theme.path_outline(color)) if color.startswith("#") else look.theme.outline
    meta = dict(trace.get("meta") or {})
    return {
        "type": trace.get("type", "scatter"),
        "mode": "lines",
        "x": trace.get("x"),
        "y": trace.get("y"),
        "line": {"color": outline, "width": halo_width(look, float(line.get("width") or 2.0))},
        "hoverinfo": "skip",
        "showlegend": False,
        "name": trace.get("name", ""),
        **({"legendgroup": trace["legendgroup"]} if "legendgroup" in trace else {}),
        "meta": {"role": "halo", **({"run": meta["run"]} if "run" in meta else {})},
    }


def add_halos(
    data: Sequence[dict[str, Any]], frames: Sequence[dict[str, Any]] | None, look: Look, roles=HALO_ROLES
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    """(data, frames) with a halo trace under every trace whose ``meta.role`` is in `roles`, when the theme
    asks for screen halos (else unchanged).  Frames that move a path move its halo too (same points)."""
    data = list(data)
    if not look.theme.screen_halo:
        return data, None if frames is None else list(frames)
    out: list[dict[str, Any]] = []
    new_index: dict[int, int] = {}
    halo_of: dict[int, int] = {}
    for i, trace in enumerate(data):
        if (trace.get("meta") or {}).get("role") in roles:
            halo_of[i] = len(out)
            out.append(_halo_trace(trace, look))
        new_index[i] = len(out)
        out.append(trace)
    if frames is None:
        return out, None
    new_frames = []
    for fr in frames:
        old = list(fr.get("traces") or [])
        fdata = list(fr.get("data") or [])
        traces, items = [], []
        for idx, td in zip(old, fdata):
            if idx in halo_of:
                traces.append(halo_of[idx])
                if "cut" in td:  # a lazy frame entry (viz.animation): the halo's own points, cut the same way
                    items.append({"type": td.get("type", "scatter"), "cut": td["cut"], "k": ["x", "y"]})
                else:
                    items.append({"type": td.get("type", "scatter"), "x": td.get("x"), "y": td.get("y")})
            traces.append(new_index[idx])
            items.append(td)
        new_frames.append({**fr, "traces": traces, "data": items})
    return out, new_frames


def with_halos(fig: Figure, look: Look, roles=HALO_ROLES) -> Figure:
    """A finished Figure with halos under its paths (the same figure when the theme has none)."""
    if not look.theme.screen_halo:
        return fig
    data, frames = add_halos([t.to_plotly_json() for t in fig.data], fig.raw_frames, look, roles)
    return Figure(data=data, layout=fig.layout, frames=frames or None)
