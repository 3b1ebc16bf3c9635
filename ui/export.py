"""The Export tab: GIF / MP4 / PNG of the current scene, CSV / JSON of every path, the scene config
(download and upload), and a runnable PyTorch script for any run.

Rendering runs inside a fragment with a progress bar, so a long render reruns only this tab and never the
views; finished files are kept per scene and options, so the download button survives reruns. Data files
are built when their download button is clicked (Streamlit calls the function then), not on every visit.

An uploaded config replaces the scene through ui.state.apply_scene and then reruns the whole app: the sidebar
is drawn outside this fragment, and without a full rerun its widgets would keep — and send back — their old
values (a bug a browser shows and AppTest does not).
"""

from __future__ import annotations

import hashlib

import streamlit as st

from export import GIF_LIMITS
from export.data import paths_csv, paths_json
from export.inputs import ExportError
from export.scene import RenderOptions, export_scene
from export.snippet import torch_snippet
from optim_core.scene import MAX_CONFIG_BYTES, ResolvedScene, Scene

from . import state
from .text import _, fmt, message

SIZES = {"480 × 360": (480, 360), "640 × 480": (640, 480), "800 × 600": (800, 600), "1280 × 720 (HD)": (1280, 720)}
MIME = {"gif": "image/gif", "mp4": "video/mp4", "png": "image/png"}
RENDERED = "_export_rendered"  # {(scene, options, format) digest: bytes}
UPLOAD_ERROR = "_export_upload_error"
UPLOAD_OK = "_export_upload_ok"


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


def _options() -> RenderOptions:
    c1, c2, c3 = st.columns(3)
    size = SIZES[c1.selectbox(_("Size"), list(SIZES), index=1, key="export_size")]
    fps = c2.slider(_("Frames per second"), 5, 60, 20, key="export_fps")
    frames = c3.slider(
        _("Frames"),
        10,
        GIF_LIMITS["frames"][1],
        150,
        step=10,
        key="export_frames",
        help=_("Steps are subsampled evenly; the final step is always included."),
    )
    c4, c5, c6 = st.columns(3)
    pause = c4.slider(_("Pause on the last frame (s)"), 0.0, 5.0, 1.5, step=0.5, key="export_pause")
    loop = c5.toggle(_("Loop forever"), value=True, key="export_loop")
    view = c6.radio(
        _("View"),
        ["contour", "3d"],
        horizontal=True,
        key="export_view",
        format_func=lambda v: _("Contour") if v == "contour" else _("3-D surface"),
    )
    return RenderOptions(
        size=size, fps=float(fps), frames=int(frames), pause_s=float(pause), loop=0 if loop else 1, view=view
    )


def _render_button(resolved: ResolvedScene, options: RenderOptions, kind: str, label: str) -> None:
    scene = resolved.scene
    key = _digest(resolved.key, repr(options), kind)
    store: dict = st.session_state.setdefault(RENDERED, {})
    if st.button(label, key=f"export_render_{kind}", width="stretch"):
        what = kind.upper()
        bar = st.progress(0.0, text=fmt("Rendering {what}…", what=what))
        try:
            data = export_scene(
                scene,
                kind,
                options,
                trajectories=_trajectories(resolved.key, resolved),
                progress=lambda f: bar.progress(f, text=fmt("Rendering {what}… {pct}", what=what, pct=f"{f:.0%}")),
            )
        except ValueError as exc:
            bar.empty()
            st.error(message(exc))
            return
        bar.empty()
        if len(store) >= 3:  # keep memory bounded: only the latest few renders
            store.pop(next(iter(store)))
        store[key] = data
    if key in store:
        data = store[key]
        st.download_button(
            fmt("Download {what} ({size} KB)", what=kind.upper(), size=f"{len(data) / 1024:.0f}"),
            data,
            file_name=f"{_slug(scene)}.{kind}",
            mime=MIME[kind],
            key=f"export_download_{kind}",
            width="stretch",
            type="primary",
        )
        if kind in ("gif", "png"):
            st.image(data, caption=fmt("{what} preview", what=kind.upper()))
        elif kind == "mp4":
            st.video(data)


@st.fragment
def render(resolved: ResolvedScene) -> None:
    state.rerun_app_if_asked()
    scene = resolved.scene
    st.markdown("#### " + _("Animation and picture"))
    st.caption(
        _(
            "Rendered on the server with Pillow in well under a second for most scenes: the same colours, "
            "legend and step counter as on screen, readable when projected."
        )
    )
    options = _options()
    b1, b2, b3 = st.columns(3)
    with b1:
        _render_button(resolved, options, "gif", _("Render GIF"))
    with b2:
        _render_button(resolved, options, "mp4", _("Render MP4"))
    with b3:
        _render_button(resolved, options, "png", _("Render PNG snapshot"))

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
        help=_("One row per run, start and step: x, y, loss, gradient norm, the lr used, and every hyperparameter."),
    )
    d2.download_button(
        _("Paths as JSON"),
        lambda: paths_json(scene, _trajectories(resolved.key, resolved)),
        file_name=f"{_slug(scene)}.json",
        mime="application/json",
        key="export_json",
        width="stretch",
        on_click="ignore",
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
    labels = [f"{r.index + 1}. {r.label}" for r in resolved.runs]
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
