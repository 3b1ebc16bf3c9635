"""`python -m optim_core render`: every format decodes to what the scene says; .py writes the PyTorch script."""

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
from export.snippet import check_script, torch_snippet
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


# --- the PyTorch script ---------------------------------------------------------------------------------
def test_py_writes_the_export_tabs_script(tmp_path):
    out = tmp_path / "run.py"
    code, msg, err = call(*BASE, "--out", str(out))
    assert code == 0, err
    assert "wrote" in msg and str(out) in msg
    source = out.read_text()
    assert source == torch_snippet(SCENE, 0, 0)  # the same script the app offers
    check_script(source)
    compile(source, str(out), "exec")


def test_py_run_and_start_index_choose_the_path(tmp_path):
    cfg = tmp_path / "scene.json"
    scene = SCENE.with_(starts=((0.0, 0.0), (1.0, -1.0)))
    cfg.write_text(scene.to_json())
    out = tmp_path / "second.py"
    code, _, err = call("--config", str(cfg), "--out", str(out), "--run", "1", "--start-index", "1")
    assert code == 0, err
    assert out.read_text() == torch_snippet(scene, 1, 1)
    assert "torch.optim.Adam(" in out.read_text() and "torch.tensor([1.0, -1.0]" in out.read_text()


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["--run", "2"], "--run must be from 0 to 1 (the scene has 2 run(s)), got 2"),
        (["--run", "-1"], "--run must be from 0 to 1"),
        (["--start-index", "1"], "--start-index must be from 0 to 0 (the scene has 1 start point(s)), got 1"),
        (["--run", "x"], "invalid int value"),
    ],
)
def test_py_bad_indices_exit_2_one_line(argv, fragment, tmp_path):
    code, out, err = call(*BASE, "--out", str(tmp_path / "run.py"), *argv)
    assert code == 2 and err.count("\n") == 1 and fragment in err, err
    assert not (tmp_path / "run.py").exists()


def test_py_from_a_formula_typed_with_a_chinese_input_method(tmp_path):
    out = tmp_path / "ime.py"
    code, _, err = call("--surface", "ｘ＾２＋３＊ｙ＾２", "--optimizer", "sgd", "--steps", "20", "--out", str(out))
    assert code == 0, err
    source = out.read_text()
    assert "    return x**2 + 3 * y**2\n" in source and source.isascii()
    check_script(source)


# --- main(): one line for every failure, translated, never a traceback or a path -----------------------
def test_unexpected_failure_is_one_line_without_traceback_or_path(tmp_path, monkeypatch):
    import cli.render

    def broken(args, out):
        raise RuntimeError("/srv/secret/path/module.py line 12: boom")

    monkeypatch.setattr(cli.render, "cmd_render", broken)
    monkeypatch.delenv("OPTVIZ_DEBUG", raising=False)
    code, out, err = call(*BASE, "--out", str(tmp_path / "a.png"))
    assert code == 1 and err.count("\n") == 1 and "RuntimeError" in err, err
    assert "/srv" not in err and "Traceback" not in err
    monkeypatch.setenv("OPTVIZ_DEBUG", "1")
    with pytest.raises(RuntimeError):
        call(*BASE, "--out", str(tmp_path / "a.png"))


def test_user_errors_are_printed_in_the_language(tmp_path, monkeypatch):
    import gettext

    import cli
    import i18n

    class Marked(i18n.Lang):
        def gettext(self, text: str) -> str:
            return "[zz] " + text

    monkeypatch.setattr(cli.i18n, "get", lambda code=None: Marked("zz", gettext.NullTranslations()))
    code, _, err = call(*BASE, "--out", str(tmp_path / "run.py"), "--run", "5")
    assert code == 2 and err == "error: [zz] --run must be from 0 to 1 (the scene has 2 run(s)), got 5\n"
    code, _, err = call("--surface", "x^2 +", "--out", str(tmp_path / "run.py"))
    assert code == 2 and err.startswith("error: [zz] the formula ends too early"), err
