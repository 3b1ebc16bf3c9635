"""From a Scene and its trajectories to the renderer's inputs, and to files.

This is the one place that decides what an exported picture of a scene shows, and it decides it the way the
app does: the surface comes from look.surface_view on the app's grid (same grid, same value scale, same
picture), the runs from look.run_views (same labels, same colours), so the app's download buttons, ``python -m
optim_core render`` and the screen agree for the same scene and the same look.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from look import GRID_N, LIGHT, Look, RunView, make_look, run_views, surface_view
from optim_core import Trajectory
from optim_core.scene import Scene, simulate
from surfaces import get_surface

from .data import paths_csv, paths_json
from .encode import render_gif, render_mp4, render_png
from .inputs import ExportError, PathLayer, SurfaceImage, View3D

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
    grid: int = GRID_N  # surface samples per axis: the app's grid, so the colours match the screen
    theme: str = LIGHT.name  # "light", "dark", "high_contrast"
    scale: float = 1.0  # presentation scale (fonts, lines, markers); 1.4 for a projector
    lang: str = "en"

    @property
    def look(self) -> Look:
        return make_look(self.theme, self.scale, self.lang)


def surface_image(scene: Scene, grid: int = GRID_N, look: Look | None = None) -> SurfaceImage:
    """The renderer's surface for a scene: the app's SurfaceView (grid, value scale, minima), its name in the
    look's language."""
    surface = get_surface(scene.surface, **dict(scene.surface_params))
    sv = surface_view(surface, scene.view_window(), grid, background=False)
    title = look.gettext(surface.name) if look is not None else surface.name
    return SurfaceImage.from_view(sv, title=title)


def run_layers(runs: Sequence[RunView], look: Look, colors: Sequence[str] | None = None) -> list[PathLayer]:
    """One PathLayer per (run, start), in the run's colour (the theme's, or `colors`); one legend row per run."""
    layers = []
    for run in runs:
        color = colors[run.index % len(colors)] if colors else look.color_of(run)
        for b in range(run.batch):
            layers.append(
                PathLayer(
                    points=np.asarray(run.points[:, b]),
                    color=color,
                    label=run.label if b == 0 else "",
                    diverged_at=run.diverged_step(b),
                    values=run.loss[:, b],
                )
            )
    return layers


def path_layers(
    scene: Scene, trajectories: Sequence[Trajectory], colors: Sequence[str] | None = None, look: Look | None = None
) -> list[PathLayer]:
    return run_layers(run_views(trajectories, scene.run_labels()), look or Look(), colors)


def export_scene(
    scene: Scene,
    fmt: str,
    options: RenderOptions = RenderOptions(),
    trajectories: Sequence[Trajectory] | None = None,
    colors: Sequence[str] | None = None,
    progress: Callable[[float], None] | None = None,
) -> bytes:
    """The scene as a file in `fmt` (gif, mp4, png, csv, json), drawn in ``options.look``.

    Raises a one-line UserError (ExportError, BudgetError, SpecError …).  ``progress`` (GIF, MP4) is called
    with the fraction of frames drawn."""
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ExportError("unknown format {fmt}; use one of: {choices}", fmt=repr(fmt), choices=", ".join(FORMATS))
    look = options.look
    scene = scene.validated()
    trajs = list(trajectories) if trajectories is not None else simulate(scene)
    if fmt == "csv":
        return paths_csv(scene, trajs).encode()
    if fmt == "json":
        return paths_json(scene, trajs).encode()
    image = surface_image(scene, options.grid, look)
    layers = path_layers(scene, trajs, colors, look)
    view3d = View3D() if options.view == "3d" else None
    if fmt == "png":
        return render_png(image, layers, size=options.size, style=options.view, view3d=view3d, look=look)
    render = render_gif if fmt == "gif" else render_mp4
    return render(
        image,
        layers,
        size=options.size,
        fps=options.fps,
        frames=options.frames,
        pause_s=options.pause_s,
        loop=options.loop,
        style=options.view,
        view3d=view3d,
        progress=progress,
        look=look,
    )
