"""Tune each run: `python -m benchmarks.tune` (CPU seconds, best of N after a warm-up; prints a Markdown table).

Target (issue 14, ui/heavy-style limits): one tuning of 8 runs × the slider's 61 lrs × 500 steps ≤ 5 s of CPU on
a 2-core machine. What is timed is exactly what the dialog computes on a cache miss: ui.tune.tune_run for every
run of the scene (one vectorized tune_lr per run), without Streamlit.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from optim_core.scene import RunConfig, Scene
from ui.tune import lr_options, tune_run

EIGHT = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "nadam", "swats")
TARGET_S = 5.0


def _scene(surface: str, **extra: Any) -> Scene:
    runs = tuple(RunConfig(o, {"lr": 0.01}) for o in EIGHT)
    return Scene(surface=surface, runs=runs, steps=500, **extra)


CASES = {
    "Rosenbrock": _scene("rosenbrock"),
    "Rosenbrock, gradient noise σ = 0.5": _scene("rosenbrock", noise_std=0.5, noise_seed=1),
    "ill-conditioned quadratic, cosine schedule, clip 1": _scene(
        "ill_conditioned", schedule={"name": "cosine"}, clip=1.0
    ),
    "a typed formula (Beale's, as text)": _scene("(1.5 - x + x*y)^2 + (2.25 - x + x*y^2)^2 + (2.625 - x + x*y^3)^2"),
    "linreg, mini-batches of 16": _scene("linreg", batch_size=16),
    "logreg, mini-batches of 16": _scene("logreg", batch_size=16),
    "logreg, mini-batches of 1": _scene("logreg", batch_size=1),
}


def cpu_best_of(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """(fastest CPU time, its wall time) over `repeat` calls after one warm-up call."""
    fn()
    best = (float("inf"), float("inf"))
    for _ in range(repeat):
        c0, w0 = time.process_time(), time.perf_counter()
        fn()
        best = min(best, (time.process_time() - c0, time.perf_counter() - w0))
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, "
        f"best of {args.repeat} after a warm-up; 8 runs ({', '.join(EIGHT)}) × "
        f"{len(lr_options(RunConfig('adam').spec))} lrs × 500 steps\n"
    )
    print("| scene | CPU (s) | wall (s) | target (s) | ok |")
    print("| --- | ---: | ---: | ---: | :-: |")
    for name, scene in CASES.items():
        resolved = scene.resolve()

        def tune_all(resolved=resolved) -> None:
            for i in range(len(resolved.runs)):
                tune_run(resolved, i)

        cpu, wall = cpu_best_of(tune_all, args.repeat)
        print(f"| {name} | {cpu:.2f} | {wall:.2f} | {TARGET_S:g} | {'yes' if cpu <= TARGET_S else 'NO'} |")


if __name__ == "__main__":
    main()
