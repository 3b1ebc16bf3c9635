"""The sidebar: every control, generated from the declarations (surfaces, optimizer and schedule specs).

A link can hide controls (ui.url.HIDEABLE): a teacher hands out a page with only the lr slider, say.
"""

from __future__ import annotations

import itertools
import re

import streamlit as st

import i18n
from optim_core import MAX_STEPS, OPTIMIZERS, SCHEDULES
from optim_core.scene import MAX_RUNS, MAX_STARTS, ResolvedScene
from surfaces import SURFACES as BUILTINS
from surfaces import get_surface

from . import batch, nav, scrub, state, tune
from .looks import current_look
from .text import _, fmt, message
from .widgets import float_select, hyperparam_widget, log_grid, surface_param_widget

# hyperparameters shown directly; the rest of a spec's hyperparameters go under "More settings"
PRIMARY = ("lr", "momentum", "beta1", "beta2", "alpha", "rho", "lr_power")
NOISE_GRID = [0.0, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0]


def render(resolved: ResolvedScene, tab_labels: dict[str, str]) -> None:
    with st.sidebar:
        st.html(f"<div class='app-brand'>{_('Optimizer Playground')}</div>")
        display_section(tab_labels)
        if not state.hidden("surface"):
            surface_section()
        runs_section()
        tune.sidebar_button(resolved)  # Tune each run: the best lr of every run (ui/tune.py)
        if not state.hidden("starts"):
            starts_section(resolved.dim)
        if not state.hidden("training"):
            training_section()
        if not state.hidden("window"):
            view_section(resolved.dim)
        scrub.mount(resolved)  # live scrubbing of the run sliders (ui/scrub.py): an invisible element


def waiting() -> None:
    """The sidebar of a session's first run (ui.boot.map_first): its title, and a line while the controls are
    on their way (they follow as soon as the browser has drawn the map)."""
    with st.sidebar:
        st.html(f"<div class='app-brand'>{_('Optimizer Playground')}</div>")
        st.html(f"<div class='app-waiting'>{_('Loading the controls…')}</div>")


# ----------------------------------------------------------------------------- language and display
def _on_lang_change() -> None:
    """Keep the open tab when its label changes language."""
    ss = st.session_state
    old = ss.get("_tab_labels", {})
    tab_id = next((tid for tid, label in old.items() if label == ss.get("tab")), None)
    if tab_id is not None:
        ss["tab"] = nav.tab_labels(ss["lang"]).get(tab_id, ss.get("tab"))


def display_section(tab_labels: dict[str, str]) -> None:
    st.session_state["_tab_labels"] = tab_labels
    st.toggle(
        _("Presentation mode"),
        key="present",
        help=_(
            "For projecting: the map as large as the screen allows, larger text, no sidebar. Keys: Space "
            "play/pause, ← → one step, 1–9 the lessons of the row. Leave it with the button at the top right."
        ),
    )
    st.segmented_control(
        _("Theme"),
        ["light", "dark", "contrast"],
        key="theme",
        format_func=lambda t: {"light": _("Light"), "dark": _("Dark"), "contrast": _("High contrast")}[t],
        required=True,
        label_visibility="collapsed",
        help=_("The page, the charts and the exports: light, dark, or high contrast for washed-out projectors."),
    )
    st.segmented_control(
        _("Language"),
        list(i18n.LANGS),
        key="lang",
        format_func=lambda c: i18n.NAMES[c],
        required=True,
        label_visibility="collapsed",
        on_change=_on_lang_change,
    )


