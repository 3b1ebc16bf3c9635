"""CSV / JSON of every path, scene configs, and the runnable PyTorch snippet (run against real torch when an
interpreter with torch is given: OPTVIZ_TORCH_PYTHON=/path/to/venv/bin/python).  The snippet's safety (no
user text, only the statements it writes) is tested in test_snippet_security.py."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from export.data import paths_csv, paths_json, read_paths_csv, read_paths_json
from export.snippet import torch_expression, torch_snippet
from lessons.catalogue import LESSONS
from optim_core.scene import RunConfig, Scene, simulate
from surfaces import get_surface

SCENE = Scene(
    surface="beale",
    runs=(
        RunConfig("adam", {"lr": 0.05, "betas": (0.8, 0.99)}),
        RunConfig("rmsprop", {"lr": 0.01, "centered": True}),
        RunConfig("sgd", {"lr": 0.5}),
    ),
    starts=((1.0, 1.5), (-1.0, 1.0)),
    steps=120,
    schedule={"name": "cosine"},
    clip=5.0,
)


def test_csv_round_trips_every_number():
    trajs = simulate(SCENE)
    data = read_paths_csv(paths_csv(SCENE, trajs))
    assert set(data) == {(r, s) for r in range(3) for s in range(2)}
    for (r, s), entry in data.items():
        t = trajs[r]
        np.testing.assert_array_equal(entry["x"], t.points[:, s, 0])
        np.testing.assert_array_equal(entry["y"], t.points[:, s, 1])
        np.testing.assert_array_equal(entry["loss"], t.loss[:, s])
        np.testing.assert_array_equal(entry["grad_norm"], t.grad_norm[:, s])
        assert entry["optimizer"] == SCENE.runs[r].optimizer
        assert entry["params"] == t.params_for(s)
        assert entry["diverged_at"] == t.diverged_step(s)


def test_csv_records_divergence():
    scene = Scene(surface="quadratic", runs=(RunConfig("sgd", {"lr": 1.5}),), starts=((1.0, 1.0),), steps=40)
    data = read_paths_csv(paths_csv(scene, simulate(scene)))
    assert data[(0, 0)]["diverged_at"] == 20
    assert len(data[(0, 0)]["x"]) == 41 and data[(0, 0)]["x"][-1] == data[(0, 0)]["x"][19]


def test_json_round_trips_and_reloads_the_scene():
    trajs = simulate(SCENE)
    data = read_paths_json(paths_json(SCENE, trajs))
    assert Scene.from_dict(data["scene"]) == SCENE
    assert data["runs"][0]["params"]["betas"] == [0.8, 0.99]
    for r, run in enumerate(data["runs"]):
        for s, path in enumerate(run["paths"]):
            np.testing.assert_array_equal(path["points"], trajs[r].points[:, s])
            np.testing.assert_array_equal(path["loss"], trajs[r].loss[:, s])


CURVE = Scene(
    surface="parabola",
    runs=(RunConfig("sgd", {"lr": 0.4}), RunConfig("momentum", {"lr": 0.05, "momentum": 0.9})),
    starts=((2.0,), (-1.5,)),
    steps=60,
)


@pytest.mark.parametrize("scene", [CURVE, CURVE.with_(surface="x**2 - x", starts=((2.0,),))])
def test_a_curves_csv_and_json_carry_its_one_coordinate(scene):
    """On a 1-D curve a point is x alone: the CSV has an x column and no y, the JSON's points are [x] lists."""
    trajs = simulate(scene)
    assert trajs[0].points.shape[-1] == 1
    text = paths_csv(scene, trajs)
    header = text.splitlines()[0].split(",")
    assert "x" in header and "y" not in header
    data = read_paths_csv(text)
    assert set(data) == {(r, s) for r in range(len(scene.runs)) for s in range(len(scene.starts))}
    for (r, s), entry in data.items():
        assert "y" not in entry
        np.testing.assert_array_equal(entry["x"], trajs[r].points[:, s, 0])
        np.testing.assert_array_equal(entry["loss"], trajs[r].loss[:, s])
        np.testing.assert_array_equal(entry["step"], np.arange(scene.steps + 1))
    js = read_paths_json(paths_json(scene, trajs))
    assert Scene.from_dict(js["scene"]) == scene
    for r, run in enumerate(js["runs"]):
        for s, path in enumerate(run["paths"]):
            assert path["points"].shape == (scene.steps + 1, 1)
            assert path["start"] == list(scene.starts[s])
            np.testing.assert_array_equal(path["points"], trajs[r].points[:, s])


