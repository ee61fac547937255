"""The registry's pages: search, facets, export, duplicate checks on adding, safe editing, who sees what."""

import csv
import datetime as dt
import io
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import PERSONAS
from partnerhub.core.models import AuditLog, RecordHistory
from partnerhub.org.models import Office
from partnerhub.registry import services, views
from partnerhub.registry.duplicates import candidates_for
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    Country,
    NotDuplicate,
    Partner,
    PartnerMembership,
    PartnerName,
    Relationship,
    StakeholderCategory,
    Tag,
)

pytestmark = pytest.mark.django_db

STAFF = [p for p in PERSONAS if p != "partner_user"]
EDITORS = ["plgu_officer", "administrator"]
CONFLICT = (
    "Someone else changed this record while you were editing it. Reload it and apply your change again."
)
NOT_STAFF = "The partners database is for UN-Habitat staff."


def make_partner(
    actor, name, *, category="civil-society", office="youth", country="KE", channel="event", **extra
):
    names = extra.pop("names", ())
    tags = extra.pop("tags", ())
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code=category),
        "owning_office": Office.objects.get(code=office),
        "country": Country.objects.get(pk=country) if country else None,
        "identified_channel": channel,
        **extra,
    }
    return services.partner_create(actor=actor, data=data, alternative_names=names, tags=tags)


def db_state():
    return {
        "partners": list(Partner.objects.order_by("pk").values()),
        "names": list(PartnerName.objects.order_by("pk").values()),
        "other_categories": list(Partner.other_categories.through.objects.order_by("pk").values()),
        "tags": list(Partner.tags.through.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "roles": list(ContactRole.objects.order_by("pk").values()),
        "relationships": list(Relationship.objects.order_by("pk").values()),
        "memberships": list(PartnerMembership.objects.order_by("pk").values()),
        "not_duplicates": list(NotDuplicate.objects.order_by("pk").values()),
        "categories": list(StakeholderCategory.objects.order_by("pk").values()),
        "focal_offices": list(StakeholderCategory.focal_offices.through.objects.order_by("pk").values()),
        "history": RecordHistory.objects.count(),
        "audit": AuditLog.objects.count(),
    }


def names_on(response):
    return [p.name for p in response.context["page"]]


def form_data(partner=None, **overrides):
    """What the partner form posts, for a new partner or for `partner` as stored."""
    if partner is None:
        data = {
            "kind": "organisation",
            "name": "",
            "acronym": "",
            "legal_status": "",
            "registration_number": "",
            "registration_country": "",
            "website": "",
            "email": "",
            "phone": "",
            "address": "",
            "country": "KE",
            "preferred_language": "en",
            "parent": "",
            "description": "",
            "expertise": "",
            "primary_category": StakeholderCategory.objects.get(code="civil-society").pk,
            "identified_channel": "event",
            "identified_on": timezone.localdate().isoformat(),
            "identification_detail": "",
            "ecosoc_status": "",
            "ecosoc_year": "",
            "owning_office": Office.objects.get(code="youth").pk,
            "relationship_manager": "",
            "alternative_names": "",
            "version": "",
        }
    else:
        data = {
            "kind": partner.kind,
            "name": partner.name,
            "acronym": partner.acronym,
            "legal_status": "",
            "registration_number": partner.registration_number,
            "registration_country": "",
            "website": partner.website,
            "email": partner.email,
            "phone": partner.phone,
            "address": "",
            "country": partner.country_id or "",
            "preferred_language": partner.preferred_language,
            "parent": "",
            "description": "",
            "expertise": "",
            "primary_category": partner.primary_category_id,
            "identified_channel": partner.identified_channel,
            "identified_on": partner.identified_on.isoformat(),
            "identification_detail": "",
            "ecosoc_status": "",
            "ecosoc_year": "",
            "owning_office": partner.owning_office_id,
            "relationship_manager": "",
            "alternative_names": "",
            "version": partner.version,
        }
    data.update(overrides)
    return data


@pytest.fixture
def registrar(make_user):
    return make_user("staff", "plgu", email="registrar@example.org", office_code="plgu")


# --- Searching ------------------------------------------------------------------------------------


@pytest.fixture
def directory(registrar):
    usp = make_partner(
        registrar,
        "Universidade de São Paulo",
        acronym="USP",
        category="academia",
        office="cdtu",
        country="BR",
        names=[("University of São Paulo", "en", "alternative")],
    )
    friends = make_partner(registrar, "Friends of UN-Habitat", country="US")
    uclg = make_partner(
        registrar,
        "United Cities and Local Governments",
        acronym="UCLG",
        category="local-regional-governments",
        office="plgu",
        country="ES",
        names=[
            ("Ciudades y Gobiernos Locales Unidos", "es", "alternative"),
            ("Объединённые города", "ru", "alternative"),
        ],
    )
    uon = make_partner(registrar, "University of Nairobi", acronym="UoN", category="academia", office="cdtu")
    services.contact_create(
        actor=registrar,
        data={"given_name": "Wanjiku", "family_name": "Kamau"},
        partner=uon,
        title="Head of Department",
    )
    return SimpleNamespace(usp=usp, friends=friends, uclg=uclg, uon=uon)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Sao Paulo", ["Universidade de São Paulo"]),
        ("são PAULO", ["Universidade de São Paulo"]),
        ("UNHABITAT", ["Friends of UN-Habitat"]),
        ("un habitat", ["Friends of UN-Habitat"]),
        ("un-habitat", ["Friends of UN-Habitat"]),
        ("ciudades unidos", ["United Cities and Local Governments"]),
        ("Объединённые", ["United Cities and Local Governments"]),
        ("obedinennye goroda", ["United Cities and Local Governments"]),
        ("uclg", ["United Cities and Local Governments"]),
        ("kamau", ["University of Nairobi"]),
        ("WANJIKU", ["University of Nairobi"]),
        ("university", ["Universidade de São Paulo", "University of Nairobi"]),
        ("nobody matches this", []),
    ],
)
def test_search_ignores_case_accents_punctuation_and_script(
    query, expected, directory, staff_member, client_for
):
    response = client_for(staff_member).get(reverse("registry:partner_list"), {"q": query})

    assert response.status_code == 200
    assert names_on(response) == expected


