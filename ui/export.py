"""The Export tab: GIF / MP4 / PNG of the current scene (a 1-D curve too), an interactive HTML page, CSV / JSON
of every path, the scene config (download and upload), and a runnable PyTorch script for any run.

Everything is drawn in this session's look (ui.looks.current_look: the theme from the link or the switch, the
presentation scale, the language), so a file has the colours of the screen.  What a render may cost is known
before it starts (export.scene.scene_limits): the frames slider is capped at what the chosen size allows for
this scene, sizes that allow no animation say so, and a format over its limit is disabled with the reason.

Rendering runs inside a fragment with a progress bar, so a long render reruns only this tab and never the
views; finished files are kept per scene, look and options, so the download button survives reruns.  Data
files and the HTML page are built when their download button is clicked (Streamlit calls the function then),
not on every visit.

An uploaded config replaces the scene through ui.state.apply_scene and then reruns the whole app: the sidebar
is drawn outside this fragment, and without a full rerun its widgets would keep — and send back — their old
values (a bug a browser shows and AppTest does not).
"""

from __future__ import annotations

import hashlib

import streamlit as st

import i18n
from export.data import MAX_ROWS, paths_csv, paths_json, stride_for
from export.inputs import ExportError
from export.scene import RenderOptions, export_scene, scene_limits
from export.snippet import torch_snippet
from look import GRID_N, Look, curve_view, run_views, surface_view
from optim_core.scene import MAX_CONFIG_BYTES, ResolvedScene, Scene
from viz import standalone_html

from . import heavy, state
from .looks import current_look
from .text import _, fmt, join, lang, message

SIZES = {
    "480 × 360": (480, 360),
    "640 × 480": (640, 480),
    "800 × 600": (800, 600),
    "1280 × 720 (HD)": (1280, 720),
    "1920 × 1080 (Full HD)": (1920, 1080),
}
MIME = {"gif": "image/gif", "mp4": "video/mp4", "png": "image/png"}
RENDERED = "_export_rendered"  # {(scene, look, options, format) digest: bytes}
UPLOAD_ERROR = "_export_upload_error"
UPLOAD_OK = "_export_upload_ok"
MIN_FRAMES, FRAME_STEP = 10, 10  # the frames slider


@st.cache_resource(max_entries=4, show_spinner=False)
def _trajectories(key: str, _resolved: ResolvedScene):
    """One simulation per scene, shared by the data files and every render of this tab."""
    return _resolved.simulate()


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def _slug(scene: Scene) -> str:
    base = scene.surface if scene.surface.isidentifier() else "custom"
    return f"{base}-{'-'.join(r.optimizer for r in scene.runs)}"


def _on_upload() -> None:
    """Load an uploaded scene config (a callback: it runs before the widgets are drawn)."""
    ss = st.session_state
    ss.pop(UPLOAD_ERROR, None)
    uploaded = ss.get("export_upload")
    if uploaded is None:
        return
    try:
        scene = Scene.from_json(uploaded.getvalue())
    except ValueError as exc:  # SpecError / FormulaError / bad JSON: one line
        ss[UPLOAD_ERROR] = exc
        return
    state.apply_scene(scene, from_fragment=True)
    ss[UPLOAD_OK] = True


def _look_caption(look: Look) -> str:
    size = _("presentation size") if look.scale > 1 else _("normal size")
    return fmt(
        "Rendered on the server in this page's look — {theme}, {size}, {language} — so the colours, legend and "
        "step counter match the screen. Change them in the sidebar.",
        theme=_(look.theme.label),
        size=size,
        language=i18n.NAMES.get(look.lang.code, look.lang.code),
    )


def _size_label(label: str, allowed: int) -> str:
    return label if allowed >= MIN_FRAMES else fmt("{size} — too large for this scene", size=label)


