"""From a Scene and its trajectories to the renderer's inputs, and to files.

This is the one place that decides what an exported picture of a scene shows
(grid resolution, legend labels, colours), so the app's download buttons and
``python -m optim_core render`` produce the same file for the same scene.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from look import LIGHT
from optim_core import Trajectory
from optim_core.scene import Scene, simulate
from surfaces import get_surface

from .data import paths_csv, paths_json
from .render import PathLayer, SurfaceImage, View3D, render_gif, render_mp4, render_png

FORMATS = ("gif", "mp4", "png", "csv", "json")
RUN_COLORS = LIGHT.run_colors  # the app's colours, so run i looks the same in a GIF as on screen


@dataclass(frozen=True)
class RenderOptions:
    size: tuple[int, int] = (640, 480)
    fps: float = 20.0
    frames: int = 150
    pause_s: float = 1.5
    loop: int = 0
    view: str = "contour"  # or "3d"
    grid: int = 240  # surface samples per axis for the background


def surface_image(scene: Scene, grid: int = 240) -> SurfaceImage:
    surface = get_surface(scene.surface, **dict(scene.surface_params))
    window = scene.view_window()
    xs, ys, z = surface.grid(grid, window)
    return SurfaceImage(
        xs=xs,
        ys=ys,
        z=z,
        log_color=surface.log_color,
        title=surface.name,
        minima=tuple(m for m in surface.minima),
        window=window,
    )


def path_layers(
    scene: Scene, trajectories: Sequence[Trajectory], colors: Sequence[str] = RUN_COLORS
) -> list[PathLayer]:
    layers = []
    labels = scene.run_labels()
    for i, t in enumerate(trajectories):
        for b in range(t.batch):
            label = labels[i] if b == 0 else ""  # one legend entry per run
            layers.append(
                PathLayer(
                    points=np.asarray(t.points[:, b]),
                    color=colors[i % len(colors)],
                    label=label,
                    diverged_at=t.diverged_step(b),
                    values=t.loss[:, b],
                )
            )
    return layers


def export_scene(
    scene: Scene,
    fmt: str,
    options: RenderOptions = RenderOptions(),
    trajectories: Sequence[Trajectory] | None = None,
    colors: Sequence[str] = RUN_COLORS,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """The scene as a file in `fmt` (gif, mp4, png, csv, json). Raises ValueError with a one-line message.

    ``progress`` (GIF, MP4) is called with the fraction of frames drawn."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; use one of: {', '.join(FORMATS)}")
    scene = scene.validated()
    trajs = list(trajectories) if trajectories is not None else simulate(scene)
    if fmt == "csv":
        return paths_csv(scene, trajs).encode()
    if fmt == "json":
        return paths_json(scene, trajs).encode()
    image = surface_image(scene, options.grid)
    layers = path_layers(scene, trajs, colors)
    common = dict(size=options.size, style=options.view, view3d=View3D() if options.view == "3d" else None)
    if fmt == "png":
        return render_png(image, layers, **common)
    kwargs = dict(
        fps=options.fps, frames=options.frames, pause_s=options.pause_s, loop=options.loop, progress=progress, **common
    )
    return render_gif(image, layers, **kwargs) if fmt == "gif" else render_mp4(image, layers, **kwargs)
