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

_LESSONS: tuple[Lesson, ...] = (
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
        Scene(
            surface="six_hump_camel",
            runs=(RunConfig("sgd", {"lr": 0.02}),),
            starts=((1.9, 0.8),),
            steps=150,
            window=((-2.2, 2.2), (-1.2, 1.2)),  # room for the walker's circle at the start, near the right edge
        ),
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

_LESSONS = (
    *_LESSONS,
    Lesson(
        "adam_bias",
        "adaptive",
        N_("Adam's bias correction"),
        N_(
            "Adam's averages m and v start at 0, so early on they are too small; the bias correction divides them "
            "by (1 − βᵗ). Without it the early steps are larger, not smaller: the first step is more than 3× the "
            "corrected one (η(1−β₁)/√(1−β₂) = 3.2η at β = 0.9, 0.999), and over the first 10 steps the "
            "uncorrected run travels more than 3× as far."
        ),
        Scene(
            surface="ill_conditioned",
            runs=(RunConfig("adam", {"lr": 0.1}), RunConfig("adam", {"lr": 0.1, "bias_correction": False})),
            starts=((-4.5, 2.0),),
            steps=100,
        ),
        claims=(
            Claim("early_travel_ratio", 1, 3.0, other=0, steps=1),
            Claim("early_travel_ratio", 1, 3.0, other=0, steps=10),
        ),
        question=Question(
            N_("Which run travels farther in its first steps?"),
            "farthest_early",
            N_(
                "Without the correction m is too small by (1−β₁ᵗ) and √v by √(1−β₂ᵗ); the second shrinks the "
                "denominator more than the first shrinks the numerator, so the step grows."
            ),
            steps=10,
        ),
        extras={"side_view": "loss"},
    ),
    Lesson(
        "amsgrad",
        "adaptive",
        N_("AMSGrad's running maximum"),
        N_(
            "Both start on Rosenbrock's steep wall, where gradients are large. AMSGrad divides by the largest v̂ "
            "seen so far — the old maximum is kept at more than 90 % of its steps — so on the flat valley floor its "
            "steps stay small. Adam's v forgets the wall (β₂ = 0.99): its path is more than 1.5× as long and it "
            "ends closer to the minimum."
        ),
        Scene(
            surface="rosenbrock",
            runs=(RunConfig("adam", {"lr": 0.05, "beta2": 0.99}), RunConfig("amsgrad", {"lr": 0.05, "beta2": 0.99})),
            starts=((-1.5, 2.5),),
            steps=300,
        ),
        claims=(
            Claim("flag_share_above", 1, 0.9, name="kept_max"),
            Claim("path_longer", 0, 1.5, other=1),
            Claim("closer_than", 0, other=1),
        ),
    ),
    Lesson(
        "radam",
        "adaptive",
        N_("RAdam's warm-up-like start"),
        N_(
            "On the logistic-regression loss, RAdam's first 5 steps are plain momentum SGD: its estimate of the "
            "variance is not trusted yet (ρ_t ≤ 5). From step 6 (◆) the adaptive step turns on, scaled down by a "
            "rectification r_t that starts small and grows — a built-in warm-up: over the first 50 steps Adam "
            "travels more than twice as far."
        ),
        Scene(
            surface="logreg",
            runs=(RunConfig("adam", {"lr": 0.1}), RunConfig("radam", {"lr": 0.1})),
            steps=200,
        ),
        claims=(
            Claim("flag_off_until", 1, 5, name="rectified"),
            Claim("flag_first_before", 1, 7, name="rectified"),
            Claim("early_travel_ratio", 0, 2.0, other=1, steps=50),
        ),
        extras={"side_view": "loss"},
    ),
    Lesson(
        "swats",
        "adaptive",
        N_("SWATS switches from Adam to SGD"),
        N_(
            "SWATS starts as Adam and estimates at every step which plain SGD learning rate would have made the same "
            "step. Once that estimate settles (to within ε) it switches to SGD with momentum at that rate: the ◆ "
            "marks the switch, before step 100 with ε = 0.01. With the default ε = 10⁻⁶ the estimate must settle "
            "to a millionth, and the third run has not switched after 300 steps."
        ),
        Scene(
            surface="logreg",
            runs=(
                RunConfig("adam", {"lr": 0.1, "eps": 0.01}),
                RunConfig("swats", {"lr": 0.1, "eps": 0.01}),
                RunConfig("swats", {"lr": 0.1}),
            ),
            steps=300,
        ),
        claims=(
            Claim("flag_first_before", 1, 100, name="switched"),
            Claim("flag_off_until", 2, 300, name="switched"),
            Claim("reaches", 1, 0.01),
        ),
    ),
    Lesson(
        "eps_inside",
        "adaptive",
        N_("ε inside or outside the root"),
        N_(
            "On a very flat bowl, f = 10⁻⁶(x² + 3y²), the gradients are about 10⁻⁶ and v̂ ≈ 10⁻¹², far below "
            "ε = 10⁻⁸. torch's √v̂ + ε still divides by about √v̂ and keeps steps of about η: it reaches the minimum. "
            "The textbook √(v̂ + ε) divides by √ε = 10⁻⁴ instead and crawls like SGD: its path is less than a third "
            "as long."
        ),
        Scene(
            surface="1e-6*(x^2 + 3*y^2)",
            runs=(RunConfig("adam", {"lr": 0.1}), RunConfig("adam", {"lr": 0.1, "eps_inside": True})),
            starts=((2.0, -1.5),),
            steps=100,
        ),
        claims=(
            Claim("reaches", 0, 0.05),
            Claim("misses", 1, 1.0),
            Claim("path_longer", 0, 3.0, other=1),
        ),
    ),
    Lesson(
        "momentum_schedule",
        "schedules",
        N_("Two momentum formulas under a schedule"),
        N_(
            "torch's momentum and the textbook form with η inside the velocity (v ← γv + η∇J, θ ← θ − v) take "
            "exactly the same 20 steps. At step 20 the step schedule divides η by 10: torch rescales its whole "
            "velocity by the new η at once and settles near the minimum, while the textbook velocity still carries "
            "the steps taken at the old η and coasts on — they end more than 1 apart."
        ),
        Scene(
            surface="ill_conditioned",
            runs=(
                RunConfig("momentum", {"lr": 0.05, "momentum": 0.9}),
                RunConfig("momentum", {"lr": 0.05, "momentum": 0.9, "lr_inside": True}),
            ),
            starts=((-4.5, 2.0),),
            steps=100,
            schedule={"name": "step", "step_size": 20, "gamma": 0.1},
        ),
        claims=(
            Claim("together_until", 0, 1e-9, other=1, steps=20),
            Claim("apart_by", 0, 1.0, other=1),
            Claim("reaches", 0, 0.1),
            Claim("misses", 1, 1.0),
        ),
    ),
    Lesson(
        "batch_size",
        "stochastic",
        N_("SGD, mini-batch, full batch"),
        N_(
            "The same lr 0.05 on the regression loss, three ways to estimate the gradient: one sample per step "
            "(SGD), a mini-batch of 16, all 200 samples. SGD's path jitters — more than 5× as long as the full "
            "batch's — and ends far above the minimum; the mini-batch averages the noise away, ending with f − f* "
            "below 5 % of SGD's; the full batch walks smoothly to the minimum."
        ),
        Scene(
            surface="linreg",
            runs=(
                RunConfig("sgd", {"lr": 0.05}, batch_size=1),
                RunConfig("sgd", {"lr": 0.05}, batch_size=16),
                RunConfig("sgd", {"lr": 0.05}),
            ),
            starts=((-1.0, 2.0),),
            steps=400,
        ),
        claims=(
            Claim("path_longer", 0, 5.0, other=2),
            Claim("loss_below", 1, 0.05, other=0),
            Claim("reaches", 2, 1e-3),
            Claim("loss_below", 2, 0.01, other=1),
        ),
        extras={"side_view": "loss"},
    ),
)

LESSONS: dict[str, Lesson] = {lesson.id: lesson for lesson in _LESSONS}