# ----------------------------------------------------------------------------- surface
def surface_section() -> None:
    ss = st.session_state
    st.markdown("#### " + _("Surface"))
    surfaces = [k for k, v in BUILTINS.items() if v.dim == 2]
    curves = [k for k, v in BUILTINS.items() if v.dim == 1]
    options = [*surfaces, state.CUSTOM, *curves, state.CUSTOM_1D]

    def name(s: str) -> str:
        if s == state.CUSTOM:
            return "✎ " + _("Custom formula f(x, y)…")
        if s == state.CUSTOM_1D:
            return "✎ " + _("Custom curve f(x)…")
        return ("f(x): " if BUILTINS[s].dim == 1 else "") + _(BUILTINS[s].name)

    st.selectbox(
        _("Surface"),
        options,
        key="surface",
        label_visibility="collapsed",
        format_func=name,
        on_change=state.on_surface_change,
    )
    if ss["surface"] in state.CUSTOMS:
        one_d = ss["surface"] == state.CUSTOM_1D
        ss.setdefault("formula", ss.get(state.LAST_FORMULA) or ("x^2" if one_d else "x^2 + 3*y^2"))
        st.text_input(
            "f(x) =" if one_d else "f(x, y) =",
            key="formula",
            on_change=state.on_formula_change,
            help=_(
                "Use x, y, numbers, + − * / ^ (or **), pi, e and sin cos tan exp log sqrt abs tanh … "
                "Example: (1 - x)^2 + 100*(y - x^2)^2"
            ),
        )
        try:
            surf = get_surface(ss["formula"].strip(), dim=1 if one_d else None)
        except i18n.UserError as exc:  # another ValueError is a bug: ui.guard logs it
            with st.container(key="formula_error"):
                st.error(message(exc), icon=":material/error:")
            last = ss.get(state.LAST_FORMULA)
            if last:
                st.caption(_("Still showing the last valid formula:"))
                st.code(last, language=None)
            return
        ss[state.LAST_FORMULA] = ss["formula"].strip()
        st.latex(fit_latex(surf.tex))
        st.caption(_("Your formula. Stars mark minima found numerically in the window."))
        return
    entry = BUILTINS[ss["surface"]]
    for p in entry.params:
        surface_param_widget(p, f"surface_{p.name}")
    try:
        surf = get_surface(ss["surface"], **state.surface_params())
    except i18n.UserError as exc:
        st.error(message(exc))
        return
    st.latex(fit_latex(surf.tex))
    st.caption(_(surf.description))


_ZERO_WIDTH = re.compile(r"\\(begin|end)\{[a-z*]+\}|\\(bigl|bigr|left|right|frac|dfrac|tfrac)\b|\\[,;! ]|[{}&_^ ]")
_COMMAND = re.compile(r"\\[a-zA-Z]+")
_WORD = {rf"\{w}": len(w) for w in ("cos", "sin", "tan", "log", "exp", "ln", "tanh", "max", "min")}  # set upright


def _glyphs(line: str) -> int:
    """About how many glyphs a line of TeX draws: a command (\\sum, \\alpha) is one, layout is none."""
    return len(_COMMAND.sub(lambda m: "·" * _WORD.get(m.group(0), 1), _ZERO_WIDTH.sub("", line)))


LINE_GLYPHS = 23
"""About how many glyphs of display TeX fit the sidebar's width at KaTeX's normal size."""


def _top_level_terms(tex: str) -> list[str]:
    """tex cut before each + or − that is outside every brace, parenthesis and \\left … \\right pair."""
    parts, depth, last = [], 0, 0
    for i, c in enumerate(tex):
        if c in "{(":
            depth += 1
        elif c in "})":
            depth -= 1
        elif c in "+-" and depth == 0 and tex[:i].strip() and tex[i - 1] == " ":
            parts.append(tex[last:i].strip())
            last = i
    parts.append(tex[last:].strip())
    return [p for p in parts if p]


def _balanced(terms: list[str], k: int) -> list[str]:
    """The terms packed into k lines, in order, with the widest line as narrow as it can be."""
    best: tuple[int, list[str]] | None = None
    for cuts in itertools.combinations(range(1, len(terms)), k - 1):
        bounds = (0, *cuts, len(terms))
        lines = [" ".join(terms[a:b]) for a, b in itertools.pairwise(bounds)]
        widest = max(_glyphs(line) for line in lines)
        if best is None or widest < best[0]:
            best = (widest, lines)
    return best[1] if best else [" ".join(terms)]


_SIZES = (("", 1.0), ("\\small ", 0.9), ("\\footnotesize ", 0.8), ("\\scriptsize ", 0.7))


def _sized(tex: str, widest: int) -> str | None:
    for size, factor in _SIZES:
        if widest * factor <= LINE_GLYPHS:
            return size + tex
    return None


def fit_latex(tex: str) -> str:
    """A formula laid out for the sidebar: set a little smaller if that makes it fit; else a long sum is broken
    into balanced lines at its top-level + and − (parentheses are never split); what is still too wide is set
    smaller (the element still scrolls sideways if needed)."""
    lines = tex.split("\\\\")
    widest = max(_glyphs(line) for line in lines)
    if widest * 0.9 <= LINE_GLYPHS or len(lines) > 1 or "\\begin" in tex:
        return _sized(tex, widest + (2 if len(lines) > 1 else 0)) or "\\scriptsize " + tex
    terms = _top_level_terms(tex)
    for k in range(2, min(4, len(terms)) + 1):
        packed = _balanced(terms, k)
        aligned = "\\begin{aligned}&" + "\\\\&\\quad ".join(packed) + "\\end{aligned}"
        fitted = _sized(aligned, max(_glyphs(line) for line in packed) + 2)
        if fitted is not None and (fitted == aligned or k == min(4, len(terms))):
            return fitted
    return _sized(tex, widest) or "\\scriptsize " + tex


