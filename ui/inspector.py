"""The step inspector: why each optimizer moves the way it does, at the step the playback bar shows.

Off by default (one toggle under the legend): while it is off nothing is recorded and nothing is sent.  On, for
the chosen run (and start):

- the map shows the vectors of the shown step (−η·g, the velocity, Δθ, Nesterov's look-ahead, the decay pull,
  the effective learning rate as a rectangle): the data of every step goes to the page once
  (:func:`overlay`, passed to the playback bar), and the bar redraws them as the shown step changes — while
  stepping and playing — with no server round trip;
- beside the map, for the step the bar settles on (its reported ``player.step``): the step in plain words, the
  rule's symbols with this step's numbers (and the branch it took), a close-up of the step, the effective
  learning rate over the steps, the rule itself, and a table of every step (CSV).

The recorded runs are cached per run (``resolved.run_key``), like ui/compute.py's trajectories: moving through
the steps recomputes nothing.  The recording is inside the per-request CPU budget (ui.heavy): the scene's
simulation and the inspected run's recording together must fit ``heavy.CPU_BUDGET_S``, else the panel says so in
one line and nothing is recorded; a recording over ``heavy.HEAVY_S`` waits in the job line.
"""

from __future__ import annotations

import contextlib
import html
from typing import Any

import streamlit as st

from explain import (
    LAYER_IDS,
    LAYERS,
    StepVectors,
    branch_text,
    equation,
    narrate,
    recorded_run,
    step_table,
    step_vectors,
)
from look import Look, make_look
from optim_core.scene import ResolvedScene
from optim_core.trajectory import Trajectory
from viz.inspector import closeup_figure, efflr_figure, overlay_data

from . import heavy, state
from .looks import current_look
from .text import _, fmt, lang, safe

TOGGLE = "inspect"
RUN = "insp_run"
START = "insp_start"
SHOW = "insp_layers"
EFFLR_CHART = "insp_efflr"
CLOSEUP_CHART = "insp_closeup"
TABLE_ROWS = 7  # rows shown each side of the current step (the CSV has every step)
LAYER_SHORT = {layer.id: layer.short for layer in LAYERS}

# The arrows on the map and the step's numbers must be on the screen together (a teacher points at both).
# From 900 px wide the panel is beside the map (between 900 and 1199 px, where the page otherwise stacks the
# columns, ui/style.py, the map takes 63 % and the panel 37 %), and the map stays in view (sticky) as the page
# scrolls.  Below 1200 px the bar, the toggle, the head line and the numbers (the rule with this step's values)
# come first, the rest of the panel after them.  Below 900 px (phones) the columns stack: those come right under
# the map, and the map leaves them room in the viewport (the bar measures it: ui/player.js ``below``); a sticky
# map would cover them there.
CSS = """
<style>
@media (min-width: 900px) {
  .st-key-traj_cols .st-key-contour { position: sticky; top: 2.9rem; z-index: 2; }
}
@media (min-width: 900px) and (max-width: 1199px) {
  .st-key-traj_cols [data-testid="stHorizontalBlock"] { flex-wrap: nowrap !important; }
  .st-key-traj_cols [data-testid="stColumn"]:first-child {
    flex: 1 1 63% !important; width: 63% !important; min-width: 0 !important; }
  .st-key-traj_cols [data-testid="stColumn"]:last-child {
    flex: 1 1 37% !important; width: 37% !important; min-width: 0 !important; }
}
@media (max-width: 1199px) {
  .st-key-traj_cols [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > .st-key-player { order: -2; }
  .st-key-traj_cols [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > .st-key-inspect,
  .st-key-traj_cols [data-testid="stColumn"] > [data-testid="stVerticalBlock"] > :has(> .st-key-inspector) {
    order: -1; }
  .st-key-inspector > :has(.insp-head) { order: -2; }
  .st-key-inspector > :has(> .st-key-insp_numbers) { order: -1; }
  .st-key-insp_numbers .katex-display { margin: 0.1rem 0; }
  .st-key-insp_numbers .katex { font-size: 0.93em; }
  .st-key-traj_cols [data-testid="stColumn"] > [data-testid="stVerticalBlock"] { gap: 0.6rem; }
}
.st-key-inspector .insp-head { font-weight: 700; font-size: 1.02rem; }
.st-key-inspector [data-testid="stMarkdownContainer"] p { font-size: 0.93rem; line-height: 1.45; }
.st-key-inspector .katex-display { overflow-x: auto; overflow-y: hidden; margin: 0.3rem 0; }
.st-key-inspector .katex { font-size: 1.02em; }
.st-key-inspector [data-testid="stCaptionContainer"] { margin-top: -0.4rem; }
.st-key-inspector [data-testid="stVerticalBlock"] { gap: 0.55rem; }
.st-key-insp_layers button { min-height: 1.7rem; padding: 0.05rem 0.55rem; }
</style>
"""


