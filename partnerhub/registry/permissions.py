"""Who may do what in the partners database. Views, API and templates all ask these predicates."""

from __future__ import annotations

from typing import Any

from partnerhub.accounts.roles import RoleCode
from partnerhub.registry.models import Contact, Partner

_MANAGERS = (RoleCode.PLGU, RoleCode.ADMIN)


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agency_staff)


def member_partner_id(user: Any) -> int | None:
    """The organisation an external partner user belongs to, or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_partner_user:
        return None
    membership = getattr(user, "partner_membership", None)
    return membership.partner_id if membership is not None else None


def can_use_registry(user: Any) -> bool:
    return _staff(user)


def can_view_partner(user: Any, partner: Partner) -> bool:
    """Staff see every partner; a partner user sees only their own organisation."""
    if _staff(user):
        return True
    return member_partner_id(user) == partner.pk


def can_create_partner(user: Any) -> bool:
    return _staff(user)


def can_edit_partner(user: Any, partner: Partner) -> bool:
    """PLGU and administrators; the owning office; the relationship manager; the category's focal offices."""
    if not _staff(user):
        return False
    if user.has_role(*_MANAGERS):
        return True
    if partner.relationship_manager_id == user.pk:
        return True
    if user.office_id and user.office_id == partner.owning_office_id:
        return True
    if user.office_id and user.has_role(RoleCode.FOCAL_POINT):
        return partner.primary_category.focal_offices.filter(pk=user.office_id).exists()
    return False


def can_change_partner_status(user: Any, partner: Partner) -> bool:
    return can_edit_partner(user, partner)


def can_archive_partner(user: Any, partner: Partner) -> bool:
    return _staff(user) and user.has_role(*_MANAGERS)


def can_merge_partners(user: Any) -> bool:
    return _staff(user) and user.has_role(*_MANAGERS)


def can_manage_categories(user: Any) -> bool:
    return _staff(user) and user.has_role(*_MANAGERS)


def can_import_partners(user: Any) -> bool:
    return _staff(user) and user.has_role(*_MANAGERS)


def can_export_partners(user: Any) -> bool:
    return _staff(user)


def can_view_contact(user: Any, contact: Contact) -> bool:
    return _staff(user)


def can_edit_contact(user: Any, contact: Contact) -> bool:
    return _staff(user) and contact.erased_at is None


def can_handle_privacy_requests(user: Any) -> bool:
    """Export and erasure of a person's data on request: PLGU only (and administrators)."""
    return _staff(user) and user.has_role(*_MANAGERS)


def can_link_partner_users(user: Any) -> bool:
    return _staff(user) and user.has_role(*_MANAGERS)
