"""Tests for export.render: decode the GIF / MP4 / PNG bytes and check what is in them.

No timing assertions here (they flake); speed is measured by
``python -m benchmarks.render``.
"""

from __future__ import annotations

import gettext
import io
import os
import tempfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageSequence

import i18n
from export import (
    DIVERGED_RGB,
    PathLayer,
    SurfaceImage,
    View3D,
    data_to_pixel,
    frame_steps,
    iter_frames,
    render_gif,
    render_mp4,
    render_png,
)
from look import DARK, LIGHT, Look, make_look

COLORS = ["#e6194b", "#3cb44b", "#4363d8", "#f58231"]


def hex_rgb(c: str) -> np.ndarray:
    return np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)])


# --------------------------------------------------------------------------- scenes
def rosenbrock_surface(n: int = 120, **kw) -> SurfaceImage:
    xs = np.linspace(-2, 2, n)
    ys = np.linspace(-1, 3, n)
    gx, gy = np.meshgrid(xs, ys)
    z = (1 - gx) ** 2 + 100 * (gy - gx**2) ** 2
    return SurfaceImage(xs, ys, z, log_color=True, title="Rosenbrock", minima=((1.0, 1.0),), **kw)


def spiral_paths(n_paths: int = 4, steps: int = 60) -> list[PathLayer]:
    """Paths that stay well inside the window, with distinct starts and ends."""
    t = np.linspace(0, 1, steps + 1)
    out = []
    for k in range(n_paths):
        cx, cy = -1.2 + 0.8 * k, 0.2 + 0.6 * (k % 2) + 0.9
        ang = 3 * np.pi * t + k
        r = 0.55 * (1 - t) + 0.05
        pts = np.stack([cx + r * np.cos(ang), cy + r * np.sin(ang)], axis=1)
        out.append(PathLayer(pts, COLORS[k % len(COLORS)], f"path {k} lr=0.01 β1=0.9"))
    return out


def diverging_path(steps: int = 40, at: int = 25) -> PathLayer:
    """Moves right from (-1.5, 2.2); from step `at` on it repeats its last finite point."""
    pts = np.zeros((steps + 1, 2))
    pts[:, 0] = -1.5 + np.minimum(np.arange(steps + 1), at) * 0.06
    pts[:, 1] = 2.2
    return PathLayer(pts, "#3cb44b", "GD lr=10 (diverges)", diverged_at=at)


def gif_frames(data: bytes) -> tuple[Image.Image, list[np.ndarray], list[dict]]:
    im = Image.open(io.BytesIO(data))
    frames, infos = [], []
    for fr in ImageSequence.Iterator(im):
        infos.append(dict(fr.info))
        frames.append(np.asarray(fr.convert("RGB")))
    return im, frames, infos


def color_near(img: np.ndarray, xy, rgb, radius: int = 6, tol: int = 14) -> bool:
    """Is a pixel within `tol` (per channel) of rgb inside the square around xy?"""
    x, y = int(np.floor(xy[0])), int(np.floor(xy[1]))
    h, w = img.shape[:2]
    win = img[max(0, y - radius) : min(h, y + radius + 1), max(0, x - radius) : min(w, x + radius + 1)].astype(int)
    return bool((np.abs(win - np.asarray(rgb)).max(-1) <= tol).any())


# --------------------------------------------------------------------------- frame_steps
@pytest.mark.parametrize(
    "n,f", [(500, 150), (499, 150), (149, 150), (150, 150), (10, 150), (1, 2), (600, 600), (10**6, 7), (3, 2)]
)
def test_frame_steps_examples(n, f):
    s = frame_steps(n, f)
    assert s[0] == 0 and s[-1] == n
    assert len(s) == min(f, n + 1)
    assert (np.diff(s) > 0).all()


def test_frame_steps_zero_steps_is_one_frame():
    assert frame_steps(0, 150).tolist() == [0]


@settings(max_examples=300, deadline=None)
@given(n=st.integers(0, 100_000), f=st.integers(2, 600))
def test_frame_steps_properties(n, f):
    s = frame_steps(n, f)
    assert s.dtype.kind == "i"
    assert s[0] == 0 and s[-1] == n
    assert len(s) == min(f, n + 1)
    d = np.diff(s)
    assert (d > 0).all()
    if len(d):  # evenly subsampled: gaps differ by at most one step
        assert d.max() - d.min() <= 1


