"""Core speed: `python -m benchmarks.core` (best of N after a warm-up; prints a Markdown table).

Targets on a 2-core machine (issue: optimizer core):
- one 2000-step Adam path on Rosenbrock ≥10× faster than torch.optim (a plain Python loop);
- a 64×64 lr × momentum sweep (4096 paths × 300 steps, one run() call) ≥2× faster than torch
  (one SGD optimizer over a (4096, 2) tensor) and ≤0.1 s.
The torch columns appear when torch is importable, e.g. from the throwaway venv used for the golden
fixtures: `/tmp/torchvenv/bin/python -m benchmarks.core` (that venv has numpy and sympy too).

Also measured: the same runs with ``record_state=True`` (the step inspector's recording; off by default, so
the rows above must not change), and the memory of 8 runs × 3 starts × 10 000 steps with their state.
"""

from __future__ import annotations

import argparse
import platform
import time
import tracemalloc

import numpy as np

from optim_core import run

from .timing import best_of


def ours_single():
    run("rosenbrock", "adam", (-1.2, 1.0), 2000, lr=1e-3)


LR_GRID = np.repeat(np.logspace(-5, -2.5, 64), 64)
MOMENTUM_GRID = np.tile(np.linspace(0.0, 0.99, 64), 64)


def ours_sweep():
    run("rosenbrock", "momentum", (-1.2, 1.0), 300, lr=LR_GRID, momentum=MOMENTUM_GRID)


def ours_single_recorded():
    run("rosenbrock", "adam", (-1.2, 1.0), 2000, lr=1e-3, record_state=True)


def ours_sweep_recorded():
    run("rosenbrock", "momentum", (-1.2, 1.0), 300, lr=LR_GRID, momentum=MOMENTUM_GRID, record_state=True)


MEMORY_RUNS = ("sgd", "momentum", "adam", "amsgrad", "nadam", "radam", "swats", "rmsprop")


def memory_with_state() -> tuple[float, float, float]:
    """(peak MB, held MB, recorded-state MB) for 8 runs × 3 starts × 10 000 steps, all recorded and kept."""
    starts = [(-1.2, 1.0), (0.5, 0.5), (-0.5, 2.0)]
    for oid in MEMORY_RUNS:  # compile the surface and warm every code path before measuring
        run("rosenbrock", oid, starts, 2, record_state=True)
    tracemalloc.start()
    trajs = [run("rosenbrock", oid, starts, 10_000, lr=1e-4, record_state=True) for oid in MEMORY_RUNS]
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    state = sum(t.record.nbytes() for t in trajs if t.record is not None)
    return peak / 1e6, held / 1e6, state / 1e6


def torch_benchmarks():
    try:
        import torch
    except ImportError:
        return None
    torch.set_default_dtype(torch.float64)
    torch.set_num_threads(2)

    def rosen(p):
        return (1 - p[..., 0]) ** 2 + 100 * (p[..., 1] - p[..., 0] ** 2) ** 2

    def single():
        p = torch.tensor([-1.2, 1.0], requires_grad=True)
        opt = torch.optim.Adam([p], lr=1e-3)
        for _ in range(2000):
            opt.zero_grad()
            rosen(p).backward()
            opt.step()

    def sweep():
        # torch cannot give each row its own lr/momentum in one optimizer: this is the cheaper, scalar version.
        p = torch.tensor([[-1.2, 1.0]]).repeat(4096, 1).requires_grad_(True)
        opt = torch.optim.SGD([p], lr=1e-3, momentum=0.9)
        for _ in range(300):
            opt.zero_grad()
            rosen(p).sum().backward()
            opt.step()

    return torch.__version__, single, sweep


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    rows = [
        ("single path: Adam, Rosenbrock, 2000 steps", best_of(ours_single, args.repeat)[0]),
        ("sweep: 64×64 lr × momentum, 4096 paths × 300 steps", best_of(ours_sweep, args.repeat)[0]),
    ]
    recorded = [
        ("single path, record_state=True", best_of(ours_single_recorded, args.repeat)[0]),
        ("sweep, record_state=True", best_of(ours_sweep_recorded, args.repeat)[0]),
    ]
    ref = torch_benchmarks()
    print(
        f"machine: {platform.machine()}, python {platform.python_version()}, numpy {np.__version__}"
        + (f", torch {ref[0]}" if ref else ", torch not installed (no ratio)")
    )
    print()
    print("| benchmark | optim_core | torch.optim | speed-up |")
    print("|---|---:|---:|---:|")
    for (name, ours), torch_fn in zip(rows, ref[1:] if ref else (None, None)):
        if torch_fn is None:
            print(f"| {name} | {ours * 1e3:.1f} ms | – | – |")
        else:
            theirs = best_of(torch_fn, max(3, args.repeat // 2))[0]
            print(f"| {name} | {ours * 1e3:.1f} ms | {theirs * 1e3:.1f} ms | {theirs / ours:.1f}× |")
    for name, ours in recorded:
        print(f"| {name} | {ours * 1e3:.1f} ms | – | – |")
    t0 = time.perf_counter()
    peak, held, state = memory_with_state()
    print()
    print(
        f"memory, 8 runs × 3 starts × 10 000 steps with record_state=True ({', '.join(MEMORY_RUNS)}): "
        f"peak {peak:.1f} MB, held {held:.1f} MB, of which recorded state {state:.1f} MB "
        f"({time.perf_counter() - t0:.1f} s; target < 100 MB)"
    )


if __name__ == "__main__":
    main()
