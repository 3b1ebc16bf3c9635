"""The Learn tab: each selected optimizer's update rule and trade-offs, and a comparison of all of them.

Everything shown comes from the declarations (OptimizerSpec / ScheduleSpec): nothing is written twice.
"""

from __future__ import annotations

import streamlit as st

from look.fmt import num
from look.theme import run_color
from optim_core import OPTIMIZERS, SCHEDULES
from optim_core.scene import Scene


def optimizer_card(opt_id: str, colors: list[str] = ()) -> None:
    spec = OPTIMIZERS[opt_id]
    dots = "".join(f"<span class='swatch' style='background:{c}'></span>" for c in colors)
    meta = " · ".join(x for x in (str(spec.year) if spec.year else "", spec.paper, f"`{spec.reference}`") if x)
    st.markdown(f"<div class='card-title'>{dots}{spec.name}</div>", unsafe_allow_html=True)
    st.caption(meta)
    st.latex(spec.latex)
    st.markdown(spec.explanation)
    pros, cons = st.columns(2, gap="medium")
    with pros:
        st.markdown("**Strengths**\n" + "\n".join(f"- {p}" for p in spec.pros))
    with cons:
        st.markdown("**Weaknesses**\n" + "\n".join(f"- {c}" for c in spec.cons))
    st.markdown(f"**When to use.** {spec.when_to_use}")
    rows = "\n".join(
        f"| `{p.name}` | {'$' + p.symbol + '$' if p.symbol else ''} | {num(p.default)} | {p.description} |"
        for p in spec.hyperparams
    )
    with st.expander("Hyperparameters"):
        st.markdown("| name | symbol | default | meaning |\n|---|---|---|---|\n" + rows)


def comparison_table(in_scene: set[str]) -> None:
    rows = [
        {
            "Optimizer": s.name,
            "In this scene": s.id in in_scene,
            "Adaptive": s.adaptive,
            "Momentum": s.momentum,
            "Typical use": s.typical_use,
            "Year": s.year,
            "Reference": s.reference,
            "Paper": s.paper,
        }
        for s in OPTIMIZERS.values()
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            "In this scene": st.column_config.CheckboxColumn(width="small"),
            "Adaptive": st.column_config.CheckboxColumn(help="Per-coordinate step sizes", width="small"),
            "Momentum": st.column_config.CheckboxColumn(help="Accumulates a velocity", width="small"),
            "Year": st.column_config.NumberColumn(format="%d", width="small"),
        },
    )


@st.fragment
def lookup() -> None:
    """Read about any optimizer without touching the scene (reruns only this fragment)."""
    opt = st.selectbox(
        "Read about another optimizer", list(OPTIMIZERS), key="learn_lookup", format_func=lambda o: OPTIMIZERS[o].name
    )
    with st.container(border=True):
        optimizer_card(opt)


def render(scene: Scene) -> None:
    order: list[str] = []
    colors: dict[str, list[str]] = {}
    for i, r in enumerate(scene.runs):
        if r.optimizer not in order:
            order.append(r.optimizer)
        colors.setdefault(r.optimizer, []).append(run_color(i))
    st.markdown("<span class='chart-title'>The optimizers in this scene</span>", unsafe_allow_html=True)
    cols = st.columns(min(len(order), 2), gap="medium") if len(order) > 1 else [st.container()]
    for k, opt in enumerate(order):
        with cols[k % len(cols)], st.container(border=True):
            optimizer_card(opt, colors[opt])
    sched = SCHEDULES.get(dict(scene.schedule).get("name", "constant"))
    if sched is not None and sched.id != "constant":
        with st.container(border=True):
            st.markdown(f"<div class='card-title'>Schedule: {sched.name}</div>", unsafe_allow_html=True)
            st.caption(f"`{sched.reference}`")
            st.latex(sched.latex)
            st.markdown(sched.explanation)
    st.markdown("<span class='chart-title'>All optimizers at a glance</span>", unsafe_allow_html=True)
    comparison_table(set(order))
    lookup()
