"""The textbook forms of an optimizer's rule, beside the framework's (OptimizerSpec.variants), in the Learn card.

Each form: its name, its own LaTeX, where it is written that way, and when its path differs from torch's — and,
for the optimizers of the scene, a button that adds it as a run next to torch's form (same hyperparameters plus
the form's switches), so the difference shows on the map.
"""

from __future__ import annotations

import streamlit as st

from optim_core import OPTIMIZERS
from optim_core.scene import MAX_RUNS, RunConfig

from . import state
from .text import _, fmt


def add_variant_run(opt_id: str, variant_id: str) -> None:
    """Callback: the first run of this optimizer (or torch's defaults, added too) again with the form's settings."""
    spec = OPTIMIZERS[opt_id]
    variant = spec.variant(variant_id)
    runs = state.runs_from_state()
    base = next((r for r in runs if r.optimizer == opt_id), None)
    if base is None:
        base = RunConfig(opt_id, {})
        runs.append(base)
    if len(runs) >= MAX_RUNS:
        return  # the button is disabled then; a stale click changes nothing
    runs.append(RunConfig(opt_id, {**dict(base.params), **dict(variant.params)}))
    state.write_runs(runs)


def render(opt_id: str, *, actions: bool = False) -> None:
    """The forms of one optimizer in an expander (nothing when it has none). actions: offer "run it beside"."""
    spec = OPTIMIZERS[opt_id]
    if not spec.variants:
        return
    with st.expander(fmt("Textbook forms of {name} ({n})", name=spec.name, n=len(spec.variants))):
        st.caption(
            _(
                "The rule above is the framework's (torch), exactly what the code runs. Course material often "
                "writes it differently:"
            )
        )
        full = actions and len(state.runs_from_state()) >= MAX_RUNS
        for v in spec.variants:
            st.markdown(f"**{_(v.name)}** · {_(v.source)}")
            st.latex(v.latex)
            st.markdown(_(v.note))
            if actions:
                st.button(
                    _("Run this form beside torch's"),
                    icon=":material/add:",
                    key=f"variant_{opt_id}_{v.id}",
                    on_click=add_variant_run,
                    args=(opt_id, v.id),
                    disabled=full,
                    help=_("At most 8 runs: remove one first.") if full else None,
                )
