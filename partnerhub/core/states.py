"""State machines as plain data: a transitions table and a readable refusal for illegal moves."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext as _

from partnerhub.core.errors import IllegalTransition


class StateMachine:
    def __init__(self, choices: type[models.TextChoices], transitions: Mapping[str, set[str]]) -> None:
        unknown = set(transitions) | {t for targets in transitions.values() for t in targets}
        unknown -= set(choices.values)
        if unknown:
            raise ValueError(f"Transitions name unknown states: {sorted(unknown)}")
        self.choices = choices
        self.transitions = {k: frozenset(v) for k, v in transitions.items()}

    def label(self, state: str) -> str:
        return str(dict(self.choices.choices).get(state, state))

    def allowed(self, source: str) -> frozenset[str]:
        return self.transitions.get(source, frozenset())

    def can(self, source: str, target: str) -> bool:
        return target in self.allowed(source)

    def check(self, source: str, target: str) -> None:
        if self.can(source, target):
            return
        allowed = sorted(self.label(s) for s in self.allowed(source))
        if allowed:
            message = _(
                "Cannot move from “%(source)s” to “%(target)s”; from “%(source)s” it can go to: %(allowed)s."
            )
        else:
            message = _("Cannot move from “%(source)s” to “%(target)s”; “%(source)s” is a final state.")
        raise IllegalTransition(
            message
            % {"source": self.label(source), "target": self.label(target), "allowed": ", ".join(allowed)},
            source=source,
            target=target,
        )
