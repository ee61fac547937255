"""Writes for sanctions lists: load a snapshot (from a file or its download address) and manage list sources."""

from __future__ import annotations

import hashlib
import logging
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.core.audit import audit
from partnerhub.core.errors import ConcurrentEdit, DomainError, NotAllowed, ValidationFailed
from partnerhub.registry.normalize import search_terms
from partnerhub.screening.models import ChangeKind, ListChange, ListEntry, ListSnapshot, ListSource
from partnerhub.screening.permissions import can_load_sanctions_list, can_manage_list_sources
from partnerhub.screening.signals import snapshot_loaded
from partnerhub.screening.sources import ListFormatError, ParsedEntry, ParsedList, parse

log = logging.getLogger(__name__)

MAX_LIST_BYTES = 50 * 1024 * 1024  # the UN list is about 2 MB
DOWNLOAD_TIMEOUT_SECONDS = 60
# Fields whose change can change whether someone matches the entry (names, dates of birth, countries).
MATCHING_FIELDS = frozenset(
    {
        "kind",
        "full_name",
        "first_name",
        "second_name",
        "third_name",
        "fourth_name",
        "aliases",
        "original_script_name",
        "dates_of_birth",
        "nationalities",
        "addresses",
    }
)
SOURCE_FIELDS = ("code", "name", "format", "refresh_url", "refresh_enabled")


class ListRefused(DomainError):
    """A list that was not loaded: damaged, in another format, empty, too large, older, or not downloadable.

    `code` names the reason (`not_utf8`, `doctype`, `empty`, `invalid_rows`, `too_large`, …); `row_errors`
    holds one readable line per bad row of a CSV file. The current snapshot stays in force.
    """

    status = 422

    def __init__(self, message: str, *, code: str, row_errors: list[str] | None = None) -> None:
        self.row_errors = row_errors or []
        super().__init__(message, code=code)


def _refusal(exc: ListFormatError) -> ListRefused:
    rows = [
        _("Row %(row)d, column “%(column)s”: %(message)s")
        % {"row": error.row, "column": error.column or "—", "message": _(error.template) % error.params}
        for error in exc.row_errors
    ]
    return ListRefused(_(exc.template) % exc.params, code=exc.code, row_errors=rows)


@dataclass(frozen=True)
class LoadResult:
    """What a load did: the snapshot in force for this file, and whether it was created now."""

    snapshot: ListSnapshot
    created: bool
    changed_fields: dict[str, int] = field(default_factory=dict)  # field → entries changed in it


@dataclass
class _Diff:
    added: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # reference → changed fields
    removed: list[str] = field(default_factory=list)

    @property
    def matching_changed(self) -> list[str]:
        return [ref for ref, fields in self.changed.items() if MATCHING_FIELDS.intersection(fields)]


def _diff(records: list[ParsedEntry], previous: dict[str, ListEntry]) -> _Diff:
    """Compare by reference number: present only now, present in both with other content, or gone."""
    diff = _Diff()
    current = {r.reference_number for r in records}
    for record in records:
        old = previous.get(record.reference_number)
        if old is None:
            diff.added.append(record.reference_number)
        elif old.content_hash != record.content_hash():
            before, after = old.content(), record.content()
            diff.changed[record.reference_number] = [
                name for name in after if before.get(name) != after[name]
            ]
    diff.removed = sorted(ref for ref in previous if ref not in current)
    return diff


def _entry_row(snapshot: ListSnapshot, record: ParsedEntry) -> ListEntry:
    content = record.content()
    names = [record.full_name, record.original_script_name, *(a.name for a in record.aliases)]
    return ListEntry(
        snapshot=snapshot,
        reference_number=record.reference_number,
        content_hash=record.content_hash(),
        search_text=search_terms([record.reference_number, *(n for n in names if n)]),
        **{**content, "listed_on": record.listed_on},
    )


def _check_load_allowed(actor: Any | None) -> None:
    # `actor` None is the system itself: the scheduled refresh or the command line.
    if actor is not None and not can_load_sanctions_list(actor):
        raise NotAllowed(
            _("Only the Partnerships and Local Government Unit and administrators can load sanctions lists.")
        )


def _announce(snapshot: ListSnapshot, previous: ListSnapshot | None, diff: _Diff) -> None:
    responses = snapshot_loaded.send_robust(
        sender=ListSnapshot,
        snapshot=snapshot,
        previous=previous,
        added=list(diff.added),
        changed=list(diff.changed),
        removed=list(diff.removed),
        matching_changed=diff.matching_changed,
    )
    for receiver, response in responses:
        if isinstance(response, Exception):
            log.error("snapshot_loaded receiver %r failed: %s", receiver, response, exc_info=response)


