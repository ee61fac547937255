"""Reads for due diligence. Selectors that take the user answer 404 when the case is absent or confidential
to them, so nothing leaks by status code. `valid_approval_for` and `diligence_status_for` are for other
apps (the registry guard, agreements' clearance) and the partner panel."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partnerhub.diligence.models import Attachment, DiligenceCase
from partnerhub.diligence.permissions import can_see_all_cases, can_view_attachment, can_view_case
from partnerhub.diligence.policy import is_required_for
from partnerhub.diligence.states import APPROVALS, OPEN_STATUSES, CaseStatus

_LIST_RELATED = ("partner__primary_category", "requester", "decided_by")


def cases_visible_to(
    *, user: Any, status: str = "", q: str = "", partner_id: int | None = None
) -> QuerySet[DiligenceCase]:
    """Every case for PLGU, Legal and administrators; one's own requests for other staff; none for partners."""
    qs = DiligenceCase.objects.select_related(*_LIST_RELATED).defer(
        "partner__search_text", "partner__description", "partner__expertise", "rating_explanation"
    )
    if not can_see_all_cases(user):
        if not (getattr(user, "is_authenticated", False) and user.is_agency_staff):
            return DiligenceCase.objects.none()
        qs = qs.filter(requester_id=user.pk)
    if status:
        qs = qs.filter(status=status)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if q:
        qs = qs.filter(Q(partner__name__icontains=q) | Q(partner__acronym__iexact=q))
    return qs.order_by("-created_at", "-id")


def case_get_for(*, user: Any, pk: int) -> DiligenceCase:
    """One case with what its page shows, or 404 if absent or not visible to the user."""
    case = (
        DiligenceCase.objects.select_related(
            "partner__primary_category",
            "partner__country",
            "requester",
            "relationship_manager",
            "decided_by",
            "plgu_signed_by",
            "legal_signed_by",
        )
        .filter(pk=pk)
        .first()
    )
    if case is None or not can_view_case(user, case):
        raise Http404
    return case


def attachment_get_for(*, user: Any, case_pk: int, pk: int) -> Attachment:
    attachment = Attachment.objects.select_related("case").filter(pk=pk, case_id=case_pk).first()
    if attachment is None or not can_view_attachment(user, attachment):
        raise Http404
    return attachment


def valid_approval_for(partner: Any, *, on: dt.date | None = None) -> DiligenceCase | None:
    """The partner's approval valid on `on` (today), the one lasting longest; None if there is none."""
    day = on or timezone.localdate()
    return (
        DiligenceCase.objects.filter(
            partner_id=partner.pk,
            status=CaseStatus.DECIDED,
            decision__in=list(APPROVALS),
            valid_until__gte=day,
        )
        .order_by("-valid_until", "-id")
        .first()
    )


def open_case_for(partner: Any) -> DiligenceCase | None:
    return (
        DiligenceCase.objects.filter(partner_id=partner.pk, status__in=OPEN_STATUSES).order_by("-id").first()
    )


@dataclass(frozen=True)
class DiligenceStatus:
    """What any staff member may know: whether due diligence is required and valid, and until when."""

    required: bool
    valid_until: dt.date | None
    conditions: bool  # approved with conditions

    @property
    def valid(self) -> bool:
        return self.valid_until is not None


def diligence_status_for(partner: Any) -> DiligenceStatus:
    approval = valid_approval_for(partner)
    return DiligenceStatus(
        required=is_required_for(partner),
        valid_until=approval.valid_until if approval else None,
        conditions=bool(approval and approval.decision == "approved_with_conditions"),
    )


# --- Dashboard ------------------------------------------------------------------------------------

AGE_BUCKETS: tuple[tuple[str, int, int | None], ...] = (
    ("0-7", 0, 7),
    ("8-30", 8, 30),
    ("31-90", 31, 90),
    ("90+", 91, None),
)


@dataclass
class Dashboard:
    open_by_age: list[tuple[str, int]]
    open_cases: list[DiligenceCase]
    escalated: list[DiligenceCase]
    expiring: list[DiligenceCase]


def dashboard_for(*, user: Any, today: dt.date | None = None, horizon_days: int = 90) -> Dashboard:
    """Open cases by age, escalated cases and approvals expiring within `horizon_days` (PLGU, Legal, admins)."""
    if not can_see_all_cases(user):
        raise Http404
    today = today or timezone.localdate()
    base = DiligenceCase.objects.select_related(*_LIST_RELATED).defer(
        "partner__search_text", "partner__description", "partner__expertise", "rating_explanation"
    )
    open_cases = list(base.filter(status__in=OPEN_STATUSES).order_by("created_at", "id"))
    counts = dict.fromkeys([label for label, _lo, _hi in AGE_BUCKETS], 0)
    for case in open_cases:
        age = (today - timezone.localtime(case.created_at).date()).days
        for label, low, high in AGE_BUCKETS:
            if age >= low and (high is None or age <= high):
                counts[label] += 1
                break
    return Dashboard(
        open_by_age=list(counts.items()),
        open_cases=open_cases[:50],
        escalated=[c for c in open_cases if c.status == CaseStatus.ESCALATED],
        expiring=list(
            base.filter(
                status=CaseStatus.DECIDED,
                decision__in=list(APPROVALS),
                valid_until__gte=today,
                valid_until__lte=today + dt.timedelta(days=horizon_days),
            ).order_by("valid_until", "id")
        ),
    )


def area_names() -> dict[str, str]:
    """Each risk area's name in the current language, by code (for rating explanations)."""
    from partnerhub.diligence.models import RiskArea

    return {area.code: area.display_label for area in RiskArea.objects.all()}
