"""The Explore tab in the real app (AppTest): controls, charts, one-line errors, and "use these settings",
which must change the main view's scene (the widgets and the URL) through the app's one state path."""

from __future__ import annotations

import json

import pytest
from test_app import current_scene, make_app, shown

from optim_core import OPTIMIZERS
from ui.widgets import nearest_option

LR_RANGE = OPTIMIZERS["adam"].param("lr").range_text()
BETA_RANGE = OPTIMIZERS["adam"].param("beta1").range_text()


def _error_block_messages(at):
    """Texts of st.error elements inside st.container(key="explore_error")."""
    found = []

    def walk(node, inside):
        inside = inside or getattr(node, "key", None) == "explore_error"
        if getattr(node, "type", None) == "error" and inside:
            found.append(shown(node.value))
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for ch in children.values():
                walk(ch, inside)

    walk(at._tree, False)
    return found


def _chart_keys(at):
    return [c.proto.id.rsplit("-", 1)[-1] for c in at.get("plotly_chart")]


@pytest.fixture
def app():
    at = make_app({"surface": "ill_conditioned", "run": "momentum:lr=0.01;adam:lr=0.01", "tab": "explore"})
    at.default_timeout = 120
    at.run()
    assert not at.exception, at.exception
    return at


def test_app_controls_and_charts(app):
    at = app
    assert at.radio(key="explore_mode").value == "sweep"
    assert at.selectbox(key="explore_optimizer").value == "momentum"
    assert at.selectbox(key="explore_x_param").value == "lr"
    assert at.selectbox(key="explore_y_param").value == "momentum"
    # the default lr range reaches a little past the largest lr that still converges, three decades below it
    lo, hi = at.number_input(key="explore_x_lo").value, at.number_input(key="explore_x_hi").value
    assert hi / lo == pytest.approx(3000, rel=0.02)
    assert at.number_input(key="explore_x_n").value == 64
    assert _chart_keys(at) == ["sweep_heatmap", "sweep_cell_contour"]
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["xaxis"]["type"] == "log"
    assert any(t.get("name") == "stability boundary (theory)" for t in spec["data"])
    caption = next(shown(c.value) for c in at.caption if "runs;" in shown(c.value))
    assert "64×64 runs" in caption and "λmax = 10" in caption
    assert _error_block_messages(at) == []
    # Another optimizer resets the axes to its defaults.
    at.selectbox(key="explore_optimizer").set_value("adam").run()
    assert at.selectbox(key="explore_y_param").value == "beta1"
    assert at.number_input(key="explore_y_hi").value == pytest.approx(0.999)
    assert not any(
        t.get("name") == "stability boundary (theory)" for t in json.loads(at.get("plotly_chart")[0].proto.spec)["data"]
    )
    # The other modes.
    at.radio(key="explore_mode").set_value("basins").run()
    assert not at.exception and _chart_keys(at) == ["basins"]
    at.radio(key="explore_mode").set_value("ensemble").run()
    assert not at.exception and _chart_keys(at) == ["ensemble_loss", "ensemble_cloud"]


@pytest.mark.parametrize(
    "key, value, expected",
    [
        ("explore_x_hi", 1e-9, "x range is reversed:"),
        ("explore_x_lo", 1e3, "x range is reversed:"),
        ("explore_x_lo", 0.0, f"lr is on a log scale: the range must be > 0, got 0 (allowed: {LR_RANGE})"),
        ("explore_y_hi", 1.0, f"y range: momentum must be in {BETA_RANGE}, got 1"),
        ("explore_y_n", 500, "y resolution 500 is over the cap: 2 to 256 values per axis"),
        ("explore_steps", 0, "steps must be a whole number from 1 to 10000"),
    ],
)
def test_app_shows_one_line_errors_in_the_error_container(app, key, value, expected):
    at = app
    at.number_input(key=key).set_value(value).run()
    assert not at.exception, at.exception
    msgs = _error_block_messages(at)
    assert len(msgs) == 1 and expected in msgs[0] and "\n" not in msgs[0], msgs
    assert "sweep_heatmap" not in _chart_keys(at)


def test_app_same_parameter_on_both_axes(app):
    at = app
    at.selectbox(key="explore_y_param").set_value("lr").run()
    assert _error_block_messages(at) == ["x and y are both lr: pick two different hyperparameters"]