def sanctions_list_load(
    *, source: ListSource, data: bytes, actor: Any | None, origin: str = ""
) -> LoadResult:
    """Parse and store a new snapshot of `source`, compare it with the current one and make it current.

    A file already loaded for this source creates nothing (`created` is False). Bad input raises
    `ListRefused` and nothing is written, so the current snapshot stays in force.
    """
    _check_load_allowed(actor)
    if len(data) > MAX_LIST_BYTES:
        raise ListRefused(
            _("The file is larger than %(size)d MB; a sanctions list is far smaller.")
            % {"size": MAX_LIST_BYTES >> 20},
            code="too_large",
        )
    sha256 = hashlib.sha256(data).hexdigest()
    existing = ListSnapshot.objects.filter(source=source, sha256=sha256).select_related("source").first()
    if existing is not None:
        return LoadResult(snapshot=existing, created=False)
    try:
        parsed: ParsedList = parse(source.format, data)
    except ListFormatError as exc:
        raise _refusal(exc) from None

    with transaction.atomic():
        source = ListSource.objects.select_for_update().get(pk=source.pk)
        existing = ListSnapshot.objects.filter(source=source, sha256=sha256).first()
        if existing is not None:  # the same file, loaded by someone else a moment ago
            return LoadResult(snapshot=existing, created=False)
        previous = ListSnapshot.objects.filter(source=source, is_current=True).first()
        if (
            previous is not None
            and previous.generated_on is not None
            and parsed.generated_on is not None
            and parsed.generated_on < previous.generated_on
        ):
            raise ListRefused(
                _(
                    "This list was generated on %(new)s, before the current snapshot (generated on %(current)s). "
                    "Load a newer list."
                )
                % {
                    "new": timezone.localtime(parsed.generated_on).strftime("%Y-%m-%d %H:%M"),
                    "current": timezone.localtime(previous.generated_on).strftime("%Y-%m-%d %H:%M"),
                },
                code="older_than_current",
            )
        old_entries = {e.reference_number: e for e in previous.entries.all()} if previous else {}
        diff = _diff(parsed.records, old_entries) if previous else _Diff()
        if previous is not None:
            previous.is_current = False
            previous.save(update_fields=["is_current"])
        snapshot = ListSnapshot(
            source=source,
            sha256=sha256,
            format=source.format,
            generated_on=parsed.generated_on,
            loaded_by=actor if actor is not None and getattr(actor, "pk", None) else None,
            origin=origin[:500],
            entry_count=len(parsed.records),
            person_count=parsed.person_count,
            organisation_count=parsed.organisation_count,
            is_current=True,
            previous=previous,
            added_count=len(diff.added),
            changed_count=len(diff.changed),
            removed_count=len(diff.removed),
            matching_changed_count=len(diff.matching_changed),
            warnings=parsed.warnings[:100],
        )
        snapshot.save()
        entries = ListEntry.objects.bulk_create(
            [_entry_row(snapshot, record) for record in parsed.records], batch_size=500
        )
        by_reference = {e.reference_number: e for e in entries}
        changes = [
            ListChange(
                snapshot=snapshot, kind=ChangeKind.ADDED, reference_number=ref, entry=by_reference[ref]
            )
            for ref in diff.added
        ]
        changes += [
            ListChange(
                snapshot=snapshot,
                kind=ChangeKind.CHANGED,
                reference_number=ref,
                entry=by_reference[ref],
                previous_entry=old_entries[ref],
                changed_fields=fields,
                affects_matching=bool(MATCHING_FIELDS.intersection(fields)),
            )
            for ref, fields in diff.changed.items()
        ]
        changes += [
            ListChange(
                snapshot=snapshot,
                kind=ChangeKind.REMOVED,
                reference_number=ref,
                previous_entry=old_entries[ref],
                affects_matching=True,
            )
            for ref in diff.removed
        ]
        ListChange.objects.bulk_create(changes, batch_size=500)
        counts = {
            "entries": snapshot.entry_count,
            "people": snapshot.person_count,
            "organisations": snapshot.organisation_count,
            "added": snapshot.added_count,
            "changed": snapshot.changed_count,
            "changed_for_matching": snapshot.matching_changed_count,
            "removed": snapshot.removed_count,
        }
        audit(
            "screening.snapshot.load",
            target=snapshot,
            before={"current_snapshot": previous.pk if previous else None},
            after={
                "source": source.code,
                "sha256": sha256,
                "generated_on": snapshot.generated_on,
                **counts,
            },
            note=origin[:500],
        )
        transaction.on_commit(lambda: _announce(snapshot, previous, diff))
    changed_fields = Counter(name for fields in diff.changed.values() for name in fields)
    return LoadResult(snapshot=snapshot, created=True, changed_fields=dict(changed_fields.most_common()))


