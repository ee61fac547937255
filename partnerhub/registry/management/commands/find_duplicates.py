"""Cluster an outside spreadsheet before importing it: which rows name the same organisation?

    manage.py find_duplicates --input partners.csv --output pairs.csv [--threshold 0.85]

The input is CSV with a header and at least `id,name,country` (ISO 3166 alpha-2 country codes); `acronym`,
`website`, `email`, `registration_number` and `alt_names` (several separated by "|") are used when present.
The output has one line per pair believed to be the same organisation: `id_a,id_b,score`. The database is
not used.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnerhub.registry import dedupe


class Command(BaseCommand):
    help = "Find rows of a CSV file that name the same organisation (writes id_a,id_b,score). No database."
    requires_system_checks: list[str] = []
    requires_migrations_checks = False

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--input", required=True, help="CSV with at least id,name,country")
        parser.add_argument("--output", required=True, help="where to write id_a,id_b,score")
        parser.add_argument(
            "--threshold",
            type=float,
            default=dedupe.MATCH_THRESHOLD,
            help=f"lowest score reported (default {dedupe.MATCH_THRESHOLD})",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        source, target = Path(options["input"]), Path(options["output"])
        threshold = options["threshold"]
        if not 0 < threshold <= 1:
            raise CommandError("--threshold must be between 0 and 1.")
        try:
            text = source.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(f"No such file: {source}") from None
        except UnicodeDecodeError:
            raise CommandError(f"{source} is not UTF-8 text. Save it as CSV UTF-8 and try again.") from None
        lines = text.splitlines()
        header = lines[0] if lines else ""
        delimiter = max((",", ";", "\t"), key=header.count)  # spreadsheets save with ; in some locales
        try:
            records = list(dedupe.read_csv(lines, delimiter=delimiter))
        except ValueError as exc:
            raise CommandError(f"{source}: {exc}") from None
        ids = [r.id for r in records]
        if len(set(ids)) != len(ids):
            repeated = sorted({i for i in ids if ids.count(i) > 1})[:5]
            raise CommandError(f"{source}: ids must be unique; repeated: {', '.join(repeated)}")
        if ids and all(i.isdigit() for i in ids):  # order numeric ids as numbers
            records = [dedupe.Record(**{**_fields(r), "id": int(r.id)}) for r in records]
        pairs = dedupe.find_pairs(records, threshold=threshold)
        rows = sorted((*dedupe.ordered(p.a, p.b), p.score) for p in pairs)
        with target.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["id_a", "id_b", "score"])
            for a, b, score in rows:
                writer.writerow([a, b, f"{score:.3f}"])
        clusters = dedupe.clusters_from_pairs(pairs)
        in_clusters = sum(len(c.ids) for c in clusters)
        self.stdout.write(
            f"{len(records)} rows read; {len(rows)} pairs in {len(clusters)} groups ({in_clusters} rows) "
            f"written to {target}."
        )


def _fields(record: dedupe.Record) -> dict[str, Any]:
    return {name: getattr(record, name) for name in record.__dataclass_fields__}
