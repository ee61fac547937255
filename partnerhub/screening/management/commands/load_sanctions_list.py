from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from partnerhub.core.context import Actor, acting_as
from partnerhub.core.errors import DomainError
from partnerhub.screening.models import ListFormat, ListSource
from partnerhub.screening.services import (
    MAX_LIST_BYTES,
    download_list,
    list_source_create,
    sanctions_list_load,
)

ACTOR_LABEL = "manage.py load_sanctions_list"


class Command(BaseCommand):
    help = (
        "Load a sanctions list file (or download it from an http(s) address) as a new snapshot, and print what "
        "changed since the current one. Loading the same file twice creates nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file_or_url", help="path of the list file, or its http(s) address")
        parser.add_argument("--source", default="un-sc", help="code of the list (default: un-sc)")
        parser.add_argument(
            "--format",
            choices=ListFormat.values,
            help="format of a list that does not exist yet (created with this code); must match an existing one",
        )

    def _source(self, code: str, list_format: str | None) -> ListSource:
        source = ListSource.objects.filter(code=code).first()
        if source is None:
            if list_format is None:
                known = ", ".join(ListSource.objects.values_list("code", flat=True)) or "none"
                raise CommandError(
                    f"No list has the code {code!r} (known: {known}). Give --format to add it."
                )
            source = list_source_create(actor=None, data={"code": code, "name": code, "format": list_format})
            self.stdout.write(f"Added the list {code!r} ({list_format}).")
        elif list_format is not None and list_format != source.format:
            raise CommandError(f"The list {code!r} is in the {source.format} format, not {list_format}.")
        return source

    def _read(self, file_or_url: str) -> bytes:
        if file_or_url.startswith(("http://", "https://")):
            return download_list(file_or_url)
        path = Path(file_or_url)
        if not path.is_file():
            raise CommandError(f"{file_or_url}: no such file.")
        if path.stat().st_size > MAX_LIST_BYTES:
            raise CommandError(f"{file_or_url}: larger than {MAX_LIST_BYTES >> 20} MB; not a sanctions list.")
        return path.read_bytes()

    def handle(self, *args: Any, **options: Any) -> None:
        with acting_as(Actor(user_id=None, label=ACTOR_LABEL)):
            try:
                source = self._source(options["source"], options["format"])
                origin = options["file_or_url"]
                result = sanctions_list_load(
                    source=source, data=self._read(origin), actor=None, origin=origin
                )
            except DomainError as exc:
                lines = [exc.message, *getattr(exc, "row_errors", [])]
                raise CommandError("The list was not loaded: " + "\n".join(lines)) from None
        snapshot = result.snapshot
        when = (snapshot.generated_on or snapshot.loaded_at).isoformat()
        if not result.created:
            self.stdout.write(
                f"Nothing new: this file is already snapshot #{snapshot.pk} of {source.code} ({when})."
            )
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded snapshot #{snapshot.pk} of {source.code} (generated {when}): {snapshot.entry_count} entries "
                f"({snapshot.person_count} people, {snapshot.organisation_count} organisations)."
            )
        )
        for warning in snapshot.warnings:
            self.stdout.write(f"  warning: {warning}")
        if snapshot.previous_id is None:
            self.stdout.write("First snapshot of this list: nothing to compare with.")
            return
        self.stdout.write(
            f"Compared with snapshot #{snapshot.previous_id}: {snapshot.added_count} added, "
            f"{snapshot.changed_count} changed ({snapshot.matching_changed_count} in names, dates of birth or "
            f"countries), {snapshot.removed_count} removed."
        )
        if result.changed_fields:
            tally = ", ".join(f"{name} {count}" for name, count in result.changed_fields.items())
            self.stdout.write(f"Changed fields: {tally}.")
