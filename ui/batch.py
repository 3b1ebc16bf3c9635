"""Mini-batches on a dataset surface (linreg, logreg): the batch-size control, the dataset view, the batch panel.

* ``controls()`` — in the sidebar's training section, only on a dataset surface: the batch size (1 … N, powers
  of two marked, 1 = SGD, N = full batch) and the seed of the per-epoch reshuffling.
* ``write(scene)`` / ``read(surface)`` — the two widget keys ⇄ the Scene's ``batch_size`` / ``batch_seed``
  (ui.state calls them when it loads or builds a scene).
* ``dataset_chart(...)`` — the data with each run's current model, animated by the playback bar (its frames
  carry the contour map's frame names; chart key ``dataset``).
* ``panel(...)`` — generated from the run: gradient evaluations per step and per epoch, the noise of the
  gradient at the current point (its standard deviation across batches, from the per-sample gradients), and
  the course table (method · data per update · memory · noise · convergence) measured for batch sizes 1, a
  mini-batch and N, with the loss curves against epochs or steps.

Widget keys: batch_size, batch_seed, batch_x_axis, batch_run.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from look import Look
from look.fmt import num, sig
from optim_core.batches import MAX_SEED, Sampling, gradient_noise, steps_per_epoch
from optim_core.batchtable import BatchRow, compare_batch_sizes, default_batch_sizes
from optim_core.scene import ResolvedScene, Scene
from surfaces import Surface, dataset_of
from viz.dataset import batch_curves_figure, dataset_figure

from .looks import current_look
from .text import _, fmt, lang

BATCH = "batch_size"
SEED = "batch_seed"
EPOCHS = 20  # the table's budget: every batch size sees the data this many times
SUPERSCRIPT = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


# ----------------------------------------------------------------------------- scene ⇄ widgets
def write(scene: Scene) -> None:
    """The scene's batch size and seed into the widget keys (None: the full batch, shown as N)."""
    ss = st.session_state
    if scene.batch_size is not None:
        ss[BATCH] = int(scene.batch_size)
    else:
        ss.pop(BATCH, None)  # controls() shows N, the full batch
    ss[SEED] = int(scene.batch_seed)


def read(surface: Surface | None) -> tuple[int | None, int]:
    """(batch size or None for the full batch, seed) for the Scene; None on a surface without data."""
    ss = st.session_state
    seed = ss.get(SEED, 0)
    seed = int(seed) if isinstance(seed, (int, float)) and 0 <= seed <= MAX_SEED else 0
    data = dataset_of(surface) if surface is not None else None
    if data is None:
        return None, seed
    b = ss.get(BATCH)
    if not isinstance(b, (int, float)) or isinstance(b, bool) or not 1 <= int(b) < data.n:
        return None, seed
    return int(b), seed


def _label(b: int, n: int) -> str:
    if b == 1:
        return fmt("1 · SGD")
    if b == n:
        return fmt("{n} · full batch", n=n)
    if b & (b - 1) == 0:
        return f"{b} = 2{str(int(np.log2(b))).translate(SUPERSCRIPT)}"
    return str(b)


def controls(surface: Surface | None) -> None:
    """The batch size and the shuffle seed; nothing on a surface without data."""
    data = dataset_of(surface) if surface is not None else None
    if data is None:
        return
    ss = st.session_state
    n = data.n
    b = ss.get(BATCH, n)
    ss[BATCH] = int(b) if isinstance(b, (int, float)) and not isinstance(b, bool) and 1 <= b <= n else n
    st.select_slider(
        _("Batch size"),
        options=list(range(1, n + 1)),
        key=BATCH,
        format_func=lambda v: _label(int(v), n),
        help=fmt(
            "Samples whose gradients each step averages: 1 is SGD, {n} (all of them) full-batch gradient descent. "
            "Each epoch reshuffles the data and cuts it into batches, as a DataLoader with shuffle=True does.",
            n=n,
        ),
    )
    b = int(ss[BATCH])
    st.number_input(_("Shuffle seed"), min_value=0, max_value=MAX_SEED, step=1, key=SEED, disabled=b >= n)
    st.caption(
        fmt(
            "{spe} steps per epoch; each step averages the gradients of {b} of the {n} samples.",
            spe=steps_per_epoch(n, b),
            b=b,
            n=n,
        )
    )


