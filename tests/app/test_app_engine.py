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
