"""optim_core: NumPy optimizers, verified step for step against torch.optim.

Knows nothing of Streamlit or Plotly.  The public API:

    from optim_core import run, OPTIMIZERS, SCHEDULES
    traj = run("rosenbrock", "adam", (-1.2, 1.0), 500, lr=0.01, betas=(0.9, 0.999))
    traj.points      # (501, 1, 2)
    traj.loss        # (501, 1)
    traj.diverged_at # (1,) int, -1 = did not diverge
"""

from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES, ScheduleSpec, lr_factors, resolve_schedule
from .spec import HyperParam, OptimizerSpec, SpecError
from .trajectory import DIVERGENCE_BOUND, MAX_BATCH, MAX_STEPS, Noise, Trajectory, resolve_params, run

__all__ = [
    "DIVERGENCE_BOUND",
    "MAX_BATCH",
    "MAX_STEPS",
    "OPTIMIZERS",
    "SCHEDULES",
    "HyperParam",
    "Noise",
    "OptimizerSpec",
    "ScheduleSpec",
    "SpecError",
    "Trajectory",
    "lr_factors",
    "resolve_params",
    "resolve_schedule",
    "run",
]
