"""A generic list in CSV, for lists that have no parser of their own. Pure Python: no Django imports.

Columns (first row, any order, case-insensitive): `name,aliases,kind,birth_date,country,reference`, and
optionally `list_type`, `listed_on` and `comments`. Several aliases, dates of birth or countries are
separated by ";". `kind` is person or organisation. UTF-8, with or without a byte-order mark. Every bad row
is reported with its row number and column; one bad row means nothing is loaded.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

from partnerhub.screening.matching.types import Kind
from partnerhub.screening.sources.records import (
    Address,
    Alias,
    DateOfBirth,
    ListFormatError,
    ParsedEntry,
    ParsedList,
    RowError,
    clean,
)

REQUIRED = ("name", "aliases", "kind", "birth_date", "country", "reference")
OPTIONAL = ("list_type", "listed_on", "comments")
MAX_ROW_ERRORS = 200
_KINDS: dict[str, Kind] = {
    "person": "person",
    "individual": "person",
    "organisation": "organisation",
    "organization": "organisation",
    "entity": "organisation",
}
_RANGE = re.compile(r"^(\d{4})\s*(?:-|–|to|/)\s*(\d{4})$")


def _split(value: str) -> list[str]:
    return list(dict.fromkeys(v for v in (clean(part) for part in value.split(";")) if v))


def _birth_date(value: str) -> DateOfBirth | None:
    text = value.strip()
    approximate = False
    lowered = text.lower()
    for prefix in ("~", "approx.", "approximately", "about", "circa", "c."):
        if lowered.startswith(prefix):
            approximate, text = True, text[len(prefix) :].strip()
            break
    kind = "APPROXIMATELY" if approximate else "EXACT"
    if re.fullmatch(r"\d{4}", text):
        return DateOfBirth(kind=kind, year=int(text))
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return DateOfBirth(kind=kind, date=dt.date.fromisoformat(text))
        except ValueError:
            return None
    if match := _RANGE.match(text):
        low, high = sorted((int(match.group(1)), int(match.group(2))))
        return DateOfBirth(kind="BETWEEN", from_year=low, to_year=high)
    return None


def _row(
    row_number: int, cells: dict[str, str], first_row_of: dict[str, int]
) -> tuple[ParsedEntry | None, list[RowError]]:
    """One data row as an entry, or the row's errors."""
    errors: list[RowError] = []
    name, reference = cells.get("name", ""), cells.get("reference", "")
    for column, value in (("name", name), ("reference", reference)):
        if not value:
            errors.append(RowError(row_number, column, "required"))
    kind = _KINDS.get(cells.get("kind", "").lower())
    if kind is None:
        code = "kind" if cells.get("kind") else "required"
        errors.append(RowError(row_number, "kind", code, {"value": cells.get("kind", "")}))
    dates: list[DateOfBirth] = []
    for value in _split(cells.get("birth_date", "")):
        date = _birth_date(value)
        if date is None:
            errors.append(RowError(row_number, "birth_date", "birth_date", {"value": value}))
        else:
            dates.append(date)
    listed_on = None
    if cells.get("listed_on"):
        try:
            listed_on = dt.date.fromisoformat(cells["listed_on"])
        except ValueError:
            errors.append(RowError(row_number, "listed_on", "listed_on", {"value": cells["listed_on"]}))
    if reference in first_row_of:
        other = first_row_of[reference]
        errors.append(
            RowError(row_number, "reference", "duplicate_reference", {"value": reference, "other": other})
        )
    elif reference:
        first_row_of[reference] = row_number
    if errors or kind is None:
        return None, errors
    countries = _split(cells.get("country", ""))
    entry = ParsedEntry(
        reference_number=reference,
        kind=kind,
        full_name=name,
        first_name=name,
        list_type=cells.get("list_type", ""),
        aliases=tuple(Alias(name=a, quality="") for a in _split(cells.get("aliases", "")) if a != name),
        dates_of_birth=tuple(dates) if kind == "person" else (),
        nationalities=tuple(countries) if kind == "person" else (),
        addresses=tuple(Address(country=c) for c in countries) if kind == "organisation" else (),
        listed_on=listed_on,
        comments=cells.get("comments", ""),
    )
    return entry, []


def parse_csv_list(data: bytes) -> ParsedList:
    """Read a list in the generic CSV layout; raise `ListFormatError` listing every bad row."""
    body = data.removeprefix(b"\xef\xbb\xbf")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ListFormatError("not_utf8", line=body.count(b"\n", 0, exc.start) + 1) from None
    if text.lstrip().startswith("<"):
        raise ListFormatError("looks_like_xml")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    columns = [clean(c).lower().replace(" ", "_") for c in header or []]
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ListFormatError("missing_columns", expected=", ".join(REQUIRED), missing=", ".join(missing))
    known = [name for name in (*REQUIRED, *OPTIONAL) if name in columns]
    records: list[ParsedEntry] = []
    errors: list[RowError] = []
    first_row_of: dict[str, int] = {}
    for row_number, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue  # blank lines, often at the end of a file saved by a spreadsheet
        if len(row) != len(columns):
            errors.append(RowError(row_number, "", "cells", {"found": len(row), "expected": len(columns)}))
            continue
        entry, row_errors = _row(row_number, {n: clean(row[columns.index(n)]) for n in known}, first_row_of)
        errors.extend(row_errors)
        if entry is not None:
            records.append(entry)
    if errors:
        rows = len({e.row for e in errors})
        raise ListFormatError("invalid_rows", count=rows, row_errors=errors[:MAX_ROW_ERRORS])
    if not records:
        raise ListFormatError("empty")
    warnings = [f"column “{c}” is not used" for c in columns if c and c not in (*REQUIRED, *OPTIONAL)]
    return ParsedList(format="csv", generated_on=None, records=records, warnings=warnings)
