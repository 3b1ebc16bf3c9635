"""The look layer: one nice step, one value scale, one bilinear interpolation, themes, the Look, CJK fonts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PIL import Image, ImageDraw

import i18n
from look import (
    DARK,
    HIGH_CONTRAST,
    LIGHT,
    THEMES,
    Look,
    LookError,
    ValueScale,
    fit_scale,
    make_look,
    nice_step,
    nice_ticks,
    resample,
    sample,
    surface_view,
    tick_label,
)
from look.fonts import cjk_font_file, get_font, has_cjk
from surfaces import get_surface


# ----------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    "raw,ceil,nearest", [(0.37, 0.5, 0.5), (1.0, 1.0, 1.0), (2.2, 2.5, 2.0), (7.0, 10.0, 5.0), (3e-5, 5e-5, 2.5e-5)]
)
def test_nice_step_is_one_function_with_two_roundings(raw, ceil, nearest):
    assert nice_step(raw) == pytest.approx(ceil)
    assert nice_step(raw, nearest=True) == pytest.approx(nearest)
    assert nice_step(0.0) == 1.0 and nice_step(float("nan")) == 1.0


def test_nice_ticks_are_round_and_inside():
    vals, step = nice_ticks(-1.3, 2.7, 5)
    assert step == 1.0 and vals.tolist() == [-1.0, 0.0, 1.0, 2.0]
    assert tick_label(-0.5, 0.25) == "−0.50" and tick_label(25000.0) == "2.5e4"


def test_value_scale_maps_f_to_t_and_back_and_labels_ticks_in_f():
    for log in (False, True):
        sc = ValueScale(0.0, 1000.0, log, offset=0.1)
        f = np.array([0.0, 0.5, 10.0, 999.0, 1000.0])
        t = sc.t(f)
        assert t[0] == 0.0 and t[-1] == 1.0 and (np.diff(t) > 0).all()  # monotonic, ends at lo and hi
        assert t[2] == pytest.approx(
            (math.log10(5.05) - math.log10(0.05)) / (math.log10(500.05) - math.log10(0.05)) if log else 0.01
        )
        pos, labels = sc.ticks()
        assert all(0.0 <= p <= 1.0 for p in pos) and len(pos) == len(labels) >= 3
        for p, lab in zip(pos, labels):  # each label is the f at its position
            assert float(sc.t(np.array([float(lab.replace("−", "-"))]))[0]) == pytest.approx(p, abs=2e-3)
    skewed = np.concatenate([np.zeros(1000), np.logspace(0, 4, 100)])
    assert fit_scale(skewed).log and not fit_scale(np.linspace(0, 1, 100)).log


# ----------------------------------------------------------------------------- the one bilinear interpolation
def test_bilinear_reproduces_planes_and_lattice_equals_points():
    xs, ys = np.linspace(-2, 3, 11), np.linspace(-1, 1, 7)
    gx, gy = np.meshgrid(xs, ys)
    z = 3 * gx - 2 * gy + 0.5
    x = np.array([-2.0, -1.33, 0.1, 2.999, 3.0])
    y = np.array([-1.0, 0.2, -0.77, 1.0, 0.0])
    np.testing.assert_allclose(sample(xs, ys, z, x, y), 3 * x - 2 * y + 0.5, rtol=1e-12)
    lat = resample(xs, ys, z**2, x, y)
    pts = sample(xs, ys, z**2, x[None, :], y[:, None])
    np.testing.assert_allclose(lat, pts, rtol=1e-12)
    assert np.isnan(sample(xs, ys, z, np.array([3.5]), np.array([0.0]))[0])
    assert sample(xs, ys, z, np.array([3.5]), np.array([0.0]), outside="clamp")[0] == pytest.approx(9.5)


# ----------------------------------------------------------------------------- themes
def _lab(hex_color: str) -> np.ndarray:
    rgb = np.array([int(hex_color[i : i + 2], 16) for i in (1, 3, 5)]) / 255.0
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("theme", list(THEMES.values()), ids=list(THEMES))
def test_run_colours_stay_distinct_and_readable(theme):
    labs = [_lab(c) for c in theme.run_colors]
    gaps = [np.linalg.norm(a - b) for i, a in enumerate(labs) for b in labs[i + 1 :]]
    assert len(theme.run_colors) == 8 and min(gaps) > (25 if theme is HIGH_CONTRAST else 15)
    paper = _lab(theme.paper)
    assert min(np.linalg.norm(lab - paper) for lab in labs) > 20  # no run colour vanishes into the page
    assert theme.diverged not in theme.run_colors


def test_high_contrast_has_the_strongest_surface_scale_and_heaviest_lines():
    def lightness_span(theme):
        lut = theme.lut(256)
        ends = ["#{:02X}{:02X}{:02X}".format(*lut[0]), "#{:02X}{:02X}{:02X}".format(*lut[-1])]
        return abs(_lab(ends[0])[0] - _lab(ends[1])[0])

    assert lightness_span(HIGH_CONTRAST) > lightness_span(LIGHT) + 10
    assert HIGH_CONTRAST.line_factor > LIGHT.line_factor and HIGH_CONTRAST.marker_factor > 1
    assert HIGH_CONTRAST.outline_extra > LIGHT.outline_extra


def test_the_surface_picture_is_drawn_in_the_theme():
    sv = surface_view(get_surface("quadratic"), None, 60, background=False)
    pics = {name: sv.picture(theme) for name, theme in THEMES.items()}
    assert len(set(pics.values())) == 3
    assert sv.background == pics["light"]  # cached per theme
    assert sv.picture(DARK) is pics["dark"]


# ----------------------------------------------------------------------------- the Look
def test_look_scales_sizes_and_rejects_bad_values_in_one_line():
    look = Look(HIGH_CONTRAST, 1.4)
    assert look.font(13) == 18 and look.line(2.0) == pytest.approx(2 * 1.4 * 1.5)
    assert look.marker(10) == pytest.approx(10 * 1.4 * 1.3)
    assert make_look("dark", 1.0, "zh").key == "dark|1|zh"
    for bad in (dict(theme="neon"), dict(scale=9.0), dict(scale=float("nan"))):
        with pytest.raises(LookError) as e:
            make_look(**bad)
        assert "\n" not in str(e.value) and isinstance(e.value, i18n.UserError)
    with pytest.raises(LookError, match="choose one of: light, dark, high_contrast"):
        make_look("neon")


# ----------------------------------------------------------------------------- fonts
def _glyph(text: str, font) -> np.ndarray:
    im = Image.new("L", (64, 64), 0)
    ImageDraw.Draw(im).text((4, 4), text, font=font, fill=255)
    return np.asarray(im)


def test_chinese_text_gets_a_cjk_face_with_real_glyphs():
    found = cjk_font_file()
    assert found is not None, "noto-cjk-sans-otc (requirements.txt) is not installed"
    path, index = found
    assert path.endswith(".ttc") and index == 2  # the collection's Simplified Chinese face
    assert has_cjk("学习率") and has_cjk("步 12") and not has_cjk("step 12 / 500")
    cjk = get_font(40, text="学习率")
    assert cjk.getname()[0] == "Noto Sans CJK SC"
    assert get_font(40, text="step").getname()[0] != "Noto Sans CJK SC"
    glyphs = [_glyph(ch, cjk) for ch in "学习率"]
    assert all(g.sum() > 0 for g in glyphs)
    assert not np.array_equal(glyphs[0], glyphs[1]) and not np.array_equal(glyphs[1], glyphs[2])
    # DejaVu has no CJK glyphs: every character comes out as the same box (what the exports drew before)
    latin = get_font(40)
    boxes = [_glyph(ch, latin) for ch in "学习率"]
    assert np.array_equal(boxes[0], boxes[1]) and np.array_equal(boxes[1], boxes[2])
    assert math.isclose(cjk.size, 40)


# ----------------------------------------------------------------------------- every word can be translated
def test_the_drawing_layers_words_reach_the_catalogue():
    """look/, viz/ and export/ mark their words so `python -m tools.i18n extract` sees them, never as f-strings."""
    from tools.i18n import REPO, UNTRANSLATABLE, declared_texts, source_messages

    found = {(m, f.split("/")[0]) for m, f, _ in source_messages()}
    layers = ("look/", "viz/", "export/")
    ours = [u for u in UNTRANSLATABLE if u.replace(str(REPO) + "/", "").startswith(layers)]
    assert not ours, ours
    for message, layer in [
        ("step {step} / {total}", "export"),  # the frames' step counter
        ("+ {n} more", "export"),
        ("f (log)", "export"),
        ("f (log)", "viz"),
        ("click: start here", "viz"),
        ("known minimum", "viz"),
        ("Play", "viz"),
        ("gradient norm ‖∇f‖", "viz"),
        ("stability boundary (theory)", "viz"),
        ("unknown theme {name}; choose one of: {choices}", "look"),
    ]:
        assert (message, layer) in found, (message, layer)
    assert {"Light", "Dark", "High contrast (projector)"} <= {t for t, _ in declared_texts()}


def test_a_curve_of_x_alone_gets_a_one_line_message_not_a_traceback():
    curve = get_surface("parabola")
    assert curve.dim == 1
    with pytest.raises(i18n.UserError) as e:
        surface_view(curve)
    assert "curve of x alone" in str(e.value) and "\n" not in str(e.value)


@pytest.mark.parametrize(
    "z",
    [
        np.linspace(-1.0, 1.0, 1001) * 1.79e308,  # exp(709)*x over x in [-2.19, 2.19]
        np.concatenate([np.zeros(500), np.logspace(0, 308, 501)]),  # skewed: the log scale
        np.full(100, 1.7e308),  # flat, at the top of the float range
    ],
    ids=["linear", "log", "flat"],
)
def test_a_scale_over_the_whole_float_range_maps_and_ticks_without_overflow(z):
    """?surface=exp(709)*x: f spans ±1.8e308, so hi − lo overflows; the scale, its ticks and its labels hold."""
    with np.errstate(all="raise"):  # not even a warning
        sc = fit_scale(z)
        t = sc.t(z)
        pos, labels = sc.ticks()
        back = sc.t(np.array([float(lab.replace("−", "-")) for lab in labels]))
    assert math.isfinite(sc.lo) and math.isfinite(sc.hi) and sc.hi > sc.lo and math.isfinite(sc.offset)
    assert np.isfinite(t).all() and (t >= 0).all() and (t <= 1).all()
    assert (np.diff(t) >= -1e-12).all()  # monotonic, like f
    if np.ptp(z) > 0:
        assert t[0] == 0.0 and t[-1] > 0.99 and len(pos) >= 3
    assert len(pos) == len(labels) and all(0.0 <= p <= 1.0 for p in pos)
    vals = np.array([float(lab.replace("−", "-")) for lab in labels])
    if sc.hi * 0.5 - sc.lo * 0.5 > 1e-3 * max(abs(sc.lo), abs(sc.hi)):  # 3 digits resolve the range
        np.testing.assert_allclose(back, pos, atol=2e-3)  # each label is the f at its position
    else:  # a range a hair wide: every label reads the one value it spans
        np.testing.assert_allclose(vals, sc.lo, rtol=0.01)


def test_a_curve_over_the_whole_float_range_has_a_finite_f_range_and_ticks():
    """A 1-D exp(709)*x: f reaches ±1.8e308 in the window; its f range and its axis ticks stay finite."""
    from look.curve import curve_view
    from surfaces.curves import custom_curve

    with np.errstate(all="raise"):
        cv = curve_view(custom_curve("exp(709)*x"))
        lo, hi = cv.f_range
        vals, step = nice_ticks(lo, hi, 5)
    assert math.isfinite(lo) and math.isfinite(hi) and lo < -1e307 and hi > 1e307
    assert math.isfinite(step) and 2 <= len(vals) <= 7 and np.isfinite(vals).all()
    assert (vals >= lo).all() and (vals <= hi).all()