# --------------------------------------------------------------------------- GIF
@pytest.mark.parametrize("fps,frames,pause_s,loop", [(20, 30, 1.5, 0), (30, 12, 0.0, 1), (7, 61, 0.25, 3)])
def test_gif_frames_size_durations_loop(fps, frames, pause_s, loop):
    surf = rosenbrock_surface()
    paths = spiral_paths(3, steps=60)
    size = (400, 300)
    data = render_gif(surf, paths, size=size, fps=fps, frames=frames, pause_s=pause_s, loop=loop)
    im, fr, infos = gif_frames(data)
    n = len(frame_steps(60, frames))
    assert im.format == "GIF"
    assert len(fr) == n
    assert all(f.shape == (size[1], size[0], 3) for f in fr)
    cs = round(100 / fps)  # GIF stores centiseconds
    durations = [i["duration"] for i in infos]
    assert durations[:-1] == [cs * 10] * (n - 1)
    assert durations[-1] == cs * 10 + round(pause_s * 100) * 10
    if loop == 0:
        assert im.info.get("loop") == 0  # forever
    elif loop == 1:
        assert "loop" not in im.info  # play once: no NETSCAPE block
    else:
        assert im.info.get("loop") == loop - 1  # n plays = n - 1 repeats


@pytest.mark.parametrize("style", ["contour", "3d"])
def test_gif_path_colors_at_start_and_end(style):
    surf = rosenbrock_surface()
    paths = spiral_paths(4, steps=80)
    size = (640, 480)
    _, fr, _ = gif_frames(render_gif(surf, paths, size=size, frames=20, style=style))
    for p in paths:
        rgb = hex_rgb(p.color)
        start = data_to_pixel(surf, p.points[:1], size=size, style=style)[0]
        end = data_to_pixel(surf, p.points[-1:], size=size, style=style)[0]
        assert color_near(fr[0], start, rgb), (p.label, "start", start)
        assert color_near(fr[-1], end, rgb), (p.label, "end", end)


def test_gif_path_grows():
    """The end of a path is not drawn in the first frame, and is in the last."""
    surf = rosenbrock_surface()
    p = PathLayer(np.stack([np.linspace(-1.5, 1.5, 101), np.full(101, 2.0)], 1), "#4363d8", "straight")
    size = (640, 480)
    _, fr, _ = gif_frames(render_gif(surf, [p], size=size, frames=10))
    end = data_to_pixel(surf, p.points[-1:], size=size)[0]
    assert not color_near(fr[0], end, hex_rgb(p.color))
    assert color_near(fr[-1], end, hex_rgb(p.color))


@pytest.mark.parametrize("style", ["contour", "3d"])
def test_divergence_marker(style):
    surf = rosenbrock_surface()
    p = diverging_path(steps=40, at=25)
    size = (640, 480)
    _, fr, _ = gif_frames(render_gif(surf, [p], size=size, frames=41, style=style))
    last = data_to_pixel(surf, p.points[p.diverged_at : p.diverged_at + 1], size=size, style=style)[0]
    assert color_near(fr[-1], last, DIVERGED_RGB, radius=8)
    assert not color_near(fr[0], last, DIVERGED_RGB, radius=8)
    assert not color_near(fr[p.diverged_at - 1], last, DIVERGED_RGB, radius=8)  # frame k shows step k here


def test_gif_empty_paths_is_just_the_surface():
    data = render_gif(rosenbrock_surface(), [], size=(320, 240))
    im, fr, _ = gif_frames(data)
    assert len(fr) == 1 and im.size == (320, 240)


def test_gif_size_limit_realistic_scene():
    """150 frames, 640x480, 4 paths x 500 steps: at most 2 MB."""
    surf = rosenbrock_surface(200)
    paths = spiral_paths(4, steps=500)
    data = render_gif(surf, paths, size=(640, 480), fps=20, frames=150)
    assert len(data) <= 2 * 1024 * 1024
    im = Image.open(io.BytesIO(data))
    assert im.n_frames == 150


def test_gif_is_deterministic():
    surf = rosenbrock_surface()
    paths = spiral_paths(2, steps=30)
    assert render_gif(surf, paths, size=(320, 240), frames=10) == render_gif(surf, paths, size=(320, 240), frames=10)


