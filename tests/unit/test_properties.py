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


# --------------------------------------------------------------------------- mini-batches on finite-sum surfaces
@st.composite
def finite_sum_runs(draw):
    """An optimizer (default hyperparameters but a drawn lr) on a dataset surface from a start in its window."""
    from surfaces import DATASETS

    oid = draw(st.sampled_from(list(OPTIMIZERS)))
    sid = draw(st.sampled_from(list(DATASETS)))
    (x0, x1), (y0, y1) = get_surface(sid).domain
    n_starts = draw(st.integers(1, 3))
    starts = np.array([[draw(st.floats(x0, x1)), draw(st.floats(y0, y1))] for _ in range(n_starts)])
    lr = 10 ** draw(st.floats(-3.0, 0.0))
    steps = draw(st.integers(1, 60))
    return oid, sid, starts, steps, lr


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    finite_sum_runs(),
    st.sampled_from([None, 1.0]),
    st.sampled_from([None, {"std": 0.3, "seed": 2}]),
    st.integers(0, 2**31 - 1),
)
def test_batch_size_n_is_the_full_batch_run_exactly(case, clip, noise, seed):
    """Batch size N is full-batch gradient descent: bit for bit the run without a batch size, whatever the seed,
    with noise and clipping on top."""
    oid, sid, starts, steps, lr = case
    full = run(sid, oid, starts, steps, lr=lr, clip=clip, noise=noise)
    n_batch = run(sid, oid, starts, steps, lr=lr, clip=clip, noise=noise, batch_size=200, seed=seed)
    np.testing.assert_array_equal(n_batch.points, full.points)
    np.testing.assert_array_equal(n_batch.loss, full.loss)
    np.testing.assert_array_equal(n_batch.diverged_at, full.diverged_at)
    assert n_batch.sampling.full_batch and n_batch.epoch.tolist() == list(range(1, steps + 1))


_SYMBOLIC: dict[str, object] = {}


def _mean_loss_surface(sid: str):
    """The dataset surface's mean loss as a plain SymPy surface (its own lambdified f and symbolic gradient)."""
    from surfaces import Surface

    if sid not in _SYMBOLIC:
        s = get_surface(sid)
        _SYMBOLIC[sid] = Surface(id=sid + "_mean", name=sid, expr=s.expr, domain=s.domain, minima=s.minima)
    return _SYMBOLIC[sid]


# Sign and switch rules (Lion's sign(c), SWATS's switch test) turn a rounding-level difference in the gradient
# into a different step; every other optimizer is continuous in the gradient.
_CONTINUOUS = [o for o in OPTIMIZERS if o not in ("lion", "swats")]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finite_sum_runs())
def test_full_batch_run_equals_run_on_the_mean_loss_surface(case):
    """With noise off and batch size N, the finite-sum run is run() on the surface f(θ) = (1/N) Σ ℓᵢ(θ) written
    as a formula: the closed-form data gradient and SymPy's derivative of the formula agree along every path."""
    oid, sid, starts, steps, lr = case
    if oid not in _CONTINUOUS:
        oid = "adam"
    ours = run(sid, oid, starts, steps, lr=lr, batch_size=200, seed=1)
    plain = run(_mean_loss_surface(sid), oid, starts, steps, lr=lr)
    assert plain.sampling is None
    np.testing.assert_allclose(ours.points, plain.points, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(ours.loss, plain.loss, rtol=1e-6, atol=1e-9)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(finite_sum_runs(), st.integers(1, 200), st.integers(0, 1000))
def test_any_batch_size_is_finite_and_samples_each_point_once_per_epoch(case, batch_size, seed):
    oid, sid, starts, steps, lr = case
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        t = run(sid, oid, starts, steps, lr=lr, batch_size=batch_size, seed=seed, record_state=True)
    assert np.isfinite(t.points).all() and np.isfinite(t.loss).all()
    s = t.sampling
    per_epoch = -(-200 // batch_size)
    assert s.steps_per_epoch == per_epoch
    np.testing.assert_array_equal(s.epoch, np.arange(steps) // per_epoch + 1)
    complete = steps // per_epoch
    if complete:
        np.testing.assert_array_equal(s.sizes[: complete * per_epoch].reshape(complete, per_epoch).sum(axis=1), 200)
    assert (s.sizes >= 1).all() and (s.sizes <= batch_size).all()
