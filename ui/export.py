"""The Export tab: GIF / MP4 / PNG of the current scene, CSV / JSON of every path, the scene config
(download and upload), and a runnable PyTorch script for any run.

Rendering runs inside a fragment with a progress bar, so a long render reruns
only this tab and never the views; finished files are kept per scene and
options, so the download button survives reruns.
"""

from __future__ import annotations

import hashlib

import streamlit as st

from export import GIF_LIMITS
from export.data import paths_csv, paths_json
from export.scene import RenderOptions, export_scene
from export.snippet import torch_snippet
from optim_core.scene import Scene, simulate

from . import state

SIZES = {"480 × 360": (480, 360), "640 × 480": (640, 480), "800 × 600": (800, 600), "1280 × 720 (HD)": (1280, 720)}
MIME = {"gif": "image/gif", "mp4": "video/mp4", "png": "image/png"}
RENDERED = "_export_rendered"  # {(scene, options, format) digest: bytes}
UPLOAD_ERROR = "_export_upload_error"


@st.cache_resource(max_entries=8, show_spinner=False)
def _trajectories(scene_json: str):
    """One simulation per scene, shared by the data files and every render of this tab."""
    return simulate(Scene.from_json(scene_json))


@st.cache_data(max_entries=16, show_spinner=False)
def _data_files(scene_json: str) -> tuple[str, str]:
    scene = Scene.from_json(scene_json)
    trajs = _trajectories(scene_json)
    return paths_csv(scene, trajs), paths_json(scene, trajs)


def _digest(*parts: str) -> str:
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def _slug(scene: Scene) -> str:
    base = scene.surface if scene.surface.isidentifier() else "custom"
    return f"{base}-{'-'.join(r.optimizer for r in scene.runs)}"


def _on_upload() -> None:
    """Load an uploaded scene config (runs as a callback, before the widgets are drawn)."""
    st.session_state.pop(UPLOAD_ERROR, None)
    uploaded = st.session_state.get("export_upload")
    if uploaded is None:
        return
    try:
        raw = uploaded.getvalue()
        if len(raw) > 100_000:
            raise ValueError("a scene config is a small JSON file (at most 100 KB)")
        scene = Scene.from_json(raw.decode("utf-8", errors="replace"))
    except ValueError as exc:  # SpecError / FormulaError / bad JSON: one line
        st.session_state[UPLOAD_ERROR] = str(exc)
        return
    state.load_scene(scene)


def _options() -> RenderOptions:
    c1, c2, c3 = st.columns(3)
    size = SIZES[c1.selectbox("Size", list(SIZES), index=1, key="export_size")]
    fps = c2.slider("Frames per second", 5, 60, 20, key="export_fps")
    frames = c3.slider(
        "Frames",
        10,
        GIF_LIMITS["frames"][1],
        150,
        step=10,
        key="export_frames",
        help="Steps are subsampled evenly; the final step is always included.",
    )
    c4, c5, c6 = st.columns(3)
    pause = c4.slider("Pause on the last frame (s)", 0.0, 5.0, 1.5, step=0.5, key="export_pause")
    loop = c5.toggle("Loop forever", value=True, key="export_loop")
    view = c6.radio(
        "View",
        ["contour", "3d"],
        horizontal=True,
        key="export_view",
        format_func=lambda v: "Contour" if v == "contour" else "3-D surface",
    )
    return RenderOptions(
        size=size, fps=float(fps), frames=int(frames), pause_s=float(pause), loop=0 if loop else 1, view=view
    )


