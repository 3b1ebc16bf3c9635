"""The step inspector's pure side: the drawn vectors, the rule with its numbers, the narration, the table, the
overlay data sent to the page, the close-up, and the 3-D view's frames.

Every number is checked against the recorded state (optim_core's StepRecord, itself checked against torch in
tests/golden), and where possible against an independent recomputation of the rule.
"""

from __future__ import annotations

import ast
import csv
import io
import math
from pathlib import Path

import numpy as np
import pytest

import i18n
from explain import (
    LAYER_IDS,
    ExplainError,
    equation,
    narrate,
    read_numbers,
    rule_assignments,
    step_table,
    step_vectors,
    tex_num,
    tex_vec,
)
from explain.equation import norm, rule_lines
from explain.narrate import TEXTS, branch_text
from optim_core import OPTIMIZERS, run
from optim_core.scene import RunConfig
from viz import decode
from viz.inspector import RULES, closeup_figure, efflr_figure, nice_scale, overlay_bytes, overlay_data

REPO = Path(__file__).resolve().parents[2]
RTOL = 1e-3  # the LaTeX shows 4 significant digits


def rec_run(surface="rosenbrock", opt="adam", start=(-1.2, 1.0), steps=60, **params):
    return run(surface, opt, start, steps, record_state=True, **params)


# Settings that keep every optimizer finite for 60 steps on its surface (lr = the optimizer's own default is
# too small to show anything; these move).
SETTINGS = {
    "sgd": ("quadratic", {"lr": 0.05, "weight_decay": 0.1}),
    "momentum": ("quadratic", {"lr": 0.05, "momentum": 0.8, "dampening": 0.1}),
    "nesterov": ("quadratic", {"lr": 0.05, "weight_decay": 0.05}),
    "adagrad": ("booth", {"lr": 0.3}),
    "rmsprop": ("booth", {"lr": 0.03, "momentum": 0.5, "centered": True}),
    "adadelta": ("quadratic", {"lr": 1.0}),
    "adam": ("saddle", {"lr": 0.03}),
    "adamw": ("himmelblau", {"lr": 0.1, "weight_decay": 1.0}),
    "amsgrad": ("rosenbrock", {"lr": 0.02}),
    "nadam": ("rosenbrock", {"lr": 0.01}),
    "radam": ("saddle", {"lr": 0.03}),
    "adamax": ("rosenbrock", {"lr": 0.02}),
    "ftrl": ("booth", {"lr": 0.3, "lambda_1": 5.0}),
    "swats": ("ill_conditioned", {"lr": 0.1, "eps": 1e-3}),
    "lion": ("rosenbrock", {"lr": 0.01}),
}
STARTS = {
    "ill_conditioned": (-4.5, 1.0),
    "quadratic": (2.0, 1.5),
    "booth": (-8.0, -6.0),
    "saddle": (-1.8, 0.001),
    "himmelblau": (0.0, 0.0),
}


def setting(opt: str, steps: int = 60):
    surface, params = SETTINGS[opt]
    traj = rec_run(surface, opt, STARTS.get(surface, (-1.2, 1.0)), steps, **params)
    assert traj.diverged_at[0] < 0, f"{opt} diverged in its test setting"
    return traj


# ----------------------------------------------------------------------------------------- numbers in LaTeX
@pytest.mark.parametrize("v", [0.0, 1.0, -2.5, 0.1234567, 1.2345e-5, -9.87e-12, 123456.7, 1e-8, -1e5, 0.001, 99999])
def test_numbers_read_back(v):
    (back,) = read_numbers(tex_num(v))
    assert back == pytest.approx(v, rel=5e-4, abs=0)
    assert read_numbers(tex_vec([v, -v])) == pytest.approx([v, -v], rel=5e-4)