def _options(resolved: ResolvedScene, look: Look) -> tuple[RenderOptions, dict[str, int]]:
    """The render options from the widgets, and the most frames each format allows at the chosen size."""
    ss = st.session_state
    one_d = resolved.dim == 1
    # the view, frame rate and pause decide the limits: read them first, draw them below
    view = "contour" if one_d else str(ss.get("export_view", "contour"))
    theta = bool(ss.get("export_theta", True))
    probe = RenderOptions(
        view=view, theta=theta, fps=float(ss.get("export_fps", 20)), pause_s=float(ss.get("export_pause", 1.5))
    )
    limits = {f: scene_limits(resolved, probe, f) for f in ("gif", "mp4", "png")}
    c1, c2, c3 = st.columns(3)
    label = c1.selectbox(
        _("Size"),
        list(SIZES),
        index=1,
        key="export_size",
        format_func=lambda lab: _size_label(lab, limits["gif"][SIZES[lab]]),
        help=_("Larger sizes allow fewer frames: every render must fit a few seconds of server time."),
    )
    size = SIZES[str(label)]
    allowed = {f: limits[f][size] for f in limits}
    fps = c2.slider(_("Frames per second"), 5, 60, 20, key="export_fps")
    cap = max(MIN_FRAMES, allowed["gif"] // FRAME_STEP * FRAME_STEP)
    if int(ss.get("export_frames", 150)) > cap:  # the slider's value must stay within its new range
        ss["export_frames"] = cap
    frames = c3.slider(
        _("Frames"),
        MIN_FRAMES,
        cap,
        min(150, cap),
        step=FRAME_STEP,
        key="export_frames",
        disabled=allowed["gif"] < MIN_FRAMES,
        help=fmt(
            "Steps are subsampled evenly; the final step is always included. At this size this scene allows "
            "up to {n} frames.",
            n=allowed["gif"],
        ),
    )
    c4, c5, c6 = st.columns(3)
    pause = c4.slider(_("Pause on the last frame (s)"), 0.0, 5.0, 1.5, step=0.5, key="export_pause")
    loop = c5.toggle(_("Loop forever"), value=True, key="export_loop")
    if one_d:
        theta = c6.toggle(
            _("θ against the iteration beside the curve"),
            value=True,
            key="export_theta",
            help=_("The course's first plot: the iterate θ against the step, next to the ball on the curve."),
        )
    else:
        view = c6.radio(
            _("View"),
            ["contour", "3d"],
            horizontal=True,
            key="export_view",
            format_func=lambda v: _("Contour") if v == "contour" else _("3-D surface"),
        )
    options = RenderOptions(
        size=size,
        fps=float(fps),
        frames=int(frames),
        pause_s=float(pause),
        loop=0 if loop else 1,
        view=str(view),
        theta=bool(theta),
        theme=look.theme.name,
        scale=look.scale,
        lang=look.lang.code,
    )
    return options, allowed


def _refusal(kind: str, options: RenderOptions, allowed: dict[str, int]) -> str | None:
    """Why this render would be refused (one line), or None: said before the click, not after the work."""
    if allowed[kind] == 0 or (kind != "png" and allowed[kind] < 2):
        return fmt("{what} at this size is too heavy for this scene: choose a smaller size.", what=kind.upper())
    if kind != "png" and options.frames > allowed[kind]:
        return fmt(
            "{what} at this size: at most {n} frames for this scene. Lower the frames or the size.",
            what=kind.upper(),
            n=allowed[kind],
        )
    return None


def _render_key(resolved: ResolvedScene, options: RenderOptions, kind: str) -> str:
    return _digest(resolved.key, repr(options), kind)


def _render_button(resolved: ResolvedScene, options: RenderOptions, kind: str, label: str, refusal: str | None) -> None:
    """The button that renders `kind`; the file lands in the session's store (shown by _results)."""
    store: dict = st.session_state.setdefault(RENDERED, {})
    clicked = st.button(label, key=f"export_render_{kind}", width="stretch", disabled=refusal is not None)
    if refusal is not None:
        st.caption(refusal)
    if not clicked or refusal is not None:
        return
    what = kind.upper()
    bar = st.progress(0.0, text=fmt("Rendering {what}…", what=what))
    try:
        with heavy.job(fmt("Rendering {what}…", what=what), spinner=False):
            data = export_scene(
                resolved.scene,
                kind,
                options,
                trajectories=_trajectories(resolved.key, resolved),
                progress=lambda f: _progress(bar, what, f),
            )
    except i18n.UserError as exc:  # budget, options, a busy server: its one line (another error: ui.guard)
        bar.empty()
        st.error(message(exc))
        return
    bar.empty()
    if len(store) >= 3:  # keep memory bounded: only the latest few renders
        store.pop(next(iter(store)))
    store[_render_key(resolved, options, kind)] = data


def _results(resolved: ResolvedScene, options: RenderOptions) -> None:
    """The rendered files of these options: a download button each, and a preview at the file's own size."""
    store: dict = st.session_state.get(RENDERED, {})
    done = [(k, store[_render_key(resolved, options, k)]) for k in MIME if _render_key(resolved, options, k) in store]
    if not done:
        return
    for col, (kind, data) in zip(st.columns(len(done)), done):
        with col:
            st.download_button(
                fmt("Download {what} ({size} KB)", what=kind.upper(), size=f"{len(data) / 1024:.0f}"),
                data,
                file_name=f"{_slug(resolved.scene)}.{kind}",
                mime=MIME[kind],
                key=f"export_download_{kind}",
                width="stretch",
                type="primary",
            )
            if kind == "mp4":
                st.video(data)
            else:
                st.image(data, caption=fmt("{what} preview", what=kind.upper()), width=options.size[0])


def _progress(bar, what: str, fraction: float) -> None:
    bar.progress(fraction, text=fmt("Rendering {what}… {pct}", what=what, pct=f"{fraction:.0%}"))


def _page(resolved: ResolvedScene, look: Look) -> str:
    """The interactive HTML page of the scene, in this look (built when its download button is clicked)."""
    runs = run_views(_trajectories(resolved.key, resolved), resolved.scene.run_labels())
    if resolved.dim == 1:
        return standalone_html(curve_view(resolved.surface, resolved.window), runs, look=look)
    (x0, x1), (y0, y1) = resolved.window
    sv = surface_view(resolved.surface, ((x0, x1), (y0, y1)), GRID_N, theme=look.theme)
    return standalone_html(sv, runs, resolved.starts, value=resolved.surface.value, look=look)


def _data_help(resolved: ResolvedScene) -> str:
    """The data files' help: their columns, and when this scene's file keeps only every k-th step."""
    coords = "x" if resolved.dim == 1 else "x, y"
    text = fmt(
        "One row per run, start and step: {coords}, loss, gradient norm, the lr used, and every hyperparameter.",
        coords=coords,
    )
    paths = len(resolved.runs) * len(resolved.starts)
    rows = paths * (resolved.steps + 1)
    stride = stride_for(paths, rows, MAX_ROWS)
    if stride > 1:
        text = join(
            text,
            fmt(
                "This scene has {rows} rows, more than a file holds ({max}): it keeps one step in {k}, and the "
                "first, the last and the divergence steps.",
                rows=f"{rows:,}",
                max=f"{MAX_ROWS:,}",
                k=stride,
            ),
        )
    return text


@st.fragment
def render(resolved: ResolvedScene) -> None:
    state.rerun_app_if_asked()
    scene = resolved.scene
    look = current_look()
    st.markdown("#### " + _("Animation and picture"))
    st.caption(_look_caption(look))
    options, allowed = _options(resolved, look)
    b1, b2, b3, b4 = st.columns(4)
    with b1:
        _render_button(resolved, options, "gif", _("Render GIF"), _refusal("gif", options, allowed))
    with b2:
        _render_button(resolved, options, "mp4", _("Render MP4"), _refusal("mp4", options, allowed))
    with b3:
        _render_button(resolved, options, "png", _("Render PNG snapshot"), _refusal("png", options, allowed))
    with b4:
        st.download_button(
            _("Interactive HTML"),
            lambda: _page(resolved, look),
            file_name=f"{_slug(scene)}.html",
            mime="text/html",
            key="export_html",
            width="stretch",
            on_click="ignore",
            help=_(
                "One file that plays the animation in any browser, offline: play, pause, speed, scrub, hover "
                "and zoom, in the same look."
            ),
        )
    _results(resolved, options)

    st.markdown("#### " + _("Data and scene"))
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        _("Paths as CSV"),
        lambda: paths_csv(scene, _trajectories(resolved.key, resolved)),
        file_name=f"{_slug(scene)}.csv",
        mime="text/csv",
        key="export_csv",
        width="stretch",
        on_click="ignore",
        help=_data_help(resolved),
    )
    d2.download_button(
        _("Paths as JSON"),
        lambda: paths_json(scene, _trajectories(resolved.key, resolved)),
        file_name=f"{_slug(scene)}.json",
        mime="application/json",
        key="export_json",
        width="stretch",
        on_click="ignore",
        help=_data_help(resolved),
    )
    d3.download_button(
        _("Scene config"),
        scene.to_json(),
        file_name=f"{_slug(scene)}.scene.json",
        mime="application/json",
        key="export_scene",
        width="stretch",
        on_click="ignore",
        help=_(
            "Reload it here (below), or render it from a terminal: "
            "python -m optim_core render --config scene.json --out paths.gif"
        ),
    )
    st.file_uploader(
        fmt("Load a scene config (a .json file, at most {kb} KB)", kb=MAX_CONFIG_BYTES // 1000),
        type=["json"],
        key="export_upload",
        on_change=_on_upload,
        help=_("A .scene.json downloaded from this page (or written by hand)."),
    )
    with st.container(key="export_error"):
        if st.session_state.get(UPLOAD_ERROR) is not None:
            st.error(message(st.session_state[UPLOAD_ERROR]))
        if st.session_state.pop(UPLOAD_OK, False):
            st.success(_("Scene loaded from the file."))

    st.markdown("#### " + _("Reproduce a run in PyTorch"))
    labels = [f"{r.index + 1}. {r.label_in(lang())}" for r in resolved.runs]
    choice = st.selectbox(_("Run"), range(len(labels)), format_func=lambda i: labels[i], key="export_snippet_run")
    choice = min(int(choice or 0), len(labels) - 1)
    starts = resolved.starts
    start = 0
    if len(starts) > 1:
        start = st.selectbox(
            _("Start point"),
            range(len(starts)),
            key="export_snippet_start",
            format_func=lambda j: "(" + ", ".join(f"{c:g}" for c in starts[min(j, len(starts) - 1)]) + ")",
        )
        start = min(int(start or 0), len(starts) - 1)
    try:
        code = torch_snippet(scene, choice, start)
    except ExportError as exc:  # a textbook form torch does not have (engine)
        st.info(message(exc), icon=":material/info:")
        return
    st.caption(
        fmt(
            "Uses the reference implementation ({reference}); its path matches the one shown here to ~1e-12.",
            reference=resolved.runs[choice].spec.reference,
        )
    )
    st.code(code, language="python")
    st.download_button(
        _("Download script"),
        code,
        file_name=f"reproduce_{resolved.runs[choice].spec.id}.py",
        mime="text/x-python",
        key="export_snippet_download",
        on_click="ignore",
    )
