"""Who may see and load sanctions lists. Views, API and templates all ask these predicates."""

from __future__ import annotations

from typing import Any

from partnerhub.accounts.roles import RoleCode

_MANAGERS = (RoleCode.PLGU, RoleCode.ADMIN)


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agency_staff)


def can_view_sanctions_lists(user: Any) -> bool:
    """Agency staff: the lists are public UN data, but what screening does with them is not for partners."""
    return _staff(user)


def can_load_sanctions_list(user: Any) -> bool:
    """Load a new snapshot (upload or download now): PLGU and administrators."""
    return _staff(user) and user.has_role(*_MANAGERS)


def can_manage_list_sources(user: Any) -> bool:
    """Add lists and change their download address and automatic refresh: PLGU and administrators."""
    return _staff(user) and user.has_role(*_MANAGERS)
