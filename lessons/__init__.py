"""Lessons: one-click scenes that each show one phenomenon, with what to look at, the claims their text makes
(checked: lessons.claims), and optionally a question to answer before the animation (predict, then see).

    from lessons import LESSONS, GROUPS
    lesson = LESSONS["zigzag"]
    lesson.scene, lesson.text, lesson.claims, lesson.question

The answer to a question is computed from the lesson's own trajectories (which run gets to the minimum first,
which one diverges, which one ends closest), so it is true by construction; the explanation says why.
"""

from __future__ import annotations

from .catalogue import GROUPS, LESSONS
from .claims import KINDS, Claim, Outcome, check
from .model import Lesson, Question

__all__ = ["GROUPS", "KINDS", "LESSONS", "Claim", "Lesson", "Outcome", "Question", "check"]
