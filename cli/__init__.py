"""Command line: ``python -m optim_core {list,trajectory,render}``.

This package sits above the library layers (optim_core, surfaces, export);
optim_core/__main__.py only forwards to :func:`main`, so the library itself
never imports the CLI or the export stack.

The contract for scripts and slides.  Bad input exits with code 2 and one
line on stderr; nothing here prints a traceback for a user mistake.
Everything shown by ``list`` and accepted by ``--set`` comes from the
optimizer and schedule declarations.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import sys
import warnings
from collections.abc import Sequence
from typing import Any, NoReturn

import numpy as np

import i18n
from i18n import UserError
from optim_core import DIVERGENCE_BOUND, MAX_STEPS, OPTIMIZERS, SCHEDULES, Trajectory, run
from surfaces import SURFACES, dataset_of, get_surface

EXIT_USAGE = 2


class UsageError(UserError):
    """A user mistake on the command line: printed as one line, exit code 2 (a translatable template)."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse prints usage + message; we want one clear line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="python -m optim_core", description="Optimizer trajectories on 2-D test surfaces.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    sub.add_parser("list", help="every optimizer with its hyperparameters and defaults, every surface and schedule")

    t = sub.add_parser("trajectory", help="run one optimizer and print its path as JSON or CSV")
    _add_run_arguments(t, multiple=False)
    t.add_argument("--format", choices=("json", "csv"), default="json")
    t.add_argument(
        "--state",
        action="store_true",
        help="JSON only: add the optimizer's state buffers (torch's optimizer.state keys), the gradient it saw "
        "and the lr at every step 1..N, and its branch indicators",
    )

    r = sub.add_parser(
        "render", help="export a GIF, MP4, PNG, CSV, JSON or PyTorch script (format from the file extension)"
    )
    _add_run_arguments(r, multiple=True)
    r.add_argument("--out", required=True, help="output file: .gif .mp4 .png .csv .json .py")
    r.add_argument("--run", type=int, default=0, metavar="N", help=".py: the run to reproduce (0 = the first)")
    r.add_argument("--start-index", type=int, default=0, metavar="K", help=".py: the start point (0 = the first)")
    r.add_argument("--fps", type=float, default=None, help="frames per second (GIF/MP4)")
    r.add_argument("--size", default=None, help="WxH in pixels, e.g. 640x480")
    r.add_argument("--frames", type=int, default=None, help="number of frames (steps subsampled evenly)")
    r.add_argument("--pause", type=float, default=None, metavar="SECONDS", help="hold the last frame (default 1.5)")
    r.add_argument("--loop", type=int, default=None, metavar="N", help="GIF: 0 = forever (default), N = play N times")
    r.add_argument("--view", choices=("contour", "3d"), default="contour")
    r.add_argument("--theme", default=None, help="light (default), dark, or high_contrast for projectors")
    r.add_argument("--lang", default=None, help="language of the words in the frames: en (default) or zh")
    r.add_argument("--scale", type=float, default=None, help="presentation scale of text and lines, e.g. 1.4")
    r.add_argument("--config", default=None, help="a scene JSON exported from the app (other options override it)")
    return p


def _add_run_arguments(p: argparse.ArgumentParser, multiple: bool) -> None:
    p.add_argument(
        "--surface",
        default=None if multiple else "rosenbrock",
        help="a built-in name (see `list`) or a formula in x and y, e.g. 'x^2 + 3*y^2' (in x alone with a "
        "one-number --start: a 1-D curve)",
    )
    p.add_argument(
        "--optimizer",
        default=None if multiple else "adam",
        help="optimizer id" + ("; several separated by commas" if multiple else ""),
    )
    p.add_argument(
        "--start",
        nargs="+",
        type=float,
        metavar="X [Y]",
        default=None,
        help="one number on a curve f(x) (a formula in x alone becomes 1-D), two on a surface f(x, y)",
    )
    p.add_argument("--steps", type=int, default=None, help=f"number of steps, 1 to {MAX_STEPS}")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a hyperparameter by its reference name, e.g. lr=0.01, betas=0.9,0.999, nesterov=true"
        + ("; OPTIMIZER.NAME=VALUE targets one optimizer" if multiple else ""),
    )
    p.add_argument(
        "--schedule",
        default=None,
        metavar="NAME[:K=V,...]",
        help="learning-rate schedule, e.g. cosine or step:step_size=100,gamma=0.5",
    )
    p.add_argument("--noise", default=None, metavar="STD[,SEED]", help="Gaussian gradient noise")
    p.add_argument("--clip", type=float, default=None, help="max gradient norm")
    p.add_argument(
        "--batch-size",
        type=int,
        default=None,
        metavar="B",
        help="on a dataset surface (linreg, logreg): samples per step, 1 (SGD) to N (full batch, the default)",
    )
    p.add_argument(
        "--seed",
        type=int,
        default=None,
        metavar="S",
        help="seed of the per-epoch reshuffling of the data (with --batch-size; default 0)",
    )
    p.add_argument(
        "--surface-param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="parameter of a built-in surface, e.g. kappa=50 for ill_conditioned",
    )


