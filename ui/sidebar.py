"""The sidebar: every control, generated from the declarations (surfaces, optimizer and schedule specs)."""

from __future__ import annotations

import streamlit as st

from look.theme import run_color
from optim_core import MAX_STEPS, OPTIMIZERS, SCHEDULES
from optim_core.scene import MAX_RUNS, MAX_STARTS
from surfaces import BUILTINS, get_surface

from . import state
from .widgets import float_select, hyperparam_widget, log_grid, surface_param_widget

# hyperparameters shown directly; the rest of a spec's hyperparameters go under "More settings"
PRIMARY = ("lr", "momentum", "beta1", "beta2", "alpha", "rho", "lr_power")
NOISE_GRID = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]


def render() -> None:
    with st.sidebar:
        st.markdown("<div class='app-brand'>Optimizer Playground</div>", unsafe_allow_html=True)
        surface_section()
        runs_section()
        starts_section()
        training_section()
        view_section()


# ----------------------------------------------------------------------------- surface
def surface_section() -> None:
    ss = st.session_state
    st.markdown("#### Surface")
    options = [*list(BUILTINS), state.CUSTOM]
    st.selectbox(
        "Surface",
        options,
        key="surface",
        label_visibility="collapsed",
        format_func=lambda s: BUILTINS[s].name if s in BUILTINS else "✎ Custom formula…",
        on_change=state.on_surface_change,
    )
    if ss["surface"] == state.CUSTOM:
        ss.setdefault("formula", ss.get(state.LAST_FORMULA) or "x^2 + 3*y^2")
        st.text_input(
            "f(x, y) =",
            key="formula",
            on_change=state.on_formula_change,
            help="Use x, y, numbers, + − * / ^ (or **), pi, e and sin cos tan exp log sqrt abs tanh …  "
            "Example: (1 - x)^2 + 100*(y - x^2)^2",
        )
        try:
            surf = get_surface(ss["formula"].strip())
        except ValueError as exc:
            with st.container(key="formula_error"):
                st.error(str(exc), icon=":material/error:")
            last = ss.get(state.LAST_FORMULA)
            if last:
                st.caption(f"Still showing the last valid formula: `{last}`")
            return
        ss[state.LAST_FORMULA] = ss["formula"].strip()
        st.latex(fit_latex(surf.tex))
        st.caption(surf.description or "Your formula. Stars mark minima found numerically in the window.")
        return
    entry = BUILTINS[ss["surface"]]
    for p in entry.params:
        surface_param_widget(p, f"surface_{p.name}")
    try:
        surf = get_surface(ss["surface"], **state.surface_params())
    except ValueError as exc:
        st.error(str(exc))
        return
    st.latex(fit_latex(surf.tex))
    st.caption(surf.description)


def fit_latex(tex: str) -> str:
    """Shrink long formulas so they fit the sidebar (the element still scrolls sideways if needed)."""
    visible = len(tex.replace("\\", "").replace("{", "").replace("}", "").replace(" ", ""))
    if visible > 60:
        return r"\scriptsize " + tex
    if visible > 34:
        return r"\footnotesize " + tex
    return tex


# ----------------------------------------------------------------------------- runs
def _swatch(i: int) -> str:
    return f"<span class='swatch' style='background:{run_color(i)}'></span><span class='run-title'>Run {i + 1}</span>"


def runs_section() -> None:
    ss = st.session_state
    n = int(ss.get(state.N_RUNS, 0))
    st.markdown("#### Optimizers")
    names = list(OPTIMIZERS)
    for i in range(n):
        with st.container(border=True, key=f"run{i}_box"):
            head = st.container(horizontal=True, vertical_alignment="center", gap="small")
            head.markdown(_swatch(i), unsafe_allow_html=True, width="stretch")
            head.button(
                "",
                icon=":material/content_copy:",
                key=f"run{i}_duplicate",
                on_click=state.duplicate_run,
                args=(i,),
                type="tertiary",
                disabled=n >= MAX_RUNS,
            )
            head.button(
                "",
                icon=":material/close:",
                key=f"run{i}_remove",
                on_click=state.remove_run,
                args=(i,),
                type="tertiary",
                disabled=n <= 1,
            )
            st.selectbox(
                "Optimizer",
                names,
                key=f"run{i}_optimizer",
                label_visibility="collapsed",
                format_func=lambda o: OPTIMIZERS[o].name,
                on_change=state.on_optimizer_change,
                args=(i,),
            )
            spec = OPTIMIZERS[ss[f"run{i}_optimizer"]]
            primary = [p for p in spec.hyperparams if p.name in PRIMARY]
            rest = [p for p in spec.hyperparams if p.name not in PRIMARY]
            for p in primary:
                hyperparam_widget(p, f"run{i}_{p.name}")
            if rest:
                changed = [p.name for p in rest if not state._same(ss.get(f"run{i}_{p.name}", p.default), p.default)]
                label = "More: " + ", ".join(p.name for p in rest)
                with st.expander(label if len(label) < 44 else label[:42] + "…", expanded=bool(changed)):
                    for p in rest:
                        hyperparam_widget(p, f"run{i}_{p.name}")
    st.button(
        "Add optimizer",
        icon=":material/add:",
        key="add_run",
        on_click=state.add_run,
        disabled=n >= MAX_RUNS,
        width="stretch",
    )


