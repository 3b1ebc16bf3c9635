"""`python -m optim_core render`: every format decodes to what the scene says."""

from __future__ import annotations

import io
import json

import imageio.v3 as iio
import numpy as np
import pytest
from PIL import Image

from cli import main
from export.data import read_paths_csv, read_paths_json
from export.scene import RUN_COLORS
from optim_core.scene import RunConfig, Scene, simulate


def call(*argv):
    out, err = io.StringIO(), io.StringIO()
    return main(["render", *argv], out=out, err=err), out.getvalue(), err.getvalue()


BASE = [
    "--surface",
    "himmelblau",
    "--optimizer",
    "sgd,adam",
    "--start",
    "0",
    "0",
    "--steps",
    "120",
    "--set",
    "lr=0.01",
    "--set",
    "adam.lr=0.1",
]
SCENE = Scene(
    surface="himmelblau",
    runs=(RunConfig("sgd", {"lr": 0.01}), RunConfig("adam", {"lr": 0.1})),
    starts=((0.0, 0.0),),
    steps=120,
)


def test_gif_frames_size_timing_loop(tmp_path):
    out = tmp_path / "a.gif"
    code, msg, err = call(*BASE, "--out", str(out), "--fps", "25", "--frames", "40", "--size", "480x360")
    assert code == 0, err
    assert "wrote" in msg
    im = Image.open(out)
    assert im.size == (480, 360) and im.n_frames == 40 and im.info["loop"] == 0
    durations = []
    for k in range(im.n_frames):
        im.seek(k)
        durations.append(im.info["duration"])
    assert durations[:-1] == [40] * 39 and durations[-1] > 40  # 1/25 s, then a pause on the last frame


def test_gif_pause_and_loop_options(tmp_path):
    out = tmp_path / "once.gif"
    code, _, err = call(*BASE, "--out", str(out), "--frames", "10", "--fps", "10", "--pause", "3", "--loop", "1")
    assert code == 0, err
    im = Image.open(out)
    assert "loop" not in im.info  # played once: no NETSCAPE loop block
    im.seek(im.n_frames - 1)
    assert im.info["duration"] == 100 + 3000


def test_mp4_is_readable_with_the_right_frame_count(tmp_path):
    out = tmp_path / "a.mp4"
    code, _, err = call(*BASE, "--out", str(out), "--fps", "20", "--frames", "30", "--size", "320x240")
    assert code == 0, err
    frames = iio.imread(out)
    # 30 animation frames plus the last one held for the 1.5 s pause (30 frames at 20 fps)
    assert frames.shape[1:3] == (240, 320) and frames.shape[0] == 30 + 30


def test_png_shows_each_run_colour(tmp_path):
    out = tmp_path / "a.png"
    code, _, err = call(*BASE, "--out", str(out))
    assert code == 0, err
    rgb = np.asarray(Image.open(out).convert("RGB")).reshape(-1, 3).astype(int)
    for hex_colour in RUN_COLORS[:2]:
        c = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(rgb - c).sum(axis=1) < 30).sum() > 50, hex_colour


def test_csv_and_json_match_the_api(tmp_path):
    trajs = simulate(SCENE)
    assert call(*BASE, "--out", str(tmp_path / "p.csv"))[0] == 0
    assert call(*BASE, "--out", str(tmp_path / "p.json"))[0] == 0
    csv_data = read_paths_csv((tmp_path / "p.csv").read_text())
    json_data = read_paths_json((tmp_path / "p.json").read_text())
    for r in range(2):
        np.testing.assert_array_equal(csv_data[(r, 0)]["x"], trajs[r].points[:, 0, 0])
        np.testing.assert_array_equal(json_data["runs"][r]["paths"][0]["points"], trajs[r].points[:, 0])
    assert Scene.from_dict(json_data["scene"]) == SCENE


def test_config_drives_the_cli(tmp_path):
    cfg = tmp_path / "scene.json"
    cfg.write_text(SCENE.with_(steps=60).to_json())
    assert call("--config", str(cfg), "--out", str(tmp_path / "p.json"))[0] == 0
    data = json.loads((tmp_path / "p.json").read_text())
    assert Scene.from_dict(data["scene"]) == SCENE.with_(steps=60)
    # options override the config
    assert call("--config", str(cfg), "--set", "sgd.lr=0.02", "--out", str(tmp_path / "q.json"))[0] == 0
    q = Scene.from_dict(json.loads((tmp_path / "q.json").read_text())["scene"])
    assert q.runs[0].params["lr"] == 0.02 and q.runs[1].params["lr"] == 0.1 and q.steps == 60


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["--out", "x.txt"], "--out must end in"),
        (["--out", "{tmp}/missing/x.gif"], "does not exist"),
        (["--out", "{tmp}/a.gif", "--size", "big"], "--size expects WxH"),
        (["--out", "{tmp}/a.gif", "--size", "10x10"], "width must be in"),
        (["--out", "{tmp}/a.gif", "--fps", "0"], "fps must be in"),
        (["--out", "{tmp}/a.gif", "--frames", "1"], "frames must be in"),
        (["--out", "{tmp}/a.gif", "--optimizer", "sgd", "--set", "adam.lr=1"], "not one of the selected"),
        (["--out", "{tmp}/a.gif", "--optimizer", "sgd,adamx"], "unknown optimizer"),
        (["--out", "{tmp}/a.gif", "--config", "{tmp}/none.json"], "cannot read --config"),
        (["--out", "{tmp}/a.gif", "--view", "4d"], "invalid choice"),
        (["--out", "{tmp}/a.gif", "--pause", "-1"], "pause"),
        (["--out", "{tmp}/a.gif", "--loop", "-2"], "loop"),
    ],
)
def test_bad_render_options_exit_2_one_line(argv, fragment, tmp_path):
    code, out, err = call(*[a.replace("{tmp}", str(tmp_path)) for a in argv])
    assert code == 2 and err.count("\n") == 1 and fragment in err, err
