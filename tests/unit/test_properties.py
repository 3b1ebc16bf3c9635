"""Property tests: any optimizer × in-range hyperparameters × start → finite output, right shapes,
divergence reported consistently."""

from __future__ import annotations

import math
import warnings

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optim_core import DIVERGENCE_BOUND, OPTIMIZERS, run
from surfaces import BUILTINS, get_surface


@st.composite
def hyperparameters(draw, spec):
    out = {}
    for p in spec.hyperparams:
        if p.kind == "bool":
            out[p.name] = draw(st.booleans())
            continue
        lo, hi = p.slider_range()
        if p.log:
            lo = max(lo, 1e-12)
            value = 10 ** draw(st.floats(math.log10(lo), math.log10(hi)))
        else:
            value = draw(st.floats(lo, hi))
        if p.high_open and value >= p.high:
            value = math.nextafter(p.high, -math.inf)
        if p.low_open and value <= p.low:
            value = math.nextafter(p.low, math.inf)
        out[p.name] = value
    return out


@st.composite
def scenarios(draw):
    oid = draw(st.sampled_from(list(OPTIMIZERS)))
    sid = draw(st.sampled_from(list(BUILTINS)))
    surface = get_surface(sid)
    (x0, x1), (y0, y1) = surface.domain
    batch = draw(st.integers(1, 3))
    starts = np.array([[draw(st.floats(x0, x1)), draw(st.floats(y0, y1))] for _ in range(batch)])
    params = draw(hyperparameters(OPTIMIZERS[oid]))
    steps = draw(st.integers(1, 60))
    schedule = draw(
        st.sampled_from(
            [
                None,
                "cosine",
                {"name": "step", "step_size": 5, "gamma": 0.5},
                {"name": "warmup_cosine", "warmup_steps": 3},
            ]
        )
    )
    noise = draw(st.sampled_from([None, {"std": 1.0, "seed": 3}]))
    clip = draw(st.sampled_from([None, 1.0, 100.0]))
    return oid, sid, starts, steps, params, schedule, noise, clip


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_any_in_range_run_is_finite_and_consistent(case):
    oid, sid, starts, steps, params, schedule, noise, clip = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # NumPy floating-point warnings must never escape
        t = run(sid, oid, starts, steps, schedule=schedule, noise=noise, clip=clip, **params)
    batch = starts.shape[0]
    assert t.points.shape == (steps + 1, batch, 2)
    assert t.loss.shape == t.grad_norm.shape == (steps + 1, batch)
    assert np.isfinite(t.points).all() and np.isfinite(t.loss).all() and np.isfinite(t.grad_norm).all()
    np.testing.assert_array_equal(t.points[0], starts)
    for b in range(batch):
        d = int(t.diverged_at[b])
        if d < 0:
            assert t.reasons[b] is None
            assert (np.hypot(t.points[:, b, 0], t.points[:, b, 1]) <= DIVERGENCE_BOUND).all()
        else:
            assert 1 <= d <= steps and t.reasons[b]
            np.testing.assert_array_equal(t.points[d:, b], np.broadcast_to(t.points[d - 1, b], (steps + 1 - d, 2)))
            np.testing.assert_array_equal(t.loss[d:, b], t.loss[d - 1, b])
