"""The scene: validated once into a ResolvedScene; its JSON and URL codecs treat every input as hostile."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from i18n import UserError
from optim_core.scene import MAX_CONFIG_BYTES, RunConfig, Scene, simulate
from ui.url import ViewState, scene_from_query, scene_to_query, view_from_query, view_to_query

SCENE = Scene(
    surface="himmelblau",
    runs=(RunConfig("adam", {"lr": 0.05, "betas": (0.8, 0.99)}), RunConfig("adam", {"lr": 0.05, "eps": 0.1})),
    starts=((0.5, -1.0), (-2.0, 2.5)),
    steps=150,
    schedule={"name": "cosine", "T_max": 100},
    noise_std=0.2,
    noise_seed=3,
    clip=5.0,
    window=((-4.0, 4.0), (-3.0, 5.0)),
)


# ============================================================================ resolving once
def test_resolve_holds_everything_the_views_need():
    r = SCENE.resolve()
    assert r.surface.id == "himmelblau" and r.steps == 150 and r.clip == 5.0
    assert r.starts.shape == (2, 2) and r.window == ((-4.0, 4.0), (-3.0, 5.0))
    assert r.runs[0].params["beta1"] == 0.8 and r.runs[1].params["eps"] == 0.1
    assert "beta1=0.8" in r.runs[0].label and "eps=0.1" in r.runs[1].label  # twins told apart
    assert r.schedule == {"name": "cosine", "T_max": 100, "eta_min": 0.0}
    assert r.noise is not None and r.noise.std == 0.2 and r.noise.seed == 3


def test_resolve_is_cached_and_keyed_once():
    a = SCENE.resolve()
    same = Scene.from_json(SCENE.to_json())  # equal scene from another source
    assert same.resolve() is a
    assert a.key == json.dumps(SCENE.to_dict(), sort_keys=True, separators=(",", ":"))
    other = SCENE.with_(steps=151)
    assert other.resolve().key != a.key


def test_run_key_ignores_the_other_runs_and_the_window():
    a = SCENE.resolve()
    b = SCENE.with_(runs=(SCENE.runs[0], RunConfig("sgd", {"lr": 0.01})), window=None).resolve()
    assert a.run_key(0) == b.run_key(0) and a.run_key(1) != b.run_key(1)


def test_simulate_equals_run_per_run():
    trajs = simulate(SCENE)
    r = SCENE.resolve()
    for i, t in enumerate(trajs):
        np.testing.assert_array_equal(t.points, r.simulate_run(i).points)
        assert t.points.shape == (151, 2, 2)


def test_the_default_start_and_window_come_from_the_surface():
    r = Scene(surface="rosenbrock").resolve()
    assert r.starts.tolist() == [[-1.2, 1.0]] and r.window == r.surface.domain


@pytest.mark.parametrize(
    "changes, fragment",
    [
        ({"runs": ()}, "at least one optimizer"),
        ({"runs": (RunConfig("adamm"),)}, "unknown optimizer 'adamm'"),
        ({"runs": (RunConfig("sgd"),) * 9}, "at most 8 runs"),
        ({"steps": 0}, "steps must be a whole number from 1 to 10000, got 0"),
        ({"steps": 10**300}, "got 1e+300"),
        ({"starts": ((1.0,),)}, "has 2 coordinate(s), got 1"),
        ({"starts": ((1e7, 0.0),)}, "within ±1e+06"),
        ({"noise_std": -1.0}, "noise"),
        ({"noise_std": 0.5, "noise_seed": -1}, "noise seed"),
        ({"clip": 0.0}, "clip"),
        ({"window": ((1.0, 0.0), (0.0, 1.0))}, "min < max"),
        ({"window": ((-1e308, 1e308), (-1e308, 1e308))}, "within ±1e+06"),
        ({"window": ((0.0, 1e-12), (0.0, 1.0))}, "too narrow"),
    ],
)
def test_bad_scenes_get_one_line(changes, fragment):
    with pytest.raises(UserError) as info:
        SCENE.with_(**changes).resolve()
    msg = str(info.value)
    assert fragment in msg and "\n" not in msg and len(msg) < 200, msg


# ============================================================================ JSON configs
def test_json_round_trips_and_accepts_bytes_and_a_byte_order_mark():
    text = SCENE.to_json()
    assert Scene.from_json(text) == SCENE
    assert Scene.from_json(text.encode()) == SCENE
    assert Scene.from_json(b"\xef\xbb\xbf" + text.encode()) == SCENE
    assert Scene.from_json("\ufeff" + text) == SCENE


@pytest.mark.parametrize(
    "raw, fragment",
    [
        (b'{"steps": \xff}', "not UTF-8 text"),
        (b"{" + b" " * MAX_CONFIG_BYTES + b"}", "too large"),
        ("[" * 45_000, "nested too deeply"),
        ('{"steps": Infinity}', "contains Infinity"),
        ('{"steps": NaN}', "contains NaN"),
        ('{"clip": -Infinity}', "contains -Infinity"),
        ('{"steps": 1e999}', "too large to use"),
        ('{"steps": 1' + "0" * 400 + "}", "too large to use"),
        ('{"steps": 1e308}', "far too large"),
        ('{"steps": 2.5}', "whole number"),
        ('{"steps": "ten"}', "must be a number"),
        ("[]", "JSON object"),
        ("{", "not valid JSON"),
        ('{"surface": 3}', '"surface" must be a text'),
        ('{"runs": {}}', '"runs" must be a list'),
        ('{"runs": [{"optimizer": "adam", "params": {"lr": [1, 2, 3, 4, 5, 6]}}]}', "lr must be a number"),
        ('{"runs": [{"params": {}}]}', 'needs an "optimizer"'),
        ('{"starts": [[1, 2, 3]]}', "one or two numbers"),
        ('{"window": [[0, 1]]}', "2 ranges"),
        ('{"hack": 1}', "unknown scene field"),
        ('{"version": 7}', "version 7"),
    ],
)
def test_hostile_configs_get_their_own_one_line_message(raw, fragment):
    with pytest.raises(UserError) as info:
        Scene.from_json(raw)
    msg = str(info.value)
    assert fragment in msg, msg
    assert "\n" not in msg and len(msg) < 220, msg


# ============================================================================ links
def test_links_round_trip():
    assert scene_from_query(scene_to_query(SCENE)) == SCENE
    view = ViewState(lang="zh", theme="dark", tab="learn", side="3d", step=12, present=True, hide=frozenset({"lr"}))
    assert view_from_query(view_to_query(view)) == view
    assert view_to_query(ViewState()) == {}


@pytest.mark.parametrize(
    "query, fragment",
    [
        ({"view": "-1e308,1e308,-1e308,1e308"}, "within ±1e+06"),
        ({"view": "1,2,3"}, "view is x min,x max,y min,y max"),
        ({"noise": "0.5,-1"}, "noise seed must be a whole number ≥ 0, got -1"),
        ({"noise": "-0.5"}, "noise std must be ≥ 0"),
        ({"steps": "1e308"}, "steps is far too large"),
        ({"steps": "[Click](https://evil.example/)"}, "steps must be a number"),
        ({"run": "adam:lr=nan"}, "lr must be a finite number"),
        ({"run": "adam:lr"}, "expected name=value"),
        ({"run": ";".join(["sgd"] * 9)}, "at most 8"),
        ({"start": "1,2,3"}, "a start point is x,y"),
        ({"lrs": "nope"}, "unknown schedule"),
        ({"sp": "kappa=abc"}, "kappa must be a number"),
        ({"steps": "9" * 3000}, "too long"),
    ],
)
def test_bad_links_get_one_line(query, fragment):
    with pytest.raises(UserError) as info:
        scene_from_query(query)
    msg = str(info.value)
    assert fragment in msg and "\n" not in msg and len(msg) < 220, msg


def test_bad_view_parameters_are_ignored():
    v = view_from_query({"lang": "xx", "theme": "<b>", "tab": "../", "side": "4d", "step": "-3", "hide": "lr,evil"})
    assert v == ViewState(hide=frozenset({"lr"}))
    assert view_from_query({"learningRate_hide": "true", "lr_hide": "true"}).hide == frozenset({"lr"})


_TEXT = st.text(st.characters(codec="utf-8"), max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(st.sampled_from(["surface", "sp", "run", "start", "steps", "lrs", "noise", "clip", "view"]), _TEXT)
)
def test_any_link_either_loads_or_raises_a_one_line_user_error(query):
    try:
        scene = scene_from_query(query)
    except ValueError as exc:  # SpecError / FormulaError
        assert "\n" not in str(exc)
    else:
        assert scene.resolve().steps >= 1


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.floats() | st.integers() | _TEXT,
        lambda c: st.lists(c, max_size=4) | st.dictionaries(_TEXT, c, max_size=4),
        max_leaves=20,
    )
)
def test_any_json_either_loads_or_raises_a_one_line_user_error(data):
    try:
        text = json.dumps({"runs": data} if isinstance(data, list) else data, allow_nan=True)
    except (TypeError, ValueError):
        return
    try:
        Scene.from_json(text)
    except ValueError as exc:  # SpecError, or a FormulaError for a formula in "surface"
        assert "\n" not in str(exc)


def test_a_dataset_scenes_batch_travels_in_the_link():
    s = Scene(surface="linreg", runs=(RunConfig("sgd", {"lr": 0.05}),), batch_size=16, batch_seed=3, steps=200)
    q = scene_to_query(s)
    assert q["batch"] == "16,3"
    assert scene_from_query(q) == s
    assert scene_to_query(s.with_(batch_seed=0))["batch"] == "16"
    with pytest.raises(UserError):
        scene_from_query({**q, "batch": "16,3,9"})


def test_a_scene_is_serialized_once_however_often_it_is_resolved_or_keyed(monkeypatch):
    """A rerun asks the same scene for resolve() / run_key() ~18 times: the canonical JSON is built once per
    instance (once for the scene, once for the run keys), not on every call."""
    calls = []
    real = Scene.to_dict
    monkeypatch.setattr(Scene, "to_dict", lambda self: calls.append(1) or real(self))
    scene = SCENE.with_(steps=149)  # a fresh instance
    r = scene.resolve()
    for _ in range(5):
        assert scene.resolve() is r and scene.key == r.key
        assert [r.run_key(i) for i in range(2)] == [r.run_key(0), r.run_key(1)]
    assert len(calls) == 2
    # the memo changes nothing a scene is compared or copied by
    assert scene == SCENE.with_(steps=149) and repr(scene) == repr(SCENE.with_(steps=149))
    assert "_resolved" not in scene.__getstate__()
    import pickle

    back = pickle.loads(pickle.dumps(scene))
    assert back == scene and back.resolve().key == r.key
    # the run keys are the ones the old per-call code made
    d = scene.to_dict()
    for i in range(2):
        want = dict(d, runs=[d["runs"][i]], window=None)
        assert r.run_key(i) == json.dumps(want, sort_keys=True, separators=(",", ":"))


def test_an_invalid_scene_raises_on_every_resolve():
    bad = SCENE.with_(steps=0)
    for _ in range(2):
        with pytest.raises(UserError, match="steps must be"):
            bad.resolve()
