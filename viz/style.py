"""What every Plotly figure of the product shares: fonts, backgrounds, axes, hover labels and the mode bar, from
one Look (theme + presentation scale + language).

Every figure names its template explicitly (the theme's) and sets its colours itself: ``import streamlit``
installs a template whose colour scales are placeholders the browser fills in, so a figure that relied on the
default would come out black when exported from the Streamlit process (HTML, images).
"""

from __future__ import annotations

import html
from typing import Any

from look import Look

BASE_FONT = 13  # px at scale 1


def safe(text: str) -> str:
    """Text from outside (a run label, a surface name) made inert for Plotly's text rendering: no tags (Plotly
    renders <a href>, <b> …), no %{…} template fields; entities show as the characters they stand for."""
    return html.escape(str(text), quote=False).replace("%{", "%&#123;")


def font(look: Look, size: float = BASE_FONT, color: str | None = None) -> dict[str, Any]:
    return {"family": look.font_family, "size": look.font(size), "color": color or look.theme.ink}


def base_layout(look: Look, *, height: int, margin: dict[str, int] | None = None) -> dict[str, Any]:
    """Layout keys every figure starts from."""
    th = look.theme
    out: dict[str, Any] = {
        "template": th.plotly_template,
        "height": height,
        "autosize": True,
        "font": font(look),
        "paper_bgcolor": th.paper,
        "plot_bgcolor": th.paper,
        "hoverlabel": {"font": font(look), "bgcolor": th.paper, "bordercolor": th.control_border},
        "modebar": {"bgcolor": "rgba(0,0,0,0)", "color": th.muted, "activecolor": th.ink, "orientation": "h"},
        "legend": {"font": font(look), "bgcolor": "rgba(0,0,0,0)"},
    }
    if margin is not None:
        out["margin"] = margin
    return out


def axis(look: Look, *, grid: bool = False, **extra: Any) -> dict[str, Any]:
    """An axis in the theme: outside ticks, a framing line, optional grid lines."""
    th = look.theme
    out: dict[str, Any] = {
        "showgrid": grid,
        "gridcolor": th.grid,
        "zeroline": False,
        "showline": True,
        "linecolor": th.axis,
        "linewidth": look.line(1.0),
        "ticks": "outside",
        "ticklen": 4,
        "tickcolor": th.axis,
        "tickfont": font(look),
        "title": {"font": font(look)},
    }
    out.update(extra)
    return out


def colorbar(look: Look, title: str, **extra: Any) -> dict[str, Any]:
    th = look.theme
    out: dict[str, Any] = {
        "title": {"text": title, "side": "top", "font": font(look, color=th.muted)},
        "thickness": look.font(12),
        "outlinewidth": 0,
        "tickfont": font(look, BASE_FONT - 1),
        "tickcolor": th.axis,
    }
    out.update(extra)
    return out
