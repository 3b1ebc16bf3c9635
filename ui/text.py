"""Words on the page: this session's language, and user text made harmless.

    from .text import _, fmt, safe
    st.button(_("Add optimizer"))
    st.error(fmt("{run} diverged at step {step}", run=safe(label), step=12))

``_`` and ``fmt`` translate through the gettext catalogue (i18n) into the language of this session
(``st.session_state["lang"]``).  ``safe`` escapes text that came from a user (a formula, a link, a file) so
that Streamlit's Markdown shows it literally: no links, no images, no emphasis, no ``:material/…:`` or
``$…$`` directives.  ``message(exc)`` is an exception's one-line message in this language, escaped.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

import i18n

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&\"'=/@^%])")


def lang() -> i18n.Lang:
    return i18n.get(st.session_state.get("lang") or i18n.DEFAULT)


def _(text: str) -> str:
    """The text in this session's language."""
    return lang().gettext(text)


def fmt(template: str, /, **params: Any) -> str:
    """Translate a template, then fill it in."""
    return lang().fmt(template, **params)


def safe(text: Any) -> str:
    """User text for a Markdown context: every punctuation character backslash-escaped, one line."""
    one_line = " ".join(str(text).split())
    return _MD_SPECIAL.sub(r"\\\1", one_line)


def message(exc: BaseException) -> str:
    """An exception's one-line message in this session's language, safe for Markdown."""
    return safe(i18n.message(exc, lang()))
