"""Demo data: each app registers an idempotent seeder; `manage.py seed_demo` runs them in order."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

Seeder = Callable[[TextIO], None]
_seeders: list[tuple[int, str, Seeder]] = []


def register_seeder(name: str, seeder: Seeder, order: int = 100) -> None:
    if all(existing != name for _, existing, _s in _seeders):
        _seeders.append((order, name, seeder))


def seeders() -> list[tuple[str, Seeder]]:
    return [(name, fn) for _, name, fn in sorted(_seeders, key=lambda item: (item[0], item[1]))]
