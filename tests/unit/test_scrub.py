"""Live scrubbing's payload (viz/scrub.py): every slider value's path is exactly what run() gives for that value,
drawn as the contour view draws a path, and the whole payload stays within its budget."""

from __future__ import annotations

import numpy as np
import pytest

from optim_core import OPTIMIZERS, run
from optim_core.scene import RunConfig, Scene
from ui.widgets import slider_options
from viz.scrub import POINT_BUDGET, ScrubPaths, identity, payload_stride, scrub_paths

BENCH = Scene(
    surface="rosenbrock",
    runs=tuple(
        RunConfig(o, {"lr": lr})
        for o, lr in [
            ("sgd", 1e-3),
            ("momentum", 1e-3),
            ("adam", 2e-2),
            ("rmsprop", 5e-3),
            ("adagrad", 0.1),
            ("nadam", 2e-2),
        ]
    ),
    steps=500,
)


def _expected(resolved, i: int, param: str, value: float) -> tuple[np.ndarray, np.ndarray]:
    """run() for run i with param = value, every start: (points (steps+1, B, 2), diverged_at (B,))."""
    r = resolved.runs[i]
    params = {**dict(r.config.params), param: value}
    noise = {"std": resolved.noise.std, "seed": resolved.noise.seed} if resolved.noise else None
    traj = run(
        resolved.surface,
        r.spec,
        resolved.starts,
        resolved.steps,
        schedule=dict(r.schedule),
        noise=noise,
        clip=resolved.clip,
        batch_size=r.batch_size,
        seed=resolved.batch_seed,
        **params,
    )
    return traj.points, traj.diverged_at


def _drawn(points: np.ndarray, diverged_at: np.ndarray, stride: int) -> np.ndarray:
    """What the contour view draws for one run: every start up to its last finite point, decimated by stride
    (the last point always kept), starts joined by a NaN row; float32."""
    steps = points.shape[0] - 1
    parts = []
    for b, d in enumerate(diverged_at):
        last = steps if d < 0 else max(int(d) - 1, 0)
        keep = np.arange(0, last + 1, stride)
        if keep[-1] != last:
            keep = np.append(keep, last)
        if parts:
            parts.append(np.full((1, 2), np.nan))
        parts.append(points[keep, b, :])
    return np.concatenate(parts).astype(np.float32)


def _assert_exact(paths: ScrubPaths, resolved, i: int, param: str) -> int:
    checked = 0
    for g, value in enumerate(paths.values):
        if not paths.ok[g]:
            assert len(paths.path(g)) == 0
            continue
        points, diverged = _expected(resolved, i, param, float(value))
        want = _drawn(points, diverged, paths.stride)
        got = paths.path(g)
        assert got.dtype == np.float32
        assert got.shape == want.shape, (param, value, got.shape, want.shape)
        np.testing.assert_array_equal(got, want, err_msg=f"{param}={value}")
        np.testing.assert_array_equal(paths.diverged_at[g], diverged)
        heads = np.array([want[~np.isnan(want[:, 0])][-1]]) if len(diverged) == 1 else None
        if heads is not None:
            np.testing.assert_array_equal(paths.heads[g], heads)
        checked += 1
    return checked


@pytest.mark.parametrize("optimizer", list(OPTIMIZERS))
def test_every_slider_value_is_exactly_runs_path(optimizer):
    """Every float slider of every optimizer: each option's path equals run()'s for that value (two starts, a
    schedule and clipping on, so the batch of values × starts is exercised with all of them)."""
    scene = Scene(
        surface="rosenbrock",
        runs=(RunConfig(optimizer, {"lr": 1e-3}),),
        starts=((-1.2, 1.0), (0.5, -0.5)),
        steps=40,
        schedule={"name": "cosine"},
        clip=5.0,
    )
    resolved = scene.resolve()
    spec = OPTIMIZERS[optimizer]
    n = 0
    for p in spec.hyperparams:
        options = slider_options(p, resolved.runs[0].params[p.name])
        if options is None:
            continue
        paths = scrub_paths(resolved, 0, p.name, options)
        assert paths.stride == 1
        assert list(paths.values) == options
        n += _assert_exact(paths, resolved, 0, p.name)
    assert n >= 100  # lr alone has 81 options