def test_paths_outside_window_and_nan_surface_are_fine():
    xs = np.linspace(-2, 2, 60)
    gx, gy = np.meshgrid(xs, xs)
    with np.errstate(all="ignore"):
        z = np.log(gx + 1.0) + gy**2  # nan for x < -1
    surf = SurfaceImage(xs, xs, z, title="log")
    far = PathLayer(np.array([[0.0, 0.0], [1e6, -1e6], [1e300, 1e300]]), "#ff00ff", "far", diverged_at=2)
    for style in ("contour", "3d"):
        data = render_png(surf, [far], size=(320, 240), style=style)
        assert Image.open(io.BytesIO(data)).size == (320, 240)
    # undefined values are grey in the contour style
    png = np.asarray(Image.open(io.BytesIO(render_png(surf, [], size=(640, 480)))).convert("RGB"))
    px = data_to_pixel(surf, np.array([[-1.8, 0.0]]), size=(640, 480))[0]
    assert color_near(png, px, LIGHT.undefined, radius=1, tol=3)


# --------------------------------------------------------------------------- MP4 / PNG / frames
def test_mp4_readable_frame_count_and_size():
    imageio = pytest.importorskip("imageio.v2")
    surf = rosenbrock_surface()
    paths = spiral_paths(2, steps=50)
    fps, frames, pause_s = 10, 20, 0.5
    data = render_mp4(surf, paths, size=(321, 241), fps=fps, frames=frames, pause_s=pause_s)
    assert data[4:8] == b"ftyp"
    fd, path = tempfile.mkstemp(suffix=".mp4")
    os.close(fd)
    try:
        with open(path, "wb") as fh:
            fh.write(data)
        reader = imageio.get_reader(path, format="FFMPEG")
        shapes = [fr.shape for fr in reader]
        meta = reader.get_meta_data()
        reader.close()
    finally:
        os.remove(path)
    assert len(shapes) == len(frame_steps(50, frames)) + round(pause_s * fps)
    assert set(shapes) == {(242, 322, 3)}  # odd sizes are padded to even (yuv420p)
    assert meta["codec"] == "h264"
    assert abs(meta["fps"] - fps) < 1e-6


@pytest.mark.parametrize("style", ["contour", "3d"])
def test_png_is_final_frame_full_color(style):
    surf = rosenbrock_surface()
    paths = spiral_paths(3, steps=40)
    size = (500, 400)
    data = render_png(surf, paths, size=size, style=style)
    im = Image.open(io.BytesIO(data))
    assert im.format == "PNG" and im.size == size and im.mode == "RGB"
    arr = np.asarray(im)
    for p in paths:
        end = data_to_pixel(surf, p.points[-1:], size=size, style=style)[0]
        assert color_near(arr, end, hex_rgb(p.color), tol=2)
    # the animation draws the paths in increments (joints are re-stroked), the
    # PNG in one go: the same picture up to a few edge pixels
    last = list(iter_frames(surf, paths, size=size, frames=5, style=style))[-1]
    diff = np.abs(last.astype(int) - arr.astype(int)).max(-1)
    assert (diff > 60).mean() < 0.005


def test_iter_frames_count_and_shape():
    frames = list(iter_frames(rosenbrock_surface(), spiral_paths(2, 30), size=(300, 200), frames=7))
    assert len(frames) == 7
    assert all(f.shape == (200, 300, 3) and f.dtype == np.uint8 for f in frames)


def test_turning_camera_renders():
    surf = rosenbrock_surface(60)
    paths = spiral_paths(2, 20)
    view = View3D(rotate_deg_per_frame=3.0, mesh=24)
    im, fr, _ = gif_frames(render_gif(surf, paths, size=(320, 240), frames=6, style="3d", view3d=view))
    assert len(fr) == 6
    assert not np.array_equal(fr[1], fr[4])
    p = paths[0]
    end = data_to_pixel(surf, p.points[-1:], size=(320, 240), style="3d", view3d=view, frame_index=5)[0]
    assert color_near(fr[-1], end, hex_rgb(p.color))


def test_data_to_pixel_maps_window_corners():
    surf = rosenbrock_surface(window=((-1.0, 1.0), (0.0, 2.0)))
    px = data_to_pixel(surf, np.array([[-1.0, 2.0], [1.0, 0.0]]), size=(640, 480))
    (l, t), (r, b) = px
    assert 0 < l < r < 640 and 0 < t < b < 480


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "kw",
    [
        dict(size=(159, 480)),
        dict(size=(640, 119)),
        dict(size=(1921, 480)),
        dict(size=(640, 1081)),
        dict(size=(640.0, 480)),
        dict(size=640),
        dict(fps=0),
        dict(fps=61),
        dict(fps=float("nan")),
        dict(frames=1),
        dict(frames=601),
        dict(frames=2.5),
        dict(pause_s=-1),
        dict(loop=-1),
        dict(loop=True),
        dict(style="surface"),
    ],
)
@pytest.mark.parametrize("fn", [render_gif, render_mp4, render_png])
def test_bad_options_raise_one_line_value_error(fn, kw):
    with pytest.raises(ValueError) as e:
        fn(rosenbrock_surface(20), spiral_paths(1, 5), **kw)
    msg = str(e.value)
    assert msg and "\n" not in msg


