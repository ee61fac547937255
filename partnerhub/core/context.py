"""Who is acting right now: set per request by middleware and per job by the worker."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    ip: str | None = None


SYSTEM = Actor(user_id=None, label="system")
_current: ContextVar[Actor] = ContextVar("partnerhub_actor", default=SYSTEM)


def current_actor() -> Actor:
    return _current.get()


def actor_for(user: Any, ip: str | None = None) -> Actor:
    if user is None or not getattr(user, "is_authenticated", False):
        return Actor(user_id=None, label="anonymous", ip=ip)
    return Actor(user_id=user.pk, label=user.email, ip=ip)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
