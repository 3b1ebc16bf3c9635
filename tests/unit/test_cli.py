"""The command line contract: JSON/CSV output, `list`, exit code 2 with one line for bad input."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from cli import main
from optim_core import OPTIMIZERS, run
from surfaces import CURVES, SURFACES

ROOT = Path(__file__).resolve().parents[2]


def call(*argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_list_shows_every_optimizer_with_defaults_and_every_surface():
    code, out, _ = call("list")
    assert code == 0
    for spec in OPTIMIZERS.values():
        assert f"  {spec.id} " in out
    lines = out.splitlines()
    for sid, entry in SURFACES.items():
        (line,) = [ln for ln in lines if ln.startswith(f"  {sid} ")]
        assert ("1-D" if entry.dim == 1 else "2-D") in line, line
    assert set(CURVES) == {"parabola", "asymmetric_bowl", "xcos", "double_well"}
    assert "betas=0.9,0.999" in out and "eps=1e-08" in out and "lr=0.002" in out


def test_trajectory_json_matches_the_api():
    code, out, err = call(
        "trajectory",
        "--surface",
        "rosenbrock",
        "--optimizer",
        "adam",
        "--start",
        "-1.2",
        "1",
        "--steps",
        "50",
        "--set",
        "lr=0.05",
        "--set",
        "betas=0.8,0.99",
        "--set",
        "amsgrad=true",
    )
    assert code == 0, err
    data = json.loads(out)
    assert set(data) >= {"surface", "optimizer", "params", "start", "steps", "points", "loss", "diverged_at"}
    assert data["params"] == {"lr": 0.05, "betas": [0.8, 0.99], "eps": 1e-8, "weight_decay": 0.0, "amsgrad": True}
    assert data["start"] == [-1.2, 1.0] and data["steps"] == 50 and len(data["points"]) == 51
    ref = run("rosenbrock", "adam", (-1.2, 1.0), 50, lr=0.05, betas=(0.8, 0.99), amsgrad=True)
    np.testing.assert_array_equal(np.array(data["points"]), ref.points[:, 0])
    np.testing.assert_array_equal(np.array(data["loss"]), ref.loss[:, 0])
    assert data["diverged_at"] is None


def test_trajectory_formula_csv_and_divergence():
    code, out, _ = call(
        "trajectory",
        "--surface",
        "x^2 + 3*y^2",
        "--optimizer",
        "sgd",
        "--start",
        "1",
        "1",
        "--steps",
        "40",
        "--set",
        "lr=0.5",
        "--format",
        "csv",
    )
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 41 and list(rows[0]) == ["step", "x", "y", "loss", "grad_norm"]
    code, out, _ = call(
        "trajectory",
        "--surface",
        "quadratic",
        "--optimizer",
        "sgd",
        "--start",
        "1",
        "1",
        "--steps",
        "100",
        "--set",
        "lr=1.5",
    )
    assert code == 0 and json.loads(out)["diverged_at"] == 20


def test_one_number_start_makes_a_formula_in_x_a_curve():
    """The command the lessons print, exactly as written: JSON rows are [x] on a curve."""
    code, out, err = call(
        "trajectory", "--surface", "x**2", "--optimizer", "sgd", "--start", "2", "--steps", "50", "--set", "lr=0.1"
    )
    assert code == 0, err
    data = json.loads(out)
    assert data["dim"] == 1 and data["start"] == [2.0] and len(data["points"]) == 51
    assert all(len(row) == 1 for row in data["points"])
    np.testing.assert_allclose(np.array(data["points"])[:, 0], 2.0 * 0.8 ** np.arange(51), rtol=1e-12)
    ref = run("x**2", "sgd", 2.0, 50, lr=0.1)
    np.testing.assert_array_equal(np.array(data["points"]), ref.points[:, 0])
    # the same formula with two numbers stays the 2-D valley x² (flat in y)
    code, out, _ = call("trajectory", "--surface", "x**2", "--optimizer", "sgd", "--start", "2", "1", "--steps", "3")
    data = json.loads(out)
    assert code == 0 and data["dim"] == 2 and all(len(row) == 2 for row in data["points"])
    assert [row[1] for row in data["points"]] == [1.0] * 4


def test_built_in_curve_csv_has_no_y_column():
    code, out, err = call(
        "trajectory", "--surface", "parabola", "--optimizer", "sgd", "--steps", "3", "--format", "csv"
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["step", "x", "loss", "grad_norm"] and rows[0]["x"] == "2.0"
    assert float(rows[1]["x"]) == pytest.approx(2.0 * (1 - 2e-3))  # default lr 1e-3


def test_nesterov_flag_is_accepted_for_the_nesterov_optimizer():
    code, out, _ = call("trajectory", "--optimizer", "nesterov", "--set", "nesterov=true", "--steps", "3")
    assert code == 0 and json.loads(out)["params"]["nesterov"] is True


@pytest.mark.parametrize(
    "argv,fragment",
    [
        (["trajectory", "--optimizer", "adamz"], "unknown optimizer"),
        (["trajectory", "--set", "foo=1"], "has no hyperparameter 'foo'"),
        (["trajectory", "--set", "betas=1.2,0.9"], "beta1 must be in [0, 1)"),
        (["trajectory", "--set", "lr=0"], "lr must be in (0, inf)"),
        (["trajectory", "--set", "lr=-3"], "lr must be in"),
        (["trajectory", "--surface", "__import__('os')"], "not available"),
        (["trajectory", "--surface", "().__class__"], "attribute access is not allowed"),
        (["trajectory", "--surface", "x + z"], "unknown name 'z'"),
        (["trajectory", "--steps", "10001"], "--steps must be from 1 to 10000"),
        (["trajectory", "--optimizer", "sgd", "--set", "momentum=0.9"], "use --optimizer momentum"),
        (["trajectory", "--schedule", "bogus"], "unknown schedule"),
        (["trajectory", "--start", "1"], "Rosenbrock is 2-D"),
        (["trajectory", "--start", "1", "2", "3"], "--start takes 1 number (a curve) or 2 (a surface), got 3"),
        (["trajectory", "--surface", "parabola", "--start", "1", "2"], "Parabola is 1-D"),
        (["trajectory", "--surface", "x + y", "--start", "1"], "a 1-D curve is a formula in x alone"),
        (["frobnicate"], "invalid choice"),
        (["trajectory", "--batch-size", "8"], "a batch size applies to a surface built from data"),
        (["trajectory", "--surface", "linreg", "--batch-size", "0"], "from 1 to 200"),
        (["trajectory", "--surface", "linreg", "--batch-size", "8", "--seed", "-1"], "sampling seed"),
        (["trajectory", "--surface", "linreg", "--batch-size", "x"], "invalid int value"),
    ],
)
def test_bad_input_exit_2_one_line(argv, fragment):
    code, out, err = call(*argv)
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1 and fragment in err, err


def test_module_entry_point_runs_as_a_new_user_would():
    proc = subprocess.run(
        [sys.executable, "-m", "optim_core", "trajectory", "--set", "lr=-1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2 and proc.stderr.strip() == "error: lr must be in (0, inf), got -1"
    assert "Traceback" not in proc.stderr


def test_state_flag_adds_the_reference_buffers_gradient_and_lr():
    code, out, err = call(
        "trajectory", "--surface", "rosenbrock", "--optimizer", "adam", "--start", "-1.2", "1", "--steps", "20",
        "--set", "lr=0.01", "--set", "amsgrad=true", "--schedule", "cosine", "--state",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert set(data["state"]) == {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}  # torch's optimizer.state keys
    assert len(data["grad"]) == len(data["lr"]) == 20 and all(len(row) == 2 for row in data["grad"])
    ref = run("rosenbrock", "adam", (-1.2, 1.0), 20, lr=0.01, amsgrad=True, schedule="cosine", record_state=True)
    np.testing.assert_array_equal(np.array(data["state"]["exp_avg"]), ref.record.state["exp_avg"][:, 0])
    np.testing.assert_array_equal(np.array(data["grad"]), ref.record.grad[:, 0])
    np.testing.assert_array_equal(np.array(data["lr"]), ref.lr)
    assert set(data["indicators"]) == {"kept_max"}
    # without amsgrad torch keeps no max_exp_avg_sq: neither does the JSON
    code, out, _ = call("trajectory", "--optimizer", "adam", "--steps", "3", "--state")
    assert code == 0 and set(json.loads(out)["state"]) == {"exp_avg", "exp_avg_sq"}


def test_state_on_a_curve_has_one_number_rows_and_per_run_buffers_are_rows_of_one():
    code, out, err = call(
        "trajectory", "--surface", "x**2", "--optimizer", "nadam", "--start", "2", "--steps", "5", "--state"
    )
    assert code == 0, err
    data = json.loads(out)
    assert all(len(row) == 1 for rows in data["state"].values() for row in rows)
    assert list(data["state"]) == ["mu_product", "exp_avg", "exp_avg_sq"] and len(data["state"]["mu_product"]) == 5
    assert all(len(row) == 1 for row in data["grad"])
    code, _, err = call("trajectory", "--optimizer", "sgd", "--steps", "3", "--state", "--format", "csv")
    assert code == 2 and "--state needs --format json" in err


def test_state_of_a_diverged_run_is_valid_json_with_nulls():
    code, out, err = call(
        "trajectory", "--surface", "quadratic", "--optimizer", "momentum", "--start", "1", "1", "--steps", "60",
        "--set", "lr=3", "--state",
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    d = data["diverged_at"]
    assert d is not None and data["state"]["momentum_buffer"][d - 1] == [None, None]
    assert data["state"]["momentum_buffer"][d - 2][0] is not None


def test_batch_size_and_seed_json_has_the_epoch_of_each_step():
    code, out, err = call(
        "trajectory",
        "--surface",
        "linreg",
        "--optimizer",
        "momentum",
        "--steps",
        "30",
        "--set",
        "lr=0.02",
        "--batch-size",
        "64",
        "--seed",
        "5",
    )
    assert code == 0, err
    data = json.loads(out)
    ref = run("linreg", "momentum", (-1.0, 2.0), 30, lr=0.02, batch_size=64, seed=5)
    np.testing.assert_array_equal(np.array(data["points"]), ref.points[:, 0])
    assert data["batch_size"] == 64 and data["seed"] == 5 and data["n_samples"] == 200
    assert data["steps_per_epoch"] == 4 and data["epoch"] == [k // 4 + 1 for k in range(30)]
    # without --batch-size a dataset runs full batch: one step per epoch
    code, out, _ = call("trajectory", "--surface", "logreg", "--steps", "5")
    assert code == 0 and json.loads(out)["epoch"] == [1, 2, 3, 4, 5] and json.loads(out)["batch_size"] == 200
    # a plain surface has no sampling keys
    code, out, _ = call("trajectory", "--steps", "5")
    assert "epoch" not in json.loads(out)


def test_batch_csv_has_an_epoch_column_and_list_names_the_datasets():
    code, out, _ = call("trajectory", "--surface", "linreg", "--steps", "9", "--batch-size", "50", "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [int(r["epoch"]) for r in rows] == [0, 1, 1, 1, 1, 2, 2, 2, 2, 3]
    code, out, _ = call("list")
    assert "Datasets" in out
    for sid in ("linreg", "logreg"):
        (line,) = [ln for ln in out.splitlines() if ln.startswith(f"  {sid} ")]
        assert "N=200" in line and "torch.nn.Linear" in line
