"""The figure builders (viz/) are pure: check the values they draw, not just that they run."""

from __future__ import annotations

import base64
import gettext
import io
import json
import pickle
import re

import numpy as np
import pytest
from PIL import Image

import i18n
from look import DARK, HIGH_CONTRAST, LIGHT, Look, make_look
from optim_core import run
from optim_core.scene import RunConfig, Scene, simulate
from surfaces import get_surface
from viz import (
    Figure,
    contour_figure,
    decode,
    diagnose,
    metrics_figure,
    run_views,
    stability_limit,
    standalone_html,
    surface3d_figure,
    surface_view,
)
from viz.animation import FRAME_POINT_BUDGET, frame_duration, plan, quantize_ms
from viz.surface3d import LIFT

PATH_ROLES = {"path", "head", "headhover", "diverged"}


def _traces(fig_dict, role):
    return [(i, t) for i, t in enumerate(fig_dict["data"]) if (t.get("meta") or {}).get("role") == role]


def _xy(t):
    return np.column_stack([decode(t["x"]).astype(float), decode(t["y"]).astype(float)])


def _split(xy):
    """NaN-separated parts (one per start)."""
    bad = np.isnan(xy[:, 0])
    parts, cur = [], []
    for k, row in enumerate(xy):
        if bad[k]:
            parts.append(np.array(cur))
            cur = []
        else:
            cur.append(row)
    parts.append(np.array(cur))
    return parts


@pytest.fixture(scope="module")
def rosen():
    surf = get_surface("rosenbrock")
    return surf, surface_view(surf, None, 60)


def _scene_runs(scene):
    trajs = simulate(scene)
    return trajs, run_views(trajs, [r.label() for r in scene.runs])


# ----------------------------------------------------------------------------- contour
def test_path_traces_are_the_trajectory_points_named_by_run(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("sgd", {"lr": 1e-3}), RunConfig("adam", {"lr": 0.05})), steps=120)
    trajs, runs = _scene_runs(scene)
    d = contour_figure(sv, runs, np.array(scene.start_points())).to_dict()
    paths = _traces(d, "path")
    assert [t["meta"]["run"] for _, t in paths] == [0, 1]
    for (_, t), traj, rc in zip(paths, trajs, scene.runs):
        assert t["name"] == rc.label()
        np.testing.assert_allclose(_xy(t), traj.points[:, 0, :], rtol=1e-6, atol=1e-6)
        assert t["line"]["color"] == LIGHT.run_color(t["meta"]["run"])
    heads = _traces(d, "head")
    assert [t["meta"]["run"] for _, t in heads] == [0, 1]
    for (_, t), traj in zip(heads, trajs):
        np.testing.assert_allclose(_xy(t)[0], traj.points[-1, 0], rtol=1e-6)


def test_hover_customdata_has_step_and_f(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("momentum", {"lr": 1e-3, "momentum": 0.8}),), steps=50)
    trajs, runs = _scene_runs(scene)
    ((_, t),) = _traces(contour_figure(sv, runs).to_dict(), "path")
    cd = decode(t["customdata"]).astype(float)
    assert cd.shape == (51, 2)
    np.testing.assert_array_equal(cd[:, 0], np.arange(51))
    np.testing.assert_allclose(cd[:, 1], trajs[0].loss[:, 0], rtol=1e-6)
    # the drawn path does not hover; its invisible twin does (points under an end marker left to the marker)
    assert t.get("hoverinfo") == "skip"
    ((_, h),) = _traces(contour_figure(sv, runs).to_dict(), "pathhover")
    tpl = h["hovertemplate"]
    for piece in ("step %{customdata[0]", "x = %{x", "y = %{y", "f = %{customdata[1]", "momentum = 0.8", "lr = 0.001"):
        assert piece in tpl
    assert "&lt;br&gt;" not in tpl  # the hyperparameters' line breaks stay line breaks
    ((_, e),) = _traces(contour_figure(sv, runs).to_dict(), "headhover")
    assert "momentum = 0.8" in e["hovertemplate"] and e["marker"]["opacity"] == 0


