"""Figures for optimizer trajectories: pure functions, data in → plotly Figure out.

No Streamlit and no hidden state, so the same figures serve the app, tests, notebooks and exports.  Colours,
fonts, value scales and number formats come from the look layer (theme + presentation scale + language), which
the exported frames draw from too, so a colour means the same run or the same f everywhere.

    sv = surface_view(surface, window)                  # grid, value scale, minima (look.surface_view)
    runs = run_views(trajectories, labels)              # one RunView per run (look.run_views)
    contour_figure(sv, runs, starts, look=look)         # paths + browser playback (frames: paths only)
    surface3d_figure(sv, runs, starts, look=look)       # the same paths lying on the 3-D surface
    metrics_figure(runs, f_star=sv.f_star, look=look)   # f − f*, distance to the minimum, ‖∇f‖
    standalone_html(sv, runs, starts, look=look)        # the animated contour map as one offline HTML file
    diagnose(runs, optimizer_ids, curvature=L)          # why a run diverged
"""

from look import RunView, SurfaceView, run_view, run_views, surface_view

from .contour import contour_figure
from .diagnose import Divergence, diagnose, stability_limit
from .figure import Figure, decode, typed_array
from .html import standalone_html
from .metrics import metrics_figure
from .surface3d import surface3d_figure

__all__ = [
    "Divergence",
    "Figure",
    "RunView",
    "SurfaceView",
    "contour_figure",
    "decode",
    "diagnose",
    "metrics_figure",
    "run_view",
    "run_views",
    "stability_limit",
    "standalone_html",
    "surface3d_figure",
    "surface_view",
    "typed_array",
]
