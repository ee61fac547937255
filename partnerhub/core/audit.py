"""Write the append-only audit log. Services call `audit(...)` for every state change they make."""

from __future__ import annotations

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from partnerhub.core.context import current_actor
from partnerhub.core.models import AuditLog, to_jsonable


def audit(
    action: str,
    *,
    target: models.Model | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    note: str = "",
) -> AuditLog:
    """Append one entry: the current actor did `action` (dotted, e.g. `org.office.update`) to `target`."""
    actor = current_actor()
    return AuditLog.objects.create(
        actor_id=actor.user_id,
        actor_label=actor.label,
        ip=actor.ip,
        action=action,
        target_type=_content_type(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:300] if target is not None else "",
        before=to_jsonable(before or {}),
        after=to_jsonable(after or {}),
        note=note,
    )


def _content_type(target: models.Model) -> ContentType:
    # `_meta.model`, not `type(target)`: `request.user` is a lazy wrapper whose type is not the model.
    return ContentType.objects.get_for_model(target._meta.model, for_concrete_model=False)


def audit_for(target: models.Model) -> models.QuerySet[AuditLog]:
    return AuditLog.objects.filter(
        target_type=_content_type(target),
        target_id=str(target.pk),
    ).select_related("actor")
