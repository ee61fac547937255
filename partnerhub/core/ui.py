"""Registries through which apps add navigation entries and dashboard cards without core knowing them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    visible: Callable[[Any], bool]
    order: int = 100


@dataclass(frozen=True)
class Card:
    label: str | Promise
    value: int | str
    url: str | None = None
    hint: str | Promise = ""


CardProvider = Callable[[Any], list[Card]]

_nav: list[NavItem] = []
_cards: list[tuple[int, CardProvider]] = []


def register_nav(item: NavItem) -> None:
    if all(existing.url_name != item.url_name for existing in _nav):
        _nav.append(item)


def nav_for(user: Any) -> list[NavItem]:
    return sorted((i for i in _nav if i.visible(user)), key=lambda i: i.order)


def register_cards(provider: CardProvider, order: int = 100) -> None:
    if all(existing is not provider for _, existing in _cards):
        _cards.append((order, provider))


def cards_for(user: Any) -> list[Card]:
    cards: list[Card] = []
    for _, provider in sorted(_cards, key=lambda pair: pair[0]):
        cards.extend(provider(user))
    return cards
