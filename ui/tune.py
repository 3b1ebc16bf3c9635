"""Tune each run: search every run's learning rate on a log grid, show each sweep, apply the best.

A comparison of optimizers is only fair when each has a good learning rate. The button under the runs (sidebar)
opens a dialog: for each run, ``optim_core.tune.tune_lr`` over the lr values the run's slider offers between
1e-5 and 10 (the tuner's grid span; on the slider's own steps, so the best lr is applied exactly and rounding
can never move it past the edge of stability), with everything else the run has (its other hyperparameters,
its schedule and mini-batch, the scene's noise, clipping, steps and first start); a 1-D sweep plot per run
(viz.sweep); and "Apply the best learning rates", which writes them through ui.state.

Best: the fewest steps to f* (tune_lr's "steps" criterion), the lowest final loss when no lr gets there. The
run's own lr joins the sweep when it lies between two slider steps, so applying never makes a run worse.
With gradient noise, tune_lr's one batched run gives every lr its own noise draws: the sweep's value at the
run's own lr is then another draw than the map's path (the dialog says so).

Cost: 8 runs × 61 lrs × 500 steps is one vectorized run() per run: 0.07 s of CPU on Rosenbrock, 1.8 s on the
logistic-regression dataset with mini-batches, on the project's 2-core box (``python -m benchmarks.tune``);
each run's sweep is cached (st.cache_data) by what it depends on, not by its lr.

Widget keys: tune_runs (the sidebar button), tune_apply (in the dialog), tune_sweep<i> (run i's chart).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass

import numpy as np
import streamlit as st

from look.fmt import num, sig
from optim_core.scene import ResolvedScene, RunConfig
from optim_core.spec import OptimizerSpec
from optim_core.tune import DEFAULT_RTOL, LR_GRID, LrTuning, tune_lr
from viz.sweep import sweep_figure

from . import heavy, state
from .looks import current_look
from .text import _, fmt, join, lang, message, safe
from .widgets import grid_for, nearest_option

LOW, HIGH = float(LR_GRID[0]), float(LR_GRID[-1])
CHART_CONFIG = {"displaylogo": False, "displayModeBar": False}
THIN = (1, 2, 3)  # a sweep over budget tries every lr, then every 2nd, then every 3rd (then fewer steps too)
MIN_STEPS = 50
CRITERION = "steps"
"""Best: the fewest steps until f − f* falls to 1e-6 of its start value and stays there; the lowest final loss
when no lr gets there (optim_core.tune). Final losses of 1e-30 and 1e-200 both mean "arrived": the speed of
arriving is what a fair comparison needs."""


def lr_options(spec: OptimizerSpec, current: float | None = None, every: int = 1) -> np.ndarray:
    """The lr values the run's slider offers from the tuner's lowest to its highest lr (every `every`-th of
    them: a sweep thinned to stay within the CPU budget), plus the run's own lr when it lies in that span but
    between two of them (a lesson's 0.019): so the sweep shows where the run stands now, and "best" is never
    worse than what the run already has."""
    p = spec.param("lr")
    lo, hi = p.slider_range()
    grid = [v for v in grid_for(lo, hi, log=p.log, low_open=p.low_open, rate=False) if _in_span(v)][::every]
    if current is not None and _in_span(current) and not np.isclose(grid, current, rtol=1e-9, atol=0.0).any():
        grid = sorted([*grid, float(current)])
    return np.array(grid, dtype=float)


def _in_span(v: float) -> bool:
    return LOW * (1 - 1e-9) <= v <= HIGH * (1 + 1e-9)


@dataclass(frozen=True)
class SweepPlan:
    """How much of each run's sweep fits in one request's CPU budget (ui.heavy.CPU_BUDGET_S)."""

    steps: int  # steps of each sweep: the scene's, or fewer
    every: int  # every `every`-th lr of the slider's
    seconds: float  # the predicted CPU seconds of every run's sweep, on a cache miss

    def bounded(self, resolved: ResolvedScene) -> bool:
        return self.steps < resolved.steps or self.every > 1


def sweep_plan(resolved: ResolvedScene) -> SweepPlan:
    """The scene's steps and every lr when they fit the budget; else every 2nd, then every 3rd lr; then fewer
    steps too.  Each run's sweep is one vectorized run whose width is its number of lrs (ui.heavy's model)."""

    def cost(steps: int, every: int) -> float:
        return sum(
            heavy.simulation_seconds(
                resolved.surface,
                steps,
                len(lr_options(r.spec, float(r.params["lr"]), every)),
                minibatch=r.batch_size is not None,
            )
            for r in resolved.runs
        )

    for every in THIN:
        if cost(resolved.steps, every) <= heavy.CPU_BUDGET_S:
            return SweepPlan(resolved.steps, every, cost(resolved.steps, every))
    every = THIN[-1]
    per_step = cost(1, every)
    steps = max(MIN_STEPS, min(resolved.steps, int(heavy.CPU_BUDGET_S / per_step) // 10 * 10))
    return SweepPlan(steps, every, cost(steps, every))


def tune_run(resolved: ResolvedScene, i: int, plan: SweepPlan | None = None) -> LrTuning:
    """Run i's lr sweep: everything as the run has it but its lr, from the scene's first start; with a plan,
    its steps and lrs."""
    steps, every = (resolved.steps, 1) if plan is None else (plan.steps, plan.every)
    r = resolved.runs[i]
    noise = {"std": resolved.noise.std, "seed": resolved.noise.seed} if resolved.noise else None
    return tune_lr(
        resolved.surface,
        r.spec,
        resolved.starts[0],
        steps,
        params=dict(r.config.params),
        lrs=lr_options(r.spec, float(r.params["lr"]), every),
        criterion=CRITERION,
        schedule=dict(r.schedule),
        noise=noise,
        clip=resolved.clip,
        batch_size=r.batch_size,
        seed=resolved.batch_seed,
    )


def best_lr(resolved: ResolvedScene, i: int, t: LrTuning) -> float | None:
    """The lr to apply to run i: the sweep's best as its slider spells it (None: every lr diverged)."""
    if t.best_lr is None:
        return None
    current = float(resolved.runs[i].params["lr"])
    if np.isclose(t.best_lr, current, rtol=1e-9, atol=0.0):
        return current  # the run's own lr (perhaps off the slider's steps) is the best: nothing to round
    return float(nearest_option(resolved.runs[i].spec.param("lr"), t.best_lr))