def test_paths_with_gradient_noise_are_runs_own():
    """With noise every value runs on its own, so each path is the one run() gives (its noise stream depends on
    the batch size): the batched shortcut would give other numbers."""
    scene = Scene(
        surface="himmelblau",
        runs=(RunConfig("momentum", {"lr": 0.01}),),
        starts=((0.0, 0.0), (1.0, -1.0)),
        steps=60,
        noise_std=2.0,
        noise_seed=7,
    )
    resolved = scene.resolve()
    p = OPTIMIZERS["momentum"].param("momentum")
    options = slider_options(p, 0.0)
    paths = scrub_paths(resolved, 0, "momentum", options)
    assert _assert_exact(paths, resolved, 0, "momentum") == len(options)
    batched = scrub_paths(resolved.scene.with_(noise_std=0.0).resolve(), 0, "momentum", options)
    assert not np.array_equal(batched.xy, paths.xy)  # the noise did reach every path


def test_a_runs_own_schedule_and_mini_batch_are_kept():
    """A run with its own schedule and its own mini-batch size (run=…@schedule, batch=…) scrubs with them, not
    with the scene's: each value's path is the one the map would draw for it."""
    scene = Scene(
        surface="linreg",
        runs=(
            RunConfig("sgd", {"lr": 0.05}, schedule={"name": "step", "step_size": 20}, batch_size=4),
            RunConfig("sgd", {"lr": 0.05}),
        ),
        steps=80,
        batch_size=16,
        batch_seed=3,
    )
    resolved = scene.resolve()
    assert resolved.runs[0].batch_size == 4 and resolved.runs[0].schedule["name"] == "step"
    options = slider_options(OPTIMIZERS["sgd"].param("lr"), 0.05)[30:40]
    paths = scrub_paths(resolved, 0, "lr", options)
    assert _assert_exact(paths, resolved, 0, "lr") == len(options)
    at = list(options).index(min(options, key=lambda v: abs(v - 0.05)))
    np.testing.assert_array_equal(paths.heads[at, 0], resolved.simulate_run(0).points[-1, 0].astype(np.float32))


def test_values_outside_the_valid_range_have_no_path():
    resolved = BENCH.resolve()
    paths = scrub_paths(resolved, 1, "momentum", [0.5, 1.0, -0.1, float("nan"), 0.9])
    assert list(paths.ok) == [True, False, False, False, True]
    assert [len(paths.path(g)) for g in range(5)] == [501, 0, 0, 0, 501]
    _assert_exact(paths, resolved, 1, "momentum")


def test_diverging_values_stop_at_their_last_finite_point():
    scene = Scene(surface="quadratic", runs=(RunConfig("sgd", {"lr": 0.1}),), steps=200)
    resolved = scene.resolve()
    options = slider_options(OPTIMIZERS["sgd"].param("lr"), 0.1)
    paths = scrub_paths(resolved, 0, "lr", options)
    diverged = [v for g, v in enumerate(paths.values) if paths.diverged_at[g, 0] >= 0]
    calm = [v for g, v in enumerate(paths.values) if paths.diverged_at[g, 0] < 0]
    assert diverged and calm and max(calm) < min(diverged)  # large learning rates diverge, small ones do not
    for g, v in enumerate(paths.values):
        d = int(paths.diverged_at[g, 0])
        if d >= 0:
            assert len(paths.path(g)) == max(d - 1, 0) + 1, v
            assert np.isfinite(paths.path(g)).all()
    _assert_exact(paths, resolved, 0, "lr")


def test_a_figure_stride_is_kept_odd_and_decimates_like_the_figure():
    resolved = BENCH.resolve()
    options = slider_options(OPTIMIZERS["adam"].param("lr"), 0.02)
    paths = scrub_paths(resolved, 2, "lr", options, stride=4)
    assert paths.stride == 5
    _assert_exact(paths, resolved, 2, "lr")


def test_payload_of_one_slider_of_six_runs_x_500_steps_is_within_budget():
    resolved = BENCH.resolve()
    for i, r in enumerate(resolved.runs):
        options = slider_options(r.spec.param("lr"), r.params["lr"])
        paths = scrub_paths(resolved, i, "lr", options)
        size = len(paths.to_bytes(labels=[str(v) for v in options]))
        assert paths.stride == 1  # 81 values × 501 points: no decimation needed
        assert size < 2_000_000, size
        assert size < 81 * 501 * 8 + 20_000  # float32 x and y, a small header


def test_heavy_scenes_are_decimated_to_the_point_budget():
    """8 starts × 10 000 steps × 81 lr values would be 6.5 M points: the stride grows (odd) until the paths fit."""
    starts = tuple((x, y) for x in (-1.5, 0.0, 1.5) for y in (-0.5, 2.0))[:8]
    scene = Scene(surface="rosenbrock", runs=(RunConfig("adam", {"lr": 0.01}),), starts=starts, steps=10_000)
    resolved = scene.resolve()
    options = slider_options(OPTIMIZERS["adam"].param("lr"), 0.01)
    paths = scrub_paths(resolved, 0, "lr", options)
    assert paths.stride % 2 == 1 and paths.stride > 1
    assert paths.points <= POINT_BUDGET
    assert len(paths.to_bytes()) < 2_000_000
    # spot-check three values against run()
    for g in (0, 30, 60):
        points, diverged = _expected(resolved, 0, "lr", float(paths.values[g]))
        np.testing.assert_array_equal(paths.path(g), _drawn(points, diverged, paths.stride))