# ----------------------------------------------------------------------------- parsing helpers
def parse_assignments(items: Sequence[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise UsageError("--set expects NAME=VALUE, got {item!r}", item=item)
        out[name.strip()] = value.strip()
    return out


def parse_schedule(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    name, _, rest = text.partition(":")
    sched: dict[str, Any] = {"name": name.strip()}
    for k, v in parse_assignments([s for s in rest.split(",") if s.strip()]).items():
        sched[k] = v
    return sched


def parse_noise(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    parts = text.split(",")
    try:
        std = float(parts[0])
        seed = int(parts[1]) if len(parts) > 1 else 0
    except ValueError:
        raise UsageError("--noise expects STD[,SEED], got {text!r}", text=text) from None
    return {"std": std, "seed": seed}


def _instead(optimizer: str, name: str) -> str | None:
    """The optimizer that has this hyperparameter, when the user picked its plainer sibling."""
    if optimizer == "sgd" and name in ("momentum", "dampening"):
        return "momentum"
    if optimizer in ("sgd", "momentum") and name == "nesterov":
        return "nesterov"
    if optimizer == "adam" and name == "decoupled_weight_decay":
        return "adamw"
    return None


def check_params(optimizer: str, params: dict[str, Any]) -> None:
    spec = OPTIMIZERS[optimizer]
    names = {p.name for p in spec.hyperparams} | set(spec.groups()) | set(spec.fixed)
    for key in params:
        if key not in names:
            instead = _instead(optimizer, key)
            if instead:
                raise UsageError(
                    "{optimizer} has no hyperparameter {name!r} (use --optimizer {instead}); it has: {names}",
                    optimizer=optimizer,
                    name=key,
                    instead=instead,
                    names=", ".join(spec.param_names()),
                )
            raise UsageError(
                "{optimizer} has no hyperparameter {name!r}; it has: {names}",
                optimizer=optimizer,
                name=key,
                names=", ".join(spec.param_names()),
            )


def parse_start(values: Sequence[float] | None) -> tuple[float, ...] | None:
    """--start X [Y]: one number (a curve) or two (a surface)."""
    if values is None:
        return None
    if len(values) not in (1, 2):
        raise UsageError("--start takes 1 number (a curve) or 2 (a surface), got {n}", n=len(values))
    return tuple(float(v) for v in values)


def resolve_optimizer(name: str) -> str:
    key = name.strip().lower()
    if key not in OPTIMIZERS:
        raise UsageError(
            "unknown optimizer {name!r}; choose one of: {choices}", name=name, choices=", ".join(OPTIMIZERS)
        )
    return key


# ----------------------------------------------------------------------------- output
def trajectory_json(traj: Trajectory, surface_text: str, b: int = 0) -> dict[str, Any]:
    """The JSON of run b: points rows are [x, y] on a surface and [x] on a curve."""
    spec = traj.optimizer
    return {
        "surface": surface_text,
        "dim": traj.dim,
        "optimizer": spec.id,
        "params": spec.reference_kwargs(traj.params_for(b)),
        "start": [float(v) for v in traj.points[0, b]],
        "steps": traj.steps,
        "schedule": traj.schedule,
        "points": traj.points[:, b, :].tolist(),
        "loss": traj.loss[:, b].tolist(),
        "grad_norm": traj.grad_norm[:, b].tolist(),
        "diverged_at": traj.diverged_step(b),
        "divergence_reason": traj.reasons[b],
        **sampling_json(traj),
    }


def sampling_json(traj: Trajectory) -> dict[str, Any]:
    """On a dataset surface: the batch size, seed, dataset size and the epoch (1, 2, …) of each step 1..N."""
    s = traj.sampling
    if s is None:
        return {}
    return {
        "n_samples": s.n_samples,
        "batch_size": s.batch_size,
        "seed": s.seed,
        "steps_per_epoch": s.steps_per_epoch,
        "epoch": s.epoch.tolist(),
    }


def _rows(a: np.ndarray) -> list[Any]:
    """(S, d) or (S,) values as JSON rows: [[x, y], ...] / [[x], ...] / [v, ...]; NaN and inf become null."""
    return [_rows(r) if isinstance(r, np.ndarray) else (float(r) if np.isfinite(r) else None) for r in a]


def state_json(traj: Trajectory, b: int = 0) -> dict[str, Any]:
    """The recorded steps of run b (run(..., record_state=True)): rows are steps 1..N.

    "state": every buffer the reference keeps for these hyperparameters (StateBuffer.active), rows [x, y] or
    [x] (a per-run buffer such as NAdam's mu_product: [v]); "grad": what the optimizer saw ([x, y] rows);
    "lr": the lr of each step; "indicators": branch indicators (flags 1.0 / 0.0; null where n/a)."""
    rec = traj.record
    if rec is None:
        raise UsageError("this trajectory was run without recording its state")
    spec, hp = traj.optimizer, traj.params_for(b)
    state = {}
    for buf in spec.buffers:
        if buf.active(hp):
            v = rec.state[buf.name][:, b]
            state[buf.name] = _rows(v if v.ndim == 2 else v[:, None])
    return {
        "state": state,
        "grad": _rows(rec.grad[:, b]),
        "lr": _rows(rec.lr[:, b]),
        "indicators": {name: _rows(v[:, b]) for name, v in rec.indicators.items()},
    }


def trajectory_csv(traj: Trajectory) -> str:
    """step, x[, y], loss, grad_norm: one row per step of the first run (no y column on a curve); on a dataset
    surface also the epoch of each step (0 for the start row)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    epoch = None if traj.sampling is None else [0, *traj.sampling.epoch.tolist()]
    w.writerow(["step", *"xy"[: traj.dim], "loss", "grad_norm", *(["epoch"] if epoch else [])])
    for k in range(traj.steps + 1):
        coords = [repr(float(c)) for c in traj.points[k, 0]]
        extra = [epoch[k]] if epoch else []
        w.writerow([k, *coords, repr(float(traj.loss[k, 0])), repr(float(traj.grad_norm[k, 0])), *extra])
    return buf.getvalue()


def format_list() -> str:
    lines = ["Optimizers (hyperparameter=default [valid range]):"]
    for spec in OPTIMIZERS.values():
        lines.append(f"  {spec.id:10s} {spec.name} — {spec.reference}")
        for group, members in spec.groups().items():
            dflt = ",".join(f"{m.default:g}" for m in members)
            lines.append(f"      {group}={dflt}  ({', '.join(m.name + ' ' + m.range_text() for m in members)})")
        for p in spec.hyperparams:
            if p.group:
                continue
            dflt = str(p.default).lower() if p.kind == "bool" else f"{p.default:g}"
            lines.append(f"      {p.name}={dflt}  {p.range_text()}  {p.description}")
    lines.append("")
    lines.append("Surfaces (or type any formula in x and y; in x alone with a one-number --start: a 1-D curve):")
    for entry in SURFACES.values():
        if entry.finite_sum:
            continue
        surf = get_surface(entry.id)
        extra = "".join(f"  {p.name}={p.default:g}" for p in entry.params)
        mark = "1-D" if entry.dim == 1 else "2-D"
        start = " ".join(f"{c:g}" for c in surf.start)
        lines.append(f"  {entry.id:16s} {mark}  {surf.formula}{extra}  (start {start})")
    lines.append("")
    lines.append("Datasets: the mean loss of a model over N points (--batch-size 1..N, default N; --seed S):")
    for entry in SURFACES.values():
        if not entry.finite_sum:
            continue
        surf = get_surface(entry.id)
        data = dataset_of(surf)
        assert data is not None
        start = " ".join(f"{c:g}" for c in surf.start)
        coords = ", ".join(getattr(surf, "coords", ("x", "y")))
        lines.append(
            f"  {entry.id:16s} 2-D  N={data.n}  torch.nn.{data.torch_model} + {data.torch_loss}()  "
            f"parameters ({coords})  (start {start})"
        )
    lines.append("")
    lines.append("Learning-rate schedules (--schedule NAME:K=V,...):")
    for s in SCHEDULES.values():
        params = ", ".join(f"{p.name}={p.default:g}" for p in s.hyperparams)
        lines.append(f"  {s.id:14s} {s.name}" + (f"  ({params})" if params else ""))
    lines.append("")
    lines.append(
        f"Limits: steps ≤ {MAX_STEPS}; a path diverges once its distance from the origin > {DIVERGENCE_BOUND:g} "
        "or f or its gradient is not finite."
    )
    return "\n".join(lines)


# ----------------------------------------------------------------------------- commands
def cmd_trajectory(args: argparse.Namespace, out) -> int:
    optimizer = resolve_optimizer(args.optimizer)
    params: dict[str, Any] = dict(parse_assignments(args.set))
    check_params(optimizer, params)
    given = parse_start(args.start)
    surface = get_surface(
        args.surface,
        dim=len(given) if given else None,
        **{k: float(v) for k, v in parse_assignments(args.surface_param).items()},
    )
    start = given if given is not None else surface.start
    steps = args.steps if args.steps is not None else 100
    if not 1 <= steps <= MAX_STEPS:
        raise UsageError("--steps must be from 1 to {max}, got {steps}", max=MAX_STEPS, steps=steps)
    if args.state and args.format != "json":
        raise UsageError("--state needs --format json")
    traj = run(
        surface,
        optimizer,
        np.array(start, dtype=float),
        steps,
        schedule=parse_schedule(args.schedule),
        noise=parse_noise(args.noise),
        clip=args.clip,
        record_state=args.state,
        batch_size=args.batch_size,
        seed=args.seed if args.seed is not None else 0,
        **params,
    )
    if args.format == "csv":
        out.write(trajectory_csv(traj))
    else:
        data = trajectory_json(traj, args.surface)
        if args.state:
            data.update(state_json(traj))
        json.dump(data, out, allow_nan=False)
        out.write("\n")
    return 0


def main(argv: Sequence[str] | None = None, out=None, err=None) -> int:
    """Run a command; a user mistake prints one translated line on stderr and exits 2, never a traceback.

    An unexpected failure (a bug) prints one line too and exits 1; set OPTVIZ_DEBUG=1 to see its traceback."""
    out = out or sys.stdout
    err = err or sys.stderr
    with warnings.catch_warnings():
        # NumPy's overflow warnings on a diverging run would print a line with a source file's path: the
        # divergence is reported in words instead
        warnings.simplefilter("ignore", RuntimeWarning)
        return _main(argv, out, err)


def _main(argv: Sequence[str] | None, out, err) -> int:
    lang = i18n.EN
    try:
        args = build_parser().parse_args(argv)
        lang = i18n.get(getattr(args, "lang", None))
        if args.command == "list":
            out.write(format_list() + "\n")
            return 0
        if args.command == "trajectory":
            return cmd_trajectory(args, out)
        from . import render  # lazily: only `render` needs the export stack (Pillow, imageio)

        return render.cmd_render(args, out)
    except UserError as exc:  # UsageError, SpecError, FormulaError …; a plain ValueError is a bug (below)
        err.write(f"error: {_one_line(i18n.message(exc, lang), type(exc).__name__)}\n")
        return EXIT_USAGE
    except BrokenPipeError:
        return 0
    except KeyboardInterrupt:
        err.write("interrupted\n")
        return 130
    except Exception as exc:
        if os.environ.get("OPTVIZ_DEBUG"):
            raise
        err.write(
            lang.fmt(
                "error: unexpected {kind}; please report it (OPTVIZ_DEBUG=1 shows details)", kind=type(exc).__name__
            )
            + "\n"
        )
        return 1


def _one_line(message: str, fallback: str) -> str:
    lines = [ln.strip() for ln in message.splitlines() if ln.strip()]
    return " ".join(lines[0].split()) if lines else fallback
