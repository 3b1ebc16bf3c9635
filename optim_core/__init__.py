"""optim_core: NumPy optimizers, verified step for step against torch.optim.

Knows nothing of Streamlit or Plotly.  The public API:

    from optim_core import run, OPTIMIZERS, SCHEDULES
    traj = run("rosenbrock", "adam", (-1.2, 1.0), 500, lr=0.01, betas=(0.9, 0.999))
    traj.points      # (501, 1, 2)   (steps+1, B, d); d = 1 on a curve: run("parabola", "sgd", 2.0, 50, lr=0.1)
    traj.loss        # (501, 1)
    traj.diverged_at # (1,) int, -1 = did not diverge
    traj.record      # with run(..., record_state=True): per-step grad, lr, state buffers, indicators
"""

from .optimizers import OPTIMIZERS, register
from .schedules import SCHEDULES, ScheduleSpec, lr_factors, resolve_schedule
from .spec import HyperParam, Indicator, OptimizerSpec, Reference, SpecError, StateBuffer
from .trajectory import (
    DIVERGENCE_BOUND,
    MAX_BATCH,
    MAX_STEPS,
    Noise,
    StepRecord,
    Trajectory,
    grad_norm,
    resolve_params,
    run,
)

__all__ = [
    "DIVERGENCE_BOUND",
    "MAX_BATCH",
    "MAX_STEPS",
    "OPTIMIZERS",
    "SCHEDULES",
    "HyperParam",
    "Indicator",
    "Noise",
    "OptimizerSpec",
    "Reference",
    "ScheduleSpec",
    "SpecError",
    "StateBuffer",
    "StepRecord",
    "Trajectory",
    "grad_norm",
    "lr_factors",
    "register",
    "resolve_params",
    "resolve_schedule",
    "run",
]
