"""``python -m optim_core render``: a scene to a GIF, MP4, PNG, CSV or JSON file.

The scene comes from ``--config scene.json`` (exported by the app) or the
defaults, and the other options override it.  ``--set NAME=VALUE`` applies to
every run whose optimizer has that hyperparameter; ``--set OPTIMIZER.NAME=VALUE``
to the runs of that optimizer; ``--set 2.NAME=VALUE`` to the third run only.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from export.scene import FORMATS, RenderOptions, export_scene
from optim_core import OPTIMIZERS
from optim_core.scene import RunConfig, Scene

from . import UsageError, check_params, parse_assignments, parse_noise, parse_schedule, resolve_optimizer


def _parse_size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    try:
        if not sep:
            raise ValueError
        return int(w), int(h)
    except ValueError:
        raise UsageError(f"--size expects WxH, e.g. 640x480, got {text!r}") from None


def _apply_sets(runs: list[RunConfig], items: list[str]) -> list[RunConfig]:
    params = [dict(r.params) for r in runs]
    for name, value in parse_assignments(items).items():
        target, dot, pname = name.rpartition(".")
        if not dot:
            hits = [i for i, r in enumerate(runs) if _has_param(r.optimizer, name)]
            if not hits:
                raise UsageError(f"no selected optimizer has a hyperparameter {name!r}")
            pname = name
        elif target.isdigit():
            i = int(target)
            if i >= len(runs):
                raise UsageError(f"--set {name}: there are only {len(runs)} runs (0 to {len(runs) - 1})")
            hits = [i]
        else:
            opt = resolve_optimizer(target)
            hits = [i for i, r in enumerate(runs) if r.optimizer == opt]
            if not hits:
                raise UsageError(f"--set {name}: {opt} is not one of the selected optimizers")
        for i in hits:
            check_params(runs[i].optimizer, {pname: value})
            params[i][pname] = value
    return [RunConfig(r.optimizer, p) for r, p in zip(runs, params)]


def _has_param(optimizer: str, name: str) -> bool:
    spec = OPTIMIZERS[optimizer]
    return name in {p.name for p in spec.hyperparams} | set(spec.groups())


def build_scene(args: argparse.Namespace) -> Scene:
    if args.config:
        try:
            text = Path(args.config).read_text()
        except OSError as exc:
            raise UsageError(f"cannot read --config {args.config}: {exc.strerror}") from None
        scene = Scene.from_json(text)
    else:
        scene = Scene()
    changes: dict = {}
    if args.surface:
        sp = {k: float(v) for k, v in parse_assignments(args.surface_param).items()}
        changes.update(surface=args.surface, surface_params=sp, window=None)
        if not args.start:
            changes["starts"] = ()
    runs = list(scene.runs)
    if args.optimizer:
        runs = [RunConfig(resolve_optimizer(name)) for name in args.optimizer.split(",") if name.strip()]
    if args.set:
        runs = _apply_sets(runs, args.set)
    changes["runs"] = tuple(runs)
    if args.start:
        changes["starts"] = (tuple(args.start),)
    if args.steps is not None:
        changes["steps"] = args.steps
    if args.schedule:
        changes["schedule"] = parse_schedule(args.schedule)
    if args.noise:
        noise = parse_noise(args.noise)
        changes.update(noise_std=noise["std"], noise_seed=noise["seed"])
    if args.clip is not None:
        changes["clip"] = args.clip
    if args.batch_size is not None:
        changes["batch_size"] = args.batch_size
    if args.seed is not None:
        changes["batch_seed"] = args.seed
    return scene.with_(**changes).validated()


def cmd_render(args: argparse.Namespace, out) -> int:
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise UsageError(f"--out must end in one of: {', '.join('.' + f for f in FORMATS)} (got {args.out!r})")
    scene = build_scene(args)
    defaults = RenderOptions()
    options = RenderOptions(
        size=_parse_size(args.size) if args.size else defaults.size,
        fps=args.fps if args.fps is not None else defaults.fps,
        frames=args.frames if args.frames is not None else defaults.frames,
        pause_s=args.pause if args.pause is not None else defaults.pause_s,
        loop=args.loop if args.loop is not None else defaults.loop,
        view=args.view,
        theme=args.theme or defaults.theme,
        scale=args.scale if args.scale is not None else defaults.scale,
        lang=args.lang or defaults.lang,
    )
    options.look  # noqa: B018 -- a bad theme, scale or language: one line before any work
    data = export_scene(scene, suffix, options)
    target = Path(args.out)
    try:
        if target.parent and not target.parent.exists():
            raise UsageError(f"the folder {str(target.parent)!r} does not exist")
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror}") from None
    out.write(f"wrote {args.out} ({len(data) / 1024:.0f} KB, {len(scene.runs)} run(s), {scene.steps} steps)\n")
    return 0