# ----------------------------------------------------------------------------------------- the drawn vectors
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_step_is_the_positions_difference_and_gradient_is_lr_times_the_recorded_gradient(opt):
    traj = setting(opt)
    rec = traj.record
    vec = step_vectors(traj)
    np.testing.assert_array_equal(vec.layers["step"], np.diff(traj.points, axis=0))
    np.testing.assert_allclose(vec.layers["gradient"], -rec.lr[:, :, None] * rec.grad, rtol=1e-15)
    np.testing.assert_array_equal(vec.origin, traj.points[:-1])
    assert set(vec.layers) <= set(LAYER_IDS)
    if OPTIMIZERS[opt].adaptive:
        np.testing.assert_array_equal(vec.layers["eff_lr"], rec.eff_lr)
    else:
        assert "eff_lr" not in vec.layers
    for t in (1, 17, 60):  # the vectors of one step are rows of the arrays
        got = vec.at(t, 0)
        np.testing.assert_array_equal(got["step"], traj.points[t, 0] - traj.points[t - 1, 0])


def test_velocity_of_each_family():
    # heavy ball without decay: the step *is* −η·b
    traj = rec_run("ill_conditioned", "momentum", (-4.5, 2.0), 80, lr=0.09, momentum=0.9)
    vec = step_vectors(traj)
    np.testing.assert_allclose(vec.layers["velocity"], -0.09 * traj.record.state["momentum_buffer"], rtol=1e-15)
    np.testing.assert_allclose(vec.layers["velocity"], vec.layers["step"], rtol=1e-9, atol=1e-15)
    # Adam: −η·m̂ with the bias correction of each step
    traj = setting("adam", 120)
    vec = step_vectors(traj)
    t = np.arange(1, 121)[:, None, None]
    np.testing.assert_allclose(vec.layers["velocity"], -0.03 * traj.record.state["exp_avg"] / (1 - 0.9**t), rtol=1e-12)
    # Lion: −η·c, the interpolation whose sign is the step
    traj = setting("lion")
    vec = step_vectors(traj)
    np.testing.assert_allclose(vec.layers["velocity"], -0.01 * traj.record.indicators["c_t"], rtol=1e-15)
    np.testing.assert_allclose(np.sign(vec.layers["velocity"]), np.sign(vec.layers["step"]))
    # SGD and Adagrad have none; RMSprop only with momentum
    assert "velocity" not in step_vectors(setting("sgd")).layers
    assert "velocity" not in step_vectors(setting("adagrad")).layers
    assert "velocity" not in step_vectors(rec_run("booth", "rmsprop", (-8, -6), 20, lr=0.03)).layers
    np.testing.assert_allclose(
        step_vectors(setting("rmsprop")).layers["velocity"], step_vectors(setting("rmsprop")).layers["step"], rtol=1e-9
    )


def test_swats_velocity_follows_its_phase():
    traj = setting("swats")
    rec = traj.record
    sgd = rec.indicators["in_sgd_phase"][:, 0] == 1
    assert sgd.any() and (~sgd).any(), "the test setting must switch to SGD"
    vel = step_vectors(traj).layers["velocity"][:, 0]
    lr = rec.lr[:, 0, None]
    np.testing.assert_allclose(vel[sgd], -lr[sgd] * rec.state["momentum_buffer"][sgd, 0], rtol=1e-12)
    t = np.arange(1, 61)[:, None]
    adam = -lr * rec.state["exp_avg"][:, 0] / (1 - 0.9**t)
    np.testing.assert_allclose(vel[~sgd], adam[~sgd], rtol=1e-12)


def test_nesterov_look_ahead_then_the_gradient_term_completes_the_step():
    traj = setting("nesterov")
    rec = traj.record
    vec = step_vectors(traj)
    ahead = vec.origin + vec.layers["lookahead"]
    np.testing.assert_allclose(
        vec.layers["lookahead"], -0.05 * 0.9 * rec.state["momentum_buffer"], rtol=1e-12
    )  # −η·μ·b_t
    g_used = rec.grad + 0.05 * traj.points[:-1]  # L2: g + λθ
    np.testing.assert_allclose(ahead - 0.05 * g_used, traj.points[1:], rtol=1e-9, atol=1e-12)