def test_payload_stride():
    assert payload_stride(81, 1, 500) == 1
    assert payload_stride(81, 1, 500, at_least=2) == 3
    s = payload_stride(81, 8, 10_000)
    assert s % 2 == 1 and 81 * 8 * (10_000 // s + 2) <= POINT_BUDGET
    assert payload_stride(81, 8, 10_000, budget=1) <= 10_001  # never beyond the steps


def test_bytes_round_trip():
    resolved = BENCH.resolve()
    options = slider_options(OPTIMIZERS["momentum"].param("momentum"), 0.9)
    paths = scrub_paths(resolved, 1, "momentum", options)
    blob = paths.to_bytes(id="abc", labels=["x"] * len(options))
    back, head = ScrubPaths.from_bytes(blob)
    assert head["id"] == "abc" and head["run"] == 1 and head["param"] == "momentum"
    np.testing.assert_array_equal(back.xy, paths.xy)
    np.testing.assert_array_equal(back.heads, paths.heads)
    np.testing.assert_array_equal(back.offsets, paths.offsets)
    np.testing.assert_array_equal(back.diverged_at, paths.diverged_at)
    assert list(back.ok) == list(paths.ok)


def test_identity_ignores_the_moved_value_but_not_the_rest():
    options = slider_options(OPTIMIZERS["adam"].param("lr"), 0.02)
    a = BENCH.resolve()
    moved = BENCH.with_(runs=(*BENCH.runs[:2], RunConfig("adam", {"lr": 0.5}), *BENCH.runs[3:])).resolve()
    other = BENCH.with_(runs=(*BENCH.runs[:2], RunConfig("adam", {"lr": 0.02, "beta1": 0.8}), *BENCH.runs[3:]))
    elsewhere = BENCH.with_(runs=(RunConfig("sgd", {"lr": 0.5}), *BENCH.runs[1:])).resolve()
    assert identity(a, 2, "lr", options) == identity(moved, 2, "lr", options)
    assert identity(a, 2, "lr", options) == identity(elsewhere, 2, "lr", options)  # another run's slider
    assert identity(a, 2, "lr", options) != identity(other.resolve(), 2, "lr", options)
    assert identity(a, 2, "lr", options) != identity(a, 2, "lr", options[:-1])
    assert identity(a, 2, "lr", options) != identity(BENCH.with_(steps=300).resolve(), 2, "lr", options)


def test_bad_requests_raise_one_line_errors():
    resolved = BENCH.resolve()
    with pytest.raises(ValueError, match="no run"):
        scrub_paths(resolved, 9, "lr", [0.1])
    with pytest.raises(ValueError, match="no hyperparameter"):
        scrub_paths(resolved, 0, "nope", [0.1])
    amsgrad = Scene(runs=(RunConfig("adam", {"lr": 0.01}),)).resolve()
    with pytest.raises(ValueError, match="not a number"):
        scrub_paths(amsgrad, 0, "amsgrad", [0.0])


def test_a_curves_paths_are_theta_and_f_of_theta_exactly_as_run_gives_them():
    """A 1-D scene's view is its curve: each value's path is (θ_t, f(θ_t)), what viz.curve draws, from run()."""
    scene = Scene(surface="double_well", runs=(RunConfig("sgd", {"lr": 0.1}), RunConfig("adam", {"lr": 0.3})), steps=40)
    resolved = scene.resolve()
    assert resolved.dim == 1
    for i, r in enumerate(resolved.runs):
        options = slider_options(r.spec.param("lr"), r.params["lr"])
        paths = scrub_paths(resolved, i, "lr", options)
        checked = 0
        for g, value in enumerate(paths.values):
            if not paths.ok[g]:
                continue
            traj = run(
                resolved.surface,
                r.spec,
                resolved.starts,
                resolved.steps,
                **{**dict(r.config.params), "lr": float(value)},
            )
            both = np.concatenate([traj.points, traj.loss[:, :, None]], axis=2)
            want = _drawn(both, traj.diverged_at, paths.stride)
            np.testing.assert_array_equal(paths.path(g), want, err_msg=f"run {i} lr={value}")
            checked += 1
        assert checked > 10