def test_facets_count_each_value_with_the_other_filters_applied(
    directory, registrar, staff_member, client_for
):
    services.partner_change_status(actor=registrar, partner=directory.uon, status="active")
    academia = StakeholderCategory.objects.get(code="academia")

    response = client_for(staff_member).get(
        reverse("registry:partner_list"), {"category": academia.pk, "status": "active"}
    )

    assert names_on(response) == ["University of Nairobi"]
    facets = response.context["facets"]
    assert [(v, n) for v, _label, n in facets["status"]] == [
        ("prospect", 1),
        ("under_due_diligence", 0),
        ("active", 1),
        ("inactive", 0),
        ("archived", 0),
    ]
    counts = {
        code: n
        for code, (_pk, _label, n) in zip(
            StakeholderCategory.objects.order_by("number").values_list("code", flat=True),
            facets["category"],
            strict=True,
        )
    }
    assert {code: n for code, n in counts.items() if n} == {"academia": 1}
    assert [(code, name, n) for code, name, n in facets["region"] if n] == [("002", "Africa", 1)]
    assert "Active (1)" in response.content.decode().replace(
        '<span class="text-body-secondary">', ""
    ).replace("</span>", "")


def test_the_list_sorts_by_the_chosen_column(directory, staff_member, client_for):
    client = client_for(staff_member)

    by_name_desc = client.get(reverse("registry:partner_list"), {"sort": "-name"})
    by_country = client.get(reverse("registry:partner_list"), {"sort": "country"})

    assert names_on(by_name_desc) == [
        "University of Nairobi",
        "Universidade de São Paulo",
        "United Cities and Local Governments",
        "Friends of UN-Habitat",
    ]
    assert names_on(by_country) == [  # Brazil, Kenya, Spain, United States of America
        "Universidade de São Paulo",
        "University of Nairobi",
        "United Cities and Local Governments",
        "Friends of UN-Habitat",
    ]


