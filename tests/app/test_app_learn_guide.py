"""The chooser, the practical tips and "Tune each run" in the real app (AppTest): every button opens its scene
on the map, and the tune dialog's "Apply" writes each run's best lr into its slider."""

from __future__ import annotations

import html
import json

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest
from test_app import assert_paths_match, current_scene, make_app, normalized, shown

from lessons.guide import CHOICES, TIPS
from optim_core.scene import RunConfig, Scene
from ui.tune import best_lr, lr_options, tune_run
from ui.url import scene_to_query
from viz import decode


def learn_tab(query: dict | None = None) -> AppTest:
    at = make_app(query)
    at.session_state["tab"] = "Learn"  # tabs are lazy: the Learn tab draws once it is the open one
    at.run()
    assert not at.exception
    return at


def resolved_runs(scene: Scene) -> list[tuple[str, dict, dict, int | None]]:
    """What the map draws of each run: its label, every resolved hyperparameter, its schedule, its batch."""
    return [(r.label, dict(r.params), dict(r.schedule), r.batch_size) for r in scene.resolve().runs]


def in_dialog(at: AppTest, key: str):
    """The element with this key wherever it is (the dialog lives outside the main and sidebar trees)."""
    found = []

    def walk(node) -> None:
        if getattr(node, "key", None) == key:
            found.append(node)
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return found[0] if found else None


def chart_spec(node) -> dict:
    return json.loads(node.proto.spec)


def check_opened(at: AppTest, scene: Scene, title: str) -> None:
    assert not at.exception
    assert at.session_state["tab"] == "Trajectories"  # the map is shown
    opened = current_scene(at)  # what the address bar (and so the widgets) now hold
    assert normalized(opened) == normalized(scene)
    assert resolved_runs(opened) == resolved_runs(scene)
    assert_paths_match(at, scene)  # the runs drawn are the scene's
    toasts = [shown(t.value) for t in at.toast]
    assert any(t.startswith(f"On the map: {title}.") for t in toasts), toasts


@pytest.mark.parametrize("cid", list(CHOICES))
def test_each_chooser_button_opens_its_scene(cid):
    at = learn_tab()
    at.pills(key="chooser_task").set_value(cid).run()
    assert not at.exception
    buttons = [b.key for b in at.button if b.key and b.key.startswith("chooser_")]
    assert buttons == [f"chooser_{cid}"]  # one card: the chosen task's
    at.button(key=f"chooser_{cid}").click().run()
    check_opened(at, CHOICES[cid].scene, CHOICES[cid].recommendation)


@pytest.mark.parametrize("tid", list(TIPS))
def test_each_tip_button_opens_its_scene(tid):
    at = learn_tab()
    at.button(key=f"tip_{tid}").click().run()
    check_opened(at, TIPS[tid].scene, TIPS[tid].title)


def test_the_learn_tab_shows_the_chosen_recommendation_and_every_tip():
    at = learn_tab()
    page = html.unescape(" ".join(str(h.proto.body) for h in at.get("html")))
    first = next(iter(CHOICES.values()))
    assert first.recommendation in page and first.reason.split(",")[0] in page
    for tip in TIPS.values():
        assert tip.title in page and tip.caveat.split(" (")[0] in page
    at.pills(key="chooser_task").set_value("sparse").run()
    page = html.unescape(" ".join(str(h.proto.body) for h in at.get("html")))
    assert CHOICES["sparse"].recommendation in page


# ------------------------------------------------------------------------------------------ tune each run
SCENE = Scene(
    surface="ill_conditioned",
    runs=(
        RunConfig("sgd", {"lr": 0.01}),
        RunConfig("momentum", {"lr": 0.001, "momentum": 0.9}),
        RunConfig("adam", {"lr": 0.001}),
    ),
    starts=((-4.5, 2.0),),
    steps=200,
)


def test_tune_each_run_shows_each_sweep_and_applies_the_best_lrs_to_the_sliders():
    at = make_app(scene_to_query(SCENE))
    assert in_dialog(at, "tune_apply") is None
    at.button(key="tune_runs").click().run()
    assert not at.exception
    resolved = SCENE.resolve()
    tunings = [tune_run(resolved, i) for i in range(len(SCENE.runs))]
    expected = [best_lr(resolved, i, t) for i, t in enumerate(tunings)]
    assert all(b is not None for b in expected)
    assert expected != [r.params["lr"] for r in SCENE.runs]  # something to apply
    for i, t in enumerate(tunings):
        spec = chart_spec(in_dialog(at, f"tune_sweep{i}"))
        sweep = next(tr for tr in spec["data"] if tr["meta"]["role"] == "sweep")
        np.testing.assert_allclose(decode(sweep["x"]), lr_options(resolved.runs[i].spec), rtol=1e-12)
        best = next(tr for tr in spec["data"] if tr["meta"]["role"] == "best")
        assert decode(best["x"])[0] == pytest.approx(t.best_lr)
    bounds = [s for s in chart_spec(in_dialog(at, "tune_sweep0"))["layout"]["shapes"] if s["name"] == "bound"]
    assert bounds and bounds[0]["x0"] == pytest.approx(0.2)  # SGD on L = 10: 2/L
    in_dialog(at, "tune_apply").click().run()
    assert not at.exception
    assert in_dialog(at, "tune_apply") is None  # the whole app reran: the dialog is closed
    applied = current_scene(at)
    assert [r.params["lr"] for r in applied.runs] == pytest.approx(expected, rel=1e-12)
    assert applied.resolve().runs[1].params["momentum"] == 0.9  # nothing else changed
    for i, lr in enumerate(expected):
        assert at.select_slider(key=f"run{i}_lr").value == pytest.approx(lr, rel=1e-12)
    # the map draws the tuned runs
    assert_paths_match(at, applied)


def test_apply_is_disabled_when_every_run_already_has_its_best_lr():
    scene = CHOICES["simple"].scene  # tuned: each lr is what Tune each run finds
    at = make_app(scene_to_query(scene))
    at.button(key="tune_runs").click().run()
    assert not at.exception
    assert in_dialog(at, "tune_apply").disabled


def test_the_tune_button_is_hidden_with_the_learning_rates():
    at = make_app({"hide": "lr"})
    assert "tune_runs" not in [b.key for b in at.button]
