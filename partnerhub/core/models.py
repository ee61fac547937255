"""Tracked models (field-level history and optimistic locking), the audit log and periodic jobs."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any, ClassVar, Self

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.core.context import current_actor
from partnerhub.core.errors import ConcurrentEdit


def to_jsonable(value: Any) -> Any:
    """Make a field value storable in a JSON history column."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if hasattr(value, "name") and hasattr(value, "storage"):  # FieldFile
        return value.name or None
    return str(value)


def _clone(value: Any) -> Any:
    """A copy of JSON-like data (lists, dicts, scalars) — much cheaper than copy.deepcopy."""
    if isinstance(value, list):
        return [_clone(v) for v in value]
    if isinstance(value, dict):
        return {k: _clone(v) for k, v in value.items()}
    return value


class HistoryAction(models.TextChoices):
    CREATE = "create", _("created")
    UPDATE = "update", _("changed")
    DELETE = "delete", _("deleted")


class RecordHistory(models.Model):
    """One row per change to a tracked record: who, when, and each field's before and after."""

    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.CharField(max_length=64)
    action = models.CharField(max_length=16, choices=HistoryAction.choices)
    changes = models.JSONField(default=dict)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(action__in=HistoryAction.values), name="core_history_action_valid"
            )
        ]
        verbose_name = _("record history")
        verbose_name_plural = _("record history")

    def __str__(self) -> str:
        return f"{self.content_type_id}:{self.object_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


