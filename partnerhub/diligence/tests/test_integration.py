"""Due diligence and the rest: the registry status guard, new screening alerts, expiry and reminders, the
partner panel, the API's happy path and bounded queries on the lists."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from partnerhub.core.errors import IllegalTransition
from partnerhub.core.models import AuditLog
from partnerhub.diligence import expiry, services
from partnerhub.diligence.models import DiligenceCase, DiligencePolicy, ReminderSent
from partnerhub.diligence.selectors import valid_approval_for
from partnerhub.diligence.tests.factories import approved, fresh, make_partner, open_case, under_review
from partnerhub.registry import services as registry
from partnerhub.registry.models import Partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner(plgu_officer):
    return make_partner(plgu_officer)


# --- The registry status guard --------------------------------------------------------------------


def test_a_partner_needing_due_diligence_cannot_become_active_without_a_valid_approval(partner, plgu_officer):
    with pytest.raises(IllegalTransition) as refusal:
        registry.partner_change_status(actor=plgu_officer, partner=partner, status="active")
    assert refusal.value.message == (
        "Due diligence is required for Private sector, business and industry partners and there is no valid approval."
    )
    assert refusal.value.context == {"url": reverse("diligence:case_open", args=[partner.pk])}
    assert Partner.objects.get(pk=partner.pk).status == "prospect"


def test_the_refusal_links_the_open_case(partner, plgu_officer, staff_member):
    case = open_case(staff_member, partner)
    with pytest.raises(IllegalTransition) as refusal:
        registry.partner_change_status(actor=plgu_officer, partner=partner, status="active")
    assert refusal.value.context == {"url": reverse("diligence:case_detail", args=[case.pk])}


def test_a_valid_approval_lets_the_partner_become_active(partner, plgu_officer, staff_member):
    approved(staff_member, plgu_officer, partner)
    moved = registry.partner_change_status(actor=plgu_officer, partner=partner, status="active")
    assert moved.status == "active"


def test_categories_that_do_not_require_it_are_not_guarded(plgu_officer):
    agency = make_partner(plgu_officer, name="UN Environment Programme", category="un-entities")
    assert (
        registry.partner_change_status(actor=plgu_officer, partner=agency, status="active").status == "active"
    )


def test_a_lapsed_or_rejected_case_is_no_approval(partner, plgu_officer, staff_member):
    case = approved(staff_member, plgu_officer, partner)
    DiligenceCase.objects.filter(pk=case.pk).update(valid_until=timezone.localdate() - dt.timedelta(days=1))
    assert valid_approval_for(partner) is None
    with pytest.raises(IllegalTransition):
        registry.partner_change_status(actor=plgu_officer, partner=partner, status="active")


def test_the_status_page_shows_the_refusal(partner, plgu_officer, client_for):
    response = client_for(plgu_officer).post(
        reverse("registry:partner_status", args=[partner.pk]), {"status": "active"}, follow=True
    )
    page = response.content.decode()
    assert "there is no valid approval" in page
    assert f'<a href="{reverse("diligence:case_open", args=[partner.pk])}">See what is needed.</a>' in page
    assert Partner.objects.get(pk=partner.pk).status == "prospect"


# --- New screening alerts -------------------------------------------------------------------------


class _Alert:
    def __init__(self, partner):
        self.partner_id = partner.pk
        self.pk = 991


def test_a_new_alert_on_an_approved_partner_reopens_review_and_tells_plgu(
    partner, plgu_officer, staff_member, django_capture_on_commit_callbacks
):
    from partnerhub.screening.monitoring import alert_raised

    case = approved(staff_member, plgu_officer, partner)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        alert_raised.send(sender=None, alert=_Alert(partner))
    case = fresh(case)
    assert case.status == "under_review"
    assert case.reopened_at is not None
    assert valid_approval_for(partner) is None
    assert [m.to for m in mail.outbox] == [[plgu_officer.email]]
    assert "Acme Construction Ltd" in mail.outbox[0].subject
    entry = AuditLog.objects.filter(action="diligence.case.reopen").get()
    assert entry.actor_label == "screening"


def test_an_alert_on_a_partner_without_approval_changes_nothing(
    partner, staff_member, django_capture_on_commit_callbacks
):
    from partnerhub.screening.monitoring import alert_raised

    case = open_case(staff_member, partner)
    with django_capture_on_commit_callbacks(execute=True):
        alert_raised.send(sender=None, alert=_Alert(partner))
    assert fresh(case).status == "draft"
    assert mail.outbox == []


def test_an_open_screening_alert_makes_the_case_complex(partner, staff_member, monkeypatch):
    monkeypatch.setattr(services, "open_alert_count", lambda p: 1)
    case = open_case(staff_member, partner)
    assert case.is_complex
    assert case.complex_reasons == [{"reason": "screening_alert", "count": 1}]


# --- Expiry ---------------------------------------------------------------------------------------


def _approved_until(staff_member, plgu_officer, partner, until):
    case = approved(staff_member, plgu_officer, partner)
    DiligenceCase.objects.filter(pk=case.pk).update(valid_until=until)
    return fresh(case)


def test_reminders_go_to_the_relationship_manager_once_each(plgu_officer, staff_member, make_user):
    manager = make_user("staff", email="manager@example.org", office_code="plgu")
    partner = make_partner(plgu_officer, relationship_manager=manager)
    today = dt.date(2026, 6, 1)
    case = _approved_until(staff_member, plgu_officer, partner, today + dt.timedelta(days=55))
    mail.outbox.clear()

    assert expiry.send_reminders(today=today) == 1
    assert expiry.send_reminders(today=today) == 0  # a retry sends nothing twice
    assert expiry.send_reminders(today=today + dt.timedelta(days=10)) == 0
    assert expiry.send_reminders(today=today + dt.timedelta(days=26)) == 1  # 29 days left: the 30-day one
    assert expiry.send_reminders(today=today + dt.timedelta(days=27)) == 0
    assert [m.to for m in mail.outbox] == [[manager.email], [manager.email]]
    assert sorted(ReminderSent.objects.filter(case=case).values_list("days_before", flat=True)) == [30, 60]


def test_the_reminder_days_are_data(plgu_officer, staff_member, make_user):
    manager = make_user("staff", email="manager@example.org", office_code="plgu")
    partner = make_partner(plgu_officer, relationship_manager=manager)
    DiligencePolicy.objects.update(reminder_days=[10])
    today = dt.date(2026, 6, 1)
    _approved_until(staff_member, plgu_officer, partner, today + dt.timedelta(days=20))
    assert expiry.send_reminders(today=today) == 0
    assert expiry.send_reminders(today=today + dt.timedelta(days=11)) == 1


def test_a_lapsed_approval_expires_and_a_new_case_can_be_opened(partner, plgu_officer, staff_member):
    case = _approved_until(staff_member, plgu_officer, partner, dt.date(2026, 1, 31))
    result = expiry.run(today=dt.date(2026, 2, 1))
    assert result.expired == 1
    assert fresh(case).status == "expired"
    assert expiry.run(today=dt.date(2026, 2, 2)).expired == 0
    assert open_case(staff_member, partner).status == "draft"


def test_the_expiry_job_is_registered():
    from partnerhub.core import scheduler

    assert (
        scheduler.registered()["diligence.expiry"].task_path == "partnerhub.diligence.tasks.diligence_expiry"
    )


# --- API happy path -------------------------------------------------------------------------------


def call(client, method, path, body=None):
    return client.generic(method, path, json.dumps(body or {}), content_type="application/json")


def test_a_case_walks_through_the_api(partner, staff_member, plgu_officer, client_for):
    client = client_for(staff_member)
    response = call(
        client, "POST", "/api/v1/diligence/cases", {"partner_id": partner.pk, "engagement": "mou_no_funds"}
    )
    assert response.status_code == 201, response.content
    case = json.loads(response.content)
    assert case["status"] == "draft"
    assert case["actions"] == ["submit", "withdraw"]
    base = f"/api/v1/diligence/cases/{case['id']}"
    body = json.loads(
        call(
            client,
            "PUT",
            f"{base}/exclusions",
            {
                "version": case["version"],
                "answers": [{"code": e["code"], "answer": "no"} for e in case["exclusions"]],
            },
        ).content
    )
    body = json.loads(
        call(
            client,
            "PUT",
            f"{base}/risks",
            {
                "version": body["version"],
                "answers": [{"code": r["code"], "level": "low"} for r in body["risks"]],
            },
        ).content
    )
    body = json.loads(
        call(
            client,
            "PATCH",
            base,
            {"version": body["version"], "registration_certificate_expiry": "2030-01-01"},
        ).content
    )
    body = json.loads(call(client, "POST", f"{base}/submit", {"version": body["version"]}).content)
    assert body["status"] == "submitted"
    reviewer = client_for(plgu_officer)
    body = json.loads(call(reviewer, "POST", f"{base}/start-review", {"version": body["version"]}).content)
    response = call(
        reviewer,
        "POST",
        f"{base}/decision",
        {"version": body["version"], "decision": "approved", "reasons": "Fine"},
    )
    body = json.loads(response.content)
    assert (body["status"], body["decision"], body["rating"]) == ("decided", "approved", "low")
    assert body["rating_explanation"][-1] == "Rating: Low."
    status = json.loads(reviewer.get(f"/api/v1/diligence/partners/{partner.pk}/status").content)
    assert status["valid"] is True


def test_a_stale_version_is_a_409_problem(partner, staff_member, client_for):
    case = open_case(staff_member, partner)
    response = call(
        client_for(staff_member),
        "PATCH",
        f"/api/v1/diligence/cases/{case.pk}",
        {"version": case.version + 5, "purpose": "x"},
    )
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "concurrent_edit"


# --- Bounded queries ------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_case_list_runs_a_fixed_number_of_queries(plgu_officer, staff_member, client_for):
    client = client_for(plgu_officer)
    open_case(staff_member, make_partner(plgu_officer, name="First Co"))
    few = _queries(client, reverse("diligence:case_list"))
    api_few = _queries(client, "/api/v1/diligence/cases")
    for i in range(6):
        open_case(staff_member, make_partner(plgu_officer, name=f"Company {i}"))
    assert _queries(client, reverse("diligence:case_list")) == few
    assert _queries(client, "/api/v1/diligence/cases") == api_few


def test_the_dashboard_lists_escalated_and_expiring(partner, plgu_officer, staff_member, client_for):
    case = under_review(staff_member, plgu_officer, partner, levels={"labour": "high"})
    services.case_escalate(actor=plgu_officer, case=case, expected_version=case.version)
    other = make_partner(plgu_officer, name="Other Co")
    _approved_until(staff_member, plgu_officer, other, timezone.localdate() + dt.timedelta(days=30))
    html = client_for(plgu_officer).get(reverse("diligence:dashboard")).content.decode()
    assert case.reference in html
    assert "Other Co" in html


def test_a_real_screening_alert_reopens_the_approved_case_and_makes_it_complex(
    plgu_officer, staff_member, django_capture_on_commit_callbacks
):
    from partnerhub.screening.tests.test_monitoring_support import SHIPPING, committing, csv_source, load

    cap = django_capture_on_commit_callbacks
    load(cap, csv_source(), SHIPPING)
    with committing(cap, plgu_officer):
        partner = make_partner(plgu_officer, name="Harbour Logistics Ltd")
    case = approved(staff_member, plgu_officer, partner)
    mail.outbox.clear()

    with committing(cap, plgu_officer):
        current = Partner.objects.get(pk=partner.pk)
        registry.partner_update(
            actor=plgu_officer,
            partner=current,
            data={"name": "Example Shipping Company"},
            expected_version=current.version,
        )

    case = fresh(case)
    assert case.status == "under_review"
    assert [r["reason"] for r in case.complex_reasons] == ["screening_alert"]
    assert [m.to for m in mail.outbox] == [[plgu_officer.email]]
    with pytest.raises(IllegalTransition):
        services.case_decide(
            actor=plgu_officer, case=case, expected_version=case.version, decision="approved", reasons="x"
        )


def test_the_demo_seeder_leaves_one_case_in_each_state_and_runs_once(make_user):
    import io

    from partnerhub.diligence.seed import seed_cases

    plgu = make_user("staff", "plgu", email="plgu@partnerhub.example", office_code="plgu")
    make_user("staff", email="staff@partnerhub.example", office_code="ro-lac")
    make_user("staff", "legal", email="legal@partnerhub.example", office_code="legal")
    for name in ("Alpha Ltd", "Beta Ltd", "Gamma Ltd", "Delta Ltd"):
        partner = make_partner(plgu, name=name)
        registry.partner_change_status(actor=plgu, partner=partner, status="under_due_diligence")

    seed_cases(io.StringIO())
    seed_cases(io.StringIO())

    states = dict(DiligenceCase.objects.values_list("partner__name", "status"))
    assert states == {
        "Alpha Ltd": "decided",
        "Beta Ltd": "escalated",
        "Delta Ltd": "submitted",
        "Gamma Ltd": "draft",
    }
    assert Partner.objects.get(name="Alpha Ltd").status == "active"


def test_the_dashboard_counts_open_cases_by_age_and_is_for_plgu_legal_and_administrators(
    plgu_officer, staff_member, legal_officer
):
    from django.http import Http404

    from partnerhub.diligence.selectors import dashboard_for

    today = timezone.localdate()
    for days, name in ((2, "A"), (20, "B"), (45, "C"), (120, "D"), (121, "E")):
        case = open_case(staff_member, make_partner(plgu_officer, name=f"Company {name}"))
        DiligenceCase.objects.filter(pk=case.pk).update(created_at=timezone.now() - dt.timedelta(days=days))
    board = dashboard_for(user=legal_officer, today=today)
    assert board.open_by_age == [("0-7", 1), ("8-30", 1), ("31-90", 1), ("90+", 2)]
    with pytest.raises(Http404):
        dashboard_for(user=staff_member)