def test_the_list_is_paginated_and_pages_keep_every_filter(
    directory, registrar, staff_member, client_for, monkeypatch
):
    monkeypatch.setattr(views, "PAGE_SIZE", 2)
    services.partner_change_status(actor=registrar, partner=directory.uon, status="active")
    client = client_for(staff_member)

    first = client.get(reverse("registry:partner_list"), {"status": ["prospect", "active"], "sort": "name"})
    second = client.get(
        reverse("registry:partner_list"), {"status": ["prospect", "active"], "sort": "name", "page": 2}
    )

    assert names_on(first) == ["Friends of UN-Habitat", "United Cities and Local Governments"]
    assert names_on(second) == ["Universidade de São Paulo", "University of Nairobi"]
    assert first.context["page"].paginator.count == 4
    html = first.content.decode()
    assert "Page 1 of 2" in html
    assert 'href="?status=prospect&amp;status=active&amp;sort=name&amp;page=2"' in html


def test_htmx_requests_get_only_the_results(directory, staff_member, client_for):
    response = client_for(staff_member).get(
        reverse("registry:partner_list"), {"q": "nairobi"}, headers={"HX-Request": "true"}
    )

    html = response.content.decode()
    assert "<html" not in html
    assert 'id="result-count"' in html
    assert "University of Nairobi" in html
    assert "Friends of UN-Habitat" not in html


def test_archived_partners_leave_the_list_unless_asked_for(directory, registrar, staff_member, client_for):
    services.partner_change_status(actor=registrar, partner=directory.friends, status="archived")
    client = client_for(staff_member)

    assert "Friends of UN-Habitat" not in names_on(client.get(reverse("registry:partner_list")))
    assert names_on(client.get(reverse("registry:partner_list"), {"status": "archived"})) == [
        "Friends of UN-Habitat"
    ]


# --- Export ---------------------------------------------------------------------------------------

HEADER = [
    "Number",
    "Name",
    "Acronym",
    "Kind",
    "Stakeholder category",
    "Country",
    "Region",
    "Status",
    "Owning office",
    "Identified through",
    "Identified on",
    "Website",
    "E-mail",
    "Phone",
    "ECOSOC status",
    "Created",
]


@pytest.fixture
def hostile(registrar):
    """Partners whose values a spreadsheet would run as formulas."""
    first = make_partner(
        registrar,
        '=HYPERLINK("http://evil.example","Click")',
        acronym="+SUM(A1)",
        website="https://first.example",
    )
    second = make_partner(registrar, "-2+3 Cooperative", acronym="@A1", country="NA")
    make_partner(registrar, "Harmless Harbour Trust")
    return first, second


def _row(partner, name, acronym, country, region):
    partner = Partner.objects.get(pk=partner.pk)
    return [
        str(partner.pk),
        name,
        acronym,
        "Organisation",
        "Civil society and community-based organizations, including faith-based organizations",
        country,
        region,
        "Prospect",
        "Youth Unit",
        "Workshop, networking event or other meeting",
        partner.identified_on.isoformat(),
        partner.website,
        "",
        "",
        "",
        partner.created_at.date().isoformat(),
    ]


