"""Figures for optimizer trajectories: pure functions, data in → plotly Figure out.

No Streamlit and no hidden state, so the same figures serve the app, tests,
notebooks and exports.  Every view uses one palette (viz.palette) and one
value → colour mapping per surface (viz.scale), so a colour means the same run
or the same f everywhere.

    sv = surface_view(surface, window)                  # grid, colour scale, minima, background PNG
    runs = run_views(trajectories, labels)              # one RunView per run (colour = run index)
    contour_figure(sv, runs, starts)                    # paths + browser playback (frames: paths only)
    surface3d_figure(sv, runs, starts)                  # the same paths lying on the 3-D surface
    metrics_figure(runs, f_star=sv.f_star)              # f − f*, distance to the minimum, ‖∇f‖
    diagnose(runs, optimizer_ids, curvature=L)          # why a run diverged
"""

from .contour import contour_figure
from .diagnose import Divergence, diagnose, stability_limit
from .figure import Figure, decode, typed_array
from .metrics import metrics_figure
from .model import RunView, SurfaceView, run_view, run_views, surface_view
from .palette import DIVERGED_COLOR, RUN_COLORS, run_color
from .surface3d import surface3d_figure

__all__ = [
    "DIVERGED_COLOR",
    "RUN_COLORS",
    "Divergence",
    "Figure",
    "RunView",
    "SurfaceView",
    "contour_figure",
    "decode",
    "diagnose",
    "metrics_figure",
    "run_color",
    "run_view",
    "run_views",
    "stability_limit",
    "surface3d_figure",
    "surface_view",
    "typed_array",
]
