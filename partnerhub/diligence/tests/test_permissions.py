"""Every role against every case page, evidence download and API endpoint. Cases are confidential: the
requester, PLGU, Legal and administrators see them; other staff get 404 (as if absent); partner users get
nothing. Every refusal leaves the case, its evidence and the audit log as they were."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.serializers.json import DjangoJSONEncoder
from django.urls import reverse

from conftest import PERSONAS
from partnerhub.core.models import AuditLog
from partnerhub.diligence import services
from partnerhub.diligence.models import Attachment, DiligenceCase
from partnerhub.diligence.tests.factories import answer, fresh, make_partner, open_case

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n%%EOF\n"
API = "/api/v1/diligence"
VIEWERS = {"staff_member", "plgu_officer", "legal_officer", "administrator"}  # requester + confidants
CONFIDANTS = {"plgu_officer", "legal_officer", "administrator"}
OTHER_STAFF = {"focal_point", "sgb_officer", "oed_officer", "comms_officer"}


@dataclass
class World:
    case: DiligenceCase
    submitted: DiligenceCase
    attachment: Attachment
    partner: Any


@pytest.fixture
def world(staff_member, plgu_officer) -> World:
    partner = make_partner(plgu_officer)
    case = open_case(staff_member, partner)
    attachment = services.attachment_add(
        actor=staff_member, case=case, section="identity", upload=SimpleUploadedFile("certificate.pdf", PDF)
    )
    other = make_partner(plgu_officer, name="Beta Holdings plc")
    submitted = answer(open_case(staff_member, other), staff_member)
    submitted = services.case_submit(actor=staff_member, case=submitted, expected_version=submitted.version)
    return World(case=fresh(case), submitted=submitted, attachment=attachment, partner=partner)


def state() -> tuple[Any, ...]:
    return (
        list(DiligenceCase.objects.order_by("pk").values_list("pk", "status", "version")),
        Attachment.objects.count(),
        AuditLog.objects.count(),
    )


def call(client: Any, method: str, path: str, body: Any = None) -> Any:
    if method == "GET":
        return client.get(path)
    if body is None:
        return client.generic(method, path)
    return client.generic(
        method, path, json.dumps(body, cls=DjangoJSONEncoder), content_type="application/json"
    )


# --- Reading --------------------------------------------------------------------------------------

Expect = Callable[[str], int]


def viewers_200(persona: str) -> int:
    return 200 if persona in VIEWERS else 404


def staff_200(persona: str) -> int:
    return 403 if persona == "partner_user" else 200


def confidants_200(persona: str) -> int:
    return 200 if persona in CONFIDANTS else 403


READS: list[tuple[str, Callable[[World], str], Expect]] = [
    ("case list page", lambda w: reverse("diligence:case_list"), staff_200),
    ("dashboard", lambda w: reverse("diligence:dashboard"), confidants_200),
    ("case page", lambda w: reverse("diligence:case_detail", args=[w.case.pk]), viewers_200),
    (
        "evidence download",
        lambda w: reverse("diligence:attachment_download", args=[w.case.pk, w.attachment.pk]),
        viewers_200,
    ),
    ("open-case page", lambda w: reverse("diligence:case_open", args=[w.partner.pk]), staff_200),
    ("API case list", lambda w: f"{API}/cases", staff_200),
    ("API case", lambda w: f"{API}/cases/{w.case.pk}", viewers_200),
    (
        "API evidence download",
        lambda w: f"{API}/cases/{w.case.pk}/attachments/{w.attachment.pk}",
        viewers_200,
    ),
    ("API partner status", lambda w: f"{API}/partners/{w.partner.pk}/status", staff_200),
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("name", "url", "expect"), READS, ids=[r[0] for r in READS])
def test_each_role_reads_only_what_it_may(request, persona, world, client_for, name, url, expect):
    persona_name = request.node.callspec.params["persona"]
    expected = expect(persona_name)
    if name == "open-case page" and persona_name == "partner_user":
        expected = 403
    response = client_for(persona).get(url(world))
    assert response.status_code == expected, (persona_name, name, response.status_code)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_lists_show_a_case_only_to_those_who_may_see_it(request, persona, world, client_for):
    persona_name = request.node.callspec.params["persona"]
    client = client_for(persona)
    page = client.get(reverse("diligence:case_list"))
    api = client.get(f"{API}/cases")
    if persona_name == "partner_user":
        assert (page.status_code, api.status_code) == (403, 403)
        return
    ids = [item["id"] for item in json.loads(api.content)["results"]]
    if persona_name in VIEWERS:
        assert world.case.reference in page.content.decode()
        assert world.case.pk in ids
    else:
        assert world.case.reference not in page.content.decode()
        assert ids == []


def test_the_download_is_an_attachment_that_cannot_be_sniffed(world, client_for, staff_member):
    response = client_for(staff_member).get(
        reverse("diligence:attachment_download", args=[world.case.pk, world.attachment.pk])
    )
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="certificate.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == PDF


def test_an_attachment_is_not_reachable_through_another_case(world, client_for, plgu_officer):
    client = client_for(plgu_officer)
    response = client.get(
        reverse("diligence:attachment_download", args=[world.submitted.pk, world.attachment.pk])
    )
    assert response.status_code == 404
    assert (
        client.get(f"{API}/cases/{world.submitted.pk}/attachments/{world.attachment.pk}").status_code == 404
    )


def test_the_api_download_is_an_attachment_too(world, client_for, legal_officer):
    response = client_for(legal_officer).get(f"{API}/cases/{world.case.pk}/attachments/{world.attachment.pk}")
    assert response["Content-Disposition"] == 'attachment; filename="certificate.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_the_partner_panel_shows_cases_only_to_those_who_may_see_them(request, persona, world, client_for):
    persona_name = request.node.callspec.params["persona"]
    response = client_for(persona).get(reverse("registry:partner_detail", args=[world.partner.pk]))
    html = response.content.decode()
    if persona_name == "partner_user":
        assert response.status_code == 404
        return
    assert "Due diligence: required for this category; no valid approval." in html
    assert (world.case.reference in html) == (persona_name in VIEWERS)


def test_the_partner_panel_shows_a_requesters_own_case_behind_newer_cases_of_others(
    world, client_for, staff_member, plgu_officer
):
    # The requester's case is withdrawn, then five newer cases are opened (and withdrawn) by PLGU.
    mine = services.case_withdraw(
        actor=staff_member, case=world.case, expected_version=world.case.version, reason="Wrong engagement."
    )
    for n in range(5):
        theirs = open_case(plgu_officer, world.partner)
        services.case_withdraw(
            actor=plgu_officer, case=theirs, expected_version=theirs.version, reason=f"Test {n}."
        )

    html = (
        client_for(staff_member)
        .get(reverse("registry:partner_detail", args=[world.partner.pk]))
        .content.decode()
    )

    assert mine.reference in html  # among the cases the requester may see, it is the latest
    assert not any(
        c.reference in html for c in DiligenceCase.objects.exclude(pk=mine.pk).filter(partner=world.partner)
    )


# --- Writing --------------------------------------------------------------------------------------


def requester_only(persona: str) -> int:
    """On a draft: the requester may; other viewers are refused with a reason; everyone else gets 404."""
    if persona == "staff_member":
        return 0
    return 403 if persona in CONFIDANTS else 404


def reviewers_only(persona: str) -> int:
    if persona in {"plgu_officer", "administrator"}:
        return 0
    return 403 if persona in VIEWERS else 404


PAGE_WRITES: list[tuple[str, Callable[[World], str], Callable[[World], dict[str, Any]], Expect]] = [
    (
        "edit",
        lambda w: reverse("diligence:case_edit", args=[w.case.pk]),
        lambda w: {
            "version": w.case.version,
            "engagement": "mou_no_funds",
            "currency": "USD",
            "depth": w.case.depth,
            "purpose": "Changed",
        },
        requester_only,
    ),
    (
        "exclusions",
        lambda w: reverse("diligence:case_exclusions", args=[w.case.pk]),
        lambda w: {"version": w.case.version, "answer_tobacco": "no"},
        requester_only,
    ),
    (
        "risks",
        lambda w: reverse("diligence:case_risks", args=[w.case.pk]),
        lambda w: {"version": w.case.version, "level_labour": "low"},
        requester_only,
    ),
    (
        "mitigation",
        lambda w: reverse("diligence:mitigation_add", args=[w.case.pk]),
        lambda w: {"version": w.case.version, "text": "Audit", "lowers_rating": "on"},
        requester_only,
    ),
    (
        "withdraw",
        lambda w: reverse("diligence:case_action", args=[w.case.pk, "withdraw"]),
        lambda w: {"withdraw-version": w.case.version, "withdraw-note": "No longer needed"},
        lambda p: (
            0 if p in {"staff_member", "plgu_officer", "administrator"} else (302 if p in VIEWERS else 404)
        ),
    ),
    (
        "start review",
        lambda w: reverse("diligence:case_action", args=[w.submitted.pk, "start-review"]),
        lambda w: {"start-review-version": w.submitted.version},
        lambda p: 0 if p in {"plgu_officer", "administrator"} else (302 if p in VIEWERS else 404),
    ),
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(("name", "url", "data", "expect"), PAGE_WRITES, ids=[w[0] for w in PAGE_WRITES])
def test_each_role_changes_a_case_on_its_page_only_when_allowed(
    request, persona, world, client_for, name, url, data, expect
):
    persona_name = request.node.callspec.params["persona"]
    expected = expect(persona_name)
    client = client_for(persona)
    before = state()
    response = client.post(url(world), data(world))
    if persona_name == "partner_user":
        assert response.status_code in (403, 404)
        assert state() == before
        return
    if expected == 0:
        assert response.status_code == 302, (persona_name, name, response.status_code)
        assert state() != before
    else:
        # Workflow buttons redirect back with the reason as a message; forms answer 403 or 404.
        assert response.status_code == expected, (persona_name, name, response.status_code)
        assert state() == before


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_evidence_is_uploaded_only_by_who_may_edit(request, persona, world, client_for):
    persona_name = request.node.callspec.params["persona"]
    before = state()
    response = client_for(persona).post(
        reverse("diligence:attachment_upload", args=[world.case.pk]),
        {"section": "identity", "file": SimpleUploadedFile("more.pdf", PDF)},
    )
    expected = requester_only(persona_name) if persona_name != "partner_user" else 404
    if expected == 0:
        assert response.status_code == 302
        assert Attachment.objects.count() == 2
    else:
        assert response.status_code in ((403, 404) if persona_name == "partner_user" else (expected,))
        assert state() == before


API_WRITES: list[tuple[str, str, Callable[[World], str], Callable[[World], Any], Expect]] = [
    (
        "patch",
        "PATCH",
        lambda w: f"{API}/cases/{w.case.pk}",
        lambda w: {"version": w.case.version, "purpose": "x"},
        requester_only,
    ),
    (
        "exclusions",
        "PUT",
        lambda w: f"{API}/cases/{w.case.pk}/exclusions",
        lambda w: {"version": w.case.version, "answers": [{"code": "tobacco", "answer": "no"}]},
        requester_only,
    ),
    (
        "risks",
        "PUT",
        lambda w: f"{API}/cases/{w.case.pk}/risks",
        lambda w: {"version": w.case.version, "answers": [{"code": "labour", "level": "low"}]},
        requester_only,
    ),
    (
        "mitigation",
        "POST",
        lambda w: f"{API}/cases/{w.case.pk}/mitigations",
        lambda w: {"version": w.case.version, "text": "Audit"},
        requester_only,
    ),
    (
        "start review",
        "POST",
        lambda w: f"{API}/cases/{w.submitted.pk}/start-review",
        lambda w: {"version": w.submitted.version},
        reviewers_only,
    ),
    (
        "decide",
        "POST",
        lambda w: f"{API}/cases/{w.submitted.pk}/decision",
        lambda w: {"version": w.submitted.version, "decision": "approved", "reasons": "Fine"},
        lambda p: (
            409 if p in {"plgu_officer", "administrator", "legal_officer"} else (403 if p in VIEWERS else 404)
        ),
    ),
    (
        "sign off",
        "POST",
        lambda w: f"{API}/cases/{w.submitted.pk}/sign-off",
        lambda w: {"version": w.submitted.version, "role": "plgu"},
        lambda p: 409 if p in VIEWERS else 404,
    ),
    (
        "open",
        "POST",
        lambda w: f"{API}/cases",
        lambda w: {"partner_id": w.partner.pk, "engagement": "mou_no_funds"},
        lambda p: 422,  # already open: refused for everyone, with nothing created
    ),
]


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
@pytest.mark.parametrize(
    ("name", "method", "url", "body", "expect"), API_WRITES, ids=[w[0] for w in API_WRITES]
)
def test_each_role_changes_a_case_through_the_api_only_when_allowed(
    request, persona, world, client_for, name, method, url, body, expect
):
    persona_name = request.node.callspec.params["persona"]
    before = state()
    response = call(client_for(persona), method, url(world), body(world))
    expected = expect(persona_name)
    if persona_name == "partner_user":
        assert response.status_code in (403, 404), response.content
        assert response["Content-Type"] == "application/problem+json"
        assert state() == before
        return
    if expected == 0:
        assert response.status_code in (200, 201), (persona_name, name, response.content)
        assert state() != before
    else:
        assert response.status_code == expected, (persona_name, name, response.content)
        assert response["Content-Type"] == "application/problem+json"
        assert state() == before


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_evidence_is_uploaded_through_the_api_only_by_who_may_edit(request, persona, world, client_for):
    persona_name = request.node.callspec.params["persona"]
    before = state()
    response = client_for(persona).post(
        f"{API}/cases/{world.case.pk}/attachments",
        {"section": "identity", "description": "board minutes", "file": SimpleUploadedFile("more.pdf", PDF)},
    )
    expected = requester_only(persona_name) if persona_name != "partner_user" else 404
    if expected == 0:
        assert response.status_code == 201, response.content
        files = response.json()["attachments"]
        assert sorted(f["original_name"] for f in files) == ["certificate.pdf", "more.pdf"]
        assert Attachment.objects.count() == 2
    else:
        assert response.status_code in ((403, 404) if persona_name == "partner_user" else (expected,))
        assert state() == before


def test_an_api_upload_that_is_not_a_pdf_or_image_is_refused_and_nothing_is_stored(
    world, client_for, staff_member
):
    before = state()
    response = client_for(staff_member).post(
        f"{API}/cases/{world.case.pk}/attachments",
        {"section": "identity", "file": SimpleUploadedFile("invoice.pdf", b"MZ\x90\x00 not a pdf at all")},
    )
    assert response.status_code == 422
    assert "Only PDF files and images" in response.content.decode()
    assert state() == before
