"""The agreements API per role: reads, the whole lifecycle, and "denied and nothing changed"."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from conftest import PERSONAS
from partnerhub.agreements import selectors
from partnerhub.agreements.tests.factories import approve_all, fresh, make_agreement, snapshot, today
from partnerhub.registry import services as registry

pytestmark = pytest.mark.django_db
API = "/api/v1/agreements"


@pytest.fixture
def client_for():
    """A separate signed-in client per user (the root fixture re-uses one client)."""
    from django.test import Client

    def _login(user: Any) -> Any:
        client = Client()
        client.force_login(user, backend="partnerhub.accounts.backends.EmailBackend")
        return client

    return _login


def post(client: Any, url: str, body: dict[str, Any] | None = None) -> Any:
    return client.post(url, json.dumps(body or {}, default=str), content_type="application/json")


def patch(client: Any, url: str, body: dict[str, Any]) -> Any:
    return client.patch(url, json.dumps(body, default=str), content_type="application/json")


def test_anonymous_callers_get_401(client, draft):
    for url in (f"{API}/", f"{API}/{draft.pk}", f"{API}/instruments"):
        assert client.get(url).status_code == 401


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_reads_per_role(persona, client_for, draft):
    client = client_for(persona)
    staff = persona.is_agency_staff

    listing = client.get(f"{API}/")
    detail = client.get(f"{API}/{draft.pk}")
    instruments = client.get(f"{API}/instruments")

    assert listing.status_code == 200
    assert listing.json()["count"] == (1 if staff else 0)
    assert detail.status_code == (200 if staff else 404)
    assert instruments.status_code == (200 if staff else 403)
    if not staff:
        assert detail["Content-Type"] == "application/problem+json"


def test_partner_user_reads_own_agreement_and_may_not_act(
    partner_user, client_for, plgu_officer, partner, draft
):
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=partner)
    client = client_for(partner_user)
    before = snapshot(draft)

    body = client.get(f"{API}/{draft.pk}").json()
    denied = post(client, f"{API}/{draft.pk}/submit")

    assert body["reference"] == draft.reference
    assert body["actions"] == []
    assert denied.status_code == 403
    assert denied.json()["code"] == "not_allowed"
    assert snapshot(draft) == before


def test_advisor_answers_with_rule_version_and_reasons(client_for, staff_member):
    body = post(
        client_for(staff_member),
        f"{API}/advisor",
        {"category": "civil-society", "purpose": "project", "funds_flow": "to_partner", "amount": "50000"},
    ).json()

    assert body["instrument"] == "AOC"
    assert body["clearance_chain"] == "funds-out"
    assert body["rule_set_version"] == 1
    assert body["rule"] == "Implementing partner with funds"
    assert body["reasons"][-1] == "funds flow to_partner is listed"
    assert body["skipped"][0][0] == "Office hosted by a government"


def test_advisor_refuses_unknown_purposes(client_for, staff_member):
    response = post(
        client_for(staff_member),
        f"{API}/advisor",
        {"category": "x", "purpose": "picnic", "funds_flow": "none"},
    )
    assert response.status_code == 422


def test_create_with_advice_then_the_whole_clearance_through_the_api(
    client_for, staff_member, partner, plgu_officer, legal_officer, signatory
):
    client = client_for(staff_member)
    created = post(
        client,
        f"{API}/",
        {
            "instrument": "MOU",
            "purpose": "framework",
            "owning_office": "ro-lac",
            "partner_ids": [partner.pk],
            "title": "Urban planning cooperation",
            "start_date": today(),
            "end_date": today() + dt.timedelta(days=365),
            "advice": {
                "category": partner.primary_category.code,
                "purpose": "framework",
                "funds_flow": "none",
            },
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    pk = body["id"]
    assert body["reference"].startswith("MOU/RO-LAC/")
    assert body["advice_rule_set_version"] == 1
    assert {a["code"] for a in body["actions"]} == {"edit", "submit", "add_document"}

    edited = patch(
        client, f"{API}/{pk}/versions/1", {"version": body["versions"][0]["version"], "summary": "Scope"}
    )
    assert edited.status_code == 200
    stale = patch(
        client, f"{API}/{pk}/versions/1", {"version": body["versions"][0]["version"], "summary": "Old"}
    )
    assert stale.status_code == 409
    assert stale.json()["code"] == "concurrent_edit"

    body = post(client, f"{API}/{pk}/submit").json()
    assert body["status"] == "in_clearance"
    assert body["holds_the_ball"] == "Partnerships and Local Government Unit"
    step_id = body["versions"][0]["steps"][0]["id"]

    # Only the current approver may act on the step.
    wrong = post(client_for(legal_officer), f"{API}/{pk}/clearance/{step_id}/approve")
    assert wrong.status_code == 403
    waiting = client_for(plgu_officer).get(f"{API}/waiting").json()
    assert [a["id"] for a in waiting] == [pk]
    returned = post(
        client_for(plgu_officer), f"{API}/{pk}/clearance/{step_id}/return", {"comments": "Add a PSEA clause."}
    )
    assert returned.json()["status"] == "draft"
    assert returned.json()["versions"][0]["steps"][0]["comments"] == "Add a PSEA clause."

    post(client, f"{API}/{pk}/submit")
    agreement = fresh(selectors.Agreement.objects.get(pk=pk))
    approve_all(agreement, [plgu_officer, legal_officer])
    signed = post(client, f"{API}/{pk}/sign", {"signatory_id": signatory.pk})
    assert signed.status_code == 200, signed.content
    assert signed.json()["status"] == "signed"
    assert post(client, f"{API}/{pk}/activate").json()["status"] == "active"

    amendment = post(client, f"{API}/{pk}/amendments", {"reason": "Extend"})
    assert amendment.status_code == 201
    assert amendment.json()["number"] == 2
    new_end = (today() + dt.timedelta(days=730)).isoformat()
    patch(client, f"{API}/{pk}/versions/2", {"version": amendment.json()["version"], "end_date": new_end})
    post(client, f"{API}/{pk}/amendments/submit")
    approve_all(fresh(agreement), [plgu_officer, legal_officer])
    assert post(client, f"{API}/{pk}/amendments/sign", {"signatory_id": signatory.pk}).status_code == 200

    diff = client.get(f"{API}/{pk}/versions/1/diff/2").json()
    assert [(c["field"], c["after"]) for c in diff] == [("end_date", new_end)]
    assert client.get(f"{API}/{pk}").json()["current_version_number"] == 2


def test_refusals_carry_the_reason_and_change_nothing(client_for, staff_member, draft, approvers, make_user):
    client = client_for(staff_member)
    before = snapshot(draft)

    illegal = post(client, f"{API}/{draft.pk}/activate")
    no_reason = post(client, f"{API}/{draft.pk}/terminate", {"reason": ""})

    assert illegal.status_code == 409
    assert illegal.json()["code"] == "illegal_transition"
    assert "Draft" in illegal.json()["detail"]
    assert no_reason.status_code == 409
    assert snapshot(draft) == before

    post(client, f"{API}/{draft.pk}/submit")
    approve_all(draft, approvers)
    nobody = make_user("staff", email="nobody@example.org")
    before = snapshot(draft)
    refused = post(client, f"{API}/{draft.pk}/sign", {"signatory_id": nobody.pk})
    assert refused.status_code == 400
    assert refused.json()["code"] == "no_delegation"
    assert snapshot(draft) == before


def test_only_legal_records_delegations(client_for, staff_member, legal_officer, signatory):
    body = {"delegate_id": signatory.pk, "instruments": ["MOU"], "max_amount": "1000", "valid_from": today()}

    denied = post(client_for(staff_member), f"{API}/delegations", body)
    created = post(client_for(legal_officer), f"{API}/delegations", body)

    assert denied.status_code == 403
    assert created.status_code == 201
    assert created.json()["instruments"] == ["MOU"]
    listed = client_for(staff_member).get(f"{API}/delegations").json()
    assert len(listed) == 2  # the fixture's and this one


def test_results_through_the_api(client_for, staff_member, focal_point, draft):
    client = client_for(staff_member)
    objective = post(client, f"{API}/{draft.pk}/results/objectives", {"text": "Safer public spaces"}).json()
    output = post(
        client, f"{API}/{draft.pk}/results/objectives/{objective['id']}/outputs", {"text": "Audits"}
    ).json()
    indicator = post(
        client,
        f"{API}/{draft.pk}/results/outputs/{output['id']}/indicators",
        {"text": "Spaces audited", "baseline": 0, "target": 10, "tags": ["11.7"]},
    ).json()

    denied = patch(
        client_for(focal_point), f"{API}/{draft.pk}/results/indicators/{indicator['id']}", {"actual": 4}
    )
    updated = patch(client, f"{API}/{draft.pk}/results/indicators/{indicator['id']}", {"actual": 4})

    assert denied.status_code == 403
    assert float(updated.json()["actual"]) == 4
    tree = client.get(f"{API}/{draft.pk}/results").json()
    assert tree[0]["outputs"][0]["indicators"][0]["tags"] == ["11.7"]


def test_list_filters_and_bounded_queries(client_for, staff_member, partner, django_assert_max_num_queries):
    for _ in range(4):
        make_agreement(staff_member, [partner])
    client = client_for(staff_member)

    with django_assert_max_num_queries(12):
        body = client.get(f"{API}/", {"instrument": "MOU", "office": "ro-lac"}).json()

    assert body["count"] == 4
    assert client.get(f"{API}/", {"instrument": "AOC"}).json()["count"] == 0


def test_legal_confirms_an_instrument_and_others_cannot(client_for, staff_member, legal_officer):
    denied = patch(client_for(staff_member), f"{API}/instruments/MOU", {"is_assumption": False})
    assert denied.status_code == 403
    listed = {i["code"]: i for i in client_for(staff_member).get(f"{API}/instruments").json()}
    assert listed["MOU"]["is_assumption"] is True

    confirmed = patch(
        client_for(legal_officer),
        f"{API}/instruments/MOU",
        {"is_assumption": False, "reminder_days": [30, 120]},
    )

    assert confirmed.status_code == 200
    assert (confirmed.json()["is_assumption"], confirmed.json()["reminder_days"]) == (False, [120, 30])
    bad = patch(client_for(legal_officer), f"{API}/instruments/MOU", {"reminder_days": [0]})
    assert bad.status_code == 422


def test_rule_sets_are_listed_copied_and_published_by_legal(client_for, staff_member, legal_officer):
    listed = client_for(staff_member).get(f"{API}/rule-sets").json()
    assert [(r["number"], r["is_active"]) for r in listed] == [(1, True)]
    assert listed[0]["rules"][0]["instrument"] == "HCA"
    assert post(client_for(staff_member), f"{API}/rule-sets/1/copy").status_code == 403

    copied = post(client_for(legal_officer), f"{API}/rule-sets/1/copy")
    published = post(client_for(legal_officer), f"{API}/rule-sets/2/publish")

    assert copied.status_code == 201
    assert len(copied.json()["rules"]) == len(listed[0]["rules"])
    assert published.json()["is_active"] is True
    advice = post(
        client_for(staff_member),
        f"{API}/advisor",
        {"category": "x", "purpose": "event", "funds_flow": "none"},
    )
    assert advice.json()["rule_set_version"] == 2


def test_parties_of_a_draft_are_replaced_and_refused_after_submission(
    client_for, staff_member, partner, draft
):
    from partnerhub.agreements.tests.factories import make_partner

    other = make_partner(staff_member, "City of Kigali")
    client = client_for(staff_member)

    body = client.put(
        f"{API}/{draft.pk}/parties",
        json.dumps({"partner_ids": [other.pk, partner.pk]}),
        content_type="application/json",
    ).json()
    assert [p["name"] for p in body["parties"]] == ["City of Kigali", "City of Nakuru"]

    post(client, f"{API}/{draft.pk}/submit")
    before = snapshot(draft)
    refused = client.put(
        f"{API}/{draft.pk}/parties", json.dumps({"partner_ids": [other.pk]}), content_type="application/json"
    )
    assert refused.status_code == 409
    assert snapshot(draft) == before
