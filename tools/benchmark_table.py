"""Measure the comparison table instead of typing it: convergence speed, tuning effort and memory per optimizer.

    python -m tools.benchmark_table            # measures, writes optim_core/benchmark_table.json, prints Markdown
    python -m tools.benchmark_table --check    # measures and compares with the committed JSON (no writing)

On a fixed benchmark set of surfaces and curves (each from its default start, every other hyperparameter at its
default), every optimizer's lr is searched on a log grid (optim_core.tune.tune_lr: one vectorized run() per
problem), and the table reports, per optimizer:

* speed: the median over the problems of the steps needed at the best lr of the grid to bring f − f* down to
  RTOL of its starting value and keep it there (a problem no lr solves within STEPS counts as more than STEPS);
* solved: on how many problems some lr of the grid gets there;
* tuning effort: the share of the lr grid (six decades, eight values each) that converges, averaged over the
  problems: a forgiving optimizer converges over a wide range of lrs, a demanding one in a narrow band;
* memory: the state buffers it keeps per parameter, from its declaration (OptimizerSpec.buffers active with
  the default hyperparameters; SWATS's SGD-phase buffer, created at its switch, is counted).

The numbers depend only on the code (no timing): the committed JSON is what the Learn tab reads.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

from optim_core import OPTIMIZERS
from optim_core.spec import PER_COORDINATE, OptimizerSpec
from optim_core.tune import benchmark_path, tune_lr
from surfaces import builtin_surface

STEPS = 1000
RTOL = 1e-6
GRID = np.logspace(-5.0, 1.0, 49)  # eight values per decade
PROBLEMS: tuple[tuple[str, dict[str, float]], ...] = (
    ("quadratic", {}),
    ("ill_conditioned", {"kappa": 10.0}),
    ("ill_conditioned", {"kappa": 100.0}),
    ("rosenbrock", {}),
    ("beale", {}),
    ("himmelblau", {}),
    ("booth", {}),
    ("six_hump_camel", {}),
    ("linreg", {}),
    ("logreg", {}),
    ("parabola", {}),
    ("asymmetric_bowl", {}),
    ("double_well", {}),
)


def problem_id(sid: str, params: dict[str, float]) -> str:
    return sid + "".join(f"[{k}={v:g}]" for k, v in params.items())


def buffers_per_parameter(spec: OptimizerSpec) -> int:
    """Per-coordinate state buffers the optimizer keeps with its default hyperparameters."""
    defaults = spec.defaults()
    return sum(1 for b in spec.buffers if b.per == PER_COORDINATE and (b.lazy or b.active(defaults)))


def measure() -> dict[str, Any]:
    results: dict[str, Any] = {}
    for oid, spec in OPTIMIZERS.items():
        per_problem: dict[str, Any] = {}
        for sid, sparams in PROBLEMS:
            surface = builtin_surface(sid, tuple(sorted(sparams.items())))
            t = tune_lr(surface, spec, surface.start, STEPS, lrs=GRID, criterion="steps", rtol=RTOL)
            best = t.best_index
            steps = int(t.steps_to_tol[best]) if best >= 0 and t.steps_to_tol[best] >= 0 else None
            per_problem[problem_id(sid, sparams)] = {
                "best_lr": t.best_lr if steps is not None else None,
                "steps": steps,
                "converging_fraction": round(t.converging_fraction(), 4),
            }
        solved = [p["steps"] for p in per_problem.values() if p["steps"] is not None]
        censored = [p["steps"] if p["steps"] is not None else STEPS + 1 for p in per_problem.values()]
        median = float(np.median(censored))
        results[oid] = {
            "name": spec.name,
            "buffers_per_parameter": buffers_per_parameter(spec),
            "solved": len(solved),
            "median_steps": None if median > STEPS else median,
            "converging_fraction": round(float(np.mean([p["converging_fraction"] for p in per_problem.values()])), 4),
            "problems": per_problem,
        }
    return {
        "generated_by": "python -m tools.benchmark_table",
        "steps": STEPS,
        "rtol": RTOL,
        "lr_grid": {"low": float(GRID[0]), "high": float(GRID[-1]), "per_decade": 8, "size": int(GRID.size)},
        "problems": [problem_id(s, p) for s, p in PROBLEMS],
        "optimizers": results,
    }


def markdown(table: dict[str, Any]) -> str:
    n = len(table["problems"])
    head = (
        f"| optimizer | solved (of {n}) | median steps to tolerance at the best lr | lr grid that converges "
        "| state buffers per parameter |"
    )
    lines = [head, "|---|---|---|---|---|"]
    rows = sorted(
        table["optimizers"].values(),
        key=lambda r: (-r["solved"], r["median_steps"] if r["median_steps"] is not None else 1e9),
    )
    for r in rows:
        med = f"{r['median_steps']:g}" if r["median_steps"] is not None else f"> {table['steps']}"
        lines.append(
            f"| {r['name']} | {r['solved']} | {med} | {100 * r['converging_fraction']:.0f} % "
            f"| {r['buffers_per_parameter']} |"
        )
    lines.append("")
    lines.append(
        f"Measured by `python -m tools.benchmark_table`: {n} problems (surfaces, curves and the two datasets, each "
        f"from its default start), {table['lr_grid']['size']} learning rates from {table['lr_grid']['low']:g} to "
        f"{table['lr_grid']['high']:g}, {table['steps']} steps, tolerance f − f* ≤ {table['rtol']:g} × its start "
        "value (and staying there); every other hyperparameter at its default."
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed JSON; do not write")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    table = measure()
    took = time.perf_counter() - t0
    text = json.dumps(table, indent=1, sort_keys=False) + "\n"
    print(markdown(table))
    print(f"\n(measured in {took:.1f} s)")
    path = benchmark_path()
    if args.check:
        same = path.exists() and json.loads(path.read_text()) == json.loads(text)
        print("up to date" if same else f"{path.name} differs from a fresh measurement")
        return 0 if same else 1
    path.write_text(text)
    print(f"wrote {Path(path).name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
