"""The agency's offices: seeded from the SOP, seen by staff, changed by administrators only, traceably."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import PERSONAS
from partnerhub.core.models import AuditLog, HistoryAction, RecordHistory
from partnerhub.org.models import Office

pytestmark = pytest.mark.django_db

STAFF_PERSONAS = [p for p in PERSONAS if p != "partner_user"]
NON_ADMINS = [p for p in PERSONAS if p != "administrator"]
NON_ADMIN_STAFF = [p for p in STAFF_PERSONAS if p != "administrator"]
CONFLICT = (
    "Someone else changed this record while you were editing it. Reload it and apply your change again."
)
OWN_ANCESTOR = "An office cannot be part of itself or of one of its own units."

# (code, English name, kind, parent code) for every office the SOP names.
SOP_OFFICES = [
    ("oed", "Office of the Executive Director", "office", None),
    ("sgb", "Secretariat to the Governing Bodies", "office", "oed"),
    ("legal", "Legal Section", "section", "oed"),
    ("plgu", "Partnerships and Local Governments Unit", "unit", "oed"),
    ("drsrp", "Donor Relations and Strategic Resource Partnerships Unit", "unit", "oed"),
    ("cms", "Communications and Media Section", "section", "oed"),
    ("gsd", "Global Solutions Division", "division", None),
    ("upb", "Urban Practices Branch", "branch", "gsd"),
    ("cdtu", "Capacity Development and Training Unit", "unit", "gsd"),
    ("pfes", "Planning, Finance and Economy Section", "section", "upb"),
    ("hrsis", "Human Rights and Social Inclusion Section", "section", "upb"),
    ("gender", "Gender Unit", "unit", "hrsis"),
    ("youth", "Youth Unit", "unit", "hrsis"),
    ("lhss", "Land, Housing and Shelter Section", "section", "upb"),
]
REGIONAL = {
    "Nairobi": "africa",
    "Fukuoka": "asia_pacific",
    "Cairo": "arab_states",
    "Rio de Janeiro": "latin_america",
}
LIAISON = {"New York": "north_america", "Geneva": "europe", "Brussels": "europe"}


def _snapshot(office):
    """Everything about an office that a refused change must leave as it was."""
    stored = Office.objects.get(pk=office.pk)
    return {
        "row": Office.objects.filter(pk=office.pk).values().get(),
        "history": RecordHistory.objects.filter(object_id=str(office.pk)).count(),
        "audit": AuditLog.objects.filter(target_id=str(office.pk)).count(),
        "version": stored.version,
    }


def _form(office, **changes):
    data = {
        "name": office.name,
        "acronym": office.acronym,
        "code": office.code,
        "kind": office.kind,
        "parent": office.parent_id or "",
        "email": office.email,
        "city": office.city,
        "region_served": office.region_served,
        "version": office.version,
    }
    if office.is_active:
        data["is_active"] = "on"
    data.update(changes)
    return data


def _patch(client, office_id, payload, **extra):
    return client.patch(f"/api/v1/offices/{office_id}", payload, content_type="application/json", **extra)


def _problem(response, status, code):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = json.loads(response.content)
    assert (body["status"], body["code"]) == (status, code)
    return body


@pytest.fixture
def youth():
    return Office.objects.get(code="youth")


# --- Seeded structure -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "name", "kind", "parent"), SOP_OFFICES)
def test_every_office_the_sop_names_is_seeded_in_its_place(code, name, kind, parent):
    office = Office.objects.get(code=code)

    assert (office.name, office.kind, office.is_active) == (name, kind, True)
    assert (office.parent.code if office.parent else None) == parent
    assert set(office.name_translations) == {"fr", "es", "ru", "ar", "zh-hans"}


def test_regional_and_liaison_offices_are_seeded_with_their_cities_and_regions():
    regional = {o.city: o.region_served for o in Office.objects.filter(kind="regional")}
    liaison = {o.city: o.region_served for o in Office.objects.filter(kind="liaison")}

    assert regional == REGIONAL
    assert liaison == LIAISON
    assert Office.objects.count() == len(SOP_OFFICES) + len(REGIONAL) + len(LIAISON)


def test_plgu_has_the_public_partnerships_address():
    assert Office.objects.get(code="plgu").email == "unhabitat-partners@un.org"


def test_office_name_follows_the_active_language():
    from django.utils import translation

    office = Office.objects.get(code="legal")
    with translation.override("fr"):
        assert str(office) == "Section juridique"
    with translation.override("en"):
        assert str(office) == "Legal Section"


# --- Seeing offices ---------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", STAFF_PERSONAS, indirect=True)
def test_staff_see_the_office_list_and_details(client_for, persona):
    client = client_for(persona)
    legal = Office.objects.get(code="legal")

    listing = client.get("/offices/")
    detail = client.get(f"/offices/{legal.pk}/")

    assert listing.status_code == 200
    assert listing.context["page"].paginator.count == 21
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Legal Section" in html
    crumb = f'<a href="/offices/{legal.parent_id}/">Office of the Executive Director</a>'
    assert f'<li class="breadcrumb-item">{crumb}</li>' in html


def test_partner_user_is_refused_the_list_and_cannot_tell_offices_exist(client_for, partner_user):
    client = client_for(partner_user)
    legal = Office.objects.get(code="legal")

    listing = client.get("/offices/")
    detail = client.get(f"/offices/{legal.pk}/")
    missing = client.get("/offices/999999/")

    assert listing.status_code == 403
    assert "Partner users cannot see the agency&#x27;s offices." in listing.content.decode()
    assert (detail.status_code, missing.status_code) == (404, 404)


def test_partner_user_is_refused_by_the_api_too(client_for, partner_user):
    client = client_for(partner_user)
    legal = Office.objects.get(code="legal")

    _problem(client.get("/api/v1/offices"), 403, "not_allowed")
    _problem(client.get(f"/api/v1/offices/{legal.pk}"), 404, "not_found")


def test_list_filters_by_text_and_kind_and_hides_inactive_offices_unless_asked(client_for, staff_member):
    Office.objects.create(code="closed", name="Closed Liaison Office", kind="liaison", is_active=False)
    client = client_for(staff_member)

    def names(query):
        return [o.name for o in client.get("/offices/", query).context["page"]]

    assert names({"kind": "liaison"}) == [
        "Brussels Liaison Office",
        "Geneva Liaison Office",
        "New York Liaison Office",
    ]
    assert names({"q": "fukuoka"}) == ["Regional Office for Asia and the Pacific"]
    assert names({"q": "closed"}) == []
    assert names({"q": "closed", "inactive": "on"}) == ["Closed Liaison Office"]


def test_detail_shows_staff_and_units_within(client_for, staff_member, plgu_officer):
    oed = Office.objects.get(code="oed")
    plgu = Office.objects.get(code="plgu")

    oed_page = client_for(staff_member).get(f"/offices/{oed.pk}/").content.decode()
    plgu_page = client_for(staff_member).get(f"/offices/{plgu.pk}/").content.decode()

    assert f'<li><a href="/offices/{plgu.pk}/">Partnerships and Local Governments Unit</a></li>' in oed_page
    assert "<li>plgu.officer</li>" in plgu_page


def _extra_offices(count):
    parent = Office.objects.get(code="oed")
    Office.objects.bulk_create(
        Office(code=f"extra-{n}", name=f"Extra office {n:02}", kind="unit", parent=parent)
        for n in range(count)
    )


def test_office_list_page_runs_the_same_bounded_number_of_queries_however_many_offices(
    client_for, staff_member, django_assert_max_num_queries
):
    client = client_for(staff_member)
    client.get("/offices/")  # warm the session and content-type caches

    with CaptureQueriesContext(connection) as few:
        assert client.get("/offices/").status_code == 200
    _extra_offices(50)
    with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as many:
        response = client.get("/offices/")

    assert response.context["page"].paginator.count == 71
    assert len(response.context["page"]) == 50
    assert len(many) == len(few)


def test_office_list_api_runs_the_same_bounded_number_of_queries_however_many_offices(
    client_for, staff_member, django_assert_max_num_queries
):
    client = client_for(staff_member)
    client.get("/api/v1/offices")

    with CaptureQueriesContext(connection) as few:
        assert client.get("/api/v1/offices").status_code == 200
    _extra_offices(50)
    with django_assert_max_num_queries(5), CaptureQueriesContext(connection) as many:
        response = client.get("/api/v1/offices", {"page_size": 100})

    assert json.loads(response.content)["count"] == 71
    assert len(json.loads(response.content)["results"]) == 71
    assert len(many) == len(few)


def test_api_lists_offices_with_filters(client_for, staff_member):
    response = client_for(staff_member).get("/api/v1/offices", {"kind": "regional", "q": "a"})

    body = json.loads(response.content)
    assert [o["code"] for o in body["results"]] == ["ro-africa", "ro-as", "ro-ap", "ro-lac"]
    assert body["results"][0] == {
        "id": Office.objects.get(code="ro-africa").pk,
        "code": "ro-africa",
        "name": "Regional Office for Africa",
        "acronym": "ROAf",
        "kind": "regional",
        "parent_id": None,
        "email": "",
        "city": "Nairobi",
        "region_served": "africa",
        "is_active": True,
        "version": 1,
    }


# --- Administrators change offices ------------------------------------------------------------------


def test_administrator_adds_an_office_through_the_form(client_for, administrator):
    oed = Office.objects.get(code="oed")

    response = client_for(administrator).post(
        "/offices/new/",
        {
            "name": "Evaluation Unit",
            "acronym": "EU",
            "code": "evaluation",
            "kind": "unit",
            "parent": oed.pk,
            "email": "",
            "city": "Nairobi",
            "region_served": "global",
            "is_active": "on",
        },
        follow=True,
    )

    office = Office.objects.get(code="evaluation")
    assert response.redirect_chain == [(f"/offices/{office.pk}/", 302)]
    assert "Office “Evaluation Unit” added." in response.content.decode()
    assert (office.name, office.parent, office.version) == ("Evaluation Unit", oed, 1)
    entry = AuditLog.objects.get(action="org.office.create")
    assert (entry.actor_id, entry.after) == (
        administrator.pk,
        {"code": "evaluation", "name": "Evaluation Unit", "kind": "unit"},
    )
    assert office.history().get().actor_label == "administrator@example.org"


def test_add_form_keeps_what_was_typed_and_explains_errors(client_for, administrator):
    response = client_for(administrator).post(
        "/offices/new/",
        {"name": "Evaluation Unit", "code": "legal", "kind": "unit", "region_served": "global"},
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Office with this Code already exists." in html
    assert 'value="Evaluation Unit"' in html
    assert Office.objects.filter(code="legal").count() == 1
    assert not Office.objects.filter(name="Evaluation Unit").exists()


def test_administrator_edits_an_office_through_the_form(client_for, administrator, youth):
    client = client_for(administrator)
    form_page = client.get(f"/offices/{youth.pk}/edit/")
    assert 'name="version" value="1"' in form_page.content.decode()

    response = client.post(f"/offices/{youth.pk}/edit/", _form(youth, city="Kisumu"), follow=True)

    assert response.redirect_chain == [(f"/offices/{youth.pk}/", 302)]
    assert "Office “Youth Unit” saved." in response.content.decode()
    stored = Office.objects.get(pk=youth.pk)
    assert (stored.city, stored.version) == ("Kisumu", 2)


def test_administrator_adds_an_office_through_the_api(client_for, administrator):
    oed = Office.objects.get(code="oed")

    response = client_for(administrator).post(
        "/api/v1/offices",
        {"code": "evaluation", "name": "Evaluation Unit", "kind": "unit", "parent_id": oed.pk},
        content_type="application/json",
    )

    assert response.status_code == 201
    office = Office.objects.get(code="evaluation")
    assert json.loads(response.content) == {
        "id": office.pk,
        "code": "evaluation",
        "name": "Evaluation Unit",
        "acronym": "",
        "kind": "unit",
        "parent_id": oed.pk,
        "email": "",
        "city": "",
        "region_served": "global",
        "is_active": True,
        "version": 1,
    }
    assert AuditLog.objects.get(action="org.office.create").actor_id == administrator.pk


def test_administrator_edits_an_office_through_the_api(client_for, administrator, youth):
    gender = Office.objects.get(code="gender")

    response = _patch(
        client_for(administrator), youth.pk, {"version": 1, "city": "Kisumu", "parent_id": gender.pk}
    )

    assert response.status_code == 200
    body = json.loads(response.content)
    assert (body["city"], body["parent_id"], body["version"]) == ("Kisumu", gender.pk, 2)
    stored = Office.objects.get(pk=youth.pk)
    assert (stored.city, stored.parent, stored.version) == ("Kisumu", gender, 2)


def test_api_detaches_an_office_from_its_parent_with_null(client_for, administrator, youth):
    response = _patch(client_for(administrator), youth.pk, {"version": 1, "parent_id": None})

    assert response.status_code == 200
    assert Office.objects.get(pk=youth.pk).parent is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"parent_id": 999999}, "parent_id"),
        ({"kind": "department"}, "kind"),
        ({"email": "not-an-address"}, "email"),
        ({"name": ""}, "name"),
    ],
)
def test_api_refuses_invalid_values_with_422_and_changes_nothing(
    client_for, administrator, youth, payload, field
):
    before = _snapshot(youth)

    response = _patch(client_for(administrator), youth.pk, {"version": 1, **payload})

    body = _problem(response, 422, "validation_failed")
    assert list(body["errors"]) == [field]
    assert _snapshot(youth) == before


# --- Everyone else is refused -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", NON_ADMINS, indirect=True)
def test_non_administrators_cannot_add_offices(client_for, persona):
    client = client_for(persona)
    count = Office.objects.count()

    page = client.get("/offices/new/")
    posted = client.post(
        "/offices/new/", {"name": "Rogue", "code": "rogue", "kind": "unit", "region_served": "global"}
    )
    api = client.post(
        "/api/v1/offices", {"code": "rogue", "name": "Rogue", "kind": "unit"}, content_type="application/json"
    )

    assert (page.status_code, posted.status_code) == (403, 403)
    assert "Only administrators can add offices." in posted.content.decode()
    _problem(api, 403, "not_allowed")
    assert Office.objects.count() == count
    assert not AuditLog.objects.filter(action="org.office.create").exists()


@pytest.mark.parametrize("persona", NON_ADMIN_STAFF, indirect=True)
def test_non_administrator_staff_cannot_edit_offices(client_for, persona, youth):
    client = client_for(persona)
    before = _snapshot(youth)

    page = client.get(f"/offices/{youth.pk}/edit/")
    posted = client.post(f"/offices/{youth.pk}/edit/", _form(youth, city="Kisumu"))
    api = _patch(client, youth.pk, {"version": 1, "city": "Kisumu"})

    assert (page.status_code, posted.status_code) == (403, 403)
    assert "Only administrators can change offices." in posted.content.decode()
    body = _problem(api, 403, "not_allowed")
    assert body["title"] == "Only administrators can change offices."
    assert _snapshot(youth) == before


def test_partner_user_cannot_edit_offices_nor_learn_they_exist(client_for, partner_user, youth):
    # Partner users may not see offices at all, so editing one answers "not found", as its detail page does.
    client = client_for(partner_user)
    before = _snapshot(youth)

    page = client.get(f"/offices/{youth.pk}/edit/")
    posted = client.post(f"/offices/{youth.pk}/edit/", _form(youth, city="Kisumu"))
    api = _patch(client, youth.pk, {"version": 1, "city": "Kisumu"})

    assert (page.status_code, posted.status_code) == (404, 404)
    _problem(api, 404, "not_found")
    assert _snapshot(youth) == before


def test_edit_button_is_shown_only_to_administrators(client_for, administrator, staff_member, youth):
    edit_link = f'href="/offices/{youth.pk}/edit/"'
    add_link = 'href="/offices/new/"'

    assert edit_link in client_for(administrator).get(f"/offices/{youth.pk}/").content.decode()
    assert add_link in client_for(administrator).get("/offices/").content.decode()
    assert edit_link not in client_for(staff_member).get(f"/offices/{youth.pk}/").content.decode()
    assert add_link not in client_for(staff_member).get("/offices/").content.decode()


# --- Concurrent edits -------------------------------------------------------------------------------


def test_stale_form_shows_the_conflict_and_changes_nothing(client_for, administrator, make_user, youth):
    # given the administrator opened the form at version 1, then a colleague saved a change
    client = client_for(administrator)
    stale_form = _form(youth, city="Kisumu")
    colleague = make_user("admin", "staff", email="colleague@example.org")
    from partnerhub.org.services import office_update

    office_update(actor=colleague, office=youth, data={"acronym": "YTH"}, expected_version=1)
    before = _snapshot(youth)

    # when the stale form is submitted
    response = client.post(f"/offices/{youth.pk}/edit/", stale_form)

    # then the form explains the conflict, keeps what was typed, and the colleague's change stands alone
    assert response.status_code == 200
    html = response.content.decode()
    assert CONFLICT in html
    assert 'value="Kisumu"' in html
    assert _snapshot(youth) == before
    stored = Office.objects.get(pk=youth.pk)
    assert (stored.acronym, stored.city, stored.version) == ("YTH", "Nairobi", 2)


def test_stale_api_patch_is_answered_409_and_changes_nothing(client_for, administrator, youth):
    client = client_for(administrator)
    assert _patch(client, youth.pk, {"version": 1, "acronym": "YTH"}).status_code == 200
    before = _snapshot(youth)

    response = _patch(client, youth.pk, {"version": 1, "city": "Kisumu"})

    body = _problem(response, 409, "concurrent_edit")
    assert body["title"] == CONFLICT
    assert _snapshot(youth) == before


# --- The hierarchy stays a tree ---------------------------------------------------------------------


def test_an_office_cannot_be_made_part_of_itself_through_the_api(client_for, administrator, youth):
    before = _snapshot(youth)

    response = _patch(client_for(administrator), youth.pk, {"version": 1, "parent_id": youth.pk})

    body = _problem(response, 422, "validation_failed")
    assert body["errors"] == {"parent": [OWN_ANCESTOR]}
    assert _snapshot(youth) == before


def test_an_office_cannot_be_made_part_of_one_of_its_own_units(client_for, administrator):
    # given the Global Solutions Division contains the Urban Practices Branch > HRSIS > the Gender Unit
    gsd = Office.objects.get(code="gsd")
    gender = Office.objects.get(code="gender")
    before = _snapshot(gsd)
    client = client_for(administrator)

    # when the division is placed under the Gender Unit, through the form and through the API
    form = client.post(f"/offices/{gsd.pk}/edit/", _form(gsd, parent=gender.pk))
    api = _patch(client, gsd.pk, {"version": 1, "parent_id": gender.pk})

    # then both are refused with the reason and nothing changed
    assert form.status_code == 200
    assert OWN_ANCESTOR in form.content.decode()
    assert _problem(api, 422, "validation_failed")["errors"] == {"parent": [OWN_ANCESTOR]}
    assert _snapshot(gsd) == before


def test_the_edit_form_does_not_offer_the_office_as_its_own_parent(client_for, administrator, youth):
    response = client_for(administrator).get(f"/offices/{youth.pk}/edit/")

    choices = [value for value, _label in response.context["form"].fields["parent"].choices]
    assert youth.pk not in [getattr(v, "value", v) for v in choices]


# --- History ----------------------------------------------------------------------------------------


def test_detail_page_shows_who_changed_which_field_from_what_to_what(
    client_for, administrator, staff_member, youth
):
    # given the administrator moved the Youth Unit to Kisumu and under the Gender Unit
    gender = Office.objects.get(code="gender")
    client_for(administrator).post(
        f"/offices/{youth.pk}/edit/", _form(youth, city="Kisumu", parent=gender.pk)
    )

    # when a staff member opens the office
    response = client_for(staff_member).get(f"/offices/{youth.pk}/")

    # then the newest history entry names the administrator and each field's before and after
    newest = response.context["history"][0]
    assert (newest.actor, newest.action) == ("administrator@example.org", "changed")
    assert {(c.label, c.before, c.after) for c in newest.changes} == {
        ("city", "Nairobi", "Kisumu"),
        ("part of", "Human Rights and Social Inclusion Section", "Gender Unit"),
    }
    html = response.content.decode()
    assert '<tr><th scope="row">City</th><td>Nairobi</td><td>Kisumu</td></tr>' in html
    assert "administrator@example.org · changed" in html
    row = RecordHistory.objects.filter(object_id=str(youth.pk), action=HistoryAction.UPDATE).get()
    assert row.actor_id == administrator.pk
