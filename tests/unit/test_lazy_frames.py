"""Lazy animation frames (viz.animation.lazy): the contour figure's frames sent as references to its static paths
expand back into exactly the frames the eager figure carries, in a fraction of the bytes."""

from __future__ import annotations

import numpy as np
import pytest

from look import HIGH_CONTRAST, Look, run_views, surface_view
from optim_core.scene import RunConfig, Scene
from viz import contour_figure
from viz.animation import expand_frames, expand_step, lazy
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


# ----------------------------------------------------------------------------- a frame per step (the inspector)
HEAVY = Scene(
    surface="rosenbrock",
    runs=(RunConfig("adam", {"lr": 2e-2}), RunConfig("sgd", {"lr": 1e-3}), RunConfig("momentum", {"lr": 1e-3})),
    starts=((-1.2, 1.0), (0.0, 2.0), (1.5, -0.5)),
    steps=3000,
)


def _lazy_figure(scene: Scene, contrast: bool = False):
    resolved = scene.resolve()
    trajs = resolved.simulate()
    views = run_views(trajs, [r.label for r in resolved.runs])
    sv = surface_view(resolved.surface, resolved.window, 60)
    look = Look(HIGH_CONTRAST) if contrast else Look()
    return trajs, lazy(contour_figure(sv, views, np.asarray(resolved.starts), look=look, lazy_frames=True))


@pytest.mark.parametrize("scene", [*SCENES.values(), HEAVY], ids=[*SCENES, "thinned"])
@pytest.mark.parametrize("contrast", [False, True])
def test_the_frame_of_a_step_at_a_frames_step_is_that_frame(scene, contrast):
    """expand_step (ui/player.js stepFrame in Python) at each frame's own step builds exactly that frame, thinned
    paths too, with or without the inspected run's exact points."""
    trajs, fig = _lazy_figure(scene, contrast)
    frames = expand_frames(fig)
    steps = fig.layout.meta["frame_steps"]
    exact = {"run": 0, "points": trajs[0].points, "loss": trajs[0].loss}
    for i in range(0, len(frames), 7):
        got = expand_step(fig, steps[i], exact if fig.layout.meta["stride"] == 1 else None)
        _assert_same_frames([frames[i]], [{"name": frames[i]["name"], **got}])


def _path(frame: dict, fig, run: int) -> tuple[np.ndarray, np.ndarray]:
    """(x/y of run's path (NaN rows between starts), x/y of its end markers) in a frame."""
    roles = [(tr.meta or {}).get("role") for tr in fig.data]
    runs = [(tr.meta or {}).get("run") for tr in fig.data]
    out = {}
    for t, e in zip(frame["traces"], frame["data"]):
        if runs[t] == run and roles[t] in ("path", "head"):
            out[roles[t]] = np.column_stack([e["x"], e["y"]])
    return out["path"], out["head"]


@pytest.mark.parametrize("scene", [SCENES["six runs, one start"], HEAVY], ids=["every step kept", "thinned"])
def test_every_step_has_a_frame_whose_inspected_path_ends_at_that_step(scene):
    """The inspected run's path at step t is θ_0 … θ_t (far behind t at the static path's stride when it is
    thinned, stride 1 after its last kept row), its end marker θ_t, for steps between the frames' steps too."""
    trajs, fig = _lazy_figure(scene)
    stride = fig.layout.meta["stride"]
    assert (stride > 1) == (scene is HEAVY)
    frame_steps = set(fig.layout.meta["frame_steps"])
    tr = trajs[0]
    f32 = tr.points.astype(np.float32).astype(np.float64)
    exact = {"run": 0, "points": tr.points, "loss": tr.loss}
    ts = (1, 2, 3, 12, 58, tr.steps // 2 + 1, tr.steps - 1)
    assert set(ts) - frame_steps, "steps between the frames' steps"
    for t in ts:
        path, head = _path(expand_step(fig, t, exact), fig, 0)
        segments = np.split(path, np.flatnonzero(np.isnan(path[:, 0])))
        assert len(segments) == tr.batch
        for b, seg in enumerate(segments):
            seg = seg[~np.isnan(seg[:, 0])]
            want = np.r_[np.arange(0, t + 1, stride), np.arange(t - t % stride + 1, t + 1)]
            want = np.unique(want[want <= t])
            np.testing.assert_array_equal(seg, f32[want, b])
            np.testing.assert_array_equal(head[b], f32[t, b])
        # another run (not inspected): its static rows up to t, its end marker on its last kept row
        other_path, other_head = _path(expand_step(fig, t, exact), fig, 1)
        kept = np.arange(0, t + 1, stride)
        np.testing.assert_array_equal(other_head[0], trajs[1].points[kept[-1], 0].astype(np.float32))
