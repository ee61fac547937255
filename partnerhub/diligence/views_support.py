"""What a user may do next on a case, worded for buttons, and readable reasons; used by pages and the API."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.http import FileResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.core.uploads import download_response
from partnerhub.diligence import permissions
from partnerhub.diligence.choices import Rating
from partnerhub.diligence.states import CASE_TRANSITIONS, CaseStatus


@dataclass(frozen=True)
class Action:
    name: str  # the URL segment and the API action
    label: Any
    style: str = "outline-primary"
    note: str = ""  # "required", "optional" or "" (no note field)


SUBMIT = Action("submit", gettext_lazy("Submit for review"), "primary", "optional")
START_REVIEW = Action("start-review", gettext_lazy("Start review"), "primary", "optional")
REQUEST_INFO = Action("request-info", gettext_lazy("Request information"), "outline-primary", "required")
PROVIDE_INFO = Action("provide-info", gettext_lazy("Return to review"), "primary", "optional")
ESCALATE = Action("escalate", gettext_lazy("Escalate to PLGU and Legal"), "warning", "optional")
SIGN_OFF_PLGU = Action("sign-off-plgu", gettext_lazy("Sign off for PLGU"), "primary", "optional")
SIGN_OFF_LEGAL = Action(
    "sign-off-legal", gettext_lazy("Sign off for the Legal Section"), "primary", "optional"
)
DECIDE = Action("decide", gettext_lazy("Record the decision"), "primary", "")
WITHDRAW = Action("withdraw", gettext_lazy("Withdraw the case"), "outline-danger", "required")


def available_actions(user: Any, case: Any) -> list[Action]:
    """The moves this user may make on this case now; the services check the same predicates again."""
    status = case.status
    actions: list[Action] = []
    is_requester = case.requester_id == getattr(user, "pk", None)
    if not permissions.can_view_case(user, case):
        return actions
    if status == CaseStatus.DRAFT and is_requester:
        actions.append(SUBMIT)
    if status == CaseStatus.INFO_REQUESTED and is_requester:
        actions.append(PROVIDE_INFO)
    if permissions.can_review_case(user, case):
        if status == CaseStatus.SUBMITTED:
            actions.append(START_REVIEW)
        if CASE_TRANSITIONS.can(status, CaseStatus.INFO_REQUESTED) and status != CaseStatus.DECIDED:
            actions.append(REQUEST_INFO)
        if status == CaseStatus.UNDER_REVIEW:
            actions.append(ESCALATE)
    if permissions.can_sign_off(user, case, "plgu"):
        actions.append(SIGN_OFF_PLGU)
    if permissions.can_sign_off(user, case, "legal"):
        actions.append(SIGN_OFF_LEGAL)
    if permissions.can_decide_case(user, case):
        actions.append(DECIDE)
    if permissions.can_withdraw_case(user, case):
        actions.append(WITHDRAW)
    return actions


def _rating_label(rating: str) -> str:
    return str(dict(Rating.choices).get(rating, rating))


def describe_complex_reason(reason: dict[str, Any]) -> str:
    """Why a case is complex, in words."""
    kind = reason.get("reason")
    if kind == "rating":
        return _("The risk rating is %(rating)s.") % {"rating": _rating_label(reason.get("rating", ""))}
    if kind == "screening_alert":
        return _("A sanctions screening alert on the partner or its people is not resolved.")
    if kind == "exclusion_unknown":
        return _("Exclusion criteria answered unknown: %(criteria)s.") % {
            "criteria": ", ".join(reason.get("criteria", []))
        }
    if kind == "exclusion_yes":
        return _("Exclusion criteria answered yes (the case can only be rejected): %(criteria)s.") % {
            "criteria": ", ".join(reason.get("criteria", []))
        }
    if kind == "override":
        return _("Treated as complex by the officer: %(note)s") % {"note": reason.get("note", "")}
    return str(kind)


def attachment_response(attachment: Any) -> FileResponse:
    """The evidence file as a download that browsers neither sniff nor render, nor cache."""
    return download_response(
        attachment.file, filename=attachment.original_name, content_type=attachment.content_type
    )
