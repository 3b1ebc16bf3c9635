"""The chooser and the practical tips (lessons/guide.py): every scene resolves, every claim its text makes holds
on its own trajectories, scenes said to be tuned carry the lrs "Tune each run" finds, and every text reaches the
message catalogue."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

import i18n
from lessons import check
from lessons.guide import CHOICES, HEADINGS, TIPS, Choice, Tip, texts
from lessons.model import Lesson

EN = i18n.get("en")
ENTRIES: dict[str, Choice | Tip] = {
    **{f"chooser_{k}": v for k, v in CHOICES.items()},
    **{f"tip_{k}": v for k, v in TIPS.items()},
}


@pytest.fixture(scope="module")
def simulated():
    out = {}
    for key, entry in ENTRIES.items():
        resolved = entry.scene.resolve()
        out[key] = (resolved, resolved.simulate())
    return out


def sentences(text: str) -> int:
    return len(re.findall(r"[.!?](?:\s|$)", text.strip()))


def test_the_chooser_has_the_course_tasks_and_the_tips_the_course_rules():
    assert [c.recommendation for c in CHOICES.values()] == [
        "SGD + momentum",
        "Adagrad or Adam",
        "AdamW",
        "Adam or RMSprop",
        "Don't just use Adam blindly: test on your problem",
    ]
    assert list(TIPS) == ["adam_lr", "momentum", "batch", "schedule", "warmup"]
    assert "3e-4" in TIPS["adam_lr"].tip and "factors of 10" in TIPS["adam_lr"].tip
    assert "0.9" in TIPS["momentum"].tip and "0.99" in TIPS["momentum"].tip and "RNN" in TIPS["momentum"].tip
    assert "powers of two" in TIPS["batch"].tip
    assert "step decay" in TIPS["schedule"].tip and "cosine" in TIPS["schedule"].tip


@pytest.mark.parametrize("key", list(ENTRIES))
def test_every_scene_resolves_and_every_claim_holds(key, simulated):
    entry = ENTRIES[key]
    resolved, trajs = simulated[key]
    assert entry.claims, f"{key} states nothing the tests check"
    assert all(0 <= c.run < len(resolved.runs) for c in entry.claims)
    outcomes = check(entry.claims, trajs, resolved, EN)
    failed = [o.text for o in outcomes if not o.holds]
    assert not failed, f"{key}: {failed}"


@pytest.mark.parametrize("key", list(ENTRIES))
def test_the_claims_can_fail(key, simulated):
    """Each claim measures something: pushed past its measured value, it no longer holds."""
    entry = ENTRIES[key]
    resolved, trajs = simulated[key]
    for c in entry.claims:
        m = check([c], trajs, resolved, EN)[0].measured
        if c.kind in ("misses", "moves_more", "overshoots"):
            flipped = dataclasses.replace(c, value=2 * m)
        elif c.kind in ("reaches", "moves_less", "near_point", "dist_ratio_below"):
            flipped = dataclasses.replace(c, value=m / 2)
        elif c.kind == "diverges_before":
            flipped = dataclasses.replace(c, value=m)
        elif c.kind in ("faster", "closer_than"):  # the other way round: b first, b closer
            flipped = dataclasses.replace(c, run=c.other, other=c.run)
        elif c.kind == "stays_finite":
            continue  # its negation is a divergence, which a diverges_before claim of another run checks
        else:
            raise AssertionError(f"{key}: no negation for {c.kind}")
        assert not check([flipped], trajs, resolved, EN)[0].holds, (key, c, m)


@pytest.mark.parametrize("key", [k for k, e in ENTRIES.items() if e.tuned])
def test_a_tuned_scene_has_the_lrs_tune_each_run_finds(key):
    """The texts say "each lr tuned": the sidebar's Tune each run, on this very scene, changes nothing."""
    from ui.tune import best_lr, tune_run

    resolved = ENTRIES[key].scene.resolve()
    for i, r in enumerate(resolved.runs):
        assert best_lr(resolved, i, tune_run(resolved, i)) == pytest.approx(r.params["lr"], rel=1e-12), r.label


def test_texts_are_short_and_say_what_they_should():
    for c in CHOICES.values():
        assert c.task and c.recommendation and c.reason
        assert len(c.task) <= 30, c.task
        assert 1 <= sentences(c.reason) <= 2, c.reason
    for t in TIPS.values():
        assert t.title and t.tip and t.shows
        assert 1 <= sentences(t.tip) <= 2 and 1 <= sentences(t.shows) <= 2, t.id
        assert not t.caveat or sentences(t.caveat) <= 2
    # what a picture cannot show is said as such, not shown
    assert "hardware convention" in TIPS["batch"].caveat and "no picture" in TIPS["batch"].caveat
    assert "RNN" in TIPS["momentum"].caveat
    # "Adam can generalise worse than SGD": no surface can show it, so the chooser says it as a caveat
    unsure = CHOICES["unsure"].caveat
    assert "generalise worse" in unsure and "no surface here can show" in unsure and sentences(unsure) <= 2


