"""Hooks through which later apps refuse a partner status change (e.g. no valid due-diligence approval).

A guard returns None to allow, or a readable reason (and optionally a link) to refuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Refusal:
    reason: str
    url: str = ""


StatusGuard = Callable[[Any, str], Refusal | None]
_status_guards: list[StatusGuard] = []


def register_status_guard(guard: StatusGuard) -> None:
    if guard not in _status_guards:
        _status_guards.append(guard)


def check_status_guards(partner: Any, target: str) -> Refusal | None:
    for guard in _status_guards:
        refusal = guard(partner, target)
        if refusal is not None:
            return refusal
    return None
