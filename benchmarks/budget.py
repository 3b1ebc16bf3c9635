"""The CPU model of ui.heavy against measurement: `python -m benchmarks.budget` (CPU seconds; prints Markdown).

ui.heavy.simulation_seconds predicts a simulation's CPU before it runs (steps × (a fixed cost + paths side by
side × a cost per path), dearer on a dataset and with mini-batches); the app refuses a scene over
ui.heavy.CPU_BUDGET_S and Tune each run thins its sweep to fit.  This prints, for the cases that matter, the
measured cost per step at widths 1, 16 and 64 (to refit the coefficients), then each case's prediction against
its measured CPU: the prediction should be above the measurement (the model is meant to be pessimistic).

Explore maps (ui.heavy.explore_seconds / explore_megabytes): the CPU per run and step of run_summary at 256² (to
refit the optimizer and surface terms; `--explore-fit`), then each map's predicted CPU and memory against its
measured CPU (process time) and peak memory (tracemalloc: the map and its figure, with the figure's JSON).


Then the step inspector's recording (ui.heavy.recording_seconds: one run again with its state recorded, its
vectors and overlay, its table of every step as CSV), predicted against measured, for the optimizers with the most
state and the dearest surfaces.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from explain import recorded_run, step_table, step_vectors
from optim_core.trajectory import run
from ui import heavy
from ui.inspector import costs
from ui.tune import sweep_plan, tune_run
from ui.url import scene_from_query

PER_STEP_CASES = [("rosenbrock", None), ("himmelblau", None), ("logreg", None), ("logreg", 1), ("linreg", 1)]


def per_step_us(surface: str, batch: int | None, width: int, steps: int = 1000) -> float:
    rs = scene_from_query({"surface": surface, "run": "adam:lr=0.01" + (f",batch={batch}" if batch else "")}).resolve()
    starts = np.tile(np.asarray(rs.starts[0], float), (width, 1))
    best = float("inf")
    for _ in range(2):
        t0 = time.process_time()
        run(rs.surface, rs.runs[0].spec, starts, steps, batch_size=batch, seed=0, **dict(rs.runs[0].config.params))
        best = min(best, time.process_time() - t0)
    return best / steps * 1e6


def limits(surface: str, run_: str, steps: int, starts: int, runs: int = 8) -> dict[str, str]:
    return {
        "surface": surface,
        "run": ";".join([run_] * runs),
        "steps": str(steps),
        "start": ";".join(f"{0.1 * k:.1f},0.5" for k in range(starts)),
    }


SCENES = {
    "logreg, batch 1, 8 runs × 1 start × 10 000 steps": limits("logreg", "adam:lr=0.05,batch=1", 10_000, 1),
    "logreg, full batch, 8 runs × 8 starts × 2 000 steps": limits("logreg", "adam:lr=0.05", 2_000, 8),
    "Rosenbrock, 8 runs × 8 starts × 10 000 steps": limits("rosenbrock", "adam:lr=0.01", 10_000, 8),
}


EXPLORE_CASES = [  # (what, kind, surface, optimizer, n per axis, steps)
    ("sweep lr × μ", "sweep", "rosenbrock", "momentum", 256, 300),
    ("sweep lr × β1", "sweep", "rosenbrock", "adam", 256, 300),
    ("sweep lr × β1", "sweep", "ackley", "swats", 256, 300),
    ("sweep lr × β1", "sweep", "rosenbrock", "adam", 64, 2000),
    ("sweep lr × wd", "sweep", "logreg", "sgd", 24, 300),
    ("basin map", "basins", "himmelblau", "adam", 256, 300),
    ("basin map", "basins", "himmelblau", "momentum", 256, 1000),
]


def explore_case(kind: str, surface: str, opt: str, n: int, steps: int) -> None:
    """One Explore map and its figure, as the Explore tab computes and draws them."""
    import plotly.io as pio

    from optim_core import OPTIMIZERS
    from optim_core.explore import axis_values, basins, default_axes, sweep
    from viz.explore import basin_figure, sweep_heatmap

    if kind == "basins":
        grid = basins(surface, opt, steps, params={"lr": 0.002 if opt == "momentum" else 0.05}, grid_n=n)
        pio.to_json(basin_figure([grid]), validate=False)
        return
    spec = OPTIMIZERS[opt]
    xp, yp = default_axes(opt)
    xv = axis_values(spec.param(xp), 1e-5, 1e-1, n)
    py = spec.param(yp)
    yv = axis_values(py, py.low, min(py.high, 0.99) if py.high < 1e300 else 1.0, n, axis="y")
    start = (-1.2, 1.0) if surface != "logreg" else (0.5, 0.5)
    res = sweep(surface, opt, start, steps, xp, xv, yp, yv)
    pio.to_json(sweep_heatmap(res, "loss"), validate=False)  # as the Explore tab draws it: no selected-cell box


def explore_rows() -> None:
    from surfaces import get_surface

    print("\n| Explore map | predicted CPU s / measured | predicted MB / measured peak |\n|---|---|---|")
    for what, kind, surface, opt, n, steps in EXPLORE_CASES:
        runs = n * n
        seconds = heavy.explore_seconds(get_surface(surface), opt, steps, runs)
        mb = heavy.explore_megabytes(runs, steps)
        explore_case(kind, surface, opt, min(n, 8), 5)  # warm: compile the surface, import the figures
        t0 = time.process_time()
        explore_case(kind, surface, opt, n, steps)
        cpu = time.process_time() - t0
        tracemalloc.start()
        try:
            explore_case(kind, surface, opt, n, min(steps, 50))
            peak = tracemalloc.get_traced_memory()[1] / 1e6
        finally:
            tracemalloc.stop()
        ok = "" if seconds >= cpu and mb >= peak else " **under**"
        print(
            f"| {what}, {opt}, {surface}, {n}×{n} × {steps} steps | {seconds:.2f} / {cpu:.2f} | "
            f"{mb:.0f} / {peak:.0f}{ok} |"
        )


def explore_fit() -> None:
    """ns per run and step of run_summary at 256² × 50 steps: each optimizer on Rosenbrock, SGD on each surface."""
    from optim_core import OPTIMIZERS
    from optim_core.trajectory import run_summary
    from surfaces import SURFACES, get_surface

    def ns(surface: str, opt: str, n: int = 256, steps: int = 50) -> float:
        lr = np.geomspace(1e-5, 1e-2, n * n)
        start = tuple(0.3 for _ in range(get_surface(surface).dim))
        best = float("inf")
        for _ in range(2):
            t0 = time.process_time()
            run_summary(surface, opt, start, steps, within=1e-6, lr=lr)
            best = min(best, time.process_time() - t0)
        return best / (steps * n * n) * 1e9

    print("\n| optimizer (Rosenbrock) | ns per run and step |\n|---|---|")
    for opt in OPTIMIZERS:
        print(f"| {opt} | {ns('rosenbrock', opt):.1f} |")
    print("\n| surface (SGD) | ns per run and step |\n|---|---|")
    for sid in SURFACES:
        small = sid in ("linreg", "logreg")
        print(f"| {sid} | {ns(sid, 'sgd', 32 if small else 256):.1f} |")


RECORDING_CASES = {
    "Rosenbrock, Adam, 3 starts × 10 000 steps": limits("rosenbrock", "adam:lr=0.01", 10_000, 3, runs=1),
    "Rosenbrock, AMSGrad, 8 starts × 10 000 steps": limits("rosenbrock", "amsgrad:lr=0.01", 10_000, 8, runs=1),
    "Rosenbrock, SWATS, 8 starts × 10 000 steps": limits("rosenbrock", "swats:lr=0.01", 10_000, 8, runs=1),
    "Rosenbrock, Adadelta, 8 starts × 10 000 steps": limits("rosenbrock", "adadelta:lr=1", 10_000, 8, runs=1),
    "logreg, Adam batch 1, 8 starts × 10 000 steps": limits("logreg", "adam:lr=0.05,batch=1", 10_000, 8, runs=1),
    "logreg, RAdam full batch, 8 starts × 10 000 steps": limits("logreg", "radam:lr=0.05", 10_000, 8, runs=1),
}


def recording_cpu(q: dict[str, str]) -> tuple[float, float]:
    """(predicted, measured) CPU seconds of the inspector's recording of run 0: what ui/inspector.py does for
    it (explain.recorded_run, step_vectors, viz.inspector.overlay_data, the table and its CSV)."""
    from viz.inspector import overlay_data

    rs = scene_from_query(q).resolve()
    _sim, predicted = costs(rs, 0)
    t0 = time.process_time()
    traj = recorded_run(rs, 0)
    overlay_data([(0, "run", step_vectors(traj))])
    step_table(traj, 0).to_csv()
    return predicted, time.process_time() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--explore", action="store_true", help="only the Explore maps")
    ap.add_argument("--explore-fit", action="store_true", help="also the Explore fit (per optimizer, per surface)")
    args = ap.parse_args()
    if args.explore_fit:
        explore_fit()
    explore_rows()
    if args.explore:
        return
    print("\n| surface | batch | µs/step, width 1 | width 16 | width 64 |\n|---|---|---|---|---|")
    for surface, batch in PER_STEP_CASES:
        w = [per_step_us(surface, batch, k) for k in (1, 16, 64)]
        print(f"| {surface} | {batch or 'full'} | {w[0]:.0f} | {w[1]:.0f} | {w[2]:.0f} |")
    print(
        "\n| scene | simulation predicted / measured s | Tune plan | Tune predicted / measured s |\n|---|---|---|---|"
    )
    for name, q in SCENES.items():
        rs = scene_from_query(q).resolve()
        predicted = sum(
            heavy.simulation_seconds(rs.surface, rs.steps, len(rs.starts), minibatch=r.batch_size is not None)
            for r in rs.runs
        )
        t0 = time.process_time()
        rs.simulate()
        sim = time.process_time() - t0
        plan = sweep_plan(rs)
        t0 = time.process_time()
        for i in range(len(rs.runs)):
            tune_run(rs, i, plan)
        tune = time.process_time() - t0
        print(
            f"| {name} | {predicted:.2f} / {sim:.2f} | {plan.steps} steps, every {plan.every} lr "
            f"| {plan.seconds:.2f} / {tune:.2f} |"
        )
    print("\n| the inspector's recording of one run | predicted / measured s |\n|---|---|")
    for name, q in RECORDING_CASES.items():
        predicted, measured = recording_cpu(q)
        print(f"| {name} | {predicted:.2f} / {measured:.2f} |")


if __name__ == "__main__":
    main()