# ----------------------------------------------------------------------------- the dataset view
def sampling_of(resolved: ResolvedScene) -> Sampling | None:
    data = dataset_of(resolved.surface)
    if data is None:
        return None
    return Sampling.of(data.n, resolved.batch_size or data.n, resolved.batch_seed, resolved.steps)


@st.cache_resource(max_entries=6, show_spinner=False)
def _dataset_fig(
    key: str,
    look_key: str,
    _resolved: ResolvedScene,
    _runs: Any,
    names: tuple[str, ...],
    steps: tuple[int, ...],
    _look: Look,
):
    data = dataset_of(_resolved.surface)
    assert data is not None
    return dataset_figure(
        data, _runs, frame_names=list(names), frame_steps=list(steps), sampling=sampling_of(_resolved), look=_look
    )


def dataset_chart(
    resolved: ResolvedScene, runs: Any, names: list[str], steps: list[int], height: int, look: Look | None = None
) -> None:
    """The data and each run's model, animated with the map (chart key "dataset"), in the session's look."""
    look = look or current_look()
    fig = _dataset_fig(resolved.key, look.key, resolved, runs, tuple(names), tuple(int(s) for s in steps), look)
    st.plotly_chart(fig, key="dataset", theme=None, config={"displaylogo": False}, height=height)


# ----------------------------------------------------------------------------- the panel
@st.cache_data(max_entries=16, show_spinner=False)
def _rows(run_key: str, _resolved: ResolvedScene, _i: int, sizes: tuple[int, ...]) -> list[BatchRow]:
    r = _resolved.runs[_i]
    noise = {"std": _resolved.noise.std, "seed": _resolved.noise.seed} if _resolved.noise else None
    return compare_batch_sizes(
        _resolved.surface,
        r.spec,
        dict(r.config.params),
        _resolved.starts[0],
        batch_sizes=sizes,
        epochs=EPOCHS,
        seed=_resolved.batch_seed,
        schedule=dict(r.schedule),  # the run's own schedule (or the scene's)
        noise=noise,
        clip=_resolved.clip,
    )


def _current_step(steps: int) -> int:
    got = (st.session_state.get("player") or {}).get("step")
    if isinstance(got, dict):  # the bar reports {"step", "scene"} (ui.state.shown_step)
        got = got.get("step")
    return int(min(max(got, 0), steps)) if isinstance(got, (int, float)) and not isinstance(got, bool) else steps


def table_rows(rows: list[BatchRow]) -> list[dict[str, Any]]:
    """The course table's rows, measured (column names translated)."""
    method, data_col, memory, noise, conv = (
        _("Method"),
        _("Data per update"),
        _("Memory per update"),
        _("Gradient noise (start → minimum)"),
        _("Convergence"),
    )
    out = []
    for r in rows:
        spe = r.steps_per_epoch
        reach = (
            fmt("within 1 % from epoch {e}", e=num(r.epochs_to_tol))
            if r.epochs_to_tol is not None
            else fmt("not within 1 % in {e} epochs", e=num(round(r.epochs, 2)))
        )
        out.append(
            {
                method: f"B = {r.batch_size} · {_(r.method)}",
                data_col: lang()
                .ngettext(
                    "{b} of {n} samples ({pct}); {spe} update per epoch",
                    "{b} of {n} samples ({pct}); {spe} updates per epoch",
                    spe,
                )
                .format(b=r.batch_size, n=r.n_samples, pct=sig(100 * r.data_fraction, 3) + " %", spe=spe),
                memory: fmt("{k} numbers", k=r.floats_per_update),
                noise: f"σ = {sig(r.noise_start, 3)} → {sig(r.noise_minimum, 3)}  (‖∇f‖ = {sig(r.grad_start, 3)})",
                conv: fmt(
                    "f − f* {one} after 1 epoch, {end} after {e}; hovers at {floor}; {reach}",
                    one=sig(r.gap_one_epoch, 3),
                    end=sig(r.gap_final, 3),
                    e=num(round(r.epochs, 2)),
                    floor=sig(r.gap_floor, 3),
                    reach=reach,
                )
                + (" — " + _("diverged") if r.diverged else ""),
            }
        )
    return out


