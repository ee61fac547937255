from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from partnerhub.core.audit import audit
from partnerhub.core.errors import ConcurrentEdit, NotAllowed, ValidationFailed
from partnerhub.org.models import Office
from partnerhub.org.permissions import can_edit_office, can_manage_offices

EDITABLE_FIELDS = ("code", "name", "acronym", "kind", "parent", "email", "city", "region_served", "is_active")


def _validate(office: Office) -> None:
    # The cycle check comes first: full_clean() would otherwise report the database constraint's bare name.
    parent = office.parent if office.pk is not None else None  # a new office has no units yet
    if parent is not None and (parent.pk == office.pk or office in parent.ancestors()):
        message = _("An office cannot be part of itself or of one of its own units.")
        raise ValidationFailed({"parent": [message]})
    try:
        office.full_clean()
    except ValidationError as exc:
        raise ValidationFailed(exc.message_dict) from None


@transaction.atomic
def office_create(*, actor: Any, data: dict[str, Any]) -> Office:
    """Create an office (administrators only)."""
    if not can_manage_offices(actor):
        raise NotAllowed(_("Only administrators can add offices."))
    office = Office(**{k: v for k, v in data.items() if k in EDITABLE_FIELDS})
    _validate(office)
    office.save()
    audit("org.office.create", target=office, after={k: getattr(office, k) for k in ("code", "name", "kind")})
    return office


@transaction.atomic
def office_update(*, actor: Any, office: Office, data: dict[str, Any], expected_version: int) -> Office:
    """Change an office's fields; refuses a stale version so concurrent edits never overwrite each other."""
    if not can_edit_office(actor, office):
        raise NotAllowed(_("Only administrators can change offices."))
    current = Office.objects.select_for_update().get(pk=office.pk)
    if current.version != expected_version:
        raise ConcurrentEdit()
    before = {k: getattr(current, k) for k in EDITABLE_FIELDS}
    for key, value in data.items():
        if key in EDITABLE_FIELDS:
            setattr(current, key, value)
    _validate(current)
    current.save()
    after = {k: getattr(current, k) for k in EDITABLE_FIELDS}
    changed = {k for k in EDITABLE_FIELDS if before[k] != after[k]}
    if changed:
        audit(
            "org.office.update",
            target=current,
            before={k: str(before[k]) if k == "parent" else before[k] for k in changed},
            after={k: str(after[k]) if k == "parent" else after[k] for k in changed},
        )
    return current