def test_the_texts_quote_the_scenes_numbers():
    """Numbers in the texts are the scenes' own settings (the claims check what the runs did)."""
    sparse = CHOICES["sparse"]
    assert "100×" in sparse.reason and sparse.scene.surface_params["kappa"] == 100.0
    sgd_lr = sparse.scene.runs[0].params["lr"]
    assert sgd_lr < 2 / 100.0  # "SGD's lr must suit the steep y": below 2/L there
    assert "150 steps" in CHOICES["speed"].reason and CHOICES["speed"].scene.steps == 150
    assert CHOICES["speed"].scene.runs[0].params["lr"] < 2.0  # "safe at the bottom": L = 1 there, 2/L = 2
    assert "150 steps" in CHOICES["unsure"].reason and CHOICES["unsure"].scene.steps == 150
    assert "200 points" in CHOICES["simple"].reason
    assert "500 steps" in TIPS["adam_lr"].shows and TIPS["adam_lr"].scene.steps == 500
    assert [r.params["lr"] for r in TIPS["adam_lr"].scene.runs] == [3e-5, 3e-4, 3e-3, 3e-2]
    assert [r.params["momentum"] for r in TIPS["momentum"].scene.runs] == [0.0, 0.9, 0.99]
    assert "200 steps" in TIPS["momentum"].shows and TIPS["momentum"].scene.steps == 200
    assert [r.batch_size for r in TIPS["batch"].scene.runs] == [8, 16, 32, 64, 200]
    resolved = TIPS["batch"].scene.resolve()
    assert resolved.surface.data.n == 200  # "the full batch of 200"
    sched = TIPS["schedule"]
    assert sched.scene.batch_size == 8 and sched.scene.runs[1].schedule == {
        "name": "step",
        "step_size": 100.0,
        "gamma": 0.3,
    }
    warm = TIPS["warmup"]
    assert "0.08" in warm.shows and {r.params["lr"] for r in warm.scene.runs} == {0.08}
    assert warm.scene.runs[1].schedule["warmup_steps"] == 50 and "50-step" in warm.shows
    # the two runs differ only in the warm-up: cosine after it in both
    assert warm.scene.runs[0].schedule == {"name": "cosine"}
    assert warm.scene.runs[1].schedule["name"] == "warmup_cosine"


def test_the_warmup_surface_is_steep_at_the_start_and_gentle_at_the_minimum():
    """The warm-up text says so: lr 0.08 is above 2/L at the start (L = 12x² + 2 along x) and far below it at
    the minimum (L = 2), so a constant lr there is unstable only far out."""
    resolved = TIPS["warmup"].scene.resolve()
    surf = resolved.surface
    x0, y0 = resolved.starts[0]
    h = 1e-4

    def curvature(x: float, y: float) -> float:
        p = np.array([[x - h, y], [x, y], [x + h, y], [x, y - h], [x, y + h]])
        f = surf.value(p)
        return max((f[0] - 2 * f[1] + f[2]) / h**2, (f[3] - 2 * f[1] + f[4]) / h**2)

    lr = 0.08
    assert lr > 2 / curvature(x0, y0)
    assert lr < 0.1 * 2 / curvature(0.0, 0.0)


def test_the_vision_numbers_are_the_fixed_points_of_the_two_rules():
    """Adam + L2 converges to the minimum of f + λ/2‖θ‖²: x = 100·2/(100 + λ) = 1.98, y = 2/(1 + λ) = 1."""
    lam = CHOICES["vision"].scene.runs[1].params["weight_decay"]
    assert lam == 1.0
    assert 100 * 2 / (100 + lam) == pytest.approx(1.9802, abs=1e-4) and 2 / (1 + lam) == 1.0


def test_entries_are_lessons_too():
    for key, entry in ENTRIES.items():
        lesson = entry.as_lesson()
        assert isinstance(lesson, Lesson) and lesson.scene == entry.scene and lesson.claims == entry.claims
        assert lesson.id == key.replace("chooser_", "guide_")


def test_every_text_reaches_the_catalogue():
    """`python -m tools.i18n extract` sees every text of the chooser, the tips, their UI and the sweep plot."""
    from tools.i18n import REPO, UNTRANSLATABLE, source_messages

    found = {m for m, _f, _l in source_messages()}
    ours = ("lessons/guide.py", "ui/chooser.py", "ui/tips.py", "ui/tune.py", "viz/sweep.py")
    bad = [u for u in UNTRANSLATABLE if u.replace(str(REPO) + "/", "").startswith(ours)]
    assert not bad, bad
    missing = [t for t, _where in texts() if t not in found]
    assert not missing, missing
    assert set(HEADINGS.values()) <= found
    for message in (
        "Show me",
        "In the picture: {shows}",
        "Tune each run",
        "Apply the best learning rates",
        "Best lr {best}: {outcome}. Now {lr}: {now}.",
        "Already at the best lr, {lr}: {outcome}.",
        "final f − f*",
        "learning rate",
        "now {lr}",
        "best {lr}",
        "On the map: {title}.",
    ):
        assert message in found, message
