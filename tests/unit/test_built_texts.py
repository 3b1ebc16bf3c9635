"""Texts that code builds (not the translator's job): each must reach the catalogue as a template and be
translated before it is filled, so a Chinese page shows no English the catalogue could have translated."""

from __future__ import annotations

import ast
import gettext
import json
from pathlib import Path

import pytest

import i18n
from look import run_views
from optim_core import OPTIMIZERS, run
from optim_core.spec import TRUE_OR_FALSE
from optim_core.trajectory import REASON_BOUND_1D, REASON_BOUND_2D, REASONS, reason_in

REPO = Path(__file__).resolve().parents[2]
ZH = i18n.get("zh")


class _Marked(gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return "«" + message + "»"


def Echo() -> i18n.Lang:
    """A language whose every message is marked, so a test sees which texts went through the catalogue."""
    return i18n.Lang("en", _Marked())


def test_a_divergence_reason_is_translated_from_its_template_then_filled():
    t = run("parabola", "sgd", 2.0, 200, lr=1.1)
    (text,) = t.reasons
    assert text == REASON_BOUND_1D.format(bound="1e+06")
    assert ZH(text) == text  # the formatted text is no message: lang(text) left it English
    shown = reason_in(text, ZH)
    assert shown == ZH.fmt(REASON_BOUND_1D, bound="1e+06") and "it left" not in shown and "1e+06" in shown
    assert t.reason(0, ZH) == shown
    two = REASON_BOUND_2D.format(bound="12.5")
    assert reason_in(two, ZH) == ZH.fmt(REASON_BOUND_2D, bound="12.5")
    for plain in REASONS:  # the ones without a bound: the template itself
        if "{bound}" not in plain:
            assert reason_in(plain, ZH) == ZH(plain)
    assert reason_in("something else", i18n.EN) == "something else"


@pytest.mark.parametrize("where", ["curve", "contour", "diagnose"])
def test_the_views_translate_a_divergence_reason(where):
    """The curve's ✕, the map's ✕ and the diagnosis say why in the page's language: the reason's template goes
    through the catalogue (they called lang(text) on the filled text, which no message matches)."""
    from look import Look, surface_view
    from surfaces import get_surface
    from viz import contour_figure, diagnose
    from viz.curve import curve_figure, curve_view

    echo = Echo()
    look = Look(lang=echo)
    if where == "contour":
        t = run("quadratic", "sgd", (1.0, 1.0), 60, lr=5.0)
        template = REASON_BOUND_2D
    else:
        t = run("parabola", "sgd", 2.0, 200, lr=1.1)
        template = REASON_BOUND_1D
    assert t.reasons[0] == template.format(bound="1e+06")
    if where == "curve":
        fig = curve_figure(curve_view(get_surface("parabola")), run_views([t]), look=look)
        text = " ".join(str(tr.text) for tr in fig.data if (tr.meta or {}).get("role") == "diverged")
    elif where == "contour":
        fig = contour_figure(surface_view(get_surface("quadratic")), run_views([t]), look=look).to_dict()
        marks = [tr for tr in fig["data"] if (tr.get("meta") or {}).get("role") == "diverged"]
        assert marks
        text = json.dumps(marks, ensure_ascii=False)
    else:
        (d,) = diagnose(run_views([t]), ["sgd"], lang=echo)
        text = d.cause
    assert "«" + template + "»" in text.replace("1e+06", "{bound}"), text


def test_a_switch_says_true_or_false_in_the_page_language():
    p = next(h for h in OPTIMIZERS["adam"].hyperparams if h.kind == "bool")
    assert p.range_text() == "true or false"  # English by default (the CLI, error messages)
    assert p.range_text(Echo()) == "«" + TRUE_OR_FALSE + "»"
    assert OPTIMIZERS["adam"].param("lr").range_text(Echo()) == "(0, inf)"


def _marked_strings(path: Path) -> set[str]:
    """The string constants passed to N_ / _ / fmt / .fmt / .gettext in a file (what the extractor sees)."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            f = node.func
            name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
            if name in {"N_", "_", "fmt", "gettext"} and isinstance(node.args[0].value, str):
                out.add(node.args[0].value)
    return out


def test_the_side_view_names_and_the_spread_reach_the_catalogue():
    from ui.trajectories import SIDE_LABELS

    marked = _marked_strings(REPO / "ui" / "trajectories.py")
    assert set(SIDE_LABELS.values()) <= marked
    assert "std of {axis} = {value}" in _marked_strings(REPO / "ui" / "explore.py")
    assert "std {c}" not in (REPO / "ui" / "explore.py").read_text()