# ----------------------------------------------------------------------------- starts
def starts_section() -> None:
    ss = st.session_state
    n = int(ss.get(state.N_STARTS, 1))
    st.markdown("#### Start points")
    for j in range(n):
        cx, cy, cb = st.columns([5, 5, 1.6], gap="small", vertical_alignment="bottom")
        show = "visible" if j == 0 else "collapsed"
        cx.number_input("x", key=f"start{j}_x", format="%g", step=0.1, label_visibility=show)
        cy.number_input("y", key=f"start{j}_y", format="%g", step=0.1, label_visibility=show)
        cb.button(
            "",
            icon=":material/close:",
            key=f"start{j}_remove",
            on_click=state.remove_start,
            args=(j,),
            type="tertiary",
            disabled=n <= 1,
        )
    row = st.container(horizontal=True, gap="small")
    row.button("Add start", icon=":material/add:", key="add_start", on_click=state.add_start, disabled=n >= MAX_STARTS)
    row.button("Default", icon=":material/restart_alt:", key="starts_reset", on_click=state.reset_starts)
    st.caption("Or click the map: the switch above it chooses *move* or *add*.")


# ----------------------------------------------------------------------------- steps, schedule, noise, clipping
def training_section() -> None:
    ss = st.session_state
    st.markdown("#### Steps & training")
    st.number_input(
        "Steps",
        min_value=1,
        max_value=MAX_STEPS,
        step=50,
        key="steps",
        help=f"Optimizer steps per run (1 – {MAX_STEPS:,})",
    )
    st.selectbox("Learning-rate schedule", list(SCHEDULES), key="schedule", format_func=lambda s: SCHEDULES[s].name)
    sched = SCHEDULES[ss["schedule"]]
    for p in sched.hyperparams:
        hyperparam_widget(p, f"schedule_{p.name}")
    with st.expander("Gradient noise & clipping", expanded=bool(ss.get("noise_std") or ss.get("clip_on"))):
        float_select(
            "Gradient noise σ",
            "noise_std",
            NOISE_GRID,
            0.0,
            help="Adds Gaussian noise of this standard deviation to every gradient, like mini-batch "
            "sampling. 0 = exact gradients.",
        )
        st.number_input(
            "Noise seed", min_value=0, max_value=2**31 - 1, step=1, key="noise_seed", disabled=not ss.get("noise_std")
        )
        st.toggle("Clip the gradient norm", key="clip_on")
        float_select(
            "Max gradient norm",
            "clip",
            log_grid(1e-3, 1e3),
            1.0,
            disabled=not ss.get("clip_on"),
            help="torch.nn.utils.clip_grad_norm_: gradients longer than this are scaled down to it.",
        )


# ----------------------------------------------------------------------------- view window
def view_section() -> None:
    with st.expander("View window"):
        c0, c1 = st.columns(2, gap="small")
        c0.number_input("x min", key="view_x0", format="%g", step=0.5)
        c1.number_input("x max", key="view_x1", format="%g", step=0.5)
        c0, c1 = st.columns(2, gap="small")
        c0.number_input("y min", key="view_y0", format="%g", step=0.5)
        c1.number_input("y max", key="view_y1", format="%g", step=0.5)
        st.button(
            "Reset to the surface's domain",
            icon=":material/fit_screen:",
            key="view_reset",
            on_click=state.reset_view,
            width="stretch",
        )
