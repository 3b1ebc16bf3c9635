"""Every lesson says only what its picture shows: each claim of its text is measured on its own trajectories."""

from __future__ import annotations

import dataclasses

import numpy as np
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


_LOWER = {
    "reaches",
    "diverges_before",
    "loss_below",
    "steps_shrink",
    "moves_less",
    "final_f_below",
    "near_point",
    "dist_ratio_below",
    "together_until",
    "flag_first_before",
}
_HIGHER = {
    "misses",
    "moves_more",
    "overshoots",
    "above_best",
    "path_longer",
    "early_travel_ratio",
    "apart_by",
    "flag_off_until",
    "flag_share_above",
}


@pytest.mark.parametrize("lesson_id", list(LESSONS))
def test_every_threshold_claim_fails_past_its_measured_value(lesson_id, simulated):
    """No claim holds whatever happens: each threshold moved past the measured value (to the other side) makes
    the claim fail, so the checks measure what the lesson's runs do."""
    lesson = LESSONS[lesson_id]
    resolved, trajs = simulated[lesson_id]
    flipped_any = False
    for c in lesson.claims:
        m = check([c], trajs, resolved, EN)[0].measured
        if not (0 < abs(m) < float("inf")):
            continue
        if c.kind in _LOWER:
            value = m / 2 if m > 0 else 2 * m
        elif c.kind in _HIGHER:
            value = 2 * m if c.kind != "flag_share_above" else min(1.0, m + (1 - m) / 2 + 1e-9)
        else:
            continue
        if c.kind == "flag_share_above" and m >= 1:
            continue
        outcome = check([dataclasses.replace(c, value=value)], trajs, resolved, EN)[0]
        assert not outcome.holds, (c, m, value)
        flipped_any = True
    assert flipped_any or all(c.kind not in _LOWER | _HIGHER for c in lesson.claims)


def test_state_claims_read_the_optimizers_own_indicators(simulated):
    """The flag claims read the run's recorded indicators: SWATS's switch step is the one its state records, and
    an indicator the optimizer does not have is an error, not a silent pass."""
    resolved, trajs = simulated["swats"]
    rec = resolved.simulate_run(1, record_state=True).record
    first = int(np.flatnonzero(rec.indicators["switched"][:, 0] > 0.5)[0]) + 1
    got = check([Claim("flag_first_before", 1, 1000, name="switched")], trajs, resolved, EN)[0]
    assert got.measured == first and got.holds
    assert "75" in got.text
    with pytest.raises(ValueError):
        check([Claim("flag_first_before", 0, 10, name="switched")], trajs, resolved, EN)  # Adam has no switch
    with pytest.raises(ValueError):
        Claim("flag_first_before", 0, 10)  # needs name=
    with pytest.raises(ValueError):
        Claim("together_until", 0, 0.1, other=1)  # needs steps=


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


def test_the_printed_report_is_what_check_measures(capsys, simulated):
    """``python -m lessons`` and ``python -m lessons.guide`` print through one function: its lines are the
    heading and check()'s outcomes, and a claim pushed past its measured value is counted as failing."""
    from lessons.claims import report

    lesson = LESSONS["lr_parabola"]
    resolved, trajs = simulated[lesson.id]
    want = check(lesson.claims, trajs, resolved, EN)
    failed, got_resolved, got_trajs = report("heading", lesson.scene, lesson.claims, EN)
    lines = capsys.readouterr().out.splitlines()
    assert failed == 0 and got_resolved is resolved and len(got_trajs) == len(trajs)
    assert lines == ["heading", *(f"  ✓ {o.text}" for o in want)]
    broken = (dataclasses.replace(lesson.claims[0], value=1e9), *lesson.claims[1:])  # "misses by 1e9": false
    failed, _r, _t = report("again", lesson.scene, broken, EN)
    assert failed == 1 and capsys.readouterr().out.splitlines()[1].startswith("  ✗ ")