# ----------------------------------------------------------------------------- runs
def _swatch(i: int) -> str:
    return (
        f"<span class='swatch' style='background:{current_look().theme.run_color(i)}'></span>"
        f"<span class='run-title'>{fmt('Run {n}', n=i + 1)}</span>"
    )


def runs_section() -> None:
    ss = st.session_state
    n = int(ss.get(state.N_RUNS, 0))
    st.markdown("#### " + _("Optimizers"))
    names = list(OPTIMIZERS)
    edit_runs = not state.hidden("runs")
    for i in range(n):
        with st.container(border=True, key=f"run{i}_box"):
            head = st.container(horizontal=True, vertical_alignment="center", gap="small")
            head.html(_swatch(i), width="stretch")
            if edit_runs:
                head.button(
                    "",
                    icon=":material/content_copy:",
                    key=f"run{i}_duplicate",
                    help=_("Duplicate this run"),
                    on_click=state.duplicate_run,
                    args=(i,),
                    type="tertiary",
                    disabled=n >= MAX_RUNS,
                )
                head.button(
                    "",
                    icon=":material/close:",
                    key=f"run{i}_remove",
                    help=_("Remove this run"),
                    on_click=state.remove_run,
                    args=(i,),
                    type="tertiary",
                    disabled=n <= 1,
                )
            if not state.hidden("optimizer"):
                st.selectbox(
                    _("Optimizer"),
                    names,
                    key=f"run{i}_optimizer",
                    label_visibility="collapsed",
                    format_func=lambda o: OPTIMIZERS[o].name,
                    on_change=state.on_optimizer_change,
                    args=(i,),
                )
            spec = OPTIMIZERS.get(str(ss.get(f"run{i}_optimizer")), OPTIMIZERS["sgd"])
            primary = [p for p in spec.hyperparams if p.name in PRIMARY]
            rest = [p for p in spec.hyperparams if p.name not in PRIMARY]
            for p in primary:
                if state.hidden("lr" if p.name == "lr" else "params"):
                    continue
                hyperparam_widget(p, f"run{i}_{p.name}")
            if not state.hidden("params"):
                ss.setdefault(f"run{i}_schedule", state.SCENE_SCHEDULE)
            if rest and not state.hidden("params"):
                changed = [p.name for p in rest if not state.same(ss.get(f"run{i}_{p.name}", p.default), p.default)]
                label = fmt("More: {names}", names=", ".join(p.name for p in rest))
                own_schedule = ss.get(f"run{i}_schedule", state.SCENE_SCHEDULE) != state.SCENE_SCHEDULE
                with st.expander(
                    label if len(label) < 44 else label[:42] + "…", expanded=bool(changed) or own_schedule
                ):
                    for p in rest:
                        hyperparam_widget(p, f"run{i}_{p.name}")
                    _run_schedule(i)
                    _run_batch(i)
            elif not state.hidden("params"):
                with st.expander(_("More: schedule")):
                    _run_schedule(i)
                    _run_batch(i)
    if edit_runs:
        st.button(
            _("Add optimizer"),
            icon=":material/add:",
            key="add_run",
            on_click=state.add_run,
            disabled=n >= MAX_RUNS,
            width="stretch",
        )


def _run_batch(i: int) -> None:
    """On a dataset surface: this run's own mini-batch size (0: the scene's), so SGD, a mini-batch and the full
    batch can be three paths on one map."""
    surf = state.current_surface()
    n = getattr(getattr(surf, "data", None), "n", None) or getattr(surf, "n_samples", None)
    if n is None:
        from optim_core.batches import dataset_of

        data = dataset_of(surf) if surf is not None else None
        n = data.n if data is not None else None
    if n is None:
        return
    st.session_state.setdefault(f"run{i}_batch", 0)
    st.number_input(
        _("Mini-batch size of this run"),
        min_value=0,
        max_value=int(n),
        step=1,
        key=f"run{i}_batch",
        help=fmt("1 = SGD, {n} = full batch, 0 = the scene's batch size (Steps & training)", n=int(n)),
    )


