"""Figures for the Explore tab: sweep heatmaps, basin maps, noise ensembles (pure: data → plotly Figure).

They share the main view's look (viz.style: the theme's template, fonts, axes, hover labels and mode bar, the
presentation scale, the language): metric heatmaps use the theme's sequential scale (Viridis, colour-blind
safe), basins its categorical colours (Okabe–Ito), and a surface under a path is the very picture the contour
map shows (look's surface picture as a layout image, the same value scale and 16 bands).  Every colour is
explicit, so a figure exports correctly from a Streamlit process too (Streamlit's own template uses
placeholder colours).

Click-to-select: Plotly heatmaps do not report clicked points to Streamlit
(``st.plotly_chart(on_select="rerun")`` returns an empty selection for a heatmap click: measured in
Chromium).  The sweep heatmap therefore carries an invisible, selectable scatter of the cell centres
(trace name CELLS_TRACE); a click returns ``{"curve_number", "point_index", "x", "y", "customdata"}``
for it, and :func:`selected_cell` turns that selection into (i, j).
"""

from __future__ import annotations

import base64
import functools
import io
import math
import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.colors
import plotly.graph_objects as go
from PIL import Image
from plotly.subplots import make_subplots

from look import DEFAULT, Look, blend, hex_to_rgb, rgb_to_hex, rgba, surface_view
from optim_core import OPTIMIZERS
from optim_core.explore import (
    DIVERGED,
    METRICS,
    NOT_CONVERGED,
    BasinResult,
    EnsembleResult,
    StabilityBoundary,
    SweepResult,
)

from .contour import layout_image, surface_image
from .figure import Figure, typed_array
from .halo import halo_width
from .style import axis, base_layout, colorbar, font, safe


def _unchecked(cls: Any) -> Any:
    """A trace class whose instances skip plotly.py's validation (our own data; see viz.figure)."""

    def make(**kwargs: Any) -> Any:
        return cls(_validate=False, **kwargs)

    return make


_Scatter, _Heatmap = _unchecked(go.Scatter), _unchecked(go.Heatmap)

CELLS_TRACE = "cells"
"""Name of the invisible selectable cell-centre trace of the sweep heatmap."""

_FLOOR = 1e-16
CONTOUR_GRID = 140  # grid points per axis of the surface picture under an Explore path


def _mix(look: Look, t: float) -> str:
    """A neutral between the paper (t = 0) and the ink (t = 1) of the theme."""
    return rgb_to_hex(blend(hex_to_rgb(look.theme.paper), hex_to_rgb(look.theme.ink), t))


def _highlight(look: Look) -> str:
    """The colour of the one path / selected cell the figure is about (the theme's second run colour)."""
    return look.theme.run_color(1)


# ============================================================================ helpers
def _edges(values: np.ndarray, log: bool) -> np.ndarray:
    """Cell edges around sorted centres: midpoints (geometric midpoints on a log axis)."""
    v = np.asarray(values, dtype=float)
    if v.size == 1:
        return np.array([v[0] / 1.5, v[0] * 1.5]) if log and v[0] > 0 else np.array([v[0] - 0.5, v[0] + 0.5])
    if log:
        lv = np.log10(v)
        mid = (lv[1:] + lv[:-1]) / 2
        e = np.concatenate([[lv[0] - (mid[0] - lv[0])], mid, [lv[-1] + (lv[-1] - mid[-1])]])
        return 10.0**e
    mid = (v[1:] + v[:-1]) / 2
    return np.concatenate([[v[0] - (mid[0] - v[0])], mid, [v[-1] + (v[-1] - mid[-1])]])


def _axis(look: Look, title: str, edges: np.ndarray, log: bool) -> dict[str, Any]:
    rng = [math.log10(edges[0]), math.log10(edges[-1])] if log else [float(edges[0]), float(edges[-1])]
    return axis(
        look,
        title={"text": title, "font": font(look)},
        type="log" if log else "linear",
        range=rng,
        exponentformat="power" if log else "none",
    )


_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "eta": "η",
    "lambda": "λ",
    "mu": "μ",
    "rho": "ρ",
    "tau": "τ",
    "psi": "ψ",
    "sigma": "σ",
    "theta": "θ",
}
_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _symbol(tex: str) -> str:
    """r"\beta_1" → "β₁": the spec's LaTeX symbol as plain Unicode for axis titles."""
    out = tex.strip().lstrip("\\")
    base, _, sub = out.partition("_")
    base = _GREEK.get(base, base)
    sub = sub.strip("{}")
    return base + (sub.translate(_SUB) if sub.isdigit() else (f"_{sub}" if sub else ""))


