"""One-click scenes that each show one phenomenon clearly (tuned by running them and looking).

Each preset is a plain Scene value; the button ``preset_<name>`` loads it.
"""

from __future__ import annotations

from dataclasses import dataclass

from optim_core.scene import RunConfig, Scene


@dataclass(frozen=True)
class Preset:
    name: str  # key suffix: preset_<name>
    title: str  # button label
    lesson: str  # one sentence shown after loading
    scene: Scene


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        Preset(
            "zigzag",
            "Zig-zag vs momentum",
            "Same learning rate on a narrow valley (κ = 20): SGD bounces from wall to wall and creeps along the "
            "floor; momentum μ = 0.4 averages the bouncing away and ends ~2000× closer after 80 steps. Too much "
            "momentum (μ = 0.9) overshoots along the valley and does worse than SGD.",
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
        ),
        Preset(
            "saddle",
            "Saddle escape",
            "Starting almost on the ridge of x² − y², SGD slides into the saddle point and crawls there (the gradient "
            "is nearly zero); RMSprop and Adam rescale the tiny y-gradient and escape downhill.",
            Scene(
                surface="saddle",
                runs=(
                    RunConfig("sgd", {"lr": 0.01}),
                    RunConfig("rmsprop", {"lr": 0.01}),
                    RunConfig("adam", {"lr": 0.03}),
                ),
                starts=((-1.8, 0.001),),
                steps=120,
            ),
        ),
        Preset(
            "adagrad",
            "Adagrad vs RMSprop",
            "Both take the same first step. Adagrad divides by the sum of all past squared gradients, so its steps "
            "keep shrinking and it stalls short of the minimum; RMSprop averages only recent gradients and arrives.",
            Scene(
                surface="booth",
                runs=(RunConfig("adagrad", {"lr": 0.3}), RunConfig("rmsprop", {"lr": 0.03})),
                starts=((-8.0, -6.0),),
                steps=300,
            ),
        ),
        Preset(
            "diverge",
            "Too-large learning rate",
            "On ½(x² + 10y²) the largest curvature is L = 10. lr = 1/L = 0.1 goes straight down the y-direction, "
            "lr 0.19 < 2/L zig-zags but converges, lr 0.25 > 2/L overshoots further at every step and diverges.",
            Scene(
                surface="ill_conditioned",
                runs=(RunConfig("sgd", {"lr": 0.1}), RunConfig("sgd", {"lr": 0.19}), RunConfig("sgd", {"lr": 0.25})),
                starts=((-4.5, 1.0),),
                steps=50,
            ),
        ),
        Preset(
            "adamw",
            "Adam vs AdamW",
            "Same weight decay λ = 1. Adam adds λθ to the gradient, where it competes with Himmelblau's steep slopes and "
            "barely moves the end point; AdamW shrinks θ directly each step, a pull the normalised Adam step balances "
            "only near |θ| ≈ 1/λ, so it settles far closer to the origin.",
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
        ),
        Preset(
            "rosenbrock",
            "Rosenbrock valley",
            "Finding Rosenbrock's curved valley is easy; following it to the minimum at (1, 1) is hard. Plain SGD "
            "crawls along the floor, momentum and the adaptive methods get much further.",
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
        ),
    )
}
