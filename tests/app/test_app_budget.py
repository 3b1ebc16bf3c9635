"""Every request within the CPU budget (issue 8): the main simulation and Tune each run.

ui.heavy predicts a simulation's CPU from its steps, starts and runs (and whether it draws mini-batches); the
app refuses a scene over ui.heavy.CPU_BUDGET_S with one line, runs a heavy one in the job line (ui.heavy.GATE),
and Tune each run sweeps fewer lrs, then fewer steps, to fit, and says so.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from ui import heavy
from ui.tune import lr_options, sweep_plan
from ui.url import scene_from_query

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def at_limits(surface: str, run: str, steps: int, starts: int = 8, runs: int = 8) -> dict[str, str]:
    """A link at the UI's limits: 8 runs, 8 starts, 10 000 steps."""
    return {
        "surface": surface,
        "run": ";".join([run] * runs),
        "steps": str(steps),
        "start": ";".join(f"{0.1 * k:.1f},0.5" for k in range(starts)),
    }


class RecordingGate(heavy.JobGate):
    def __init__(self) -> None:
        super().__init__(1)
        self.jobs = 0

    @contextlib.contextmanager
    def job(self, session, **kw):
        self.jobs += 1
        with super().job(session, **kw):
            yield


def run_app(query: dict[str, str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in query.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception[0].message if at.exception else ""
    return at


def test_a_scene_over_the_budget_is_refused_with_one_line():
    """The audit's link: 8 × 8 × 10 000 steps of logreg with mini-batches of 1 (6.7 s of CPU) is not run."""
    q = at_limits("logreg", "adam:lr=0.05,batch=1", 10_000)
    rs = scene_from_query(q).resolve()
    assert heavy.simulation_seconds(rs.surface, 10_000, 8, 8, minibatch=True) > heavy.CPU_BUDGET_S
    at = run_app(q)
    texts = [e.value.replace("\\", "") for e in at.error]
    assert any("more than one request may use (5 s)" in t and "lower the steps" in t for t in texts), texts
    assert not [c for c in at.get("plotly_chart") if c.proto.id.endswith("-contour")]


def test_a_heavy_scene_runs_in_the_job_line_once(monkeypatch):
    gate = RecordingGate()
    monkeypatch.setattr(heavy, "GATE", gate)
    q = at_limits("rosenbrock", "adam:lr=0.01", 4_321)  # ≈ 1 s predicted: over HEAVY_S, under the budget
    rs = scene_from_query(q).resolve()
    assert heavy.HEAVY_S < heavy.simulation_seconds(rs.surface, rs.steps, 8, 8) < heavy.CPU_BUDGET_S
    at = run_app(q)
    assert gate.jobs >= 1 and not at.error
    assert any(c.proto.id.endswith("-contour") for c in at.get("plotly_chart"))
    before = gate.jobs
    at.run()  # a rerun finds every run computed: no wait in line
    assert gate.jobs == before


def test_a_light_scene_does_not_queue(monkeypatch):
    gate = RecordingGate()
    monkeypatch.setattr(heavy, "GATE", gate)
    at = run_app({"surface": "himmelblau", "steps": "217"})
    assert gate.jobs == 0 and not at.error


@pytest.mark.parametrize(
    ("query", "bounded"),
    [
        (at_limits("logreg", "adam:lr=0.05,batch=1", 10_000, starts=1), True),  # the audit's 26 s per click
        (at_limits("rosenbrock", "adam:lr=0.01", 10_000, starts=1), False),
        (at_limits("logreg", "adam:lr=0.05", 500, starts=1), False),
    ],
)
def test_tune_sweeps_only_what_fits_the_budget(query, bounded):
    rs = scene_from_query(query).resolve()
    plan = sweep_plan(rs)
    assert plan.bounded(rs) == bounded
    assert plan.seconds <= heavy.CPU_BUDGET_S
    predicted = sum(
        heavy.simulation_seconds(
            rs.surface,
            plan.steps,
            len(lr_options(r.spec, float(r.params["lr"]), plan.every)),
            minibatch=r.batch_size is not None,
        )
        for r in rs.runs
    )
    assert predicted == pytest.approx(plan.seconds)
    if bounded:
        assert plan.every > 1 and plan.steps < rs.steps
        # the full sweep would have cost far more than the budget
        full = sum(
            heavy.simulation_seconds(rs.surface, rs.steps, len(lr_options(r.spec)), minibatch=True) for r in rs.runs
        )
        assert full > 5 * heavy.CPU_BUDGET_S
    else:
        assert (plan.steps, plan.every) == (rs.steps, 1)


def test_the_tune_dialog_says_when_it_sweeps_less_and_sweeps_what_it_says():
    """Two runs of logreg with mini-batches of 1 at 10 000 steps: the full sweep would cost ~12 s of CPU."""
    from test_app_learn_guide import chart_spec, in_dialog

    from viz import decode

    q = at_limits("logreg", "adam:lr=0.05,batch=1", 10_000, starts=1, runs=2)
    rs = scene_from_query(q).resolve()
    plan = sweep_plan(rs)
    assert plan.bounded(rs) and plan.seconds <= heavy.CPU_BUDGET_S
    at = run_app(q)
    at.button(key="tune_runs").click().run()
    assert not at.exception
    captions = " ".join(c.value for c in at.caption)
    assert "To stay within the server's time for one request (5 s)" in captions, captions
    assert f"runs {plan.steps} of the scene's 10000 steps" in captions, captions
    for i in range(2):
        spec = chart_spec(in_dialog(at, f"tune_sweep{i}"))
        sweep = next(tr for tr in spec["data"] if tr["meta"]["role"] == "sweep")
        swept = decode(sweep["x"])
        np.testing.assert_allclose(swept, lr_options(rs.runs[i].spec, 0.05, plan.every), rtol=1e-12)
        assert len(swept) < len(lr_options(rs.runs[i].spec)) / 2
