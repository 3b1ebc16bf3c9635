"""The legend's marks and the step inspector's colours come from the page's theme (look/theme.py), on every
theme: the ★ and ✕ of the legend are the map's known-minimum and divergence colours, the inspector's arrows,
rectangles and labels (on the map, in the close-up, on the effective-lr curve) its layer colours."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explain import LAYER_IDS
from look import THEMES, rgba
from ui.looks import THEME_IDS

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def open_inspector(theme: str, lesson: str = "zigzag", run: int = 2, step: int = 20) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lesson"] = lesson
    at.query_params["theme"] = theme
    at.run()
    at.session_state["inspect"] = True
    at.session_state["insp_run"] = run
    at.session_state["player"] = {"step": step, "box": None}
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def chart(at: AppTest, key: str) -> dict:
    (spec,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if c.proto.id.endswith("-" + key)]
    return spec


@pytest.mark.parametrize("link_theme", list(THEME_IDS))
def test_legend_and_inspector_colours_are_the_themes(link_theme: str) -> None:
    th = THEMES[THEME_IDS[link_theme]]
    at = open_inspector(link_theme)  # zigzag's momentum run: velocity arrows as well as −η·g and Δθ

    # the legend: ★ as the map's star (fill and outline), ✕ as the map's ✕
    (legend,) = [h.proto.body for h in at.get("html") if h.proto.body.startswith("<div class='legend'>")]
    marks = dict(re.findall(r"<span class='mark' style='([^']*)'>(.)</span>", legend)[i][::-1] for i in range(2))
    assert marks["★"] == f"color:{th.minimum};-webkit-text-stroke:0.7px {th.ink}"
    assert marks["✕"] == f"color:{th.diverged}"
    # the map's own markers use the same colours
    specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
    star = [t for s in specs for t in s["data"] if (t.get("meta") or {}).get("role") == "minimum"]
    assert star and star[0]["marker"]["color"] == th.minimum and star[0]["marker"]["line"]["color"] == th.ink

    # the overlay the playback bar draws on the map
    (bar,) = [d for d in (json.loads(c.proto.json) for c in at.get("bidi_component") if c.proto.json) if "frames" in d]
    layers = bar["overlay"]["layers"]
    assert {layer["id"] for layer in layers} >= {"gradient", "velocity", "step", "eff_lr"}
    for layer in layers:
        assert layer["color"] == th.vector_color(layer["id"]), layer["id"]
    assert bar["overlay"]["halo"] == rgba(th.paper, 0.88)  # labels' and arrows' outline: the theme's paper

    # the close-up: arrows and their labels, on a label box of the theme's paper
    arrows = [a for a in chart(at, "insp_closeup")["layout"]["annotations"] if a["name"].startswith("closeup")]
    assert {a["name"] for a in arrows} >= {"closeup:gradient", "closeup:step", "closeup-label:velocity"}
    for a in arrows:
        lid = a["name"].split(":", 1)[1]
        if a["name"].startswith("closeup:"):
            assert a["arrowcolor"] == th.vector_color(lid), a["name"]
        else:
            assert a["font"]["color"] == th.vector_color(lid) and a["bgcolor"] == rgba(th.paper, 0.7), a["name"]
    closeup = chart(at, "insp_closeup")["data"]
    path = [t for t in closeup if t.get("meta", {}).get("role") == "path"]
    assert path[0]["line"]["color"] == th.run_color(2)  # the inspected run's colour in this theme
    (levels,) = [t for t in closeup if t.get("meta", {}).get("role") == "levels"]
    assert levels["colorscale"] == [[0, th.axis], [1, th.axis]]

    # the effective learning rate's curves (an adaptive optimizer's: Adagrad)
    at = open_inspector(link_theme, "adagrad", 0, 100)
    eff = [t for t in chart(at, "insp_efflr")["data"] if t.get("meta", {}).get("role") == "eff_lr"]
    assert eff and all(t["line"]["color"] == th.vector_color("eff_lr") for t in eff)
    (cursor,) = chart(at, "insp_efflr")["layout"]["shapes"]
    assert cursor["line"]["color"] == rgba(th.ink, 0.55)  # the step cursor: the light ink vanished on dark


def test_every_theme_colours_every_inspector_layer_and_the_dark_one_differs() -> None:
    for th in THEMES.values():
        assert set(dict(th.vectors)) == set(LAYER_IDS), th.name
        assert all(re.fullmatch(r"#[0-9A-F]{6}", c) for _, c in th.vectors), th.name
    # the light theme's dark ink for Δθ would vanish on the dark surface
    assert THEMES["dark"].vector_color("step") != THEMES["light"].vector_color("step")