def is_on() -> bool:
    return bool(st.session_state.get(TOGGLE))


@st.cache_resource(max_entries=16, show_spinner=False)
def recorded(run_key: str, _resolved: ResolvedScene, _i: int) -> tuple[Trajectory, StepVectors]:
    """Run i with its state recorded, and its vectors (cached per run: the same key as its trajectory)."""
    _sim, rec = costs(_resolved, _i)
    with heavy.quiet_job() if rec > heavy.HEAVY_S else contextlib.nullcontext():
        traj = recorded_run(_resolved, _i)
        return traj, step_vectors(traj)


def costs(resolved: ResolvedScene, i: int) -> tuple[float, float]:
    """Predicted CPU seconds (ui.heavy's model) of the scene's simulation, and of recording run i for the
    inspector (the run again with its state, its vectors, its table as CSV)."""
    width = len(resolved.starts)
    sim = sum(
        heavy.simulation_seconds(resolved.surface, resolved.steps, width, minibatch=r.batch_size is not None)
        for r in resolved.runs
    )
    r = resolved.runs[i]
    cols = heavy.table_columns(resolved.dim, len(r.spec.buffers), len(r.spec.indicators))
    rec = heavy.recording_seconds(
        resolved.surface, resolved.steps, width, columns=cols, minibatch=r.batch_size is not None
    )
    return sim, rec


def over_budget(resolved: ResolvedScene, i: int) -> str | None:
    """One line when the scene's simulation and run i's recording would cost more CPU than one request may
    use (ui.heavy.CPU_BUDGET_S); None when they fit."""
    sim, rec = costs(resolved, i)
    if sim + rec <= heavy.CPU_BUDGET_S:
        return None
    return fmt(
        "Inspecting a step here would take about {seconds} s of the server's time with the simulation, more "
        "than one request may use ({limit} s): lower the steps, the starts or the runs",
        seconds=f"{sim + rec:.0f}",
        limit=f"{heavy.CPU_BUDGET_S:g}",
    )


@st.cache_data(max_entries=16, show_spinner=False)
def _overlay(key: str, _resolved: ResolvedScene, runs: tuple[int, ...], layers: tuple[str, ...], look_key: str) -> dict:
    look = _look(look_key)
    items = []
    for i in runs:
        _traj, vec = recorded(_resolved.run_key(i), _resolved, i)
        items.append((i, _resolved.runs[i].label_in(look.lang), vec))
    return overlay_data(items, layers=layers, cursors=[EFFLR_CHART], look=look)


def _look(look_key: str) -> Look:
    """The session's look from its key (theme|scale|language): the inspector's colours follow the theme."""
    theme, scale, code = look_key.split("|")
    return make_look(theme, float(scale), code)


def _selection(resolved: ResolvedScene) -> tuple[int, int, list[str]]:
    """(run, start, layers) chosen in the panel, repaired if the scene changed under them."""
    ss = st.session_state
    n_runs, n_starts = len(resolved.runs), int(resolved.starts.shape[0])
    if not isinstance(ss.get(RUN), int) or not 0 <= ss[RUN] < n_runs:
        ss[RUN] = 0
    if not isinstance(ss.get(START), int) or not 0 <= ss[START] < n_starts:
        ss[START] = 0
    if not isinstance(ss.get(SHOW), list) or not set(ss[SHOW]) <= set(LAYER_IDS):
        ss[SHOW] = list(LAYER_IDS)
    return ss[RUN], ss[START], list(ss[SHOW])


def overlay(resolved: ResolvedScene) -> dict[str, Any] | None:
    """The data the playback bar draws on the map (viz.inspector.overlay_data), or None while the inspector
    is off."""
    if not is_on():
        return None
    run, _start, layers = _selection(resolved)
    if over_budget(resolved, run):
        return None
    return _overlay(resolved.run_key(run), resolved, (run,), tuple(layers), current_look().key)


def current_step(resolved: ResolvedScene) -> int:
    """The step the playback bar settled on (0 … steps); the last step before it reported one."""
    got = state.shown_step(resolved)
    return int(resolved.steps) if got is None else got