def tuning_key(resolved: ResolvedScene, i: int, plan: SweepPlan | None = None) -> str:
    """What run i's sweep depends on: the run without its lr (unless that lr is off the slider's steps, and so
    one of the sweep's values), the surface, steps, first start, noise, clipping, batches — not the other runs,
    not the window."""
    d = json.loads(resolved.run_key(i))
    r = resolved.runs[i]
    lr = float(r.params["lr"])
    grid = lr_options(r.spec)
    if not np.isclose(grid, lr, rtol=1e-9, atol=0.0).any():
        d["extra_lr"] = lr
    d["runs"][0]["params"].pop("lr", None)
    d["start"] = [float(c) for c in resolved.starts[0]]
    d.pop("starts", None)
    if plan is not None:
        d["sweep"] = [plan.steps, plan.every]
    return json.dumps(d, sort_keys=True, separators=(",", ":"))


@st.cache_data(max_entries=64, show_spinner=False)
def cached_tuning(key: str, _resolved: ResolvedScene, _i: int, _plan: SweepPlan | None = None) -> LrTuning:
    return tune_run(_resolved, _i, _plan)


# ----------------------------------------------------------------------------------------------- callbacks
def apply_best(optimizers: tuple[str, ...], lrs: tuple[float | None, ...]) -> None:
    """Button callback: each run's lr set to its best (runs whose every lr diverged keep theirs), through the
    app's one state path; the whole app reruns so the sidebar's sliders show the new values."""
    runs = state.runs_from_state()
    if tuple(r.optimizer for r in runs) != optimizers:
        return  # the runs changed since the sweep: apply nothing rather than the wrong lrs
    new = [
        r if lr is None else RunConfig(r.optimizer, {**dict(r.params), "lr": lr}, r.schedule, r.batch_size)
        for r, lr in zip(runs, lrs)
    ]
    state.write_runs(new)
    st.session_state[state.RERUN_APP] = True


# ----------------------------------------------------------------------------------------------- the view
def sidebar_button(resolved: ResolvedScene) -> None:
    """The button under the runs; opens the dialog (nothing when the link hides the learning rates)."""
    if state.hidden("lr"):
        return
    if st.button(
        _("Tune each run"),
        icon=":material/tune:",
        key="tune_runs",
        width="stretch",
    ):  # no help=: a button with a tooltip is rendered twice in the DOM (Streamlit 1.67), see ui/header.py
        st.dialog(_("Tune each run"), width="large")(_dialog)(resolved)


def _outcome(t: LrTuning, k: int, steps: int) -> str:
    """What lr number k of the sweep did, in a few words."""
    if t.diverged[k]:
        return _("diverged")
    final = sig(float(t.final_gap[k]))
    if t.tol is None:
        return fmt("final f {value}", value=final)
    if t.steps_to_tol[k] >= 0:
        return fmt("there from step {step} (final f − f* {value})", step=int(t.steps_to_tol[k]), value=final)
    return fmt("not there in {steps} steps (final f − f* {value})", steps=steps, value=final)


