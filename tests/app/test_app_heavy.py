"""ui.heavy.job inside a real Streamlit script run (AppTest): the job runs, or the user gets one line."""

from __future__ import annotations

import threading
import time

import pytest
from streamlit.testing.v1 import AppTest

from ui import heavy
from ui.heavy import JobGate


def _script() -> None:
    import streamlit as st

    from ui import heavy

    try:
        with heavy.job("Working…", timeout=0.5):
            st.session_state["runs"] = st.session_state.get("runs", 0) + 1
            st.text("done")
    except heavy.BusyError as exc:
        st.text("busy: " + str(exc))


@pytest.fixture
def gate(monkeypatch) -> JobGate:
    g = JobGate(1, poll=0.05)
    monkeypatch.setattr(heavy, "GATE", g)
    return g


def test_a_free_slot_runs_the_job_and_leaves_no_queue_note(gate):
    at = AppTest.from_function(_script, default_timeout=30)
    at.run()
    assert not at.exception
    assert [t.value for t in at.text] == ["done"]
    assert not at.info  # the waiting note is gone
    assert gate.running == 0 and gate.waiting == 0


def test_a_busy_server_says_so_in_one_line(gate):
    release, entered = threading.Event(), threading.Event()

    def other_session() -> None:
        with gate.job("another browser tab", timeout=10):
            entered.set()
            release.wait(20)

    t = threading.Thread(target=other_session, daemon=True)
    t.start()
    assert entered.wait(5)
    try:
        at = AppTest.from_function(_script, default_timeout=30)
        t0 = time.monotonic()
        at.run()
        took = time.monotonic() - t0
    finally:
        release.set()
        t.join(5)
    assert not at.exception
    texts = [x.value for x in at.text]
    assert texts == ["busy: The server is busy (1 ahead of you in the queue). Please try again in a minute."]
    assert "runs" not in at.session_state
    assert took >= 0.5
    assert not at.info and gate.waiting == 0
    at.run()  # the slot is free now: the same session runs its job
    assert [x.value for x in at.text] == ["done"]
