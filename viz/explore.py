"""Figures for the Explore tab: sweep heatmaps, basin maps, noise ensembles (pure: data → plotly Figure).

Every figure uses template="plotly" and explicit colour-blind-safe colours (Viridis for continuous values,
the Okabe–Ito palette for categories, greys for "diverged"/"never"), so it exports correctly from a
Streamlit process too (Streamlit's own template uses placeholder colours).

Click-to-select: Plotly heatmaps do not report clicked points to Streamlit
(``st.plotly_chart(on_select="rerun")`` returns an empty selection for a heatmap click: measured in
Chromium).  The sweep heatmap therefore carries an invisible, selectable scatter of the cell centres
(trace name CELLS_TRACE); a click returns ``{"curve_number", "point_index", "x", "y", "customdata"}``
for it, and :func:`selected_cell` turns that selection into (i, j).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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

from .palette import plotly_colorscale

TEMPLATE = "plotly"
CELLS_TRACE = "cells"
"""Name of the invisible selectable cell-centre trace of the sweep heatmap."""

OKABE_ITO = ("#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7")
DIVERGED_COLOR = "#9a9a9a"
NEVER_COLOR = "#ffffff"
NOT_CONVERGED_COLOR = "#e3e3e3"
BASIN_DIVERGED_COLOR = "#222222"
BOUNDARY_COLOR = "#ffffff"
SELECTED_COLOR = "#D55E00"
PATH_COLOR = "#D55E00"
NOISY_COLOR = "#0072B2"
_FLOOR = 1e-16


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


def _axis(title: str, edges: np.ndarray, log: bool) -> dict[str, Any]:
    rng = [math.log10(edges[0]), math.log10(edges[-1])] if log else [float(edges[0]), float(edges[-1])]
    return dict(
        title=title,
        type="log" if log else "linear",
        range=rng,
        showgrid=False,
        zeroline=False,
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


def _legend_square(name: str, color: str, group: str | None = None, show: bool = True) -> go.Scatter:
    return go.Scatter(
        x=[None],
        y=[None],
        mode="markers",
        name=name,
        legendgroup=group or name,
        showlegend=show,
        marker=dict(symbol="square", size=12, color=color, line=dict(color="#555555", width=1)),
        hoverinfo="skip",
    )


def _layer(
    mask: np.ndarray, xe: np.ndarray, ye: np.ndarray, color: str, name: str, xaxis: str = "x", yaxis: str = "y"
) -> go.Heatmap:
    z = np.where(mask, 1.0, np.nan)
    return go.Heatmap(
        z=z,
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


def metric_layer(res: SweepResult, metric: str) -> tuple[np.ndarray, str, bool]:
    """(z for colouring, colour-bar title, log-coloured?) for a sweep metric."""
    if metric == "loss":
        ok = ~res.diverged & np.isfinite(res.final_loss)
        if res.f_star is not None:
            floor, title = res.f_star, "final f − f*"
        else:
            floor = float(res.final_loss[ok].min()) if ok.any() else 0.0
            title = "final f − min"
        with np.errstate(all="ignore"):
            z = np.log10(np.maximum(res.final_loss - floor, _FLOOR))
        return z, title, True
    if metric == "steps":
        z = np.where(res.steps_to_tol >= 0, res.steps_to_tol, np.nan).astype(float)
        return z, f"steps to f − f* ≤ {res.tol:g}", False
    if metric == "distance":
        with np.errstate(all="ignore"):
            z = np.log10(np.maximum(res.distance, _FLOOR))
        return z, "distance to nearest minimum", True
    raise ValueError(f"unknown metric {metric!r}; choose one of: {', '.join(METRICS)}")


# ============================================================================ sweep heatmap
def sweep_heatmap(
    res: SweepResult,
    metric: str = "loss",
    *,
    boundary: StabilityBoundary | None = None,
    selected: tuple[int, int] | None = None,
    title: str | None = None,
    height: int = 520,
) -> go.Figure:
    """Heatmap of a sweep metric; diverged cells grey; the theory boundary as a line; the selected cell boxed.

    Axes carry the real hyperparameter values (log axes where the spec says log; cell edges are geometric
    midpoints there, so cells are even).  Hover shows the exact values and metrics of a cell.
    """
    xv, yv = res.x_values, res.y_values
    xe, ye = _edges(xv, res.x_log), _edges(yv, res.y_log)
    z, ctitle, logc = metric_layer(res, metric)
    div = res.diverged
    z = np.where(div, np.nan, z)
    colorbar = dict(title=dict(text=ctitle, side="right"), len=0.9)
    if logc:
        colorbar.update(_log_ticks(z))
    fig = go.Figure()
    fig.add_trace(
        go.Heatmap(
            z=z,
            x=xe,
            y=ye,
            colorscale="Viridis",
            colorbar=colorbar,
            hoverinfo="skip",
            name=METRICS[metric],
            zsmooth=False,
        )
    )
    if div.any():
        fig.add_trace(_layer(div, xe, ye, DIVERGED_COLOR, "diverged"))
    never = (~div) & np.isnan(z)
    never_name = (
        "no known minimum" if res.f_star is None else ("never within tolerance" if metric == "steps" else "not defined")
    )
    if never.any():
        fig.add_trace(_layer(never, xe, ye, NEVER_COLOR, never_name))

    # Invisible selectable overlay: one point per cell centre, carrying the hover text and (i, j).
    ny, nx = res.shape
    gx, gy = np.meshgrid(xv, yv)
    ii, jj = np.meshgrid(np.arange(ny), np.arange(nx), indexing="ij")
    status = np.full(res.shape, "", dtype=object)
    status[div] = [f"<br><b>diverged</b> at step {d}" for d in res.diverged_at[div]]
    nev = (~div) & (res.steps_to_tol < 0)
    status[nev] = "<br>never within tolerance"
    dist = np.where(np.isfinite(res.distance), res.distance, -1.0)
    with np.errstate(over="ignore"):  # float32 halves the payload; a huge loss shows as inf in the hover
        custom = np.column_stack(
            [ii.ravel(), jj.ravel(), res.final_loss.ravel(), res.steps_to_tol.ravel(), dist.ravel()]
        ).astype(np.float32)
    xl, yl = _param_label(res.optimizer, res.x_param), _param_label(res.optimizer, res.y_param)
    hover = (
        f"{res.x_param} = %{{x:.6g}}<br>{res.y_param} = %{{y:.6g}}<br>final loss = %{{customdata[2]:.6g}}"
        f"<br>steps to tol = %{{customdata[3]}}<br>distance = %{{customdata[4]:.4g}}%{{text}}<extra></extra>"
    )
    scatter = go.Scattergl if nx * ny > 4096 else go.Scatter
    fig.add_trace(
        scatter(
            x=gx.ravel(),
            y=gy.ravel(),
            mode="markers",
            name=CELLS_TRACE,
            showlegend=False,
            marker=dict(size=max(4, min(24, int(420 / max(nx, ny)))), opacity=0, color="#000000"),
            selected=dict(marker=dict(opacity=0)),
            unselected=dict(marker=dict(opacity=0)),
            customdata=custom,
            text=status.ravel().tolist(),
            hovertemplate=hover,
        )
    )

    if boundary is not None:
        first = True
        for bx, by in boundary.curves:
            # A white dash on a black line: visible on every colour of the map (and black in the legend).
            fig.add_trace(
                go.Scatter(
                    x=bx,
                    y=by,
                    mode="lines",
                    line=dict(color="#000000", width=5),
                    name="stability boundary (theory)",
                    legendgroup="boundary",
                    showlegend=first,
                    hoverinfo="skip",
                )
            )
            fig.add_trace(
                go.Scatter(
                    x=bx,
                    y=by,
                    mode="lines",
                    line=dict(color=BOUNDARY_COLOR, width=2.5, dash="dash"),
                    showlegend=False,
                    legendgroup="boundary",
                    hoverinfo="skip",
                )
            )
            first = False
    if div.any():
        fig.add_trace(_legend_square("diverged", DIVERGED_COLOR))
    if never.any():
        fig.add_trace(_legend_square(never_name, NEVER_COLOR))
    if selected is not None:
        i, j = selected
        fig.add_trace(
            go.Scatter(
                x=[xv[j]],
                y=[yv[i]],
                mode="markers",
                name="selected",
                marker=dict(
                    symbol="square-open",
                    size=max(12, min(30, int(460 / max(nx, ny)))),
                    color=SELECTED_COLOR,
                    line=dict(width=3),
                ),
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin=dict(l=60, r=20, t=50 if title else 20, b=60),
        title=dict(text=title) if title else None,
        xaxis=_axis(xl, xe, res.x_log),
        yaxis=_axis(yl, ye, res.y_log),
        hovermode="closest",
        hoverdistance=-1,
        clickmode="event+select",
        dragmode="pan",
        legend=dict(orientation="h", yanchor="top", y=-0.14, xanchor="left", x=0),
        plot_bgcolor="#ffffff",
    )
    return fig


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


# ============================================================================ contour backgrounds
def _contour(surface, window, n: int = 140, showscale: bool = False, xaxis: str = "x", yaxis: str = "y") -> go.Contour:
    xs, ys, z = surface.grid(n, window)
    z = np.where(np.isfinite(z), z, np.nan)
    title = "f"
    if surface.log_color and np.isfinite(z).any():
        zmin = np.nanmin(z)
        span = max(np.nanmax(z) - zmin, 1e-12)
        with np.errstate(all="ignore"):
            z = np.log10(z - zmin + 1e-4 * span)
        title = "log f"
    # the app's surface scale (viz.palette), so a surface looks the same here as on the main map
    return go.Contour(
        x=xs,
        y=ys,
        z=z,
        colorscale=plotly_colorscale(),
        ncontours=25,
        showscale=showscale,
        opacity=0.85,
        contours=dict(coloring="heatmap", showlines=True),
        line=dict(width=0.5, color="rgba(0,0,0,0.25)"),
        hoverinfo="skip",
        name=title,
        xaxis=xaxis,
        yaxis=yaxis,
        colorbar=dict(title=title),
    )


def _minima_trace(surface, xaxis: str = "x", yaxis: str = "y", show: bool = True) -> go.Scatter | None:
    if not surface.minima:
        return None
    m = np.asarray(surface.minima, dtype=float)
    return go.Scatter(
        x=m[:, 0],
        y=m[:, 1],
        mode="markers",
        name="known minima",
        legendgroup="minima",
        showlegend=show,
        xaxis=xaxis,
        yaxis=yaxis,
        marker=dict(symbol="star", size=14, color="#ffffff", line=dict(color="#000000", width=1.5)),
        hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
    )


def _window_layout(window) -> dict[str, Any]:
    (x0, x1), (y0, y1) = window
    return dict(
        xaxis=dict(range=[x0, x1], title="x", constrain="domain"),
        yaxis=dict(range=[y0, y1], title="y", scaleanchor="x", scaleratio=1, constrain="domain"),
    )


def cell_contour(
    surface,
    points: np.ndarray,
    *,
    window=None,
    title: str | None = None,
    label: str = "path",
    diverged_at: int | None = None,
    height: int = 460,
) -> go.Figure:
    """One trajectory (points (steps+1, 2)) on a contour of the surface, with start, end and minima."""
    window = window or surface.domain
    pts = np.asarray(points, dtype=float)
    fig = go.Figure(_contour(surface, window))
    fig.add_trace(
        go.Scatter(
            x=pts[:, 0],
            y=pts[:, 1],
            mode="lines+markers",
            name=label,
            line=dict(color=PATH_COLOR, width=2),
            marker=dict(size=3, color=PATH_COLOR),
            hovertemplate="step %{pointNumber}: (%{x:.4g}, %{y:.4g})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[pts[0, 0]],
            y=[pts[0, 1]],
            mode="markers",
            name="start",
            marker=dict(symbol="circle", size=11, color="#ffffff", line=dict(color="#000000", width=2)),
            hovertemplate="start (%{x:.4g}, %{y:.4g})<extra></extra>",
        )
    )
    end_name = "end (diverged)" if diverged_at is not None and diverged_at >= 0 else "end"
    fig.add_trace(
        go.Scatter(
            x=[pts[-1, 0]],
            y=[pts[-1, 1]],
            mode="markers",
            name=end_name,
            marker=dict(symbol="x", size=11, color=PATH_COLOR, line=dict(color="#000000", width=1)),
            hovertemplate="end (%{x:.4g}, %{y:.4g})<extra></extra>",
        )
    )
    m = _minima_trace(surface)
    if m is not None:
        fig.add_trace(m)
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin=dict(l=50, r=20, t=50 if title else 20, b=40),
        title=dict(text=title) if title else None,
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        **_window_layout(window),
    )
    return fig


# ============================================================================ basins
def _basin_colorscale(n_minima: int) -> tuple[list, float, float]:
    """Discrete colours for codes NOT_CONVERGED (−2), DIVERGED (−1), 0 … n_minima−1."""
    colors = [NOT_CONVERGED_COLOR, BASIN_DIVERGED_COLOR] + [OKABE_ITO[k % len(OKABE_ITO)] for k in range(n_minima)]
    n = len(colors)
    scale = []
    for k, c in enumerate(colors):
        scale += [[k / n, c], [(k + 1) / n, c]]
    return scale, NOT_CONVERGED - 0.5, n_minima - 0.5


def basin_label_names(minima: Sequence[Sequence[float]]) -> dict[int, str]:
    names = {k: f"minimum {k} ({m[0]:.3g}, {m[1]:.3g})" for k, m in enumerate(minima)}
    names[DIVERGED] = "diverged"
    names[NOT_CONVERGED] = "not converged"
    return names


def basin_figure(
    results: Sequence[BasinResult], *, titles: Sequence[str] | None = None, height: int = 520
) -> go.Figure:
    """Basin maps side by side (one subplot per optimizer), one shared categorical legend, minima starred."""
    if not results:
        raise ValueError("basin_figure needs at least one BasinResult")
    k = len(results)
    if titles is None:
        titles = [OPTIMIZERS[r.optimizer].name for r in results]
    fig = make_subplots(rows=1, cols=k, subplot_titles=list(titles), shared_yaxes=True, horizontal_spacing=0.03)
    minima = results[0].minima
    scale, zmin, zmax = _basin_colorscale(len(minima))
    names = basin_label_names(minima)
    surface = results[0].surface
    for c, res in enumerate(results, start=1):
        fig.add_trace(
            go.Heatmap(
                z=res.labels.astype(np.int8),
                x=res.xs,
                y=res.ys,
                colorscale=scale,
                zmin=zmin,
                zmax=zmax,
                showscale=False,
                zsmooth=False,
                name=OPTIMIZERS[res.optimizer].name,
                hovertemplate="start (%{x:.3g}, %{y:.3g})<br>label %{z} (see legend)<extra></extra>",
            ),
            row=1,
            col=c,
        )
        m = np.asarray(res.minima, dtype=float)
        fig.add_trace(
            go.Scatter(
                x=m[:, 0],
                y=m[:, 1],
                mode="markers",
                name="known minima",
                legendgroup="minima",
                showlegend=c == 1,
                marker=dict(symbol="star", size=14, color="#ffffff", line=dict(color="#000000", width=1.5)),
                hovertemplate="minimum (%{x:.4g}, %{y:.4g})<extra></extra>",
            ),
            row=1,
            col=c,
        )
    # One shared legend: a square per category, with each optimizer's share in the hover.
    for code in [*range(len(minima)), DIVERGED, NOT_CONVERGED]:
        color = (
            OKABE_ITO[code % len(OKABE_ITO)]
            if code >= 0
            else BASIN_DIVERGED_COLOR
            if code == DIVERGED
            else NOT_CONVERGED_COLOR
        )
        present = any(r.counts.get(code, 0) for r in results)
        if code < 0 and not present:
            continue
        shares = ", ".join(f"{OPTIMIZERS[r.optimizer].name} {100 * r.fractions.get(code, 0):.0f}%" for r in results)
        fig.add_trace(_legend_square(f"{code}: {names[code]} — {shares}", color, group=f"label{code}"))
    (x0, x1), (y0, y1) = results[0].window
    for c in range(1, k + 1):
        fig.update_xaxes(range=[x0, x1], title_text="start x", row=1, col=c, constrain="domain")
        fig.update_yaxes(range=[y0, y1], row=1, col=c)
    fig.update_yaxes(title_text="start y", row=1, col=1)
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin=dict(l=50, r=20, t=50, b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.22, x=0),
        plot_bgcolor="#ffffff",
    )
    del surface
    return fig


# ============================================================================ ensembles
def ensemble_loss_figure(ens: EnsembleResult, *, height: int = 400) -> go.Figure:
    """Percentile band of the noisy runs' loss vs step, its median, and the full-batch run (log y if all > 0)."""
    steps = np.arange(ens.steps + 1)
    q = ens.percentiles
    lo, hi = ens.bands[0], ens.bands[-1]
    mid_k = int(np.argmin([abs(p - 50) for p in q]))
    positive = bool((ens.bands > 0).all() and (ens.full_loss > 0).all())
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=hi,
            mode="lines",
            line=dict(width=0, color=NOISY_COLOR),
            showlegend=False,
            hovertemplate=f"step %{{x}}: p{q[-1]:g} = %{{y:.4g}}<extra></extra>",
            legendgroup="band",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=lo,
            mode="lines",
            line=dict(width=0, color=NOISY_COLOR),
            fill="tonexty",
            fillcolor="rgba(0,114,178,0.25)",
            name=f"noisy runs p{q[0]:g}–p{q[-1]:g}",
            hovertemplate=f"step %{{x}}: p{q[0]:g} = %{{y:.4g}}<extra></extra>",
            legendgroup="band",
        )
    )
    if len(q) > 2 or q[mid_k] == 50:
        fig.add_trace(
            go.Scatter(
                x=steps,
                y=ens.bands[mid_k],
                mode="lines",
                line=dict(color=NOISY_COLOR, width=2),
                name=f"noisy runs p{q[mid_k]:g} (n = {ens.n_runs}, σ = {ens.noise_std:g})",
                hovertemplate=f"step %{{x}}: p{q[mid_k]:g} = %{{y:.4g}}<extra></extra>",
            )
        )
    fig.add_trace(
        go.Scatter(
            x=steps,
            y=ens.full_loss,
            mode="lines",
            line=dict(color=PATH_COLOR, width=2, dash="dash"),
            name="full batch (no noise)",
            hovertemplate="step %{x}: full batch %{y:.4g}<extra></extra>",
        )
    )
    nd = int(ens.diverged.sum())
    title = f"{OPTIMIZERS[ens.optimizer].name}: loss of {ens.n_runs} noisy runs (seed {ens.seed})"
    if nd:
        title += f" — {nd} diverged"
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin=dict(l=60, r=20, t=50, b=40),
        title=dict(text=title),
        xaxis=dict(title="step"),
        yaxis=dict(title="loss", type="log" if positive else "linear", exponentformat="power" if positive else "none"),
        legend=dict(orientation="h", yanchor="top", y=-0.15, x=0),
        hovermode="x unified",
    )
    return fig