def _param_label(optimizer: str, name: str) -> str:
    spec = OPTIMIZERS[optimizer]
    for p in spec.hyperparams:
        if p.name == name:
            return f"{p.name} ({_symbol(p.symbol)})" if p.symbol else p.name
    return name


def _log_ticks(z: np.ndarray) -> dict[str, Any]:
    finite = z[np.isfinite(z)]
    if finite.size == 0:
        return {}
    lo, hi = math.floor(finite.min()), math.ceil(finite.max())
    step = max(1, int(math.ceil((hi - lo + 1) / 8)))
    vals = list(range(lo, hi + 1, step))
    return dict(tickvals=vals, ticktext=[f"1e{v}" for v in vals])


def _legend_square(look: Look, name: str, color: str, group: str | None = None, show: bool = True) -> go.Scatter:
    return _Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        legendgroup=group or name,
        showlegend=show,
        marker=dict(symbol="square", size=look.marker(12), color=color, line=dict(color=_mix(look, 0.6), width=1)),
        hoverinfo="skip",
    )


def _layer(
    mask: np.ndarray, xe: np.ndarray, ye: np.ndarray, color: str, name: str, xaxis: str = "x", yaxis: str = "y"
) -> go.Heatmap:
    z = np.where(mask, 1.0, np.nan)
    return _Heatmap(
        z=typed_array(z),
        x=xe,
        y=ye,
        zmin=0,
        zmax=1,
        colorscale=[[0, color], [1, color]],
        showscale=False,
        hoverinfo="skip",
        name=name,
        xaxis=xaxis,
        yaxis=yaxis,
    )


def metric_layer(res: SweepResult, metric: str, look: Look = DEFAULT) -> tuple[np.ndarray, str, bool]:
    """(z for colouring, colour-bar title, log-coloured?) for a sweep metric."""
    _ = look.lang
    if metric == "loss":
        ok = ~res.diverged & np.isfinite(res.final_loss)
        if res.f_star is not None:
            floor, title = res.f_star, _("final f − f*")
        else:
            floor = float(res.final_loss[ok].min()) if ok.any() else 0.0
            title = _("final f − min")
        with np.errstate(all="ignore"):
            z = np.log10(np.maximum(res.final_loss - floor, _FLOOR))
        return z, title, True
    if metric == "steps":
        z = np.where(res.steps_to_tol >= 0, res.steps_to_tol, np.nan).astype(float)
        return z, _.fmt("steps to f − f* ≤ {tol}", tol=format(res.tol, "g")), False
    if metric == "distance":
        with np.errstate(all="ignore"):
            z = np.log10(np.maximum(res.distance, _FLOOR))
        return z, _("distance to nearest minimum"), True
    raise ValueError(f"unknown metric {metric!r}; choose one of: {', '.join(METRICS)}")


MAP_PIXELS = 768
"""The metric map's picture has at least this many pixels on its longer side (each cell a whole block of pixels,
so cells stay sharp where the browser stretches the picture)."""


@functools.cache
def _scale_lut(name: str) -> np.ndarray:
    """(256, 3) uint8: a Plotly colour scale by name, linear between its stops (as plotly.js interpolates)."""
    stops = plotly.colors.get_colorscale(name)
    pos = np.array([float(p) for p, _ in stops])
    rgb = np.array([_rgb(c) for _, c in stops], dtype=float)
    t = np.linspace(0.0, 1.0, 256)
    return np.rint(np.stack([np.interp(t, pos, rgb[:, k]) for k in range(3)], axis=-1)).astype(np.uint8)


def _rgb(color: str) -> tuple[int, int, int]:
    if color.startswith("#"):
        return hex_to_rgb(color)
    r, g, b = (int(round(float(v))) for v in color[color.index("(") + 1 : color.index(")")].split(",")[:3])
    return r, g, b


def _even(edges: np.ndarray, log: bool) -> bool:
    """Cells of equal width on the axis (in log10 on a log axis): a picture can show them."""
    e = np.log10(edges) if log else np.asarray(edges, dtype=float)
    w = np.diff(e)
    return bool(np.all(np.isfinite(w)) and (w > 0).all() and np.allclose(w, w.mean(), rtol=1e-6, atol=0.0))


