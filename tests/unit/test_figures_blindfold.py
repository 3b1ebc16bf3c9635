"""The blindfolded explorer's view: no surface picture, no minima, no f in the hover until the end; the walker's
sight (circle, level line, arrow downhill) sits at its position in every frame."""

from __future__ import annotations

import numpy as np

from look import run_views, surface_view
from optim_core import run
from surfaces import get_surface
from viz import contour_figure
from viz.blindfold import blindfold, sight_xy


def test_the_view_hides_the_map_and_follows_the_walker():
    s = get_surface("six_hump_camel")
    t = run(s, "sgd", (1.9, 0.8), 150, lr=0.02)
    runs = run_views([t])
    fig = blindfold(contour_figure(surface_view(s), runs, np.array([[1.9, 0.8]])), runs, s.gradient, s.domain)
    assert fig.layout.meta["blindfold"] is True
    assert all(im.visible is False for im in fig.layout.images)
    roles = {(tr.meta or {}).get("role"): tr for tr in fig.data}
    assert roles["minimum"].visible is False and roles["grid"].hoverinfo == "skip"
    sight = len(fig.data) - 1
    steps = fig.layout.meta["frame_steps"]
    for frame, step in zip(fig.raw_frames, steps):
        assert frame["traces"][-1] == sight
        xs = np.array([np.nan if v is None else v for v in frame["data"][-1]["x"]], dtype=float)
        ys = np.array([np.nan if v is None else v for v in frame["data"][-1]["y"]], dtype=float)
        centre = np.array([np.nanmean(xs[:39]), np.nanmean(ys[:39])])  # the circle (its closing point left out)
        np.testing.assert_allclose(centre, t.points[min(step, 150), 0], atol=1e-6)


def test_the_arrow_points_downhill():
    s = get_surface("quadratic")
    p = np.array([1.0, 0.5])
    g = s.gradient(p[None, :])[0]
    xs, ys = sight_xy(p, g, 0.2)
    # the arrow runs from the point to its head; the head is downhill (f lower than at the point)
    k = np.flatnonzero(np.isnan(xs))
    head = np.array([xs[k[1] + 2], ys[k[1] + 2]])
    assert s.value(head[None, :])[0] < s.value(p[None, :])[0]
