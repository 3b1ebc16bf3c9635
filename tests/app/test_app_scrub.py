"""Live scrubbing's data in the real app (AppTest): what the page gets to put a chosen value into the map and
the legend itself (ui/scrub.js ``commit``) before the rerun draws them, must be what the rerun then writes."""

from __future__ import annotations

import re

from test_app import make_app

from optim_core.scene import RunConfig, Scene
from ui.url import scene_to_query
from viz.scrub import unpack

SCENE = Scene(surface="rosenbrock", runs=(RunConfig("adam", {"lr": 0.02}), RunConfig("sgd", {"lr": 0.001})), steps=100)


def scrub_data(at, key: str) -> dict:
    """Ask for slider `key`'s paths as the page does (the fragment's request): the header the page gets."""
    at.session_state["_scrub_request"] = {"key": key, "stride": 1}
    at.run()
    assert not at.exception
    (blob,) = [c.proto.bytes for c in at.get("bidi_component") if c.proto.WhichOneof("data") == "bytes"]
    head, _arrays = unpack(blob, 3)
    return head


def legend_items(at) -> dict[int, str]:
    """The legend's run labels, by run (ui/trajectories.legend: span.item[data-run])."""
    html = " ".join(str(h.proto.body) for h in at.get("html") if "class='legend'" in str(h.proto.body))
    return {
        int(run): text
        for run, text in re.findall(
            r"<span class='item' data-run='(\d+)'><span class='swatch'[^>]*></span>([^<]*)</span>", html
        )
    }


def test_each_values_legend_label_is_the_one_the_rerun_writes():
    at = make_app(scene_to_query(SCENE))
    assert legend_items(at) == {0: "Adam (lr=0.02)", 1: "SGD (lr=0.001)"}
    head = scrub_data(at, "run0_lr")
    assert head["commit"] is True
    values, labels = head["payload"]["values"], head["payload"]["legend"]
    assert len(labels) == len(values) > 10
    for g in (0, 7, len(values) // 2, len(values) - 1):
        at.session_state["run0_lr"] = values[g]
        at.run()
        assert not at.exception
        assert legend_items(at)[0] == labels[g], f"value {values[g]}"


def test_twins_get_no_labels_to_write():
    """Two runs of one optimizer: their labels name what tells them apart, which the value changes for both."""
    twins = SCENE.with_(runs=(RunConfig("adam", {"lr": 0.02}), RunConfig("adam", {"lr": 0.02, "beta1": 0.8})))
    at = make_app(scene_to_query(twins))
    assert scrub_data(at, "run0_lr")["payload"]["legend"] is None


def test_no_commit_with_the_step_inspector_on():
    """The inspector's vectors belong to the drawn path's shown step: the map waits for the rerun."""
    at = make_app(scene_to_query(SCENE))
    at.session_state["inspect"] = True
    at.run()
    assert scrub_data(at, "run0_lr")["commit"] is False
