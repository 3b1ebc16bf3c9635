"""Words on the page: this session's language, and user text made harmless.

    from .text import _, fmt, safe
    st.button(_("Add optimizer"))
    st.error(fmt("{run} diverged at step {step}", run=safe(label), step=12))

``_`` and ``fmt`` translate through the gettext catalogue (i18n) into the language of this session
(``st.session_state["lang"]``).  ``safe`` escapes text that came from a user (a formula, a link, a file) so
that Streamlit's Markdown shows it literally: no links, no images, no emphasis, no ``:material/…:`` or
``$…$`` directives, and no *autolinks*: GitHub-flavoured Markdown turns ``https://…``, ``www.…`` and
``name@host.tld`` into links even when every character is escaped (it finds them in the text after the escapes
are resolved), so ``safe`` puts an invisible WORD JOINER (U+2060) inside ``://``, after ``www`` and before
``@``: the text reads and copies the same, and no pattern matches.  ``message(exc)`` is an exception's one-line message in this language, escaped.
"""

from __future__ import annotations

import re
from typing import Any

import streamlit as st

import i18n

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~:$&\"'=/@^%])")
# runs of whitespace, line breaks included, become one space; no-break spaces stay (a catalogue puts them
# inside formulas: "θ = (−1.47, 0.309)" must not break across lines)
_BREAKABLE = re.compile(r"[^\S\u00a0\u2007\u202f]+")
WJ = "\u2060"  # WORD JOINER: no width, no line break, and not a letter GFM's autolink patterns accept
# where GFM's autolink literals start: a scheme's "://", "www." (any case), an e-mail address's "@"
_AUTOLINK = re.compile(r"(?<=:)(?=//)|(?<=www)(?=\.)|(?=@)", re.IGNORECASE)


def lang() -> i18n.Lang:
    return i18n.get(st.session_state.get("lang") or i18n.DEFAULT)


def _(text: str) -> str:
    """The text in this session's language."""
    return lang().gettext(text)


def fmt(template: str, /, **params: Any) -> str:
    """Translate a template, then fill it in."""
    return lang().fmt(template, **params)


def join(*parts: str) -> str:
    """Translated sentences one after another, as this session's language writes them: separated by a space in
    English, by nothing in Chinese (i18n.Lang.join)."""
    return lang().join(parts)


def safe(text: Any) -> str:
    """User text for a Markdown context: every punctuation character backslash-escaped, one line, and a
    word joiner where GFM would otherwise start an autolink (``https://``, ``www.``, ``a@b.c``)."""
    one_line = _BREAKABLE.sub(" ", str(text).replace(WJ, "")).strip()
    return _MD_SPECIAL.sub(r"\\\1", _AUTOLINK.sub(WJ, one_line))


def message(exc: BaseException) -> str:
    """An exception's one-line message in this session's language, safe for Markdown."""
    return safe(i18n.message(exc, lang()))