def test_frames_carry_only_path_traces_and_the_last_frame_is_the_full_path(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("sgd", {"lr": 1e-3}), RunConfig("adam", {"lr": 0.05})), steps=200)
    trajs, runs = _scene_runs(scene)
    d = contour_figure(sv, runs).to_dict()
    frames = d["frames"]
    assert len(frames) > 10
    roles = {i: (t.get("meta") or {}).get("role") for i, t in enumerate(d["data"])}
    for fr in frames:
        assert fr["traces"], "a frame must say which traces it updates"
        assert {roles[i] for i in fr["traces"]} <= PATH_ROLES, "a frame touches a non-path trace"
        assert all(t.get("type", "scatter") == "scatter" for t in fr["data"])
        assert all("z" not in t for t in fr["data"]), "a frame carries surface data"
    assert "contour" not in json.dumps([fr["data"] for fr in frames])
    # the surface is a layout image (not a trace), so no frame can drop it
    assert d["layout"]["images"][0]["source"].startswith("data:image/png;base64,")
    assert not any(t["type"] in ("contour", "heatmap", "surface") for t in d["data"])
    # frames show growing prefixes; the last one is the full path
    path_idx = [i for i, t in _traces(d, "path")]
    last = dict(zip(frames[-1]["traces"], frames[-1]["data"]))
    first = dict(zip(frames[0]["traces"], frames[0]["data"]))
    for i in path_idx:
        np.testing.assert_array_equal(_xy(last[i]), _xy(d["data"][i]))
        assert len(_xy(first[i])) == 1
    lengths = [len(_xy(dict(zip(fr["traces"], fr["data"]))[path_idx[0]])) for fr in frames]
    assert lengths == sorted(lengths) and lengths[-1] == 201
    # play / pause / speed / scrub, no server round trip: animate and relayout only
    menus = d["layout"]["updatemenus"]
    assert (
        menus[0]["buttons"][0]["method"] == "animate" and menus[0]["buttons"][0]["args"][1]["frame"]["redraw"] is False
    )
    assert {b["method"] for m in menus for b in m["buttons"]} <= {"animate", "relayout"}
    steps = d["layout"]["sliders"][0]["steps"]
    assert len(steps) == len(frames) and steps[-1]["label"] == "200"


def test_minima_markers_sit_on_the_known_minima():
    surf = get_surface("himmelblau")
    sv = surface_view(surf, None, 40)
    traj = run(surf, "sgd", surf.start, 10, lr=1e-3)
    d = contour_figure(sv, run_views([traj])).to_dict()
    ((_, m),) = _traces(d, "minimum")
    np.testing.assert_allclose(np.column_stack([m["x"], m["y"]]), np.array(surf.minima))
    assert m["marker"]["symbol"] == "star"


def test_a_diverged_run_ends_in_a_red_cross_at_its_last_finite_point(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("sgd", {"lr": 0.05}), RunConfig("adam", {"lr": 0.01})), steps=100)
    trajs, runs = _scene_runs(scene)
    d_at = trajs[0].diverged_step(0)
    assert d_at is not None and d_at > 1
    fig = contour_figure(sv, runs).to_dict()
    ((ci, cross),) = _traces(fig, "diverged")
    last_finite = trajs[0].points[d_at - 1, 0]
    (x0, x1), (y0, y1) = sv.window
    # a run that left the map keeps its ✕ visible: pinned to the map's edge in the direction it went
    pinned = [min(max(last_finite[0], x0), x1), min(max(last_finite[1], y0), y1)]
    np.testing.assert_allclose([cross["x"][0], cross["y"][0]], pinned)
    assert "x" in cross["marker"]["symbol"] and cross["marker"]["color"].upper() == "#E8000B"
    assert f"step {d_at}" in cross["customdata"][0]  # the hover says why and where
    if pinned != list(last_finite):
        assert "off the map" in cross["customdata"][0]
        # the label beside the ✕ points where the run went and says the step
        direction = (int(np.sign(last_finite[0] - pinned[0])), int(np.sign(last_finite[1] - pinned[1])))
        arrow = {
            (1, 0): "→",
            (-1, 0): "←",
            (0, 1): "↑",
            (0, -1): "↓",
            (1, 1): "↗",
            (-1, 1): "↖",
            (1, -1): "↘",
            (-1, -1): "↙",
        }[direction]
        assert cross["text"][0] == f"{arrow} {d_at}"
    else:
        assert cross["text"][0] == str(d_at)
    # the path stops there
    (_, p0), _ = _traces(fig, "path")
    xy = _xy(p0)
    assert len(xy) == d_at
    np.testing.assert_allclose(xy[-1], last_finite, rtol=1e-6)
    # the cross appears only once playback reaches that point
    shown = [len(dict(zip(fr["traces"], fr["data"]))[ci]["x"]) for fr in fig["frames"]]
    assert shown[0] == 0 and shown[-1] == 1


