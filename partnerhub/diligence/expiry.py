"""Approvals that end: reminders to the relationship manager before the end (days as data in the policy),
then the move to expired. Safe to run twice: each reminder is recorded before it is sent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from partnerhub.core.audit import audit
from partnerhub.diligence import notify, services
from partnerhub.diligence.models import DiligenceCase, DiligencePolicy, ReminderSent
from partnerhub.diligence.states import APPROVALS, CaseStatus


@dataclass
class ExpiryResult:
    reminders: int = 0
    expired: int = 0


def _reminder_days(policy: DiligencePolicy) -> list[int]:
    days = {int(d) for d in (policy.reminder_days or []) if str(d).isdigit() and int(d) > 0}
    return sorted(days, reverse=True)


def send_reminders(*, today: dt.date) -> int:
    """Remind relationship managers of approvals ending within each reminder's days, once per reminder."""
    days_list = _reminder_days(DiligencePolicy.current())
    if not days_list:
        return 0
    sent = 0
    approvals = DiligenceCase.objects.filter(
        status=CaseStatus.DECIDED,
        decision__in=list(APPROVALS),
        valid_until__gte=today,
        valid_until__lte=today + dt.timedelta(days=max(days_list)),
    ).select_related("partner__relationship_manager", "relationship_manager")
    for case in approvals:
        assert case.valid_until is not None
        remaining = (case.valid_until - today).days
        # Only the nearest reminder due: a job that was off for a while does not send 60 and 30 at once.
        due = [d for d in days_list if remaining <= d]
        if not due:
            continue
        days = min(due)
        recipient = case.partner.relationship_manager or case.relationship_manager
        try:
            with transaction.atomic():
                ReminderSent.objects.create(
                    case=case,
                    days_before=days,
                    valid_until=case.valid_until,
                    recipient=getattr(recipient, "email", "") or "",
                )
                audit(
                    "diligence.reminder.send",
                    target=case,
                    after={
                        "days_before": days,
                        "valid_until": case.valid_until,
                        "to": getattr(recipient, "pk", None),
                    },
                )
        except IntegrityError:
            continue  # this reminder was already sent
        # Earlier, longer reminders that were skipped count as sent too.
        for longer in (d for d in days_list if d > days):
            ReminderSent.objects.get_or_create(
                case=case, days_before=longer, valid_until=case.valid_until, defaults={"recipient": ""}
            )
        if recipient is not None and recipient.is_active:
            sent += notify.expiry_reminder(case=case, recipient=recipient, days=remaining)
    return sent


def expire_lapsed(*, today: dt.date) -> int:
    expired = 0
    for case in DiligenceCase.objects.filter(status=CaseStatus.DECIDED, valid_until__lt=today):
        if services.case_expire(case=case, today=today) is not None:
            expired += 1
    return expired


def run(*, today: dt.date | None = None) -> ExpiryResult:
    today = today or timezone.localdate()
    return ExpiryResult(reminders=send_reminders(today=today), expired=expire_lapsed(today=today))
