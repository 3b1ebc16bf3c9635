"""Exports within a budget: the cost model, the one-line refusals, the UI's limits, the streamed GIF writer, memory
given back, and data files that are bounded and built on demand.  (Speed itself is measured by
``python -m benchmarks.render --budget``, never asserted here.)"""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

import i18n
from export import BudgetError, PathLayer, SurfaceImage, View3D, budget, render_gif, render_mp4, render_png
from export.budget import CPU_SECONDS, MEMORY_MB, SIZES, Job, estimate, limits, max_frames
from export.data import MAX_ROWS, iter_paths_csv, paths_csv, paths_json, read_paths_csv, read_paths_json, step_stride
from export.encode import GifStream
from export.scene import RenderOptions, export_scene
from optim_core.scene import RunConfig, Scene, simulate

HEAVY = dict(paths=64, steps=10_000)  # the UI's own limits: 8 runs × 8 starts × 10 000 steps


# ----------------------------------------------------------------------------- the cost model
def test_cost_grows_with_every_option():
    base = Job("gif", 640, 480, 150, paths=4, steps=500)
    e = estimate(base)
    assert e.fits() and e.seconds > 0 and e.megabytes > 0
    assert estimate(Job("gif", 1280, 720, 150, paths=4, steps=500)).seconds > e.seconds
    assert estimate(Job("gif", 640, 480, 300, paths=4, steps=500)).seconds > e.seconds
    assert estimate(Job("gif", 640, 480, 150, paths=32, steps=500)).seconds > e.seconds
    assert estimate(Job("gif", 640, 480, 150, "3d", paths=4, steps=500)).seconds > e.seconds
    assert estimate(Job("mp4", 640, 480, 150, paths=4, steps=500)).seconds > e.seconds
    assert estimate(Job("png", 640, 480, 150, paths=4, steps=500)).seconds < e.seconds
    # frames beyond the steps are not drawn
    assert estimate(Job("gif", 640, 480, 600, paths=4, steps=100)).seconds == pytest.approx(
        estimate(Job("gif", 640, 480, 101, paths=4, steps=100)).seconds
    )
    turning = Job("gif", 640, 480, 150, "3d", View3D(rotate_deg_per_frame=2.0), paths=4, steps=500)
    assert estimate(turning).seconds > 5 * estimate(Job("gif", 640, 480, 150, "3d", paths=4, steps=500)).seconds


def test_a_curves_cost_grows_with_its_chords_and_thinning_bounds_it():
    """A 1-D chord spans its panel: paths × frames × pixels; long paths draw every k-th iterate."""
    base = Job("gif", 640, 480, 150, "curve", paths=8, steps=500)
    e = estimate(base)
    assert e.fits()
    for bigger in (
        Job("gif", 1280, 720, 150, "curve", paths=8, steps=500),
        Job("gif", 640, 480, 300, "curve", paths=8, steps=1000),
        Job("gif", 640, 480, 150, "curve", paths=32, steps=500),
        Job("mp4", 640, 480, 150, "curve", paths=8, steps=500),
    ):
        assert estimate(bigger).seconds > e.seconds, bigger
    assert estimate(Job("png", 640, 480, 150, "curve", paths=8, steps=500)).seconds < e.seconds
    # every k-th iterate: 10 000 steps cost about what 10 000 / k do
    thin = Job("png", 640, 480, 150, "curve", paths=128, steps=10_000, every=81)
    assert thin.drawn_points == 10_000 // 81 + 1 + 1 + 1  # every 81st, the last step, the frame's own
    assert estimate(thin).seconds < estimate(Job("png", 640, 480, 150, "curve", paths=128, steps=10_000)).seconds
    # no surface picture: a curve needs less memory than a contour frame of the same size
    assert estimate(base).megabytes < estimate(Job("gif", 640, 480, 150, paths=8, steps=500)).megabytes


def test_every_size_within_the_hard_limits_fits_the_memory_budget():
    for fmt in ("gif", "mp4", "png"):
        for style in ("contour", "3d"):
            assert estimate(Job(fmt, 1920, 1080, 600, style, **HEAVY)).megabytes <= MEMORY_MB


