"""Sanctions lists over HTTP: lists, snapshots, their entries and changes (staff), and loading a file (PLGU)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from partnerhub.api.pagination import Page
from partnerhub.api.problems import problem
from partnerhub.screening import selectors, services
from partnerhub.screening.models import ChangeKind, ListChange, ListEntry, ListSnapshot, ListSource
from partnerhub.screening.permissions import can_view_sanctions_lists

router = Router(tags=["screening"])


def _require(request: HttpRequest) -> None:
    if not can_view_sanctions_lists(request.user):
        raise PermissionDenied(_("Sanctions lists are for agency staff."))


class SourceOut(Schema):
    id: int
    code: str
    name: str
    format: str
    refresh_url: str
    refresh_enabled: bool
    last_refresh_at: dt.datetime | None
    last_refresh_error: str
    current_snapshot_id: int | None

    @staticmethod
    def resolve_current_snapshot_id(obj: ListSource) -> int | None:
        current = getattr(obj, "current", None)
        if current is not None:
            return current[0].pk if current else None
        snapshot = obj.snapshots.filter(is_current=True).only("id").first()
        return snapshot.pk if snapshot else None


class SnapshotOut(Schema):
    id: int
    source_id: int
    source_code: str
    sha256: str
    format: str
    generated_on: dt.datetime | None
    loaded_at: dt.datetime
    loaded_by_id: int | None
    origin: str
    entry_count: int
    person_count: int
    organisation_count: int
    is_current: bool
    previous_id: int | None
    added_count: int
    changed_count: int
    removed_count: int
    matching_changed_count: int

    @staticmethod
    def resolve_source_code(obj: ListSnapshot) -> str:
        return obj.source.code


class LoadOut(Schema):
    created: bool
    snapshot: SnapshotOut


class AliasOut(Schema):
    name: str
    quality: str
    date_of_birth: str = ""
    note: str = ""


class DateOfBirthOut(Schema):
    type: str
    date: str | None
    year: int | None
    from_year: int | None
    to_year: int | None
    note: str


class AddressOut(Schema):
    street: str
    city: str
    state_province: str
    zip_code: str
    country: str
    note: str


class EntrySummaryOut(Schema):
    id: int
    snapshot_id: int
    reference_number: str
    kind: str
    list_type: str
    full_name: str
    original_script_name: str
    listed_on: dt.date | None


class EntryOut(EntrySummaryOut):
    first_name: str
    second_name: str
    third_name: str
    fourth_name: str
    aliases: list[AliasOut]
    dates_of_birth: list[DateOfBirthOut]
    places_of_birth: list[str]
    nationalities: list[str]
    addresses: list[AddressOut]
    designations: list[str]
    titles: list[str]
    comments: str


class FieldChangeOut(Schema):
    name: str
    label: str
    before: list[str]
    after: list[str]


class ChangeOut(Schema):
    id: int
    kind: str
    reference_number: str
    name: str
    entry_id: int | None
    previous_entry_id: int | None
    changed_fields: list[str]
    affects_matching: bool
    fields: list[FieldChangeOut]

    @staticmethod
    def resolve_name(obj: ListChange) -> str:
        entry = obj.entry or obj.previous_entry
        return entry.full_name if entry else ""

    @staticmethod
    def resolve_fields(obj: ListChange) -> list[Any]:
        return [vars(f) for f in selectors.field_changes(obj)] if obj.kind == ChangeKind.CHANGED else []


@router.get("/sources", response=list[SourceOut], summary="Sanctions lists (staff)")
@paginate(Page)
def list_sources(request: HttpRequest) -> QuerySet[ListSource]:
    _require(request)
    return selectors.sources_visible_to(user=request.user).order_by("name")


@router.get("/sources/{int:source_id}", response=SourceOut, summary="One sanctions list")
def get_source(request: HttpRequest, source_id: int) -> ListSource:
    return selectors.source_get_for(user=request.user, pk=source_id)


@router.get(
    "/sources/{int:source_id}/snapshots",
    response=list[SnapshotOut],
    summary="A list's snapshots, newest first",
)
@paginate(Page)
def list_snapshots(request: HttpRequest, source_id: int) -> QuerySet[ListSnapshot]:
    source = selectors.source_get_for(user=request.user, pk=source_id)
    return selectors.snapshots_for(user=request.user, source=source)


@router.post(
    "/sources/{int:source_id}/snapshots",
    response={200: LoadOut, 201: LoadOut},
    summary="Load a list file as a new snapshot (PLGU and administrators)",
)
def load_snapshot(request: HttpRequest, source_id: int, file: File[UploadedFile]) -> Any:
    source = selectors.source_get_for(user=request.user, pk=source_id)
    try:
        result = services.sanctions_list_load(
            source=source, data=file.read(), actor=request.user, origin=file.name or ""
        )
    except services.ListRefused as exc:
        response: HttpResponse = problem(
            request,
            status=exc.status,
            title=exc.message,
            detail=exc.message,
            code=exc.code,
            row_errors=exc.row_errors,
        )
        return response
    return Status(201 if result.created else 200, {"created": result.created, "snapshot": result.snapshot})


@router.get(
    "/snapshots/{int:snapshot_id}", response=SnapshotOut, summary="One snapshot with its difference counts"
)
def get_snapshot(request: HttpRequest, snapshot_id: int) -> ListSnapshot:
    return selectors.snapshot_get_for(user=request.user, pk=snapshot_id)


@router.get(
    "/snapshots/{int:snapshot_id}/entries", response=list[EntrySummaryOut], summary="A snapshot's entries"
)
@paginate(Page)
def list_entries(request: HttpRequest, snapshot_id: int, q: str = "", kind: str = "") -> QuerySet[ListEntry]:
    snapshot = selectors.snapshot_get_for(user=request.user, pk=snapshot_id)
    return selectors.entries_for(user=request.user, snapshot=snapshot, q=q, kind=kind)


@router.get(
    "/snapshots/{int:snapshot_id}/changes",
    response=list[ChangeOut],
    summary="What changed since the previous snapshot: added, changed (field by field), removed",
)
@paginate(Page)
def list_changes(
    request: HttpRequest, snapshot_id: int, kind: str = "", q: str = "", matching: bool = False
) -> QuerySet[ListChange]:
    snapshot = selectors.snapshot_get_for(user=request.user, pk=snapshot_id)
    return selectors.changes_for(user=request.user, snapshot=snapshot, kind=kind, q=q, matching_only=matching)


@router.get(
    "/entries/{int:entry_id}", response=EntryOut, summary="One list entry with everything the list says"
)
def get_entry(request: HttpRequest, entry_id: int) -> ListEntry:
    return selectors.entry_get_for(user=request.user, pk=entry_id)
