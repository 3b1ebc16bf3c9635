"""Hostile input through the CLI and the formula layer (issue 8): one line, no path, bounded reads, and the
same answer for a curve of x as for a surface of x and y."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from optim_core.scene import MAX_CONFIG_BYTES
from surfaces.formula import FormulaError
from ui.url import scene_from_query
from viz.diagnose import diagnose

REPO = Path(__file__).resolve().parents[2]


def cli(*argv: str, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real command line, in its own process (stderr as a user sees it, warnings included)."""
    return subprocess.run(
        [sys.executable, "-m", "optim_core", *argv], cwd=REPO, capture_output=True, text=True, timeout=timeout
    )


def one_line_without_paths(text: str) -> str:
    lines = [ln for ln in text.splitlines() if ln.strip()]
    assert len(lines) == 1, text
    assert str(REPO) not in text and ".py" not in text and "Traceback" not in text, text
    return lines[0]


def test_config_from_a_device_that_never_ends_is_refused_after_the_limit(tmp_path):
    """/dev/zero: read at most MAX_CONFIG_BYTES + 1 bytes, then one line (it used to read forever)."""
    r = cli("render", "--config", "/dev/zero", "--out", str(tmp_path / "a.png"), timeout=30)
    assert r.returncode == 2
    line = one_line_without_paths(r.stderr)
    assert f"larger than {MAX_CONFIG_BYTES // 1000} KB" in line, line


def test_config_with_a_byte_that_is_not_utf8_gets_the_uploads_message(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"surface": "x**2\xff"}')
    r = cli("render", "--config", str(bad), "--out", str(tmp_path / "a.png"))
    assert r.returncode == 2
    line = one_line_without_paths(r.stderr)
    assert "not UTF-8 text" in line and "codec" not in line, line


@pytest.mark.parametrize(
    ("surface", "start"),
    [("exp(709)*x", ["1"]), ("exp(x)", ["700"]), ("exp(709)*x", ["1", "1"])],
    ids=["curve-exp709", "curve-exp-x-700", "surface-exp709"],
)
def test_an_overflowing_run_renders_without_a_warning_or_a_path(tmp_path, surface, start):
    """The audit's RuntimeWarning with the server's source path, and 'curve f_range must be finite' after it."""
    out = tmp_path / "a.png"
    r = cli("render", "--surface", surface, "--start", *start, "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert r.stderr.strip() == "", r.stderr
    assert out.stat().st_size > 1000


@pytest.mark.parametrize(
    ("formula", "surface_form"),
    [
        ("sqrt(-x**2)", "sqrt(-x**2-y**2)"),
        ("sqrt(-(x-1)**2)", "sqrt(-(x-1)**2-y**2)"),
        ("acos(x**2+1)", "acos(x**2+y**2+1)"),
    ],
)
def test_a_curve_defined_at_isolated_points_is_refused_like_its_surface(formula, surface_form):
    """sqrt(-x**2-y**2) was refused as a surface while sqrt(-x**2) was accepted as a curve of x."""
    with pytest.raises(FormulaError) as curve:
        scene_from_query({"surface": formula, "start": "0"}).resolve()
    assert "isolated points" in str(curve.value)
    with pytest.raises(FormulaError) as surface:
        scene_from_query({"surface": surface_form, "start": "0,0"}).resolve()
    assert "isolated points" in str(surface.value)


@pytest.mark.parametrize("start", ["1", "1,1"], ids=["curve", "surface"])
def test_a_huge_slope_is_not_blamed_on_the_lr_in_1d_or_2d(start):
    """exp(709)*x is a straight slope of 8e307: no curvature, and no lr a float holds keeps it in bounds."""
    rs = scene_from_query({"surface": "exp(709)*x", "start": start, "run": "sgd:lr=0.002;momentum:lr=0.001"}).resolve()
    from ui.compute import RunView  # the views' run data, as the app builds it

    runs = []
    for i, t in enumerate(rs.simulate()):
        runs.append(
            RunView(
                index=i,
                label=rs.runs[i].label,
                points=t.points,
                loss=t.loss,
                grad_norm=t.grad_norm,
                diverged_at=t.diverged_at,
                reasons=t.reasons,
                params=t.params_for(0),
                dist=None,
            )
        )
    found = diagnose(runs, [r.spec.id for r in rs.runs], start_curvature=[0.0])
    assert len(found) == 2
    for d in found:
        text = d.cause + " " + d.hint
        assert "curvature" not in text and "Lower lr (try" not in text, text
        assert "rescale f" in text and "8.2e307" in text, text
    assert np.all([d.step == 1 for d in found])