def test_scene_config_round_trips_through_json():
    assert Scene.from_json(SCENE.to_json()) == SCENE
    assert Scene.from_json(SCENE.to_json().encode("utf-8")) == SCENE


@pytest.mark.parametrize(
    "text,fragment",
    [
        ("{", "not valid JSON"),
        ("[]", "JSON object"),
        ('{"runs": [{"optimizer": "nope"}]}', "unknown optimizer"),
        ('{"steps": 0}', "steps must be"),
        ('{"surface": "x +* y"}', ""),
        ('{"colour": 1}', "unknown scene field"),
    ],
)
def test_bad_scene_configs_fail_with_one_line(text, fragment):
    with pytest.raises(ValueError) as e:
        Scene.from_json(text)
    assert fragment in str(e.value) and "\n" not in str(e.value)


def test_torch_expression_uses_torch_functions():
    code = torch_expression(get_surface("ackley"))
    assert "torch.exp(" in code and "torch.cos(" in code and "math.pi" in code and "math.exp" not in code


def _torch_python() -> str | None:
    if importlib.util.find_spec("torch") is not None:
        return sys.executable
    return os.environ.get("OPTVIZ_TORCH_PYTHON")  # e.g. the venv used for the golden fixtures


@pytest.mark.parametrize(
    "scene,run_index,start_index",
    [
        (SCENE, 0, 1),
        (SCENE, 1, 0),
        (
            Scene(
                surface="rosenbrock",
                runs=(RunConfig("lion", {"lr": 0.01, "weight_decay": 0.1}),),
                steps=150,
                schedule={"name": "warmup_cosine", "warmup_steps": 20},
                noise_std=2.0,
                noise_seed=3,
            ),
            0,
            0,
        ),
        (
            Scene(
                surface="atan2(y, x) + x^2 + y^2",
                runs=(RunConfig("swats", {"lr": 0.01}),),
                starts=((1.0, 1.5),),
                steps=100,
            ),
            0,
            0,
        ),
        # every function of the formula language, constants folded and as typed, atan2 with a constant side
        (
            Scene(
                surface=(
                    "sin(x) + cos(y) + tan(x/4) + asin(y/9) + acos(x/9) + atan(y) + atan2(y, x + 9)"
                    " + atan2(1, y^2 + 1) + sinh(x/3) + cosh(y/3) + tanh(x) + asinh(y) + acosh(x^2 + 1)"
                    " + atanh(y/9) + exp(-x^2) + log(y^2 + 1) + ln(x^2 + 2) + sqrt(x^2 + y^2 + 1)"
                    " + abs(x - 1) + 2^x + x^2*y + 2*pi*y - e + sqrt(2)*x"
                ),
                runs=(RunConfig("adam", {"lr": 0.05}),),
                starts=((0.5, -0.5),),
                steps=110,  # it leaves asin's domain (y < -9) at step 126
            ),
            0,
            0,
        ),
        # the optimizers whose reference pins a keyword (nesterov=True, amsgrad=True), and FTRL
        (Scene(surface="booth", runs=(RunConfig("nesterov", {"lr": 0.01}), RunConfig("amsgrad")), steps=60), 0, 0),
        (Scene(surface="booth", runs=(RunConfig("nesterov", {"lr": 0.01}), RunConfig("amsgrad")), steps=60), 1, 0),
        (Scene(surface="himmelblau", runs=(RunConfig("ftrl", {"lr": 0.5}),), steps=60), 0, 0),
        # 1-D: a built-in curve, and a formula in x alone from a one-number start, with noise
        (Scene(surface="double_well", runs=(RunConfig("momentum", {"lr": 0.01}),), steps=120), 0, 0),
        (
            Scene(
                surface="x^4 - 3*x^2 + sinh(x/4)",
                starts=((2.0,), (-1.5,)),
                runs=(RunConfig("adam", {"lr": 0.05}),),
                steps=80,
                noise_std=0.3,
                noise_seed=5,
            ),
            0,
            1,
        ),
        # what a Chinese input method types; the formula that cost 10-18 s of CPU before
        (Scene(surface="（１－ｘ）²＋１００×（ｙ－ｘ²）²", runs=(RunConfig("nadam", {"lr": 0.02}),), steps=200), 0, 0),
        (
            Scene(
                surface="sinh(sinh(log(y)**100))+sinh(sinh(log(x)**100))",
                runs=(RunConfig("sgd", {"lr": 1e-4}),),
                starts=((1.2, 1.1),),
                steps=60,
            ),
            0,
            0,
        ),
        # dataset surfaces: the model trained on mini-batches drawn as the app draws them (noise, clipping, a
        # schedule on top; full batch; two starts, the second one's path)
        (
            Scene(
                surface="linreg",
                runs=(RunConfig("adam", {"lr": 0.1}),),
                steps=90,
                batch_size=16,
                batch_seed=3,
                noise_std=0.3,
                noise_seed=2,
                clip=1.0,
                schedule={"name": "cosine"},
            ),
            0,
            0,
        ),
        (Scene(surface="linreg", runs=(RunConfig("momentum", {"lr": 0.02}),), steps=50), 0, 0),
        (
            Scene(
                surface="logreg",
                runs=(RunConfig("sgd", {"lr": 1.0}), RunConfig("swats", {"lr": 0.05})),
                starts=((-2.0, 3.5), (1.0, -1.0)),
                steps=120,
                batch_size=7,
                batch_seed=11,
                noise_std=0.2,
                noise_seed=4,
            ),
            1,
            1,
        ),
        # runs with their own batch sizes (1 and 16) in a full-batch scene: the script uses the run's own
        (LESSONS["batch_size"].scene, 0, 0),
        (LESSONS["batch_size"].scene, 1, 0),
        (LESSONS["batch_size"].scene, 2, 0),
    ],
)
def test_torch_snippet_runs_and_matches_our_path(scene, run_index, start_index, tmp_path):
    python = _torch_python()
    if python is None:
        pytest.skip("torch is not importable (set OPTVIZ_TORCH_PYTHON to an interpreter that has it)")
    out = tmp_path / "points.json"
    code = torch_snippet(scene, run_index, start_index)
    if "SAME_BATCHES_AS_THE_APP = False" in code:  # mini-batches: the app's own order, step for step
        code = code.replace("SAME_BATCHES_AS_THE_APP = False", "SAME_BATCHES_AS_THE_APP = True")
    code += f"\nimport json\njson.dump(points.tolist(), open({str(out)!r}, 'w'))\n"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    theirs = np.array(json.loads(out.read_text()))
    ours = scene.resolve().simulate_run(run_index).points[:, start_index]
    assert len(theirs) == len(ours)  # neither diverged: the whole path is compared
    np.testing.assert_allclose(theirs, ours, rtol=1e-9, atol=1e-12)


