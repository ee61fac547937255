"""Reads for sanctions lists. Every selector takes the user and answers 404 when they may not see lists."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from partnerhub.registry.normalize import query_terms
from partnerhub.screening.models import ChangeKind, EntryKind, ListChange, ListEntry, ListSnapshot, ListSource
from partnerhub.screening.permissions import can_view_sanctions_lists
from partnerhub.screening.sources.records import CONTENT_FIELDS

# Only what list pages show: the JSON columns stay in the database until a detail page needs them.
ENTRY_LIST_FIELDS = (
    "id",
    "snapshot_id",
    "reference_number",
    "kind",
    "list_type",
    "full_name",
    "original_script_name",
    "listed_on",
)

FIELD_LABELS = {
    "kind": _("Kind"),
    "list_type": _("Regime"),
    "full_name": _("Name"),
    "first_name": _("First name"),
    "second_name": _("Second name"),
    "third_name": _("Third name"),
    "fourth_name": _("Fourth name"),
    "aliases": _("Aliases"),
    "original_script_name": _("Name in original script"),
    "dates_of_birth": _("Dates of birth"),
    "places_of_birth": _("Places of birth"),
    "nationalities": _("Nationalities"),
    "addresses": _("Addresses"),
    "listed_on": _("Listed on"),
    "designations": _("Designations"),
    "titles": _("Titles"),
    "comments": _("Comments"),
}


def _require(user: Any) -> None:
    if not can_view_sanctions_lists(user):
        raise Http404


def sources_visible_to(*, user: Any) -> QuerySet[ListSource]:
    """Lists with their current snapshot (as `current`, a one-item list) in two queries."""
    if not can_view_sanctions_lists(user):
        return ListSource.objects.none()
    current = ListSnapshot.objects.filter(is_current=True).select_related("loaded_by")
    return ListSource.objects.prefetch_related(Prefetch("snapshots", queryset=current, to_attr="current"))


def source_get_for(*, user: Any, pk: int) -> ListSource:
    _require(user)
    try:
        return ListSource.objects.get(pk=pk)
    except ListSource.DoesNotExist:
        raise Http404 from None


def source_get_by_code(*, user: Any, code: str) -> ListSource:
    _require(user)
    try:
        return ListSource.objects.get(code=code)
    except ListSource.DoesNotExist:
        raise Http404 from None


def snapshots_for(*, user: Any, source: ListSource | None = None) -> QuerySet[ListSnapshot]:
    """Snapshots newest first, with their list and who loaded them."""
    if not can_view_sanctions_lists(user):
        return ListSnapshot.objects.none()
    qs = ListSnapshot.objects.select_related("source", "loaded_by")
    if source is not None:
        qs = qs.filter(source=source)
    return qs.order_by("-loaded_at", "-id")


def snapshot_get_for(*, user: Any, pk: int) -> ListSnapshot:
    _require(user)
    try:
        return ListSnapshot.objects.select_related("source", "loaded_by", "previous").get(pk=pk)
    except ListSnapshot.DoesNotExist:
        raise Http404 from None


def entries_for(*, user: Any, snapshot: ListSnapshot, q: str = "", kind: str = "") -> QuerySet[ListEntry]:
    """A snapshot's entries by name; `q` matches names, aliases, original-script names and reference numbers."""
    if not can_view_sanctions_lists(user):
        return ListEntry.objects.none()
    qs = ListEntry.objects.filter(snapshot=snapshot).only(*ENTRY_LIST_FIELDS)
    if kind in EntryKind.values:
        qs = qs.filter(kind=kind)
    for term in query_terms(q):
        qs = qs.filter(search_text__contains=term)
    return qs.order_by("full_name", "id")


def entry_get_for(*, user: Any, pk: int) -> ListEntry:
    _require(user)
    try:
        return ListEntry.objects.select_related("snapshot", "snapshot__source").get(pk=pk)
    except ListEntry.DoesNotExist:
        raise Http404 from None


def entry_across_snapshots(*, user: Any, entry: ListEntry, limit: int = 50) -> list[ListEntry]:
    """The same reference number in the list's other snapshots, newest first (at most `limit`)."""
    if not can_view_sanctions_lists(user):
        return []
    return list(
        ListEntry.objects.filter(
            snapshot__source_id=entry.snapshot.source_id, reference_number=entry.reference_number
        )
        .exclude(pk=entry.pk)
        .select_related("snapshot")
        .only("id", "content_hash", "snapshot__id", "snapshot__generated_on", "snapshot__loaded_at")
        .order_by("-snapshot__loaded_at")[:limit]
    )


