"""The app end to end on the server side (Streamlit AppTest): widgets → Scene → URL → figures.

Charts are read from their protobuf: ``.proto.spec`` is the figure JSON (arrays as base64 typed arrays).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from lessons import LESSONS
from optim_core import OPTIMIZERS
from optim_core.scene import RunConfig, Scene, simulate
from ui.url import scene_from_query, scene_to_query
from viz import decode

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def make_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def chart(at: AppTest, key: str) -> dict:
    for c in at.get("plotly_chart"):
        if c.proto.id.endswith("-" + key):
            return json.loads(c.proto.spec)
    raise AssertionError(f"no chart with key {key!r}")


def paths(spec: dict) -> dict[tuple[int, int], np.ndarray]:
    """{(run, start): points} of the contour chart's path traces (starts are NaN-separated)."""
    out = {}
    for t in spec["data"]:
        meta = t.get("meta") or {}
        if meta.get("role") != "path":
            continue
        xy = np.column_stack([decode(t["x"]).astype(float), decode(t["y"]).astype(float)])
        cuts = np.flatnonzero(np.isnan(xy[:, 0]))
        for j, part in enumerate(np.split(xy, cuts)):
            out[(meta["run"], j)] = part[~np.isnan(part[:, 0])]
    return out


def assert_paths_match(at: AppTest, scene: Scene) -> None:
    drawn = paths(chart(at, "contour"))
    trajs = simulate(scene)
    assert set(drawn) == {(i, j) for i in range(len(trajs)) for j in range(len(scene.start_points()))}
    for (i, j), xy in drawn.items():
        exp = trajs[i].points[:, j, :]
        if exp.shape[1] == 1:  # a 1-D curve: the chart's y is f(x), the iterate is x
            exp = np.concatenate([exp, trajs[i].loss[:, j : j + 1]], axis=1)
        d = trajs[i].diverged_step(j)
        n = len(exp) if d is None else max(d, 1)
        assert len(xy) == n, f"run {i}: {len(xy)} points drawn, expected {n}"
        np.testing.assert_allclose(xy, exp[:n], rtol=1e-5, atol=1e-6, err_msg=f"run {i} start {j}")


def shown(markdown: str) -> str:
    """Markdown source as the reader sees it: backslash escapes removed (user text is escaped on the page)."""
    return re.sub(r"\\(.)", r"\1", markdown)


def keyed_texts(at: AppTest, key: str) -> list[str]:
    """Texts of the alerts / markdown inside st.container(key=key), as shown (escapes removed)."""
    found = []

    def walk(node, inside):
        here = inside or (getattr(getattr(node, "proto", None), "id", "") or "").endswith("-" + key)
        for ch in getattr(node, "children", {}).values():
            walk(ch, here)
        if inside and hasattr(node, "value") and isinstance(node.value, str):
            found.append(shown(node.value))

    walk(at._tree, False)
    return found


def current_scene(at: AppTest) -> Scene:
    return scene_from_query(dict(at.query_params))


def normalized(scene: Scene) -> Scene:
    """Equal scenes spelled differently (defaults written out or left implicit) compare equal."""
    return scene.with_(
        starts=tuple(scene.start_points()),
        window=tuple(map(tuple, scene.view_window())),
        runs=tuple(RunConfig(r.optimizer, r.resolved()) for r in scene.runs),
    )


