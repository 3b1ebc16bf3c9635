"""Lazy animation frames (viz.animation.lazy): the contour figure's frames sent as references to its static paths
expand back into exactly the frames the eager figure carries, in a fraction of the bytes."""

from __future__ import annotations

import numpy as np
import pytest

from look import HIGH_CONTRAST, Look, run_views, surface_view
from optim_core.scene import RunConfig, Scene
from viz import contour_figure
from viz.animation import expand_frames, lazy
from viz.blindfold import blindfold
from viz.figure import decode


def _arr(v) -> np.ndarray | None:
    if isinstance(v, np.ndarray):
        return v.astype(np.float64)
    if isinstance(v, dict) and "bdata" in v:
        return decode(v).astype(np.float64)
    if isinstance(v, (list, tuple)) and all(not isinstance(e, str) for e in np.ravel(np.asarray(v, dtype=object))):
        return np.asarray(v, dtype=float)
    return None


def _assert_same_frames(eager: list[dict], expanded: list[dict]) -> None:
    assert [f["name"] for f in eager] == [f["name"] for f in expanded]
    for fe, fx in zip(eager, expanded):
        assert list(fe["traces"]) == list(fx["traces"]), fe["name"]
        assert len(fe["data"]) == len(fx["data"])
        for a, b in zip(fe["data"], fx["data"]):
            assert set(a) == set(b), (fe["name"], set(a), set(b))
            for k, va in a.items():
                xa, xb = _arr(va), _arr(b[k])
                if xa is None:
                    assert va == b[k], (fe["name"], k)
                    continue
                assert xb is not None, (fe["name"], k)
                # what the browser draws: float32, NaN gap rows in the same places
                assert np.array_equal(xa.astype(np.float32), xb.reshape(xa.shape).astype(np.float32), equal_nan=True), (
                    fe["name"],
                    k,
                )


SCENES = {
    "six runs, one start": Scene(
        surface="rosenbrock",
        runs=tuple(RunConfig(o, {"lr": lr}) for o, lr in [("sgd", 1e-3), ("momentum", 1e-3), ("adam", 2e-2)]),
        steps=400,
    ),
    "three starts, one diverging": Scene(
        surface="quadratic",
        runs=(RunConfig("sgd", {"lr": 0.05}), RunConfig("sgd", {"lr": 1.5})),
        starts=((1.0, 1.0), (-1.5, 0.5), (0.3, -1.2)),
        steps=120,
    ),
}


@pytest.mark.parametrize("name", list(SCENES))
@pytest.mark.parametrize("contrast", [False, True])
def test_lazy_frames_expand_to_the_eager_frames(name, contrast):
    resolved = SCENES[name].resolve()
    views = run_views(resolved.simulate(), [r.label for r in resolved.runs])
    sv = surface_view(resolved.surface, resolved.window, 60)
    look = Look(HIGH_CONTRAST) if contrast else Look()
    starts = np.asarray(resolved.starts)
    eager = contour_figure(sv, views, starts, look=look)
    small = lazy(contour_figure(sv, views, starts, look=look, lazy_frames=True))
    assert small.raw_frames == [] or not small.raw_frames
    assert len(small.to_dict().get("frames") or []) == 0, "the lazy figure sends no Plotly frames"
    lazy_frames = small.layout.meta["lazy_frames"]
    kinds = [("cut" in e) + 2 * ("pick" in e) for f in lazy_frames for e in f["data"]]
    assert kinds.count(1) and kinds.count(2), "paths are cut and end markers picked, not repeated"
    _assert_same_frames(eager.raw_frames, expand_frames(small))
    # the static traces are the same (the last frame is the whole path)
    assert eager.to_dict()["data"] == small.to_dict()["data"]
    assert len(small.to_json()) < 0.5 * len(eager.to_json())


def test_the_blindfold_sight_rides_along_in_the_lazy_frames():
    resolved = SCENES["six runs, one start"].resolve()
    views = run_views(resolved.simulate(), [r.label for r in resolved.runs])
    sv = surface_view(resolved.surface, resolved.window, 60)
    args = (views, resolved.surface.gradient, resolved.window)
    eager = blindfold(contour_figure(sv, views), *args)
    small = lazy(blindfold(contour_figure(sv, views, lazy_frames=True), *args))
    _assert_same_frames(eager.raw_frames, expand_frames(small))
    assert small.layout.meta["blindfold"] is True