def test_adamw_decay_pull_is_decoupled_and_the_rest_is_the_adam_step():
    traj = setting("adamw", 40)
    rec = traj.record
    vec = step_vectors(traj)
    lr, wd, b1, b2, eps = 0.1, 1.0, 0.9, 0.999, 1e-8
    np.testing.assert_allclose(vec.layers["decay"], -lr * wd * traj.points[:-1], rtol=1e-15)
    t = np.arange(1, 41)[:, None, None]
    m, v = rec.state["exp_avg"], rec.state["exp_avg_sq"]
    adam = -lr / (1 - b1**t) * m / (np.sqrt(v) / np.sqrt(1 - b2**t) + eps)
    np.testing.assert_allclose(vec.layers["step"] - vec.layers["decay"], adam, rtol=1e-9, atol=1e-14)
    # Adam's L2 decay is coupled: no pull arrow; AdamW without decay: none either
    assert "decay" not in step_vectors(rec_run("himmelblau", "adam", (0, 0), 10, lr=0.1, weight_decay=1.0)).layers
    assert "decay" not in step_vectors(rec_run("himmelblau", "adamw", (0, 0), 10, lr=0.1, weight_decay=0.0)).layers
    lion = rec_run("rosenbrock", "lion", (-1.2, 1), 10, lr=0.01, weight_decay=0.5, fixed_decay=True)
    np.testing.assert_allclose(step_vectors(lion).layers["decay"], -0.5 * lion.points[:-1], rtol=1e-15)


def test_vectors_on_a_curve_and_after_divergence():
    traj = run("x^4 - 3*x^2 + x", "momentum", 1.7, 30, lr=0.02, record_state=True)
    vec = step_vectors(traj)
    assert vec.dim == 1 and vec.layers["step"].shape == (30, 1, 1)
    np.testing.assert_array_equal(vec.layers["step"][:, 0, 0], np.diff(traj.points[:, 0, 0]))
    bad = rec_run("ill_conditioned", "sgd", (-4.5, 1.0), 50, lr=0.25)
    d = int(bad.diverged_at[0])
    assert d > 0
    vec = step_vectors(bad)
    assert np.isfinite(vec.layers["step"][: d - 1]).all() and np.isnan(vec.layers["step"][d - 1 :]).all()
    with pytest.raises(ExplainError, match="from 1 to 50"):
        vec.at(0)
    with pytest.raises(ExplainError, match="without recording"):
        step_vectors(run("quadratic", "sgd", (1, 1), 5, lr=0.1))


# ----------------------------------------------------------------------------------------- the rule, with numbers
def _expected(traj, key: str, t: int, b: int = 0):
    """What the row `key` must show at step t, recomputed from the record (independently of explain)."""
    rec, i = traj.record, t - 1
    hp = traj.params_for(b)
    theta_prev = traj.points[i, b]
    if key == "lr":
        return rec.lr[i, b]
    if key == "theta_prev":
        return theta_prev
    if key == "theta":
        return traj.points[t, b]
    if key == "delta":
        return traj.points[t, b] - theta_prev
    if key == "eff_lr":
        return rec.eff_lr[i, b]
    if key == "grad_raw":
        return rec.grad[i, b]
    if key == "grad":
        coupled = hp.get("weight_decay", 0) and not (
            traj.optimizer.id == "adamw"
            or hp.get("decoupled_weight_decay")
            or (traj.optimizer.id in ("lion", "swats") and hp.get("weight_decouple"))
        )
        return rec.grad[i, b] + (hp["weight_decay"] * theta_prev if coupled else 0.0)
    if key == "decayed":
        return theta_prev * (1 - rec.lr[i, b] * hp["weight_decay"])
    kind, name = key.split(":", 1)
    if kind == "state":
        return rec.state[name][i, b]
    if kind == "prev":
        if i == 0:
            init = np.asarray(traj.optimizer.init(traj.points[0].T.copy(), traj.params)[name])
            return init[..., b] if init.ndim else init
        return rec.state[name][i - 1, b]
    if kind == "indicator":
        return rec.indicators[name][i, b]
    if kind == "param":
        return hp[name]
    if key == r"derived:\hat m_t":
        return rec.state["exp_avg"][i, b] / (1 - hp["beta1"] ** t)
    if key == r"derived:\rho_\infty":
        return 2 / (1 - hp["beta2"]) - 1
    if key == "derived:d_t":
        return np.sqrt(rec.state["exp_avg_sq"][i, b] / (1 - hp["beta2"] ** t)) + hp["eps"]
    if key == "derived:s_t":
        return traj.points[t, b] - theta_prev
    raise AssertionError(f"no expectation for row {key}")


