"""The step inspector on the server side (Streamlit AppTest): the toggle, the overlay data handed to the playback
bar, and a panel that follows the step the bar reports (``st.session_state["player"]["step"]``).

Every number is compared with a run recorded here (optim_core, record_state=True) — not with what the app
computed — at the step the test sets.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import pytest
from streamlit.testing.v1 import AppTest

from explain import read_numbers
from lessons import LESSONS
from optim_core import run
from optim_core.scene import RunConfig, Scene
from ui.url import scene_to_query
from viz import decode
from viz.animation import expand_step

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def make_app(lesson: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["lesson"] = lesson
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def player_data(at: AppTest) -> dict:
    """The playback bar's data (the page has other browser elements too: the scrub watcher)."""
    found = [json.loads(c.proto.json) for c in at.get("bidi_component") if c.proto.json]
    (bar,) = [d for d in found if "frames" in d]
    return bar


def chart(at: AppTest, key: str) -> dict | None:
    for c in at.get("plotly_chart"):
        if c.proto.id.endswith("-" + key):
            return json.loads(c.proto.spec)
    return None


def recorded(lesson: str, i: int):
    scene = LESSONS[lesson].scene
    r = scene.resolve()
    cfg = scene.runs[i]
    return run(r.surface, cfg.optimizer, r.starts, r.steps, record_state=True, **dict(cfg.params))


def inspect(at: AppTest, run_index: int, step: int | None) -> AppTest:
    at.session_state["inspect"] = True
    at.session_state["insp_run"] = run_index
    if step is not None:
        at.session_state["player"] = {"step": step, "box": None}
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def closeup_arrows(at: AppTest) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    spec = chart(at, "insp_closeup")
    assert spec is not None, "no close-up chart"
    out = {}
    for a in spec["layout"]["annotations"]:
        if a["name"].startswith("closeup:"):
            out[a["name"].split(":", 1)[1]] = (np.array([a["ax"], a["ay"]]), np.array([a["x"], a["y"]]))
    return out


def latex_rows(at: AppTest) -> dict[str, list[float]]:
    """symbol → the numbers of its row, read from the step's LaTeX block (the one with "&=" rows)."""
    blocks = [lt.value for lt in at.latex if "& = " in lt.value]
    assert len(blocks) == 1, blocks
    out = {}
    body = blocks[0].split("\\begin{aligned}", 1)[1].rsplit("\\end{aligned}", 1)[0]
    for line in body.split("\\\\"):
        sym, _, value = line.strip().partition("&")
        if value.strip().startswith("="):
            out[sym.strip()] = read_numbers(value.split(r"\quad")[0])
    return out


def test_off_by_default_nothing_recorded_nothing_sent():
    at = make_app("saddle")
    assert at.toggle(key="inspect").value is False
    assert player_data(at)["overlay"] is None
    assert chart(at, "insp_closeup") is None and not [lt for lt in at.latex if "& = " in lt.value]


def test_moving_the_step_cursor_moves_the_arrows_to_the_recorded_values():
    """Adam at the saddle (run 2): set the bar's step, the arrows and the numbers are step t's recorded ones."""
    traj = recorded("saddle", 2)
    rec = traj.record
    at = inspect(make_app("saddle"), 2, 12)
    sent = player_data(at)
    for t in (12, 30, 1):
        at = inspect(at, 2, t)
        arrows = closeup_arrows(at)
        theta = traj.points[t - 1, 0]
        assert set(arrows) == {"gradient", "velocity", "step"}
        for tail, _head in arrows.values():
            np.testing.assert_allclose(tail, theta, rtol=1e-12)
        np.testing.assert_allclose(arrows["step"][1] - theta, traj.points[t, 0] - theta, rtol=1e-9, atol=1e-15)
        np.testing.assert_allclose(arrows["gradient"][1] - theta, -rec.lr[t - 1, 0] * rec.grad[t - 1, 0], rtol=1e-9)
        m_hat = rec.state["exp_avg"][t - 1, 0] / (1 - 0.9**t)
        np.testing.assert_allclose(arrows["velocity"][1] - theta, -0.03 * m_hat, rtol=1e-9)
        rows = latex_rows(at)
        np.testing.assert_allclose(rows["m_t"], rec.state["exp_avg"][t - 1, 0], rtol=1e-3)
        np.testing.assert_allclose(rows["v_t"], rec.state["exp_avg_sq"][t - 1, 0], rtol=1e-3)
        np.testing.assert_allclose(rows[r"\theta_t"], traj.points[t, 0], rtol=1e-3)
        np.testing.assert_allclose(rows[r"\eta^{\mathrm{eff}}_t"], rec.eff_lr[t - 1, 0], rtol=1e-3)
        assert any(f"Step {t} starts at" in m.value.replace("\\", "") for m in at.markdown)
        # the bar's data does not change with the step: the browser is not sent it again, the bar not remounted
        assert player_data(at) == sent


