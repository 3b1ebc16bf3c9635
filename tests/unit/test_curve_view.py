"""The 1-D views: the balls on the curve and θ against the iteration show exactly the run's iterates."""

from __future__ import annotations

import numpy as np

from look import run_views
from optim_core import run
from surfaces import get_surface
from viz import decode
from viz.curve import curve_figure, curve_view, theta_figure


def arr(v) -> np.ndarray:
    return np.asarray(decode(v), dtype=float)


def _runs():
    trajs = [run("parabola", "sgd", 2.0, 30, lr=lr) for lr in (0.01, 0.1, 0.9, 1.1)]
    return trajs, run_views(trajs)


def test_the_balls_sit_on_the_curve_at_the_iterates():
    trajs, views = _runs()
    cv = curve_view(get_surface("parabola"))
    fig = curve_figure(cv, views)
    heads = [t for t in fig.data if (t.meta or {}).get("role") == "head"]
    paths = [t for t in fig.data if (t.meta or {}).get("role") == "path"]
    for r, t in enumerate(trajs):
        np.testing.assert_allclose(arr(heads[r].x), [t.points[-1, 0, 0]], rtol=1e-6)
        np.testing.assert_allclose(arr(paths[r].x)[: t.steps + 1], t.points[:, 0, 0], rtol=1e-6)
        np.testing.assert_allclose(arr(paths[r].y)[: t.steps + 1], t.loss[:, 0], rtol=1e-6)
    # frames use the same names as the playback bar expects, and the last frame is the whole path
    assert fig.layout.meta["frame_names"][-1] == f"f{len(fig.layout.meta['frame_names']) - 1}"
    assert fig.layout.meta["frame_steps"][-1] == 30


def test_theta_against_the_iteration_is_the_iterate_and_marks_the_minimum():
    trajs, views = _runs()
    fig = theta_figure(views, [0.0])
    lines = [t for t in fig.data if (t.meta or {}).get("role") == "theta"]
    assert len(lines) == 4
    for r, t in enumerate(trajs):
        np.testing.assert_allclose(arr(lines[r].y), t.points[:, 0, 0], rtol=1e-6)
    names = [s.name for s in fig.layout.shapes]
    assert "step-cursor" in names and "minimum" in names
    # lr 0.9 oscillates around the minimum: θ changes sign at every step
    assert (np.sign(trajs[2].points[1:10, 0, 0]) * np.sign(trajs[2].points[:9, 0, 0]) < 0).all()


def test_a_diverged_run_is_marked_at_the_window_edge():
    t = run("parabola", "sgd", 2.0, 200, lr=1.1)
    assert t.diverged_at[0] >= 0
    cv = curve_view(get_surface("parabola"))
    fig = curve_figure(cv, run_views([t]))
    (mark,) = [tr for tr in fig.data if (tr.meta or {}).get("role") == "diverged"]
    assert cv.window[0] <= mark.x[0] <= cv.window[1] and "diverged at step" in mark.text[0]
