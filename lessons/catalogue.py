"""The lessons, grouped as a course teaches them. Each text says only what its claims check.

Tuned by running them (``python -m lessons`` prints every lesson's measured claims).
"""

from __future__ import annotations

from i18n import N_
from optim_core.scene import RunConfig, Scene

from .claims import Claim
from .model import Lesson, Question

GROUPS: dict[str, str] = {
    "basics": N_("Basics"),
    "momentum": N_("Momentum"),
    "adaptive": N_("Adaptive methods"),
    "schedules": N_("Schedules"),
    "stochastic": N_("Stochasticity"),
}

_LESSONS = (
    Lesson(
        "lr_parabola",
        "basics",
        N_("Learning rate on x²"),
        N_(
            "The first picture of gradient descent: f(x) = x², a ball rolling down from x = 2, whose curvature is "
            "L = 2. lr 0.01 crawls, lr 0.1 rolls steadily in, lr 0.5 = 1/L lands on the minimum in one step, and "
            "lr 1.2 > 2/L overshoots further on every step and diverges."
        ),
        Scene(
            surface="parabola",
            runs=(
                RunConfig("sgd", {"lr": 0.01}),
                RunConfig("sgd", {"lr": 0.1}),
                RunConfig("sgd", {"lr": 0.5}),
                RunConfig("sgd", {"lr": 1.2}),
            ),
            steps=40,
        ),
        claims=(
            Claim("misses", 0, 0.5),
            Claim("reaches", 1, 0.01),
            Claim("reaches", 2, 1e-12),
            Claim("faster", 2, 1e-6, other=1),
            Claim("diverges_before", 3, 40),
        ),
        question=Question(
            N_("Which learning rate reaches the minimum first?"),
            "first_to_reach",
            N_(
                "On x² one gradient step moves x to (1 − 2·lr)·x: lr = 0.5 makes that factor 0, so the first step "
                "lands exactly on the minimum; smaller factors approach it geometrically, factors below −1 blow up."
            ),
            tol=1e-3,
        ),
        extras={"side_view": "theta"},
    ),
    Lesson(
        "blindfold",
        "basics",
        N_("The blindfolded explorer"),
        N_(
            "Gradient descent is a walker with a blindfold: at each step it feels only the slope under its feet "
            "(the arrow downhill and the level line in the circle) and steps that way. Press ▶ Play: the map "
            "appears only at the end — the walker stands in a dip, but not the deepest one."
        ),
        Scene(surface="six_hump_camel", runs=(RunConfig("sgd", {"lr": 0.02}),), starts=((1.9, 0.8),), steps=150),
        claims=(
            Claim("reaches", 0, 1e-3),
            Claim("above_best", 0, 2.0),
        ),
        extras={"blindfold": True},
    ),
    Lesson(
        "diverge",
        "basics",
        N_("Too-large learning rate"),
        N_(
            "On ½(x² + 10y²) the largest curvature is L = 10. lr = 1/L = 0.1 goes straight down the y-direction, "
            "lr 0.19 < 2/L zig-zags but converges, lr 0.25 > 2/L overshoots further at every step and diverges."
        ),
        Scene(
            surface="ill_conditioned",
            runs=(RunConfig("sgd", {"lr": 0.1}), RunConfig("sgd", {"lr": 0.19}), RunConfig("sgd", {"lr": 0.25})),
            starts=((-4.5, 1.0),),
            steps=50,
        ),
        claims=(
            Claim("reaches", 0, 0.05),
            Claim("reaches", 1, 0.01),
            Claim("stays_finite", 0),
            Claim("stays_finite", 1),
            Claim("diverges_before", 2, 40),
        ),
        question=Question(
            N_("Which learning rate will diverge?"),
            "diverges",
            N_(
                "Gradient descent on a quadratic is stable only for lr < 2/L = 0.2: above it, each step along the "
                "steepest direction overshoots the valley floor by more than it started."
            ),
        ),
    ),
    Lesson(
        "momentum_parabola",
        "momentum",
        N_("Momentum on x²"),
        N_(
            "Same small learning rate on x²: plain SGD is still on its way after 60 steps; momentum μ = 0.5 keeps "
            "part of each step's velocity and arrives; μ = 0.9 builds up so much speed that it overshoots far past "
            "the minimum and swings back and forth."
        ),
        Scene(
            surface="parabola",
            runs=(
                RunConfig("sgd", {"lr": 0.02}),
                RunConfig("momentum", {"lr": 0.02, "momentum": 0.5}),
                RunConfig("momentum", {"lr": 0.02, "momentum": 0.9}),
            ),
            steps=60,
        ),
        claims=(
            Claim("misses", 0, 0.1),
            Claim("reaches", 1, 0.01),
            Claim("closer_than", 1, other=0),
            Claim("overshoots", 2, 0.5),
            Claim("stays_finite", 2),
        ),
        question=Question(
            N_("Which run gets closest to the minimum by the end?"),
            "closest",
            N_(
                "Momentum adds up the past steps: a little of it speeds up a slow descent; too much turns the ball "
                "into a pendulum that swings past the bottom before it settles."
            ),
        ),
        extras={"side_view": "theta"},
    ),
    Lesson(
        "zigzag",
        "momentum",
        N_("Zig-zag vs momentum"),
        N_(
            "Same learning rate on a narrow valley (κ = 20): SGD bounces from wall to wall and creeps along the "
            "floor; momentum μ = 0.4 averages the bouncing away and ends over 1000× closer after 80 steps. Too much "
            "momentum (μ = 0.9) overshoots along the valley and ends farther away than SGD."
        ),
        Scene(
            surface="ill_conditioned",
            surface_params={"kappa": 20.0},
            runs=(
                RunConfig("sgd", {"lr": 0.09}),
                RunConfig("momentum", {"lr": 0.09, "momentum": 0.4}),
                RunConfig("momentum", {"lr": 0.09, "momentum": 0.9}),
            ),
            starts=((-4.5, 2.0),),
            steps=80,
        ),
        claims=(
            Claim("dist_ratio_below", 1, 1e-3, other=0),
            Claim("closer_than", 0, other=2),
            Claim("stays_finite", 2),
        ),
        question=Question(
            N_("Which run ends closest to the minimum?"),
            "closest",
            N_(
                "A little momentum cancels the alternating zig-zag across the valley while it keeps adding up the "
                "steady pull along it; too much momentum carries the path past the minimum again and again."
            ),
        ),
    ),
    Lesson(
        "rosenbrock",
        "momentum",
        N_("Rosenbrock valley"),
        N_(
            "Finding Rosenbrock's curved valley is easy; following it to the minimum at (1, 1) is hard. In 1000 "
            "steps plain SGD crawls only part of the way along the floor, Adam and RMSprop get further, and only "
            "momentum reaches (1, 1)."
        ),
        Scene(
            surface="rosenbrock",
            runs=(
                RunConfig("sgd", {"lr": 0.001}),
                RunConfig("momentum", {"lr": 0.001}),
                RunConfig("adam", {"lr": 0.02}),
                RunConfig("rmsprop", {"lr": 0.005}),
            ),
            steps=1000,
        ),
        claims=(
            Claim("reaches", 1, 0.02),
            Claim("misses", 0, 1.0),
            Claim("closer_than", 2, other=0),
            Claim("closer_than", 3, other=0),
            Claim("misses", 2, 0.1),
            Claim("misses", 3, 0.1),
        ),
        question=Question(
            N_("Which run gets to (1, 1) first?"),
            "first_to_reach",
            N_(
                "Along the valley floor the gradient is tiny and points mostly across the valley; momentum keeps "
                "the speed it built up along the floor, the others do not."
            ),
            tol=0.05,
        ),
    ),
    Lesson(
        "saddle",
        "adaptive",
        N_("Saddle escape"),
        N_(
            "Starting almost on the ridge of x² − y², SGD slides into the saddle point and crawls there (the "
            "gradient is nearly zero); RMSprop and Adam rescale the tiny y-gradient and escape downhill."
        ),
        Scene(
            surface="saddle",
            runs=(RunConfig("sgd", {"lr": 0.01}), RunConfig("rmsprop", {"lr": 0.01}), RunConfig("adam", {"lr": 0.03})),
            starts=((-1.8, 0.001),),
            steps=120,
        ),
        claims=(
            Claim("near_point", 0, 0.2, point=(0.0, 0.0)),
            Claim("moves_more", 1, 3.0),
            Claim("moves_more", 2, 5.0),
            Claim("final_f_below", 1, -5.0),
            Claim("final_f_below", 2, -5.0),
        ),
        question=Question(
            N_("Which run gets lowest?"),
            "lowest_f",
            N_(
                "Near the saddle the gradient along y is tiny; adaptive methods divide each coordinate by its own "
                "recent gradient size, so even a tiny slope gives a full-sized step downhill."
            ),
        ),
    ),
    Lesson(
        "adagrad",
        "adaptive",
        N_("Adagrad vs RMSprop"),
        N_(
            "Both take the same first step. Adagrad divides by the sum of all past squared gradients, so its steps "
            "keep shrinking (the last is under 1 % of the first) and after 600 steps it is still far from the "
            "minimum; RMSprop averages only recent gradients and arrives."
        ),
        Scene(
            surface="booth",
            runs=(RunConfig("adagrad", {"lr": 0.3}), RunConfig("rmsprop", {"lr": 0.03})),
            starts=((-8.0, -6.0),),
            steps=600,
        ),
        claims=(
            Claim("steps_shrink", 0, 0.01),
            Claim("misses", 0, 0.5),
            Claim("reaches", 1, 0.01),
        ),
        question=Question(
            N_("Both start with the same step size. Which one reaches the minimum?"),
            "first_to_reach",
            N_(
                "Adagrad's denominator is a sum that only grows, so its step size shrinks like 1/√t; RMSprop's is an "
                "exponential average that forgets old gradients, so its steps stay useful."
            ),
            tol=0.01,
        ),
    ),
    Lesson(
        "adamw",
        "adaptive",
        N_("Adam vs AdamW"),
        N_(
            "Same weight decay λ = 1. Adam adds λθ to the gradient, where it competes with Himmelblau's steep slopes "
            "and barely moves the end point; AdamW shrinks θ directly each step, a pull the normalised Adam step "
            "balances only near |θ| ≈ 1/λ, so it settles far closer to the origin, near (1, 1)."
        ),
        Scene(
            surface="himmelblau",
            runs=(
                RunConfig("adam", {"lr": 0.1}),
                RunConfig("adam", {"lr": 0.1, "weight_decay": 1.0}),
                RunConfig("adamw", {"lr": 0.1, "weight_decay": 1.0}),
            ),
            starts=((0.0, 0.0),),
            steps=400,
        ),
        claims=(
            Claim("reaches", 0, 1e-6),
            Claim("reaches", 1, 0.1),
            Claim("misses", 2, 2.0),
            Claim("near_point", 2, 0.05, point=(1.0, 1.0)),
        ),
    ),
)