def _latex_rows(latex: str) -> list[tuple[str, str]]:
    """(symbol, value side) of each row of the aligned block, read from the LaTeX text itself."""
    body = latex.split("\\begin{aligned}", 1)[1].rsplit("\\end{aligned}", 1)[0]
    rows = []
    for line in body.split("\\\\"):
        line = line.strip()
        if not line:
            continue
        sym, _, value = line.partition("&")
        value = value.strip()
        value = value[1:] if value.startswith("=") else value
        rows.append((sym.strip(), value.split(r"\quad")[0]))
    return rows


@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_every_number_of_the_rule_is_the_recorded_one(opt):
    """For every optimizer, at several steps: parse each row of the LaTeX back and compare it with the record;
    every symbol the rule assigns has its row."""
    traj = setting(opt)
    for t in (1, 2, 13, 60):
        eq = equation(traj, 0, t)
        rows = _latex_rows(eq.latex)
        assert len(rows) == len(eq.rows) + math.ceil(len(eq.params) / 2)
        for (sym, value), row in zip(rows, eq.rows):
            assert norm(sym) == norm(row.symbol)
            if row.value is None:
                assert read_numbers(value) == [], (opt, t, row.key, value)
                continue
            got = np.array(read_numbers(value))
            exp = np.atleast_1d(np.asarray(_expected(traj, row.key, t), dtype=float))
            assert got.shape == exp.shape, (opt, t, row.key, value)
            np.testing.assert_allclose(got, exp, rtol=RTOL, atol=1e-300, err_msg=f"{opt} step {t} {row.key}")
        for p in eq.params:
            assert p.value == pytest.approx(traj.params_for(0)[p.key.split(":", 1)[1]])
        assigned = {a.symbol for a in rule_assignments(traj.optimizer)}
        shown = {norm(r.symbol) for r in eq.rows}
        assert assigned <= shown | {r"\theta_{t-1}"}, f"{opt}: rows missing for {assigned - shown}"


def test_rule_lines_and_assignments_read_every_declared_rule():
    for spec in OPTIMIZERS.values():
        lines = rule_lines(spec.latex)
        assert lines and all("\\end{aligned}" not in ln for ln in lines)
        syms = [a.symbol for a in rule_assignments(spec)]
        assert r"\theta_t" in syms, spec.id
        for buf in spec.buffers:  # every state buffer's symbol is assigned by the rule
            assert norm(buf.symbol) in syms, (spec.id, buf.symbol)
    ftrl = {a.symbol: a for a in rule_assignments(OPTIMIZERS["ftrl"])}
    assert ftrl["n_t"].rhs.startswith("n_{t-1}") and ftrl[r"\theta_t"].cases[0][1] == r"|z_t| \le \lambda_1"


def test_branches_amsgrad_max_and_adam_without_it():
    traj = rec_run("rosenbrock", "amsgrad", (-1.2, 1.0), 200, lr=0.02)
    kept = traj.record.indicators["kept_max"][:, 0]
    t = int(np.flatnonzero(kept.max(axis=1) == 1)[0]) + 1
    eq = equation(traj, 0, t)
    (br,) = eq.branches
    np.testing.assert_array_equal(br.value, kept[t - 1])
    row = eq.row("state:max_exp_avg_sq")
    np.testing.assert_allclose(
        row.value, np.maximum(eq.row("prev:max_exp_avg_sq").value, eq.row("state:exp_avg_sq").value)
    )
    text = branch_text(br.indicator.meaning, br.value)
    assert text is not None and ("x yes" in text or "y yes" in text)
    plain = equation(setting("adam"), 0, 5)
    assert plain.row("state:max_exp_avg_sq").value is None
    assert r"amsgrad = off" in plain.latex.replace(r"\_", "_")
    assert branch_text(plain.branches[0].indicator.meaning, plain.branches[0].value) is None  # NaN: n/a


