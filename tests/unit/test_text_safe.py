"""ui.text.safe: user text in Markdown shows literally, and GFM finds no autolink in it (issue 8).

GitHub-flavoured Markdown (remark-gfm, which Streamlit uses) turns ``https://…``, ``www.…`` and ``a@b.c`` into
links in the text *after* the backslash escapes are resolved, so escaping alone let them through.  The patterns
below are GFM's autolink-literal patterns (mdast-util-gfm-autolink-literal), applied to that resolved text.
"""

from __future__ import annotations

import re

import pytest

from ui.text import safe

WJ = "\u2060"  # WORD JOINER

# JavaScript's \\w is ASCII-only: so are these
_W = r"[A-Za-z0-9_]"
GFM_URL = re.compile(r"(https?://|www(?=\.))([-.A-Za-z0-9_]+)", re.IGNORECASE)
GFM_EMAIL = re.compile(r"([-.+A-Za-z0-9_]+)@([-A-Za-z0-9_]+(?:\.[-A-Za-z0-9_]+)+)")
ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation


def resolved(markdown: str) -> str:
    """The text GFM's autolinker sees: backslash escapes resolved."""
    return ESCAPE.sub(r"\1", markdown)


@pytest.mark.parametrize(
    "text",
    [
        "https://evil.example/answers",
        "see http://evil.example now",
        "HTTPS://EVIL.EXAMPLE",
        "see www.evil.example now",
        "WWW.evil.example",
        "mail teacher@evil.example",
        "[x](https://evil.example/) and mailto:a@b.co",
        f"pre-joined https:{WJ}//evil.example a{WJ}@b.co",
    ],
)
def test_no_autolink_survives_and_the_text_reads_the_same(text):
    out = resolved(safe(text))
    assert not GFM_URL.search(out) and not GFM_EMAIL.search(out), out
    assert out.replace(WJ, "") == text.replace(WJ, "")  # only invisible word joiners were added


def test_ordinary_text_is_unchanged_but_escaped():
    assert safe("lr=0.01, x**2") == r"lr\=0\.01, x\*\*2"
    assert WJ not in safe("a www b: c / d")


def test_line_breaks_become_spaces_and_no_break_spaces_stay():
    assert safe("a\n\tb\u2028c") == "a b c"
    assert safe("θ\u00a0=\u00a0(1,\u202f2)") == "θ\u00a0\\=\u00a0\\(1,\u202f2\\)"
