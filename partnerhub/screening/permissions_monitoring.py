"""Who may see screening results and who decides alerts. Views, API, templates and services ask these."""

from __future__ import annotations

from typing import Any

from partnerhub.accounts.roles import RoleCode

_DECIDERS = (RoleCode.PLGU, RoleCode.ADMIN)


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agency_staff)


def can_view_screening_results(user: Any) -> bool:
    """Agency staff only: screening results are confidential and never shown to partner users."""
    return _staff(user)


def can_decide_screening_alert(user: Any, alert: Any = None) -> bool:
    """Confirm or dismiss an alert: PLGU and administrators, and only while the alert is open."""
    if not (_staff(user) and user.has_role(*_DECIDERS)):
        return False
    return alert is None or alert.status == "open"


def can_screen_now(user: Any) -> bool:
    """Screen a partner on request, or start a re-screen of everyone: PLGU and administrators."""
    return _staff(user) and user.has_role(*_DECIDERS)
