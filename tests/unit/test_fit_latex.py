"""The sidebar's formula layout (ui.sidebar.fit_latex): long formulas are broken at top-level + / − into lines
that fit, never inside a bracket, and set smaller only as far as needed."""

from __future__ import annotations

import re

import pytest

from surfaces import SURFACES, get_surface
from ui.sidebar import LINE_GLYPHS, _glyphs, fit_latex

SCALE = {"": 1.0, "small": 0.9, "footnotesize": 0.8, "scriptsize": 0.7}


def _layout(tex: str) -> tuple[float, list[str]]:
    m = re.match(r"\\(small|footnotesize|scriptsize) ", tex)
    size = SCALE[m.group(1)] if m else 1.0
    body = tex[m.end() :] if m else tex
    body = re.sub(r"\\(begin|end)\{aligned\}", "", body)
    return size, body.split("\\\\")


@pytest.mark.parametrize("surface", list(SURFACES))
def test_every_built_in_formula_fits_the_sidebar(surface):
    tex = get_surface(surface).tex
    size, lines = _layout(fit_latex(tex))
    for line in lines:
        assert _glyphs(line) * size <= LINE_GLYPHS + 3, (surface, line)  # +3: the continuation indent
        for o, c in ("()", "{}"):
            assert line.count(o) == line.count(c), (surface, line)  # a bracket is never split
        assert line.count("\\left") == line.count("\\right"), (surface, line)


def test_short_formulas_are_left_alone_and_long_sums_are_broken():
    assert fit_latex("x^{2} + y^{2}") == "x^{2} + y^{2}"
    beale = fit_latex(get_surface("beale").tex)
    assert beale.startswith("\\begin{aligned}") and beale.count("\\\\") >= 1
    # a formula too long to break (one term) is only set smaller
    one = "\\sin{\\left(" + "x + " * 30 + "y\\right)}"
    assert fit_latex(one).startswith("\\scriptsize ")
