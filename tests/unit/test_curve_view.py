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


def test_divergence_messages_on_a_curve_name_its_one_coordinate():
    """A 1-D start is (x,): the messages that name a start (several starts; f undefined at the start) say (x)."""
    from optim_core.scene import RunConfig, Scene, simulate
    from viz import diagnose

    s = Scene(surface="parabola", runs=(RunConfig("sgd", {"lr": 1.2}),), starts=((2.0,), (1.0,)), steps=60)
    runs = run_views(simulate(s), s.run_labels())
    (d,) = diagnose(runs, ["sgd"], curvature=s.resolve().surface.curvature_bound())
    assert "from the start (2)" in d.text or "from the start (1)" in d.text, d.text
    log = Scene(surface="log(x)", runs=(RunConfig("sgd", {"lr": 0.1}),), starts=((-1.0,),), steps=10)
    (d0,) = diagnose(run_views(simulate(log), log.run_labels()), ["sgd"])
    assert d0.step == 0 and "(-1)" in d0.text.replace("−", "-"), d0.text


def test_theta_axis_keeps_to_the_window_and_marks_the_run_that_leaves_it():
    """The x² lesson: lr = 1.2 diverges (|θ| grows ×1.4 a step, to ~10⁶); the θ axis keeps to the window and the
    runs the lesson is about (lr 0.01, 0.1, 0.5) fill it, instead of a flat line at 0 under a ±600 000 axis."""
    from lessons.catalogue import LESSONS
    from optim_core.scene import simulate

    scene = LESSONS["lr_parabola"].scene
    resolved = scene.resolve()
    trajs = simulate(scene)
    views = run_views(trajs)
    (x0, x1) = resolved.window[0]
    escaping = trajs[3]
    assert np.abs(escaping.points[:, 0, 0]).max() > 1e5  # the diverging run does go far out
    fig = theta_figure(views, [0.0], window=(x0, x1)).to_dict()
    lo, hi = fig["layout"]["yaxis"]["range"]
    # the axis is the window's scale, not the diverged run's
    assert x0 - 0.1 * (x1 - x0) <= lo < hi <= x1 + 0.1 * (x1 - x0)
    # every iterate of the three runs that stay in the window is in view, and they span a good part of it
    kept = np.concatenate([t.points[:, 0, 0] for t in trajs[:3]])
    assert lo <= kept.min() and kept.max() <= hi
    assert (kept.max() - kept.min()) / (hi - lo) > 0.3  # on main: 2 / 1.2e6
    # the diverging run leaves with a marker at the step it first left the window, on the edge it crossed
    (mark,) = [t for t in fig["data"] if (t.get("meta") or {}).get("role") == "escaped"]
    theta = escaping.points[:, 0, 0]
    first_out = int(np.flatnonzero((theta < x0) | (theta > x1))[0])
    assert mark["x"] == [first_out]
    assert mark["y"][0] in (lo, hi)
    assert (mark["y"][0] == hi) == (theta[first_out] > x1)
    assert "leaves the view at step" in mark["text"][0]
    # its line stops at that first point outside: the last segment runs off the edge, no zigzag across the chart
    (line,) = [t for t in fig["data"] if (t.get("meta") or {}).get("role") == "theta" and t["meta"]["run"] == 3]
    np.testing.assert_allclose(np.asarray(decode(line["y"]), dtype=float), theta[: first_out + 1], rtol=1e-6)
    # without a window the axis still fits every iterate (the old behaviour, for callers that have none)
    assert "range" not in theta_figure(views, [0.0]).to_dict()["layout"]["yaxis"]


def test_theta_axis_without_escapes_has_no_marker():
    trajs, views = _runs()
    fig = theta_figure(views[:3], [0.0], window=(-3.0, 3.0)).to_dict()
    assert not [t for t in fig["data"] if (t.get("meta") or {}).get("role") == "escaped"]
    lo, hi = fig["layout"]["yaxis"]["range"]
    kept = np.concatenate([t.points[:, 0, 0] for t in trajs[:3]])
    assert lo < kept.min() and kept.max() < hi and hi - lo < 1.2 * (kept.max() - kept.min()) + 0.5