def test_several_starts_are_nan_separated_parts_of_one_trace(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("adam", {"lr": 0.02}),), starts=((-1.5, 2.0), (1.5, -0.5)), steps=40)
    trajs, runs = _scene_runs(scene)
    d = contour_figure(sv, runs, np.array(scene.starts)).to_dict()
    ((_, t),) = _traces(d, "path")
    parts = _split(_xy(t))
    assert len(parts) == 2
    for j, part in enumerate(parts):
        np.testing.assert_allclose(part, trajs[0].points[:, j, :], rtol=1e-6, atol=1e-6)
    ((_, s),) = _traces(d, "start")
    assert np.column_stack([s["x"], s["y"]]).tolist() == [[-1.5, 2.0], [1.5, -0.5]]


def test_figure_json_stays_under_2_mb_for_6_runs_of_500_steps():
    surf = get_surface("rosenbrock")
    sv = surface_view(surf, None, 200)
    opts = ("sgd", "momentum", "adam", "rmsprop", "adagrad", "nadam")
    scene = Scene(runs=tuple(RunConfig(o, {"lr": 1e-3}) for o in opts), steps=500)
    trajs, runs = _scene_runs(scene)
    fig = contour_figure(sv, runs, np.array(scene.start_points()), value=surf.value)
    size = len(fig.to_json())
    assert size < 2_000_000, size
    assert fig.layout.meta["stride"] == 1, "6 × 500 steps should not need decimation"
    d = fig.to_dict()
    assert all(t["x"]["dtype"] == "f4" for _, t in _traces(d, "path")), "paths are shipped as float32"


def test_long_runs_are_decimated_with_an_odd_stride_that_keeps_the_end():
    lasts = [np.array([10_000] * 4)] * 8
    p = plan(lasts)
    assert p.stride % 2 == 1 and p.stride > 1
    cost = sum(np.searchsorted(k, p.frame_steps, side="right").sum() for ks in p.keep for k in ks)
    assert cost <= FRAME_POINT_BUDGET
    assert all(k[-1] == 10_000 and k[0] == 0 for ks in p.keep for k in ks)


def test_frame_durations_fit_whole_display_refreshes_and_speeds_are_exact():
    assert quantize_ms(50) == 48 and quantize_ms(80) == 81
    for n in (13, 59, 121):
        ticks = [(frame_duration(n, s) + 2) / (1000 / 60) for s in (0.25, 0.5, 1.0, 2.0)]
        assert all(abs(t - round(t)) < 0.05 for t in ticks)
        assert round(ticks[0]) == 2 * round(ticks[1]) == 4 * round(ticks[2]) == 8 * round(ticks[3])
        assert round(ticks[3]) >= 2


def test_background_png_uses_the_shared_colour_scale(rosen):
    surf, sv = rosen
    raw = base64.b64decode(sv.background.split(",", 1)[1])
    img = Image.open(io.BytesIO(raw)).convert("RGB")
    assert img.size[0] == img.size[1]  # Rosenbrock's window is square
    # the lowest values (the valley) are the scale's first colour, the highest its last
    lo, hi = LIGHT.lut(256)[0], LIGHT.lut(256)[-1]
    arr = np.asarray(img).reshape(-1, 3).astype(int)
    assert np.abs(arr - lo).sum(1).min() < 40 and np.abs(arr - hi).sum(1).min() < 40
    assert LIGHT.plotly_colorscale()[0][1] == "rgb({}, {}, {})".format(*lo)