def metric_picture(
    z: np.ndarray,
    zmin: float,
    zmax: float,
    scale: str,
    masks: Sequence[tuple[np.ndarray, str]],
    xe: np.ndarray,
    ye: np.ndarray,
    x_log: bool,
    y_log: bool,
) -> dict[str, Any]:
    """The metric map as one layout image: z (ny, nx) coloured on the scale between zmin and zmax, the cells of each
    mask in its colour (diverged, never within tolerance), row 0 at the bottom; placed over the cell edges (log10
    coordinates on a log axis, as Plotly places images there).

    One picture instead of a heatmap trace: plotly.js draws a 256² heatmap on a log axis cell by cell (0.2–1 s in
    Chromium on the 2-core box, at every redraw, a cell click included); a picture is drawn at once."""
    ny, nx = z.shape
    span = zmax - zmin
    with np.errstate(all="ignore"):
        t = (z - zmin) / span if span > 0 else np.full(z.shape, 0.5)
    idx = np.rint(np.clip(np.nan_to_num(t, nan=0.0), 0.0, 1.0) * 255).astype(np.intp)
    rgb = _scale_lut(scale)[idx]
    for mask, color in masks:
        rgb[mask] = hex_to_rgb(color)
    img = Image.fromarray(np.ascontiguousarray(rgb[::-1]), mode="RGB").quantize(
        colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
    )
    k = max(1, -(-MAP_PIXELS // max(nx, ny)))
    if k > 1:
        img = img.resize((nx * k, ny * k), Image.Resampling.NEAREST)
    buf = io.BytesIO()
    img.save(buf, format="PNG", optimize=False, compress_level=6)
    fx = np.log10 if x_log else float
    fy = np.log10 if y_log else float
    x0, x1, y0, y1 = float(fx(xe[0])), float(fx(xe[-1])), float(fy(ye[0])), float(fy(ye[-1]))
    source = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")
    return layout_image(source, x0, x1, y0, y1, "metric")


# ============================================================================ sweep heatmap
def sweep_heatmap(
    res: SweepResult,
    metric: str = "loss",
    *,
    boundary: StabilityBoundary | None = None,
    selected: tuple[int, int] | None = None,
    title: str | None = None,
    height: int = 520,
    look: Look = DEFAULT,
) -> go.Figure:
    """Heatmap of a sweep metric; diverged cells grey; the theory boundary as a line; the selected cell boxed.

    Axes carry the real hyperparameter values (log axes where the spec says log; cell edges are geometric
    midpoints there, so cells are even).  Hover shows the exact values and metrics of a cell.
    """
    _ = look.lang
    th = look.theme
    xv, yv = res.x_values, res.y_values
    xe, ye = _edges(xv, res.x_log), _edges(yv, res.y_log)
    z, ctitle, logc = metric_layer(res, metric, look)
    div = res.diverged
    z = np.where(div, np.nan, z)
    cbar = colorbar(look, ctitle, len=0.9)
    cbar["title"]["side"] = "right"
    if logc:
        cbar.update(_log_ticks(z))
    # The figure is built in one go (Figure(data, layout)): adding traces one by one and then updating the layout
    # makes plotly.py walk every property again (a 256² map: 0.3–0.75 s of the server's time per redraw).
    # Cell arrays travel as float32 typed arrays (half of float64; values shown to 6 digits).
    never = (~div) & np.isnan(z)
    finite = z[np.isfinite(z)]
    zmin, zmax = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    images: list[dict[str, Any]] = []
    diverged_name = _("diverged")
    if res.f_star is None:
        never_name = _("no known minimum")
    elif metric == "steps":
        never_name = _("never within tolerance")
    else:
        never_name = _("not defined")
    if _even(xe, res.x_log) and _even(ye, res.y_log):
        # the map as a picture; an invisible two-cell heatmap on the same scale carries the colour bar
        images.append(
            metric_picture(
                z, zmin, zmax, th.metric_scale, [(div, th.metric_missing), (never, th.paper)], xe, ye, res.x_log,
                res.y_log,
            )
        )  # fmt: skip
        traces: list[Any] = [
            _Heatmap(
                z=[[zmin, zmax]],
                x=[xe[0], xe[-1]],
                y=[ye[0]],
                zmin=zmin,
                zmax=zmax,
                opacity=0,
                colorscale=th.metric_scale,
                colorbar=cbar,
                hoverinfo="skip",
                name=_(METRICS[metric]),
            )
        ]
    else:  # cells of uneven widths (values given one by one): Plotly's heatmap places them
        traces = [
            _Heatmap(
                z=typed_array(z),
                x=xe,
                y=ye,
                zmin=zmin,
                zmax=zmax,
                colorscale=th.metric_scale,
                colorbar=cbar,
                hoverinfo="skip",
                name=_(METRICS[metric]),
                zsmooth=False,
            )
        ]
        if div.any():
            traces.append(_layer(div, xe, ye, th.metric_missing, diverged_name))
        if never.any():
            traces.append(_layer(never, xe, ye, th.paper, never_name))

    # Invisible selectable overlay: one point per cell centre, carrying the hover values and (i, j) in customdata.
    # One trace per status (reached tolerance / never / diverged), each with its own fixed hover text, so no
    # per-cell text travels (a 256² map: 65 536 strings, ~2 MB of the payload).
    ny, nx = res.shape
    gx, gy = np.meshgrid(xv, yv)
    ii, jj = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    dist = np.where(np.isfinite(res.distance), res.distance, -1.0)
    with np.errstate(over="ignore"):  # float32 halves the payload; a huge loss shows as inf in the hover
        custom = np.column_stack(
            [ii.ravel(), jj.ravel(), res.final_loss.ravel(), res.steps_to_tol.ravel(), dist.ravel()]
        ).astype(np.float32)
    custom[div.ravel(), 3] = res.diverged_at[div]  # a diverged cell's steps column holds its divergence step
    xl, yl = _param_label(res.optimizer, res.x_param), _param_label(res.optimizer, res.y_param)
    hover = (
        f"{res.x_param} = %{{x:.6g}}<br>{res.y_param} = %{{y:.6g}}<br>"
        + _("final loss")
        + " = %{customdata[2]:.6g}<br>"
        + _("steps to tol")
        + " = %{steps}<br>"
        + _("distance")
        + " = %{customdata[4]:.4g}%{status}<extra></extra>"
    )
    groups = (
        (~div & (res.steps_to_tol >= 0), "%{customdata[3]}", ""),
        (~div & (res.steps_to_tol < 0), "-1", "<br>" + _("never within tolerance")),
        (div, "-1", "<br><b>" + _.fmt("diverged at step {step}", step="%{customdata[3]}") + "</b>"),
    )
    flat_x, flat_y = gx.ravel(), gy.ravel()
    for mask, steps_text, status in groups:
        k = np.flatnonzero(mask.ravel())
        if k.size == 0:
            continue
        # invisible: Plotly answers hover and click from its data, so one drawn point (maxdisplayed) is enough and
        # the browser skips styling nx·ny SVG points (a 256² grid stays one SVG scatter, no WebGL context).
        # mode "text" with no text, not "markers": plotly.js counts every marker within 3 px of the pointer as
        # equally close and takes the last of them (at 256², 1.6 px per row: a click landed two rows off); without
        # markers that radius is 0.5 px, so the point nearest the pointer wins, the cell drawn under it.
        traces.append(
            _Scatter(
                x=typed_array(flat_x[k]),
                y=typed_array(flat_y[k]),
                mode="text",
                name=CELLS_TRACE,
                showlegend=False,
                marker=dict(opacity=0, color=th.ink, maxdisplayed=1),
                selected=dict(marker=dict(opacity=0)),
                unselected=dict(marker=dict(opacity=0)),
                customdata=typed_array(custom[k]),
                hovertemplate=hover.replace("%{steps}", steps_text).replace("%{status}", status),
            )
        )

    if boundary is not None:
        first = True
        for bx, by in boundary.curves:
            # A paper-coloured dash on an ink line: visible on every colour of the map (and solid in the legend).
            traces.append(
                _Scatter(
                    x=bx,
                    y=by,
                    mode="lines",
                    line=dict(color=th.ink if th.name != "dark" else "#000000", width=look.line(5)),
                    name=_("stability boundary (theory)"),
                    legendgroup="boundary",
                    showlegend=first,
                    hoverinfo="skip",
                )
            )
            traces.append(
                _Scatter(
                    x=bx,
                    y=by,
                    mode="lines",
                    line=dict(color="#FFFFFF", width=look.line(2.5), dash="dash"),
                    showlegend=False,
                    legendgroup="boundary",
                    hoverinfo="skip",
                )
            )
            first = False
    if div.any():
        traces.append(_legend_square(look, diverged_name, th.metric_missing))
    if never.any():
        traces.append(_legend_square(look, never_name, th.paper))
    if selected is not None:
        i, j = selected
        traces.append(
            _Scatter(
                x=[xv[j]],
                y=[yv[i]],
                mode="markers",
                name=_("selected"),
                marker=dict(
                    symbol="square-open",
                    size=max(12, min(30, int(460 / max(nx, ny)))),
                    color=_highlight(look),
                    line=dict(width=look.line(3)),
                ),
                hoverinfo="skip",
            )
        )
    layout = base_layout(look, height=height)
    layout.update(
        margin=dict(l=int(60 * look.scale), r=20, t=int((50 if title else 20) * look.scale), b=int(60 * look.scale)),
        title=dict(text=safe(title), font=font(look, 15)) if title else None,
        xaxis=_axis(look, xl, xe, res.x_log),
        yaxis=_axis(look, yl, ye, res.y_log),
        hovermode="closest",
        hoverdistance=-1,
        clickmode="event+select",
        dragmode="pan",
        legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0, font=font(look)),
        images=images,
    )
    return Figure(data=traces, layout=layout)


def selected_cell(res: SweepResult, selection: Any) -> tuple[int, int] | None:
    """(i, j) of the cell a Streamlit plotly selection points at, or None.

    Accepts the object st.plotly_chart(on_select="rerun") returns (or its "selection" dict).  Reads the
    customdata (i, j) of the cell overlay (Streamlit delivers it as {"0": i, "1": j}); falls back to the
    nearest cell centre to the clicked x, y.
    """
    if selection is None:
        return None
    sel = (
        selection.get("selection", selection)
        if isinstance(selection, Mapping)
        else getattr(selection, "selection", None)
    )
    if sel is None:
        return None
    points = sel.get("points", []) if isinstance(sel, Mapping) else getattr(sel, "points", [])
    ny, nx = res.shape
    for p in points or []:
        cd = p.get("customdata") if isinstance(p, Mapping) else None
        if isinstance(cd, Mapping):
            cd = [cd.get(str(k), cd.get(k)) for k in range(len(cd))]
        if isinstance(cd, (list, tuple)) and len(cd) >= 2:
            try:
                i, j = int(cd[0]), int(cd[1])
            except (TypeError, ValueError):
                i = j = -1
            if 0 <= i < ny and 0 <= j < nx:
                return i, j
        x, y = (p.get("x"), p.get("y")) if isinstance(p, Mapping) else (None, None)
        if isinstance(x, (int, float)) and isinstance(y, (int, float)):

            def near(vals, v, log):
                if log and v > 0:
                    return int(np.argmin(np.abs(np.log(vals) - math.log(v))))
                return int(np.argmin(np.abs(vals - v)))

            return near(res.y_values, float(y), res.y_log), near(res.x_values, float(x), res.x_log)
    return None


# ============================================================================ surfaces under paths
_PICTURES: dict[tuple, dict[str, Any]] = {}  # the surface's picture per (surface, window, theme): a click on a
# sweep cell redraws the cell's path, not the picture (rendering it was ~0.1–0.3 s of every click)
_PICTURES_MAX = 16
_PICTURES_LOCK = threading.Lock()  # Streamlit serves sessions from threads


def _surface_picture(surface, window, look: Look) -> tuple[dict[str, Any], tuple]:
    win = tuple(tuple(float(v) for v in w) for w in (window or surface.domain))
    key = (surface.id, str(surface.expr), tuple(sorted(surface.params.items())), win, look.theme.name, look.scale)
    with _PICTURES_LOCK:
        hit = _PICTURES.get(key)
    if hit is None:
        sv = surface_view(surface, window, CONTOUR_GRID, background=False)
        hit = {"image": surface_image(sv, look), "window": sv.window}
        with _PICTURES_LOCK:
            while len(_PICTURES) >= _PICTURES_MAX:
                _PICTURES.pop(next(iter(_PICTURES)))
            _PICTURES[key] = hit
    return dict(hit["image"]), hit["window"]


def _surface_layout(surface, window, look: Look) -> dict[str, Any]:
    """Axes at equal scale over the window, and the surface's picture under them (the main map's picture)."""
    image, sv_window = _surface_picture(surface, window, look)
    (x0, x1), (y0, y1) = sv_window
    return dict(
        xaxis=axis(look, range=[x0, x1], title={"text": "x", "font": font(look)}, constrain="domain", mirror=True),
        yaxis=axis(
            look,
            range=[y0, y1],
            title={"text": "y", "font": font(look)},
            scaleanchor="x",
            scaleratio=1,
            constrain="domain",
            mirror=True,
        ),
        images=[image],
    )


def _minima_trace(minima, look: Look, xaxis: str = "x", yaxis: str = "y", show: bool = True) -> go.Scatter | None:
    m = np.asarray(minima, dtype=float).reshape(-1, 2)
    if not len(m):
        return None
    th = look.theme
    return _Scatter(
        x=m[:, 0],
        y=m[:, 1],
        mode="markers",
        name=look.gettext("known minima"),
        legendgroup="minima",
        showlegend=show,
        xaxis=xaxis,
        yaxis=yaxis,
        marker=dict(
            symbol="star", size=look.marker(14), color=th.minimum, line=dict(color=th.ink, width=look.line(1.2))
        ),
        hovertemplate=look.gettext("known minimum") + " (%{x:.4g}, %{y:.4g})<extra></extra>",
    )


def _start_marker(look: Look) -> dict[str, Any]:
    th = look.theme
    return dict(symbol="circle", size=look.marker(11), color=th.paper, line=dict(color=th.ink, width=look.line(2)))


def cell_contour(
    surface,
    points: np.ndarray,
    *,
    window=None,
    title: str | None = None,
    label: str = "path",
    diverged_at: int | None = None,
    height: int = 460,
    look: Look = DEFAULT,
) -> go.Figure:
    """One trajectory (points (steps+1, 2)) on the surface's picture, with start, end and minima."""
    _ = look.lang
    th = look.theme
    color = _highlight(look)
    window = window or surface.domain
    pts = np.asarray(points, dtype=float)
    traces: list[Any] = []  # built in one go, Figure(data, layout): a click redraws this (see sweep_heatmap)
    if th.screen_halo:  # high contrast: the path's white halo, as on the main map and in the exported frames
        traces.append(
            _Scatter(
                x=pts[:, 0],
                y=pts[:, 1],
                mode="lines",
                line=dict(color=th.outline, width=halo_width(look, look.line(2.2))),
                hoverinfo="skip",
                showlegend=False,
                meta={"role": "halo"},
            )
        )
    traces.append(
        _Scatter(
            x=pts[:, 0],
            y=pts[:, 1],
            mode="lines+markers",
            name=safe(_(label)),
            line=dict(color=color, width=look.line(2.2)),
            marker=dict(size=look.marker(3), color=color),
            hovertemplate=_.fmt("step {n}", n="%{pointNumber}") + ": (%{x:.4g}, %{y:.4g})<extra></extra>",
        )
    )
    traces.append(
        _Scatter(
            x=[pts[0, 0]],
            y=[pts[0, 1]],
            mode="markers",
            name=_("start"),
            marker=_start_marker(look),
            hovertemplate=_.fmt("start {point}", point="(%{x:.4g}, %{y:.4g})") + "<extra></extra>",
        )
    )
    diverged = diverged_at is not None and diverged_at >= 0
    traces.append(
        _Scatter(
            x=[pts[-1, 0]],
            y=[pts[-1, 1]],
            mode="markers",
            name=_("end (diverged)") if diverged else _("end"),
            marker=dict(
                symbol="x",
                size=look.marker(11),
                color=th.diverged if diverged else color,
                line=dict(color=th.ink, width=look.line(1)),
            ),
            hovertemplate=_.fmt("end {point}", point="(%{x:.4g}, %{y:.4g})") + "<extra></extra>",
        )
    )
    m = _minima_trace(surface.minima, look)
    if m is not None:
        traces.append(m)
    layout = base_layout(look, height=height)
    layout.update(
        margin=dict(l=int(50 * look.scale), r=20, t=int((50 if title else 20) * look.scale), b=int(40 * look.scale)),
        title=dict(text=safe(title), font=font(look, 15)) if title else None,
        legend=dict(orientation="h", yanchor="top", y=-0.17, x=0, font=font(look)),
        **_surface_layout(surface, window, look),
    )
    return Figure(data=traces, layout=layout)


# ============================================================================ basins
def _basin_colors(n_minima: int, look: Look) -> tuple[str, str, list[str]]:
    """(not converged, diverged, one colour per minimum)."""
    cats = look.theme.categorical
    return _mix(look, 0.12), _mix(look, 0.88), [cats[k % len(cats)] for k in range(n_minima)]


def _basin_colorscale(n_minima: int, look: Look = DEFAULT) -> tuple[list, float, float]:
    """Discrete colours for codes NOT_CONVERGED (−2), DIVERGED (−1), 0 … n_minima−1."""
    never, diverged, per_min = _basin_colors(n_minima, look)
    colors = [never, diverged, *per_min]
    n = len(colors)
    scale = []
    for k, c in enumerate(colors):
        scale += [[k / n, c], [(k + 1) / n, c]]
    return scale, NOT_CONVERGED - 0.5, n_minima - 0.5


def basin_label_names(minima: Sequence[Sequence[float]], look: Look = DEFAULT) -> dict[int, str]:
    _ = look.lang
    names = {  # numbered from 1 for people; the codes (0 …, DIVERGED, NOT_CONVERGED) stay internal
        k: _.fmt("minimum {k} ({x}, {y})", k=k + 1, x=format(m[0], ".3g"), y=format(m[1], ".3g"))
        for k, m in enumerate(minima)
    }
    names[DIVERGED] = _("diverged")
    names[NOT_CONVERGED] = _("not converged")
    return names


def basin_figure(
    results: Sequence[BasinResult], *, titles: Sequence[str] | None = None, height: int = 520, look: Look = DEFAULT
) -> go.Figure:
    """Basin maps side by side (one subplot per optimizer), one shared categorical legend, minima starred."""
    if not results:
        raise ValueError("basin_figure needs at least one BasinResult")
    _ = look.lang
    k = len(results)
    if titles is None:
        titles = [OPTIMIZERS[r.optimizer].name for r in results]
    fig = make_subplots(
        rows=1, cols=k, subplot_titles=[safe(t) for t in titles], shared_yaxes=True, horizontal_spacing=0.03
    )
    minima = results[0].minima
    scale, zmin, zmax = _basin_colorscale(len(minima), look)
    never_color, diverged_color, per_min = _basin_colors(len(minima), look)
    names = basin_label_names(minima, look)
    # The hover names the start; the colour and the legend name where it went (a cell's label is an internal
    # code, and per-cell names would weigh as much as the whole map).
    hover = _.fmt("start {point}", point="(%{x:.3g}, %{y:.3g})") + "<extra></extra>"
    for c, res in enumerate(results, start=1):
        fig.add_trace(
            _Heatmap(
                z=res.labels.astype(np.int8),
                x=res.xs,
                y=res.ys,
                colorscale=scale,
                zmin=zmin,
                zmax=zmax,
                showscale=False,
                zsmooth=False,
                name=OPTIMIZERS[res.optimizer].name,
                hovertemplate=hover,
            ),
            row=1,
            col=c,
        )
        m = _minima_trace(res.minima, look, show=c == 1)
        if m is not None:
            fig.add_trace(m, row=1, col=c)
    # One shared legend: a square per category, with each optimizer's share in the hover.
    for code in [*range(len(minima)), DIVERGED, NOT_CONVERGED]:
        color = per_min[code] if code >= 0 else diverged_color if code == DIVERGED else never_color
        present = any(r.counts.get(code, 0) for r in results)
        if code < 0 and not present:
            continue
        shares = ", ".join(f"{OPTIMIZERS[r.optimizer].name} {100 * r.fractions.get(code, 0):.0f}%" for r in results)
        fig.add_trace(_legend_square(look, f"{names[code]} — {shares}", color, group=f"label{code}"))
    (x0, x1), (y0, y1) = results[0].window
    for c in range(1, k + 1):
        fig.update_xaxes(
            axis(look, range=[x0, x1], title={"text": _("start x"), "font": font(look)}, constrain="domain"),
            row=1,
            col=c,
        )
        fig.update_yaxes(axis(look, range=[y0, y1]), row=1, col=c)
    fig.update_yaxes(title={"text": _("start y"), "font": font(look)}, row=1, col=1)
    fig.update_annotations(font=font(look, 14))
    layout = base_layout(look, height=height)
    layout.update(
        margin=dict(l=int(50 * look.scale), r=20, t=int(50 * look.scale), b=int(40 * look.scale)),
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0, font=font(look)),
    )
    fig.update_layout(layout)
    return fig