def test_limits_tell_the_ui_how_many_frames_each_size_allows():
    light = limits(paths=4, steps=500)
    assert set(light) == set(SIZES) and all(v == 600 for v in light.values())
    heavy = limits(**HEAVY)
    frames = [heavy[s] for s in SIZES]
    assert all(2 <= f < 600 for f in frames) and frames == sorted(frames, reverse=True)
    for size, most in heavy.items():  # the limit is exact: one more frame is over budget
        assert estimate(Job("gif", *size, most, **HEAVY)).seconds <= CPU_SECONDS
        assert estimate(Job("gif", *size, most + 1, **HEAVY)).seconds > CPU_SECONDS
    mp4 = limits(**HEAVY, fmt="mp4", pause_frames=30)
    assert all(mp4[s] <= heavy[s] for s in SIZES)
    assert limits(**HEAVY, style="3d")[(1280, 720)] < heavy[(1280, 720)]


@pytest.mark.parametrize(
    "job,fragment",
    [
        (Job("gif", 1280, 720, 600, **HEAVY), "lower the frames to"),
        (Job("gif", 640, 480, 600, "3d", View3D(rotate_deg_per_frame=3.0), paths=4, steps=600), "lower the frames"),
        (Job("gif", 1920, 1080, 600, "3d", paths=400, steps=10_000), "too many paths and steps"),
    ],
)
def test_over_budget_is_refused_in_one_translatable_line(job, fragment):
    with pytest.raises(BudgetError) as e:
        budget.check(job)
    msg = str(e.value)
    assert fragment in msg and "\n" not in msg and isinstance(e.value, i18n.UserError)
    assert e.value.template != msg or not e.value.params  # a constant template with parameters
    if "lower the frames" in msg:
        assert f"to {max_frames(job)} or fewer" in msg


def _heavy_paths(n: int = 64, steps: int = 10_000) -> list[PathLayer]:
    t = np.linspace(0, 1, steps + 1)[:, None]
    rng = np.random.default_rng(0)
    return [
        PathLayer(rng.uniform(-1, 1, 2) * (1 - t) + 0.01 * np.sin(30 * t), "#0072B2", f"run {k}" if k < 8 else "")
        for k in range(n)
    ]


def _bowl(n: int = 40) -> SurfaceImage:
    xs = np.linspace(-2, 2, n)
    gx, gy = np.meshgrid(xs, xs)
    return SurfaceImage(xs, xs, gx**2 + gy**2, title="bowl")


@pytest.mark.parametrize("render", [render_gif, render_mp4, render_png])
def test_renderers_refuse_before_any_work(render, monkeypatch):
    import export.encode as encode

    def no_work(*a, **k):
        raise AssertionError("a render over budget started drawing")

    monkeypatch.setattr(encode, "make_frames", no_work)
    style = "3d" if render is render_png else "contour"  # a 3-D PNG of 400 long paths is over budget too
    paths = _heavy_paths(400 if render is render_png else 64)
    with pytest.raises(BudgetError):
        render(_bowl(), paths, size=(1280, 720), frames=600, style=style)


def test_export_scene_refuses_a_heavy_scene_in_one_line():
    scene = Scene(
        surface="rosenbrock",
        runs=tuple(RunConfig(o, {"lr": 1e-4}) for o in ("sgd", "momentum", "adam", "rmsprop", "adagrad", "nadam")),
        starts=tuple((-1.5 + 0.3 * i, 2.0 - 0.2 * i) for i in range(8)),
        steps=10_000,
    )
    with pytest.raises(BudgetError) as e:
        export_scene(scene, "gif", RenderOptions(size=(1280, 720), frames=600))
    assert "lower the frames to" in str(e.value) and "\n" not in str(e.value)


