"""Hooks through which later apps refuse a partner status change (e.g. no valid due-diligence approval).

A guard returns None to allow, or a readable reason (and optionally a link) to refuse. Every service that
changes a partner's status asks them: `partner_change_status`, and the merge (which archives the absorbed
record) and its undo (which gives it its status back).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from partnerhub.core.errors import IllegalTransition


@dataclass(frozen=True)
class Refusal:
    reason: str
    url: str = ""


StatusGuard = Callable[[Any, str], Refusal | None]
_status_guards: list[StatusGuard] = []


def register_status_guard(guard: StatusGuard) -> None:
    if guard not in _status_guards:
        _status_guards.append(guard)


def unregister_status_guard(guard: StatusGuard) -> None:
    if guard in _status_guards:
        _status_guards.remove(guard)


def check_status_guards(partner: Any, target: str) -> Refusal | None:
    for guard in _status_guards:
        refusal = guard(partner, target)
        if refusal is not None:
            return refusal
    return None


def require_status_allowed(partner: Any, target: str) -> None:
    """Raise `IllegalTransition` with the first refusing guard's reason (and link) if one refuses."""
    refusal = check_status_guards(partner, target)
    if refusal is not None:
        raise IllegalTransition(refusal.reason, url=refusal.url)