def cloud_window(ens: EnsembleResult, pad: float = 0.5):
    """A square window around the noisy end points and the full-batch end point (for zooming into the cloud)."""
    pts = np.vstack([ens.end_points[~ens.diverged], ens.full_points[-1:]])
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre, half = (lo + hi) / 2, max(float((hi - lo).max()) / 2 * (1 + pad), 1e-6)
    return ((float(centre[0] - half), float(centre[0] + half)), (float(centre[1] - half), float(centre[1] + half)))


def ensemble_cloud_figure(ens: EnsembleResult, *, window=None, zoom: bool = False, height: int = 460) -> go.Figure:
    """End points of the noisy runs (and a few of their paths) on the contour, with the full-batch path.

    zoom=True frames the cloud of end points (cloud_window) instead of ``window``.
    """
    surface = ens.surface
    window = cloud_window(ens) if zoom else (window or surface.domain)
    fig = go.Figure(_contour(surface, window))
    m = _minima_trace(surface)
    if m is not None:
        fig.add_trace(m)  # under the end points, which often sit right on a minimum
    for k, path in enumerate(ens.sample_paths):
        fig.add_trace(
            go.Scatter(
                x=path[:, 0],
                y=path[:, 1],
                mode="lines",
                line=dict(color="rgba(86,180,233,0.55)", width=1),
                name="noisy paths (sample)",
                legendgroup="paths",
                showlegend=k == 0,
                hoverinfo="skip",
            )
        )
    fp = ens.full_points
    fig.add_trace(
        go.Scatter(
            x=fp[:, 0],
            y=fp[:, 1],
            mode="lines",
            line=dict(color=PATH_COLOR, width=2.5),
            name="full batch",
            hoverinfo="skip",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=ens.end_points[:, 0],
            y=ens.end_points[:, 1],
            mode="markers",
            name=f"end points ({ens.n_runs} noisy runs)",
            marker=dict(size=6, color="#56B4E9", opacity=0.85, line=dict(color="#000000", width=0.6)),
            hovertemplate="end (%{x:.4g}, %{y:.4g})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[fp[-1, 0]],
            y=[fp[-1, 1]],
            mode="markers",
            name="full-batch end",
            marker=dict(symbol="x", size=11, color=PATH_COLOR, line=dict(color="#000000", width=1)),
            hovertemplate="full-batch end (%{x:.4g}, %{y:.4g})<extra></extra>",
        )
    )
    fig.add_trace(
        go.Scatter(
            x=[ens.start[0]],
            y=[ens.start[1]],
            mode="markers",
            name="start",
            marker=dict(symbol="circle", size=11, color="#ffffff", line=dict(color="#000000", width=2)),
        )
    )
    fig.update_layout(
        template=TEMPLATE,
        height=height,
        margin=dict(l=50, r=20, t=20, b=40),
        legend=dict(orientation="h", yanchor="top", y=-0.12, x=0),
        **_window_layout(window),
    )
    return fig