_LESSONS = (
    *_LESSONS,
    Lesson(
        "warmup_cosine",
        "schedules",
        N_("Warm-up + cosine vs constant"),
        N_(
            "SGD on a bowl with noisy gradients (σ = 2). At a constant learning rate the path keeps jittering around "
            "the minimum at the noise floor; warm-up + cosine annealing starts with tiny steps, then lowers the "
            "learning rate towards 0 at the end, so the path settles much closer."
        ),
        Scene(
            surface="quadratic",
            runs=(
                RunConfig("sgd", {"lr": 0.1}),
                RunConfig("sgd", {"lr": 0.1}, {"name": "warmup_cosine", "warmup_steps": 30}),
            ),
            steps=300,
            noise_std=2.0,
            noise_seed=1,
        ),
        claims=(
            Claim("closer_than", 1, other=0),
            Claim("dist_ratio_below", 1, 0.4, other=0),
        ),
        question=Question(
            N_("Which run ends closer to the minimum?"),
            "closest",
            N_(
                "With noisy gradients each step scatters the point by about lr × noise: a constant lr keeps that "
                "scatter to the end, an annealed lr shrinks it; the warm-up keeps the first, least informed steps "
                "small."
            ),
        ),
    ),
)

LESSONS: dict[str, Lesson] = {lesson.id: lesson for lesson in _LESSONS}
