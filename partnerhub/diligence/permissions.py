"""Who may see and act on due-diligence cases. Cases are confidential: the requester, PLGU, the Legal Section
and administrators only; other staff see whether a partner has a valid approval; partner users see nothing.
Views, API, templates and services all ask these predicates."""

from __future__ import annotations

from typing import Any

from partnerhub.accounts.roles import RoleCode
from partnerhub.diligence.states import CaseStatus

_CONFIDANTS = (RoleCode.PLGU, RoleCode.LEGAL, RoleCode.ADMIN)
_REVIEWERS = (RoleCode.PLGU, RoleCode.ADMIN)


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agency_staff)


def _is_requester(user: Any, case: Any) -> bool:
    return bool(case.requester_id == user.pk)


def can_open_case(user: Any) -> bool:
    """Any agency staff member may open a case on a partner."""
    return _staff(user)


def can_see_all_cases(user: Any) -> bool:
    """PLGU, the Legal Section and administrators see every case (and the dashboard)."""
    return _staff(user) and user.has_role(*_CONFIDANTS)


def can_view_diligence_status(user: Any) -> bool:
    """Whether a partner has a valid approval (and until when): any agency staff member."""
    return _staff(user)


def can_view_case(user: Any, case: Any) -> bool:
    """The requester, PLGU, the Legal Section and administrators."""
    return _staff(user) and (can_see_all_cases(user) or _is_requester(user, case))


def can_view_attachment(user: Any, attachment: Any) -> bool:
    return can_view_case(user, attachment.case)


def can_edit_case(user: Any, case: Any) -> bool:
    """The requester while the case is a draft or back for information; PLGU reviewers while under review."""
    if not can_view_case(user, case):
        return False
    if case.status in (CaseStatus.DRAFT, CaseStatus.INFO_REQUESTED):
        return _is_requester(user, case)
    if case.status == CaseStatus.UNDER_REVIEW:
        return user.has_role(*_REVIEWERS) and not _is_requester(user, case)
    return False


def can_review_case(user: Any, case: Any) -> bool:
    """Take up, send back for information, escalate: PLGU and administrators, never on their own request."""
    return _staff(user) and user.has_role(*_REVIEWERS) and not _is_requester(user, case)


def can_sign_off(user: Any, case: Any, role: str) -> bool:
    """Sign off an escalated case for PLGU or the Legal Section: a holder of that role, not the requester,
    not the person who signed for the other side, and only once."""
    if not (_staff(user) and case.status == CaseStatus.ESCALATED) or _is_requester(user, case):
        return False
    if role == "plgu":
        return (
            user.has_role(RoleCode.PLGU)
            and case.plgu_signed_by_id is None
            and case.legal_signed_by_id != user.pk
        )
    if role == "legal":
        return (
            user.has_role(RoleCode.LEGAL)
            and case.legal_signed_by_id is None
            and case.plgu_signed_by_id != user.pk
        )
    return False


def may_decide_cases(user: Any) -> bool:
    """Whether the user holds a role that decides some cases (PLGU, the Legal Section, administrators)."""
    return can_see_all_cases(user)


def can_decide_case(user: Any, case: Any) -> bool:
    """Decide: PLGU and administrators (and the Legal Section on escalated cases), never the requester."""
    if not _staff(user) or _is_requester(user, case):
        return False
    if case.status == CaseStatus.ESCALATED:
        return bool(user.has_role(*_CONFIDANTS))
    return bool(case.status == CaseStatus.UNDER_REVIEW and user.has_role(*_REVIEWERS))


def can_withdraw_case(user: Any, case: Any) -> bool:
    """The requester, PLGU and administrators, while the case is open."""
    if not can_view_case(user, case) or not case.is_open:
        return False
    return _is_requester(user, case) or user.has_role(*_REVIEWERS)


def can_manage_policy(user: Any) -> bool:
    """Edit categories' requirements, criteria, areas, rules and validity: PLGU and administrators."""
    return _staff(user) and user.has_role(*_REVIEWERS)
