"""``python -m lessons``: every lesson's claims, measured (✓ / ✗), and its question's answer."""

from __future__ import annotations

import sys

import i18n

from . import LESSONS
from .claims import report


def main() -> int:
    lang = i18n.get(sys.argv[1] if len(sys.argv) > 1 else "en")
    bad = 0
    for lesson in LESSONS.values():
        failed, resolved, trajs = report(f"{lesson.id} — {lang(lesson.title)}", lesson.scene, lesson.claims, lang)
        bad += failed
        if lesson.question is not None:
            a = lesson.question.answer(trajs, resolved)
            print(f"  ? {lang(lesson.question.text)} → {resolved.runs[a].label if a >= 0 else '(none)'}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
