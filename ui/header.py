"""Page header: the lessons, grouped as a course teaches them, and the loaded lesson's note.

The note says what to look at, asks its question first when it has one (predict, then see: the answer is
revealed on request, measured on the lesson's own runs), and lists the claims its text makes with the values
measured on this very picture.

No ``help=`` on the lesson buttons: in Streamlit 1.67 a button with a tooltip is rendered twice in the DOM, which
makes ``.st-key-lesson_<id> button`` ambiguous for browser tests.
"""

from __future__ import annotations

import html
from typing import Any

import streamlit as st

from lessons import GROUPS, LESSONS, check
from optim_core.scene import ResolvedScene

from . import state
from .compute import run_data
from .text import _, fmt, join, lang, safe

LESSON = "_lesson"  # (lesson id, the scene key it loaded); ui.boot sets it for a ?lesson= link
REVEALED = "_lesson_revealed"


def load_lesson(lesson_id: str) -> None:
    lesson = LESSONS[lesson_id]
    state.apply_scene(lesson.scene)
    for key, value in lesson.extras.items():
        if key != "blindfold":  # a view of the lesson itself, not a widget
            st.session_state[key] = value
    # remember the scene as the widgets spell it (defaults implicit), to show the note while it is unchanged
    st.session_state[LESSON] = (lesson_id, state.scene_from_state().resolve().key)
    st.session_state.pop(REVEALED, None)
    st.session_state.pop("lesson_answer", None)


def active_lesson(resolved: ResolvedScene) -> str | None:
    """The loaded lesson's id while its scene is shown unchanged."""
    got = st.session_state.get(LESSON)
    return got[0] if got and got[1] == resolved.key and got[0] in LESSONS else None


def active_extras(resolved: ResolvedScene) -> dict:
    """The loaded lesson's view hints (e.g. {"blindfold": True}) while its scene is unchanged."""
    lesson_id = active_lesson(resolved)
    return dict(LESSONS[lesson_id].extras) if lesson_id else {}


def lessons_in(group: str) -> list[str]:
    return [lid for lid, lesson in LESSONS.items() if lesson.group == group]


def _exit_button(where: Any) -> None:
    ss = st.session_state
    where.button(
        _("Exit presentation"),
        icon=":material/close_fullscreen:",
        key="present_exit",
        on_click=lambda: ss.__setitem__("present", False),
        type="tertiary",
    )


def render(resolved: ResolvedScene) -> None:
    """The lessons row; in presentation mode the exit button ends it (in the flow: a fixed button covered the
    top right of the map's neighbour, e.g. the step inspector's run picker)."""
    ss = st.session_state
    if not state.hidden("lessons"):
        current = ss.get(LESSON, (None, None))[0]
        if ss.get("lesson_group") not in GROUPS:
            ss["lesson_group"] = LESSONS[current].group if current in LESSONS else next(iter(GROUPS))
        row = st.container(horizontal=True, gap="xsmall", vertical_alignment="center", key="lessons_row")
        row.html(f"<span class='lessons-label'>{html.escape(_('Lessons:'))}</span>", width="content")
        row.selectbox(
            _("Lesson group"),
            list(GROUPS),
            key="lesson_group",
            format_func=lambda g: _(GROUPS[g]),
            label_visibility="collapsed",
            width=190,
        )
        for n, lesson_id in enumerate(lessons_in(ss["lesson_group"]), start=1):
            row.button(
                f"{n} · {_(LESSONS[lesson_id].title)}",
                key=f"lesson_{lesson_id}",
                on_click=load_lesson,
                args=(lesson_id,),
                type="primary" if lesson_id == current else "secondary",
            )
        if ss.get("present"):
            _exit_button(row)
    elif ss.get("present"):  # no lessons row: the button alone, above the map
        _exit_button(st.container(horizontal=True, horizontal_alignment="right", key="present_exit_row"))


def note(resolved: ResolvedScene) -> None:
    """The loaded lesson's text, question and checked claims, while the scene is still that lesson's."""
    lesson_id = active_lesson(resolved)
    if lesson_id is None:
        return
    lesson = LESSONS[lesson_id]
    with st.container(key="lesson_note", border=True):
        st.html(
            f"<div class='lesson-title'>{html.escape(_(lesson.title))}</div>"
            f"<div class='lesson-text'>{html.escape(_(lesson.text))}</div>"
        )
        trajs = run_data(resolved)
        if lesson.question is not None:
            _question(lesson, resolved, trajs)
        with st.expander(_("What this picture shows, measured")):
            for o in check(lesson.claims, trajs, resolved, lang()):
                st.markdown(("✓ " if o.holds else "✗ ") + safe(o.text))


def asks_first(resolved: ResolvedScene) -> bool:
    """The loaded lesson asks its question and the answer is not revealed yet: the paths start hidden (the bar at
    step 0), so the class predicts before it watches ▶ Play — the last step would show the answer."""
    lesson_id = active_lesson(resolved)
    return (
        lesson_id is not None
        and LESSONS[lesson_id].question is not None
        and st.session_state.get(REVEALED) != lesson_id
    )


def _question(lesson, resolved: ResolvedScene, trajs) -> None:
    q = lesson.question
    ss = st.session_state
    labels = [r.label_in(lang()) for r in resolved.runs]
    st.radio(
        _(q.text),
        list(range(len(labels))),
        format_func=lambda i: labels[i],
        key="lesson_answer",
        index=None,
        horizontal=True,
    )
    revealed = ss.get(REVEALED) == lesson.id
    if not revealed:
        st.button(
            _("Reveal the answer"),
            key="lesson_reveal",
            on_click=lambda: ss.__setitem__(REVEALED, lesson.id),
            help=_("Press ▶ Play first and watch, then reveal."),
        )
        return
    answer = q.answer(trajs, resolved)
    picked = ss.get("lesson_answer")
    right = labels[answer] if answer >= 0 else _("none of them")
    if picked is None:
        head = fmt("The answer: {run}.", run=safe(right))
    elif picked == answer:
        head = fmt("Right: {run}.", run=safe(right))
    else:
        head = fmt("Not quite: it is {run}.", run=safe(right))
    st.success(join(head, safe(_(q.explanation))), icon=":material/check_circle:")
