"""What list parsers produce: a rich record per entry (for storage and pages) and the engine's `ListEntry`.

Pure Python: no Django imports. Error messages are English templates marked with `gettext_noop`, so
`makemessages` collects them; the Django side translates them where they are shown.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass, field
from typing import Any, Literal

from partnerhub.screening.matching.types import BirthDate, Kind, ListEntry, ListName


def gettext_noop(message: str) -> str:
    """Mark a message for translation without translating it here (the name is what makemessages looks for)."""
    return message


# One template per error code; `%(name)s` placeholders are filled from the error's params.
MESSAGES: dict[str, str] = {
    "not_utf8": gettext_noop(
        "The file is damaged: it is not valid UTF-8 text (the first bad byte is on line %(line)d). "
        "Download the list again from its source."
    ),
    "not_xml": gettext_noop(
        "The file is not well-formed XML (%(detail)s, line %(line)d, column %(column)d). "
        "It may be damaged, or in another format."
    ),
    "doctype": gettext_noop(
        "The file contains a document type declaration (<!DOCTYPE …>). Sanctions lists never need one, and it "
        "can be used to attack the server, so the file is refused."
    ),
    "wrong_root": gettext_noop(
        "This is not the UN Security Council Consolidated List: the document starts with <%(root)s> "
        "instead of <CONSOLIDATED_LIST>."
    ),
    "missing_field": gettext_noop("The list is damaged: record %(position)d (%(element)s) has no %(field)s."),
    "duplicate_reference": gettext_noop("The reference number %(reference)s appears more than once."),
    "empty": gettext_noop("The list holds no entries. A list that empties itself is refused."),
    "looks_like_xml": gettext_noop(
        "This file is XML, not CSV. Choose the “UN Security Council XML” format for it."
    ),
    "missing_columns": gettext_noop(
        "This is not a sanctions-list CSV file: the first row must name the columns %(expected)s; "
        "missing: %(missing)s."
    ),
    "invalid_rows": gettext_noop(
        "%(count)d row(s) of the file have errors, so nothing was loaded. Correct them and load the file again."
    ),
}

ROW_MESSAGES: dict[str, str] = {
    "required": gettext_noop("A value is required."),
    "kind": gettext_noop("“%(value)s” is not a kind; use person or organisation."),
    "birth_date": gettext_noop(
        "“%(value)s” is not a date of birth; use 1970-12-31, 1970 or a range such as 1970-1975."
    ),
    "listed_on": gettext_noop("“%(value)s” is not a date; use 2024-12-31."),
    "duplicate_reference": gettext_noop("The reference %(value)s is also used on row %(other)d."),
    "cells": gettext_noop("This row has %(found)d cells; the first row has %(expected)d."),
}


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row of a CSV file (row 1 is the header)."""

    row: int
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def template(self) -> str:
        return ROW_MESSAGES[self.code]

    @property
    def message(self) -> str:
        return self.template % self.params


class ListFormatError(ValueError):
    """The data is not a usable list: damaged, in another format, empty, or with bad rows."""

    def __init__(self, code: str, *, row_errors: list[RowError] | None = None, **params: Any) -> None:
        self.code = code
        self.params = params
        self.row_errors = row_errors or []
        super().__init__(self.message)

    @property
    def template(self) -> str:
        return MESSAGES[self.code]

    @property
    def message(self) -> str:
        return self.template % self.params


_SPACES = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """Collapse runs of white space (lists re-wrap long values between releases) and trim."""
    return _SPACES.sub(" ", text or "").strip()


