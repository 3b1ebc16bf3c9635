"""The chooser ("What are you training?") and the practical tips, as data: each a scene that demonstrates it.

Course material recommends an optimizer per kind of task and gives rules of thumb. Here every recommendation
and every tip comes with a scene, and every sentence that states a fact about that scene is backed by a
:class:`~lessons.claims.Claim` measured on the scene's own trajectories (``python -m lessons.guide`` prints
them; tests/unit/test_guide.py asserts them). What a picture cannot prove (why 0.99 suits RNNs, why batch sizes
are powers of two) is said as such in the tip's ``caveat``, never dressed up as something the picture shows.

    from lessons.guide import CHOICES, TIPS
    CHOICES["sparse"].recommendation, CHOICES["sparse"].reason, CHOICES["sparse"].scene
    TIPS["warmup"].tip, TIPS["warmup"].shows, TIPS["warmup"].caveat

A scene marked ``tuned`` gives every run the learning rate that the sidebar's "Tune each run" finds for it (the
lowest final loss over the slider's lr options within the tuner's grid); the tests check that too.

Texts are marked with ``N_`` and extracted from the source like the lessons' (``python -m tools.i18n extract``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from i18n import N_
from optim_core.scene import RunConfig, Scene

from .claims import Claim
from .model import Lesson


@dataclass(frozen=True)
class Choice:
    """One answer to "What are you training?": the kind of task, the recommendation, why, and a scene that
    shows the why."""

    id: str  # button key: chooser_<id>
    task: str  # translatable, short: "Sparse features, NLP"
    recommendation: str  # translatable: "Adagrad or Adam"
    reason: str  # translatable, one or two sentences; every fact in it is a claim about the scene
    scene: Scene
    claims: tuple[Claim, ...]
    tuned: bool = False  # every run's lr is what "Tune each run" finds for it
    caveat: str = ""  # translatable: what the picture cannot prove (said plainly), or ""

    def as_lesson(self) -> Lesson:
        """The same, shaped as a lesson (title, text, scene, claims), for views that show a lesson's note."""
        return Lesson(f"guide_{self.id}", "guide", self.recommendation, self.reason, self.scene, self.claims)


@dataclass(frozen=True)
class Tip:
    """A rule of thumb, what its scene shows, and what no picture here can show."""

    id: str  # button key: tip_<id>
    title: str  # translatable, short
    tip: str  # translatable: the advice, as the course gives it
    shows: str  # translatable: what the scene shows; every fact in it is a claim about the scene
    scene: Scene
    claims: tuple[Claim, ...]
    caveat: str = ""  # translatable: what the picture cannot prove (said plainly), or ""
    tuned: bool = False

    def as_lesson(self) -> Lesson:
        return Lesson(f"tip_{self.id}", "guide", self.title, self.shows, self.scene, self.claims)