# ----------------------------------------------------------------------------- 3-D and metrics
def test_3d_paths_lie_on_the_surface(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("adam", {"lr": 0.02}),), steps=80)
    trajs, runs = _scene_runs(scene)
    d = surface3d_figure(sv, runs).to_dict()
    ((_, t),) = _traces(d, "path")
    x, y, z = (decode(t[k]).astype(float) for k in "xyz")
    f = surf.value(np.column_stack([x, y]))
    np.testing.assert_allclose(z, sv.scale.t(f) + LIFT, atol=1e-5)
    assert _traces(d, "surface")


def test_metrics_show_loss_gap_distance_and_gradient_norm(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("sgd", {"lr": 1e-3}),), steps=30)
    trajs, runs = _scene_runs(scene)
    d = metrics_figure(runs, f_star=sv.f_star).to_dict()
    got = {t["meta"]["metric"]: decode(t["y"]).astype(float) for t in d["data"] if t["meta"]["role"] == "metric"}
    np.testing.assert_allclose(got["loss"], trajs[0].loss[:, 0] - sv.f_star, rtol=1e-6)
    np.testing.assert_allclose(got["dist"], trajs[0].distance_to_minimum()[:, 0], rtol=1e-6)
    np.testing.assert_allclose(got["grad_norm"], trajs[0].grad_norm[:, 0], rtol=1e-6)
    assert d["layout"]["yaxis"]["type"] == "log"


# ----------------------------------------------------------------------------- divergence messages
def test_divergence_message_uses_the_2_over_L_bound_on_a_quadratic():
    scene = Scene(
        surface="ill_conditioned",
        runs=(RunConfig("sgd", {"lr": 0.3}), RunConfig("momentum", {"lr": 0.5}), RunConfig("sgd", {"lr": 0.1})),
        steps=100,
    )
    trajs, runs = _scene_runs(scene)
    msgs = diagnose(runs, [r.optimizer for r in scene.runs], curvature=get_surface("ill_conditioned").curvature_bound())
    assert [m.run for m in msgs] == [0, 1]
    assert msgs[0].step == trajs[0].diverged_step(0)
    assert "SGD (lr=0.3)" in msgs[0].text and f"step {msgs[0].step}" in msgs[0].text
    assert "2/L ≈ 0.2" in msgs[0].text
    assert "2(1+μ)/L ≈ 0.38" in msgs[1].text
    assert stability_limit("nesterov", {"momentum": 0.9}, 10.0)[0] == pytest.approx(2 * 1.9 / (10 * 2.8))


# ----------------------------------------------------------------------------- the Figure class
def test_fast_figure_frames_round_trip(rosen):
    surf, sv = rosen
    _, runs = _scene_runs(Scene(steps=30))
    fig = contour_figure(sv, runs)
    d1 = fig.to_dict()
    clone = pickle.loads(pickle.dumps(fig))
    assert isinstance(clone, Figure) and len(clone.to_dict()["frames"]) == len(d1["frames"])
    assert len(fig.frames) == len(d1["frames"])  # validated lazily, on first access
    assert json.loads(fig.to_json())["frames"][0]["traces"] == d1["frames"][0]["traces"]


# ----------------------------------------------------------------------------- screen and export agree
def _png_rgb(data_uri: str) -> np.ndarray:
    raw = base64.b64decode(data_uri.split(",", 1)[1])
    return np.asarray(Image.open(io.BytesIO(raw)).convert("RGB")).astype(int)


