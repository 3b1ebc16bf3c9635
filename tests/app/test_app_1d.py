"""1-D curves in the real app (AppTest): the curve and θ against the iteration draw the runs' iterates; a typed
formula in x becomes a curve when chosen as one, and the link keeps it a curve."""

from __future__ import annotations

import json

import numpy as np
from test_app import current_scene, make_app

from optim_core.scene import RunConfig, Scene
from viz import decode


def _chart(at, key):
    (c,) = [c for c in at.get("plotly_chart") if c.proto.id.endswith("-" + key)]
    return json.loads(c.proto.spec)


def _traces(spec, role):
    return [t for t in spec["data"] if (t.get("meta") or {}).get("role") == role]


def test_a_builtin_curve_draws_the_balls_and_theta():
    at = make_app({"surface": "parabola", "run": "sgd:lr=0.1;sgd:lr=0.9", "steps": "30"})
    assert not at.exception
    scene = current_scene(at)
    trajs = scene.resolve().simulate()
    curve = _chart(at, "contour")
    heads = _traces(curve, "head")
    for r, t in enumerate(trajs):
        np.testing.assert_allclose(np.asarray(decode(heads[r]["x"]), dtype=float), [t.points[-1, 0, 0]], rtol=1e-6)
    theta = _chart(at, "theta")  # the 1-D side view by default
    lines = _traces(theta, "theta")
    np.testing.assert_allclose(np.asarray(decode(lines[1]["y"]), dtype=float), trajs[1].points[:, 0, 0], rtol=1e-6)


def test_a_typed_curve_stays_a_curve_in_the_link():
    at = make_app()
    at.selectbox(key="surface").set_value("custom_curve").run()
    at.text_input(key="formula").input("(x^2 - 1)^2").run()
    assert not at.exception
    scene = current_scene(at)
    assert scene.surface == "(x^2 - 1)^2" and len(scene.starts) == 1 and len(scene.starts[0]) == 1
    assert scene.resolve().dim == 1
    # the same formula with a two-number start is the 2-D valley
    assert Scene(surface="(x^2 - 1)^2", starts=((0.5, 0.5),), runs=(RunConfig("sgd"),)).resolve().dim == 2