def _summary(resolved: ResolvedScene, i: int, t: LrTuning, best: float | None, steps: int | None = None) -> str:
    """Run i's outcome at the best lr and at its own, in one or two sentences."""
    current = float(resolved.runs[i].params["lr"])
    steps = resolved.steps if steps is None else steps
    if best is None:
        return fmt("Every lr from {lo} to {hi} diverged: nothing to apply.", lo=num(LOW), hi=num(HIGH))
    k_best = t.best_index
    k_now = np.flatnonzero(np.isclose(t.lrs, current, rtol=1e-9, atol=0.0))
    now = _outcome(t, int(k_now[0]), steps) if k_now.size else _("outside the sweep")
    if np.isclose(best, current, rtol=1e-9, atol=0.0):
        line = fmt("Already at the best lr, {lr}: {outcome}.", lr=num(best), outcome=now)
    else:
        line = fmt(
            "Best lr {best}: {outcome}. Now {lr}: {now}.",
            best=num(best),
            outcome=_outcome(t, k_best, steps),
            lr=num(current),
            now=now,
        )
    if t.bound is not None and t.bound_formula:
        line = join(
            line,
            fmt("Stable below {formula} ≈ {bound} at a constant lr.", formula=_(t.bound_formula), bound=sig(t.bound)),
        )
    return line


def _dialog(resolved: ResolvedScene) -> None:
    state.rerun_app_if_asked()  # "Apply" was pressed: rerun the whole app (which closes the dialog)
    look = current_look()
    n = len(resolved.runs)
    plan = sweep_plan(resolved)
    try:
        with heavy.job(_("Running every lr of every run…")):
            tunings = [cached_tuning(tuning_key(resolved, i, plan), resolved, i, plan) for i in range(n)]
    except heavy.BusyError as exc:  # the server is busy: one line, the dialog stays open
        st.error(message(exc), icon=":material/hourglass_top:")
        return
    best = tuple(best_lr(resolved, i, t) for i, t in enumerate(tunings))
    size = len(lr_options(resolved.runs[0].spec, every=plan.every)) if n else 0
    tol = tunings[0].tol if tunings else None  # the same for every run: it depends on the surface and start
    st.caption(
        safe(
            join(
                fmt(
                    "Each run tried at the {k} learning rates its slider offers from {lo} to {hi} (and at its own), "
                    "everything else as set: {steps} steps from the first start. Best: the fewest steps to f* (to "
                    "{rtol} of the start's f − f*), or the lowest final loss when no lr gets there. ✕ diverged.",
                    k=size,
                    lo=num(LOW),
                    hi=num(HIGH),
                    steps=plan.steps,
                    rtol=num(DEFAULT_RTOL),
                ),
                fmt("“There”: f − f* ≤ {tol}.", tol=sig(tol)) if tol else "",
            )
        )
    )
    if plan.bounded(resolved):
        st.caption(
            fmt(
                "To stay within the server's time for one request ({limit} s), this sweep tries every {every}th "
                "lr of the slider's and runs {steps} of the scene's {total} steps: a best lr for fewer steps.",
                limit=f"{heavy.CPU_BUDGET_S:g}",
                every=plan.every,
                steps=plan.steps,
                total=resolved.steps,
            ),
        )
    changes = [
        b is not None and not np.isclose(b, float(r.params["lr"]), rtol=1e-9, atol=0.0)
        for r, b in zip(resolved.runs, best)
    ]
    st.button(
        _("Apply the best learning rates"),
        icon=":material/check:",
        key="tune_apply",
        type="primary",
        on_click=apply_best,
        args=(tuple(r.spec.id for r in resolved.runs), best),
        disabled=not any(changes),
    )
    if not any(changes):
        st.caption(_("Every run already has its best lr (or every lr of it diverged)."))
    if resolved.noise is not None:
        st.caption(
            _(
                "With gradient noise every lr of a sweep draws its own noise, so the sweep at a run's own lr is "
                "another draw than the path on the map."
            )
        )
    cols: list = []
    for i, (r, t) in enumerate(zip(resolved.runs, tunings)):
        if i % 2 == 0:  # a row per pair of runs: on a phone the columns stack in the runs' order
            cols = list(st.columns(2, gap="small")) if n > 1 else [st.container()]
        color = look.theme.run_color(r.index)
        with cols[i % len(cols)], st.container(border=True, key=f"tune_run{i}"):
            title = fmt("Run {n}", n=i + 1)
            st.html(
                f"<span class='swatch' style='background:{color}'></span>"
                f"<span class='run-title'>{html.escape(title)} · {html.escape(r.label_in(lang()))}</span>"
            )
            fig = sweep_figure(t, current_lr=float(r.params["lr"]), color=color, look=look)
            st.plotly_chart(fig, key=f"tune_sweep{i}", theme=None, config=CHART_CONFIG)
            st.caption(safe(_summary(resolved, i, t, best[i], plan.steps)))