def test_app_use_these_settings_updates_the_query_and_the_main_view(app):
    at = app
    label = next(shown(m.value) for m in at.markdown if m.value.startswith("**Selected cell:**"))
    at.button(key="explore_apply").click().run()
    assert not at.exception, at.exception
    query = dict(at.query_params)
    run_q = query["run"] if isinstance(query["run"], str) else query["run"][0]
    assert run_q.startswith("momentum:lr=") and "adam:lr=0.01" in run_q
    lr = float(label.split("lr = ")[1].split(",")[0])
    # applied as the nearest value the sidebar's slider offers (not 0.0003220597919)
    expected = nearest_option(OPTIMIZERS["momentum"].param("lr"), lr)
    assert float(run_q.split("lr=")[1].split(",")[0].split(";")[0]) == pytest.approx(expected, rel=1e-9)
    main_lr = current_scene(at).runs[0].params["lr"]  # the main view's scene, from the widgets
    assert at.select_slider(key="run0_lr").value == pytest.approx(main_lr)
    assert main_lr == pytest.approx(expected, rel=1e-9) and abs(main_lr / lr - 1) < 0.2
    assert any("to the main view" in s.value for s in at.success)


@pytest.mark.parametrize(
    "surface, run",
    [("rosenbrock", "momentum:lr=0.001"), ("rosenbrock", "adam:lr=0.02"), ("himmelblau", "nesterov:lr=0.01")],
)
def test_the_default_sweep_shows_the_interesting_region(surface, run):
    """Rosenbrock's default momentum sweep used to be half diverged (1897 of 4096 cells): the default lr range
    now ends just past the largest lr that converges, so most of the map is alive and the edge is in view."""
    at = make_app({"surface": surface, "run": run, "tab": "explore"})
    at.default_timeout = 120
    at.run()
    spec = json.loads(next(c for c in at.get("plotly_chart") if c.proto.id.endswith("sweep_heatmap")).proto.spec)
    caption = next(shown(c.value) for c in at.caption if "runs;" in shown(c.value))
    diverged = int(caption.split("runs; ")[1].split(" diverged")[0])
    assert diverged < 0.3 * 64 * 64, caption
    if not run.startswith("adam"):  # Adam's normalised steps rarely blow up; the others show their edge
        assert diverged > 0, caption
    assert spec["layout"]["xaxis"]["type"] == "log"


def test_a_256_map_is_within_the_budget_and_a_dataset_map_is_refused_in_one_line():
    at = make_app({"surface": "ill_conditioned", "run": "momentum:lr=0.01", "tab": "explore"})
    at.default_timeout = 120
    at.number_input(key="explore_x_n").set_value(256).run()
    at.number_input(key="explore_y_n").set_value(256).run()
    assert not at.exception and not _error_block_messages(at)
    caption = next(shown(c.value) for c in at.caption if "runs;" in shown(c.value))
    assert "256×256 runs" in caption, caption
    # 10 000 steps of 256² runs: over the CPU budget (ui.heavy.explore_seconds), refused before any work
    at.number_input(key="explore_steps").set_value(10_000).run()
    msgs = _error_block_messages(at)
    assert len(msgs) == 1 and "this map would take about" in msgs[0] and "\n" not in msgs[0], msgs
    assert "sweep_heatmap" not in _chart_keys(at)
    at.number_input(key="explore_steps").set_value(300).run()
    at.radio(key="explore_mode").set_value("basins").run()
    at.number_input(key="explore_basin_n").set_value(256).run()
    assert not at.exception and not _error_block_messages(at) and "basins" in _chart_keys(at)
    # logistic regression: every step sums over its 200 samples; a 64² sweep of 300 steps would take ~10 s
    at = make_app({"surface": "logreg", "run": "adam:lr=0.05", "tab": "explore"})
    at.default_timeout = 120
    at.run()
    msgs = _error_block_messages(at)
    assert len(msgs) == 1 and "lower the resolution or the steps" in msgs[0] and "\n" not in msgs[0], msgs
    at.number_input(key="explore_x_n").set_value(8).run()
    at.number_input(key="explore_y_n").set_value(8).run()
    assert not _error_block_messages(at) and "sweep_heatmap" in _chart_keys(at)
