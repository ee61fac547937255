"""`available_actions(user, agreement)`: the one answer to "what may this user do to this agreement now",
used for the buttons on the page, the `actions` of the API and, through `require`, by every service.

An action is listed when the user may take it and the state allows it. Its `blockers` are the business
conditions still missing (due diligence, clearance, a delegation, the assessment); the button shows them and
the service refuses with them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.accounts.roles import RoleCode
from partnerhub.agreements import guards
from partnerhub.agreements.choices import AssessmentStatus
from partnerhub.agreements.permissions import can_decide_step, can_manage_agreement
from partnerhub.agreements.states import AGREEMENT_TRANSITIONS, IN_FORCE, AgreementStatus, VersionStatus
from partnerhub.core.errors import IllegalTransition, NotAllowed


class Act:
    EDIT = "edit"
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    SIGN = "sign"
    ACTIVATE = "activate"
    TERMINATE = "terminate"
    CLOSE = "close"
    AMEND = "amend"
    EDIT_AMENDMENT = "edit_amendment"
    SUBMIT_AMENDMENT = "submit_amendment"
    SIGN_AMENDMENT = "sign_amendment"
    ABANDON_AMENDMENT = "abandon_amendment"
    RECORD_ASSESSMENT = "record_assessment"
    ADD_DOCUMENT = "add_document"


LABELS: dict[str, str | Promise] = {
    Act.EDIT: gettext_lazy("Edit draft"),
    Act.SUBMIT: gettext_lazy("Submit for clearance"),
    Act.APPROVE: gettext_lazy("Approve"),
    Act.RETURN: gettext_lazy("Return with comments"),
    Act.SIGN: gettext_lazy("Record signature"),
    Act.ACTIVATE: gettext_lazy("Activate"),
    Act.TERMINATE: gettext_lazy("Terminate"),
    Act.CLOSE: gettext_lazy("Close"),
    Act.AMEND: gettext_lazy("Start an amendment"),
    Act.EDIT_AMENDMENT: gettext_lazy("Edit amendment"),
    Act.SUBMIT_AMENDMENT: gettext_lazy("Submit amendment for clearance"),
    Act.SIGN_AMENDMENT: gettext_lazy("Record signature of the amendment"),
    Act.ABANDON_AMENDMENT: gettext_lazy("Abandon amendment"),
    Act.RECORD_ASSESSMENT: gettext_lazy("Record assessment received"),
    Act.ADD_DOCUMENT: gettext_lazy("Add a document"),
}

# The agreement status each lifecycle action moves to (the state machine decides whether it may).
TARGETS = {
    Act.SUBMIT: AgreementStatus.IN_CLEARANCE,
    Act.SIGN: AgreementStatus.SIGNED,
    Act.ACTIVATE: AgreementStatus.ACTIVE,
    Act.TERMINATE: AgreementStatus.TERMINATED,
    Act.CLOSE: AgreementStatus.CLOSED,
}


@dataclass(frozen=True)
class Action:
    code: str
    blockers: list[str] = field(default_factory=list)
    step_id: int | None = None

    @property
    def label(self) -> str:
        return str(LABELS[self.code])

    @property
    def enabled(self) -> bool:
        return not self.blockers


def _staff(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_agency_staff)


def _legal(user: Any) -> bool:
    return _staff(user) and user.has_role(RoleCode.LEGAL)


def _permitted(user: Any, agreement: Any, act: str) -> bool:
    manager = can_manage_agreement(user, agreement)
    if act in (Act.SIGN, Act.SIGN_AMENDMENT, Act.TERMINATE):
        return manager or _legal(user)
    if act == Act.CLOSE:
        return manager or (_staff(user) and user.has_role(RoleCode.PLGU))
    if act == Act.RECORD_ASSESSMENT:
        return _staff(user) and user.has_role(RoleCode.PLGU, RoleCode.ADMIN)
    return manager


def _state_refusal(agreement: Any, act: str, open_version: Any) -> str | None:
    """Why the state does not allow the act now, or None."""
    status = agreement.status
    if act in TARGETS:
        if not AGREEMENT_TRANSITIONS.can(status, TARGETS[act]):
            try:
                AGREEMENT_TRANSITIONS.check(status, TARGETS[act])
            except IllegalTransition as refusal:
                return refusal.message
        return None
    if act == Act.EDIT:
        return None if status == AgreementStatus.DRAFT else _("Only a draft can be edited.")
    if act == Act.AMEND:
        if status not in IN_FORCE:
            return _("Only a signed or active agreement can be amended.")
        if open_version is not None:
            return _("An amendment is already open.")
        return None
    amendment = open_version if open_version is not None and open_version.is_amendment else None
    if act in (Act.EDIT_AMENDMENT, Act.SUBMIT_AMENDMENT, Act.SIGN_AMENDMENT, Act.ABANDON_AMENDMENT):
        if amendment is None:
            return _("There is no open amendment.")
        wanted = {
            Act.EDIT_AMENDMENT: {VersionStatus.DRAFT},
            Act.SUBMIT_AMENDMENT: {VersionStatus.DRAFT},
            Act.SIGN_AMENDMENT: {VersionStatus.CLEARED},
            Act.ABANDON_AMENDMENT: {VersionStatus.DRAFT, VersionStatus.IN_CLEARANCE, VersionStatus.CLEARED},
        }[act]
        if amendment.status not in wanted:
            return _("The amendment is %(status)s.") % {"status": amendment.get_status_display().lower()}
        return None
    if act == Act.RECORD_ASSESSMENT:
        due = getattr(agreement, "assessment_due", None) if _has_assessment(agreement) else None
        if due is None or due.status == AssessmentStatus.RECEIVED:
            return _("No end-of-agreement assessment is waiting.")
        return None
    if act == Act.ADD_DOCUMENT:
        return _("The agreement is closed.") if status == AgreementStatus.CLOSED else None
    return None


def _has_assessment(agreement: Any) -> bool:
    from partnerhub.agreements.models import AssessmentDue

    return AssessmentDue.objects.filter(agreement_id=agreement.pk).exists()


def require(user: Any, agreement: Any, act: str) -> None:
    """Refuse (NotAllowed or IllegalTransition, with a reason) unless the user may take the act now."""
    if not _permitted(user, agreement, act):
        raise NotAllowed(_("You may not %(action)s this agreement.") % {"action": str(LABELS[act]).lower()})
    from partnerhub.agreements.selectors import open_version

    refusal = _state_refusal(agreement, act, open_version(agreement))
    if refusal:
        raise IllegalTransition(refusal, code="illegal_transition")


def can_add_document(user: Any, agreement: Any) -> bool:
    return (
        _permitted(user, agreement, Act.ADD_DOCUMENT)
        and _state_refusal(agreement, Act.ADD_DOCUMENT, None) is None
    )


def _sign_blockers(agreement: Any, version: Any, today: dt.date) -> list[str]:
    from partnerhub.agreements.selectors import eligible_signatories

    blockers = guards.clearance_blockers(version)
    if not eligible_signatories(
        instrument=agreement.instrument, amount=version.value, currency=version.currency, on=today
    ):
        blockers.append(
            _("Nobody holds a delegation of authority to sign this instrument for this amount today.")
        )
    return blockers


def available_actions(user: Any, agreement: Any, *, today: dt.date | None = None) -> list[Action]:
    """What the user may do to the agreement now, each with the conditions still missing."""
    from partnerhub.agreements.selectors import current_step, open_version

    day = today or timezone.localdate()
    open_ver = open_version(agreement)
    actions: list[Action] = []
    for act in LABELS:
        if act in (Act.APPROVE, Act.RETURN):
            continue
        if not _permitted(user, agreement, act) or _state_refusal(agreement, act, open_ver) is not None:
            continue
        blockers: list[str] = []
        if act in (Act.SUBMIT, Act.SUBMIT_AMENDMENT):
            blockers = guards.party_blockers(agreement) + guards.diligence_blockers(agreement, on=day)
        elif act in (Act.SIGN, Act.SIGN_AMENDMENT) and open_ver is not None:
            blockers = _sign_blockers(agreement, open_ver, day)
        elif act == Act.CLOSE:
            blockers = guards.close_blockers(agreement)
        elif (
            act == Act.ACTIVATE
            and agreement.current_version is not None
            and agreement.current_version.start_date > day
        ):
            blockers = [
                _("The agreement starts on %(date)s.") % {"date": agreement.current_version.start_date}
            ]
        actions.append(Action(act, blockers))
    if open_ver is not None:
        step = current_step(open_ver)
        if step is not None and can_decide_step(user, step, step):
            actions.append(Action(Act.APPROVE, step_id=step.pk))
            actions.append(Action(Act.RETURN, step_id=step.pk))
    return actions


def action_codes(user: Any, agreement: Any) -> set[str]:
    return {a.code for a in available_actions(user, agreement)}
