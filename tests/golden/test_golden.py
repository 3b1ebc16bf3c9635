"""Golden tests: our NumPy optimizers against torch.optim / pytorch-optimizer, step for step.

The fixtures in tests/golden/fixtures/ were recorded in float64 by tools/make_golden.py
(see its docstring to regenerate them; torch is NOT needed to run these tests).
Each case is replayed through ``optim_core.run`` and every point and loss value
must agree with rtol 1e-6.  The mini-batch cases (minibatch.json) were recorded with a real DataLoader and a
torch.nn.Linear model on the dataset surfaces; they replay with run(..., batch_size=B, seed=S).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from optim_core import OPTIMIZERS, SCHEDULES

GOLDEN = Path(__file__).resolve().parent / "fixtures"

# Derived from the registries: an optimizer registered anywhere is asked for its fixture here.
OPTIMIZER_IDS = tuple(OPTIMIZERS)
SCHEDULE_NAMES = tuple(SCHEDULES)


def _load(path: Path) -> dict:
    with path.open() as fh:
        return json.load(fh)


FIXTURES = {p.stem: _load(p) for p in sorted(GOLDEN.glob("*.json"))}
CASES = [case for doc in FIXTURES.values() for case in doc["cases"]]


def _case_id(case: dict) -> str:
    return f"{case['optimizer']}-{case['name']}"


def _sampling(case: dict) -> dict:
    """run()'s mini-batch and noise arguments of a case (none for the cases on plain surfaces)."""
    if "batch_size" not in case:
        return {}
    return {"batch_size": case["batch_size"], "seed": case["seed"], "noise": case["noise"]}


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_matches_reference(case):
    from optim_core import run
    from surfaces import get_surface

    surface = get_surface(case["surface"], **case["surface_params"])
    res = run(
        surface,
        case["optimizer"],
        np.array(case["start"], dtype=float),
        case["steps"],
        schedule=case["schedule"],
        clip=case["clip"],
        **_sampling(case),
        **case["params"],
    )
    points = np.asarray(res.points)
    assert points.shape == (case["steps"] + 1, 1, len(case["start"]))
    np.testing.assert_allclose(points[:, 0, :], np.array(case["points"]), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(np.asarray(res.loss)[:, 0], np.array(case["loss"]), rtol=1e-6, atol=1e-12)
    assert res.diverged_at[0] == -1  # -1 means "did not diverge"
    # the learning rate each step used (torch's group lr; SWATS's SGD rate after its switch)
    lr = res.lr if res.lr.ndim == 1 else res.lr[:, 0]
    np.testing.assert_allclose(lr, np.array(case["lr"]), rtol=1e-6, atol=1e-15)


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_state_matches_reference(case):
    """Every step: the gradient torch's optimizer saw, the lr, and optimizer.state[p] after the step."""
    from optim_core import OPTIMIZERS, run
    from surfaces import get_surface

    spec = OPTIMIZERS[case["optimizer"]]
    res = run(
        get_surface(case["surface"], **case["surface_params"]),
        spec.id,
        np.array(case["start"], dtype=float),
        case["steps"],
        schedule=case["schedule"],
        clip=case["clip"],
        record_state=True,
        **_sampling(case),
        **case["params"],
    )
    rec = res.record
    np.testing.assert_allclose(rec.grad[:, 0], np.array(case["grad"]), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(rec.lr[:, 0], np.array(case["lr"]), rtol=1e-6, atol=1e-15)
    # the names are the reference's own keys, and each buffer it keeps for these hyperparameters is recorded
    declared = {b.name: b for b in spec.buffers}
    assert set(case["state"]) <= set(declared), f"undeclared reference state: {set(case['state']) - set(declared)}"
    for buf in spec.buffers:
        if buf.active(case["params"]) and not buf.lazy:
            assert buf.name in case["state"], f"{buf.name} is declared active but the reference has none"
        if buf.name not in case["state"]:
            assert not buf.active(case["params"]) or buf.lazy, buf.name
            continue
        rows = case["state"][buf.name]
        present = [k for k, r in enumerate(rows) if r is not None]
        ref = np.array([rows[k] for k in present], dtype=float)
        ours = rec.state[buf.name][present, 0]
        ours = ours if ours.ndim == 2 else ours[:, None]
        scale = max(1.0, float(np.abs(ref).max()))
        np.testing.assert_allclose(ours, ref, rtol=1e-6, atol=1e-12 * scale, err_msg=buf.name)


def test_recorded_delta_and_eff_lr_are_the_positions_differences():
    from optim_core import OPTIMIZERS, run

    for oid in OPTIMIZERS:
        res = run("rosenbrock", oid, [(-1.2, 1.0), (0.3, -0.4)], 40, lr=1e-3, record_state=True)
        rec = res.record
        np.testing.assert_array_equal(rec.delta, np.diff(res.points, axis=0))
        g = rec.grad
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = np.abs(np.diff(res.points, axis=0)) / np.abs(g)
        np.testing.assert_array_equal(rec.eff_lr[g != 0], expected[g != 0])
        assert np.isnan(rec.eff_lr[g == 0]).all()


# ---------------------------------------------------------------- the fixtures themselves


def test_every_optimizer_has_a_fixture():
    missing = [o for o in OPTIMIZER_IDS if o not in FIXTURES]
    assert not missing, (
        f"no golden fixture for {', '.join(missing)}: add its cases to tools/make_golden.py and run "
        "python -m tools.make_golden in the torch venv"
    )
    for opt in OPTIMIZER_IDS:
        assert FIXTURES[opt]["reference"] == OPTIMIZERS[opt].reference, f"{opt}: fixture from another reference"
        cases = FIXTURES[opt]["cases"]
        assert FIXTURES[opt]["optimizer"] == opt
        assert len(cases) >= 5, f"{opt}: only {len(cases)} golden cases"
        assert all(c["optimizer"] == opt for c in cases)
        surfaces = {c["surface"] for c in cases}
        assert len(surfaces) >= 3, f"{opt}: golden cases cover only {sorted(surfaces)}"


def test_every_hyperparameter_is_exercised():
    """Each optimizer's fixture varies every hyperparameter away from its default at least once."""
    for opt in OPTIMIZER_IDS:
        cases = FIXTURES[opt]["cases"]
        names = set(cases[0]["params"])
        assert all(set(c["params"]) == names for c in cases), f"{opt}: cases disagree on parameter names"
        for name in names:
            values = {json.dumps(c["params"][name]) for c in cases}
            assert len(values) >= 2, f"{opt}: {name} is never varied ({values})"


def test_schedules_fixture_covers_every_schedule_and_clipping():
    doc = FIXTURES.get("schedules")
    assert doc is not None, "tests/golden/fixtures/schedules.json is missing"
    for opt in ("sgd", "adam", "swats"):
        named = {c["schedule"]["name"] for c in doc["cases"] if c["optimizer"] == opt and c["schedule"]}
        named |= {"constant"} if opt == "swats" else set()  # its constant-lr cases are in swats.json
        assert set(SCHEDULE_NAMES) <= named, f"{opt}: schedules not covered: {set(SCHEDULE_NAMES) - named}"
    # SWATS's schedule cases switch to SGD early, so what the schedule does to the SGD rate is pinned too
    for c in doc["cases"]:
        if c["optimizer"] == "swats":
            assert "switch in step" in c["notes"], c["name"]
    assert any(c["clip"] is not None for c in doc["cases"])


def test_curves_fixture_covers_every_optimizer_curve_and_schedule():
    """1-D runs (points [x]) are pinned to torch too: every optimizer on every curve under every schedule."""
    from surfaces import CURVES

    doc = FIXTURES.get("curves")
    assert doc is not None, "tests/golden/fixtures/curves.json is missing"
    assert all(len(c["start"]) == 1 for c in doc["cases"])
    for opt in OPTIMIZER_IDS:
        mine = [c for c in doc["cases"] if c["optimizer"] == opt]
        assert mine, f"no golden curve cases for {opt}: add it to CURVE_LR in tools/make_golden.py"
        assert {c["surface"] for c in mine} == set(CURVES), opt
        named = {(c["schedule"] or {"name": "constant"})["name"] for c in mine}
        assert named == set(SCHEDULE_NAMES), f"{opt}: schedules on curves: {named}"


def test_minibatch_fixture_covers_batch_sizes_datasets_and_epochs():
    """Mini-batches pinned to a real DataLoader: both datasets, SGD (B = 1), mini-batches that divide N and that
    leave a smaller last batch, full batch, several epochs, noise and clipping on top, several optimizers."""
    from surfaces import DATASETS, dataset_of, get_surface

    doc = FIXTURES.get("minibatch")
    assert doc is not None, "tests/golden/fixtures/minibatch.json is missing"
    cases = doc["cases"]
    assert {c["surface"] for c in cases} == set(DATASETS)
    for c in cases:
        data = dataset_of(get_surface(c["surface"]))
        # the fixtures were recorded on these very data: a change to the generator must regenerate them
        assert c["data_sum"] == float(np.sum(data.inputs) + np.sum(data.targets)), _case_id(c)
    sizes = {(c["surface"], c["batch_size"]) for c in cases}
    n = 200
    assert ("linreg", 1) in sizes and ("logreg", 1) in sizes
    assert any(b == n for _, b in sizes), "no full-batch case"
    assert any(1 < b < n and n % b for _, b in sizes), "no case with a smaller last batch"
    assert any(1 < b < n and not n % b for _, b in sizes)
    assert any(c["steps"] > 3 * -(-n // c["batch_size"]) for c in cases), "no case runs several epochs"
    assert any(c["noise"] for c in cases) and any(c["clip"] for c in cases) and any(c["schedule"] for c in cases)
    assert len({c["optimizer"] for c in cases}) >= 8


def test_fixture_shapes_and_values():
    ids = [_case_id(c) for c in CASES]
    assert len(ids) == len(set(ids)), "duplicate golden case ids"
    for case in CASES:
        pts = np.array(case["points"], dtype=float)
        loss = np.array(case["loss"], dtype=float)
        assert 40 <= case["steps"] <= 200
        assert pts.shape == (case["steps"] + 1, len(case["start"])), _case_id(case)
        assert loss.shape == (case["steps"] + 1,), _case_id(case)
        assert pts[0].tolist() == case["start"]
        assert np.isfinite(pts).all() and np.isfinite(loss).all(), _case_id(case)
        assert case["clip"] is None or case["clip"] > 0
        assert all(isinstance(v, (bool, float)) for v in case["params"].values()), _case_id(case)
