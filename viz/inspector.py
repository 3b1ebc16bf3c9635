"""The step inspector's drawings: the overlay data the browser draws on the map, a close-up of one step, and
the effective learning rate over the steps.

**Overlay on the map** (``overlay_data``).  The vectors of *every* step (explain.step_vectors) travel once to
the page as float32 typed arrays; the playback bar (ui/player.js, its overlay part) redraws the arrows and
rectangles for the step it shows — while stepping, scrubbing and playing — with no server round trip.  The
browser chooses the drawn length, because only it knows the zoom:

- the arrows of one run at one step share a scale ``s`` (1, 2, 5 × 10ᵏ): 1 if the longest is between
  ``min_px`` and ``max_frac`` of the plot's smaller side, else the round scale that brings it inside; an arrow
  still shorter than ``solo_px`` at that scale gets its own round scale.  A scale other than 1 is written
  beside the arrow ("×40"), so a drawn arrow is always ``s ×`` the recorded vector;
- the effective learning rate is a rectangle centred on θ_{t−1} with sides ``k ×`` (η_eff along x, along y), k
  one round number per run for every step (so the rectangles shrink as the rate does, Adagrad's squares),
  chosen so the run's 90th-percentile rectangle spans ``rect_frac`` of the plot's smaller side; ``trail``
  fainter rectangles of earlier steps, evenly spread over steps 1 … t−1, stand on the path behind it.

Layout of the arrays: run r's ``points`` is (S+1, B, d) flattened (θ_0 … θ_S), each layer (S, B, d) flattened
(row t−1 = step t), and ``loss`` (S+1, B); NaN where nothing is drawn.  With the inspector on, the playback bar
has a position per step and builds the map's frame at a step when it shows it: ``points`` and ``loss`` give the
inspected run's path exactly up to that step (ui/player.js ``stepFrame``).  Size: 4 bytes × B × ((S+1)(d+1) +
S × d × layers), about 4/3 of that in base64 — see :func:`overlay_bytes`.

**Close-up** (``closeup_figure``): the current step magnified around θ_{t−1}, every vector to one true scale,
with the surface's level lines and the neighbouring path: what the arrows on the map say, at a size one can
point at.  **Effective learning rate** (``efflr_figure``): η_eff along each axis against the step (log scale),
with the step cursor the playback bar moves.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from explain import LAYERS, StepVectors
from look import DEFAULT, Look, rgba

from .figure import Figure, typed_array
from .style import axis, base_layout, font, safe

RULES = {
    "min_px": 70,  # a run's longest arrow shorter than this is scaled up (legible on a projector)
    "max_frac": 0.6,  # … longer than this fraction of the plot's smaller side, scaled down
    "solo_px": 16,  # an arrow shorter than this at the run's scale gets its own scale, to reach solo_to_px
    "solo_to_px": 34,
    "rect_frac": 0.16,  # the 90th-percentile effective-lr rectangle spans this fraction of the smaller side
    "trail": 8,  # faint rectangles of earlier steps along the path (the rate's history in one picture)
    "head_px": 9,  # arrowhead length
}
CURSOR = "step-cursor"
LAYER_BY_ID = {layer.id: layer for layer in LAYERS}


def _flat(a: np.ndarray) -> dict:
    return typed_array(np.ascontiguousarray(a, dtype=np.float64).ravel())


def overlay_data(
    items: Sequence[tuple[int, str, StepVectors]],
    *,
    layers: Sequence[str] | None = None,
    chart: str = "contour",
    cursors: Sequence[str] = (),
    look: Look = DEFAULT,
) -> dict[str, Any]:
    """The overlay of the runs in ``items`` ((run index, label, vectors)): what player.js draws on ``chart``.

    layers: the layer ids to draw (default all); a run draws the ones it has.  cursors: keys of further charts
    whose "step-cursor" shape follows the shown step (the effective-lr curve)."""
    _ = look.lang
    shown = [layer.id for layer in LAYERS] if layers is None else [lid for lid in layers if lid in LAYER_BY_ID]
    runs = []
    dims = set()
    for r, label, vec in items:
        dims.add(vec.dim)
        runs.append(
            {
                "run": int(r),
                "label": safe(label),
                "starts": vec.batch,
                "steps": vec.steps,
                "points": _flat(vec.points),
                "layers": {lid: _flat(arr) for lid, arr in vec.layers.items() if lid in shown},
                "symbols": {lid: sym for lid, sym in vec.symbols.items() if lid in shown},
                # on a curve the vectors lie along x at the height of f(θ_{t−1}); on a map f labels the end
                # marker of the map's frame at a step (ui/player.js stepFrame)
                **({"loss": _flat(vec.loss)} if vec.loss is not None else {}),
            }
        )
    return {
        "version": 1,
        "chart": chart,
        "dim": dims.pop() if len(dims) == 1 else 2,
        "runs": runs,
        "layers": [
            {
                "id": lid,
                "kind": LAYER_BY_ID[lid].kind,
                "color": look.theme.vector_color(lid),
                "name": _(LAYER_BY_ID[lid].name),
            }
            for lid in shown
        ],
        "rules": dict(RULES),
        "cursors": list(cursors),
        "font": look.font_family,
        "halo": rgba(look.theme.paper, 0.88),  # the outline under labels and arrows: the theme's paper, not white
    }


def overlay_bytes(data: dict[str, Any]) -> int:
    """Bytes of the overlay's typed arrays as sent (base64 text)."""
    total = 0
    for run in data["runs"]:
        total += len(run["points"]["bdata"]) + (len(run["loss"]["bdata"]) if "loss" in run else 0)
        total += sum(len(a["bdata"]) for a in run["layers"].values())
    return total