def download_list(url: str) -> bytes:
    """Fetch a list over HTTP(S) with a timeout and a size limit; refuse with a readable reason."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise ListRefused(_("Only http and https addresses can be downloaded."), code="bad_url")
    request = urllib.request.Request(url, headers={"User-Agent": "PartnerHub sanctions-list refresh"})  # noqa: S310
    try:
        # The scheme is checked above; urllib follows redirects only to http, https and ftp.
        with urllib.request.urlopen(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > MAX_LIST_BYTES:
                raise _too_large()
            data: bytes = response.read(MAX_LIST_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise ListRefused(
            _("The download failed: the server answered %(status)d %(reason)s.")
            % {"status": exc.code, "reason": exc.reason},
            code="download_failed",
        ) from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise ListRefused(
            _("The download failed: %(reason)s.") % {"reason": reason}, code="download_failed"
        ) from None
    if len(data) > MAX_LIST_BYTES:
        raise _too_large()
    return data


def _too_large() -> ListRefused:
    return ListRefused(
        _("The file is larger than %(size)d MB; a sanctions list is far smaller.")
        % {"size": MAX_LIST_BYTES >> 20},
        code="too_large",
    )


def _record_refresh(source: ListSource, error: str) -> None:
    # Bookkeeping outside the load's transaction, so a failed refresh is remembered; not in history.
    ListSource.objects.filter(pk=source.pk).update(last_refresh_at=timezone.now(), last_refresh_error=error)


def sanctions_list_refresh(*, source: ListSource, actor: Any | None = None) -> LoadResult:
    """Download the list from its address and load it (nothing new if it has not changed)."""
    _check_load_allowed(actor)
    if not source.refresh_url:
        raise ListRefused(_("This list has no download address."), code="no_url")
    try:
        result = sanctions_list_load(
            source=source, data=download_list(source.refresh_url), actor=actor, origin=source.refresh_url
        )
    except DomainError as exc:
        _record_refresh(source, exc.message)
        raise
    _record_refresh(source, "")
    return result


# --- Sources --------------------------------------------------------------------------------------


def _validate_source(source: ListSource) -> None:
    errors: dict[str, list[str]] = {}
    try:
        source.full_clean()
    except ValidationError as exc:
        errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
    if source.refresh_enabled and not source.refresh_url:
        errors.setdefault("refresh_url", []).append(_("Give the address to download the list from."))
    if source.refresh_url and urlsplit(source.refresh_url).scheme != "https":
        errors.setdefault("refresh_url", []).append(_("Use an https address."))
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def list_source_create(*, actor: Any | None, data: dict[str, Any]) -> ListSource:
    """Add a list PartnerHub can load (PLGU and administrators)."""
    if actor is not None and not can_manage_list_sources(actor):
        raise NotAllowed(
            _("Only the Partnerships and Local Government Unit and administrators can add lists.")
        )
    source = ListSource(**{k: v for k, v in data.items() if k in SOURCE_FIELDS})
    _validate_source(source)
    source.save()
    audit("screening.source.create", target=source, after={k: getattr(source, k) for k in SOURCE_FIELDS})
    return source


@transaction.atomic
def list_source_update(
    *, actor: Any | None, source: ListSource, data: dict[str, Any], expected_version: int
) -> ListSource:
    """Change a list's name, download address or automatic refresh. The format of a loaded list is fixed."""
    if actor is not None and not can_manage_list_sources(actor):
        raise NotAllowed(
            _("Only the Partnerships and Local Government Unit and administrators can change lists.")
        )
    locked = ListSource.objects.select_for_update().get(pk=source.pk)
    if locked.version != expected_version:
        raise ConcurrentEdit(model="screening.ListSource", pk=source.pk)
    before = {k: getattr(locked, k) for k in SOURCE_FIELDS}
    for key, value in data.items():
        if key in SOURCE_FIELDS and key != "code":
            setattr(locked, key, value)
    if locked.format != before["format"] and locked.snapshots.exists():
        raise ValidationFailed({"format": [_("The format cannot change once a snapshot has been loaded.")]})
    _validate_source(locked)
    locked.save()
    after = {k: getattr(locked, k) for k in SOURCE_FIELDS}
    changed = {k for k in SOURCE_FIELDS if before[k] != after[k]}
    audit(
        "screening.source.update",
        target=locked,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
    )
    return locked