# ============================================================================ ensembles
def ensemble_loss_figure(ens: EnsembleResult, *, height: int = 400, look: Look = DEFAULT) -> go.Figure:
    """Percentile band of the noisy runs' loss vs step, its median, and the full-batch run (log y if all > 0)."""
    _ = look.lang
    noisy, full = look.theme.run_color(0), _highlight(look)
    steps = np.arange(ens.steps + 1)
    q = ens.percentiles
    lo, hi = ens.bands[0], ens.bands[-1]
    mid_k = int(np.argmin([abs(p - 50) for p in q]))
    positive = bool((ens.bands > 0).all() and (ens.full_loss > 0).all())
    step_at = _.fmt("step {n}", n="%{x}")
    fig = Figure()
    fig.add_trace(
        _Scatter(
            x=steps,
            y=hi,
            mode="lines",
            line=dict(width=0, color=noisy),
            showlegend=False,
            hovertemplate=f"{step_at}: p{q[-1]:g} = %{{y:.4g}}<extra></extra>",
            legendgroup="band",
        )
    )
    fig.add_trace(
        _Scatter(
            x=steps,
            y=lo,
            mode="lines",
            line=dict(width=0, color=noisy),
            fill="tonexty",
            fillcolor=rgba(noisy, 0.25),
            name=_.fmt("noisy runs p{lo}–p{hi}", lo=format(q[0], "g"), hi=format(q[-1], "g")),
            hovertemplate=f"{step_at}: p{q[0]:g} = %{{y:.4g}}<extra></extra>",
            legendgroup="band",
        )
    )
    if len(q) > 2 or q[mid_k] == 50:
        fig.add_trace(
            _Scatter(
                x=steps,
                y=ens.bands[mid_k],
                mode="lines",
                line=dict(color=noisy, width=look.line(2)),
                name=_.fmt(
                    "noisy runs p{p} (n = {n}, σ = {sigma})",
                    p=format(q[mid_k], "g"),
                    n=ens.n_runs,
                    sigma=format(ens.noise_std, "g"),
                ),
                hovertemplate=f"{step_at}: p{q[mid_k]:g} = %{{y:.4g}}<extra></extra>",
            )
        )
    fig.add_trace(
        _Scatter(
            x=steps,
            y=ens.full_loss,
            mode="lines",
            line=dict(color=full, width=look.line(2), dash="dash"),
            name=_("full batch (no noise)"),
            hovertemplate=f"{step_at}: " + _("full batch") + " %{y:.4g}<extra></extra>",
        )
    )
    nd = int(ens.diverged.sum())
    title = _.fmt(
        "{optimizer}: loss of {n} noisy runs (seed {seed})",
        optimizer=OPTIMIZERS[ens.optimizer].name,
        n=ens.n_runs,
        seed=ens.seed,
    )
    if nd:
        title += " — " + _.fmt("{n} diverged", n=nd)
    layout = base_layout(look, height=height)
    layout.update(
        margin=dict(l=int(60 * look.scale), r=20, t=int(50 * look.scale), b=int(40 * look.scale)),
        title=dict(text=title, font=font(look, 15)),
        xaxis=axis(look, grid=True, title={"text": _("step"), "font": font(look)}),
        yaxis=axis(
            look,
            grid=True,
            title={"text": _("loss"), "font": font(look)},
            type="log" if positive else "linear",
            exponentformat="power" if positive else "none",
        ),
        legend=dict(orientation="h", yanchor="top", y=-0.15, x=0, font=font(look)),
        hovermode="x unified",
    )
    fig.update_layout(layout)
    return fig


