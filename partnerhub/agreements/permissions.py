"""Who may see and act on agreements. Views, API, templates and services all ask these predicates.

Staff see every agreement; a partner user sees, read-only, only the agreements their organisation is party
to. The owning office and the responsible staff member edit drafts and move the agreement along; only the
current approver acts on a clearance step; only the Legal Section edits instruments, rules and delegations.
"""

from __future__ import annotations

from typing import Any

from partnerhub.accounts.roles import RoleCode
from partnerhub.agreements.choices import Decision
from partnerhub.agreements.states import AgreementStatus, VersionStatus
from partnerhub.registry.permissions import member_partner_id


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agency_staff)


def can_use_agreements(user: Any) -> bool:
    """The agreement pages and the advisor: agency staff."""
    return _staff(user)


def can_manage_legal_data(user: Any) -> bool:
    """Instruments, advisor rules, clearance chains and delegations of authority: the Legal Section only."""
    return _staff(user) and user.has_role(RoleCode.LEGAL)


def can_create_agreement(user: Any) -> bool:
    return _staff(user)


def can_view_agreement(user: Any, agreement: Any) -> bool:
    """Staff see every agreement; a partner user only one their organisation is party to."""
    if _staff(user):
        return True
    partner_id = member_partner_id(user)
    return partner_id is not None and any(p.partner_id == partner_id for p in agreement.parties.all())


def _owns(user: Any, agreement: Any) -> bool:
    return bool(
        agreement.responsible_id == user.pk
        or (user.office_id and user.office_id == agreement.owning_office_id)
    )


def can_manage_agreement(user: Any, agreement: Any) -> bool:
    """The responsible staff member and members of the owning office (administrators too)."""
    return _staff(user) and (_owns(user, agreement) or user.has_role(RoleCode.ADMIN))


def can_edit_version(user: Any, version: Any) -> bool:
    """Edit the text of a version while it is a draft: the owning office and the responsible staff member."""
    return version.status == VersionStatus.DRAFT and can_manage_agreement(user, version.agreement)


def can_edit_agreement(user: Any, agreement: Any) -> bool:
    """Edit a draft agreement (parties, text): the owning office and the responsible staff member."""
    return agreement.status == AgreementStatus.DRAFT and can_manage_agreement(user, agreement)


def can_edit_results(user: Any, agreement: Any) -> bool:
    """Results and actuals may be kept up to date until the agreement is closed."""
    return agreement.status != AgreementStatus.CLOSED and can_manage_agreement(user, agreement)


def can_record_assessment(user: Any, agreement: Any) -> bool:
    """The assessment is submitted to the Partners Unit (PLGU), which records that it was received."""
    return _staff(user) and user.has_role(RoleCode.PLGU, RoleCode.ADMIN)


def holds_step(user: Any, step: Any) -> bool:
    """Whether the user is an approver of the step: holds its role and, if it names one, is in its office."""
    if not _staff(user):
        return False
    if step.role and not user.has_role(step.role):
        return False
    return not (step.office_id and user.office_id != step.office_id)


def can_decide_step(user: Any, step: Any, current: Any) -> bool:
    """Only an approver of the step that holds the ball, and only while it is pending."""
    return bool(
        current is not None
        and step.pk == current.pk
        and step.decision == Decision.PENDING
        and step.agreement_version.status == VersionStatus.IN_CLEARANCE
        and holds_step(user, step)
    )
