"""RSS before and after the app's heavy jobs, and after ui.heavy.release_memory() (a script, not a test).

    python -m benchmarks.heavy_memory                                   # glibc's defaults
    MALLOC_ARENA_MAX=2 MALLOC_MMAP_THRESHOLD_=131072 python -m benchmarks.heavy_memory   # start.sh's environment

Each job runs in a fresh worker thread, as a Streamlit script run does (each thread allocates from its own malloc
arena), and keeps nothing: what stays in RSS afterwards is memory freed but not yet handed back to the system.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from typing import Any

from ui.heavy import release_memory, rss_mb


def _in_thread(fn: Callable[[], Any]) -> None:
    t = threading.Thread(target=fn)
    t.start()
    t.join()


def jobs() -> dict[str, Callable[[], Any]]:
    from export.scene import RenderOptions, export_scene
    from optim_core.explore import axis_values, basins, sweep
    from optim_core.scene import RunConfig, Scene

    scene = Scene(
        surface="himmelblau",
        runs=tuple(RunConfig(o, {"lr": lr}) for o, lr in (("sgd", 0.01), ("momentum", 0.01), ("adam", 0.1))),
        steps=500,
    )
    from optim_core import OPTIMIZERS

    lr = next(p for p in OPTIMIZERS["momentum"].hyperparams if p.name == "lr")
    mu = next(p for p in OPTIMIZERS["momentum"].hyperparams if p.name == "momentum")
    xv = axis_values(lr, 1e-5, 1e-2, 128, axis="x")
    yv = axis_values(mu, 0.0, 0.99, 128, axis="y")
    return {
        "GIF export, 3 runs × 500 steps, 150 frames": lambda: export_scene(scene, "gif", RenderOptions()),
        "basin map 200 × 200 starts × 300 steps (Adam)": lambda: basins(
            "himmelblau", "adam", 300, params={"lr": 0.1}, grid_n=200
        ),
        "sweep 128 × 128 × 300 steps (momentum lr × μ)": lambda: sweep(
            "rosenbrock", "momentum", (-1.2, 1.0), 300, "lr", xv, "momentum", yv
        ),
    }


def main() -> None:
    env = {k: v for k, v in os.environ.items() if k.startswith("MALLOC_")}
    print(f"environment: {env or 'glibc defaults'}")
    print("| job | RSS before | after the job | after release_memory() |")
    print("|---|---:|---:|---:|")
    todo = jobs()
    for fn in todo.values():  # warm-up: imports, caches, fonts (not measured)
        _in_thread(fn)
    release_memory()
    for name, fn in todo.items():
        before = rss_mb()
        _in_thread(fn)
        held, after = release_memory()
        print(f"| {name} | {before:.0f} MB | {held:.0f} MB | {after:.0f} MB |")


if __name__ == "__main__":
    main()
