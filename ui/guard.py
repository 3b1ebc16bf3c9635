"""Never a traceback on the page: each section of the app runs inside :func:`section`.

A user mistake (an ``i18n.UserError``: SpecError, FormulaError, BusyError …) becomes its one-line message,
translated and made harmless; anything else, a plain ``ValueError`` from NumPy or SymPy included, is logged with its traceback on the server and shown as one line with a reference the
teacher can find in the log. Streamlit's own control flow (st.rerun, st.stop) passes through: those are
BaseExceptions, not Exceptions.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
from collections.abc import Iterator

import streamlit as st

import i18n

from .text import fmt, message

LOG = logging.getLogger("optimizer_playground")


def report(exc: BaseException, where: str) -> None:
    """Show one line for exc (and log the unexpected ones with a reference)."""
    if isinstance(exc, i18n.UserError):
        st.error(message(exc), icon=":material/error:")
        return
    ref = secrets.token_hex(3)
    LOG.exception("error %s in %s", ref, where, exc_info=exc)
    st.error(
        fmt(
            "This part of the page could not be drawn (reference {ref}); the rest of the app still works.",
            ref=ref,
        ),
        icon=":material/error:",
    )


@contextlib.contextmanager
def section(where: str) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        report(exc, where)
