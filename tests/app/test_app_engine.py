"""The engine's pieces of the app (AppTest): the textbook forms in the Learn cards, mini-batches on the dataset
surfaces (the batch-size control, the batch panel, the dataset view)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

from optim_core import OPTIMIZERS
from optim_core.scene import Scene, simulate
from ui.url import scene_from_query

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def make_app(query: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in (query or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def current_scene(at: AppTest) -> Scene:
    return scene_from_query(dict(at.query_params))


def test_learn_card_shows_the_textbook_forms_and_runs_one_beside_torchs():
    at = make_app({"surface": "ill_conditioned", "run": "momentum:lr=0.05", "lrs": "step:step_size=20,gamma=0.5"})
    at.session_state["tab"] = "Learn"
    at.run()
    assert not at.exception
    shown = [x.value for x in at.latex]
    for v in OPTIMIZERS["momentum"].variants:
        assert any(v.latex in x for x in shown), v.id
    at.button(key="variant_momentum_lr_inside").click().run()
    assert not at.exception
    runs = current_scene(at).runs
    assert [r.optimizer for r in runs] == ["momentum", "momentum"]
    assert runs[1].params.get("lr_inside") is True and runs[1].params["lr"] == runs[0].params["lr"]
    # under the step schedule the two forms take different paths
    a, b = simulate(current_scene(at))
    assert np.abs(a.points - b.points).max() > 1e-3


def test_learn_tab_shows_the_measured_table():
    at = make_app()
    at.session_state["tab"] = "Learn"
    at.run()
    assert not at.exception
    frames = [d.value for d in at.dataframe]
    measured = [f for f in frames if "Median steps at its best lr" in f.columns]
    assert measured, [list(f.columns) for f in frames]
    assert len(measured[0]) == len(OPTIMIZERS)


def chart(at: AppTest, key: str) -> dict:
    import json

    for c in at.get("plotly_chart"):
        if c.proto.id.endswith("-" + key):
            return json.loads(c.proto.spec)
    raise AssertionError(f"no chart with key {key!r}")


def test_dataset_surface_shows_batch_controls_the_model_and_the_measured_table():
    at = make_app({"surface": "linreg", "run": "sgd:lr=0.05", "steps": "300"})
    # full batch by default: the slider stands at N, the scene has no batch size
    assert at.select_slider(key="batch_size").value == 200
    assert current_scene(at).batch_size is None
    at.select_slider(key="batch_size").set_value(16).run()
    assert not at.exception
    at.number_input(key="batch_seed").set_value(3).run()
    assert not at.exception
    # the map draws the mini-batch path of batch size 16, seed 3
    built = current_scene(at).with_(batch_size=16, batch_seed=3)
    (traj,) = simulate(built)
    assert traj.sampling.batch_size == 16
    # the dataset view is the default side view, animated with the map's frame names
    spec = chart(at, "dataset")
    contour = chart(at, "contour")
    assert [f["name"] for f in spec["frames"]] == contour["layout"]["meta"]["frame_names"]
    roles = [t["meta"]["role"] for t in spec["data"]]
    assert roles == ["data", "model", "batch"]
    # the model line at the last frame is the run's final (w, b)
    w, b = traj.points[-1, 0]
    model = spec["data"][1]
    assert np.allclose(model["y"], [w * x + b for x in model["x"]])
    # the batch panel: per-step / per-epoch evaluations and the measured table of three batch sizes
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Gradient evaluations per step"] == "16"
    table = next(d.value for d in at.dataframe if "Method" in d.value.columns)
    assert [m.split(" · ")[0] for m in table["Method"]] == ["B = 1", "B = 16", "B = 200"]
    assert chart(at, "batch_curves")["data"]


def test_batch_controls_only_on_dataset_surfaces():
    at = make_app()
    assert not [s for s in at.select_slider if s.key == "batch_size"]
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-dataset")]


def test_export_tab_says_why_a_textbook_form_has_no_pytorch_script():
    at = make_app({"surface": "ill_conditioned", "run": "momentum:lr=0.05,lr_inside=true"})
    at.session_state["tab"] = "Export"
    at.run()
    assert not at.exception
    assert any("textbook form of Momentum" in i.value for i in at.info), [i.value for i in at.info]
    assert not [c for c in at.code if "torch.optim" in c.value]


def test_batch_panel_describes_the_chosen_runs_own_batch_size():
    """The lesson's runs sample with batch 1, 16 and 200: the panel's cards and its gradient noise are those of the
    run picked, not the scene's (which is the full batch)."""
    from look.fmt import sig
    from optim_core.batches import gradient_noise
    from surfaces import dataset_of

    at = make_app({"lesson": "batch_size"})
    resolved = current_scene(at).resolve()
    data = dataset_of(resolved.surface)
    assert [r.batch_size for r in resolved.runs] == [1, 16, None]
    seen = {}
    for i, (b, shown) in enumerate([(1, "1 · SGD"), (16, "16 = 2⁴"), (200, "200 · full batch")]):
        at.selectbox(key="batch_run").set_value(i).run()
        assert not at.exception
        metrics = {m.label: m.value for m in at.metric}
        assert metrics["Batch size"] == shown
        assert metrics["Gradient evaluations per step"] == str(b)
        assert metrics["Steps per epoch"] == str(-(-200 // b))
        assert metrics["Epochs run"] == f"{400 * b / 200:g}"
        text = next(m.value for m in at.markdown if "estimates it with a standard deviation of" in m.value)
        # the σ quoted is the batch-b noise at the run's own last point
        traj = resolved.simulate_run(i)
        sigma = float(gradient_noise(data, traj.points[-1, 0], b))
        assert f"a batch of {b} estimates it with a standard deviation of {sig(sigma, 3)} " in text
        seen[i] = (sigma, text)
        table = next(d.value for d in at.dataframe if "Method" in d.value.columns)
        assert f"B = {b}" in " ".join(table["Method"])
    assert seen[0][0] > 0 and seen[2][0] == 0.0
    assert seen[0][1] != seen[2][1]
