"""Screening pages: the alert list and review, re-screening runs, "Screen now", the partner panel and the
timeline; staff see them, PLGU and administrators decide, partner users never see anything."""

from __future__ import annotations

import pytest
from django.utils.safestring import mark_safe

from conftest import PERSONAS
from partnerhub.core.models import AuditLog
from partnerhub.registry import panels
from partnerhub.registry.models import PartnerMembership
from partnerhub.screening import monitoring
from partnerhub.screening.models_monitoring import ScreeningAlert, ScreeningCheck, ScreeningRun
from partnerhub.screening.tests.test_monitoring_support import (
    OTHER,
    PERSON,
    SHIPPING,
    add_person,
    committing,
    csv_source,
    load,
    make_partner,
)

pytestmark = pytest.mark.django_db
DECIDERS = {"plgu_officer", "administrator"}
STAFF = set(PERSONAS) - {"partner_user"}


@pytest.fixture
def cap(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def flagged(cap, plgu_officer):
    """A loaded list, a partner that matches it and a person at it who matches too."""
    load(cap, csv_source(), SHIPPING, PERSON, OTHER)
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE", names=["Shipping Yemen"])
    add_person(cap, plgu_officer, partner, "Amina", "Testperson")
    return partner


def org_alert(partner):
    return ScreeningAlert.objects.get(partner=partner, contact=None)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_staff_see_alert_pages_and_partner_users_see_none(persona, client_for, flagged, request):
    client = client_for(persona)
    alert = org_alert(flagged)
    run = ScreeningRun.objects.get()
    pages = [
        "/screening/alerts/",
        f"/screening/alerts/{alert.pk}/",
        "/screening/runs/",
        f"/screening/runs/{run.pk}/",
    ]
    statuses = [client.get(url).status_code for url in pages]
    if request.node.callspec.params["persona"] in STAFF:
        assert statuses == [200, 200, 200, 200]
    else:
        assert statuses == [403, 404, 403, 404]


def test_partner_user_sees_no_panel_and_no_screening_on_their_own_partner_page(
    client_for, flagged, partner_user, plgu_officer
):
    monitoring.alert_dismiss(
        alert=org_alert(flagged), actor=plgu_officer, reason="Not them", expected_version=1
    )
    PartnerMembership.objects.create(user=partner_user, partner=flagged)

    body = client_for(partner_user).get(f"/partners/{flagged.pk}/").content.decode()

    assert "Example Shipping Co" in body
    for hidden in (
        "Sanctions screening",
        "TST.001",
        "Example Shipping Company",
        "dismissed",
        "Not them",
        "/screening/",
    ):
        assert hidden not in body


def test_staff_see_the_panel_with_the_last_check_and_open_alerts(client_for, flagged, staff_member):
    body = client_for(staff_member).get(f"/partners/{flagged.pk}/").content.decode()

    assert "Sanctions screening" in body
    assert "Last checked" in body
    assert "2 open alerts" in body
    assert f"/screening/alerts/{org_alert(flagged).pk}/" in body
    assert "Screen now" not in body  # PLGU and administrators only


def test_the_partner_timeline_names_screening_actions_in_words(client_for, flagged, plgu_officer):
    monitoring.alert_dismiss(
        alert=org_alert(flagged), actor=plgu_officer, reason="Registered in Kenya", expected_version=1
    )

    body = client_for(plgu_officer).get(f"/partners/{flagged.pk}/").content.decode()

    assert body.count("Sanctions screening alert raised") == 2
    assert "Sanctions screening alert dismissed" in body
    assert "Registered in Kenya" in body
    assert "screening.alert" not in body


def test_review_page_shows_partner_and_list_entry_side_by_side(client_for, flagged, plgu_officer):
    alert = org_alert(flagged)
    body = client_for(plgu_officer).get(f"/screening/alerts/{alert.pk}/").content.decode()

    for expected in (
        "Partner screened",
        "Shipping Yemen",  # the partner's other name
        "List entry",
        "TST.001",
        "Example Shipping Company",
        "Example Shipping",  # the alias
        "word: exact; country matches",  # the engine's explanation
        "Record the decision",
    ):
        assert expected in body


def test_review_page_for_a_person_shows_their_role(client_for, flagged, staff_member):
    alert = ScreeningAlert.objects.get(contact__isnull=False)
    body = client_for(staff_member).get(f"/screening/alerts/{alert.pk}/").content.decode()

    assert "Person screened" in body
    assert "Director" in body
    assert "key person" in body
    assert "Record the decision" not in body
    assert "Waiting for review" in body


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_deciding_on_the_page_is_for_plgu_and_administrators(persona, client_for, flagged, request):
    alert = org_alert(flagged)
    before = (list(ScreeningAlert.objects.values()), AuditLog.objects.count())

    response = client_for(persona).post(
        f"/screening/alerts/{alert.pk}/", {"decision": "dismiss", "reason": "Different company", "version": 1}
    )

    name = request.node.callspec.params["persona"]
    if name in DECIDERS:
        assert response.status_code == 302
        alert.refresh_from_db()
        assert (alert.status, alert.reason, alert.decided_by_id) == (
            "dismissed",
            "Different company",
            persona.pk,
        )
        return
    assert response.status_code == (403 if name in STAFF else 404)
    assert (list(ScreeningAlert.objects.values()), AuditLog.objects.count()) == before


def test_a_decision_without_reason_keeps_the_choice_and_says_why(client_for, flagged, plgu_officer):
    alert = org_alert(flagged)

    response = client_for(plgu_officer).post(
        f"/screening/alerts/{alert.pk}/", {"decision": "confirm", "reason": "", "version": 1}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "Give the reason for this decision." in body
    assert 'value="confirm" checked' in body
    assert ScreeningAlert.objects.get(pk=alert.pk).status == "open"


def test_a_stale_decision_form_is_refused_in_words(client_for, flagged, plgu_officer, administrator):
    alert = org_alert(flagged)
    monitoring.alert_confirm(alert=alert, actor=administrator, reason="Same company", expected_version=1)

    response = client_for(plgu_officer).post(
        f"/screening/alerts/{alert.pk}/", {"decision": "dismiss", "reason": "Not them", "version": 1}
    )

    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    assert ScreeningAlert.objects.get(pk=alert.pk).status == "confirmed"


def test_alert_list_shows_open_alerts_first_and_filters_by_status_and_partner(
    client_for, flagged, plgu_officer, cap
):
    other = make_partner(cap, plgu_officer, "Example Shipping Company", country="YE")
    monitoring.alert_dismiss(
        alert=org_alert(flagged), actor=plgu_officer, reason="Not them", expected_version=1
    )
    client = client_for(plgu_officer)

    rows = client.get("/screening/alerts/").context["page"].object_list
    assert [a.status for a in rows] == ["open", "open", "dismissed"]
    assert [a.partner for a in client.get(f"/screening/alerts/?partner={other.pk}").context["page"]] == [
        other
    ]
    dismissed = client.get("/screening/alerts/?status=dismissed").context["page"]
    assert [a.pk for a in dismissed] == [org_alert(flagged).pk]
    partial = client.get("/screening/alerts/?status=open", headers={"HX-Request": "true"})
    assert "<html" not in partial.content.decode()
    assert 'id="results"' in partial.content.decode()


def test_alert_list_runs_a_fixed_number_of_queries(
    client_for, cap, plgu_officer, django_assert_max_num_queries
):
    load(cap, csv_source(), SHIPPING, PERSON, OTHER)
    client = client_for(plgu_officer)

    def count_queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/screening/alerts/").status_code == 200
        return len(ctx.captured_queries)

    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    add_person(cap, plgu_officer, partner, "Amina", "Testperson")
    few = count_queries()
    for n in range(8):
        more = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE", acronym=f"ESC{n}")
        add_person(cap, plgu_officer, more, "Amina", "Testperson")
    assert ScreeningAlert.objects.count() >= 18
    with django_assert_max_num_queries(few):
        count_queries()
    assert few <= 12


def test_screen_now_is_for_plgu_and_screens_the_partner_and_its_people(
    client_for, flagged, plgu_officer, staff_member
):
    checks = ScreeningCheck.objects.count()
    assert client_for(staff_member).post(f"/screening/partners/{flagged.pk}/screen/").status_code == 403
    assert ScreeningCheck.objects.count() == checks

    response = client_for(plgu_officer).post(f"/screening/partners/{flagged.pk}/screen/", follow=True)

    assert response.redirect_chain[-1][0] == f"/partners/{flagged.pk}/"
    assert "Screened 2 names; no new alert." in response.content.decode()
    assert ScreeningCheck.objects.count() == checks + 2
    entry = AuditLog.objects.get(action="screening.partner.screen")
    assert entry.after == {"outcome": "alert", "checks": 2, "alerts_raised": 0}


def test_re_screen_everyone_from_the_runs_page_shows_progress(
    client_for, flagged, plgu_officer, cap, staff_member
):
    assert client_for(staff_member).post("/screening/runs/start/").status_code == 403
    client = client_for(plgu_officer)
    with committing(cap):
        response = client.post("/screening/runs/start/")
    run = ScreeningRun.objects.filter(trigger="manual").get()
    assert response.url == f"/screening/runs/{run.pk}/"
    assert (run.status, run.done, run.total) == ("done", 2, 2)

    body = client.get(f"/screening/runs/{run.pk}/").content.decode()
    assert "2 of 2 partners and people screened" in body
    ScreeningRun.objects.filter(pk=run.pk).update(status="running", done=1)
    partial = client.get(f"/screening/runs/{run.pk}/", headers={"HX-Request": "true"})
    assert 'hx-trigger="every 2s"' in partial.content.decode()
    assert "<html" not in partial.content.decode()


def test_partner_panels_escape_plain_text_and_keep_rendered_html(rf):
    def plain(request, partner):
        return "<b>plain</b>"

    def rendered(request, partner):
        return mark_safe("<b>rendered</b>")

    def hidden(request, partner):
        return None

    saved = list(panels._panels)
    try:
        panels._panels.clear()
        panels.register_partner_panel(rendered, order=2)
        panels.register_partner_panel(plain, order=1)
        panels.register_partner_panel(hidden, order=3)
        panels.register_partner_panel(plain, order=1)  # registering again replaces
        html = panels.render_partner_panels(rf.get("/"), object())
    finally:
        panels._panels[:] = saved

    assert html == ["&lt;b&gt;plain&lt;/b&gt;", "<b>rendered</b>"]