@pytest.mark.parametrize(
    "make",
    [
        lambda: PathLayer(np.zeros((3, 3)), "#ff0000", "bad shape"),
        lambda: PathLayer(np.array([[0.0, np.nan]]), "#ff0000", "nan"),
        lambda: PathLayer(np.zeros((3, 2)), "red", "bad colour"),
        lambda: PathLayer(np.zeros((3, 2)), "#ff0000", "bad divergence", diverged_at=3),
        lambda: PathLayer(np.zeros((3, 2)), "#ff0000", "bad values", values=np.zeros(2)),
        lambda: SurfaceImage(np.linspace(0, 1, 5), np.linspace(0, 1, 4), np.zeros((5, 4))),
        lambda: SurfaceImage(np.array([0.0, 0.0, 1.0]), np.linspace(0, 1, 3), np.zeros((3, 3))),
        lambda: SurfaceImage(np.linspace(0, 1, 3), np.linspace(0, 1, 3), np.zeros((3, 3)), window=((1, 0), (0, 1))),
        lambda: View3D(elev=120),
        lambda: View3D(mesh=2),
    ],
)
def test_bad_inputs_raise_one_line_value_error(make):
    with pytest.raises(ValueError) as e:
        make()
    assert "\n" not in str(e.value)


def test_crf_validated():
    with pytest.raises(ValueError):
        render_mp4(rosenbrock_surface(20), [], crf=60)


def test_unlabelled_paths_have_no_legend_row():
    """Batch members after the first carry label "": one legend row per run."""
    from export.kit import legend_entries

    pts = np.zeros((3, 2))
    paths = [
        PathLayer(pts, "#E69F00", "Adam lr=0.01"),
        PathLayer(pts, "#E69F00", ""),
        PathLayer(pts, "#E69F00", "Adam lr=0.01"),
        PathLayer(pts, "#56B4E9", "SGD"),
    ]
    assert [lab for lab, _ in legend_entries(paths)] == ["Adam lr=0.01", "SGD"]
    data = render_png(rosenbrock_surface(40), paths + [PathLayer(pts, "#000000", "")] * 30, size=(320, 240))
    assert Image.open(io.BytesIO(data)).size == (320, 240)


# --------------------------------------------------------------------------- the look: theme, scale, language
def _frame(data: bytes, k: int = -1) -> np.ndarray:
    _, fr, _ = gif_frames(data)
    return fr[k].astype(int)


def test_exports_take_the_theme():
    surf, paths = rosenbrock_surface(), spiral_paths(2, 40)
    light = np.asarray(Image.open(io.BytesIO(render_png(surf, paths, size=(400, 300)))).convert("RGB")).astype(int)
    dark = np.asarray(
        Image.open(io.BytesIO(render_png(surf, paths, size=(400, 300), look=make_look("dark")))).convert("RGB")
    ).astype(int)
    np.testing.assert_array_equal(light[2, 2], hex_rgb(LIGHT.paper))
    np.testing.assert_array_equal(dark[2, 2], hex_rgb(DARK.paper))
    # the surface in the plot area is the theme's picture: its colours lie on the theme's scale
    mid = dark[150, 150]
    assert np.abs(DARK.lut(256).astype(int) - mid).max(axis=1).min() <= 40
    for style in ("contour", "3d"):
        for theme in (DARK, LIGHT):  # exactly the paper: the GIF palette keeps reserved colours exact
            gif = render_gif(surf, paths, size=(400, 300), frames=5, style=style, look=make_look(theme.name))
            assert _frame(gif)[2, 2].tolist() == list(hex_rgb(theme.paper)), (style, theme.name)


def test_high_contrast_and_presentation_scale_draw_heavier_lines():
    surf = rosenbrock_surface()
    p = PathLayer(np.stack([np.linspace(-1.5, 1.5, 61), np.full(61, 2.2)], 1), "#0057B8", "straight")
    size = (1280, 720)

    def thickness(look):  # rows of the path's colour in the column through its middle
        arr = np.asarray(Image.open(io.BytesIO(render_png(surf, [p], size=size, look=look))).convert("RGB"))
        x, y = data_to_pixel(surf, np.array([[0.3, 2.2]]), size=size, look=look)[0]
        col = arr[int(y) - 20 : int(y) + 20, int(x)].astype(int)
        return int((np.abs(col - hex_rgb(p.color)).max(-1) <= 12).sum())

    normal = thickness(make_look("light"))  # a 4.8 px line
    assert normal >= 4
    assert thickness(make_look("high_contrast")) >= 1.3 * normal  # × 1.5
    assert thickness(make_look("light", scale=1.4)) >= 1.25 * normal  # × 1.4


