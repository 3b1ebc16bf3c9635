"""Teaching texts the core declares as data, for the message catalogue (``python -m tools.i18n extract``).

Every optimizer's name, explanation, pros, cons, when-to-use and typical use, its hyperparameters' and
state buffers' meanings, its textbook forms (name, source, note); every schedule's name, explanation and
parameter descriptions.  Texts built at
run time from templates (error messages, divergence reasons) are found by the source extractor instead.
"""

from __future__ import annotations

from collections.abc import Iterator

from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES


def i18n_texts() -> Iterator[tuple[str, str]]:
    """(text, where) for every user-visible text declared in optim_core."""
    for spec in OPTIMIZERS.values():
        where = f"optim_core.optimizers:{spec.id}"
        yield spec.name, f"{where}.name"
        yield spec.explanation, f"{where}.explanation"
        for k, text in enumerate(spec.pros):
            yield text, f"{where}.pros[{k}]"
        for k, text in enumerate(spec.cons):
            yield text, f"{where}.cons[{k}]"
        yield spec.when_to_use, f"{where}.when_to_use"
        yield spec.typical_use, f"{where}.typical_use"
        for p in spec.hyperparams:
            yield p.description, f"{where}.{p.name}"
        for buf in getattr(spec, "buffers", ()):
            yield buf.meaning, f"{where}.state.{buf.name}"
        for ind in getattr(spec, "indicators", ()):
            yield ind.meaning, f"{where}.indicator.{ind.name}"
            if ind.event:
                yield ind.event, f"{where}.indicator.{ind.name}.event"
        for var in spec.variants:
            yield var.name, f"{where}.variant.{var.id}.name"
            yield var.source, f"{where}.variant.{var.id}.source"
            yield var.note, f"{where}.variant.{var.id}.note"
    for sched in SCHEDULES.values():
        where = f"optim_core.schedules:{sched.id}"
        yield sched.name, f"{where}.name"
        yield sched.explanation, f"{where}.explanation"
        for p in sched.hyperparams:
            yield p.description, f"{where}.{p.name}"
