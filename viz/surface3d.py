"""The 3-D view: the surface as a mesh (same colour scale as the contour view) with every path lying on it.

Heights are the colour positions t(f) of the shared ValueScale (linear or log),
with the z-axis labelled in f, so the 3-D height, the colour and the contour
colour bar all agree.  Paths sit a hair above the mesh so they stay visible.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from look import DEFAULT, Look, RunView, SurfaceView, rgb_to_hex, rgba

from .contour import hover_lines
from .figure import Figure, typed_array
from .style import BASE_FONT, base_layout, font, safe

LIFT = 0.012  # paths float this far (in t units) above the mesh
MAX_MESH = 100
MAX_PATH_POINTS = 800  # per path
PATH_POINT_BUDGET = 30_000  # over all paths (8 runs × 8 starts stay under ~0.8 MB)


def _odd_stride(n: int, cap: int) -> int:
    s = max(1, int(np.ceil(n / cap)))
    return s if s % 2 else s + 1


def _sub(n: int, cap: int) -> np.ndarray:
    if n <= cap:
        return np.arange(n)
    return np.unique(np.rint(np.linspace(0, n - 1, cap)).astype(int))


def surface3d_figure(
    sv: SurfaceView,
    runs: Sequence[RunView],
    starts: np.ndarray | None = None,
    *,
    height: int = 520,
    look: Look = DEFAULT,
) -> Figure:
    _ = look.lang
    th = look.theme
    (x0, x1), (y0, y1) = sv.window
    ix, iy = _sub(len(sv.xs), MAX_MESH), _sub(len(sv.ys), MAX_MESH)
    xs, ys = sv.xs[ix], sv.ys[iy]
    z = sv.z[np.ix_(iy, ix)]
    t = sv.scale.t(z)
    tick_pos, tick_text = sv.scale.ticks()
    data: list[dict] = [
        {
            "type": "surface",
            "x": typed_array(xs),
            "y": typed_array(ys),
            "z": typed_array(t),
            "surfacecolor": typed_array(np.nan_to_num(t, nan=0.0)),
            "customdata": typed_array(z),
            "colorscale": th.plotly_colorscale(),
            "cmin": 0,
            "cmax": 1,
            "showscale": False,
            "opacity": 0.96,
            "contours": {
                "z": {
                    "show": True,
                    "start": 0,
                    "end": 1,
                    "size": 1 / 16,
                    "color": rgba(rgb_to_hex(th.contour_line), min(1.0, th.contour_alpha + 0.05)),
                    "width": max(1, round(look.line(1))),
                }
            },
            "lighting": {"ambient": 0.75, "diffuse": 0.5, "specular": 0.05, "roughness": 0.9},
            "hovertemplate": "x = %{x:.3g}, y = %{y:.3g}<br>f = %{customdata:.4g}<extra></extra>",
            "name": _("surface"),
            "meta": {"role": "surface"},
        }
    ]
    inside = lambda p: (p[..., 0] >= x0) & (p[..., 0] <= x1) & (p[..., 1] >= y0) & (p[..., 1] <= y1)

    cap = int(min(MAX_PATH_POINTS, max(100, PATH_POINT_BUDGET // max(1, sum(r.batch for r in runs)))))
    for r, run in enumerate(runs):
        color = look.color_of(run)
        last = run.last_valid()
        xs_p: list = []
        ys_p: list = []
        zs_p: list = []
        cd: list = []
        for b in range(run.batch):
            n = int(last[b]) + 1
            k = np.arange(0, n, _odd_stride(n, cap))
            if k[-1] != n - 1:
                k = np.append(k, n - 1)
            p = run.points[k, b]
            f = run.loss[k, b]
            ok = inside(p)
            zt = np.where(ok, sv.scale.t(f) + LIFT, np.nan)
            if b:
                xs_p.append([np.nan])
                ys_p.append([np.nan])
                zs_p.append([np.nan])
                cd.append([[np.nan, np.nan]])
            xs_p.append(np.where(ok, p[:, 0], np.nan))
            ys_p.append(np.where(ok, p[:, 1], np.nan))
            zs_p.append(zt)
            cd.append(np.stack([k.astype(float), f], axis=1))
        data.append(
            {
                "type": "scatter3d",
                "mode": "lines",
                "x": typed_array(np.concatenate(xs_p)),
                "y": typed_array(np.concatenate(ys_p)),
                "z": typed_array(np.concatenate(zs_p)),
                "customdata": typed_array(np.clip(np.concatenate(cd), -3e38, 3e38)),
                "line": {"color": color, "width": look.line(6)},
                "name": safe(run.label),
                "showlegend": False,
                "hovertemplate": hover_lines(look, run.label, params=run.params_text(), coords=sv.coords),
                "meta": {"role": "path", "run": r},
            }
        )
        ends = np.array([run.points[int(last[b]), b] for b in range(run.batch)])
        fend = np.array([run.loss[int(last[b]), b] for b in range(run.batch)])
        ok = inside(ends)
        div = np.asarray(run.diverged_at) >= 0
        if ok.any():
            data.append(
                {
                    "type": "scatter3d",
                    "mode": "markers",
                    "x": ends[ok, 0].tolist(),
                    "y": ends[ok, 1].tolist(),
                    "z": (sv.scale.t(fend[ok]) + LIFT).tolist(),
                    "name": safe(run.label),
                    "showlegend": False,
                    "marker": {
                        "size": [look.marker(7 if not d else 8) for d in div[ok]],
                        "symbol": ["x" if d else "circle" for d in div[ok]],
                        "color": [th.diverged if d else color for d in div[ok]],
                        "line": {"color": th.halo, "width": look.line(1)},
                    },
                    "hovertemplate": f"<b>{safe(run.label)}</b><br>"
                    + _.fmt("end {point}", point="(%{x:.4g}, %{y:.4g})")
                    + "<extra></extra>",
                    "meta": {"role": "head", "run": r},
                }
            )
    if len(sv.minima):
        m = sv.minima
        ok = inside(m)
        if ok.any():
            data.append(
                {
                    "type": "scatter3d",
                    "mode": "markers",
                    "x": m[ok, 0].tolist(),
                    "y": m[ok, 1].tolist(),
                    "z": (sv.scale.t(sv.minima_f[ok]) + LIFT).tolist(),
                    "marker": {
                        "size": look.marker(6),
                        "symbol": "diamond",
                        "color": th.minimum,
                        "line": {"color": th.ink, "width": look.line(1)},
                    },
                    "hovertemplate": _("known minimum") + " (%{x:.4g}, %{y:.4g})<extra></extra>",
                    "name": _("known minimum"),
                    "showlegend": False,
                    "meta": {"role": "minimum"},
                }
            )
    if starts is not None and len(starts):
        s = np.asarray(starts, dtype=float).reshape(-1, 2)
        fs = runs[0].loss[0] if runs else np.zeros(len(s))
        data.append(
            {
                "type": "scatter3d",
                "mode": "markers",
                "x": s[:, 0].tolist(),
                "y": s[:, 1].tolist(),
                "z": (sv.scale.t(np.asarray(fs[: len(s)])) + LIFT).tolist(),
                "marker": {"size": look.marker(5), "color": th.paper, "line": {"color": th.ink, "width": look.line(2)}},
                "hovertemplate": _.fmt("start {point}", point="(%{x:.4g}, %{y:.4g})") + "<extra></extra>",
                "name": _("start"),
                "showlegend": False,
                "meta": {"role": "start"},
            }
        )

    aspect = (y1 - y0) / (x1 - x0)
    ax = {
        "showbackground": False,
        "gridcolor": th.grid if th.name != "light" else "#DDE2EA",
        "zeroline": False,
        "color": th.ink,
        "tickfont": font(look, BASE_FONT - 2),
        "title": {"font": font(look)},
    }
    layout = base_layout(look, height=height, margin={"l": 0, "r": 0, "t": 8, "b": 0})
    layout.update(
        {
            "showlegend": False,
            "scene": {
                "xaxis": {**ax, "range": [x0, x1], "title": {"text": safe(sv.coords[0])}},
                "yaxis": {**ax, "range": [y0, y1], "title": {"text": safe(sv.coords[1])}},
                "zaxis": {
                    **ax,
                    "range": [0, 1 + 2 * LIFT],
                    "title": {"text": _("f (log)") if sv.scale.log else "f"},
                    "tickvals": tick_pos,
                    "ticktext": tick_text,
                },
                "aspectmode": "manual",
                "aspectratio": {
                    "x": 1.0 if aspect <= 1 else max(1 / aspect, 0.5),
                    "y": max(aspect, 0.5) if aspect <= 1 else 1.0,
                    "z": 0.6,
                },
                "camera": {"eye": {"x": -1.65, "y": -1.95, "z": 1.3}, "center": {"x": 0, "y": 0, "z": -0.22}},
                "domain": {"x": [0, 1], "y": [0, 1]},
                "bgcolor": th.paper,
            },
            "uirevision": f"{sv.name}|{sv.window}",
            "meta": {"look": look.key},
        }
    )
    return Figure(data=data, layout=layout)