def test_csv_export_holds_the_current_result_with_formulas_neutralised(hostile, staff_member, client_for):
    first, second = hostile

    response = client_for(staff_member).get(
        reverse("registry:partner_export", args=["csv"]),
        {"q": "", "sort": "created", "status": "prospect", "country": ""},
    )
    filtered = client_for(staff_member).get(
        reverse("registry:partner_export", args=["csv"]), {"country": "NA"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="partners-')
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert rows[0] == HEADER
    assert rows[1:] == [
        _row(first, '\'=HYPERLINK("http://evil.example","Click")', "'+SUM(A1)", "Kenya", "Africa"),
        _row(second, "'-2+3 Cooperative", "'@A1", "Namibia", "Africa"),
        _row(
            Partner.objects.get(name="Harmless Harbour Trust"),
            "Harmless Harbour Trust",
            "",
            "Kenya",
            "Africa",
        ),
    ]
    filtered_rows = list(
        csv.reader(io.StringIO(b"".join(filtered.streaming_content).decode().removeprefix("\ufeff")))
    )
    assert [r[1] for r in filtered_rows[1:]] == ["'-2+3 Cooperative"]


@pytest.mark.usefixtures("hostile")
def test_xlsx_export_stores_formula_like_values_as_text(staff_member, client_for):
    response = client_for(staff_member).get(
        reverse("registry:partner_export", args=["xlsx"]), {"sort": "-created"}
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == HEADER
    assert [row[1:3] for row in values[1:]] == [
        ["Harmless Harbour Trust", None],
        ["'-2+3 Cooperative", "'@A1"],
        ['\'=HYPERLINK("http://evil.example","Click")', "'+SUM(A1)"],
    ]
    assert all(cell.data_type == "s" for row in sheet.iter_rows(min_row=2) for cell in row[1:3] if cell.value)


def test_an_unknown_export_format_is_not_found(staff_member, client_for):
    assert client_for(staff_member).get(reverse("registry:partner_export", args=["pdf"])).status_code == 404


# --- Adding and editing ---------------------------------------------------------------------------


@pytest.fixture
def uclg(registrar):
    return make_partner(
        registrar,
        "United Cities and Local Governments",
        acronym="UCLG",
        website="https://uclg.org",
        category="local-regional-governments",
        office="plgu",
        country="ES",
    )


def test_a_likely_duplicate_is_shown_before_anything_is_saved(uclg, staff_member, client_for):
    before = db_state()

    response = client_for(staff_member).post(
        reverse("registry:partner_create"),
        form_data(name="United Cities & Local Governments", acronym="UCLG", website="http://www.uclg.org/en"),
    )

    assert response.status_code == 200
    assert [c.partner.pk for c in response.context["candidates"]] == [uclg.pk]
    html = response.content.decode()
    assert "This may already be in the database. Check the possible duplicates below." in html
    assert 'id="duplicate-candidates"' in html
    assert ", ".join(response.context["candidates"][0].reasons) in html
    assert db_state() == before


def test_confirming_a_different_organisation_saves_it_and_remembers_the_decision(
    uclg, staff_member, client_for
):
    response = client_for(staff_member).post(
        reverse("registry:partner_create"),
        form_data(
            name="United Cities & Local Governments",
            acronym="UCLG",
            confirm_not_duplicate="on",
            alternative_names="Cités et Gouvernements Locaux Unis | fr\nformer: UCLG Africa",
        ),
    )

    created = Partner.objects.get(name="United Cities & Local Governments")
    assert response.status_code == 302
    assert response["Location"] == reverse("registry:partner_detail", args=[created.pk])
    assert sorted(created.names.values_list("name", "language", "kind")) == [
        ("Cités et Gouvernements Locaux Unis", "fr", "alternative"),
        ("UCLG Africa", "", "former"),
    ]
    decision = NotDuplicate.objects.get()
    assert (decision.partner_a_id, decision.partner_b_id, decision.decided_by_id, decision.reason) == (
        uclg.pk,
        created.pk,
        staff_member.pk,
        "confirmed on create",
    )
    assert candidates_for(name=created.name, acronym="UCLG", exclude_ids=[created.pk]) == []


def test_a_new_partner_without_duplicates_is_saved_at_once(staff_member, client_for):
    response = client_for(staff_member).post(
        reverse("registry:partner_create"),
        form_data(name="Kibera Grassroots Federation", phone="0722 000 000"),
    )

    created = Partner.objects.get(name="Kibera Grassroots Federation")
    assert response.status_code == 302
    assert (created.status, created.phone, created.identified_by_id) == (
        "prospect",
        "+254722000000",
        staff_member.pk,
    )


def test_a_new_partner_with_an_invalid_phone_keeps_what_was_typed(staff_member, client_for):
    before = db_state()

    response = client_for(staff_member).post(
        reverse("registry:partner_create"), form_data(name="Kibera Grassroots Federation", phone="12")
    )

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "phone": ["Enter a valid phone number with its country code, e.g. +254 20 762 3120."]
    }
    assert 'value="Kibera Grassroots Federation"' in response.content.decode()
    assert db_state() == before


def test_editing_with_a_stale_version_shows_the_conflict_and_changes_nothing(
    uclg, plgu_officer, registrar, client_for
):
    client = client_for(plgu_officer)
    opened = client.get(reverse("registry:partner_edit", args=[uclg.pk]))
    stale = opened.context["form"]["version"].value()
    services.partner_update(actor=registrar, partner=uclg, data={"acronym": "CGLU"}, expected_version=stale)
    before = db_state()

    response = client.post(
        reverse("registry:partner_edit", args=[uclg.pk]),
        form_data(Partner.objects.get(pk=uclg.pk), acronym="UCLG-W", version=stale),
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [CONFLICT]
    assert CONFLICT in response.content.decode()
    assert db_state() == before
    assert Partner.objects.get(pk=uclg.pk).acronym == "CGLU"


def test_editing_with_the_current_version_saves_fields_and_names(uclg, plgu_officer, client_for):
    stored = Partner.objects.get(pk=uclg.pk)

    response = client_for(plgu_officer).post(
        reverse("registry:partner_edit", args=[uclg.pk]),
        form_data(stored, acronym="CGLU", alternative_names="Cités et Gouvernements Locaux Unis | fr"),
    )

    assert response.status_code == 302
    after = Partner.objects.get(pk=uclg.pk)
    assert (after.acronym, after.version) == ("CGLU", stored.version + 1)
    assert list(after.names.values_list("name", "language")) == [("Cités et Gouvernements Locaux Unis", "fr")]


def test_status_can_be_changed_from_the_detail_page(uclg, plgu_officer, client_for):
    client = client_for(plgu_officer)

    detail = client.get(reverse("registry:partner_detail", args=[uclg.pk]))
    response = client.post(
        reverse("registry:partner_status", args=[uclg.pk]), {"status": "active", "reason": "MoU signed"}
    )

    assert [s for s, _label in detail.context["status_targets"]] == [
        "active",
        "archived",
        "under_due_diligence",
    ]
    assert response.status_code == 302
    assert Partner.objects.get(pk=uclg.pk).status == "active"


def test_an_illegal_status_change_is_explained_and_changes_nothing(uclg, plgu_officer, client_for):
    client = client_for(plgu_officer)
    before = db_state()

    response = client.post(
        reverse("registry:partner_status", args=[uclg.pk]), {"status": "inactive"}, follow=True
    )

    assert db_state() == before
    assert "Cannot move from “Prospect” to “Inactive”" in response.content.decode()


# --- New partners this year -----------------------------------------------------------------------


def test_new_partners_are_counted_per_owning_office(registrar, staff_member, client_for):
    for name, office in [("A1", "youth"), ("A2", "youth"), ("B1", "pfes"), ("C1", "plgu")]:
        make_partner(registrar, f"{name} Cooperative", office=office)
    old = make_partner(registrar, "Old Cooperative", office="pfes")
    last_year = timezone.now().year - 1
    Partner.objects.filter(pk=old.pk).update(created_at=dt.datetime(last_year, 5, 1, tzinfo=dt.UTC))
    client = client_for(staff_member)

    this = client.get(reverse("registry:new_partners"))
    previous = client.get(reverse("registry:new_partners"), {"year": last_year})
    nonsense = client.get(reverse("registry:new_partners"), {"year": "soon"})

    youth, pfes, plgu = (Office.objects.get(code=c) for c in ("youth", "pfes", "plgu"))
    assert this.context["rows"] == [
        {
            "owning_office": youth.pk,
            "owning_office__name": "Youth Unit",
            "owning_office__acronym": "YU",
            "total": 2,
        },
        {
            "owning_office": plgu.pk,
            "owning_office__name": "Partnerships and Local Governments Unit",
            "owning_office__acronym": "PLGU",
            "total": 1,
        },
        {
            "owning_office": pfes.pk,
            "owning_office__name": "Planning, Finance and Economy Section",
            "owning_office__acronym": "PFES",
            "total": 1,
        },
    ]
    assert this.context["total"] == 4
    assert "4 new partners" in this.content.decode()
    assert [(r["owning_office__acronym"], r["total"]) for r in previous.context["rows"]] == [("PFES", 1)]
    assert nonsense.context["year"] == timezone.localdate().year


# --- Categories -----------------------------------------------------------------------------------


def test_the_category_list_shows_the_sops_focal_offices(staff_member, client_for):
    response = client_for(staff_member).get(reverse("registry:category_list"))

    assert [c.number for c in response.context["categories"]] == list(range(1, 20))
    html = response.content.decode()
    assert "Human Rights and Social Inclusion Section; Land, Housing and Shelter Section" in html
    assert response.context["can_manage"] is False
    assert "/edit/" not in html


@pytest.mark.parametrize("persona", EDITORS, indirect=True)
def test_plgu_changes_a_categorys_focal_offices(persona, client_for):
    category = StakeholderCategory.objects.get(code="media")
    offices = [Office.objects.get(code="cms").pk, Office.objects.get(code="oed").pk]

    response = client_for(persona).post(
        reverse("registry:category_edit", args=[category.pk]),
        {
            "name": "Media and communications",
            "focal_offices": offices,
            "focal_note": "",
            "is_active": "on",
            "version": category.version,
        },
    )

    assert response.status_code == 302
    stored = StakeholderCategory.objects.get(pk=category.pk)
    assert stored.name == "Media and communications"
    assert sorted(stored.focal_offices.values_list("code", flat=True)) == ["cms", "oed"]
    entry = AuditLog.objects.get(action="registry.category.update")
    assert entry.before["focal_offices"] == ["cms"]
    assert entry.after["focal_offices"] == ["cms", "oed"]


def test_a_stale_category_edit_changes_nothing(plgu_officer, registrar, client_for):
    category = StakeholderCategory.objects.get(code="media")
    stale = category.version
    services.category_update(
        actor=registrar,
        category=category,
        data={"focal_note": "Also OED"},
        focal_offices=list(category.focal_offices.all()),
        expected_version=stale,
    )
    before = db_state()

    response = client_for(plgu_officer).post(
        reverse("registry:category_edit", args=[category.pk]),
        {
            "name": "Media",
            "focal_offices": [Office.objects.get(code="oed").pk],
            "focal_note": "",
            "is_active": "on",
            "version": stale,
        },
    )

    assert response.status_code == 200
    assert response.context["form"].non_field_errors() == [CONFLICT]
    assert db_state() == before


# --- Who may open which page ----------------------------------------------------------------------


@pytest.fixture
def world(registrar, partner_user):
    partner = make_partner(registrar, "Acme Housing Trust", acronym="AHT")
    peer = make_partner(
        registrar, "Beta Urban Planners Network", category="professional", office="pfes", country="FR"
    )
    home = make_partner(registrar, "Kibera Grassroots Federation", category="grassroots", office="lhss")
    services.partner_user_link(actor=registrar, user=partner_user, partner=home)
    contact = services.contact_create(
        actor=registrar,
        data={"given_name": "Amina", "family_name": "Otieno"},
        partner=partner,
        title="Director",
    )
    relationship = services.relationship_create(
        actor=registrar, source=partner, kind="member_of", target=peer
    )
    return SimpleNamespace(
        partner=partner,
        peer=peer,
        home=home,
        contact=contact,
        relationship=relationship,
        role=ContactRole.objects.get(contact=contact),
    )


# name → (method, url, data, who may, status when allowed, partner user's status)
PAGES = {
    "partner_list": ("get", lambda w: reverse("registry:partner_list"), None, "staff", 200, 403),
    "partner_export csv": (
        "get",
        lambda w: reverse("registry:partner_export", args=["csv"]),
        None,
        "staff",
        200,
        403,
    ),
    "partner_export xlsx": (
        "get",
        lambda w: reverse("registry:partner_export", args=["xlsx"]),
        None,
        "staff",
        200,
        403,
    ),
    "partner_create": ("get", lambda w: reverse("registry:partner_create"), None, "staff", 200, 403),
    "partner_create post": (
        "post",
        lambda w: reverse("registry:partner_create"),
        lambda w: form_data(name="Zeta Housing Collective"),
        "staff",
        302,
        403,
    ),
    "new_partners": ("get", lambda w: reverse("registry:new_partners"), None, "staff", 200, 403),
    "category_list": ("get", lambda w: reverse("registry:category_list"), None, "staff", 200, 403),
    "category_edit": (
        "get",
        lambda w: reverse("registry:category_edit", args=[StakeholderCategory.objects.get(number=1).pk]),
        None,
        "editors",
        200,
        403,
    ),
    "category_edit post": (
        "post",
        lambda w: reverse("registry:category_edit", args=[StakeholderCategory.objects.get(code="media").pk]),
        lambda w: {
            "name": "Media",
            "focal_offices": [Office.objects.get(code="oed").pk],
            "focal_note": "",
            "is_active": "on",
            "version": StakeholderCategory.objects.get(code="media").version,
        },
        "editors",
        302,
        403,
    ),
    "partner_detail": (
        "get",
        lambda w: reverse("registry:partner_detail", args=[w.partner.pk]),
        None,
        "staff",
        200,
        404,
    ),
    "partner_edit": (
        "get",
        lambda w: reverse("registry:partner_edit", args=[w.partner.pk]),
        None,
        "editors",
        200,
        404,
    ),
    "partner_edit post": (
        "post",
        lambda w: reverse("registry:partner_edit", args=[w.partner.pk]),
        lambda w: form_data(Partner.objects.get(pk=w.partner.pk), acronym="ACME"),
        "editors",
        302,
        404,
    ),
    "partner_status": (
        "post",
        lambda w: reverse("registry:partner_status", args=[w.partner.pk]),
        lambda w: {"status": "active"},
        "editors",
        302,
        404,
    ),
    "contact_create": (
        "get",
        lambda w: reverse("registry:contact_create", args=[w.partner.pk]),
        None,
        "editors",
        200,
        404,
    ),
    "contact_create post": (
        "post",
        lambda w: reverse("registry:contact_create", args=[w.partner.pk]),
        lambda w: {"family_name": "Kamau", "preferred_language": "en", "role-title": "Adviser"},
        "editors",
        302,
        404,
    ),
    "relationship_create": (
        "get",
        lambda w: reverse("registry:relationship_create", args=[w.partner.pk]),
        None,
        "editors",
        200,
        404,
    ),
    "relationship_create post": (
        "post",
        lambda w: reverse("registry:relationship_create", args=[w.partner.pk]),
        lambda w: {"kind": "funds", "target": w.home.pk},
        "editors",
        302,
        404,
    ),
    "relationship_delete": (
        "post",
        lambda w: reverse("registry:relationship_delete", args=[w.relationship.pk]),
        lambda w: {},
        "editors",
        302,
        403,
    ),
    "contact_detail": (
        "get",
        lambda w: reverse("registry:contact_detail", args=[w.contact.pk]),
        None,
        "staff",
        200,
        404,
    ),
    "contact_edit": (
        "get",
        lambda w: reverse("registry:contact_edit", args=[w.contact.pk]),
        None,
        "staff",
        200,
        404,
    ),
    "contact_edit post": (
        "post",
        lambda w: reverse("registry:contact_edit", args=[w.contact.pk]),
        lambda w: {
            "given_name": "Amina",
            "family_name": "Otieno",
            "preferred_language": "en",
            "notes": "Met",
            "version": Contact.objects.get(pk=w.contact.pk).version,
        },
        "staff",
        302,
        404,
    ),
    "contact_export": (
        "get",
        lambda w: reverse("registry:contact_export", args=[w.contact.pk]),
        None,
        "editors",
        200,
        404,
    ),
    "contact_erase": (
        "post",
        lambda w: reverse("registry:contact_erase", args=[w.contact.pk]),
        lambda w: {"reason": "asked"},
        "editors",
        302,
        404,
    ),
    "contact_role_end": (
        "post",
        lambda w: reverse("registry:contact_role_end", args=[w.role.pk]),
        lambda w: {},
        "editors",
        302,
        403,
    ),
}
ALLOWED = {"staff": set(STAFF), "editors": set(EDITORS)}


def test_the_matrix_covers_every_registry_page_but_dedupe_and_import():
    from partnerhub.registry.urls import urlpatterns

    own = {p.name for p in urlpatterns if getattr(p, "name", None)}
    assert own == {name.split(" ")[0] for name in PAGES}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_each_persona_may_open_or_is_refused_each_page(page, persona, world, client_for, request):
    method, url, data, who, ok, partner_user_status = PAGES[page]
    client = client_for(persona)
    before = db_state()

    response = getattr(client, method)(url(world), data(world) if data else None)

    name = request.node.callspec.params["persona"]
    if name in ALLOWED[who]:
        assert response.status_code == ok, response.content[:2000]
        return
    expected = partner_user_status if name == "partner_user" else 403
    assert response.status_code == expected
    assert db_state() == before
    if expected == 403:
        html = response.content.decode()
        assert "You are not allowed to see this page" in html
        assert "Your role does not give access to this page" not in html  # the reason is given in words


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    before = db_state()

    for page, (method, url, data, *_rest) in PAGES.items():
        response = getattr(client, method)(url(world), data(world) if data else None)
        assert response.status_code == 302, page
        assert response["Location"].startswith(reverse("accounts:login")), page

    assert db_state() == before


def test_a_partner_user_sees_their_own_organisation_without_the_staff_timeline(
    world, partner_user, client_for
):
    response = client_for(partner_user).get(reverse("registry:partner_detail", args=[world.home.pk]))

    assert response.status_code == 200
    assert response.context["staff_view"] is False
    assert response.context["timeline"] == []
    assert response.context["can_edit"] is False
    assert response.context["status_targets"] == []
    html = response.content.decode()
    assert "Kibera Grassroots Federation" in html
    assert reverse("registry:partner_list") not in html.split("<main")[-1]


# --- Query counts ---------------------------------------------------------------------------------


def _fill(registrar, start, count):
    categories = list(StakeholderCategory.objects.order_by("number"))
    offices = list(Office.objects.order_by("code"))
    countries = list(Country.objects.order_by("iso2")[:30])
    for i in range(start, start + count):
        make_partner(
            registrar,
            f"Organisation number {i}",
            category=categories[i % 19].code,
            office=offices[i % len(offices)].code,
            country=countries[i % 30].iso2,
        )


def test_the_list_page_query_count_does_not_grow_with_the_data(
    registrar, staff_member, client_for, django_assert_max_num_queries
):
    client = client_for(staff_member)
    _fill(registrar, 0, 5)
    client.get(reverse("registry:partner_list"))
    cache.clear()  # measure the worst case: facet counts computed, not taken from the cache
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("registry:partner_list"))
    _fill(registrar, 5, 55)

    cache.clear()
    with django_assert_max_num_queries(len(few)):
        response = client.get(reverse("registry:partner_list"))

    assert response.context["page"].paginator.count == 60
    assert len(response.context["page"]) == 50


def _enrich(registrar, partner, count, offset):
    peer_names = [f"Peer {offset + i} Network" for i in range(count)]
    tags = list(Tag.objects.order_by("pk")[offset : offset + count])
    for i, name in enumerate(peer_names):
        peer = make_partner(registrar, name, office="pfes", country="FR")
        services.relationship_create(actor=registrar, source=partner, kind="member_of", target=peer)
        services.relationship_create(actor=registrar, source=peer, kind="funds", target=partner)
        branch = make_partner(registrar, f"Branch {offset + i}", parent=partner)
        assert branch.parent_id == partner.pk
        services.contact_create(
            actor=registrar,
            data={
                "given_name": f"Person{offset + i}",
                "family_name": "Doe",
                "emails": [f"p{offset + i}@example.org"],
            },
            partner=partner,
            title="Officer",
            is_key_person=bool(i % 2),
        )
    current = Partner.objects.get(pk=partner.pk)
    services.partner_update(
        actor=registrar,
        partner=current,
        data={"acronym": f"A{offset}"},
        expected_version=current.version,
        tags=[*current.tags.all(), *tags],
        other_categories=list(StakeholderCategory.objects.order_by("number")[offset : offset + count]),
    )
    services.partner_set_names(
        actor=registrar,
        partner=current,
        names=[
            *current.names.values_list("name", "language", "kind"),
            *[(f"Alias {offset + i}", "fr", "alternative") for i in range(count)],
        ],
    )


def test_the_detail_page_query_count_does_not_grow_with_the_data(
    registrar, staff_member, client_for, django_assert_max_num_queries
):
    partner = make_partner(registrar, "Acme Housing Trust", acronym="AHT")
    client = client_for(staff_member)
    url = reverse("registry:partner_detail", args=[partner.pk])
    _enrich(registrar, partner, 1, 0)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    _enrich(registrar, partner, 8, 1)

    with django_assert_max_num_queries(len(few)):
        response = client.get(url)

    assert len(response.context["roles"]) == 9
    assert len(response.context["relationships_out"]) == 9
    assert len(response.context["relationships_in"]) == 9
    assert len(response.context["branches"]) == 9
    assert len(response.context["names"]) == 9
    assert len(response.context["tags"]) == 9
