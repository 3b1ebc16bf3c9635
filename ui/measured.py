"""The measured comparison in the Learn tab: speed, tuning effort and memory per optimizer, read from the table
tools/benchmark_table.py committed (optim_core.tune.benchmark_table) — measured, not typed."""

from __future__ import annotations

import streamlit as st

from look.fmt import num
from optim_core import OPTIMIZERS
from optim_core.tune import benchmark_table

from .text import _, fmt


@st.cache_data(show_spinner=False)
def _table() -> dict:
    return benchmark_table()


def render(in_scene: set[str]) -> None:
    table = _table()
    n = len(table["problems"])
    name, here = _("Optimizer"), _("In this scene")
    solved = fmt("Solved (of {n})", n=n)
    speed = _("Median steps at its best lr")
    effort = _("lr grid that converges")
    memory = _("State per parameter")
    rows = []
    for oid, r in table["optimizers"].items():
        if oid not in OPTIMIZERS:
            continue
        rows.append(
            {
                name: OPTIMIZERS[oid].name,
                here: oid in in_scene,
                solved: r["solved"],
                speed: r["median_steps"],
                effort: 100 * r["converging_fraction"],
                memory: r["buffers_per_parameter"],
            }
        )
    rows.sort(key=lambda row: (-row[solved], row[speed] if row[speed] is not None else 1e9))
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            here: st.column_config.CheckboxColumn(width="small"),
            speed: st.column_config.NumberColumn(
                format="%d",
                help=fmt(
                    "Steps until f − f* falls to {rtol} of its start value and stays there, at the best lr of the "
                    "grid; the median over the problems (empty: more than {steps}).",
                    rtol=num(table["rtol"]),
                    steps=table["steps"],
                ),
            ),
            effort: st.column_config.ProgressColumn(
                format="%.0f %%",
                min_value=0,
                max_value=100,
                help=_("How forgiving it is about the learning rate: the share of a log grid of lrs that converges."),
            ),
            memory: st.column_config.NumberColumn(
                format="%d", help=_("Buffers the optimizer keeps, each as large as the parameters (from its state).")
            ),
        },
    )
    st.caption(
        fmt(
            "Measured on {n} problems (surfaces, curves and the two datasets, from their default starts), "
            "{k} learning rates from {lo} to {hi}, {steps} steps, every other hyperparameter at its default "
            "(python -m tools.benchmark_table).",
            n=n,
            k=table["lr_grid"]["size"],
            lo=num(table["lr_grid"]["low"]),
            hi=num(table["lr_grid"]["high"]),
            steps=table["steps"],
        )
    )