def test_branches_radam_rectification_off_then_on():
    traj = setting("radam", 20)
    rect = traj.record.indicators["rectified"][:, 0]
    off, on = int(np.flatnonzero(rect == 0)[-1]) + 1, int(np.flatnonzero(rect == 1)[0]) + 1
    assert off < on
    eq_off, eq_on = equation(traj, 0, off), equation(traj, 0, on)
    assert r"[\text{otherwise}]" in eq_off.row("theta").note and eq_off.row("indicator:r_t").value is None
    assert r"[\rho_t > 5]" in eq_on.row("theta").note
    assert eq_on.row("indicator:r_t").value == pytest.approx(traj.record.indicators["r_t"][on - 1, 0])
    assert float(eq_off.row("indicator:rho_t").value) <= 5 < float(eq_on.row("indicator:rho_t").value)
    assert "≤ 5" in " ".join(narrate(traj, 0, off)) and "> 5" in " ".join(narrate(traj, 0, on))


def test_branches_swats_before_and_after_its_switch():
    traj = setting("swats")
    rec = traj.record
    k = int(np.flatnonzero(rec.indicators["switched"][:, 0] == 1)[0]) + 1  # the step that switched
    before, after = equation(traj, 0, k), equation(traj, 0, k + 3)
    assert before.row("state:momentum_buffer").value is None  # created at the switch
    np.testing.assert_allclose(after.row("state:momentum_buffer").value, rec.state["momentum_buffer"][k + 2, 0])
    assert after.row("lr").value == pytest.approx(rec.lr[k + 2, 0])  # the estimated SGD rate
    assert after.row(r"derived:s_t").value is None and before.row("derived:s_t").value is not None
    assert "settled" in " ".join(narrate(traj, 0, k)) and "SGD phase" in " ".join(narrate(traj, 0, k + 3))
    flags = {b.indicator.name: b.value for b in after.branches}
    assert flags == {"in_sgd_phase": 1.0, "switched": 0.0}


def test_branches_ftrl_clamp_momentum_first_step_adamax_max():
    traj = rec_run("booth", "ftrl", (-8, -6), 300, lr=0.3, lambda_1=40.0)
    clamped = traj.record.indicators["clamped"][:, 0]
    rows = np.flatnonzero(clamped.max(axis=1) == 1)
    assert rows.size, "λ₁ = 40 must clamp a coordinate"
    t = int(rows[0]) + 1
    eq = equation(traj, 0, t)
    k = int(np.flatnonzero(clamped[t - 1] == 1)[0])
    assert eq.row("theta").value[k] == 0 and rf"{'xy'[k]}{{:}}\ |z_t| \le \lambda_1" in eq.row("theta").note
    assert "exactly to 0" in " ".join(narrate(traj, 0, t))
    mom = setting("momentum")
    assert equation(mom, 0, 1).row("state:momentum_buffer").note.endswith("[t = 1]")
    assert equation(mom, 0, 2).row("state:momentum_buffer").note.endswith("[t > 1]")
    ax = setting("adamax")
    (br,) = equation(ax, 0, 3).branches
    np.testing.assert_array_equal(br.value, ax.record.indicators["new_max"][2, 0])


def test_equation_refuses_a_step_outside_the_run():
    traj = setting("sgd", 10)
    for bad in (0, 11, -1, 2.5, True):
        with pytest.raises(ExplainError):
            equation(traj, 0, bad)
    with pytest.raises(ExplainError):
        equation(traj, 3, 1)


# ----------------------------------------------------------------------------------------- the narration
@pytest.mark.parametrize("opt", list(OPTIMIZERS))
def test_narration_of_every_optimizer(opt):
    traj = setting(opt)
    assert narrate(traj, 0, 0)[0].startswith("Step 0 is the start")
    for t in (1, 2, 30, 60):
        sentences = narrate(traj, 0, t)
        assert sentences[0].startswith(f"Step {t} starts at θ")
        assert len(sentences) >= 2 and all(s and "{" not in s for s in sentences)


