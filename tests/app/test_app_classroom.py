"""Classroom defects, checked in the real app (AppTest): what the summary, the divergence messages and the
legend say must be what the runs did."""

from __future__ import annotations

import json

from test_app import keyed_texts, make_app

from optim_core.scene import RunConfig, Scene
from ui.url import scene_from_query, scene_to_query


def test_the_summary_table_reports_each_runs_end():
    scene = Scene(
        surface="himmelblau",
        runs=(RunConfig("adam", {"lr": 0.1}), RunConfig("sgd", {"lr": 1.0})),
        starts=((0.0, 0.0), (-1.0, 1.0)),
        steps=200,
    )
    at = make_app(scene_to_query(scene))
    assert not at.exception
    table = at.table[-1].value
    trajs = scene.resolve().simulate()
    assert len(table) == 4  # 2 runs × 2 starts
    adam0 = table.iloc[0]
    assert float(adam0["distance to minimum"]) == float(f"{trajs[0].distance_to_minimum()[-1, 0]:.3g}")
    sgd_rows = table.iloc[2:]
    div = [int(trajs[1].diverged_at[b]) for b in range(2)]
    assert list(sgd_rows["diverged at step"]) == [str(d) if d >= 0 else "—" for d in div]
    assert any(d >= 0 for d in div)  # lr 1 on Himmelblau diverges: the table says at which step, per start


def test_f_undefined_at_the_start_gives_one_message_not_one_per_run():
    scene = Scene(
        surface="log(x) + y^2",
        runs=(RunConfig("sgd", {"lr": 0.01}), RunConfig("adam", {"lr": 0.01}), RunConfig("momentum", {"lr": 0.01})),
        starts=((-2.0, 4.0),),
        steps=50,
    )
    at = make_app(scene_to_query(scene))
    assert not at.exception
    msgs = keyed_texts(at, "divergence")
    assert len(msgs) == 1, msgs
    assert "not defined at the start (-2, 4)" in msgs[0]


def test_gradient_noise_is_said_in_the_legend():
    scene = Scene(runs=(RunConfig("sgd", {"lr": 0.001}),), noise_std=0.5, noise_seed=7, steps=50)
    at = make_app(scene_to_query(scene))
    html = " ".join(str(h.proto.body) for h in at.get("html"))
    assert "gradient noise σ = 0.5 (seed 7)" in html
    plain = make_app()
    assert "gradient noise" not in " ".join(str(h.proto.body) for h in plain.get("html"))


def test_the_stability_advice_never_contradicts_the_picture():
    """On Rosenbrock the curvature at the start gives 2/L ≈ 0.0013, yet lr 0.002 … 0.006 converge: the message
    must say what the number is (the start's curvature), not 'lower lr below 0.0013'."""
    scene = Scene(runs=(RunConfig("sgd", {"lr": 1000.0}), RunConfig("sgd", {"lr": 0.004})), steps=300)
    trajs = scene.resolve().simulate()
    assert trajs[1].diverged_at[0] < 0  # lr 0.004 converges here
    at = make_app(scene_to_query(scene))
    (msg,) = keyed_texts(at, "divergence")
    assert "At the start the surface's steepest curvature is L ≈" in msg and "largest Hessian eigenvalue" in msg
    assert "below" not in msg and "a tenth" in msg


def test_with_several_starts_the_message_names_the_start():
    scene = Scene(
        surface="quadratic", runs=(RunConfig("sgd", {"lr": 1.5}),), starts=((0.5, 0.5), (-2.0, 1.0)), steps=40
    )
    at = make_app(scene_to_query(scene))
    (msg,) = keyed_texts(at, "divergence")
    assert "from the start (-2, 1)" in msg and "2 of its 2 starts diverged" in msg, msg  # (-2, 1) blows up first


# ------------------------------------------------------------------ the shown step: link, bar, share link
def _bar(at) -> dict:
    found = [json.loads(c.proto.json) for c in at.get("bidi_component") if c.proto.json]
    (bar,) = [d for d in found if "frames" in d]
    return bar