# --------------------------------------------------------------------------------------------- the chooser
_CHOICES = (
    Choice(
        "simple",
        N_("Small model, simple task"),
        N_("SGD + momentum"),
        N_(
            "A small model often has a smooth, bowl-shaped loss, like this line fitted to 200 points. With each "
            "learning rate tuned, SGD + momentum gets within 0.001 of the minimum first, plain SGD next, Adam last."
        ),
        Scene(
            surface="linreg",
            runs=(
                RunConfig("sgd", {"lr": 0.3}),
                RunConfig("momentum", {"lr": 0.2, "momentum": 0.5}),
                RunConfig("adam", {"lr": 0.12}),
            ),
            steps=150,
        ),
        claims=(
            Claim("faster", 1, 1e-3, other=0),
            Claim("faster", 0, 1e-3, other=2),
            Claim("reaches", 2, 1e-3),
        ),
        tuned=True,
    ),
    Choice(
        "sparse",
        N_("Sparse features, NLP"),
        N_("Adagrad or Adam"),
        N_(
            "A rare feature's weight gets small gradients: here the slope along x is 100× gentler than along y. "
            "SGD's lr must suit the steep y, so it crawls along x; Adagrad and Adam scale each coordinate's step "
            "by its own gradients, and both reach the minimum."
        ),
        Scene(
            surface="ill_conditioned",
            surface_params={"kappa": 100.0},
            runs=(
                RunConfig("sgd", {"lr": 0.019}),
                RunConfig("adagrad", {"lr": 1.0}),
                RunConfig("adam", {"lr": 0.1}),
            ),
            starts=((-4.5, 1.0),),
            steps=150,
        ),
        claims=(
            Claim("stays_finite", 0),
            Claim("misses", 0, 0.2),
            Claim("reaches", 1, 1e-3),
            Claim("reaches", 2, 1e-2),
        ),
    ),
    Choice(
        "vision",
        N_("Images, Transformers"),
        N_("AdamW"),
        N_(
            "Adam + L2 adds λθ to the gradient and then divides it by each weight's gradient size, so the steep x "
            "ends at 1.98 while the gentle y is halved to 1. AdamW shrinks every weight directly and alike: both "
            "end near 0.88."
        ),
        Scene(
            surface="50*(x - 2)^2 + 0.5*(y - 2)^2",
            runs=(
                RunConfig("adam", {"lr": 0.05}),
                RunConfig("adam", {"lr": 0.05, "weight_decay": 1.0}),
                RunConfig("adamw", {"lr": 0.05, "weight_decay": 1.0}),
            ),
            starts=((-1.0, -1.0),),
            steps=400,
        ),
        claims=(
            Claim("reaches", 0, 1e-3),
            Claim("near_point", 1, 0.005, point=(1.98, 1.0)),
            Claim("near_point", 2, 0.01, point=(0.885, 0.885)),
        ),
    ),
    Choice(
        "speed",
        N_("Training speed matters"),
        N_("Adam or RMSprop"),
        N_(
            "Their steps stay about lr long however gentle the slope, so they cross this nearly flat plateau and "
            "reach the minimum. SGD's step is lr × slope: at an lr safe at the bottom of the well it moves less "
            "than 0.2 in 150 steps."
        ),
        Scene(
            surface="1 - exp(-(x^2 + y^2)/2)",
            runs=(
                RunConfig("sgd", {"lr": 1.5}),
                RunConfig("adam", {"lr": 0.1}),
                RunConfig("rmsprop", {"lr": 0.05}),
            ),
            starts=((3.5, 2.5),),
            steps=150,
        ),
        claims=(
            Claim("stays_finite", 0),
            Claim("moves_less", 0, 0.2),
            Claim("reaches", 1, 1e-2),
            Claim("reaches", 2, 1e-2),
        ),
    ),
    Choice(
        "unsure",
        N_("Not sure"),
        N_("Don't just use Adam blindly: test on your problem"),
        N_(
            "No optimizer is best everywhere: on Himmelblau's function, each lr tuned for these 150 steps, SGD and "
            "RMSprop reach a minimum before Adam does. Compare the candidates on your own problem (Tune each run, "
            "in the sidebar)."
        ),
        Scene(
            surface="himmelblau",
            runs=(
                RunConfig("sgd", {"lr": 0.02}),
                RunConfig("momentum", {"lr": 0.008}),
                RunConfig("adam", {"lr": 3.0}),
                RunConfig("rmsprop", {"lr": 0.2}),
            ),
            steps=150,
        ),
        claims=(
            Claim("faster", 0, 1e-3, other=2),
            Claim("faster", 3, 1e-3, other=2),
            Claim("reaches", 2, 1e-3),
        ),
        tuned=True,
        caveat=N_(
            "What no surface here can show: on real networks Adam often lowers the training loss fastest but can "
            "generalise worse than SGD with momentum (Wilson et al., 2017). Judge on held-out data, not only on "
            "the training loss."
        ),
    ),
)