@pytest.mark.parametrize("surface_id,log", [("rosenbrock", True), ("quadratic", False)])
@pytest.mark.parametrize("size", [(640, 480), (1280, 720)])
def test_a_surface_point_has_the_same_colour_on_screen_and_in_a_gif(surface_id, log, size):
    """The contour map's layout image (viz) and a GIF frame (export) colour the same point alike."""
    from export import data_to_pixel, render_gif
    from export.scene import surface_image

    scene = Scene(surface=surface_id, runs=(RunConfig("sgd", {"lr": 1e-4}),), steps=20)
    sv = surface_view(get_surface(surface_id), scene.view_window())
    assert sv.scale.log is log
    fig = contour_figure(sv, run_views(simulate(scene), scene.run_labels())).to_dict()
    image = fig["layout"]["images"][0]
    screen = _png_rgb(image["source"])
    surface = surface_image(scene)  # what export_scene draws for this scene
    frame = np.asarray(Image.open(io.BytesIO(render_gif(surface, [], size=size))).convert("RGB")).astype(int)
    (x0, x1), (y0, y1) = sv.window
    rng = np.random.default_rng(0)
    pts = np.column_stack([rng.uniform(x0, x1, 500), rng.uniform(y0, y1, 500)])
    h, w = screen.shape[:2]
    col = np.floor((pts[:, 0] - image["x"]) / image["sizex"] * w).astype(int)
    row = np.floor((image["y"] - pts[:, 1]) / image["sizey"] * h).astype(int)
    px = np.floor(data_to_pixel(surface, pts, size=size)).astype(int)
    diffs = []
    for k in range(len(pts)):
        a = screen[max(row[k] - 2, 0) : row[k] + 3, max(col[k] - 2, 0) : col[k] + 3].reshape(-1, 3)
        g = frame[px[k, 1] - 1 : px[k, 1] + 2, px[k, 0] - 1 : px[k, 0] + 2].reshape(-1, 3)
        # compare inside bands (away from a contour line, where a pixel's offset would change the colour)
        if len(a) == 25 and len(g) == 9 and np.ptp(a, 0).max() <= 2 and np.ptp(g, 0).max() <= 2:
            diffs.append(np.abs(a.mean(0) - g.mean(0)).max())
    assert len(diffs) > 250
    assert max(diffs) <= 6, (np.median(diffs), max(diffs))  # the screen's PNG is palette-quantized: ±5


# ----------------------------------------------------------------------------- the look: theme, scale, language
class Shouting(i18n.Lang):
    """A language whose catalogue upper-cases every message: shows which words a builder asks the Lang for."""

    def __init__(self) -> None:
        super().__init__("xx", gettext.NullTranslations())

    def gettext(self, text: str) -> str:  # placeholders stay as they are
        return re.sub(r"[^{}]+(?=\{|$)|(?<=\})[^{}]+", lambda m: m.group(0).upper(), text)

    __call__ = gettext


def _all_text(fig_dict) -> str:
    return json.dumps({k: v for k, v in fig_dict.items() if k != "frames"}, ensure_ascii=False)


def test_figures_ask_the_language_for_every_word(rosen):
    surf, sv = rosen
    scene = Scene(runs=(RunConfig("sgd", {"lr": 0.05}), RunConfig("adam", {"lr": 0.01})), steps=60)
    _, runs = _scene_runs(scene)
    look = Look(lang=Shouting())
    contour = contour_figure(sv, runs, look=look).to_dict()
    text = _all_text(contour)
    for word in (
        "CLICK: START HERE",
        "KNOWN MINIMUM",
        "START (",
        "STEP %{customdata[0]:.0f}",
        "F (LOG)",
        "DIVERGED AT",
    ):
        assert word in text, word
    assert "PLAY" in contour["layout"]["updatemenus"][0]["buttons"][0]["label"]
    assert contour["layout"]["sliders"][0]["currentvalue"]["prefix"] == "STEP "
    assert "click: start here" not in text and "known minimum" not in text
    metrics = _all_text(metrics_figure(runs, f_star=sv.f_star, look=look).to_dict())
    assert "GRADIENT NORM" in metrics and "DISTANCE TO NEAREST MINIMUM" in metrics and "gradient norm" not in metrics
    s3 = _all_text(surface3d_figure(sv, runs, look=look).to_dict())
    assert "KNOWN MINIMUM" in s3 and "F (LOG)" in s3


