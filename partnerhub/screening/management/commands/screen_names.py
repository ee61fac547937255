"""`manage.py screen_names`: screen a spreadsheet of names against a list file, without the database.

    manage.py screen_names --list consolidated.xml --input names.csv --output results.csv [--threshold 0.85]

The list is the UN Security Council Consolidated List (XML) or the generic CSV list format
(`name,aliases,kind,birth_date,country,reference`). The input needs `id` and `name` columns and may have
`kind` (person/organisation), `birth_date` (YYYY or YYYY-MM-DD) and `nationality`; the output has one row
per input row with the best hit: `id,decision,score,reference_number,matched_name,explanation`.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnerhub.screening.matching.engine import DEFAULT_THRESHOLD, Matcher
from partnerhub.screening.matching.types import Kind, ListEntry, Query
from partnerhub.screening.sources.csv_list import parse_csv_list
from partnerhub.screening.sources.records import ListFormatError
from partnerhub.screening.sources.un_xml import parse_un_xml

OUTPUT_COLUMNS = ("id", "decision", "score", "reference_number", "matched_name", "explanation")
REQUIRED_INPUT = ("id", "name")
KINDS: dict[str, Kind] = {
    "person": "person",
    "individual": "person",
    "organisation": "organisation",
    "organization": "organisation",
    "entity": "organisation",
}


def _read_bytes(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CommandError(f"Cannot read the {what} file {path}: {exc.strerror or exc}.") from None


def load_list(path: Path) -> list[ListEntry]:
    """The entries of a UN XML or generic CSV list file; CommandError with the parser's reason otherwise."""
    data = _read_bytes(path, "list")
    looks_xml = data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    try:
        parsed = parse_un_xml(data) if looks_xml else parse_csv_list(data)
    except ListFormatError as exc:
        details = "; ".join(f"row {e.row}, {e.column}: {e.message}" for e in exc.row_errors[:5])
        raise CommandError(f"{path}: {exc.message}" + (f" ({details})" if details else "")) from None
    return parsed.entries


def read_queries(path: Path) -> list[tuple[str, Query]]:
    """(id, query) per row of the input CSV; CommandError for missing columns or unreadable text."""
    data = _read_bytes(path, "input")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CommandError(f"{path} is not UTF-8 text (byte {exc.start}). Save it as CSV UTF-8.") from None
    reader = csv.DictReader(io.StringIO(text))
    columns = {(c or "").strip().lower(): c for c in reader.fieldnames or []}
    missing = [c for c in REQUIRED_INPUT if c not in columns]
    if missing:
        raise CommandError(
            f"{path} needs the columns {', '.join(REQUIRED_INPUT)} in its first row; missing: {', '.join(missing)}."
        )
    rows: list[tuple[str, Query]] = []
    for number, row in enumerate(reader, start=2):

        def value(name: str, row: dict[str, Any] = row) -> str:
            column = columns.get(name)
            return (row.get(column) or "").strip() if column else ""

        raw_kind = value("kind").lower()
        if raw_kind and raw_kind not in KINDS:
            raise CommandError(
                f"{path}, row {number}: “{raw_kind}” is not a kind; use person or organisation."
            )
        kind = KINDS.get(raw_kind)
        nationality = value("nationality") or None
        query = Query(
            name=value("name"),
            kind=kind,
            birth_date=value("birth_date") or None,
            nationality=nationality if kind != "organisation" else None,
            country=nationality if kind == "organisation" else None,
        )
        rows.append((value("id"), query))
    return rows


class Command(BaseCommand):
    help = (
        "Screen a CSV of names against a sanctions list file (UN XML or CSV) and write the best hit per name."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--list", required=True, type=Path, help="UN Consolidated List XML or list CSV.")
        parser.add_argument(
            "--input", required=True, type=Path, help="CSV with id,name[,kind,birth_date,nationality]."
        )
        parser.add_argument("--output", required=True, type=Path, help="Where to write the results CSV.")
        parser.add_argument(
            "--threshold",
            type=float,
            default=DEFAULT_THRESHOLD,
            help=f"Alert at or above this score (default {DEFAULT_THRESHOLD}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        threshold: float = options["threshold"]
        if not 0.0 < threshold <= 1.0:
            raise CommandError("--threshold must be above 0 and at most 1.")
        entries = load_list(options["list"])
        queries = read_queries(options["input"])
        matcher = Matcher(entries, threshold=threshold)
        alerts = 0
        output: Path = options["output"]
        try:
            handle = output.open("w", encoding="utf-8", newline="")
        except OSError as exc:
            raise CommandError(f"Cannot write {output}: {exc.strerror or exc}.") from None
        with handle:
            writer = csv.writer(handle)
            writer.writerow(OUTPUT_COLUMNS)
            for row_id, query in queries:
                hit = matcher.best(query) if query.name else None
                if hit is None:
                    writer.writerow([row_id, "clear", "0", "", "", ""])
                    continue
                alerts += hit.decision == "alert"
                writer.writerow(
                    [
                        row_id,
                        hit.decision,
                        f"{hit.score:.3f}",
                        hit.reference_number,
                        hit.matched_name,
                        hit.explanation,
                    ]
                )
        self.stdout.write(
            f"Screened {len(queries)} names against {len(entries)} list entries: {alerts} alert(s). "
            f"Results in {output}."
        )