# ----------------------------------------------------------------------------------------------- the close-up
def closeup_figure(
    vec: StepVectors,
    t: int,
    b: int = 0,
    *,
    f: Callable[[np.ndarray], np.ndarray] | None = None,
    layers: Sequence[str] | None = None,
    color: str = "#0072B2",
    height: int = 300,
    look: Look = DEFAULT,
) -> Figure:
    """Step t of start b magnified around θ_{t−1}: each vector drawn to one true scale as an arrow (layout
    annotation named ``closeup:<layer>``: tail (ax, ay) = θ_{t−1}, head (x, y) = θ_{t−1} + vector), the level
    lines of f (``f`` maps (N, d) points to values) and the path around the step.  1-D: x against f(x), the
    vectors lie along x at the height of f(θ_{t−1})."""
    _ = look.lang
    th = look.theme
    shown = set(LAYER_BY_ID) if layers is None else set(layers)
    here = vec.at(t, b)
    origin = np.asarray(vec.origin[t - 1, b], dtype=float)
    arrows = {
        lid: np.asarray(v, dtype=float)
        for lid, v in here.items()
        if lid in shown and LAYER_BY_ID[lid].kind != "rect" and np.isfinite(v).all()
    }
    lengths = [float(np.linalg.norm(v)) for v in arrows.values()]
    reach = max([x for x in lengths if x > 0], default=0.0)
    if reach == 0:
        reach = max(1e-3, 1e-3 * float(np.abs(origin).max(initial=1.0)))
    half = 1.3 * reach
    dim = vec.dim
    lo = max(0, t - 1 - 12)
    hi = min(vec.steps, t - 1 + 12)
    path = vec.points[lo : hi + 1, b]
    data: list[dict] = []
    annotations: list[dict] = []
    x0, x1 = origin[0] - half, origin[0] + half
    if dim == 2:
        y0, y1 = origin[1] - half, origin[1] + half
        if f is not None:
            n = 61
            gx, gy = np.linspace(x0, x1, n), np.linspace(y0, y1, n)
            X, Y = np.meshgrid(gx, gy)
            with np.errstate(all="ignore"):
                Z = np.asarray(f(np.stack([X.ravel(), Y.ravel()], axis=-1)), dtype=float).reshape(n, n)
            if np.isfinite(Z).any():
                data.append(
                    {
                        "type": "contour",
                        "x": typed_array(gx),
                        "y": typed_array(gy),
                        "z": typed_array(np.where(np.isfinite(Z), Z, np.nan)),
                        "ncontours": 18,
                        "contours": {"coloring": "lines"},
                        "line": {"width": 1},
                        "colorscale": [[0, th.axis], [1, th.axis]],
                        "showscale": False,
                        "hoverinfo": "skip",
                        "meta": {"role": "levels"},
                    }
                )
        px, py = path[:, 0], path[:, 1]
        tail = (float(origin[0]), float(origin[1]))
    else:
        xs = np.linspace(x0, x1, 121)
        fy = np.asarray(f(xs[:, None]), dtype=float) if f is not None else np.zeros_like(xs)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed_array(xs),
                "y": typed_array(fy),
                "line": {"color": th.muted, "width": 1.5},
                "hoverinfo": "skip",
                "meta": {"role": "curve"},
            }
        )
        px = path[:, 0]
        py = np.asarray(f(path[:, :1]), dtype=float) if f is not None else np.zeros(len(px))
        f0 = float(np.asarray(f(origin[None, :1]), dtype=float)[0]) if f is not None else 0.0
        tail = (float(origin[0]), f0)
        finite_y = fy[np.isfinite(fy)]
        span = float(finite_y.max() - finite_y.min()) if finite_y.size else 1.0
        y0, y1 = (float(finite_y.min()) - 0.1 * span, float(finite_y.max()) + 0.1 * span) if span else (f0 - 1, f0 + 1)
    data.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "x": typed_array(px),
            "y": typed_array(py),
            "line": {"color": color, "width": 2},
            "marker": {"size": 5, "color": color},
            "hoverinfo": "skip",
            "meta": {"role": "path"},
        }
    )
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": [tail[0]],
            "y": [tail[1]],
            "marker": {"size": 9, "color": th.paper, "line": {"color": th.ink, "width": 2}},
            "hovertemplate": "θ<sub>t−1</sub> = (%{x:.4g}, %{y:.4g})<extra></extra>",
            "meta": {"role": "origin"},
        }
    )
    order = ["decay", "lookahead", "velocity", "gradient", "step"]
    for lid in order:
        if lid not in arrows:
            continue
        v = arrows[lid]
        layer = LAYER_BY_ID[lid]
        head = (tail[0] + float(v[0]), tail[1] + (float(v[1]) if dim == 2 else 0.0))
        sym = vec.symbols.get(lid, lid)
        annotations.append(
            {
                "name": f"closeup:{lid}",
                "x": head[0],
                "y": head[1],
                "ax": tail[0],
                "ay": tail[1],
                "xref": "x",
                "yref": "y",
                "axref": "x",
                "ayref": "y",
                "showarrow": True,
                "arrowhead": 0 if layer.kind == "point" else 2,
                "arrowsize": 1.1,
                "arrowwidth": 3.2 if lid == "step" else 2.2,
                "arrowcolor": th.vector_color(lid),
                "standoff": 0,
                "startstandoff": 0,
                "text": "",
            }
        )
        annotations.append(
            {
                "name": f"closeup-label:{lid}",
                "x": head[0],
                "y": head[1],
                "xref": "x",
                "yref": "y",
                "text": safe(sym),
                "showarrow": False,
                "xanchor": "left" if v[0] >= 0 else "right",
                "yanchor": "bottom",
                "font": font(look, 12, th.vector_color(lid)),
                "bgcolor": rgba(th.paper, 0.7),
            }
        )
    layout = base_layout(look, height=height, margin={"l": 44, "r": 8, "t": 8, "b": 30})
    ax = axis(look, mirror=True)
    layout.update(
        {
            "showlegend": False,
            "xaxis": {**ax, "range": [x0, x1]},
            "yaxis": {**ax, "range": [y0, y1], **({"scaleanchor": "x", "scaleratio": 1} if dim == 2 else {})},
            "annotations": annotations,
            "hovermode": "closest",
            "dragmode": False,
            "meta": {"step": int(t), "start": int(b), "reach": reach},
        }
    )
    return Figure(data=data, layout=layout)