def changes_for(
    *, user: Any, snapshot: ListSnapshot, kind: str = "", q: str = "", matching_only: bool = False
) -> QuerySet[ListChange]:
    """What changed from the previous snapshot, with both entries (one query per page)."""
    if not can_view_sanctions_lists(user):
        return ListChange.objects.none()
    qs = ListChange.objects.filter(snapshot=snapshot).select_related("entry", "previous_entry")
    if kind in ChangeKind.values:
        qs = qs.filter(kind=kind)
    if matching_only:
        qs = qs.filter(affects_matching=True)
    for term in query_terms(q):
        qs = qs.filter(Q(entry__search_text__contains=term) | Q(previous_entry__search_text__contains=term))
    return qs.order_by("kind", "reference_number")


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    before: list[str]
    after: list[str]


def _describe(name: str, value: Any) -> list[str]:
    """A field value as lines of text, for before/after tables."""
    if value in (None, "", []):
        return []
    if name == "aliases":
        return [
            f"{a.get('name', '')} ({a['quality']})" if a.get("quality") else str(a.get("name", ""))
            for a in value
        ]
    if name == "dates_of_birth":
        return [describe_date_of_birth(d) for d in value]
    if name == "addresses":
        return [describe_address(a) for a in value]
    if isinstance(value, list):
        return [str(v) for v in value]
    if name == "kind":
        return [str(EntryKind(value).label)] if value in EntryKind.values else [str(value)]
    return [str(value)]


def describe_date_of_birth(data: dict[str, Any]) -> str:
    kind = (data.get("type") or "").upper()
    if data.get("date"):
        text = str(data["date"])
    elif data.get("year"):
        text = str(data["year"])
    elif data.get("from_year") and data.get("to_year"):
        text = f"{data['from_year']}–{data['to_year']}"
    else:
        text = ""
    if kind == "APPROXIMATELY" and text:
        text = str(_("about %(date)s") % {"date": text})
    elif kind == "BETWEEN" and text:
        text = str(_("between %(range)s") % {"range": text})
    note = data.get("note") or ""
    return f"{text} ({note})" if text and note else text or note


def describe_address(data: dict[str, Any]) -> str:
    parts = [data.get(k) or "" for k in ("street", "city", "state_province", "zip_code", "country")]
    text = ", ".join(p for p in parts if p)
    note = data.get("note") or ""
    return f"{text} ({note})" if text and note else text or note


LONG_TEXT = 160  # characters; longer texts are shown as their changed passages only
CONTEXT_WORDS = 6
MAX_PASSAGES = 3


def _passages(before: str, after: str) -> tuple[list[str], list[str]]:
    """The changed passages of two long texts, each with a few words of context, marked with "…"."""
    old, new = before.split(), after.split()
    old_parts: list[str] = []
    new_parts: list[str] = []
    opcodes = [
        op for op in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes() if op[0] != "equal"
    ]
    for _tag, i1, i2, j1, j2 in opcodes[:MAX_PASSAGES]:
        for words, start, end, parts in ((old, i1, i2, old_parts), (new, j1, j2, new_parts)):
            low, high = max(0, start - CONTEXT_WORDS), min(len(words), end + CONTEXT_WORDS)
            text = " ".join(words[low:high])
            parts.append(("… " if low > 0 else "") + text + (" …" if high < len(words) else ""))
    return old_parts, new_parts


def field_changes(change: ListChange) -> list[FieldChange]:
    """Field by field before and after, for a changed entry (from its two stored rows; no query)."""
    if change.entry is None or change.previous_entry is None:
        return []
    before, after = change.previous_entry.content(), change.entry.content()
    names = [n for n in CONTENT_FIELDS if n in change.changed_fields] or [
        n for n in CONTENT_FIELDS if before.get(n) != after.get(n)
    ]
    changes = []
    for name in names:
        old, new = before.get(name), after.get(name)
        if isinstance(old, str) and isinstance(new, str) and max(len(old), len(new)) > LONG_TEXT:
            old_lines, new_lines = _passages(old, new)
        else:
            old_lines, new_lines = _describe(name, old), _describe(name, new)
        changes.append(FieldChange(name, str(FIELD_LABELS[name]), old_lines, new_lines))
    return changes
