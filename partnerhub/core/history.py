"""Turn history rows into what a person reads: field names, choice labels and related records' names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import models

from partnerhub.core.models import HistoryAction, RecordHistory


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    at: Any
    actor: str
    action: str
    changes: list[FieldChange]


def _display(field: models.Field[Any, Any] | None, value: Any, related: dict[tuple[str, Any], str]) -> str:
    if value is None or value == "":
        return "—"
    if field is None:
        return str(value)
    if field.is_relation and field.many_to_one:
        return related.get((field.attname, value), f"#{value}")
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        from django.utils.translation import gettext

        return gettext("yes") if value else gettext("no")
    return str(value)


def _label(model: type[models.Model], name: str) -> str:
    try:
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    except Exception:
        return name


def describe(model: type[models.Model], rows: list[RecordHistory]) -> list[HistoryEntry]:
    """Readable entries for `rows` of `model`, resolving foreign keys with one query per field."""
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    wanted: dict[str, set[Any]] = {}
    for row in rows:
        for key, (before, after) in row.changes.items():
            field = by_attname.get(key)
            if field is not None and field.is_relation and field.many_to_one:
                wanted.setdefault(key, set()).update(v for v in (before, after) if v is not None)
    related: dict[tuple[str, Any], str] = {}
    for attname, ids in wanted.items():
        remote = by_attname[attname].related_model
        assert isinstance(remote, type)
        for obj in remote._default_manager.filter(pk__in=ids):
            related[(attname, obj.pk)] = str(obj)
    entries = []
    for row in rows:
        changes = []
        for key, (before, after) in row.changes.items():
            field = by_attname.get(key)
            label = str(field.verbose_name) if field is not None else _label(model, key)
            changes.append(
                FieldChange(
                    label=label,
                    before=_display(field, before, related),
                    after=_display(field, after, related),
                )
            )
        entries.append(
            HistoryEntry(
                at=row.at,
                actor=row.actor_label,
                action=str(dict(HistoryAction.choices).get(row.action, row.action)),
                changes=changes,
            )
        )
    return entries
