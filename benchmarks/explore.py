"""Explore speed: `python -m benchmarks.explore` (best of N after a warm-up; prints a Markdown table).

Targets on a 2-core machine (issue: explore hyperparameters in the browser; issue 15: maps bigger and still live):
- a 64×64 sweep × 300 steps ≤ 0.1 s of compute, 128×128 ≤ 0.5 s, 256×256 ≤ 0.8 s (1 s to the screen);
- a 200×200 basin map × 300 steps ≤ 1.5 s, 256×256 ≤ 0.8 s.
"explore" is optim_core.explore (one pass of the step loop that keeps no history: run_summary); the run()
column is the bare run() call on the same batch, which keeps the whole history (what a map cost before
run_summary).  The peak column is the explore call's peak traced memory (tracemalloc, one run, NumPy's
arrays included), against the 300 MB one request may use.
"""

from __future__ import annotations

import argparse
import platform
import tracemalloc

import numpy as np

from optim_core import OPTIMIZERS, run
from optim_core.explore import axis_values, basins, ensemble, sweep

from .timing import best_of


def _sweep_case(opt: str, y: str, n: int, surface="rosenbrock", start=(-1.2, 1.0), lr=(1e-5, 1e-2)):
    spec = OPTIMIZERS[opt]
    xv = axis_values(spec.param("lr"), *lr, n)
    yv = axis_values(spec.param(y), 0.0, 0.99, n, axis="y")
    gx, gy = np.meshgrid(xv, yv)

    def explore():
        sweep(surface, opt, start, 300, "lr", xv, y, yv)

    def bare():
        run(surface, opt, start, 300, **{"lr": gx.ravel(), y: gy.ravel()})

    return explore, bare


def _basin_case(opt: str, params: dict, n: int = 200):
    xs = np.linspace(-5, 5, n)
    gx, gy = np.meshgrid(xs, xs)
    starts = np.column_stack([gx.ravel(), gy.ravel()])

    def explore():
        basins("himmelblau", opt, 300, params=params, grid_n=n)

    def bare():
        run("himmelblau", opt, starts, 300, **params)

    return explore, bare


def peak_mb(fn) -> float:
    """Peak traced memory of one call (MB)."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-bare", action="store_true", help="skip the bare run() column (slow and ~1 GB at 256²)")
    args = ap.parse_args()

    cases = [
        ("sweep 64×64 × 300, momentum lr×μ, Rosenbrock", 0.1, *_sweep_case("momentum", "momentum", 64)),
        ("sweep 64×64 × 300, adam lr×β1, Rosenbrock", 0.1, *_sweep_case("adam", "beta1", 64)),
        ("sweep 128×128 × 300, momentum lr×μ, Rosenbrock", 0.5, *_sweep_case("momentum", "momentum", 128)),
        ("sweep 128×128 × 300, adam lr×β1, Rosenbrock", 0.5, *_sweep_case("adam", "beta1", 128)),
        ("sweep 256×256 × 300, momentum lr×μ, Rosenbrock", 0.8, *_sweep_case("momentum", "momentum", 256)),
        ("sweep 256×256 × 300, adam lr×β1, Rosenbrock", 0.8, *_sweep_case("adam", "beta1", 256)),
        ("basins 200×200 × 300, SGD lr=0.01, Himmelblau", 1.5, *_basin_case("sgd", {"lr": 0.01})),
        ("basins 200×200 × 300, momentum lr=0.002, Himmelblau", 1.5, *_basin_case("momentum", {"lr": 0.002})),
        ("basins 200×200 × 300, adam lr=0.05, Himmelblau", 1.5, *_basin_case("adam", {"lr": 0.05})),
        ("basins 256×256 × 300, SGD lr=0.01, Himmelblau", 0.8, *_basin_case("sgd", {"lr": 0.01}, 256)),
        ("basins 256×256 × 300, momentum lr=0.002, Himmelblau", 0.8, *_basin_case("momentum", {"lr": 0.002}, 256)),
        ("basins 256×256 × 300, adam lr=0.05, Himmelblau", 0.8, *_basin_case("adam", {"lr": 0.05}, 256)),
        (
            "ensemble 1000 runs × 300, SGD, Rosenbrock",
            None,
            lambda: ensemble("rosenbrock", "sgd", (-1.2, 1.0), 300, params={"lr": 1e-3}, n_runs=1000, noise_std=1.0),
            None,
        ),
    ]
    print(
        f"Python {platform.python_version()}, NumPy {np.__version__}, {platform.machine()}, "
        f"best of {args.repeat} after a warm-up\n"
    )
    print("| case | explore (s) | peak MB | bare run() (s) | target (s) | ok |")
    print("| --- | ---: | ---: | ---: | ---: | :-: |")
    for name, target, fn, bare in cases:
        t = best_of(fn, args.repeat)[0]
        mb = peak_mb(fn)
        tb = best_of(bare, args.repeat)[0] if bare and not args.no_bare else None
        ok = "" if target is None else ("yes" if t <= target else "NO")
        print(
            f"| {name} | {t:.3f} | {mb:.0f} | {'' if tb is None else f'{tb:.3f}'} | "
            f"{'' if target is None else f'{target:g}'} | {ok} |"
        )


if __name__ == "__main__":
    main()