def render(resolved: ResolvedScene) -> None:
    """The toggle, and while it is on the panel of the current step (see the module docstring)."""
    st.toggle(
        _("Inspect the step"),
        key=TOGGLE,
        help=_(
            "Show why each step moves as it does: the gradient, the velocity and the step on the map, the rule "
            "with this step's numbers, and a table of every step. Step with ← → or the playback bar."
        ),
    )
    if not is_on():
        return
    st.html(CSS)
    with st.container(key="inspector"):
        too_dear = over_budget(resolved, _selection(resolved)[0])
        if too_dear:
            st.warning(too_dear, icon=":material/speed:")
            return
        _panel(resolved)


def _panel(resolved: ResolvedScene) -> None:
    run, start, layers = _selection(resolved)
    labels = {i: r.label_in(lang()) for i, r in enumerate(resolved.runs)}
    st.selectbox(_("Inspect run"), list(labels), key=RUN, format_func=lambda i: labels[i], label_visibility="collapsed")
    if resolved.starts.shape[0] > 1:
        st.selectbox(
            _("Start"),
            list(range(resolved.starts.shape[0])),
            key=START,
            format_func=lambda b: (
                fmt("start {n}", n=b + 1) + " (" + ", ".join(f"{c:g}" for c in resolved.starts[b]) + ")"
            ),
        )
    st.pills(
        _("Draw on the map"),
        list(LAYER_IDS),
        key=SHOW,
        selection_mode="multi",
        format_func=lambda lid: _(LAYER_SHORT[lid]),
        help=" · ".join(fmt("{short}: {name}", short=_(layer.short), name=_(layer.name)) for layer in LAYERS),
        label_visibility="collapsed",
    )
    traj, vec = recorded(resolved.run_key(run), resolved, run)
    t = current_step(resolved)
    spec = traj.optimizer
    look = current_look()
    st.html(
        "<div class='insp-head'>"
        + html.escape(resolved.runs[run].label_in(lang()))
        + " · "
        + html.escape(fmt("step {step} of {total}", step=t, total=traj.steps))
        + "</div>"
    )
    for sentence in narrate(traj, start, t, lang()):
        st.markdown(safe(sentence))
    diverged = traj.diverged_step(start)
    live = t >= 1 and (diverged is None or t < diverged)
    if live:
        eq = equation(traj, start, t)
        with st.container(key="insp_numbers"):  # first under the bar on narrow screens (CSS above)
            st.latex(eq.latex)
            for br in eq.branches:
                text = branch_text(br.indicator.meaning, br.value, lang())
                if text:
                    st.caption(safe(text))
        st.plotly_chart(
            closeup_figure(
                vec,
                t,
                start,
                f=traj.surface.value,
                layers=layers,
                color=look.theme.run_color(run),
                height=280,
                look=look,
            ),
            key=CLOSEUP_CHART,
            theme=None,
            config={"displayModeBar": False, "staticPlot": False},
        )
    if spec.adaptive:
        st.plotly_chart(
            efflr_figure(vec.layers["eff_lr"][:, start, :], t, look=look),
            key=EFFLR_CHART,
            theme=None,
            config={"displayModeBar": False},
        )
    with st.expander(_("The rule")):
        st.latex(spec.latex)
    with st.expander(_("Every step (table)")):
        table = _table(resolved.run_key(run), resolved, run, start)
        lo, hi = max(0, t - TABLE_ROWS), min(traj.steps, t + TABLE_ROWS)
        rows = table.rows(lo, hi)
        st.dataframe(
            {(_("step") if c == "step" else c): rows[:, k] for k, c in enumerate(table.columns)},  # CSV keeps "step"
            hide_index=True,
            height=min(420, 38 + 35 * len(rows)),
        )
        st.download_button(
            _("Download every step (CSV)"),
            data=_csv(resolved.run_key(run), resolved, run, start),
            file_name=f"{spec.id}-steps.csv",
            mime="text/csv",
            key="insp_csv",
            on_click="ignore",
        )


@st.cache_resource(max_entries=16, show_spinner=False)
def _table(run_key: str, _resolved: ResolvedScene, _i: int, start: int):
    traj, _vec = recorded(run_key, _resolved, _i)
    return step_table(traj, start)


@st.cache_data(max_entries=16, show_spinner=False)
def _csv(run_key: str, _resolved: ResolvedScene, _i: int, start: int) -> str:
    return _table(run_key, _resolved, _i, start).to_csv()