def cloud_window(ens: EnsembleResult, pad: float = 0.5):
    """A square window around the noisy end points and the full-batch end point (for zooming into the cloud)."""
    pts = np.vstack([ens.end_points[~ens.diverged], ens.full_points[-1:]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * (1 + pad), 1e-6)
    return ((float(centre[0] - half), float(centre[0] + half)), (float(centre[1] - half), float(centre[1] + half)))


def ensemble_cloud_figure(
    ens: EnsembleResult, *, window=None, zoom: bool = False, height: int = 460, look: Look = DEFAULT
) -> go.Figure:
    """End points of the noisy runs (and a few of their paths) on the surface, with the full-batch path.

    zoom=True frames the cloud of end points (cloud_window) instead of ``window``.
    """
    _ = look.lang
    th = look.theme
    noisy, full = th.run_color(0), _highlight(look)
    surface = ens.surface
    window = cloud_window(ens) if zoom else (window or surface.domain)
    fig = Figure()
    m = _minima_trace(surface.minima, look)
    if m is not None:
        fig.add_trace(m)  # under the end points, which often sit right on a minimum
    for k, path in enumerate(ens.sample_paths):
        fig.add_trace(
            _Scatter(
                x=path[:, 0],
                y=path[:, 1],
                mode="lines",
                line=dict(color=rgba(noisy, 0.55), width=look.line(1)),
                name=_("noisy paths (sample)"),
                legendgroup="paths",
                showlegend=k == 0,
                hoverinfo="skip",
            )
        )
    fp = ens.full_points
    fig.add_trace(
        _Scatter(
            x=fp[:, 0],
            y=fp[:, 1],
            mode="lines",
            line=dict(color=full, width=look.line(2.5)),
            name=_("full batch"),
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        _Scatter(
            x=ens.end_points[:, 0],
            y=ens.end_points[:, 1],
            mode="markers",
            name=_.fmt("end points ({n} noisy runs)", n=ens.n_runs),
            marker=dict(size=look.marker(6), color=noisy, opacity=0.85, line=dict(color=th.ink, width=0.6)),
            hovertemplate=_.fmt("end {point}", point="(%{x:.4g}, %{y:.4g})") + "<extra></extra>",
        )
    )
    fig.add_trace(
        _Scatter(
            x=[fp[-1, 0]],
            y=[fp[-1, 1]],
            mode="markers",
            name=_("full-batch end"),
            marker=dict(symbol="x", size=look.marker(11), color=full, line=dict(color=th.ink, width=look.line(1))),
            hovertemplate=_.fmt("end {point}", point="(%{x:.4g}, %{y:.4g})") + "<extra></extra>",
        )
    )
    fig.add_trace(
        _Scatter(
            x=[ens.start[0]],
            y=[ens.start[1]],
            mode="markers",
            name=_("start"),
            marker=_start_marker(look),
        )
    )
    layout = base_layout(look, height=height)
    layout.update(
        margin=dict(l=int(50 * look.scale), r=20, t=20, b=int(40 * look.scale)),
        legend=dict(orientation="h", yanchor="top", y=-0.17, x=0, font=font(look)),
        **_surface_layout(surface, window, look),
    )
    fig.update_layout(layout)
    return fig
