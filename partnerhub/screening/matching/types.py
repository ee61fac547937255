"""Records exchanged between list parsers, the Django app and the matching engine. No Django imports."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["person", "organisation"]
Decision = Literal["alert", "clear"]


@dataclass(frozen=True, slots=True)
class ListName:
    """One name a list entry is known by: its primary name, an alias or an original-script name.

    `quality` is "good", "low" or "" for people's aliases and "aka", "fka" or "" for organisations';
    "primary" for the entry's own name, "original" for a name in its original script.
    """

    name: str
    quality: str = "primary"


@dataclass(frozen=True, slots=True)
class BirthDate:
    """A date of birth as lists give it: exact (year, month, day), a year only, or a range of years.

    `approximate` is true for the UN's "APPROXIMATELY"; a range sets `year` and `year_to`.
    """

    year: int | None = None
    month: int | None = None
    day: int | None = None
    year_to: int | None = None
    approximate: bool = False


@dataclass(frozen=True, slots=True)
class ListEntry:
    """A sanctioned (or debarred) party as the engine sees it.

    `key` identifies the entry inside one snapshot (the reference number for the UN list, or the source's
    own reference); `countries` holds ISO 3166-1 alpha-2 codes or country names as the list gives them
    (nationalities for people, addresses/registration for organisations).
    """

    key: str
    reference_number: str
    kind: Kind
    names: tuple[ListName, ...]
    birth_dates: tuple[BirthDate, ...] = ()
    nationalities: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    list_type: str = ""


@dataclass(frozen=True, slots=True)
class Query:
    """A name to screen: a partner, a contact, a key person or one row of a spreadsheet."""

    name: str
    kind: Kind | None = None
    birth_date: str | None = None  # ISO "YYYY-MM-DD" or "YYYY"
    nationality: str | None = None  # alpha-2 code or country name
    country: str | None = None  # for organisations
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Hit:
    """One list entry a query matched, with the reasons."""

    entry_key: str
    reference_number: str
    score: float  # in [0, 1]
    decision: Decision
    matched_name: str
    explanation: str  # short, human: "surname exact; given name transliteration variant; birth year matches"
    algorithm_version: str
    reasons: tuple[str, ...] = field(default=())