def test_the_links_step_opens_the_bar_there_and_the_bars_step_goes_into_the_link():
    at = make_app({"surface": "quadratic", "run": "sgd:lr=0.1", "steps": "60", "step": "20"})
    bar = _bar(at)
    assert bar["steps"][bar["active"]] == 20  # the bar opens at the link's step
    assert dict(at.query_params).get("step") in ("20", ["20"])
    key = scene_from_query(dict(at.query_params)).resolve().key
    at.session_state["player"] = {"step": {"step": 30, "scene": key}, "box": None}  # the user stepped to 30
    at.run()
    assert dict(at.query_params).get("step") in ("30", ["30"])  # the share link keeps the shown step
    bar = _bar(at)  # the bar keeps its own step (player.js); its data still opens a remount at the link's
    assert bar["steps"][bar["active"]] == 20 and bar["scene"] == key
    at.session_state["player"] = {"step": {"step": 45, "scene": "another scene"}, "box": None}
    at.run()
    assert dict(at.query_params).get("step") in ("20", ["20"])  # a report made on another scene is not this one's
    at.session_state["player"] = {"step": {"step": 60, "scene": key}, "box": None}
    at.run()
    assert "step" not in dict(at.query_params)  # the last step is the default: links leave it out


def test_a_lessons_open_question_starts_the_bar_at_step_0_until_the_answer_is_revealed():
    at = make_app({"lesson": "zigzag"})  # "Which run ends closest to the minimum?": the last step shows it
    assert _bar(at)["active"] == 0 and _bar(at)["hold_sides"]  # the loss curves would show the answer too
    at.button(key="lesson_reveal").click().run()
    assert _bar(at)["active"] is None and not _bar(at)["hold_sides"]  # revealed: the scene shows its end again
    assert _bar(make_app({"lesson": "adamw"}))["active"] is None  # no question: nothing hidden


def test_a_links_step_wins_over_the_questions_step_0():
    bar = _bar(make_app({"lesson": "zigzag", "step": "80"}))  # a teacher's link to the end of the lesson
    assert bar["steps"][bar["active"]] == 80


# ------------------------------------------------------------------ a session's first run: the map first
def test_a_browsers_first_run_sends_the_map_and_the_sidebar_follows(monkeypatch):
    """In a browser (ui.boot._has_browser: it sent HTTP headers; AppTest sends none) the session's first run
    has the map, the playback bar asked to report the drawn map, and a sidebar with only its title and a
    waiting line; the next run, whatever starts it, has every control. The e2e test checks the browser's side
    (tests/e2e/test_app_e2e.py::test_the_map_is_drawn_before_the_sidebar_comes)."""
    import ui.boot

    monkeypatch.setattr(ui.boot, "_has_browser", lambda: True)
    scene = Scene(surface="himmelblau", runs=(RunConfig("adam", {"lr": 0.05}),), steps=80)
    at = make_app(scene_to_query(scene))
    assert at.get("plotly_chart"), "the first run has no map"
    assert _bar(at)["report_drawn"] is True
    assert not at.sidebar.get("select_slider") and not at.sidebar.get("selectbox")
    assert [h.proto.body for h in at.sidebar.get("html") if "app-waiting" in h.proto.body]
    at.run()  # the bar's report (or any other input) reruns the script
    assert not at.exception
    assert _bar(at)["report_drawn"] is False
    assert at.sidebar.select_slider(key="run0_lr").value == 0.05
    assert not [h for h in at.sidebar.get("html") if "app-waiting" in h.proto.body]
    assert scene_from_query(dict(at.query_params)) == scene


def test_a_first_run_without_a_playback_bar_or_a_browser_is_the_whole_page(monkeypatch):
    """A first run that mounts no playback bar (a link to another tab) and AppTest (no browser to report the
    drawn map) get every control at once: nothing would ever ask for the rest."""
    at = make_app({"surface": "himmelblau"})
    assert at.sidebar.get("select_slider") and _bar(at)["report_drawn"] is False
    import ui.boot

    monkeypatch.setattr(ui.boot, "_has_browser", lambda: True)
    at = make_app({"surface": "himmelblau", "tab": "explore"})
    assert at.sidebar.get("select_slider")
    assert not [h for h in at.sidebar.get("html") if "app-waiting" in h.proto.body]
