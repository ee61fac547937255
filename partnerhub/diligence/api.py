"""Due-diligence cases over HTTP: list, read, open, answer the sections, move along the workflow, sign off,
decide. Mounted under /api/v1/diligence/.

Cases are confidential: a case someone may not see is 404 (as if absent); partner users get 403 on the
list and 404 elsewhere. `GET /partners/{id}/status` tells any staff member whether a valid approval exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile
from ninja.pagination import paginate

from partnerhub.api.pagination import Page
from partnerhub.diligence import selectors, services
from partnerhub.diligence.models import DiligenceCase
from partnerhub.diligence.permissions import can_open_case, can_view_diligence_status
from partnerhub.diligence.rating import describe_step
from partnerhub.diligence.views_support import attachment_response, available_actions, describe_complex_reason
from partnerhub.registry import selectors as registry_selectors

router = Router(tags=["due diligence"])


def _require_staff(request: HttpRequest) -> None:
    if not can_open_case(request.user):
        raise PermissionDenied(_("Due diligence is for agency staff."))


class ExclusionOut(Schema):
    code: str
    label: str
    answer: str
    note: str


class RiskOut(Schema):
    code: str
    label: str
    level: str
    notes: str
    severity: str
    recency: str
    remediation: str


class MitigationOut(Schema):
    id: int
    area: str | None
    text: str
    is_condition: bool
    lowers_rating: bool


class AttachmentOut(Schema):
    id: int
    section: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    created_at: dt.datetime


class CaseOut(Schema):
    id: int
    reference: str
    partner_id: int
    partner_name: str
    requester_id: int
    status: str
    engagement: str
    amount: Decimal | None
    currency: str
    proposed_depth: str
    depth: str
    rating: str
    is_complex: bool
    decision: str
    valid_until: dt.date | None
    created_at: dt.datetime
    version: int

    @staticmethod
    def resolve_partner_name(obj: DiligenceCase) -> str:
        return obj.partner.name


class CaseDetailOut(CaseOut):
    purpose: str
    depth_reason: str
    registration_certificate_expiry: dt.date | None
    governing_body: str
    beneficial_owners: str
    key_persons: str
    override_complex: bool
    override_reason: str
    rating_explanation: list[str]
    complex_reasons: list[str]
    info_request: str
    plgu_signed_by_id: int | None
    plgu_signed_at: dt.datetime | None
    legal_signed_by_id: int | None
    legal_signed_at: dt.datetime | None
    decision_reasons: str
    conditions: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    exclusions: list[ExclusionOut]
    risks: list[RiskOut]
    mitigations: list[MitigationOut]
    attachments: list[AttachmentOut]
    actions: list[str]

    @staticmethod
    def resolve_rating_explanation(obj: DiligenceCase) -> list[str]:
        names = selectors.area_names()
        return [describe_step(step, names) for step in obj.rating_explanation]

    @staticmethod
    def resolve_complex_reasons(obj: DiligenceCase) -> list[str]:
        return [describe_complex_reason(reason) for reason in obj.complex_reasons]

    @staticmethod
    def resolve_exclusions(obj: DiligenceCase) -> list[dict[str, Any]]:
        return [
            {"code": a.criterion.code, "label": a.criterion.display_label, "answer": a.answer, "note": a.note}
            for a in obj.exclusion_answers.select_related("criterion")
        ]

    @staticmethod
    def resolve_risks(obj: DiligenceCase) -> list[dict[str, Any]]:
        return [
            {
                "code": a.area.code,
                "label": a.area.display_label,
                "level": a.level,
                "notes": a.notes,
                "severity": a.severity,
                "recency": a.recency,
                "remediation": a.remediation,
            }
            for a in obj.risk_answers.select_related("area")
        ]

    @staticmethod
    def resolve_mitigations(obj: DiligenceCase) -> list[dict[str, Any]]:
        return [
            {
                "id": m.pk,
                "area": m.area.code if m.area else None,
                "text": m.text,
                "is_condition": m.is_condition,
                "lowers_rating": m.lowers_rating,
            }
            for m in obj.mitigations.select_related("area")
        ]

    @staticmethod
    def resolve_attachments(obj: DiligenceCase) -> list[Any]:
        return list(obj.attachments.all())

    @staticmethod
    def resolve_actions(obj: DiligenceCase, context: dict[str, Any]) -> list[str]:
        return [a.name for a in available_actions(context["request"].user, obj)]


class OpenIn(Schema):
    partner_id: int
    engagement: str
    purpose: str = ""
    amount: Decimal | None = Field(None, ge=0)
    currency: str = "USD"
    depth: str = ""
    depth_reason: str = ""


class CaseUpdateIn(Schema):
    version: int = Field(..., ge=1, description="The case's version you started from (optimistic locking).")
    engagement: str | None = None
    purpose: str | None = None
    amount: Decimal | None = None
    currency: str | None = None
    depth: str | None = None
    depth_reason: str | None = None
    registration_certificate_expiry: dt.date | None = None
    governing_body: str | None = None
    beneficial_owners: str | None = None
    key_persons: str | None = None
    override_complex: bool | None = None
    override_reason: str | None = None


class ExclusionIn(Schema):
    code: str
    answer: Literal["yes", "no", "unknown", ""]
    note: str = ""


class ExclusionsIn(Schema):
    version: int = Field(..., ge=1)
    answers: list[ExclusionIn]


class RiskIn(Schema):
    code: str
    level: Literal["low", "moderate", "substantial", "high", ""]
    notes: str = ""
    severity: Literal["low", "moderate", "substantial", "high", ""] = ""
    recency: Literal["recent", "one_to_three", "older", ""] = ""
    remediation: Literal["none", "partial", "full", ""] = ""


class RisksIn(Schema):
    version: int = Field(..., ge=1)
    answers: list[RiskIn]


class MitigationIn(Schema):
    version: int = Field(..., ge=1)
    text: str = Field(..., min_length=1, max_length=4000)
    area: str = ""
    is_condition: bool = False
    lowers_rating: bool = True


class TransitionIn(Schema):
    version: int = Field(..., ge=1)
    note: str = Field("", max_length=4000)


class SignOffIn(Schema):
    version: int = Field(..., ge=1)
    role: Literal["plgu", "legal"]
    note: str = Field("", max_length=4000)


class DecisionIn(Schema):
    version: int = Field(..., ge=1)
    decision: Literal["approved", "approved_with_conditions", "rejected"]
    reasons: str = Field(..., min_length=1, max_length=4000)
    conditions: str = Field("", max_length=4000)


class StatusOut(Schema):
    partner_id: int
    required: bool
    valid: bool
    valid_until: dt.date | None
    with_conditions: bool


@router.get(
    "/cases", response=list[CaseOut], summary="Cases visible to you (all for PLGU, Legal, administrators)"
)
@paginate(Page)
def list_cases(
    request: HttpRequest, status: str = "", partner: int | None = None, q: str = ""
) -> QuerySet[DiligenceCase]:
    _require_staff(request)
    return selectors.cases_visible_to(user=request.user, status=status, partner_id=partner, q=q)


@router.post("/cases", response={201: CaseDetailOut}, summary="Open a case on a partner (any staff member)")
def open_case(request: HttpRequest, body: OpenIn) -> Status[DiligenceCase]:
    _require_staff(request)
    partner = registry_selectors.partner_get_for(user=request.user, pk=body.partner_id)
    case = services.case_open(
        actor=request.user,
        partner=partner,
        engagement=body.engagement,
        purpose=body.purpose,
        amount=body.amount,
        currency=body.currency,
        depth=body.depth,
        depth_reason=body.depth_reason,
    )
    return Status(201, case)


@router.get("/cases/{int:case_id}", response=CaseDetailOut, summary="One case with its sections and rating")
def get_case(request: HttpRequest, case_id: int) -> DiligenceCase:
    return selectors.case_get_for(user=request.user, pk=case_id)


@router.patch(
    "/cases/{int:case_id}", response=CaseDetailOut, summary="Change engagement, depth, identity, override"
)
def update_case(request: HttpRequest, case_id: int, body: CaseUpdateIn) -> DiligenceCase:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    data = body.model_dump(exclude_unset=True)
    version = data.pop("version")
    services.case_update(actor=request.user, case=case, expected_version=version, data=data)
    return selectors.case_get_for(user=request.user, pk=case_id)


@router.put("/cases/{int:case_id}/exclusions", response=CaseDetailOut, summary="Answer exclusion criteria")
def answer_exclusions(request: HttpRequest, case_id: int, body: ExclusionsIn) -> DiligenceCase:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    services.case_answer_exclusions(
        actor=request.user,
        case=case,
        expected_version=body.version,
        answers={a.code: (a.answer, a.note) for a in body.answers},
    )
    return selectors.case_get_for(user=request.user, pk=case_id)


@router.put("/cases/{int:case_id}/risks", response=CaseDetailOut, summary="Rate risk areas")
def answer_risks(request: HttpRequest, case_id: int, body: RisksIn) -> DiligenceCase:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    services.case_answer_risks(
        actor=request.user,
        case=case,
        expected_version=body.version,
        answers={a.code: a.model_dump(exclude={"code"}) for a in body.answers},
    )
    return selectors.case_get_for(user=request.user, pk=case_id)


@router.post(
    "/cases/{int:case_id}/mitigations", response={201: CaseDetailOut}, summary="Add a mitigation measure"
)
def add_mitigation(request: HttpRequest, case_id: int, body: MitigationIn) -> Status[DiligenceCase]:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    services.mitigation_add(
        actor=request.user,
        case=case,
        expected_version=body.version,
        text=body.text,
        area_code=body.area,
        is_condition=body.is_condition,
        lowers_rating=body.lowers_rating,
    )
    return Status(201, selectors.case_get_for(user=request.user, pk=case_id))


@router.post("/cases/{int:case_id}/sign-off", response=CaseDetailOut, summary="Sign off an escalated case")
def sign_off(request: HttpRequest, case_id: int, body: SignOffIn) -> DiligenceCase:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    services.case_sign_off(
        actor=request.user, case=case, expected_version=body.version, role=body.role, note=body.note
    )
    return selectors.case_get_for(user=request.user, pk=case_id)


@router.post(
    "/cases/{int:case_id}/decision",
    response=CaseDetailOut,
    summary="Approve, approve with conditions, reject",
)
def decide(request: HttpRequest, case_id: int, body: DecisionIn) -> DiligenceCase:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    services.case_decide(
        actor=request.user,
        case=case,
        expected_version=body.version,
        decision=body.decision,
        reasons=body.reasons,
        conditions=body.conditions,
    )
    return selectors.case_get_for(user=request.user, pk=case_id)


@router.post(
    "/cases/{int:case_id}/attachments",
    response={201: CaseDetailOut},
    summary="Attach an evidence file to a section (PDF or image, checked by content; the requester while editing)",
)
def add_attachment(
    request: HttpRequest,
    case_id: int,
    file: File[UploadedFile],
    section: Form[str],
    description: Form[str] = "",
) -> Status[DiligenceCase]:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    services.attachment_add(
        actor=request.user, case=case, section=section, upload=file, description=description
    )
    return Status(201, selectors.case_get_for(user=request.user, pk=case_id))


@router.get(
    "/cases/{int:case_id}/attachments/{int:attachment_id}",
    response={200: None},
    summary="Download an evidence file (as an attachment, never rendered)",
)
def download_attachment(request: HttpRequest, case_id: int, attachment_id: int) -> FileResponse:
    attachment = selectors.attachment_get_for(user=request.user, case_pk=case_id, pk=attachment_id)
    return attachment_response(attachment)


# Last: its `{action}` segment would otherwise take the sign-off and decision paths.
_TRANSITIONS: dict[str, Callable[..., DiligenceCase]] = {
    "submit": services.case_submit,
    "start-review": services.case_start_review,
    "request-info": services.case_request_info,
    "provide-info": services.case_provide_info,
    "escalate": services.case_escalate,
}


@router.post(
    "/cases/{int:case_id}/{action}",
    response=CaseDetailOut,
    summary="Move the case: submit, start-review, request-info, provide-info, escalate, withdraw",
)
def transition(request: HttpRequest, case_id: int, action: str, body: TransitionIn) -> DiligenceCase:
    case = selectors.case_get_for(user=request.user, pk=case_id)
    if action == "withdraw":
        services.case_withdraw(actor=request.user, case=case, expected_version=body.version, reason=body.note)
    elif action in _TRANSITIONS:
        _TRANSITIONS[action](actor=request.user, case=case, expected_version=body.version, note=body.note)
    else:
        raise Http404
    return selectors.case_get_for(user=request.user, pk=case_id)


@router.get(
    "/partners/{int:partner_id}/status", response=StatusOut, summary="Whether a partner has a valid approval"
)
def partner_status(request: HttpRequest, partner_id: int) -> dict[str, Any]:
    if not can_view_diligence_status(request.user):
        raise PermissionDenied(_("Due diligence is for agency staff."))
    partner = registry_selectors.partner_get_for(user=request.user, pk=partner_id)
    status = selectors.diligence_status_for(partner)
    return {
        "partner_id": partner.pk,
        "required": status.required,
        "valid": status.valid,
        "valid_until": status.valid_until,
        "with_conditions": status.conditions,
    }