def test_figures_take_the_theme_and_the_presentation_scale(rosen):
    surf, sv = rosen
    _, runs = _scene_runs(Scene(runs=(RunConfig("sgd", {"lr": 1e-3}), RunConfig("adam", {"lr": 0.05})), steps=40))
    base = contour_figure(sv, runs).to_dict()
    big = contour_figure(sv, runs, look=make_look("high_contrast", scale=1.4)).to_dict()
    dark = contour_figure(sv, runs, look=make_look("dark")).to_dict()
    assert dark["layout"]["paper_bgcolor"] == DARK.paper and base["layout"]["paper_bgcolor"] == LIGHT.paper
    assert [t["line"]["color"] for _, t in _traces(dark, "path")] == [DARK.run_color(0), DARK.run_color(1)]
    assert [t["line"]["color"] for _, t in _traces(big, "path")] == [
        HIGH_CONTRAST.run_color(0),
        HIGH_CONTRAST.run_color(1),
    ]
    # presentation scale × the theme's weight: fonts, lines, markers
    assert big["layout"]["font"]["size"] == round(13 * 1.4) and base["layout"]["font"]["size"] == 13
    (_, p_base), _ = _traces(base, "path")
    (_, p_big), _ = _traces(big, "path")
    assert p_big["line"]["width"] == pytest.approx(p_base["line"]["width"] * 1.4 * 1.5, rel=0.01)
    (_, h_base), _ = _traces(base, "head")
    (_, h_big), _ = _traces(big, "head")
    assert h_big["marker"]["size"] == pytest.approx(h_base["marker"]["size"] * 1.4 * 1.3, rel=0.01)
    # the surface picture is the theme's
    assert dark["layout"]["images"][0]["source"] == sv.picture(DARK) != base["layout"]["images"][0]["source"]
    for fig, theme in ((base, LIGHT), (dark, DARK), (big, HIGH_CONTRAST)):  # explicit template and mode bar
        assert isinstance(fig["layout"]["template"], dict) and fig["layout"]["template"]["layout"]
        assert fig["layout"]["modebar"]["color"] == theme.muted


def test_explore_charts_adopt_the_look():
    from optim_core.explore import axis_values, sweep
    from optim_core.optimizers import OPTIMIZERS
    from viz import explore as vx

    def p(opt, name):
        return next(h for h in OPTIMIZERS[opt].hyperparams if h.name == name)

    xv = axis_values(p("momentum", "lr"), 1e-3, 1.0, 8)
    yv = axis_values(p("momentum", "momentum"), 0.0, 0.9, 6, axis="y")
    res = sweep("ill_conditioned", "momentum", (-4.5, 2.0), 100, "lr", xv, "momentum", yv)
    light = vx.sweep_heatmap(res, "loss").to_dict()["layout"]
    big = vx.sweep_heatmap(res, "loss", look=Look(HIGH_CONTRAST, 1.4, Shouting())).to_dict()
    assert light["font"]["size"] == 13 and big["layout"]["font"]["size"] == 18
    assert light["modebar"]["color"] == LIGHT.muted and big["layout"]["modebar"]["color"] == HIGH_CONTRAST.muted
    assert "FINAL LOSS" in _all_text(big) and "STABILITY BOUNDARY" not in _all_text(big)  # no boundary given
    light_scale = vx.sweep_heatmap(res, "loss").to_dict()["data"][0]["colorscale"]
    assert big["data"][0]["colorscale"] != light_scale  # Cividis (high contrast) instead of Viridis


