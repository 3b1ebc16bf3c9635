"""viz.dataset: the data with each run's model, animated with the contour map's frames; the batch curves."""

from __future__ import annotations

import numpy as np

from look import run_views
from optim_core import run
from optim_core.batchtable import compare_batch_sizes
from surfaces import dataset_of, get_surface
from viz import contour_figure, surface_view
from viz.dataset import batch_curves_figure, dataset_figure
from viz.figure import decode


def _frames_of(surface, trajs):
    sv = surface_view(surface, None, 60)
    contour = contour_figure(sv, run_views(trajs))
    names = [f["name"] for f in contour.raw_frames]
    steps = [int(float(s.label)) for s in contour.layout.sliders[0].steps]  # what ui.player.frame_info reads
    return names, steps


def test_linreg_view_draws_each_runs_line_at_every_frame_and_the_batch_it_used():
    s = get_surface("linreg")
    trajs = [
        run(s, "sgd", s.start, 120, lr=0.05, batch_size=8, seed=4),
        run(s, "adam", s.start, 120, lr=0.1, batch_size=8, seed=4),
    ]
    names, steps = _frames_of(s, trajs)
    fig = dataset_figure(
        dataset_of(s), run_views(trajs), frame_names=names, frame_steps=steps, sampling=trajs[0].sampling
    )
    d = fig.to_dict()
    roles = [t["meta"]["role"] for t in d["data"]]
    assert roles == ["data", "model", "model", "batch"]
    assert [f["name"] for f in d["frames"]] == names  # the playback bar animates both charts by these names
    for f, step in zip(d["frames"], steps):
        assert f["traces"] == [1, 2, 3]
        for r, trace in enumerate(f["data"][:2]):
            w, b = trajs[r].points[step, 0]
            np.testing.assert_allclose(trace["y"], [w * x + b for x in trace["x"]], rtol=1e-12)
        marks = f["data"][2]
        if step >= 1:
            idx = trajs[0].sampling.indices(step)
            data = dataset_of(s)
            np.testing.assert_allclose(sorted(marks["x"]), sorted(data.inputs[idx, 0]))
            np.testing.assert_allclose(sorted(marks["y"]), sorted(data.targets[idx]))
        else:
            assert marks["x"] == []
    # the data themselves: every sample once
    assert decode(d["data"][0]["x"]).shape == (200,)


def test_logreg_view_draws_the_decision_boundary_and_no_batch_marks_at_full_batch():
    s = get_surface("logreg")
    t = run(s, "sgd", s.start, 60, lr=1.0)
    fig = dataset_figure(dataset_of(s), run_views([t]), sampling=t.sampling).to_dict()
    assert [tr["meta"]["role"] for tr in fig["data"]] == ["data", "data", "model"]
    (x0, x1), (y0, y1) = (fig["data"][2]["x"], fig["data"][2]["y"])
    w = t.points[-1, 0]
    # both ends on the line w·(u, v) = 0, through the origin
    assert abs(w[0] * x0 + w[1] * y0) < 1e-9 * np.hypot(x0, y0) and abs(w[0] * x1 + w[1] * y1) < 1e-9 * np.hypot(x1, y1)
    assert "frames" not in fig or not fig["frames"]


def test_batch_curves_figure_has_one_line_per_batch_size_on_either_axis():
    s = get_surface("linreg")
    rows = compare_batch_sizes(s, "sgd", {"lr": 0.05}, s.start, epochs=3)
    by_epoch = batch_curves_figure(rows).to_dict()
    by_step = batch_curves_figure(rows, x="steps").to_dict()
    assert [t["meta"]["batch_size"] for t in by_epoch["data"]] == [1, 16, 200]
    assert decode(by_epoch["data"][2]["x"]).max() == 3.0  # epochs
    assert decode(by_step["data"][0]["x"]).max() == 600.0  # steps of batch size 1
    assert by_epoch["layout"]["yaxis"]["type"] == "log"


def test_the_data_view_rings_the_batches_of_a_run_that_samples_them_and_names_it():
    """Runs with their own batch sizes (issue 13): the view rings the batch the mini-batch run used at each step —
    not the scene's full batch — and its legend names that run; with one sampling for all, no name."""
    from optim_core.scene import RunConfig, Scene
    from ui.batch import marked_sampling

    scene = Scene(
        surface="linreg",
        runs=(RunConfig("sgd", {"lr": 0.05}), RunConfig("sgd", {"lr": 0.05}, batch_size=8)),
        steps=60,
    )
    rs = scene.resolve()
    trajs = rs.simulate()
    sampling, named = marked_sampling(rs)
    assert named == 1 and sampling is not None and sampling.batch_size == 8
    names, steps = _frames_of(rs.surface, trajs)
    label = rs.runs[1].label_in(None)
    fig = dataset_figure(
        dataset_of(rs.surface),
        run_views(trajs),
        frame_names=names,
        frame_steps=steps,
        sampling=sampling,
        batch_label=label,
    ).to_dict()
    batch = next(t for t in fig["data"] if t["meta"]["role"] == "batch")
    assert label in batch["name"] and "batch 8" in batch["name"]
    data = dataset_of(rs.surface)
    for f, step in zip(fig["frames"], steps):
        if step >= 1:  # the rings are the samples run 1's own step used (its trajectory's sampling)
            idx = trajs[1].sampling.indices(step)
            np.testing.assert_allclose(sorted(f["data"][-1]["x"]), sorted(data.inputs[idx, 0]))
    same = scene.with_(
        runs=(RunConfig("sgd", {"lr": 0.05}, batch_size=8), RunConfig("adam", {"lr": 0.1}, batch_size=8))
    )
    assert marked_sampling(same.resolve())[1] is None
    assert marked_sampling(scene.with_(runs=(RunConfig("sgd", {"lr": 0.05}),)).resolve()) == (None, None)