# Records the rows of every batch the model sees (the script's last call, on the whole dataset, is dropped).
_SPY = """
import torch
_seen = []
_forward = torch.nn.Linear.forward
def _spy(self, x):
    _seen.append(x.detach().numpy().copy())
    return _forward(self, x)
torch.nn.Linear.forward = _spy
"""


@pytest.mark.parametrize(
    "scene,run_index",
    [
        (LESSONS["batch_size"].scene, 0),  # the run's own batch size 1 (the scene's is the full batch)
        (LESSONS["batch_size"].scene, 1),  # 16: 12 batches of 16 and one of 8 per epoch
        (Scene(surface="logreg", runs=(RunConfig("adam", {"lr": 0.1}),), steps=70, batch_size=7, batch_seed=5), 0),
    ],
)
def test_torch_script_trains_with_a_shuffling_dataloader(scene, run_index, tmp_path):
    """As exported (torch's own shuffle order), the script trains on the run's batch size: the same samples per
    epoch as the app (every sample once, batches of B and the rest), as many steps; only the order is torch's."""
    python = _torch_python()
    if python is None:
        pytest.skip("torch is not importable (set OPTVIZ_TORCH_PYTHON to an interpreter that has it)")
    from surfaces import dataset_of

    code = torch_snippet(scene, run_index, 0)
    assert "SAME_BATCHES_AS_THE_APP = False" in code
    assert "torch.utils.data.TensorDataset(inputs, targets)" in code
    assert "shuffle=True, generator=torch.Generator().manual_seed(" in code
    out = tmp_path / "seen.npz"
    code = _SPY + code + f"\nimport numpy\nnumpy.savez({str(out)!r}, *_seen[:-1], path=points)\n"
    proc = subprocess.run([python, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    got = np.load(out)
    batches = [got[f"arr_{i}"] for i in range(len(got.files) - 1)]
    resolved = scene.resolve()
    data = dataset_of(resolved.surface)
    traj = resolved.simulate_run(run_index)
    ours = traj.sampling
    assert ours is not None and ours.batch_size == resolved.runs[run_index].batch_size
    assert len(batches) == scene.steps == len(got["path"]) - 1
    assert [len(x) for x in batches] == [len(ours.indices(t)) for t in range(1, scene.steps + 1)]
    inputs = data.inputs.reshape(data.n, -1)
    spe = ours.steps_per_epoch
    for e in range(scene.steps // spe):  # each whole epoch: every sample exactly once
        rows = np.concatenate(batches[e * spe : (e + 1) * spe]).reshape(-1, inputs.shape[1])
        assert sorted(map(tuple, rows)) == sorted(map(tuple, inputs))
    assert np.isfinite(got["path"]).all()


def test_run_labels_tell_runs_of_the_same_optimizer_apart():
    scene = Scene(
        runs=(
            RunConfig("momentum", {"lr": 0.09, "momentum": 0.4}),
            RunConfig("momentum", {"lr": 0.09}),
            RunConfig("adam", {"lr": 0.1, "eps": 0.1}),
            RunConfig("sgd", {"lr": 0.1}),
        )
    )
    assert scene.run_labels() == [
        "Momentum (lr=0.09, momentum=0.4)",
        "Momentum (lr=0.09, momentum=0.9)",
        "Adam (lr=0.1, eps=0.1)",
        "SGD (lr=0.1)",
    ]
    assert read_paths_json(paths_json(scene, simulate(scene)))["runs"][1]["label"] == scene.run_labels()[1]


def test_dataset_runs_export_batch_size_epoch_and_variant_switches():
    """On a dataset surface the files say which batch size and seed each run used and the epoch of every row;
    a textbook form's switches are in the JSON beside the reference's keywords (which cannot hold them)."""
    scene = Scene(
        surface="logreg",
        runs=(RunConfig("sgd", {"lr": 1.0}), RunConfig("adam", {"lr": 0.1, "eps_inside": True})),
        steps=30,
        batch_size=16,
        batch_seed=2,
    )
    trajs = simulate(scene)
    rows = read_paths_csv(paths_csv(scene, trajs))
    for i in range(2):
        entry = rows[(i, 0)]
        assert entry["batch_size"] == 16
        assert entry["epoch"].tolist() == [0, *trajs[i].epoch.tolist()]
    doc = read_paths_json(paths_json(scene, trajs))
    assert doc["runs"][0]["batch_size"] == 16 and doc["runs"][0]["seed"] == 2
    assert doc["runs"][0]["paths"][0]["epoch"][:15] == [0] + [1] * 13 + [2]
    assert "variant" not in doc["runs"][0] and doc["runs"][1]["variant"] == {"eps_inside": True}
    assert "eps_inside" not in doc["runs"][1]["params"]
    assert doc["surface"]["dataset"]["n"] == 200 and len(doc["surface"]["formula"]) < 200
    # a plain surface leaves the columns blank and the keys out
    plain = Scene(runs=(RunConfig("sgd", {"lr": 1e-3}),), steps=5)
    entry = read_paths_csv(paths_csv(plain, simulate(plain)))[(0, 0)]
    assert entry["batch_size"] is None and entry["epoch"] is None
    assert "epoch" not in read_paths_json(paths_json(plain, simulate(plain)))["runs"][0]["paths"][0]


def test_dataset_script_regenerates_the_same_data():
    """The script's data lines (plain NumPy from the dataset's seed) give exactly the arrays of surfaces.datasets."""
    from export.snippet import dataset_recipe
    from surfaces import dataset_of

    for sid in ("linreg", "logreg"):
        data = dataset_of(get_surface(sid))
        code = "import numpy as np\n" + dataset_recipe(sid, data.seed, data.n)
        code = code.replace("torch.from_numpy(", "(")  # the arrays before torch wraps them
        scope: dict = {}
        exec(compile(code, "<recipe>", "exec"), scope)  # our own fixed text, no user input
        np.testing.assert_array_equal(np.asarray(scope["inputs"]).reshape(data.n, -1), data.inputs)
        np.testing.assert_array_equal(np.asarray(scope["targets"]).reshape(-1), data.targets)


def test_script_refuses_what_torch_cannot_reproduce():
    from export.inputs import ExportError

    textbook = Scene(surface="ill_conditioned", runs=(RunConfig("momentum", {"lr": 0.05, "lr_inside": True}),))
    with pytest.raises(ExportError, match=r"textbook form of Momentum \(lr_inside\)"):
        torch_snippet(textbook)
    with pytest.raises(ExportError, match="SWATS on Linear regression"):
        torch_snippet(Scene(surface="linreg", runs=(RunConfig("swats"),)))