@dataclass(frozen=True, slots=True)
class Alias:
    name: str
    quality: str  # "good", "low", "" (people); "aka", "fka", "" (organisations)
    date_of_birth: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class DateOfBirth:
    """A date of birth as the list gives it. `kind` is EXACT, APPROXIMATELY, BETWEEN or ""."""

    kind: str = ""
    date: dt.date | None = None
    year: int | None = None
    from_year: int | None = None
    to_year: int | None = None
    note: str = ""

    def to_birth_date(self) -> BirthDate | None:
        approximate = self.kind == "APPROXIMATELY" or self.note.lower().startswith("approximately")
        if self.date is not None:
            return BirthDate(
                year=self.date.year, month=self.date.month, day=self.date.day, approximate=approximate
            )
        if self.year is not None:
            return BirthDate(year=self.year, approximate=approximate)
        if self.from_year is not None and self.to_year is not None:
            low, high = sorted((self.from_year, self.to_year))
            return BirthDate(year=low, year_to=high, approximate=approximate)
        # Only a note, such as "Nov. 1973": one plausible year in it is still worth matching on.
        years = re.findall(r"\b(1[89]\d\d|20\d\d)\b", self.note)
        if len(set(years)) == 1:
            return BirthDate(year=int(years[0]), approximate=True)
        return None

    def as_json(self) -> dict[str, Any]:
        return {
            "type": self.kind,
            "date": self.date.isoformat() if self.date else None,
            "year": self.year,
            "from_year": self.from_year,
            "to_year": self.to_year,
            "note": self.note,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DateOfBirth:
        date = data.get("date")
        return cls(
            kind=data.get("type") or "",
            date=dt.date.fromisoformat(date) if date else None,
            year=data.get("year"),
            from_year=data.get("from_year"),
            to_year=data.get("to_year"),
            note=data.get("note") or "",
        )


@dataclass(frozen=True, slots=True)
class Address:
    street: str = ""
    city: str = ""
    state_province: str = ""
    zip_code: str = ""
    country: str = ""
    note: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "street": self.street,
            "city": self.city,
            "state_province": self.state_province,
            "zip_code": self.zip_code,
            "country": self.country,
            "note": self.note,
        }


# The fields that make up an entry's content: compared between snapshots and hashed.
CONTENT_FIELDS: tuple[str, ...] = (
    "kind",
    "list_type",
    "full_name",
    "first_name",
    "second_name",
    "third_name",
    "fourth_name",
    "aliases",
    "original_script_name",
    "dates_of_birth",
    "places_of_birth",
    "nationalities",
    "addresses",
    "listed_on",
    "designations",
    "titles",
    "comments",
)


@dataclass(frozen=True, slots=True)
class ParsedEntry:
    """One list entry with everything the pages show; `to_list_entry()` gives the engine's view of it."""

    reference_number: str
    kind: Kind
    full_name: str
    list_type: str = ""
    first_name: str = ""
    second_name: str = ""
    third_name: str = ""
    fourth_name: str = ""
    aliases: tuple[Alias, ...] = ()
    original_script_name: str = ""
    dates_of_birth: tuple[DateOfBirth, ...] = ()
    places_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()
    addresses: tuple[Address, ...] = ()
    listed_on: dt.date | None = None
    designations: tuple[str, ...] = ()
    titles: tuple[str, ...] = ()
    comments: str = ""

    def content(self) -> dict[str, Any]:
        """The entry's content as JSON values, in the form it is stored (see `CONTENT_FIELDS`)."""
        return {
            "kind": self.kind,
            "list_type": self.list_type,
            "full_name": self.full_name,
            "first_name": self.first_name,
            "second_name": self.second_name,
            "third_name": self.third_name,
            "fourth_name": self.fourth_name,
            "aliases": [
                {"name": a.name, "quality": a.quality, "date_of_birth": a.date_of_birth, "note": a.note}
                for a in self.aliases
            ],
            "original_script_name": self.original_script_name,
            "dates_of_birth": [d.as_json() for d in self.dates_of_birth],
            "places_of_birth": list(self.places_of_birth),
            "nationalities": list(self.nationalities),
            "addresses": [a.as_json() for a in self.addresses],
            "listed_on": self.listed_on.isoformat() if self.listed_on else None,
            "designations": list(self.designations),
            "titles": list(self.titles),
            "comments": self.comments,
        }

    def content_hash(self) -> str:
        return content_hash(self.content())

    def to_list_entry(self) -> ListEntry:
        return build_list_entry(
            reference_number=self.reference_number,
            kind=self.kind,
            full_name=self.full_name,
            aliases=[(a.name, a.quality) for a in self.aliases],
            original_script_name=self.original_script_name,
            dates_of_birth=self.dates_of_birth,
            nationalities=self.nationalities,
            countries=[a.country for a in self.addresses],
            list_type=self.list_type,
        )


