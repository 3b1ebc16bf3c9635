"""Every lesson says only what its picture shows: each claim of its text is measured on its own trajectories."""

from __future__ import annotations

import dataclasses

import pytest

import i18n
from lessons import GROUPS, KINDS, LESSONS, Claim, check

EN = i18n.get("en")


@pytest.fixture(scope="module")
def simulated():
    out = {}
    for lesson in LESSONS.values():
        resolved = lesson.scene.resolve()
        out[lesson.id] = (resolved, resolved.simulate())
    return out


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_every_claim_of_every_lesson_holds(lesson_id, simulated):
    lesson = LESSONS[lesson_id]
    resolved, trajs = simulated[lesson_id]
    assert lesson.claims, f"{lesson_id} makes no checked claim"
    outcomes = check(lesson.claims, trajs, resolved, EN)
    failed = [o.text for o in outcomes if not o.holds]
    assert not failed, f"{lesson_id}: {failed}"


@pytest.mark.parametrize("lesson_id", [k for k, v in LESSONS.items() if v.question])
def test_every_question_has_an_answer_among_the_runs(lesson_id, simulated):
    lesson = LESSONS[lesson_id]
    resolved, trajs = simulated[lesson_id]
    answer = lesson.question.answer(trajs, resolved)
    assert 0 <= answer < len(resolved.runs)


def test_a_false_claim_fails(simulated):
    """The checks can fail: the same claims with their thresholds pushed past the measured values do."""
    lesson = LESSONS["adagrad"]
    resolved, trajs = simulated["adagrad"]
    for c in lesson.claims:
        outcome = check([c], trajs, resolved, EN)[0]
        m = outcome.measured
        # "misses" holds when m > value: ask for twice the distance; the others hold when m ≤ value: half of it
        flipped = dataclasses.replace(c, value=2 * m if c.kind == "misses" else m / 2)
        assert not check([flipped], trajs, resolved, EN)[0].holds, (c, m)


def test_lessons_are_grouped_and_have_texts():
    for lesson in LESSONS.values():
        assert lesson.group in GROUPS
        assert lesson.title and lesson.text
        assert len(lesson.scene.runs) >= 1


def test_claim_kinds_validate_their_arguments():
    with pytest.raises(ValueError):
        Claim("nonsense", 0)
    with pytest.raises(ValueError):
        Claim("faster", 0)  # needs other=
    with pytest.raises(ValueError):
        Claim("near_point", 0, 0.1)  # needs point=
    assert set(KINDS) >= {"reaches", "misses", "diverges_before", "loss_below", "faster"}
