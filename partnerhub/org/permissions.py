from __future__ import annotations

from typing import Any

from partnerhub.org.models import Office


def can_view_offices(user: Any) -> bool:
    """Every signed-in staff member may see the agency's structure; partner users and role-less accounts may not."""
    return bool(user.is_authenticated and user.is_active and user.is_agency_staff)


def can_manage_offices(user: Any) -> bool:
    """Only administrators change the agency's structure."""
    return bool(user.is_authenticated and user.is_active and user.is_administrator)


def can_edit_office(user: Any, office: Office) -> bool:
    return can_manage_offices(user)
