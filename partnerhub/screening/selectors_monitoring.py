"""Reads for screening results. Every selector that takes the user answers 404 when they may not see
screening results (partner users never do), so nothing leaks by status code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.http import Http404

from partnerhub.registry.models import Partner
from partnerhub.screening.models import ListSnapshot
from partnerhub.screening.models_monitoring import (
    AlertStatus,
    ScreeningAlert,
    ScreeningCheck,
    ScreeningRun,
)
from partnerhub.screening.permissions_monitoring import can_view_screening_results

# What alert lists show; the entry's JSON columns stay in the database until the review page needs them.
_ALERT_LIST_RELATED = ("partner", "contact", "snapshot__source", "decided_by")


def _require(user: Any) -> None:
    if not can_view_screening_results(user):
        raise Http404


def _open_first(qs: QuerySet[ScreeningAlert]) -> QuerySet[ScreeningAlert]:
    return qs.annotate(
        _open=Case(
            When(status=AlertStatus.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()
        )
    ).order_by("_open", "-created_at", "-id")


def alerts_visible_to(
    *, user: Any, status: str = "", partner_id: int | None = None, q: str = ""
) -> QuerySet[ScreeningAlert]:
    """Alerts, open first then newest, with partner, person, list and decider in one query."""
    if not can_view_screening_results(user):
        return ScreeningAlert.objects.none()
    qs = ScreeningAlert.objects.select_related(*_ALERT_LIST_RELATED).defer(
        "explanation", "partner__search_text", "partner__description", "partner__expertise"
    )
    if status:
        qs = qs.filter(status=status)
    if partner_id:
        qs = qs.filter(partner_id=partner_id)
    if q:
        qs = qs.filter(
            Q(partner__name__icontains=q)
            | Q(subject_name__icontains=q)
            | Q(matched_name__icontains=q)
            | Q(reference_number__iexact=q)
        )
    return _open_first(qs)


def alert_get_for(*, user: Any, pk: int) -> ScreeningAlert:
    """One alert with everything the review page shows, or 404 if absent or not visible."""
    _require(user)
    alert = (
        ScreeningAlert.objects.select_related(
            "partner__country", "contact", "snapshot__source", "entry", "decided_by", "raised_by_check"
        )
        .filter(pk=pk)
        .first()
    )
    if alert is None:
        raise Http404
    return alert


def alert_history_for(*, user: Any, alert: ScreeningAlert) -> list[ScreeningAlert]:
    """Earlier and later alerts for the same subject and listed party (raised again after a change)."""
    _require(user)
    qs = ScreeningAlert.objects.filter(
        partner_id=alert.partner_id, reference_number=alert.reference_number
    ).select_related("decided_by", "snapshot__source")
    qs = (
        qs.filter(contact__isnull=True)
        if alert.contact_id is None
        else qs.filter(contact_id=alert.contact_id)
    )
    return list(qs.exclude(pk=alert.pk).order_by("-created_at", "-id")[:20])


def open_alerts_for_partner(partner: Partner) -> QuerySet[ScreeningAlert]:
    """Open alerts about a partner or anyone at it (for other apps; callers check who may see them)."""
    return (
        ScreeningAlert.objects.filter(partner=partner, status=AlertStatus.OPEN)
        .select_related("partner", "contact", "snapshot__source")
        .order_by("-score", "-created_at", "-id")
    )


@dataclass
class ScreeningSummary:
    """Where a partner stands: when it (and its people) were last checked, against what, and the alerts."""

    partner: Partner
    last_checked_at: dt.datetime | None = None
    last_outcome: str = ""
    people_checked: int = 0
    people_last_checked_at: dt.datetime | None = None
    snapshots: list[ListSnapshot] = field(default_factory=list)
    checked_against_current: bool = False
    open_alerts: list[ScreeningAlert] = field(default_factory=list)
    confirmed_alerts: list[ScreeningAlert] = field(default_factory=list)
    dismissed_count: int = 0

    @property
    def has_unresolved_alert(self) -> bool:
        return bool(self.open_alerts)

    @property
    def never_checked(self) -> bool:
        return self.last_checked_at is None


def screening_summary_for(*, user: Any, partner: Partner) -> ScreeningSummary:
    """The partner's screening status for staff (404 for anyone else), in a fixed number of queries."""
    _require(user)
    summary = ScreeningSummary(partner=partner)
    last = (
        ScreeningCheck.objects.filter(partner=partner, contact__isnull=True)
        .only("checked_at", "outcome", "snapshot_ids", "snapshots_key")
        .order_by("-checked_at", "-id")
        .first()
    )
    current_ids = sorted(ListSnapshot.objects.filter(is_current=True).values_list("pk", flat=True))
    if last is not None:
        summary.last_checked_at = last.checked_at
        summary.last_outcome = last.outcome
        summary.snapshots = list(
            ListSnapshot.objects.filter(pk__in=last.snapshot_ids)
            .select_related("source")
            .order_by("source__name")
        )
        summary.checked_against_current = sorted(last.snapshot_ids) == current_ids
    people = ScreeningCheck.objects.filter(partner=partner, contact__isnull=False)
    latest_people = people.order_by("-checked_at").values_list("checked_at", flat=True).first()
    summary.people_last_checked_at = latest_people
    summary.people_checked = people.values("contact_id").distinct().count()
    for alert in (
        ScreeningAlert.objects.filter(partner=partner, status__in=[AlertStatus.OPEN, AlertStatus.CONFIRMED])
        .select_related("partner", "contact", "snapshot__source")
        .order_by("-score", "-created_at", "-id")
    ):
        (summary.open_alerts if alert.status == AlertStatus.OPEN else summary.confirmed_alerts).append(alert)
    summary.dismissed_count = ScreeningAlert.objects.filter(
        partner=partner, status=AlertStatus.DISMISSED
    ).count()
    return summary


def checks_for_partner(*, user: Any, partner: Partner, limit: int = 20) -> list[ScreeningCheck]:
    """The partner's latest checks (itself and its people), newest first."""
    _require(user)
    return list(
        ScreeningCheck.objects.filter(partner=partner)
        .select_related("contact")
        .order_by("-checked_at", "-id")[:limit]
    )


def runs_visible_to(*, user: Any) -> QuerySet[ScreeningRun]:
    if not can_view_screening_results(user):
        return ScreeningRun.objects.none()
    return ScreeningRun.objects.select_related("snapshot__source", "requested_by").order_by(
        "-requested_at", "-id"
    )


def run_get_for(*, user: Any, pk: int) -> ScreeningRun:
    _require(user)
    run = ScreeningRun.objects.select_related("snapshot__source", "requested_by").filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def open_alert_count(*, user: Any) -> int:
    if not can_view_screening_results(user):
        return 0
    return ScreeningAlert.objects.filter(status=AlertStatus.OPEN).count()
