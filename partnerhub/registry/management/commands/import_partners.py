"""manage.py import_partners FILE [--dry-run] [--on-duplicate skip|update|create] ...

Exit status: 0 imported (or, with --dry-run, every row is valid); 1 some rows are bad, nothing was written;
2 the file or the options cannot be used (unreadable file, unknown office, a required column missing).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnerhub.core.context import Actor, acting_as, actor_for
from partnerhub.core.errors import ValidationFailed
from partnerhub.registry import importer
from partnerhub.registry.choices import Channel

SHOWN_DUPLICATES = 50


class Command(BaseCommand):
    help = (
        "Import partners from a CSV or XLSX file, all or nothing: if any row is bad, nothing is written and "
        "every bad row is listed. Rows that match existing partners follow --on-duplicate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", help="a .csv (UTF-8, UTF-8 with BOM, Windows-1252/Latin-1; , ; or tab) or .xlsx"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and report, but write nothing"
        )
        parser.add_argument(
            "--on-duplicate",
            choices=importer.POLICIES,
            default="skip",
            help=(
                "a row matching an existing partner: skip it (default), update the partner's empty fields, "
                "or create a new partner anyway (and remember the pair as not duplicates)"
            ),
        )
        parser.add_argument("--office", help="owning office (code or acronym) for rows that name none")
        parser.add_argument(
            "--channel", help=f"channel code for rows that name none ({', '.join(Channel.values)})"
        )
        parser.add_argument(
            "--category", help="stakeholder category (code or number) for rows that name none"
        )
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="COLUMN=FIELD",
            help=f"what a column holds, overriding the guess from its title; FIELD is one of "
            f"{', '.join(importer.FIELDS)}, or empty to ignore the column",
        )
        parser.add_argument(
            "--user", help="e-mail of the PLGU officer or administrator the import is recorded for"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}.", returncode=2) from None
        user = self._user(options["user"])
        defaults = self._defaults(options)
        mapping = self._mapping(options["map"])
        actor = actor_for(user) if user else Actor(user_id=None, label="command line")
        with acting_as(actor):
            try:
                table, mapping, result, counts = importer.run_file(
                    data,
                    mapping=mapping,
                    defaults=defaults,
                    on_duplicate=options["on_duplicate"],
                    dry_run=options["dry_run"],
                    user=user,
                    source=path.name,
                )
            except importer.ImportFileError as exc:
                raise CommandError(f"{path.name}: {exc.message}", returncode=2) from None
            except ValidationFailed as exc:
                problems = exc.errors.get("mapping") or exc.errors.get("rows") or [exc.message]
                raise CommandError(
                    "\n".join(problems), returncode=2 if "mapping" in exc.errors else 1
                ) from None
        self._describe(path, table, mapping)
        self._report_duplicates(result, options["on_duplicate"], options["verbosity"])
        if not result.ok:
            for error in result.errors:
                self.stderr.write(f"Row {error.row}, column “{error.column}”: {error.message}")
            bad = len({e.row for e in result.errors})
            raise CommandError(
                f"{bad} of {result.total} rows have errors; nothing was written.", returncode=1
            )
        tally = result.counts()
        if counts is None:
            self.stdout.write(
                f"Dry run: all {result.total} rows are valid. Would create {tally['would_create']}, update "
                f"{tally['would_update']}, skip {tally['would_skip']}. Nothing was written."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {result.total} rows: created {counts['created']}, updated {counts['updated']}, "
                f"unchanged {counts['unchanged']}, skipped {counts['skipped']}."
            )
        )

    def _user(self, email: str | None) -> Any:
        if not email:
            return None
        from django.contrib.auth import get_user_model

        from partnerhub.registry.permissions import can_import_partners

        user = get_user_model().objects.filter(email__iexact=email).first()
        if user is None:
            raise CommandError(f"No user has the e-mail address {email}.", returncode=2)
        if not can_import_partners(user):
            raise CommandError(
                f"{email} may not import partners (PLGU officers and administrators may).", returncode=2
            )
        return user

    def _defaults(self, options: dict[str, Any]) -> importer.Defaults:
        lookups = importer.Lookups.load()
        defaults = importer.Defaults()
        if options["office"]:
            office = lookups.offices.get(importer.fold(options["office"]))
            if office is None or office in lookups.inactive_offices:
                raise CommandError(
                    f"--office {options['office']}: no active office has that code.", returncode=2
                )
            defaults.owning_office = office
        if options["channel"]:
            channel = lookups.channels.get(importer.fold(options["channel"]))
            if channel is None:
                raise CommandError(
                    f"--channel {options['channel']}: use one of {', '.join(Channel.values)}.", returncode=2
                )
            defaults.channel = channel
        if options["category"]:
            category = lookups.categories.get(importer.fold(options["category"]))
            if category is None or category in lookups.inactive_categories:
                raise CommandError(
                    f"--category {options['category']}: no such stakeholder category.", returncode=2
                )
            defaults.category = category
        return defaults

    def _mapping(self, pairs: list[str]) -> dict[str, str]:
        mapping: dict[str, str] = {}
        for pair in pairs:
            column, sep, key = pair.partition("=")
            if not sep or (key and key not in importer.FIELDS):
                raise CommandError(
                    f"--map {pair}: write COLUMN=FIELD with FIELD one of {', '.join(importer.FIELDS)}.",
                    returncode=2,
                )
            mapping[column.strip()] = key.strip()
        return mapping

    def _describe(self, path: Path, table: importer.Table, mapping: dict[str, str]) -> None:
        what = (
            "Excel workbook"
            if table.file_format == "xlsx"
            else (
                f"CSV, {importer.ENCODING_NAMES.get(table.encoding, table.encoding)}, separated by "
                f"“{'tab' if table.delimiter == chr(9) else table.delimiter}”"
            )
        )
        self.stdout.write(f"{path.name}: {what}; {len(table.rows)} rows.")
        for column in table.columns:
            key = mapping.get(column)
            meaning = importer.field_label(key) if key else "(ignored)"
            self.stdout.write(f"  “{column}” → {meaning}")

    def _report_duplicates(self, result: importer.Validation, policy: str, verbosity: int) -> None:
        outcome = {
            "skip": "skipped",
            "update": "empty fields of the partner filled in",
            "create": "added anyway",
        }[policy]
        rows = result.duplicate_rows
        for row in rows[: None if verbosity > 1 else SHOWN_DUPLICATES]:
            match = row.matches[0]
            self.stdout.write(
                f"Row {row.number} “{row.name}” matches partner #{match.partner_id} “{match.name}” "
                f"({', '.join(match.reasons)}; score {match.score:.2f}): {outcome}."
            )
        if len(rows) > SHOWN_DUPLICATES and verbosity <= 1:
            self.stdout.write(
                f"… and {len(rows) - SHOWN_DUPLICATES} more rows matching existing partners (-v 2 lists all)."
            )
        for item in result.within_file if policy == "create" else ():  # otherwise they are errors
            other = f"row {item['other_row']} “{item['other_name']}”"
            self.stdout.write(f"Row {item['row']} names the same organisation as {other}.")
