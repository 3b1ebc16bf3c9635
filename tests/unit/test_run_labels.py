"""Run labels: hyperparameters by their reference names, textbook forms by their names, in the page's language."""

from __future__ import annotations

import i18n
from lessons import LESSONS
from optim_core.scene import RunConfig, Scene

ZH = i18n.get("zh")


def labels(scene: Scene, lang: i18n.Lang | None = None) -> list[str]:
    return [r.label_in(lang) for r in scene.resolve().runs]


def test_a_textbook_form_is_named_not_its_switch():
    got = labels(LESSONS["adam_bias"].scene)
    assert got == ["Adam (lr=0.1)", "Adam (lr=0.1, no bias correction)"]
    assert labels(LESSONS["eps_inside"].scene) == ["Adam (lr=0.1)", "Adam (lr=0.1, ε inside the square root)"]


def test_two_forms_sharing_one_switch_are_named_once():
    # momentum's lr_inside selects two textbook forms (η inside the velocity; v ← βv − α∇J): one name is enough
    assert labels(LESSONS["momentum_schedule"].scene)[1] == "Momentum (lr=0.05, η inside the velocity)"


def test_the_english_label_is_label_in_english():
    for lesson in LESSONS.values():
        for r in lesson.scene.resolve().runs:
            assert r.label == r.label_in(None) == r.label_in(i18n.get("en"))
            assert "=true" not in r.label and "=false" not in r.label  # no switch spelled as code


def test_labels_follow_the_language():
    sched = labels(LESSONS["warmup_cosine"].scene, ZH)
    assert sched[0] == "SGD (lr=0.1) · " + ZH("Constant") and ZH("Constant") != "Constant"
    assert sched[1].endswith(ZH("Linear warm-up, then cosine"))
    bias = labels(LESSONS["adam_bias"].scene, ZH)[1]
    assert bias == "Adam (lr=0.1, " + ZH("no bias correction") + ")"


def test_runs_that_sample_differently_say_their_batch():
    scene = Scene(
        surface="logreg",
        runs=(RunConfig("sgd", {"lr": 0.5}, batch_size=16), RunConfig("sgd", {"lr": 0.5})),
        starts=((0.0, 0.0),),
        steps=50,
    )
    n = scene.resolve().surface.data.n
    assert labels(scene) == ["SGD (lr=0.5) · batch 16", f"SGD (lr=0.5) · batch {n} (full)"]
    zh = labels(scene, ZH)
    assert zh[0] == "SGD (lr=0.5) · " + ZH.fmt("batch {n}", n=16)