class _Upper(i18n.Lang):
    def __init__(self) -> None:
        super().__init__("xx", gettext.NullTranslations())

    def gettext(self, text: str) -> str:
        return text.replace("step ", "STEP ")  # the word, not the {step} field

    __call__ = gettext


def test_frames_ask_the_language_for_their_words():
    from export.kit import counter_text

    look = Look(lang=_Upper())
    assert counter_text(look, 3, 10) == "STEP 3 / 10"
    surf, paths = rosenbrock_surface(), spiral_paths(1, 20)
    en = _frame(render_gif(surf, paths, size=(400, 300), frames=3))
    up = _frame(render_gif(surf, paths, size=(400, 300), frames=3, look=look))
    header = slice(0, 30)
    assert not np.array_equal(en[header], up[header])  # the step counter is drawn in the look's language
    np.testing.assert_array_equal(en[40:], up[40:])  # and nothing else changed


def test_a_chinese_title_is_drawn_with_real_glyphs():
    """The zh catalogue may be empty: a Chinese surface name passed in directly proves the font."""
    base = rosenbrock_surface()
    size = (640, 480)

    def title_strip(title: str) -> np.ndarray:
        surf = SurfaceImage(base.xs, base.ys, base.z, log_color=True, title=title, minima=base.minima)
        arr = np.asarray(Image.open(io.BytesIO(render_png(surf, [], size=size))).convert("L")).astype(int)
        return arr[:28, 40:300]

    a, b = title_strip("学习率曲面"), title_strip("动量法对比")
    ink_a, ink_b = (a < 128).sum(), (b < 128).sum()
    assert ink_a > 150 and ink_b > 150  # glyphs were drawn
    assert not np.array_equal(a, b)  # different characters look different (not the same "missing" box)
    # the CJK glyphs are not DejaVu's boxes: DejaVu would draw the two titles identically
    from look.fonts import get_font

    latin = get_font(20)
    boxes = [np.asarray(latin.getmask(t)) for t in ("学习率曲面", "动量法对比")]
    assert np.array_equal(boxes[0], boxes[1])


# --------------------------------------------------------------------------- the command line's look options
def test_cli_render_takes_theme_language_and_scale(tmp_path):
    from cli import main

    out, err = io.StringIO(), io.StringIO()
    base = ["render", "--surface", "quadratic", "--optimizer", "sgd", "--steps", "20", "--size", "320x240"]
    png = tmp_path / "dark.png"
    assert main([*base, "--theme", "dark", "--lang", "zh", "--scale", "1.4", "--out", str(png)], out, err) == 0, err
    arr = np.asarray(Image.open(png).convert("RGB"))
    np.testing.assert_array_equal(arr[1, 1], hex_rgb(DARK.paper))
    for bad, fragment in (("--theme=neon", "unknown theme"), ("--lang=fr", "unknown language"), ("--scale=9", "scale")):
        err = io.StringIO()
        assert main([*base, bad, "--out", str(tmp_path / "x.png")], io.StringIO(), err) == 2
        assert fragment in err.getvalue() and err.getvalue().count("\n") == 1


def test_the_kits_minimum_star_and_counter_strip_serve_every_style():
    """scene1d / scene2d / scene3d stamp minima and place the step counter through one kit function each."""
    from export import kit

    look = make_look("dark", 1.0, "zh")
    sz = kit.base_sizes(640, 480, look)
    img = np.zeros((100, 100, 3), dtype=np.uint8)
    star = kit.stamp_minimum(img, 50.0, 50.0, (0, 0, 100, 100), sz.fs, DARK)
    assert star is not None and tuple(img[50, 50]) == kit.rgb_of(DARK.minimum)  # filled with the theme's colour
    before = img.copy()
    assert kit.stamp_minimum(img, 300.0, 50.0, (0, 0, 100, 100), sz.fs, DARK) is None  # outside: nothing drawn
    np.testing.assert_array_equal(img, before)
    # the counter strip ends at `right` and holds the widest counter; a title leaves room for the last one
    x0, y0, x1, y1 = kit.counter_box(look, sz, 600, 640)
    assert (y0, x1, y1) == (0, 602, sz.header_h) and 600 - x0 > kit.counter_width(look, sz, 500) > 0
    assert kit.counter_width(look, sz, None) == 0
