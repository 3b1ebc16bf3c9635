"""Exports of a 1-D curve: the curve f(x) with each run's iterates and ball, θ against the iteration beside it.

Frames are decoded and checked at the pixels where the renderer says it put things (data_to_pixel), and against
the screen's 1-D view (viz.curve): same samples, same colours.
"""

from __future__ import annotations

import io

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image, ImageSequence

from cli import main
from export import CurveImage, PathLayer, data_to_pixel, render_gif, render_png
from export.budget import SIZES, BudgetError
from export.scene import RenderOptions, curve_image, export_scene, path_layers, scene_limits
from look import DARK, HIGH_CONTRAST, LIGHT, curve_view, hex_to_rgb, make_look, run_views
from optim_core.scene import RunConfig, Scene, simulate
from viz.curve import curve_figure
from viz.curve import curve_view as screen_curve_view

SCENE = Scene(
    surface="parabola",
    runs=(RunConfig("sgd", {"lr": 0.1}), RunConfig("momentum", {"lr": 0.1, "momentum": 0.8})),
    starts=((2.0,),),
    steps=30,
)
DIVERGING = Scene(surface="parabola", runs=(RunConfig("sgd", {"lr": 1.2}),), starts=((2.0,),), steps=50)


def rgb_frames(data: bytes) -> list[np.ndarray]:
    return [np.asarray(f.convert("RGB")).astype(int) for f in ImageSequence.Iterator(Image.open(io.BytesIO(data)))]


