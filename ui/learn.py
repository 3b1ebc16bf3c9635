"""The Learn tab: each selected optimizer's update rule and trade-offs, and a comparison of all of them.

Everything shown comes from the declarations (OptimizerSpec / ScheduleSpec): nothing is written twice; the
teaching texts are translated through the catalogue (the LaTeX rules are shared by every language).
"""

from __future__ import annotations

import html

import streamlit as st

from look.fmt import num
from optim_core import OPTIMIZERS, SCHEDULES
from optim_core.scene import ResolvedScene

from . import measured, variants
from .looks import current_look
from .text import _


def optimizer_card(opt_id: str, colors: list[str] = (), *, actions: bool = False) -> None:
    spec = OPTIMIZERS[opt_id]
    dots = "".join(f"<span class='swatch' style='background:{c}'></span>" for c in colors)
    meta = " · ".join(x for x in (str(spec.year) if spec.year else "", spec.paper, spec.reference) if x)
    st.html(f"<div class='card-title'>{dots}{html.escape(spec.name)}</div>")
    st.caption(meta)
    st.latex(spec.latex)
    variants.render(opt_id, actions=actions)  # the textbook forms beside torch's (engine)
    st.markdown(_(spec.explanation))
    pros, cons = st.columns(2, gap="medium")
    with pros:
        st.markdown(f"**{_('Strengths')}**\n" + "\n".join(f"- {_(p)}" for p in spec.pros))
    with cons:
        st.markdown(f"**{_('Weaknesses')}**\n" + "\n".join(f"- {_(c)}" for c in spec.cons))
    st.markdown(f"**{_('When to use.')}** {_(spec.when_to_use)}")
    rows = "\n".join(
        f"| `{p.name}` | {'$' + p.symbol + '$' if p.symbol else ''} | {num(p.default)} | {_(p.description)} |"
        for p in spec.hyperparams
    )
    with st.expander(_("Hyperparameters")):
        st.markdown(f"| {_('name')} | {_('symbol')} | {_('default')} | {_('meaning')} |\n|---|---|---|---|\n" + rows)


def comparison_table(in_scene: set[str]) -> None:
    name, here, adaptive, momentum = _("Optimizer"), _("In this scene"), _("Adaptive"), _("Momentum")
    use, year, ref, paper = _("Typical use"), _("Year"), _("Reference"), _("Paper")
    rows = [
        {
            name: s.name,
            here: s.id in in_scene,
            adaptive: s.adaptive,
            momentum: s.momentum,
            use: _(s.typical_use),
            year: s.year,
            ref: s.reference,
            paper: s.paper,
        }
        for s in OPTIMIZERS.values()
    ]
    st.dataframe(
        rows,
        hide_index=True,
        width="stretch",
        column_config={
            here: st.column_config.CheckboxColumn(width="small"),
            adaptive: st.column_config.CheckboxColumn(help=_("Per-coordinate step sizes"), width="small"),
            momentum: st.column_config.CheckboxColumn(help=_("Accumulates a velocity"), width="small"),
            year: st.column_config.NumberColumn(format="%d", width="small"),
        },
    )


@st.fragment
def lookup() -> None:
    """Read about any optimizer without touching the scene (reruns only this fragment)."""
    opt = st.selectbox(
        _("Read about another optimizer"),
        list(OPTIMIZERS),
        key="learn_lookup",
        format_func=lambda o: OPTIMIZERS[o].name,
    )
    with st.container(border=True):
        optimizer_card(opt)


def render(resolved: ResolvedScene) -> None:
    order: list[str] = []
    colors: dict[str, list[str]] = {}
    for r in resolved.runs:
        if r.spec.id not in order:
            order.append(r.spec.id)
        colors.setdefault(r.spec.id, []).append(current_look().theme.run_color(r.index))
    st.html(f"<span class='chart-title'>{_('The optimizers in this scene')}</span>")
    cols = st.columns(min(len(order), 2), gap="medium") if len(order) > 1 else [st.container()]
    for k, opt in enumerate(order):
        with cols[k % len(cols)], st.container(border=True):
            optimizer_card(opt, colors[opt], actions=True)
    sched = SCHEDULES.get(str(resolved.schedule.get("name", "constant")))
    if sched is not None and sched.id != "constant":
        with st.container(border=True):
            st.html(f"<div class='card-title'>{_('Schedule:')} {html.escape(_(sched.name))}</div>")
            st.caption(sched.reference)
            st.latex(sched.latex)
            st.markdown(_(sched.explanation))
    st.html(f"<span class='chart-title'>{_('All optimizers at a glance')}</span>")
    comparison_table(set(order))
    st.html(f"<span class='chart-title'>{_('Measured: speed, tuning effort, memory')}</span>")  # engine
    measured.render(set(order))  # engine
    lookup()