# ----------------------------------------------------------------------------- tests
def test_default_page_draws_the_default_scene():
    at = make_app()
    assert current_scene(at) == Scene()
    assert_paths_match(at, Scene())
    assert {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")} == {"contour", "metrics"}
    assert not at.error
    at.segmented_control(key="side_view").set_value("3-D surface").run()  # drawn on demand (WebGL)
    assert {c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")} == {"contour", "surface3d"}
    spec3d = chart(at, "surface3d")
    assert any((t.get("meta") or {}).get("role") == "surface" for t in spec3d["data"])


def test_changing_a_learning_rate_changes_that_path():
    at = make_app()
    before = paths(chart(at, "contour"))
    at.select_slider(key="run0_lr").set_value(0.01).run()
    assert not at.exception
    scene = current_scene(at)
    assert scene.runs[0].resolved()["lr"] == 0.01
    after = paths(chart(at, "contour"))
    assert not np.array_equal(after[(0, 0)], before[(0, 0)])
    np.testing.assert_array_equal(after[(1, 0)], before[(1, 0)])  # the other runs are untouched
    assert_paths_match(at, scene)


def test_changing_the_optimizer_changes_the_path_and_keeps_the_lr():
    at = make_app()
    lr = at.select_slider(key="run1_lr").value
    at.selectbox(key="run1_optimizer").set_value("rmsprop").run()
    assert not at.exception
    scene = current_scene(at)
    assert scene.runs[1].optimizer == "rmsprop" and scene.runs[1].resolved()["lr"] == lr
    assert at.select_slider(key="run1_alpha").value == 0.99  # the new spec's widgets, at its defaults
    assert_paths_match(at, scene)


def test_a_link_restores_the_scene_exactly():
    scene = Scene(
        surface="himmelblau",
        runs=(
            RunConfig("adam", {"lr": 0.05, "beta1": 0.8}),
            RunConfig("sgd", {"lr": 0.0123}),
            RunConfig("adam", {"lr": 0.05, "eps": 0.1}),
        ),
        starts=((0.5, -1.0), (-2.0, 2.5)),
        steps=150,
        schedule={"name": "cosine", "T_max": 100},
        noise_std=0.2,
        noise_seed=3,
        clip=5.0,
        window=((-4.0, 4.0), (-3.0, 5.0)),
    )
    at = make_app(scene_to_query(scene))
    assert at.selectbox(key="surface").value == "himmelblau"
    assert at.selectbox(key="run0_optimizer").value == "adam" and at.select_slider(key="run0_beta1").value == 0.8
    assert at.select_slider(key="run1_lr").value == 0.0123  # off the slider grid, still exact
    assert at.select_slider(key="run2_eps").value == 0.1
    assert at.number_input(key="start0_x").value == 0.5 and at.number_input(key="start1_y").value == 2.5
    assert at.number_input(key="steps").value == 150
    assert at.selectbox(key="schedule").value == "cosine" and at.number_input(key="schedule_T_max").value == 100
    assert at.toggle(key="clip_on").value and at.select_slider(key="clip").value == 5.0
    assert at.number_input(key="view_y1").value == 5.0
    assert current_scene(at) == scene
    assert_paths_match(at, scene)
    share = [
        json.loads(c.proto.json)["link"] for c in at.get("bidi_component") if c.proto.component_name == "optviz_share"
    ]
    assert len(share) == 1 and "run=adam:lr=0.05,beta1=0.8" in share[0]


def test_a_bad_link_shows_one_line_and_falls_back_to_the_default():
    at = make_app({"run": "nosuch:lr=1", "steps": "abc"})
    assert len(at.warning) == 1 and "could not be loaded" in at.warning[0].value
    assert "\n" not in at.warning[0].value
    assert current_scene(at) == Scene()
    assert_paths_match(at, Scene())


def test_a_rejected_formula_shows_its_message_inline():
    at = make_app()
    at.selectbox(key="surface").set_value("custom").run()
    assert at.text_input(key="formula").value  # starts from the surface we came from
    at.text_input(key="formula").input("__import__('os')").run()
    assert not at.exception
    msgs = keyed_texts(at, "formula_error")
    assert len(msgs) == 1 and "not available" in msgs[0] and "\n" not in msgs[0]
    # a good formula works again
    at.text_input(key="formula").input("x^2 + 3*y^2").run()
    assert not at.exception and not keyed_texts(at, "formula_error")
    assert current_scene(at).surface == "x^2 + 3*y^2"


def test_a_huge_learning_rate_names_the_run_and_the_step():
    at = make_app()
    at.select_slider(key="run0_lr").set_value(1000.0).run()
    assert not at.exception
    scene = current_scene(at)
    d = simulate(scene)[0].diverged_step(0)
    assert d is not None
    msgs = keyed_texts(at, "divergence")
    assert len(msgs) >= 1
    assert "SGD (lr=1000)" in msgs[0] and f"step {d}" in msgs[0]
    assert_paths_match(at, scene)


@pytest.mark.parametrize("name", list(LESSONS))
def test_each_lesson_loads_its_scene(name):
    at = make_app()
    at.session_state["lesson_group"] = LESSONS[name].group
    at.run()
    at.button(key=f"lesson_{name}").click().run()
    assert not at.exception
    lesson = LESSONS[name].scene
    assert normalized(current_scene(at)) == normalized(lesson)
    assert_paths_match(at, lesson)
    note = keyed_texts(at, "lesson_note")
    assert any("✓ " in t for t in note) and not any("✗ " in t for t in note), note
    if name == "diverge":
        assert any("2/L ≈ 0.2" in m for m in keyed_texts(at, "divergence"))


def test_the_learn_tab_shows_each_selected_update_rule():
    at = make_app()
    at.session_state["tab"] = "Learn"  # tabs are lazy: switching reruns with the Learn tab open
    at.run()
    assert not at.exception
    shown = [x.value for x in at.latex]
    for opt in {r.optimizer for r in Scene().runs}:
        assert any(OPTIMIZERS[opt].latex in x for x in shown), opt
    assert at.dataframe, "the comparison table"


def test_add_duplicate_and_remove_runs():
    at = make_app()
    n = len(Scene().runs)
    at.button(key="add_run").click().run()
    assert len(current_scene(at).runs) == n + 1
    at.select_slider(key="run0_lr").set_value(0.003).run()
    at.button(key="run0_duplicate").click().run()
    runs = current_scene(at).runs
    assert len(runs) == n + 2 and runs[1] == runs[0]
    at.button(key="run1_remove").click().run()
    assert len(current_scene(at).runs) == n + 1
    assert not at.exception
    assert_paths_match(at, current_scene(at))


def test_hostile_inputs_never_raise():
    at = make_app()
    at.number_input(key="steps").set_value(10_000).run()
    assert not at.exception and current_scene(at).steps == 10_000
    at.number_input(key="view_x0").set_value(5.0).run()  # x min > x max
    assert not at.exception
    assert any("min < max" in shown(e.value) for e in at.error)
    at.number_input(key="start0_x").set_value(1e9).run()  # beyond the divergence bound
    assert not at.exception
    assert at.error


def test_a_lesson_link_opens_the_lesson_and_the_link_keeps_it():
    at = make_app({"lesson": "adagrad"})
    assert not at.exception
    assert normalized(current_scene(at)) == normalized(LESSONS["adagrad"].scene)
    assert dict(at.query_params).get("lesson") in ("adagrad", ["adagrad"])
    assert any("✓ " in t for t in keyed_texts(at, "lesson_note"))
    at.select_slider(key="run0_lr").set_value(0.5).run()  # the scene changes: no longer the lesson
    assert "lesson" not in dict(at.query_params) and not keyed_texts(at, "lesson_note")


@pytest.mark.parametrize("name", ["zigzag", "adagrad", "blindfold"])
def test_a_lessons_own_share_link_reopens_the_lesson(name):
    """The link the app writes for a lesson (its scene with defaults left out, the theme, the lesson) reopens
    it with its note: a reload, a shared link and a theme switch (which reloads the page) keep the lesson."""
    first = make_app({"lesson": name, "theme": "dark"})
    link = {k: (v[-1] if isinstance(v, list) else v) for k, v in dict(first.query_params).items()}
    assert link.get("lesson") == name and any(k in link for k in ("surface", "run"))
    again = make_app(link)
    assert dict(again.query_params).get("lesson") in (name, [name])
    assert any("✓ " in t for t in keyed_texts(again, "lesson_note"))


def test_a_lesson_question_reveals_the_measured_answer():
    at = make_app({"lesson": "diverge"})
    at.radio(key="lesson_answer").set_value(0).run()
    at.button(key="lesson_reveal").click().run()
    texts = " ".join(keyed_texts(at, "lesson_note"))
    assert "Not quite: it is SGD (lr=0.25)" in texts and "2/L" in texts