def png(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def near(img: np.ndarray, xy, rgb, radius: int = 4, tol: int = 12) -> bool:
    x, y = int(np.floor(xy[0])), int(np.floor(xy[1]))
    win = img[max(0, y - radius) : y + radius + 1, max(0, x - radius) : x + radius + 1]
    return bool((np.abs(win - np.asarray(rgb)).max(-1) <= tol).any())


def share(img: np.ndarray, xy, rgb, radius: int = 2, tol: int = 12) -> float:
    """The fraction of the (2r+1)² pixels around xy within tol of rgb."""
    x, y = int(np.floor(xy[0])), int(np.floor(xy[1]))
    win = img[y - radius : y + radius + 1, x - radius : x + radius + 1]
    return float((np.abs(win - np.asarray(rgb)).max(-1) <= tol).mean())


def image_and_layers(scene: Scene, look=None, theta: bool = True):
    look = look or make_look()
    trajs = simulate(scene)
    return curve_image(scene.resolve(), look, theta), path_layers(scene, trajs, look=look), trajs


def test_the_curve_is_the_screens_curve():
    """look.curve_view (the exports) and viz.curve.curve_view (the screen) sample the same curve, f range and
    minima."""
    for scene in (SCENE, SCENE.with_(surface="double_well"), SCENE.with_(surface="x**4 - 3*x**2 + x")):
        r = scene.resolve()
        a, b = curve_view(r.surface, r.window), screen_curve_view(r.surface, r.window)
        np.testing.assert_array_equal(a.xs, b.xs)
        np.testing.assert_array_equal(a.fs, b.fs)
        assert a.f_range == b.f_range and a.window == b.window
        np.testing.assert_array_equal(a.minima, b.minima)


@pytest.mark.parametrize("theme", [LIGHT, DARK, HIGH_CONTRAST])
def test_the_screens_colours_are_the_frames_colours(theme):
    """The screen's 1-D view (viz.curve) draws run i's chords and ball in a colour and the curve in the theme's
    ink; the exported frame has those colours at the ball and on the curve."""
    look = make_look(theme.name)
    image, layers, trajs = image_and_layers(SCENE, look)
    runs = run_views(trajs, SCENE.run_labels())
    fig = curve_figure(curve_view(SCENE.resolve().surface, SCENE.resolve().window), runs, look=look).to_dict()
    screen_curve = next(t for t in fig["data"] if t["meta"]["role"] == "curve")
    screen_heads = {t["meta"]["run"]: t["marker"]["color"] for t in fig["data"] if t["meta"]["role"] == "head"}
    size = (800, 600)
    frame = png(render_png(image, layers, size=size, look=look))
    # the balls: every run's last iterate, in the screen's colour
    ends = {}
    for layer, (r, color) in zip(layers, sorted(screen_heads.items())):
        assert layer.color == color
        end = data_to_pixel(image, layer.points[-1:], size=size, look=look)[0]
        ends[r] = end
    # the later ball is drawn over the earlier one: check the one on top fully, the other where it shows
    top = max(ends)
    assert share(frame, ends[top], hex_to_rgb(screen_heads[top])) > 0.9
    # the page: the screen's paper, exactly, in the PNG and in a GIF (whose palette keeps it exact)
    assert frame[2, 2].tolist() == list(hex_to_rgb(theme.paper))
    gif = rgb_frames(render_gif(image, layers, size=(320, 240), frames=3, look=look))
    assert gif[-1][2, 2].tolist() == list(hex_to_rgb(theme.paper))
    # the curve: away from the paths, the pixels on f(x) are the screen curve's colour
    assert screen_curve["line"]["color"] == theme.ink
    xs = np.linspace(-2.3, -1.0, 12)  # left branch: no run goes there
    on_curve = data_to_pixel(image, np.column_stack([xs, xs**2]), size=size, look=look)
    assert all(near(frame, p, hex_to_rgb(theme.ink), radius=1, tol=10) for p in on_curve)


def test_frames_roll_the_ball_step_by_step_and_theta_follows():
    image, layers, trajs = image_and_layers(SCENE)
    size = (640, 480)
    frames = rgb_frames(render_gif(image, layers, size=size, frames=31, fps=10))
    assert len(frames) == 31  # one per step (30 steps + the start)
    color = hex_to_rgb(layers[1].color)  # the last run: drawn on top where the two meet (at the start)
    x = trajs[1].points[:, 0, 0]
    for k in (0, 3, 12, 30):
        ball = data_to_pixel(image, np.array([[x[k], x[k] ** 2]]), size=size)[0]
        assert share(frames[k], ball, color) > 0.5, k
        theta = data_to_pixel(image, np.array([[k, x[k]]]), size=size, panel="theta", paths=layers)[0]
        theta[0] -= 2 * (k == 30)  # the last step sits on the panel's right edge: look just inside it
        assert share(frames[k], theta, color, radius=1) > 0.5, k
    # frame 3 has not drawn step 20's θ yet; the last frame has
    later = data_to_pixel(image, np.array([[20, x[20]]]), size=size, panel="theta", paths=layers)[0]
    assert not near(frames[3], later, color, radius=1)
    assert near(frames[-1], later, color, radius=2)


def test_the_theta_panel_is_optional():
    image, layers, _ = image_and_layers(SCENE, theta=False)
    assert image.theta is False
    size = (640, 480)
    frame = png(render_png(image, layers, size=size))
    with pytest.raises(ValueError):
        data_to_pixel(image, np.array([[0.0, 1.0]]), size=size, panel="theta", paths=layers)
    # the curve panel takes the whole width: x = 2.5 (the window's right edge) sits near the right border
    right = data_to_pixel(image, np.array([[2.5, 0.0]]), size=size)[0, 0]
    assert right > 0.9 * size[0]
    with_theta, _, _ = image_and_layers(SCENE)
    assert data_to_pixel(with_theta, np.array([[2.5, 0.0]]), size=size)[0, 0] < 0.65 * size[0]
    assert frame.shape == (480, 640, 3)


def test_a_diverged_run_ends_in_a_cross_at_the_panels_edge():
    image, layers, trajs = image_and_layers(DIVERGING)
    d = int(trajs[0].diverged_at[0])
    assert 0 < d < DIVERGING.steps
    size = (640, 480)
    frames = rgb_frames(render_gif(image, layers, size=size, frames=51))
    red = hex_to_rgb(LIGHT.diverged)
    # the last finite point is far outside the window: the ✕ is pinned inside the curve panel's top corner
    from export.scene1d import layout

    box = layout(image, layers, size, make_look()).curve.box
    corner = frames[-1][box[1] : box[1] + 40, box[2] - 40 : box[2]]
    assert (np.abs(corner - np.asarray(red)).max(-1) <= 12).sum() > 20
    first = frames[0][box[1] : box[1] + 40, box[2] - 40 : box[2]]
    assert (np.abs(first - np.asarray(red)).max(-1) <= 12).sum() == 0


def test_export_scene_renders_every_format_of_a_curve(tmp_path):
    options = RenderOptions(size=(480, 360), frames=20, fps=10, pause_s=0.5)
    for fmt in ("gif", "png", "csv", "json"):
        assert len(export_scene(SCENE, fmt, options)) > 100, fmt
    mp4 = tmp_path / "curve.mp4"
    mp4.write_bytes(export_scene(SCENE, "mp4", options))
    frames = iio.imread(mp4)
    assert frames.shape == (20 + 5, 360, 480, 3)  # 20 frames, then the pause (0.5 s at 10 fps) holds the last
    with pytest.raises(ValueError, match="no 3-D view"):
        export_scene(SCENE, "gif", RenderOptions(view="3d"))


def test_curve_images_refuse_bad_input_in_one_line():
    xs = np.linspace(0, 1, 5)
    for kw, fragment in (
        ({"xs": xs[::-1]}, "increasing"),
        ({"fs": np.zeros(3)}, "entries"),
        ({"window": (1.0, 0.0)}, "lo < hi"),
        ({"f_range": (0.0, float("inf"))}, "finite"),
    ):
        args = {"xs": xs, "fs": xs**2, "window": (0.0, 1.0), "f_range": (0.0, 1.0), **kw}
        with pytest.raises(ValueError, match=fragment) as e:
            CurveImage(**args)
        assert "\n" not in str(e.value)
    image = CurveImage(xs, xs**2, (0.0, 1.0), (0.0, 1.0))
    with pytest.raises(ValueError, match="no 3-D view"):
        render_png(image, [PathLayer(np.zeros((3, 2)), "#000000")], style="3d")


def test_limits_count_the_theta_panel_and_a_render_within_them_is_not_refused():
    many = tuple((float(s),) for s in range(-4, 4))
    resolved = SCENE.with_(steps=5000, runs=SCENE.runs * 4, starts=many).resolve()
    with_theta = scene_limits(resolved, RenderOptions(theta=True))
    without = scene_limits(resolved, RenderOptions(theta=False))
    assert set(with_theta) == set(SIZES)
    assert all(with_theta[s] <= without[s] for s in SIZES)
    assert any(with_theta[s] < without[s] for s in SIZES)  # twice the paths: fewer frames somewhere
    # the renderers' own budget check (export.encode.job) agrees with the limits, frame for frame
    from export import budget
    from export.encode import job

    image, layers, _ = image_and_layers(resolved.scene)
    for size in SIZES:
        most = with_theta[size]
        assert 2 <= most < 600
        assert budget.estimate(job("gif", image, layers, size, most, "curve", None)).fits()
        assert not budget.estimate(job("gif", image, layers, size, most + 1, "curve", None)).fits()
    with pytest.raises(BudgetError):
        export_scene(resolved.scene, "gif", RenderOptions(size=(640, 480), frames=with_theta[(640, 480)] + 1))


def _cli(*argv):
    import io as _io

    out, err = _io.StringIO(), _io.StringIO()
    return main(["render", *argv], out=out, err=err), out.getvalue(), err.getvalue()


@pytest.mark.parametrize("surface", ["parabola", "x**2"])
def test_the_cli_renders_a_curve(surface, tmp_path):
    gif = tmp_path / "curve.gif"
    code, out, err = _cli("--surface", surface, "--start", "2", "--steps", "40", "--out", str(gif))
    assert code == 0, err
    im = Image.open(gif)
    assert im.size == (640, 480) and im.n_frames == 41
    code, _, err = _cli("--surface", surface, "--start", "2", "--view", "3d", "--out", str(tmp_path / "x.png"))
    assert code == 2 and "no 3-D view" in err and err.count("\n") == 1


def test_long_paths_draw_every_kth_iterate_and_k_is_odd():
    """A chord across the panel costs its length: 64 paths × 10 000 chords would cost half a minute and show
    nothing more.  Long paths draw every k-th iterate, k odd so a bouncing run keeps its sign pattern."""
    from export.scene1d import MAX_DRAWN, MAX_DRAWN_PER_PATH, every_for

    assert every_for(500, 4 * 500) == 1
    for longest, total in ((10_000, 10_000), (10_000, 640_000), (3_000, 8 * 3_000), (1_001, 1_001)):
        k = every_for(longest, total)
        assert k % 2 == 1 and k > 1
        assert longest / k <= MAX_DRAWN_PER_PATH and total / k <= MAX_DRAWN
    # SGD at lr = 1 on x² bounces between +2 and −2 forever; drawn every k-th (odd) iterate it still bounces:
    # at the end the ball sits at +2 (step 2000 is even) and a chord joins +2 and −2
    scene = Scene(surface="parabola", runs=(RunConfig("sgd", {"lr": 1.0}),), starts=((2.0,),), steps=2000)
    image, layers, trajs = image_and_layers(scene, theta=False)
    assert trajs[0].points[-1, 0, 0] == 2.0
    size = (640, 480)
    frame = png(render_png(image, layers, size=size))
    color = hex_to_rgb(layers[0].color)
    assert share(frame, data_to_pixel(image, np.array([[2.0, 4.0]]), size=size)[0], color) > 0.8
    middle = data_to_pixel(image, np.array([[0.0, 4.0]]), size=size)[0]  # the chord at f = 4, mid-way
    assert near(frame, middle, color, radius=2)
