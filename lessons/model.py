"""The data of a lesson: its scene, text, checked claims and optional question."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from optim_core.scene import ResolvedScene, Scene

from .claims import Claim, Trajectory


@dataclass(frozen=True)
class Question:
    """Asked before the animation; the runs are the options."""

    text: str  # translatable, e.g. "Which run reaches the minimum first?"
    kind: str  # "first_to_reach" | "diverges" | "closest" | "farthest" | "lowest_f" | "farthest_early"
    explanation: str  # translatable: why, shown with the answer
    tol: float = 1e-2  # for first_to_reach
    steps: int = 10  # for farthest_early: the distance travelled over the first `steps` steps

    def answer(self, trajs: Sequence[Trajectory], resolved: ResolvedScene) -> int:
        """The index of the run that answers the question (measured on the trajectories)."""
        if self.kind == "diverges":
            d = [int(t.diverged_at[0]) for t in trajs]
            diverged = [i for i, v in enumerate(d) if v >= 0]
            return min(diverged, key=lambda i: d[i]) if diverged else -1
        if self.kind == "farthest_early":
            lengths = []
            for t in trajs:
                p = t.points[: self.steps + 1, 0]
                lengths.append(float(np.linalg.norm(np.diff(p, axis=0), axis=-1).sum()))
            return int(np.argmax(lengths))
        if self.kind == "lowest_f":
            return int(np.argmin([float(t.loss[-1, 0]) for t in trajs]))
        dists = [t.distance_to_minimum() for t in trajs]
        if self.kind == "first_to_reach":
            firsts = []
            for i, d in enumerate(dists):
                hit = np.flatnonzero(d[:, 0] <= self.tol) if d is not None else np.array([])
                if trajs[i].diverged_at[0] >= 0:
                    hit = hit[hit < trajs[i].diverged_at[0]]
                firsts.append(int(hit[0]) if hit.size else 10**9)
            best = int(np.argmin(firsts))
            return best if firsts[best] < 10**9 else -1
        ends = [float(d[-1, 0]) if d is not None else float("inf") for d in dists]
        return int(np.argmin(ends)) if self.kind == "closest" else int(np.argmax(ends))


@dataclass(frozen=True)
class Lesson:
    id: str  # button key: lesson_<id>
    group: str  # a key of GROUPS
    title: str  # translatable (N_)
    text: str  # translatable: what to look at, one or two sentences, only what the picture shows
    scene: Scene
    claims: tuple[Claim, ...] = ()
    question: Question | None = None
    extras: dict = field(default_factory=dict)  # view hints for the UI (e.g. {"side": "3d"})
