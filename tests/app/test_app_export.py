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