def test_narration_says_what_the_numbers_say():
    zig = rec_run("ill_conditioned", "momentum", (-4.5, 2.0), 80, lr=0.09, momentum=0.9)
    texts = [" ".join(narrate(zig, 0, t)) for t in range(2, 40)]
    assert any("went past the valley floor" in s for s in texts)
    assert all("keeps 90 % of its old value" in s for s in texts)
    g = zig.record.grad[:, 0]
    flips = [t for t in range(2, 40) if (g[t - 1] * g[t] < 0).any()]
    assert [t for t, s in zip(range(2, 40), texts) if "valley floor" in s] == flips
    adam = setting("adam", 120)
    s = " ".join(narrate(adam, 0, 12))
    eff = adam.record.eff_lr[11, 0]
    assert f"along x {eff[0]:.3g}" in s.replace("e-0", "e-") and "longer along y" in s
    bad = rec_run("ill_conditioned", "sgd", (-4.5, 1.0), 50, lr=0.25)
    d = int(bad.diverged_at[0])
    assert narrate(bad, 0, d)[0].startswith(f"This run diverged at step {d}")


def test_narration_is_translated_through_the_catalogue():
    class Marked(i18n.Lang):
        def gettext(self, text):
            return "«" + text + "»"

        __call__ = gettext

    lang = Marked("xx", None)  # type: ignore[arg-type]
    out = narrate(setting("adam"), 0, 3, lang)
    assert all(s.startswith("«") for s in out)
    from tools.i18n import source_messages

    found = {m for m, f, _ in source_messages() if f.startswith("explain/")}
    assert set(TEXTS.values()) <= found


# ----------------------------------------------------------------------------------------- the table
def test_table_of_every_step_and_its_csv():
    traj = setting("adam", 30)
    table = step_table(traj, 0)
    rec = traj.record
    assert table.columns[:6] == ["step", "x", "y", "f", "|g|", "lr"]
    np.testing.assert_array_equal(table.column("x"), traj.points[:, 0, 0])
    np.testing.assert_array_equal(table.column("exp_avg[y]")[1:], rec.state["exp_avg"][:, 0, 1])
    np.testing.assert_array_equal(table.column("eff_lr[x]")[1:], rec.eff_lr[:, 0, 0])
    assert "max_exp_avg_sq[x]" not in table.columns  # not kept without amsgrad
    assert np.isnan(table.column("lr")[0])  # the start: no step yet
    rows = list(csv.reader(io.StringIO(table.to_csv())))
    assert rows[0] == table.columns and len(rows) == 1 + 31
    assert float(rows[1 + 12][table.columns.index("Δθ[x]")]) == rec.delta[12 - 1, 0, 0]  # step 12
    curve = step_table(run("x^4 - 3*x^2 + x", "adam", 1.7, 10, lr=0.1, record_state=True), 0)
    assert "y" not in curve.columns and "exp_avg[x]" in curve.columns and "exp_avg[y]" not in curve.columns
    bad = rec_run("ill_conditioned", "sgd", (-4.5, 1.0), 50, lr=0.25)
    d = int(bad.diverged_at[0])
    tb = step_table(bad, 0)
    assert np.isnan(tb.values[d:, 1:]).all() and np.isfinite(tb.values[:d, 1:4]).all()