def _run_schedule(i: int) -> None:
    """This run's own learning-rate schedule, or the scene's (Steps & training)."""
    st.selectbox(
        _("Learning-rate schedule of this run"),
        [state.SCENE_SCHEDULE, *SCHEDULES],
        key=f"run{i}_schedule",
        format_func=lambda s: (
            _("the scene's (Steps & training)") if s == state.SCENE_SCHEDULE else _(SCHEDULES[s].name)
        ),
    )


# ----------------------------------------------------------------------------- starts
def starts_section(dim: int) -> None:
    ss = st.session_state
    n = int(ss.get(state.N_STARTS, 1))
    st.markdown("#### " + _("Start points"))
    for j in range(n):
        if dim == 2:
            cx, cy, cb = st.columns([5, 5, 1.6], gap="small", vertical_alignment="bottom")
        else:
            cx, cb = st.columns([10, 1.6], gap="small", vertical_alignment="bottom")
            cy = None
        show = "visible" if j == 0 else "collapsed"
        # the value lives in session_state (the key); Streamlit's overloads want it passed as well
        cx.number_input("x", key=f"start{j}_x", format="%g", step=0.1, label_visibility=show)  # type: ignore[call-overload]
        if cy is not None:
            cy.number_input("y", key=f"start{j}_y", format="%g", step=0.1, label_visibility=show)  # type: ignore[call-overload]
        cb.button(
            "",
            icon=":material/close:",
            key=f"start{j}_remove",
            help=_("Remove this start"),
            on_click=state.remove_start,
            args=(j,),
            type="tertiary",
            disabled=n <= 1,
        )
    row = st.container(horizontal=True, gap="small")
    if dim == 2:
        row.button(
            _("Add start"),
            icon=":material/add:",
            key="add_start",
            on_click=state.on_add_start,
            disabled=n >= MAX_STARTS,
        )
    row.button(_("Default"), icon=":material/restart_alt:", key="starts_reset", on_click=state.reset_starts)
    if dim == 2:
        st.caption(_("Or click the map: the switch above it chooses move or add."))


# ----------------------------------------------------------------------------- steps, schedule, noise, clipping
def training_section() -> None:
    ss = st.session_state
    st.markdown("#### " + _("Steps & training"))
    st.number_input(
        _("Steps"),
        min_value=1,
        max_value=MAX_STEPS,
        step=50,
        key="steps",
        help=fmt("Optimizer steps per run (1 – {max})", max=f"{MAX_STEPS:,}"),
    )
    batch.controls(state.current_surface())  # batch size and shuffle seed on a dataset surface (engine)
    st.selectbox(
        _("Learning-rate schedule"), list(SCHEDULES), key="schedule", format_func=lambda s: _(SCHEDULES[s].name)
    )
    sched = SCHEDULES.get(str(ss.get("schedule")), SCHEDULES["constant"])
    for p in sched.hyperparams:
        hyperparam_widget(p, f"schedule_{p.name}")
    with st.expander(_("Gradient noise & clipping"), expanded=bool(ss.get("noise_std") or ss.get("clip_on"))):
        float_select(
            _("Gradient noise σ"),
            "noise_std",
            NOISE_GRID,
            0.0,
            help=_(
                "Adds Gaussian noise of this standard deviation to every gradient, like mini-batch "
                "sampling. 0 = exact gradients."
            ),
        )
        st.number_input(
            _("Noise seed"),
            min_value=0,
            max_value=2**31 - 1,
            step=1,
            key="noise_seed",
            disabled=not ss.get("noise_std"),
        )
        st.toggle(_("Clip the gradient norm"), key="clip_on")
        float_select(
            _("Max gradient norm"),
            "clip",
            log_grid(1e-3, 1e3),
            1.0,
            disabled=not ss.get("clip_on"),
            help=_("torch.nn.utils.clip_grad_norm_: gradients longer than this are scaled down to it."),
        )


# ----------------------------------------------------------------------------- view window
def view_section(dim: int) -> None:
    with st.expander(_("View window")):
        c0, c1 = st.columns(2, gap="small")
        c0.number_input(_("x min"), key="view_x0", format="%g", step=0.5)
        c1.number_input(_("x max"), key="view_x1", format="%g", step=0.5)
        if dim == 2:
            c0, c1 = st.columns(2, gap="small")
            c0.number_input(_("y min"), key="view_y0", format="%g", step=0.5)
            c1.number_input(_("y max"), key="view_y1", format="%g", step=0.5)
        st.button(
            _("Reset to the surface's domain"),
            icon=":material/fit_screen:",
            key="view_reset",
            on_click=state.reset_view,
            width="stretch",
        )