# ----------------------------------------------------------------------------- the streamed GIF and memory
def test_gif_stream_writes_only_changes_and_decodes_to_the_frames():
    rng = np.random.default_rng(1)
    palette = rng.integers(0, 256, 768, dtype=np.uint8)
    palette[255 * 3 : 256 * 3] = (1, 2, 3)
    frames = [rng.integers(0, 250, (60, 80), dtype=np.uint8)]
    for k in range(5):
        nxt = frames[-1].copy()
        if k != 2:  # frame 3 repeats frame 2: nothing changes
            nxt[10 + k : 20 + k, 5 : 30 + 5 * k] = rng.integers(0, 250, (10, 25 + 5 * k))
        frames.append(nxt)
    buf = io.BytesIO()
    gif = GifStream(buf, (80, 60), palette.tobytes(), transparent=255, loop=0)
    for f in frames:
        gif.add(f, 7)
    gif.close()
    im = Image.open(io.BytesIO(buf.getvalue()))
    assert im.n_frames == len(frames) and im.info["loop"] == 0
    pal = palette.reshape(-1, 3)
    stored = []
    for k in range(im.n_frames):
        im.seek(k)
        stored.append(tuple(im.tile[0][1]))  # the rectangle this frame stores (before it is composited)
        np.testing.assert_array_equal(np.asarray(im.convert("RGB")), pal[frames[k]])
        assert im.info["duration"] == 70
    assert stored[0] == (0, 0, 80, 60)
    assert stored[1] == (5, 10, 30, 20) and stored[3] == (0, 0, 1, 1)  # the changed rectangle; nothing changed


def test_render_gif_gives_its_memory_back_and_keeps_only_the_file(monkeypatch):
    calls = []
    real = budget.release_memory
    monkeypatch.setattr(budget, "release_memory", lambda: calls.append(1) or real())
    data = render_gif(_bowl(), _heavy_paths(4, 200), size=(320, 240), frames=20)
    assert Image.open(io.BytesIO(data)).n_frames == 20 and calls == [1]
    with pytest.raises(ZeroDivisionError):
        budget.released(lambda: 1 / 0)
    assert calls == [1, 1]


# ----------------------------------------------------------------------------- data files: bounded, on demand
def test_data_files_are_bounded_and_keep_first_last_and_divergence_steps():
    scene = Scene(
        surface="quadratic",
        runs=(RunConfig("sgd", {"lr": 1.5}), RunConfig("adam", {"lr": 0.01})),
        starts=((1.0, 1.0), (-1.0, 0.5)),
        steps=2000,
    )
    trajs = simulate(scene)
    assert step_stride(trajs) == 1 and MAX_ROWS >= 200_000  # a normal scene: every step
    cap = 1000
    stride = step_stride(trajs, cap)
    assert stride > 1
    csv_data = read_paths_csv(paths_csv(scene, trajs, cap))
    assert sum(len(e["x"]) for e in csv_data.values()) <= cap
    for (r, b), e in csv_data.items():
        t = trajs[r]
        steps = e["step"]
        assert steps[0] == 0 and steps[-1] == t.steps
        d = t.diverged_step(b)
        if d is not None:
            assert d in steps and d - 1 in steps
        np.testing.assert_array_equal(e["x"], t.points[steps, b, 0])
        np.testing.assert_array_equal(e["loss"], t.loss[steps, b])
    assert trajs[0].diverged_step(0) is not None  # the case above was exercised
    js = read_paths_json(paths_json(scene, trajs, cap))
    assert js["step_stride"] == stride
    p = js["runs"][1]["paths"][0]
    np.testing.assert_array_equal(p["points"], trajs[1].points[p["steps"], 0])


def test_csv_is_built_piece_by_piece():
    scene = Scene(surface="quadratic", runs=(RunConfig("sgd", {"lr": 0.1}),), starts=((1.0, 1.0), (0.5, 0.5)), steps=5)
    pieces = iter_paths_csv(scene, simulate(scene))
    assert next(pieces).startswith("run,label,optimizer,start,step,")
    rest = list(pieces)
    assert len(rest) == 2 and all(p.count("\n") == 6 for p in rest)
