"""The daily job: reminders 90/60/30 days before the end (once each), activation, expiry, assessment due."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from partnerhub.agreements import expiry, services
from partnerhub.agreements.models import AssessmentDue, ExpiryReminder
from partnerhub.agreements.tests.factories import approve_all, fresh, make_agreement, today
from partnerhub.core.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(staff_member, partner, approvers, signatory):
    """An active MoU ending in 100 days."""
    agreement = make_agreement(staff_member, [partner], end=today() + dt.timedelta(days=100))
    services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)
    approve_all(agreement, approvers)
    services.agreement_sign(actor=staff_member, agreement=agreement, signatory=signatory)
    services.agreement_activate(actor=staff_member, agreement=agreement)
    mail.outbox.clear()
    return fresh(agreement)


def test_reminders_go_out_at_90_60_and_30_days_once_each(running, staff_member):
    end = running.current_version.end_date
    for days_left in (95, 90, 89, 60, 60, 31, 30, 30, 1):
        expiry.run(today=end - dt.timedelta(days=days_left))

    assert sorted(ExpiryReminder.objects.values_list("days_before", flat=True)) == [30, 60, 90]
    assert len(mail.outbox) == 3
    assert [m.to for m in mail.outbox] == [[staff_member.email]] * 3
    assert "ends in 90 days" in mail.outbox[0].subject
    assert AuditLog.objects.filter(action="agreements.reminder.send").count() == 3


def test_a_job_that_was_off_sends_only_the_nearest_reminder(running):
    end = running.current_version.end_date

    expiry.run(today=end - dt.timedelta(days=20))

    assert len(mail.outbox) == 1
    assert sorted(ExpiryReminder.objects.values_list("days_before", flat=True)) == [30, 60, 90]


def test_active_agreements_past_their_end_expire_and_the_mou_assessment_becomes_due(running):
    end = running.current_version.end_date

    expiry.run(today=end)
    assert fresh(running).status == "active"
    result = expiry.run(today=end + dt.timedelta(days=1))
    again = expiry.run(today=end + dt.timedelta(days=2))

    assert (result.expired, again.expired) == (1, 0)
    assert fresh(running).status == "expired"
    due = AssessmentDue.objects.get(agreement=running)
    assert (due.status, due.due_on) == ("due", end + dt.timedelta(days=61))
    assert AuditLog.objects.filter(action="agreements.agreement.expire").count() == 1


def test_signed_agreements_come_into_force_on_their_start_date(staff_member, partner, approvers, signatory):
    start = today() + dt.timedelta(days=5)
    agreement = make_agreement(staff_member, [partner], start=start)
    services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)
    approve_all(agreement, approvers)
    services.agreement_sign(actor=staff_member, agreement=agreement, signatory=signatory)

    assert expiry.run(today=start - dt.timedelta(days=1)).activated == 0
    assert expiry.run(today=start).activated == 1
    assert fresh(agreement).status == "active"


def test_the_job_is_registered_with_the_scheduler():
    from partnerhub.core import scheduler

    job = scheduler.registered()["agreements.daily"]
    assert job.task_path == "partnerhub.agreements.tasks.agreements_daily"
    from partnerhub.agreements.tasks import agreements_daily

    assert agreements_daily.call() == 0
