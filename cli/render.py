"""``python -m optim_core render``: a scene to a GIF, MP4, PNG, CSV or JSON file, or a PyTorch script.

The scene comes from ``--config scene.json`` (exported by the app) or the
defaults, and the other options override it.  ``--set NAME=VALUE`` applies to
every run whose optimizer has that hyperparameter; ``--set OPTIMIZER.NAME=VALUE``
to the runs of that optimizer; ``--set 2.NAME=VALUE`` to the third run only.
``--out run.py`` writes the script the app's Export tab offers (export/snippet.py)
for ``--run N`` (default 0) from ``--start-index K`` (default 0).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import i18n
from export.scene import FORMATS, RenderOptions, export_scene
from export.snippet import torch_snippet
from optim_core import OPTIMIZERS
from optim_core.scene import MAX_CONFIG_BYTES, RunConfig, Scene

from . import UsageError, check_params, parse_assignments, parse_noise, parse_schedule, resolve_optimizer

SCRIPT = "py"  # the PyTorch script, beside the export formats
OUT_FORMATS = (*FORMATS, SCRIPT)


def _parse_size(text: str) -> tuple[int, int]:
    w, sep, h = text.lower().partition("x")
    try:
        if not sep:
            raise ValueError
        return int(w), int(h)
    except ValueError:
        raise UsageError("--size expects WxH, e.g. 640x480, got '{value}'", value=text) from None


def _apply_sets(runs: list[RunConfig], items: list[str]) -> list[RunConfig]:
    params = [dict(r.params) for r in runs]
    for name, value in parse_assignments(items).items():
        target, dot, pname = name.rpartition(".")
        if not dot:
            hits = [i for i, r in enumerate(runs) if _has_param(r.optimizer, name)]
            if not hits:
                raise UsageError("no selected optimizer has a hyperparameter '{name}'", name=name)
            pname = name
        elif target.isdigit():
            i = int(target)
            if i >= len(runs):
                raise UsageError(
                    "--set {name}: there are only {count} runs (0 to {last})",
                    name=name,
                    count=len(runs),
                    last=len(runs) - 1,
                )
            hits = [i]
        else:
            opt = resolve_optimizer(target)
            hits = [i for i, r in enumerate(runs) if r.optimizer == opt]
            if not hits:
                raise UsageError(
                    "--set {name}: {optimizer} is not one of the selected optimizers", name=name, optimizer=opt
                )
        for i in hits:
            check_params(runs[i].optimizer, {pname: value})
            params[i][pname] = value
    return [RunConfig(r.optimizer, p) for r, p in zip(runs, params)]


def _has_param(optimizer: str, name: str) -> bool:
    spec = OPTIMIZERS[optimizer]
    return name in {p.name for p in spec.hyperparams} | set(spec.groups())


def build_scene(args: argparse.Namespace) -> Scene:
    if args.config:
        try:  # at most one byte over the limit: /dev/zero or a huge file is refused, not read
            with Path(args.config).open("rb") as fh:
                raw = fh.read(MAX_CONFIG_BYTES + 1)
        except OSError as exc:
            raise UsageError("cannot read --config {path}: {reason}", path=args.config, reason=exc.strerror) from None
        if len(raw) > MAX_CONFIG_BYTES:
            raise UsageError(
                "--config {path} is larger than {max} KB, the most a scene config may be",
                path=args.config,
                max=MAX_CONFIG_BYTES // 1000,
            )
        scene = Scene.from_json(raw)  # the upload's checks and messages: size, UTF-8, depth, numbers
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
        assert noise is not None
        changes.update(noise_std=noise["std"], noise_seed=noise["seed"])
    if args.clip is not None:
        changes["clip"] = args.clip
    if args.batch_size is not None:
        changes["batch_size"] = args.batch_size
    if args.seed is not None:
        changes["batch_seed"] = args.seed
    return scene.with_(**changes).validated()


def cmd_render(args: argparse.Namespace, out) -> int:
    lang = i18n.get(getattr(args, "lang", None))
    suffix = Path(args.out).suffix.lower().lstrip(".")
    if suffix not in OUT_FORMATS:
        raise UsageError(
            "--out must end in one of: {formats} (got {path})",
            formats=", ".join("." + f for f in OUT_FORMATS),
            path=args.out,
        )
    scene = build_scene(args)
    if suffix == SCRIPT:
        data = _script(scene, args)
    else:
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
            raise UsageError("the folder {folder} does not exist", folder=str(target.parent))
        tmp = target.with_name(target.name + ".part")
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as exc:
        raise UsageError("cannot write {path}: {reason}", path=args.out, reason=exc.strerror) from None
    kb = round(len(data) / 1024)
    done = lang.fmt(
        "wrote {path} ({size} KB, {runs} run(s), {steps} steps)",
        path=args.out,
        size=kb,
        runs=len(scene.runs),
        steps=scene.steps,
    )
    out.write(done + "\n")
    return 0


def _script(scene: Scene, args: argparse.Namespace) -> bytes:
    """The PyTorch script reproducing one run from one start (the Export tab's "Download script")."""
    run = getattr(args, "run", 0) or 0
    start = getattr(args, "start_index", 0) or 0
    if not 0 <= run < len(scene.runs):
        raise UsageError(
            "--run must be from 0 to {last} (the scene has {count} run(s)), got {value}",
            last=len(scene.runs) - 1,
            count=len(scene.runs),
            value=run,
        )
    starts = scene.start_points()
    if not 0 <= start < len(starts):
        raise UsageError(
            "--start-index must be from 0 to {last} (the scene has {count} start point(s)), got {value}",
            last=len(starts) - 1,
            count=len(starts),
            value=start,
        )
    return torch_snippet(scene, run, start).encode()