def content_hash(content: dict[str, Any]) -> str:
    """SHA-256 of the content in a canonical JSON form: equal content, equal hash."""
    canonical = json.dumps(
        {name: content.get(name) for name in CONTENT_FIELDS},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _unique(values: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for raw in values:
        value = clean(raw)
        if value and value.casefold() not in {v.casefold() for v in seen}:
            seen[value] = None
    return tuple(seen)


def build_list_entry(
    *,
    reference_number: str,
    kind: Kind,
    full_name: str,
    aliases: list[tuple[str, str]],
    original_script_name: str,
    dates_of_birth: tuple[DateOfBirth, ...] | list[DateOfBirth],
    nationalities: tuple[str, ...] | list[str],
    countries: tuple[str, ...] | list[str],
    list_type: str,
) -> ListEntry:
    """The engine's record: primary name, each alias once, the original-script name, dates and countries."""
    names: list[ListName] = [ListName(full_name, "primary")]
    seen = {full_name.casefold()}
    for name, quality in aliases:
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(ListName(name, quality))
    if original_script_name and original_script_name.casefold() not in seen:
        names.append(ListName(original_script_name, "original"))
    births = tuple(b for b in (d.to_birth_date() for d in dates_of_birth) if b is not None)
    return ListEntry(
        key=reference_number,
        reference_number=reference_number,
        kind=kind,
        names=tuple(names),
        birth_dates=tuple(dict.fromkeys(births)),
        nationalities=_unique(nationalities),
        countries=_unique(countries),
        list_type=list_type,
    )


ListFormat = Literal["un-xml", "csv"]


@dataclass(slots=True)
class ParsedList:
    """A whole list: when its publisher generated it, the engine's entries and the rich records (same order)."""

    format: ListFormat
    generated_on: dt.datetime | None
    records: list[ParsedEntry]
    entries: list[ListEntry] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.entries:
            self.entries = [record.to_list_entry() for record in self.records]

    @property
    def person_count(self) -> int:
        return sum(1 for r in self.records if r.kind == "person")

    @property
    def organisation_count(self) -> int:
        return sum(1 for r in self.records if r.kind == "organisation")


_ORIGINAL_SCRIPT_MARK = re.compile(r"\s*\(original script\)\s*$", re.IGNORECASE)


def _split_top_level(text: str) -> list[str]:
    """Split on semicolons that are not inside parentheses."""
    parts: list[str] = []
    depth, start = 0, 0
    for index, char in enumerate(text):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    parts.append(text[start:])
    return parts


def _last_group(text: str) -> int | None:
    """Where the parenthesised group that ends the text opens, or None."""
    if not text.endswith(")"):
        return None
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] == ")":
            depth += 1
        elif text[index] == "(":
            depth -= 1
            if depth == 0:
                return index
    return None


def split_alias(text: str | None) -> list[str]:
    """The names one alias field holds.

    The UN list packs several names into one alias with "; " ("Qasim Soleimani; Qasem Sulaimani"), or
    gives a name followed by its variants in parentheses ("حسن غول (Hassan Ghul; Hassan Gul)"). A single
    name with a parenthesised note ("Jin Tiesan (金铁三)", "Al-Qaida in Yemen (AQY)") is kept whole.
    """
    value = clean(text).rstrip(",").strip()
    if not value:
        return []
    if ";" not in value:
        return [value]
    names: list[str] = []
    opening = _last_group(value)
    if opening is not None and ";" in value[opening:]:
        outer, inner = value[:opening].strip(), value[opening + 1 : -1]
        if outer:
            names.append(outer)
        names.extend(_split_top_level(inner))
    else:
        names.extend(_split_top_level(value))
    cleaned = [_ORIGINAL_SCRIPT_MARK.sub("", clean(n)).strip(" ,") for n in names]
    return list(dict.fromkeys(n for n in cleaned if n))
