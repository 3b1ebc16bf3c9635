"""Never a traceback, and never an internal error dressed as the user's mistake (issue 8).

ui.guard shows an i18n.UserError as its one line; any other exception, a plain ValueError from NumPy or SymPy
included, is logged with its traceback and shown as the generic line with a reference found in the log.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "app.py")


def _section_raising(kind: str) -> None:
    from optim_core.spec import SpecError
    from ui import guard

    with guard.section("test"):
        if kind == "user":
            raise SpecError("{name} must be in {range}, got {value}", name="lr", range="(0, 10]", value="-1")
        raise ValueError("Maximum allowed size exceeded")  # what np.arange says: not the user's mistake


def _run(kind: str) -> AppTest:
    at = AppTest.from_function(_section_raising, args=(kind,), default_timeout=30)
    at.run()
    assert not at.exception
    return at


def test_a_user_error_is_its_own_line_and_not_logged(caplog):
    with caplog.at_level(logging.ERROR, logger="optimizer_playground"):
        at = _run("user")
    (err,) = at.error
    assert "lr must be in" in err.value.replace("\\", "") and "reference" not in err.value
    assert not [r for r in caplog.records if r.name.startswith("optimizer_playground")]


def test_an_internal_value_error_is_logged_with_a_reference_and_not_shown(caplog):
    with caplog.at_level(logging.ERROR, logger="optimizer_playground"):
        at = _run("internal")
    (err,) = at.error
    assert "Maximum allowed size" not in err.value
    ref = re.search(r"reference ([0-9a-f]{6})", err.value)
    assert ref, err.value
    logged = [r for r in caplog.records if r.name == "optimizer_playground"]
    assert len(logged) == 1 and ref.group(1) in logged[0].getMessage()
    assert logged[0].exc_info and "Maximum allowed size" in str(logged[0].exc_info[1])


@pytest.mark.parametrize("query", [{"surface": "exp(709)*x"}, {"surface": "exp(709)*x", "view": "3d"}])
def test_the_issues_overflowing_surface_draws_its_map(query, caplog):
    """?surface=exp(709)*x: f spans ±1.8e308 in the window; the map and its colour bar are drawn."""
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in query.items():
        at.query_params[k] = v
    with caplog.at_level(logging.ERROR, logger="optimizer_playground"):
        at.run()
    assert not at.exception
    ids = [c.proto.id for c in at.get("plotly_chart")]
    assert any(i.endswith(("-contour", "-surface3d")) for i in ids), ids
    texts = " ".join(e.value for e in at.error)
    assert "Maximum allowed" not in texts and "could not be drawn" not in texts, texts
    assert not caplog.records, [r.getMessage() for r in caplog.records]