# ----------------------------------------------------------------------------------------- what goes to the page
def test_overlay_data_decodes_to_the_recorded_vectors():
    trajs = [setting("adam", 120), setting("momentum")]
    vecs = [step_vectors(t) for t in trajs]
    data = overlay_data([(2, "Adam", vecs[0]), (0, "Momentum", vecs[1])], layers=["gradient", "step", "eff_lr"])
    assert [r["run"] for r in data["runs"]] == [2, 0] and data["dim"] == 2
    assert [x["id"] for x in data["layers"]] == ["gradient", "step", "eff_lr"]
    assert data["rules"] == RULES
    adam = data["runs"][0]
    assert set(adam["layers"]) == {"gradient", "step", "eff_lr"}  # only the chosen layers travel
    pts = decode(adam["points"]).reshape(121, 1, 2)
    np.testing.assert_allclose(pts, trajs[0].points, rtol=1e-6)
    step = decode(adam["layers"]["step"]).reshape(120, 1, 2)
    np.testing.assert_allclose(step, np.diff(trajs[0].points, axis=0), rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(decode(adam["layers"]["eff_lr"]).reshape(120, 1, 2), trajs[0].record.eff_lr, rtol=1e-6)
    assert "eff_lr" not in data["runs"][1]["layers"]  # momentum is not adaptive


def test_overlay_size_for_eight_runs_of_500_steps():
    """The figure the README quotes: 8 runs × 500 steps, every layer an adaptive optimizer has."""
    from optim_core.scene import Scene

    scene = Scene(runs=tuple(RunConfig("adam", {"lr": 0.01 * (i + 1)}) for i in range(8)), steps=500)
    resolved = scene.resolve()
    from explain import recorded_run

    items = [(i, r.label, step_vectors(recorded_run(resolved, i))) for i, r in enumerate(resolved.runs)]
    size = overlay_bytes(overlay_data(items))
    # float32: x and y of the points and of gradient, velocity, step, eff_lr; f at every point (the map's frame
    # of a step ends the inspected path there, with its f: ui/player.js stepFrame)
    raw = 8 * 4 * (2 * (501 + 500 * 4) + 501)
    assert size == pytest.approx(raw * 4 / 3, rel=0.01)
    assert size < 450_000


def test_closeup_draws_each_vector_to_true_scale_from_the_step_start():
    for opt, t in (("adam", 12), ("nesterov", 9), ("adamw", 20)):
        traj = setting(opt)
        vec = step_vectors(traj)
        fig = closeup_figure(vec, t, 0, f=traj.surface.value).to_dict()
        arrows = {a["name"].split(":")[1]: a for a in fig["layout"]["annotations"] if a["name"].startswith("closeup:")}
        here = vec.at(t, 0)
        assert set(arrows) == {k for k in here if k != "eff_lr"}
        tail = traj.points[t - 1, 0]
        for lid, a in arrows.items():
            assert (a["ax"], a["ay"]) == pytest.approx(tuple(tail))
            assert (a["x"] - a["ax"], a["y"] - a["ay"]) == pytest.approx(tuple(here[lid]), rel=1e-9, abs=1e-15)
        x0, x1 = fig["layout"]["xaxis"]["range"]
        reach = max(np.linalg.norm(v) for k, v in here.items() if k != "eff_lr")
        assert x1 - x0 == pytest.approx(2 * 1.3 * reach)


def test_closeup_on_a_curve():
    traj = run("x^4 - 3*x^2 + x", "adam", 1.7, 30, lr=0.1, record_state=True)
    vec = step_vectors(traj)
    fig = closeup_figure(vec, 5, 0, f=traj.surface.value).to_dict()
    arrows = {a["name"].split(":")[1]: a for a in fig["layout"]["annotations"] if a["name"].startswith("closeup:")}
    f0 = float(traj.surface.value(traj.points[4, 0][None, :])[0])
    for lid, a in arrows.items():  # along x, at the height of f(θ_{t−1})
        assert (a["ax"], a["ay"], a["y"]) == pytest.approx((traj.points[4, 0, 0], f0, f0))
        assert a["x"] - a["ax"] == pytest.approx(vec.at(5)[lid][0])
    data = overlay_data([(0, "Adam", vec)])
    assert data["dim"] == 1 and decode(data["runs"][0]["points"]).shape == (31,)
    np.testing.assert_allclose(decode(data["runs"][0]["loss"]), traj.loss[:, 0], rtol=1e-6)


def test_effective_lr_curve_and_its_cursor():
    traj = setting("adagrad")
    fig = efflr_figure(traj.record.eff_lr[:, 0], 17).to_dict()
    ys = [decode(t["y"]).astype(float) for t in fig["data"]]
    np.testing.assert_allclose(ys[0], traj.record.eff_lr[:, 0, 0], rtol=1e-6)
    assert np.all(np.diff(ys[0]) <= 1e-12)  # Adagrad's rate only shrinks
    (cursor,) = fig["layout"]["shapes"]
    assert cursor["name"] == "step-cursor" and cursor["x0"] == 17


def test_round_scales():
    assert [nice_scale(r) for r in (0.3, 1, 1.2, 2.0, 3.7, 8, 11, 0.012)] == [0.5, 1, 2, 2, 5, 10, 20, 0.02]


# ----------------------------------------------------------------------------------------- the 3-D view plays
def test_3d_frames_match_the_contour_frames_and_carry_only_paths():
    from optim_core.scene import Scene, simulate
    from surfaces import get_surface
    from ui.player import frame_info
    from viz import contour_figure, run_views, surface3d_figure, surface_view

    scene = Scene(
        runs=(RunConfig("sgd", {"lr": 2e-3}), RunConfig("adam", {"lr": 0.05})),
        starts=((-1.2, 1), (1.5, -0.5)),
        steps=300,
    )
    trajs = simulate(scene)
    runs = run_views(trajs, scene.run_labels())
    sv = surface_view(get_surface("rosenbrock"))
    c, s3 = contour_figure(sv, runs), surface3d_figure(sv, runs)
    assert frame_info(c) == frame_info(s3)
    d = s3.to_dict()
    assert d["layout"]["meta"]["redraw"] is True
    roles = [(t.get("meta") or {}).get("role") for t in d["data"]]
    moving = {i for i, r in enumerate(roles) if r in ("path", "head")}
    names, steps = frame_info(s3)
    for f in d["frames"]:
        assert set(f["traces"]) == moving
    # the head of each run in frame k sits on the point of the frame's step, lifted onto the surface
    head = roles.index("head")
    for k in (0, len(names) // 3, len(names) - 1):
        fr = d["frames"][k]
        j = fr["traces"].index(head)
        xs = np.array(fr["data"][j]["x"], dtype=float)
        np.testing.assert_allclose(xs, trajs[0].points[steps[k], :, 0], rtol=1e-6)
    # the last frame is the static figure's own path
    path = roles.index("path")
    last = d["frames"][-1]["data"][d["frames"][-1]["traces"].index(path)]
    np.testing.assert_array_equal(decode(last["x"]), decode(d["data"][path]["x"]))
    assert len(s3.to_json()) < 1_000_000
    assert "frames" not in surface3d_figure(sv, runs, animate=False).to_dict()


# ----------------------------------------------------------------------------------------- the layer's imports
def test_explain_imports_only_the_layers_below_it():
    allowed = {"i18n", "surfaces", "optim_core", "look", "explain"}
    for path in (REPO / "explain").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                assert top not in {"streamlit", "plotly", "viz", "ui", "export", "cli", "lessons"}, (path.name, name)
                if top in {
                    "i18n",
                    "surfaces",
                    "optim_core",
                    "look",
                    "viz",
                    "export",
                    "ui",
                    "cli",
                    "lessons",
                    "explain",
                }:
                    assert top in allowed, (path.name, name)


@pytest.mark.parametrize(
    "scene_kwargs",
    [
        # a run with its own schedule beside one on the scene's, with noise and clipping
        dict(
            surface="rosenbrock",
            runs=(
                RunConfig("adam", {"lr": 0.05}, schedule={"name": "cosine", "T_max": 60}),
                RunConfig("momentum", {"lr": 1e-3}),
            ),
            steps=60,
            schedule={"name": "step", "step_size": 10, "gamma": 0.5},
            noise_std=0.5,
            noise_seed=3,
            clip=2.0,
        ),
        # runs with their own batch sizes on a dataset surface (the scene's is the full batch)
        dict(
            surface="linreg",
            runs=(
                RunConfig("sgd", {"lr": 0.05}, batch_size=1),
                RunConfig("sgd", {"lr": 0.05}, batch_size=16),
                RunConfig("adam", {"lr": 0.05}, schedule={"name": "cosine", "T_max": 40}),
            ),
            steps=40,
            batch_seed=7,
            clip=1.0,
        ),
    ],
    ids=["schedule-noise-clip", "batch-sizes"],
)
def test_the_inspector_explains_the_path_the_map_draws(scene_kwargs):
    """The step inspector re-runs a run to record its state: that run must be the map's own (its own schedule,
    its own batch size, the scene's noise, clipping and sampling seed), or the arrows explain another path."""
    from explain import recorded_run
    from optim_core.scene import Scene

    resolved = Scene(**scene_kwargs).resolve()
    for i in range(len(resolved.runs)):
        drawn = resolved.simulate_run(i)  # what the map draws (ui/compute.py cached_run)
        rec = recorded_run(resolved, i)
        assert rec.record is not None
        np.testing.assert_array_equal(rec.points, drawn.points)
        np.testing.assert_array_equal(rec.lr, drawn.lr)
        vec = step_vectors(rec)
        np.testing.assert_allclose(vec.layers["step"], np.diff(drawn.points, axis=0), rtol=1e-12, atol=1e-15)
