"""The per-run summary beside the map: where each run ended, how close to a minimum, when it got there,
when it diverged — one row per run and start, the numbers a teacher reads out."""

from __future__ import annotations

import numpy as np
import streamlit as st

from look.fmt import num, sig
from optim_core.scene import ResolvedScene

from .compute import RunData
from .text import _, fmt, lang


def tolerance(resolved: ResolvedScene) -> float:
    """ "At the minimum" means within 0.1 % of the view window's size (its diagonal)."""
    spans = [hi - lo for lo, hi in resolved.window]
    return 1e-3 * float(np.linalg.norm(spans))


def rows(resolved: ResolvedScene, runs: list[RunData]) -> list[dict]:
    tol = tolerance(resolved)
    f_star = None
    if resolved.surface.minima:
        f_star = float(np.min(resolved.surface.value(np.asarray(resolved.surface.minima, dtype=float))))
    col_run, col_start = _("Run"), _("Start")
    col_f, col_gap, col_dist = _("final f"), _("final f − f*"), _("distance to minimum")
    col_hit, col_div = fmt("within {tol} from step", tol=sig(tol, 2)), _("diverged at step")
    out = []
    many_starts = len(resolved.starts) > 1
    for r, d in zip(resolved.runs, runs):
        for b in range(d.points.shape[1]):
            div = int(d.diverged_at[b])
            last = d.steps if div < 0 else max(div - 1, 0)
            row = {col_run: r.label_in(lang())}
            if many_starts:
                row[col_start] = "(" + ", ".join(num(c) for c in resolved.starts[b]) + ")"
            f = float(d.loss[last, b])
            row[col_f] = sig(f, 4) if np.isfinite(f) and abs(f) < 1e300 else "—"
            if f_star is not None and f_star != 0.0:  # with f* = 0 the gap is the final f again
                row[col_gap] = sig(max(f - f_star, 0.0), 3) if np.isfinite(f) and abs(f) < 1e300 else "—"
            if d.dist is not None:
                row[col_dist] = sig(float(d.dist[last, b]), 3)
                hit = np.flatnonzero(d.dist[: last + 1, b] <= tol)
                row[col_hit] = str(int(hit[0])) if hit.size else "—"
            row[col_div] = str(div) if div >= 0 else "—"
            out.append(row)
    return out


def render(resolved: ResolvedScene, runs: list[RunData]) -> None:
    with st.container(key="run_summary"):
        # a plain table (Streamlit's 7 KB table, not the 0.5 MB data grid the page would load before its first
        # chart): a handful of rows, wrapped to the column's width instead of scrolling sideways
        st.table(rows(resolved, runs), hide_index=True, border="horizontal")
