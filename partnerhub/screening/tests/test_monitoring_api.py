"""The screening-alert API: staff read alerts and a partner's summary, PLGU and administrators decide,
refusals are problem details, partner users see nothing; plus the selectors later apps rely on."""

from __future__ import annotations

import json

import pytest
from django.http import Http404

from conftest import PERSONAS
from partnerhub.registry.models import PartnerMembership
from partnerhub.screening import monitoring
from partnerhub.screening.models_monitoring import ScreeningAlert
from partnerhub.screening.selectors_monitoring import open_alerts_for_partner, screening_summary_for
from partnerhub.screening.tests.test_monitoring_support import (
    OTHER,
    PERSON,
    SHIPPING,
    add_person,
    csv_source,
    load,
    make_partner,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/screening"
DECIDERS = {"plgu_officer", "administrator"}
STAFF = set(PERSONAS) - {"partner_user"}


@pytest.fixture
def cap(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def flagged(cap, plgu_officer):
    load(cap, csv_source(), SHIPPING, PERSON, OTHER)
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    add_person(cap, plgu_officer, partner, "Amina", "Testperson")
    return partner


def post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_staff_read_alerts_and_partner_users_get_nothing(persona, client_for, flagged, request):
    client = client_for(persona)
    alert = ScreeningAlert.objects.get(contact=None)
    if request.node.callspec.params["persona"] == "partner_user":
        PartnerMembership.objects.create(user=persona, partner=flagged)  # even their own organisation
    urls = [f"{API}/alerts", f"{API}/alerts/{alert.pk}", f"{API}/partners/{flagged.pk}/summary"]
    responses = [client.get(url) for url in urls]

    if request.node.callspec.params["persona"] in STAFF:
        assert [r.status_code for r in responses] == [200, 200, 200]
        listed = responses[0].json()
        assert listed["count"] == 2
        assert {r["reference_number"] for r in listed["results"]} == {"TST.001", "TST.002"}
        detail = responses[1].json()
        assert detail["explanation"] == "word exact; country matches"
        assert detail["can_decide"] is (request.node.callspec.params["persona"] in DECIDERS)
        assert (detail["list_code"], detail["entry_id"], detail["version"]) == ("test-csv", alert.entry_id, 1)
    else:
        assert [r.status_code for r in responses] == [403, 404, 404]
        assert all(r["Content-Type"] == "application/problem+json" for r in responses)
        assert "TST.001" not in "".join(r.content.decode() for r in responses)


def test_summary_tells_when_against_what_and_which_alerts(client_for, flagged, staff_member):
    body = client_for(staff_member).get(f"{API}/partners/{flagged.pk}/summary").json()

    assert body["last_outcome"] == "alert"
    assert body["checked_against_current"] is True
    assert [s["list_code"] for s in body["snapshots"]] == ["test-csv"]
    assert body["people_checked"] == 1
    assert sorted(a["reference_number"] for a in body["open_alerts"]) == ["TST.001", "TST.002"]
    assert (body["confirmed_alerts"], body["dismissed_count"]) == ([], 0)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_deciding_through_the_api_is_for_plgu_and_administrators(persona, client_for, flagged, request):
    alert = ScreeningAlert.objects.get(contact=None)
    before = list(ScreeningAlert.objects.values())

    response = post(
        client_for(persona), f"{API}/alerts/{alert.pk}/confirm", {"reason": "Same IMO", "version": 1}
    )

    name = request.node.callspec.params["persona"]
    if name in DECIDERS:
        assert response.status_code == 200
        assert (response.json()["status"], response.json()["can_decide"]) == ("confirmed", False)
        return
    assert response.status_code == (403 if name in STAFF else 404)
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == ("not_allowed" if name in STAFF else "not_found")
    assert list(ScreeningAlert.objects.values()) == before


def test_api_refusals_are_problem_details_with_the_services_codes(client_for, flagged, plgu_officer):
    client = client_for(plgu_officer)
    alert = ScreeningAlert.objects.get(contact=None)

    missing = post(client, f"{API}/alerts/{alert.pk}/dismiss", {"reason": "", "version": 1})
    assert (missing.status_code, missing.json()["code"]) == (422, "validation_failed")
    blank = post(client, f"{API}/alerts/{alert.pk}/dismiss", {"reason": "   ", "version": 1})
    assert (blank.status_code, blank.json()["errors"]) == (
        422,
        {"reason": ["Give the reason for this decision."]},
    )
    assert (
        post(client, f"{API}/alerts/{alert.pk}/dismiss", {"reason": "Not them", "version": 1}).status_code
        == 200
    )
    stale = post(client, f"{API}/alerts/{alert.pk}/confirm", {"reason": "Same", "version": 1})
    assert (stale.status_code, stale.json()["code"]) == (409, "concurrent_edit")
    final = post(client, f"{API}/alerts/{alert.pk}/confirm", {"reason": "Same", "version": 2})
    assert (final.status_code, final.json()["code"]) == (409, "illegal_transition")
    assert ScreeningAlert.objects.get(pk=alert.pk).status == "dismissed"


def test_alerts_filter_by_status_and_partner(client_for, flagged, plgu_officer, cap):
    other = make_partner(cap, plgu_officer, "Harbour Logistics")
    client = client_for(plgu_officer)

    assert client.get(f"{API}/alerts?status=dismissed").json()["count"] == 0
    assert client.get(f"{API}/alerts?status=bogus").json()["count"] == 0
    assert client.get(f"{API}/alerts?partner={other.pk}").json()["count"] == 0
    assert client.get(f"{API}/alerts?partner={flagged.pk}&status=open").json()["count"] == 2


def test_selectors_for_later_apps(flagged, plgu_officer, partner_user):
    alert = ScreeningAlert.objects.get(contact=None)
    monitoring.alert_confirm(alert=alert, actor=plgu_officer, reason="Same company", expected_version=1)

    assert [a.reference_number for a in open_alerts_for_partner(flagged)] == ["TST.002"]
    summary = screening_summary_for(user=plgu_officer, partner=flagged)
    assert summary.has_unresolved_alert is True
    assert [a.reference_number for a in summary.confirmed_alerts] == ["TST.001"]
    with pytest.raises(Http404):
        screening_summary_for(user=partner_user, partner=flagged)