def test_the_overlay_handed_to_the_bar_holds_every_step_of_the_chosen_run_and_layers():
    traj = recorded("zigzag", 2)  # momentum μ = 0.9: overshoots along the valley
    at = inspect(make_app("zigzag"), 2, 20)
    ov = player_data(at)["overlay"]
    assert ov["chart"] == "contour" and "insp_efflr" in ov["cursors"]
    (r,) = ov["runs"]
    assert r["run"] == 2 and set(r["layers"]) == {"gradient", "velocity", "step"}
    steps = traj.steps
    np.testing.assert_allclose(decode(r["points"]).reshape(steps + 1, 1, 2), traj.points, rtol=1e-6)
    vel = decode(r["layers"]["velocity"]).reshape(steps, 1, 2)
    np.testing.assert_allclose(vel, -0.09 * traj.record.state["momentum_buffer"], rtol=1e-6, atol=1e-9)
    # switch layers off: only the chosen ones travel
    at.session_state["insp_layers"] = ["step"]
    at.run()
    (r,) = player_data(at)["overlay"]["runs"]
    assert set(r["layers"]) == {"step"}
    assert set(closeup_arrows(at)) == {"step"}


def test_adagrad_rates_the_table_and_its_csv():
    traj = recorded("adagrad", 0)
    at = inspect(make_app("adagrad"), 0, 100)
    eff = chart(at, "insp_efflr")
    assert eff is not None
    np.testing.assert_allclose(decode(eff["data"][0]["y"]), traj.record.eff_lr[:, 0, 0], rtol=1e-6)
    assert eff["layout"]["shapes"][0]["x0"] == 100
    (ov_run,) = player_data(at)["overlay"]["runs"]
    np.testing.assert_allclose(
        decode(ov_run["layers"]["eff_lr"]).reshape(-1, 1, 2), traj.record.eff_lr, rtol=1e-6
    )  # the rectangles' sides on the map
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith("-insp_csv")]
    frame = at.dataframe[0].value
    assert list(frame["step"]) == list(range(93, 108))  # the rows around the current step
    np.testing.assert_allclose(frame["sum[x]"], traj.record.state["sum"][92:107, 0, 0])


def test_step_zero_and_a_diverged_step_say_so():
    at = inspect(make_app("diverge"), 2, 0)  # SGD lr 0.25 > 2/L diverges
    assert any("Step 0 is the start" in m.value.replace("\\", "") for m in at.markdown)
    assert chart(at, "insp_closeup") is None
    traj = recorded("diverge", 2)
    d = traj.diverged_step(0)
    at = inspect(at, 2, d + 1)
    assert any(f"This run diverged at step {d}" in m.value.replace("\\", "") for m in at.markdown)
    assert chart(at, "insp_closeup") is None


@pytest.mark.parametrize("lesson,i", [("adamw", 2), ("rosenbrock", 1)])
def test_panel_for_other_optimizers(lesson, i):
    at = inspect(make_app(lesson), i, 7)
    traj = recorded(lesson, i)
    rows = latex_rows(at)
    np.testing.assert_allclose(rows[r"\Delta\theta_t"], traj.record.delta[6, 0], rtol=1e-3)
    arrows = closeup_arrows(at)
    if lesson == "adamw":
        np.testing.assert_allclose(arrows["decay"][1] - arrows["decay"][0], -0.1 * 1.0 * traj.points[6, 0], rtol=1e-9)


# ----------------------------------------------------------------------------- a bar position for every step
LONG = Scene(
    surface="rosenbrock",
    runs=(RunConfig("adam", {"lr": 2e-2}), RunConfig("momentum", {"lr": 1e-3})),
    starts=((-1.2, 1.0), (0.0, 2.0)),
    steps=500,
)