# --------------------------------------------------------------------------------------------- the tips
_TIPS = (
    Tip(
        "adam_lr",
        N_("Adam's learning rate"),
        N_("Start near 3e-4 and move by factors of 10 (3e-3, 3e-5 …), not by small nudges."),
        N_(
            "Adam's step is about lr long whatever the slope, so lr decides how far it gets: in 500 steps 3e-5 "
            "moves less than 0.025, 3e-4 less than 0.25, 3e-3 ends over 1 away, 3e-2 reaches the minimum."
        ),
        Scene(
            surface="quadratic",
            runs=tuple(RunConfig("adam", {"lr": lr}) for lr in (3e-5, 3e-4, 3e-3, 3e-2)),
            steps=500,
        ),
        claims=(
            Claim("moves_less", 0, 0.025),
            Claim("moves_less", 1, 0.25),
            Claim("misses", 2, 1.0),
            Claim("reaches", 3, 1e-3),
        ),
        caveat=N_(
            "3e-4 is a rule of thumb for neural networks, not for this surface: here it is far too small, which "
            "is why you try factors of 10."
        ),
    ),
    Tip(
        "momentum",
        N_("Momentum 0.9"),
        N_("Use momentum 0.9; 0.99 is common for RNNs."),
        N_(
            "Same lr on a narrow valley: without momentum SGD is still far from the minimum after 200 steps, "
            "μ = 0.9 reaches it, μ = 0.99 keeps so much speed that it overshoots and is still swinging at the end."
        ),
        Scene(
            surface="ill_conditioned",
            runs=tuple(RunConfig("momentum", {"lr": 0.01, "momentum": m}) for m in (0.0, 0.9, 0.99)),
            starts=((-4.5, 2.0),),
            steps=200,
        ),
        claims=(
            Claim("misses", 0, 0.5),
            Claim("reaches", 1, 1e-3),
            Claim("overshoots", 2, 1.0),
            Claim("misses", 2, 0.5),
        ),
        caveat=N_("Why RNNs like 0.99 comes from training on long sequences: no surface here can show it."),
    ),
    Tip(
        "batch",
        N_("Batch size"),
        N_("Use powers of two as batch sizes: 16, 32, 64, 128."),
        N_(
            "At the same lr, batch 8's path is shaken by sampling noise and ends more than 0.1 from the minimum, "
            "batch 64 ends closer, and the full batch of 200, not a power of two, lands on it."
        ),
        Scene(
            surface="linreg",
            runs=tuple(RunConfig("sgd", {"lr": 0.05}, None, b) for b in (8, 16, 32, 64, 200)),
            steps=300,
        ),
        claims=(
            Claim("misses", 0, 0.1),
            Claim("closer_than", 3, other=0),
            Claim("reaches", 4, 1e-3),
        ),
        caveat=N_(
            "Powers of two are a hardware convention (GPUs work in blocks of 8, 32 …), not a law of "
            "optimization: no picture here can show it."
        ),
    ),
    Tip(
        "schedule",
        N_("Learning-rate schedules"),
        N_("Lower the learning rate as training goes on: step decay or cosine annealing."),
        N_(
            "SGD on mini-batches of 8: at a constant lr the path keeps jittering around the minimum; step decay "
            "(× 0.3 every 100 steps) and cosine annealing calm it and end over 4× closer."
        ),
        Scene(
            surface="linreg",
            runs=(
                RunConfig("sgd", {"lr": 0.1}),
                RunConfig("sgd", {"lr": 0.1}, {"name": "step", "step_size": 100, "gamma": 0.3}),
                RunConfig("sgd", {"lr": 0.1}, {"name": "cosine"}),
            ),
            steps=300,
            batch_size=8,
        ),
        claims=(
            Claim("dist_ratio_below", 1, 0.25, other=0),
            Claim("dist_ratio_below", 2, 0.25, other=0),
        ),
    ),
    Tip(
        "warmup",
        N_("Warm-up"),
        N_("Start with a small learning rate and ramp it up over the first steps."),
        N_(
            "Same lr 0.08 and cosine annealing on a surface that is steep far from its minimum: without warm-up "
            "SGD overshoots from its first steps and diverges; a 50-step warm-up first brings it down to gentler "
            "ground, where the full lr is safe, and it reaches the minimum."
        ),
        Scene(
            surface="x^4 + y^4 + x^2 + y^2",
            runs=(
                RunConfig("sgd", {"lr": 0.08}, {"name": "cosine"}),
                RunConfig("sgd", {"lr": 0.08}, {"name": "warmup_cosine", "warmup_steps": 50}),
            ),
            starts=((2.5, 2.0),),
            steps=500,
        ),
        claims=(
            Claim("diverges_before", 0, 10),
            Claim("stays_finite", 1),
            Claim("reaches", 1, 1e-3),
        ),
    ),
)

CHOICES: dict[str, Choice] = {c.id: c for c in _CHOICES}
TIPS: dict[str, Tip] = {t.id: t for t in _TIPS}

HEADINGS = {
    "chooser": N_("What are you training?"),
    "tips": N_("Practical tips, each with a scene that shows it"),
}


def texts() -> Iterator[tuple[str, str]]:
    """(text, where) for every text of the chooser and the tips (all marked with N_ above)."""
    for key, text in HEADINGS.items():
        yield text, f"lessons.guide:{key}"
    for c in CHOICES.values():
        for name in ("task", "recommendation", "reason", "caveat"):
            if getattr(c, name):
                yield getattr(c, name), f"lessons.guide:choice.{c.id}.{name}"
    for t in TIPS.values():
        for name in ("title", "tip", "shows", "caveat"):
            if getattr(t, name):
                yield getattr(t, name), f"lessons.guide:tip.{t.id}.{name}"


def main() -> int:
    """``python -m lessons.guide``: every chooser and tip claim, measured (✓ / ✗)."""
    import i18n

    from .claims import report

    lang = i18n.get("en")
    entries: list[tuple[str, str, Scene, tuple[Claim, ...]]] = [
        *((f"chooser {c.id}", c.recommendation, c.scene, c.claims) for c in CHOICES.values()),
        *((f"tip {t.id}", t.title, t.scene, t.claims) for t in TIPS.values()),
    ]
    bad = sum(report(f"{name} — {title}", scene, claims, lang)[0] for name, title, scene, claims in entries)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