def run_batch_size(resolved: ResolvedScene, i: int) -> int:
    """Run i's own batch size (each run may sample differently from the scene; N when it takes the full batch)."""
    data = dataset_of(resolved.surface)
    if data is None:
        raise ValueError("not a dataset surface")
    return resolved.runs[i].batch_size or data.n


def panel(resolved: ResolvedScene, runs: Any) -> None:
    """What mini-batches do on this dataset, measured on the scene's runs (see the module docstring)."""
    data = dataset_of(resolved.surface)
    if data is None:
        return
    n = data.n
    with st.container(border=True, key="batch_panel"):
        st.html(f"<span class='chart-title'>{_('Mini-batches: SGD, mini-batch, full batch')}</span>")
        i = 0
        if len(resolved.runs) > 1:  # the run first: every number below describes it (runs sample in their own way)
            i = st.selectbox(
                _("Run"),
                list(range(len(resolved.runs))),
                key="batch_run",
                format_func=lambda k: resolved.runs[k].label_in(lang()),
            )
            i = int(i) if isinstance(i, int) and 0 <= i < len(resolved.runs) else 0
        b = run_batch_size(resolved, i)
        spe = steps_per_epoch(n, b)
        c1, c2, c3, c4, c5 = st.columns(5, gap="small")
        c1.metric(_("Batch size"), _label(b, n))
        c2.metric(_("Gradient evaluations per step"), b)
        c3.metric(_("… per epoch"), n)
        c4.metric(_("Steps per epoch"), spe)
        c5.metric(_("Epochs run"), num(round(resolved.steps * b / n, 2)))
        run = runs[i]
        step = _current_step(run.steps)
        point = run.points[min(step, int(run.last_valid()[0])), 0]
        exact = float(np.linalg.norm(resolved.surface.gradient(point)))
        sigma = float(gradient_noise(data, point, b))
        sigma_one = float(gradient_noise(data, point, 1))
        st.markdown(
            fmt(
                "At step {step} ({x}, {y}): the exact gradient has length {g}; a batch of {b} estimates it with a "
                "standard deviation of {s} (one sample: {s1}; all {n}: 0). Noise ÷ signal = {ratio}.",
                step=step,
                x=sig(point[0], 4),
                y=sig(point[1], 4),
                g=sig(exact, 3),
                b=b,
                s=sig(sigma, 3),
                s1=sig(sigma_one, 3),
                n=n,
                ratio=sig(sigma / exact, 3) if exact > 0 else "∞",
            )
        )
        sizes = default_batch_sizes(n, b)
        rows = _rows(resolved.run_key(i), resolved, i, sizes)
        st.dataframe(table_rows(rows), hide_index=True, width="stretch")
        st.caption(
            fmt(
                "Measured: {opt} with this run's settings from the first start, {e} epochs for each batch size "
                "(the same number of per-sample gradients), reshuffled with seed {seed}. σ is the standard "
                "deviation of the batch gradient around the exact one, from the per-sample gradients.",
                opt=resolved.runs[i].label_in(lang()),
                e=EPOCHS,
                seed=resolved.batch_seed,
            )
        )
        x = st.segmented_control(
            _("x-axis"),
            ["epochs", "steps"],
            key="batch_x_axis",
            default="epochs",
            format_func=lambda v: _("epochs") if v == "epochs" else _("steps"),
            label_visibility="collapsed",
        )
        st.plotly_chart(
            batch_curves_figure(rows, x=x or "epochs", look=current_look()),
            key="batch_curves",
            theme=None,
            config={"displaylogo": False},
        )