def test_with_the_inspector_on_the_bar_covers_every_step():
    """Off: one bar position per animation frame (≤ 121, not every step). On: a position for every step 0 … 500,
    described in two numbers, and the map's frame at any step (built from what the page was sent, as the
    browser builds it) shows the inspected run's path θ_0 … θ_t exactly and its end marker at θ_t."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in scene_to_query(LONG).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception
    off = player_data(at)
    assert off["per_step"] is None and len(off["frames"]) <= 121 and off["steps"][-1] == 500
    assert len(off["steps"]) < 501  # today's bar cannot reach every step: what the inspector fixes
    at = inspect(at, 1, 7)
    on = player_data(at)
    assert on["per_step"] == {"last": 500}
    assert on["frames"] == off["frames"]  # nothing else per step is sent
    fig = go.Figure(chart(at, "contour"))
    (ov,) = on["overlay"]["runs"]
    assert ov["run"] == 1
    traj = run(*_resolved(LONG), lr=1e-3)
    exact = {
        "run": 1,
        "points": decode(ov["points"]).reshape(501, 2, 2),
        "loss": decode(ov["loss"]).reshape(501, 2),
    }
    f32 = traj.points.astype(np.float32)
    for t in (0, 1, 2, 3, 12, 251, 499, 500):
        frame = expand_step(fig, t, exact)
        roles = {i: ((tr.meta or {}).get("role"), (tr.meta or {}).get("run")) for i, tr in enumerate(fig.data)}
        (path,) = [e for i, e in zip(frame["traces"], frame["data"]) if roles[i] == ("path", 1)]
        (head,) = [e for i, e in zip(frame["traces"], frame["data"]) if roles[i] == ("head", 1)]
        xy = np.column_stack([path["x"], path["y"]])
        segments = [s[~np.isnan(s[:, 0])] for s in np.split(xy, np.flatnonzero(np.isnan(xy[:, 0])))]
        for b in range(2):
            np.testing.assert_array_equal(segments[b], f32[: t + 1, b])
            np.testing.assert_array_equal([head["x"][b], head["y"][b]], f32[t, b])
            assert head["customdata"][b][0] == t


def _resolved(scene: Scene):
    r = scene.resolve()
    cfg = scene.runs[1]
    return (r.surface, cfg.optimizer, r.starts, r.steps)


def test_a_recording_over_the_cpu_budget_says_so_in_one_line(monkeypatch):
    """The budget counts the recording: when the scene's simulation fits one request but the simulation and the
    inspected run's recording together do not, the panel says so in one line and nothing is recorded or sent."""
    from ui import heavy, inspector

    resolved = LONG.resolve()
    sim, rec = inspector.costs(resolved, 0)
    assert sim > 0 and 0 < rec < 2 * sim  # the recording is about a run's simulation again, plus its table
    monkeypatch.setattr(heavy, "CPU_BUDGET_S", sim + rec / 2)  # the scene fits, with the recording it does not
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in scene_to_query(LONG).items():
        at.query_params[k] = v
    at.run()
    at = inspect(at, 0, 7)
    (warning,) = [w.value for w in at.warning]
    assert "more than one request may use" in warning and "\n" not in warning
    assert f"({sim + rec / 2:g} s)" in warning
    bar = player_data(at)
    assert bar["overlay"] is None and bar["per_step"] is None
    assert chart(at, "insp_closeup") is None and at.get("plotly_chart")  # the map is still there
    # within the budget (the app's own), the same scene is inspected
    monkeypatch.undo()
    at.run()
    assert not at.warning and player_data(at)["per_step"] == {"last": 500}


def test_the_app_s_largest_scene_can_be_inspected_within_the_budget():
    """8 runs × 3 starts × 10 000 steps (benchmarks.app's heavy scene): simulation and recording fit."""
    from ui import heavy, inspector

    heavy_scene = Scene(
        surface="rosenbrock",
        runs=tuple(
            RunConfig(o, {"lr": 1e-3})
            for o in ("sgd", "momentum", "adam", "rmsprop", "adagrad", "nadam", "adamw", "lion")
        ),
        starts=((-1.2, 1.0), (0.0, 2.0), (1.5, -0.5)),
        steps=10_000,
    ).resolve()
    for i in range(8):
        sim, rec = inspector.costs(heavy_scene, i)
        assert sim + rec <= heavy.CPU_BUDGET_S, (i, sim, rec)
        assert inspector.over_budget(heavy_scene, i) is None
