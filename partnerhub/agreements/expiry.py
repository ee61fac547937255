"""Agreements that end: reminders to the responsible staff member before the end date (days as data on the
instrument, 90/60/30 by default), signed agreements put in force on their start date, and active ones past
their end date expired, which makes the end-of-agreement assessment due where the instrument needs one.
Safe to run twice: each reminder is recorded before it is sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.agreements import notify, services
from partnerhub.agreements.models import Agreement, ExpiryReminder
from partnerhub.agreements.states import AgreementStatus
from partnerhub.core.audit import audit
from partnerhub.core.errors import DomainError


@dataclass
class ExpiryResult:
    reminders: int = 0
    activated: int = 0
    expired: int = 0


def _days(values: object) -> list[int]:
    days = {int(d) for d in (values or []) if str(d).isdigit() and int(d) > 0}  # type: ignore[attr-defined]
    return sorted(days, reverse=True)


def send_reminders(*, today: dt.date) -> int:
    """Remind the responsible staff member once per reminder day, only the nearest one that is due."""
    sent = 0
    active = Agreement.objects.filter(
        status=AgreementStatus.ACTIVE, current_version__end_date__gte=today
    ).select_related("instrument", "current_version", "responsible")
    for agreement in active:
        version = agreement.current_version
        assert version is not None
        days_list = _days(agreement.instrument.reminder_days)
        remaining = (version.end_date - today).days
        due = [d for d in days_list if remaining <= d]
        if not due:
            continue
        days = min(due)
        try:
            with transaction.atomic():
                ExpiryReminder.objects.create(
                    agreement=agreement, days_before=days, end_date=version.end_date
                )
                audit(
                    "agreements.reminder.send",
                    target=agreement,
                    after={"days_before": days, "end_date": version.end_date, "to": agreement.responsible_id},
                )
        except IntegrityError:
            continue  # already sent for this end date
        # Longer reminders skipped while the job was off count as sent: nobody gets 90 and 30 on one day.
        for longer in (d for d in days_list if d > days):
            ExpiryReminder.objects.get_or_create(
                agreement=agreement, days_before=longer, end_date=version.end_date
            )
        if agreement.responsible.is_active:
            sent += notify.expiry_reminder(agreement=agreement, days=remaining)
    return sent


def activate_started(*, today: dt.date) -> int:
    activated = 0
    for agreement in Agreement.objects.filter(
        status=AgreementStatus.SIGNED, current_version__start_date__lte=today
    ):
        try:
            services.agreement_activate_scheduled(agreement=agreement, today=today)
        except DomainError:
            continue
        activated += 1
    return activated


def expire_lapsed(*, today: dt.date) -> int:
    expired = 0
    for agreement in Agreement.objects.filter(
        status=AgreementStatus.ACTIVE, current_version__end_date__lt=today
    ):
        if services.agreement_expire(agreement=agreement, today=today) is not None:
            expired += 1
    return expired


def run(*, today: dt.date | None = None) -> ExpiryResult:
    today = today or timezone.localdate()
    return ExpiryResult(
        reminders=send_reminders(today=today),
        activated=activate_started(today=today),
        expired=expire_lapsed(today=today),
    )