class TrackedModel(models.Model):
    """Base for every domain model: field-level history on each save and a version for optimistic locking."""

    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    # Fields whose changes are not worth a history row (bookkeeping) or must not be stored (secrets).
    history_exclude: ClassVar[set[str]] = set()
    history_masked: ClassVar[set[str]] = set()
    _always_excluded: ClassVar[set[str]] = {"version", "updated_at", "created_at"}

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db: str | None, field_names: Any, values: Any, **kwargs: Any) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)
        instance._snapshot_raw = instance._raw_values()
        return instance

    def _tracked_fields(self) -> list[models.Field[Any, Any]]:
        skip = self._always_excluded | self.history_exclude
        return [f for f in self._meta.concrete_fields if f.name not in skip and not f.primary_key]

    def _tracked_attnames(self) -> tuple[str, ...]:
        cls = type(self)
        cached: tuple[str, ...] | None = cls.__dict__.get("_tracked_attnames_cache")
        if cached is None:
            cached = tuple(f.attname for f in self._tracked_fields())
            cls._tracked_attnames_cache = cached  # type: ignore[attr-defined]
        return cached

    def _raw_values(self) -> dict[str, Any]:
        """The loaded values as they are, cheaply: list pages load many records and change none.

        Converting to JSON form waits until a save needs the difference; lists and dictionaries are
        copied so that changing them in place still counts as a change.
        """
        loaded = self.__dict__
        values: dict[str, Any] = {}
        for attname in self._tracked_attnames():
            if attname in loaded:  # deferred fields are absent
                value = loaded[attname]
                values[attname] = _clone(value) if isinstance(value, list | dict) else value
        return values

    def _current_values(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        deferred = self.get_deferred_fields()
        for field in self._tracked_fields():
            if field.attname in deferred:
                continue
            values[field.attname] = to_jsonable(getattr(self, field.attname))
        return values

    def _diff(self) -> dict[str, list[Any]]:
        raw: dict[str, Any] = getattr(self, "_snapshot_raw", {})
        before = {key: to_jsonable(value) for key, value in raw.items()}
        after = self._current_values()
        changes: dict[str, list[Any]] = {}
        for key, new in after.items():
            old = before.get(key)
            if key in before and old == new:
                continue
            if not self._state.adding and key not in before:
                continue
            if key.removesuffix("_id") in self.history_masked or key in self.history_masked:
                changes[key] = ["•••" if old else None, "•••" if new else None]
            else:
                changes[key] = [old if not self._state.adding else None, new]
        return changes

    def save(self, *args: Any, **kwargs: Any) -> None:
        adding = self._state.adding
        update_fields = kwargs.get("update_fields")
        changes = self._diff()
        if update_fields is not None:
            wanted = set(update_fields)
            changes = {k: v for k, v in changes.items() if k in wanted or k.removesuffix("_id") in wanted}
            kwargs["update_fields"] = {*update_fields, "version", "updated_at"}
        if not adding:
            self._expected_version = self.version
            self.version = self.version + 1
        with transaction.atomic(using=kwargs.get("using")):
            try:
                super().save(*args, **kwargs)
            except BaseException:
                if not adding:
                    self.version = self._expected_version
                raise
            if adding or changes:
                self._write_history(HistoryAction.CREATE if adding else HistoryAction.UPDATE, changes)
        self._snapshot_raw = self._raw_values()

    def _do_update(
        self,
        base_qs: models.QuerySet[Any],
        using: str | None,
        pk_val: Any,
        values: Any,
        update_fields: Any,
        forced_update: Any,
        returning_fields: Any,
    ) -> Any:
        expected = getattr(self, "_expected_version", None)
        if expected is None:
            return super()._do_update(
                base_qs, using, pk_val, values, update_fields, forced_update, returning_fields
            )
        guarded = base_qs.filter(version=expected)
        result = super()._do_update(
            guarded, using, pk_val, values, update_fields, forced_update, returning_fields
        )
        if not result and base_qs.filter(pk=pk_val).exists():
            raise ConcurrentEdit(model=self._meta.label, pk=pk_val)
        return result

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        values = self._current_values()
        with transaction.atomic(using=kwargs.get("using")):
            pk = self.pk
            result = super().delete(*args, **kwargs)
            self.pk = pk
            self._write_history(HistoryAction.DELETE, {k: [v, None] for k, v in values.items()})
            self.pk = None
        return result

    def _write_history(self, action: str, changes: dict[str, list[Any]]) -> None:
        actor = current_actor()
        RecordHistory.objects.create(
            content_type=ContentType.objects.get_for_model(type(self), for_concrete_model=False),
            object_id=str(self.pk),
            action=action,
            changes=changes,
            actor_id=actor.user_id,
            actor_label=actor.label,
        )

    def history(self) -> models.QuerySet[RecordHistory]:
        return RecordHistory.objects.filter(
            content_type=ContentType.objects.get_for_model(type(self), for_concrete_model=False),
            object_id=str(self.pk),
        ).select_related("actor")


class AppendOnlyError(Exception):
    pass


class AppendOnlyQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("The audit log is append-only; entries cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("The audit log is append-only; entries cannot be deleted.")


class AuditLog(models.Model):
    """Append-only log of state changes written by services: actor, dotted action, target, before and after."""

    objects = AppendOnlyQuerySet.as_manager()

    at = models.DateTimeField(default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=254)
    ip = models.GenericIPAddressField(null=True, blank=True)
    action = models.CharField(max_length=120, db_index=True)
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.PROTECT)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["target_type", "target_id", "-at"])]
        verbose_name = _("audit log entry")
        verbose_name_plural = _("audit log")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_label} {self.action} {self.target_label}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AppendOnlyError("The audit log is append-only; entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise AppendOnlyError("The audit log is append-only; entries cannot be deleted.")


class PeriodicJob(models.Model):
    """A job the scheduler enqueues on a schedule; registered in code, tuned by administrators."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    task_path = models.CharField(_("task"), max_length=255)
    schedule = models.CharField(
        _("schedule"),
        max_length=64,
        help_text=_("“every 15m”, “every 6h”, “daily 07:00” or “weekly mon 07:00” (in the site time zone)."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    last_run_at = models.DateTimeField(_("last run"), null=True, blank=True)
    next_run_at = models.DateTimeField(_("next run"), null=True, blank=True, db_index=True)
    last_task_id = models.CharField(max_length=64, blank=True)
    last_error = models.TextField(blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("periodic job")
        verbose_name_plural = _("periodic jobs")

    def __str__(self) -> str:
        return self.name
