"""Screening results over HTTP (staff only): alerts, their review, and a partner's screening summary.

Mounted next to the lists' router under /api/v1/screening/. Partner users get 403 on the list and 404 on
everything else, so nothing about screening shows through status codes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from partnerhub.api.pagination import Page
from partnerhub.registry import selectors as registry_selectors
from partnerhub.screening import monitoring
from partnerhub.screening import selectors_monitoring as selectors
from partnerhub.screening.models_monitoring import AlertStatus, ScreeningAlert
from partnerhub.screening.permissions_monitoring import can_decide_screening_alert, can_view_screening_results

router = Router(tags=["screening alerts"])


def _require(request: HttpRequest) -> None:
    if not can_view_screening_results(request.user):
        raise PermissionDenied(_("Screening results are for agency staff."))


class AlertOut(Schema):
    id: int
    status: str
    partner_id: int
    partner_name: str
    contact_id: int | None
    subject_name: str
    reference_number: str
    entry_id: int
    snapshot_id: int
    list_code: str
    score: float
    matched_name: str
    algorithm_version: str
    created_at: dt.datetime
    decided_by_id: int | None
    decided_at: dt.datetime | None
    reason: str
    version: int

    @staticmethod
    def resolve_partner_name(obj: ScreeningAlert) -> str:
        return obj.partner.name

    @staticmethod
    def resolve_list_code(obj: ScreeningAlert) -> str:
        return obj.snapshot.source.code


class AlertDetailOut(AlertOut):
    explanation: str
    entry_hash: str
    can_decide: bool

    @staticmethod
    def resolve_can_decide(obj: ScreeningAlert, context: dict[str, Any]) -> bool:
        return can_decide_screening_alert(context["request"].user, obj)


class DecisionIn(Schema):
    reason: str = Field(..., min_length=1, max_length=2000)
    version: int = Field(..., ge=1, description="The alert's version you reviewed (optimistic locking).")


class SnapshotRef(Schema):
    id: int
    list_code: str
    generated_on: dt.datetime | None
    loaded_at: dt.datetime
    is_current: bool


class SummaryOut(Schema):
    partner_id: int
    last_checked_at: dt.datetime | None
    last_outcome: str
    checked_against_current: bool
    snapshots: list[SnapshotRef]
    people_checked: int
    people_last_checked_at: dt.datetime | None
    open_alerts: list[AlertOut]
    confirmed_alerts: list[AlertOut]
    dismissed_count: int


@router.get("/alerts", response=list[AlertOut], summary="Screening alerts, open first (staff)")
@paginate(Page)
def list_alerts(
    request: HttpRequest, status: str = "", partner: int | None = None, q: str = ""
) -> QuerySet[ScreeningAlert]:
    _require(request)
    if status and status not in AlertStatus.values:
        status = "-"  # an unknown status matches nothing rather than everything
    return selectors.alerts_visible_to(user=request.user, status=status, partner_id=partner, q=q)


@router.get("/alerts/{int:alert_id}", response=AlertDetailOut, summary="One alert with the explanation")
def get_alert(request: HttpRequest, alert_id: int) -> ScreeningAlert:
    return selectors.alert_get_for(user=request.user, pk=alert_id)


@router.post(
    "/alerts/{int:alert_id}/confirm",
    response=AlertDetailOut,
    summary="Confirm the match (PLGU and administrators; reason and version required)",
)
def confirm_alert(request: HttpRequest, alert_id: int, body: DecisionIn) -> ScreeningAlert:
    alert = selectors.alert_get_for(user=request.user, pk=alert_id)
    return monitoring.alert_confirm(
        alert=alert, actor=request.user, reason=body.reason, expected_version=body.version
    )


@router.post(
    "/alerts/{int:alert_id}/dismiss",
    response=AlertDetailOut,
    summary="Dismiss as not a match (PLGU and administrators; reason and version required)",
)
def dismiss_alert(request: HttpRequest, alert_id: int, body: DecisionIn) -> ScreeningAlert:
    alert = selectors.alert_get_for(user=request.user, pk=alert_id)
    return monitoring.alert_dismiss(
        alert=alert, actor=request.user, reason=body.reason, expected_version=body.version
    )


@router.get(
    "/partners/{int:partner_id}/summary",
    response=SummaryOut,
    summary="A partner's screening: last check, against which snapshots, open and confirmed alerts",
)
def partner_summary(request: HttpRequest, partner_id: int) -> dict[str, Any]:
    partner = registry_selectors.partner_get_for(user=request.user, pk=partner_id)
    summary = selectors.screening_summary_for(user=request.user, partner=partner)
    return {
        "partner_id": partner.pk,
        "last_checked_at": summary.last_checked_at,
        "last_outcome": summary.last_outcome,
        "checked_against_current": summary.checked_against_current,
        "snapshots": [
            {
                "id": s.pk,
                "list_code": s.source.code,
                "generated_on": s.generated_on,
                "loaded_at": s.loaded_at,
                "is_current": s.is_current,
            }
            for s in summary.snapshots
        ],
        "people_checked": summary.people_checked,
        "people_last_checked_at": summary.people_last_checked_at,
        "open_alerts": summary.open_alerts,
        "confirmed_alerts": summary.confirmed_alerts,
        "dismissed_count": summary.dismissed_count,
    }