# ----------------------------------------------------------------------------- the standalone HTML file
def test_standalone_html_holds_the_animation_with_explicit_colours(rosen):
    import streamlit  # noqa: F401  -- installs Streamlit's placeholder template as Plotly's default, as in the app

    surf, sv = rosen
    scene = Scene(runs=(RunConfig("sgd", {"lr": 1e-3}), RunConfig("adam", {"lr": 0.05})), steps=150)
    _, runs = _scene_runs(scene)
    fig = contour_figure(sv, runs).to_dict()
    page = standalone_html(sv, runs, look=make_look("dark"), title="<script>alert(1)</script> Rosenbrock")
    assert page.startswith("<!DOCTYPE html>") and "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Rosenbrock" in page
    # offline: plotly.js is inside the file, nothing is loaded from a CDN
    assert "<script src=" not in page and 'src="http' not in page and len(page) > 3_000_000
    # the figure and its frames
    start = page.index('Plotly.newPlot(                        "optimizer-playground"')
    call = page[start : page.index(".then(function(){", start)]
    frames = page[page.index("Plotly.addFrames(", start) :]
    assert len(re.findall(r'"name":\s*"f\d+"', frames)) == len(fig["frames"]) > 40
    assert '"method": "animate"' in call or '"method":"animate"' in call
    # colours are explicit: the theme's paper and surface scale, the dark template, no placeholder colours
    assert (
        DARK.paper in call
        and "plotly_dark" not in call
        and '"template": {' in call.replace('"template":{', '"template": {')
    )
    assert DARK.plotly_colorscale()[0][1] in call
    assert not re.search(r'"#0000(?!00)[0-9a-fA-F]{2}"', call), "Streamlit's placeholder template leaked in"
    assert f"background: {DARK.paper}" in page
    assert sv.picture(DARK) in call.replace("\\u002f", "/")  # the dark surface picture (plotly escapes "/")


def test_divergence_messages_are_worded_in_the_language():
    scene = Scene(surface="ill_conditioned", runs=(RunConfig("sgd", {"lr": 0.3}),), steps=100)
    _, runs = _scene_runs(scene)
    L = get_surface("ill_conditioned").curvature_bound()
    (en,) = diagnose(runs, ["sgd"], curvature=L)
    (up,) = diagnose(runs, ["sgd"], curvature=L, lang=Shouting())
    assert en.text.startswith("**SGD (lr=0.3)** diverged at step") and "Lower lr below 0.2" in en.hint
    assert "** DIVERGED AT STEP" in up.text and up.hint == "LOWER LR BELOW 0.2 OR TURN ON GRADIENT CLIPPING."
    assert "EXCEEDS 2/L ≈ 0.2 ON THIS QUADRATIC" in up.cause


def test_declared_events_are_marked_where_they_happen_and_appear_with_the_animation():
    """SWATS's switch to SGD (Indicator.event) is a diamond on the path at θ of the switch step, labelled with
    the step; animation frames before that step do not show it yet, later ones do."""
    resolved = Scene(
        surface="logreg",
        runs=(RunConfig("adam", {"lr": 0.1, "eps": 0.01}), RunConfig("swats", {"lr": 0.1, "eps": 0.01})),
        steps=300,
    ).resolve()
    trajs = [resolved.simulate_run(i, record_state=True) for i in range(2)]
    rec = trajs[1].record
    step = int(np.flatnonzero(rec.indicators["switched"][:, 0] > 0.5)[0]) + 1
    views = run_views(trajs, [r.label for r in resolved.runs])
    assert views[0].events == () and [e.step for e in views[1].events] == [step]
    sv = surface_view(resolved.surface, resolved.window, 60)
    fig = contour_figure(sv, views).to_dict()
    [(idx, tr)] = _traces(fig, "event")
    assert tr["x"] == [float(trajs[1].points[step, 0, 0])] and tr["y"] == [float(trajs[1].points[step, 0, 1])]
    assert tr["text"] == [f"switched to SGD · step {step}"]
    steps = fig["layout"]["meta"]["frame_steps"]
    for frame, s in zip(fig["frames"], steps):
        shown = frame["data"][frame["traces"].index(idx)]["x"]
        assert len(shown) == (1 if s >= step or frame is fig["frames"][-1] else 0), (s, step)
    # without a record (e.g. a plain run()) there is nothing to mark, and no trace
    plain = contour_figure(sv, run_views(resolved.simulate(), None)).to_dict()
    assert _traces(plain, "event") == []
