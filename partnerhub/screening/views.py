"""Pages for sanctions lists: the lists and their snapshots, a snapshot's entries, its changes, and loading."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.core.errors import ConcurrentEdit, ValidationFailed
from partnerhub.screening import selectors, services
from partnerhub.screening.forms import ChangeFilterForm, EntryFilterForm, ListSourceForm, ListUploadForm
from partnerhub.screening.models import ChangeKind
from partnerhub.screening.permissions import (
    can_load_sanctions_list,
    can_manage_list_sources,
    can_view_sanctions_lists,
)

ENTRIES_PER_PAGE = 50
CHANGES_PER_PAGE = 25
SNAPSHOTS_PER_PAGE = 25


def _require_view(request: HttpRequest) -> None:
    if not can_view_sanctions_lists(request.user):
        raise PermissionDenied(_("Sanctions lists are for agency staff."))


def _require_load(request: HttpRequest) -> None:
    if not can_load_sanctions_list(request.user):
        raise PermissionDenied(
            _("Only the Partnerships and Local Government Unit and administrators can load sanctions lists.")
        )


def _require_manage(request: HttpRequest) -> None:
    if not can_manage_list_sources(request.user):
        raise PermissionDenied(
            _("Only the Partnerships and Local Government Unit and administrators can change lists.")
        )


def source_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    sources = list(selectors.sources_visible_to(user=request.user))
    recent = selectors.snapshots_for(user=request.user)[:10]
    return render(
        request,
        "screening/source_list.html",
        {
            "sources": [(source, source.current[0] if source.current else None) for source in sources],  # type: ignore[attr-defined]
            "recent": recent,
            "can_load": can_load_sanctions_list(request.user),
            "can_manage": can_manage_list_sources(request.user),
        },
    )


def source_detail(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.source_get_for(user=request.user, pk=pk)
    page = Paginator(selectors.snapshots_for(user=request.user, source=source), SNAPSHOTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "screening/source_detail.html",
        {
            "source": source,
            "page": page,
            "can_load": can_load_sanctions_list(request.user),
            "can_manage": can_manage_list_sources(request.user),
        },
    )


def _apply_errors(form: ListSourceForm, exc: ValidationFailed) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@require_http_methods(["GET", "POST"])
def source_create(request: HttpRequest) -> HttpResponse:
    _require_manage(request)
    form = ListSourceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            source = services.list_source_create(actor=request.user, data=data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("List “%(name)s” added.") % {"name": source.name})
            return redirect("screening:source_detail", pk=source.pk)
    return render(request, "screening/source_form.html", {"form": form, "source": None})


@require_http_methods(["GET", "POST"])
def source_edit(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.source_get_for(user=request.user, pk=pk)
    _require_manage(request)
    form = ListSourceForm(request.POST or None, instance=source, initial={"version": source.version})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in {"version", "code"}}
        try:
            source = services.list_source_update(
                actor=request.user,
                source=source,
                data=data,
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ConcurrentEdit as exc:
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("List “%(name)s” saved.") % {"name": source.name})
            return redirect("screening:source_detail", pk=source.pk)
    return render(request, "screening/source_form.html", {"form": form, "source": source})


def _after_load(request: HttpRequest, result: services.LoadResult) -> HttpResponse:
    snapshot = result.snapshot
    if not result.created:
        messages.info(
            request,
            _("Nothing new: this file is already loaded (snapshot of %(date)s).")
            % {"date": (snapshot.generated_on or snapshot.loaded_at).strftime("%Y-%m-%d")},
        )
        return redirect("screening:snapshot_detail", pk=snapshot.pk)
    if snapshot.previous_id is None:
        messages.success(
            request,
            _("Loaded: %(entries)d entries. This is the first snapshot of this list.")
            % {"entries": snapshot.entry_count},
        )
        return redirect("screening:snapshot_detail", pk=snapshot.pk)
    messages.success(
        request,
        _(
            "Loaded: %(entries)d entries; %(added)d added, %(changed)d changed, %(removed)d removed since the previous snapshot."
        )
        % {
            "entries": snapshot.entry_count,
            "added": snapshot.added_count,
            "changed": snapshot.changed_count,
            "removed": snapshot.removed_count,
        },
    )
    return redirect("screening:snapshot_changes", pk=snapshot.pk)


@require_http_methods(["GET", "POST"])
def snapshot_upload(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.source_get_for(user=request.user, pk=pk)
    _require_load(request)
    form = ListUploadForm(request.POST, request.FILES) if request.method == "POST" else ListUploadForm()
    refusal: services.ListRefused | None = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.sanctions_list_load(
                source=source, data=upload.read(), actor=request.user, origin=upload.name or ""
            )
        except services.ListRefused as exc:
            refusal = exc
            form.add_error(None, exc.message)
        else:
            return _after_load(request, result)
    current = source.snapshots.filter(is_current=True).first()
    return render(
        request,
        "screening/upload.html",
        {"source": source, "form": form, "refusal": refusal, "current": current},
    )


@require_POST
def source_refresh(request: HttpRequest, pk: int) -> HttpResponse:
    source = selectors.source_get_for(user=request.user, pk=pk)
    _require_load(request)
    try:
        result = services.sanctions_list_refresh(source=source, actor=request.user)
    except services.ListRefused as exc:
        messages.error(request, _("The list was not loaded: %(reason)s") % {"reason": exc.message})
        return redirect("screening:source_detail", pk=source.pk)
    return _after_load(request, result)


def snapshot_detail(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = selectors.snapshot_get_for(user=request.user, pk=pk)
    form = EntryFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    entries = selectors.entries_for(
        user=request.user, snapshot=snapshot, q=filters.get("q", ""), kind=filters.get("kind", "")
    )
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "screening/snapshot_detail.html",
        {"snapshot": snapshot, "form": form, "page": page, "can_load": can_load_sanctions_list(request.user)},
    )


def snapshot_changes(request: HttpRequest, pk: int) -> HttpResponse:
    snapshot = selectors.snapshot_get_for(user=request.user, pk=pk)
    form = ChangeFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    changes = selectors.changes_for(
        user=request.user,
        snapshot=snapshot,
        kind=filters.get("kind", ""),
        q=filters.get("q", ""),
        matching_only=bool(filters.get("matching")),
    )
    page = Paginator(changes, CHANGES_PER_PAGE).get_page(request.GET.get("page"))
    rows = [
        (change, selectors.field_changes(change) if change.kind == ChangeKind.CHANGED else [])
        for change in page
    ]
    return render(
        request,
        "screening/snapshot_changes.html",
        {"snapshot": snapshot, "form": form, "page": page, "rows": rows},
    )


def entry_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = selectors.entry_get_for(user=request.user, pk=pk)
    others = selectors.entry_across_snapshots(user=request.user, entry=entry)
    return render(
        request,
        "screening/entry_detail.html",
        {
            "entry": entry,
            "snapshot": entry.snapshot,
            "dates_of_birth": [selectors.describe_date_of_birth(d) for d in entry.dates_of_birth],
            "addresses": [selectors.describe_address(a) for a in entry.addresses],
            "others": others,
        },
    )
