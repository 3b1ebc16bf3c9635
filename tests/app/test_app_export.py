"""The Export tab in the real app (AppTest): downloads carry the scene's numbers, a GIF renders, and a scene
config round-trips through the app state (download → upload → the same scene, in the widgets and the URL)."""

from __future__ import annotations

import io

import numpy as np
import pytest
import streamlit.testing.v1.app_test as app_test_module
from PIL import Image
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from test_app import assert_paths_match, current_scene, keyed_texts, make_app

from export.data import read_paths_csv
from optim_core.scene import RunConfig, Scene, simulate
from ui.url import scene_to_query

SCENE = Scene(
    surface="himmelblau",
    runs=(RunConfig("adam", {"lr": 0.05, "eps": 0.1}), RunConfig("momentum", {"lr": 0.002, "momentum": 0.8})),
    starts=((0.5, -1.0),),
    steps=120,
)
_STORES: list[MemoryMediaFileStorage] = []


class _RecordingStorage(MemoryMediaFileStorage):
    """AppTest keeps download bytes in a per-run in-memory store; remembering the stores lets tests read them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _STORES.append(self)


_DEFERRED: dict[str, object] = {}  # deferred download id -> the callable the app registered


@pytest.fixture(autouse=True)
def _record_downloads(monkeypatch):
    _STORES.clear()
    _DEFERRED.clear()
    monkeypatch.setattr(app_test_module, "MemoryMediaFileStorage", _RecordingStorage)
    original = MediaFileManager.add_deferred

    def add_deferred(self, data_callable, *args, **kwargs):
        file_id = original(self, data_callable, *args, **kwargs)
        _DEFERRED[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", add_deferred)


def download(at, key: str) -> bytes:
    (button,) = [b for b in at.get("download_button") if b.proto.id.endswith("-" + key)]
    if button.proto.deferred_file_id:  # built on click: call what the app registered, as a click would
        data = _DEFERRED[button.proto.deferred_file_id]()
        return data.encode() if isinstance(data, str) else bytes(data)
    name = button.proto.url.rsplit("/", 1)[1]
    for store in reversed(_STORES):
        try:
            return bytes(store.get_file(name).content)
        except Exception:
            continue
    raise AssertionError(f"no stored file for {key}")


def open_export(scene: Scene):
    at = make_app(scene_to_query(scene))
    at.session_state["tab"] = "Export"
    at.run()
    assert not at.exception
    return at


def test_data_downloads_carry_the_scenes_numbers():
    at = open_export(SCENE)
    trajs = simulate(SCENE)
    csv_paths = read_paths_csv(download(at, "export_csv").decode())
    for r in range(2):
        np.testing.assert_array_equal(csv_paths[(r, 0)]["x"], trajs[r].points[:, 0, 0])
        np.testing.assert_array_equal(csv_paths[(r, 0)]["loss"], trajs[r].loss[:, 0])
    assert Scene.from_json(download(at, "export_scene").decode()) == SCENE
    code = at.code[0].value
    assert "torch.optim.Adam(" in code and "eps=0.1" in code and "range(120)" in code


def test_render_gif_in_the_app():
    at = open_export(SCENE)
    at.button(key="export_render_gif").click().run()
    assert not at.exception
    im = Image.open(io.BytesIO(download(at, "export_download_gif")))
    assert im.format == "GIF" and im.size == (640, 480) and im.n_frames == 121  # 120 steps → 121 frames ≤ 150


def test_scene_config_round_trips_through_the_app_state():
    exported = download(open_export(SCENE), "export_scene")
    at = make_app()  # a fresh session on the default scene
    at.session_state["tab"] = "Export"
    at.run()
    at.file_uploader(key="export_upload").upload("lesson.scene.json", exported, "application/json").run()
    assert not at.exception
    at.run()  # the widgets now hold the uploaded scene; the URL follows
    assert current_scene(at) == SCENE
    at.session_state["tab"] = "Trajectories"
    at.run()
    assert_paths_match(at, SCENE)


def test_a_bad_scene_config_shows_one_line_and_keeps_the_scene():
    at = open_export(SCENE)
    at.file_uploader(key="export_upload").upload("bad.json", b'{"runs": [{"optimizer": "adamm"}]}').run()
    assert not at.exception
    texts = keyed_texts(at, "export_error")
    assert any("unknown optimizer 'adamm'" in t for t in texts), texts
    assert all("\n" not in t for t in texts)
    assert current_scene(at) == SCENE


# ----------------------------------------------------------------------------- the look, limits, 1-D, HTML
def open_export_with(scene: Scene, **view: str):
    at = make_app({**scene_to_query(scene), **view})
    at.session_state["tab"] = "Export"
    at.run()
    assert not at.exception
    return at


def _png_rgb(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB")).astype(int)


def test_renders_take_the_sessions_look():
    """The theme from the link reaches the file: a dark PNG has the dark paper, a high-contrast one white; the
    caption names the look."""
    from look import DARK, HIGH_CONTRAST, hex_to_rgb

    for theme, want in (("dark", DARK), ("contrast", HIGH_CONTRAST)):
        at = open_export_with(SCENE, theme=theme)
        assert any(want.label in c.value for c in at.caption), [c.value for c in at.caption]
        at.button(key="export_render_png").click().run()
        assert not at.exception
        arr = _png_rgb(download(at, "export_download_png"))
        assert arr[2, 2].tolist() == list(hex_to_rgb(want.paper)), theme
        assert arr.shape == (480, 640, 3)


def test_the_frames_slider_is_capped_by_the_scenes_budget_and_heavy_sizes_say_so():
    from export.scene import RenderOptions, scene_limits

    heavy = Scene(
        surface="rosenbrock",
        runs=tuple(RunConfig(o) for o in ("sgd", "momentum", "adam", "rmsprop", "adagrad", "nadam", "radam", "lion")),
        starts=tuple((x, y) for x in (-1.5, -0.5, 0.5, 1.5) for y in (-0.5, 2.0)),
        steps=10_000,
    )
    at = open_export_with(heavy)
    limits = scene_limits(heavy.resolve(), RenderOptions(), "gif")
    slider = at.slider(key="export_frames")
    assert slider.max == max(10, limits[(640, 480)] // 10 * 10) < 600
    assert slider.value <= slider.max
    # sizes: the selectbox names the ones that allow no animation for this scene (here: every size allows one)
    from ui.export import SIZES, _size_label

    box = at.selectbox(key="export_size")
    assert [box.format_func(o) for o in box.options] == [_size_label(o, limits[SIZES[o]]) for o in box.options]
    assert _size_label("1920 × 1080 (Full HD)", 4).endswith("too large for this scene")
    assert _size_label("640 × 480", 10) == "640 × 480"
    # a frame count the MP4 budget does not allow disables its button and says why, in one line
    mp4 = scene_limits(heavy.resolve(), RenderOptions(), "mp4")[(640, 480)]
    assert mp4 < slider.max  # ffmpeg's frames cost more: the MP4 allows fewer
    slider.set_value(slider.max).run()
    assert at.button(key="export_render_mp4").disabled and not at.button(key="export_render_gif").disabled
    assert any(f"at most {mp4} frames" in c.value and "MP4" in c.value for c in at.caption)


CURVE = Scene(
    surface="parabola",
    runs=(RunConfig("sgd", {"lr": 0.1}), RunConfig("momentum", {"lr": 0.1, "momentum": 0.8})),
    starts=((2.0,),),
    steps=40,
)


def test_a_curve_exports_a_gif_with_theta_beside_it_and_data_with_x_alone():
    at = open_export_with(CURVE)
    assert at.toggle(key="export_theta").value is True
    assert not [r for r in at.radio if r.key == "export_view"]  # no contour / 3-D choice on a curve
    at.button(key="export_render_gif").click().run()
    assert not at.exception
    im = Image.open(io.BytesIO(download(at, "export_download_gif")))
    assert im.n_frames == 41 and im.size == (640, 480)
    with_theta = _png_rgb(download(at, "export_download_gif"))
    at.toggle(key="export_theta").set_value(False).run()
    at.button(key="export_render_gif").click().run()
    without = _png_rgb(download(at, "export_download_gif"))
    assert not np.array_equal(with_theta, without)  # the θ panel is gone: a different picture
    header = download(at, "export_csv").decode().splitlines()[0].split(",")
    assert "x" in header and "y" not in header


@pytest.mark.parametrize("scene", [SCENE, CURVE])
def test_the_interactive_html_is_the_scene_in_the_sessions_look(scene):
    from look import DARK

    at = open_export_with(scene, theme="dark")
    page = download(at, "export_html").decode()
    assert page.startswith("<!DOCTYPE html>") and "plotly" in page.lower()
    assert f"background: {DARK.paper}" in page
    for label in scene.run_labels():
        assert label.split(" ")[0] in page


def test_the_data_help_says_when_a_big_scene_is_thinned():
    big = Scene(
        surface="himmelblau",
        runs=tuple(RunConfig(o) for o in ("sgd", "momentum", "adam", "rmsprop")),
        starts=tuple((x, 0.0) for x in (-2.0, -1.0, 1.0, 2.0, 3.0, 4.0)),
        steps=10_000,
    )
    at = open_export_with(big)
    (csv_button,) = [b for b in at.get("download_button") if b.proto.id.endswith("-export_csv")]
    assert "keeps one step in 2" in csv_button.proto.help  # 24 paths × 10 001 rows > 200 000
    (small,) = [b for b in open_export(SCENE).get("download_button") if b.proto.id.endswith("-export_csv")]
    assert "keeps one step" not in small.proto.help