# ----------------------------------------------------------------------------------- effective lr over steps
def efflr_figure(eff: np.ndarray, step: int, *, height: int = 170, look: Look = DEFAULT) -> Figure:
    """η_eff per axis (eff: (S, d)) against the step, log y, with the step cursor at ``step``."""
    _ = look.lang
    th = look.theme
    steps = np.arange(1, eff.shape[0] + 1, dtype=float)
    names = ("x", "y")
    dashes = ("solid", "dot")
    data = []
    for k in range(eff.shape[1]):
        y = np.where(np.isfinite(eff[:, k]) & (eff[:, k] > 0), eff[:, k], np.nan)
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": typed_array(steps),
                "y": typed_array(y),
                "name": _.fmt("along {axis}", axis=names[k]),
                "line": {"color": th.vector_color("eff_lr"), "width": 2, "dash": dashes[k]},
                "hovertemplate": _("step") + " %{x}: η<sub>eff</sub> = %{y:.4g}<extra>" + names[k] + "</extra>",
                "meta": {"role": "eff_lr", "axis": names[k]},
            }
        )
    layout = base_layout(look, height=height, margin={"l": 48, "r": 8, "t": 26, "b": 30})
    layout.update(
        {
            "xaxis": {**axis(look), "title": {"text": _("step"), "font": font(look, 11)}},
            "yaxis": {**axis(look, grid=True), "type": "log", "exponentformat": "power"},
            "legend": {
                "orientation": "h",
                "x": 1.0,
                "xanchor": "right",
                "y": 1.0,
                "yanchor": "bottom",
                "font": font(look, 11),
            },
            "title": {
                "text": _("effective learning rate |Δθ|/|g|"),
                "font": font(look, 12, th.muted),
                "x": 0.0,
                "y": 0.98,
            },
            "shapes": [
                {
                    "type": "line",
                    "name": CURSOR,
                    "xref": "x",
                    "yref": "paper",
                    "x0": step,
                    "x1": step,
                    "y0": 0,
                    "y1": 1,
                    "line": {"color": rgba(th.ink, 0.55), "width": 1.5, "dash": "dot"},
                    "layer": "above",
                }
            ],
        }
    )
    return Figure(data=data, layout=layout)


def nice_scale(ratio: float) -> float:
    """The round number (1, 2, 5 × 10ᵏ) nearest above ``ratio`` (ratio > 0): the scale that makes a drawn
    arrow at least as long as asked (the rule player.js applies; here for tests and other front ends)."""
    if not (ratio > 0 and math.isfinite(ratio)):
        return 1.0
    k = math.floor(math.log10(ratio))
    for m in (1.0, 2.0, 5.0, 10.0):
        if m * 10.0**k >= ratio * (1 - 1e-12):
            return m * 10.0**k
    return 10.0 ** (k + 1)