def _render_button(scene: Scene, options: RenderOptions, fmt: str, label: str) -> None:
    scene_json = scene.to_json()
    key = _digest(scene_json, repr(options), fmt)
    store: dict = st.session_state.setdefault(RENDERED, {})
    if st.button(label, key=f"export_render_{fmt}", width="stretch"):
        bar = st.progress(0.0, text=f"Rendering {fmt.upper()}…")
        try:
            data = export_scene(
                scene,
                fmt,
                options,
                trajectories=_trajectories(scene_json),
                progress=lambda f: bar.progress(f, text=f"Rendering {fmt.upper()}… {f:.0%}"),
            )
        except ValueError as exc:
            bar.empty()
            st.error(str(exc))
            return
        bar.empty()
        if len(store) >= 6:  # keep memory bounded: only the latest few renders
            store.pop(next(iter(store)))
        store[key] = data
    if key in store:
        data = store[key]
        st.download_button(
            f"Download {fmt.upper()} ({len(data) / 1024:.0f} KB)",
            data,
            file_name=f"{_slug(scene)}.{fmt}",
            mime=MIME[fmt],
            key=f"export_download_{fmt}",
            width="stretch",
            type="primary",
        )
        if fmt in ("gif", "png"):
            st.image(data, caption=f"{fmt.upper()} preview")
        elif fmt == "mp4":
            st.video(data)


@st.fragment
def render(scene: Scene) -> None:
    st.markdown("#### Animation and picture")
    st.caption(
        "Rendered on the server with Pillow in well under a second for most scenes: the same colours, "
        "legend and step counter as on screen, readable when projected."
    )
    options = _options()
    b1, b2, b3 = st.columns(3)
    with b1:
        _render_button(scene, options, "gif", "Render GIF")
    with b2:
        _render_button(scene, options, "mp4", "Render MP4")
    with b3:
        _render_button(scene, options, "png", "Render PNG snapshot")

    st.markdown("#### Data and scene")
    csv_text, json_text = _data_files(scene.to_json())
    d1, d2, d3 = st.columns(3)
    d1.download_button(
        "Paths as CSV",
        csv_text,
        file_name=f"{_slug(scene)}.csv",
        mime="text/csv",
        key="export_csv",
        width="stretch",
        help="One row per run, start and step: x, y, loss, gradient norm, the lr used, and every hyperparameter.",
    )
    d2.download_button(
        "Paths as JSON",
        json_text,
        file_name=f"{_slug(scene)}.json",
        mime="application/json",
        key="export_json",
        width="stretch",
    )
    d3.download_button(
        "Scene config",
        scene.to_json(),
        file_name=f"{_slug(scene)}.scene.json",
        mime="application/json",
        key="export_scene",
        width="stretch",
        help="Reload it here (below), or render it from a terminal: "
        "python -m optim_core render --config scene.json --out paths.gif",
    )
    st.file_uploader(
        "Load a scene config",
        type=["json"],
        key="export_upload",
        on_change=_on_upload,
        help="A .scene.json downloaded from this page (or written by hand).",
    )
    with st.container(key="export_error"):
        if st.session_state.get(UPLOAD_ERROR):
            st.error(st.session_state[UPLOAD_ERROR])

    st.markdown("#### Reproduce a run in PyTorch")
    labels = [f"{i + 1}. {label}" for i, label in enumerate(scene.run_labels())]
    choice = st.selectbox("Run", range(len(labels)), format_func=lambda i: labels[i], key="export_snippet_run")
    starts = scene.start_points()
    start = 0
    if len(starts) > 1:
        start = st.selectbox(
            "Start point",
            range(len(starts)),
            key="export_snippet_start",
            format_func=lambda j: f"({starts[j][0]:g}, {starts[j][1]:g})",
        )
    code = torch_snippet(scene, int(choice), int(start))
    spec_ref = scene.runs[int(choice)].optimizer
    st.caption(
        f"Uses the reference implementation ({spec_ref}: torch.optim, or pytorch-optimizer for FTRL, SWATS "
        "and Lion); its path matches the one shown here to ~1e-12."
    )
    st.code(code, language="python")
    st.download_button(
        "Download script",
        code,
        file_name=f"reproduce_{scene.runs[int(choice)].optimizer}.py",
        mime="text/x-python",
        key="export_snippet_download",
    )
