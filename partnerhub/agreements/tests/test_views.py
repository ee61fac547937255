"""The agreement pages: list and export, advisor, new draft, detail per persona, buttons and refusals."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from partnerhub.agreements import services
from partnerhub.agreements.models import Agreement
from partnerhub.agreements.tests.factories import approve_all, fresh, make_agreement, snapshot, today
from partnerhub.registry import services as registry

pytestmark = pytest.mark.django_db


def test_list_shows_filters_and_rows(client_for, staff_member, partner, draft):
    make_agreement(staff_member, [partner], title="Housing pilot in Kisumu", office="plgu")
    client = client_for(staff_member)

    page = client.get("/agreements/", {"office": "ro-lac"})

    assert page.status_code == 200
    body = page.content.decode()
    assert draft.reference in body
    assert "Housing pilot in Kisumu" not in body
    assert "1 agreement" in body


def test_list_is_for_staff_only(client_for, partner_user):
    assert client_for(partner_user).get("/agreements/").status_code == 403


def test_export_neutralises_formulas(client_for, staff_member, partner):
    make_agreement(staff_member, [partner], title='=HYPERLINK("http://evil")')

    csv_body = b"".join(client_for(staff_member).get("/agreements/export.csv").streaming_content).decode()
    xlsx = client_for(staff_member).get("/agreements/export.xlsx")

    assert "'=HYPERLINK" in csv_body
    assert xlsx.status_code == 200
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_advisor_page_explains_and_links_to_a_prefilled_draft(client_for, staff_member):
    page = client_for(staff_member).get(
        "/agreements/advisor/",
        {"category": "civil-society", "purpose": "project", "funds_flow": "to_partner", "amount": "1000"},
    )

    body = page.content.decode()
    assert "Agreement of Cooperation (AOC)" in body
    assert "Implementing partner with funds" in body
    assert "/agreements/new/?instrument=AOC&amp;category=civil-society" in body


def test_new_draft_records_the_advice(client_for, staff_member, partner):
    response = client_for(staff_member).post(
        "/agreements/new/",
        {
            "instrument": "MOU",
            "purpose": "framework",
            "parties": str(partner.pk),
            "owning_office": "ro-lac",
            "title": "Planning",
            "start_date": today().isoformat(),
            "end_date": (today() + dt.timedelta(days=90)).isoformat(),
            "advice_category": "local-regional-governments",
            "advice_purpose": "framework",
            "advice_funds_flow": "none",
        },
    )

    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/agreements/{agreement.pk}/"
    assert agreement.advice["instrument"] == "MOU"
    assert agreement.advice_rule_set_version == 1


def test_new_draft_keeps_what_was_typed_on_error(client_for, staff_member):
    response = client_for(staff_member).post(
        "/agreements/new/",
        {"instrument": "MOU", "purpose": "framework", "parties": "999999", "title": "Kept title"},
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "No partner has the number 999999." in body
    assert "Kept title" in body
    assert Agreement.objects.count() == 0


def test_detail_for_the_owner_offers_submit_and_edit(client_for, staff_member, draft):
    body = client_for(staff_member).get(f"/agreements/{draft.pk}/").content.decode()

    assert "Submit for clearance" in body
    assert "Edit draft" in body
    assert "Not submitted for clearance yet." in body


def test_detail_for_a_linked_partner_user_is_read_only(client, partner_user, plgu_officer, partner, draft):
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=partner)
    client.force_login(partner_user, backend="partnerhub.accounts.backends.EmailBackend")

    page = client.get(f"/agreements/{draft.pk}/")

    body = page.content.decode()
    assert page.status_code == 200
    assert draft.reference in body
    assert "What you can do" not in body
    assert "Clearance chain" not in body
    assert client.get(f"/agreements/{draft.pk + 1000}/").status_code == 404


def test_a_refused_button_shows_its_reason_and_changes_nothing(client_for, staff_member):
    from partnerhub.agreements.tests.factories import make_partner

    ngo = make_partner(staff_member, "Slum Dwellers Trust", category="civil-society")
    agreement = make_agreement(staff_member, [ngo])
    before = snapshot(agreement)

    response = client_for(staff_member).post(f"/agreements/{agreement.pk}/act/submit/", follow=True)

    assert "Slum Dwellers Trust has no valid due-diligence approval" in response.content.decode()
    assert snapshot(agreement) == before


def test_clearance_panel_shows_who_holds_the_ball(client_for, staff_member, plgu_officer, draft):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)

    body = client_for(staff_member).get(f"/agreements/{draft.pk}/").content.decode()

    assert "Waiting for: Partnerships and Local Government Unit — plgu.officer" in body


def test_approver_decides_from_the_page(client_for, staff_member, plgu_officer, draft):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    step = fresh(draft).current_version.clearance_steps.get(order=1)
    client = client_for(plgu_officer)

    page = client.get(f"/agreements/{draft.pk}/").content.decode()
    response = client.post(
        f"/agreements/{draft.pk}/act/return/", {"step": step.pk, "comments": "Fix the dates."}, follow=True
    )

    assert "Return with comments" in page
    assert "Returned to the drafters with your comments." in response.content.decode()
    assert fresh(draft).status == "draft"


def test_documents_are_served_only_to_those_who_see_the_agreement(
    client, client_for, staff_member, partner_user, plgu_officer, partner, draft
):
    def add(kind):
        upload = SimpleUploadedFile(f"{kind}.pdf", b"%PDF-1.4\n", content_type="application/pdf")
        return services.document_add(actor=staff_member, agreement=draft, kind=kind, upload=upload)

    internal, signed = add("draft"), add("signed")

    ok = client_for(staff_member).get(f"/agreements/{draft.pk}/documents/{internal.pk}/")
    assert ok.status_code == 200
    assert ok["Content-Type"] == "application/pdf"
    client.force_login(partner_user, backend="partnerhub.accounts.backends.EmailBackend")
    assert client.get(f"/agreements/{draft.pk}/documents/{signed.pk}/").status_code == 404  # not linked yet
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=partner)
    assert client.get(f"/agreements/{draft.pk}/documents/{signed.pk}/").status_code == 200
    assert (
        client.get(f"/agreements/{draft.pk}/documents/{internal.pk}/").status_code == 404
    )  # drafts are internal


def test_upload_refuses_a_non_pdf(client_for, staff_member, draft):
    response = client_for(staff_member).post(
        f"/agreements/{draft.pk}/documents/",
        {"kind": "draft", "file": SimpleUploadedFile("x.pdf", b"<html>", content_type="application/pdf")},
        follow=True,
    )

    assert "Only PDF files can be attached." in response.content.decode()
    assert draft.documents.count() == 0


def test_partner_page_shows_the_agreements_panel(client_for, staff_member, partner, draft):
    body = client_for(staff_member).get(f"/partners/{partner.pk}/").content.decode()

    assert draft.reference in body
    assert "New agreement with this partner" in body


def test_dashboard_card_counts_what_waits_for_me(client_for, staff_member, plgu_officer, draft):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)

    body = client_for(plgu_officer).get("/").content.decode()

    assert "Agreements waiting for your clearance" in body


def test_signing_from_the_page(client_for, staff_member, approvers, signatory, draft):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    approve_all(draft, approvers)
    client = client_for(staff_member)

    page = client.get(f"/agreements/{draft.pk}/").content.decode()
    client.post(
        f"/agreements/{draft.pk}/act/sign/", {"signatory": signatory.pk, "signed_on": today().isoformat()}
    )

    assert "Ana Director" in page
    assert fresh(draft).status == "signed"


def test_list_page_queries_do_not_grow_with_rows(
    client_for, staff_member, partner, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_for(staff_member)
    make_agreement(staff_member, [partner])
    with CaptureQueriesContext(connection) as few:
        client.get("/agreements/")
    for _ in range(8):
        make_agreement(staff_member, [partner])
    with CaptureQueriesContext(connection) as many:
        client.get("/agreements/")

    assert len(many) == len(few)


# --- The party picker ---------------------------------------------------------------------------------


def _draft_data(**extra):
    return {
        "instrument": "MOU",
        "purpose": "framework",
        "owning_office": "ro-lac",
        "title": "Planning",
        "start_date": today().isoformat(),
        "end_date": (today() + dt.timedelta(days=90)).isoformat(),
        **extra,
    }


def test_party_search_ignores_accents_and_case(client_for, staff_member):
    from partnerhub.agreements.tests.factories import make_partner

    make_partner(staff_member, "City of Medellín", country="CO", acronym="MDE")
    make_partner(staff_member, "City of Nairobi")

    response = client_for(staff_member).get(
        "/agreements/new/parties/search/", {"q": "medellin"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = response.content.decode()
    assert "City of Medellín" in body
    assert "(MDE)" in body
    assert "Colombia" in body
    assert "Nairobi" not in body
    assert "<html" not in body  # a fragment
    assert response.context["matches"][0].name == "City of Medellín"


def test_party_search_returns_at_most_ten_in_bounded_queries(client_for, staff_member):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partnerhub.agreements.tests.factories import make_partner

    client = client_for(staff_member)
    make_partner(staff_member, "Municipality 0")
    with CaptureQueriesContext(connection) as few:
        client.get("/agreements/new/parties/search/", {"q": "Municipality"}, headers={"HX-Request": "true"})
    for n in range(1, 14):
        make_partner(staff_member, f"Municipality {n}")
    with CaptureQueriesContext(connection) as many:
        response = client.get(
            "/agreements/new/parties/search/", {"q": "Municipality"}, headers={"HX-Request": "true"}
        )

    assert len(response.context["matches"]) == 10
    assert response.content.decode().count('name="add"') == 10
    assert len(many) == len(few)
    assert len(many) <= 6


def test_party_search_is_for_staff_only(client_for, staff_member, plgu_officer, partner_user, partner):
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=partner)

    response = client_for(partner_user).get(
        "/agreements/new/parties/search/", {"q": partner.name}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 403
    assert partner.name not in response.content.decode()


def test_party_search_only_finds_partners_the_user_may_see(client_for, staff_member, partner):
    from partnerhub.agreements.tests.factories import make_partner
    from partnerhub.registry.models import Partner

    merged = make_partner(staff_member, "City of Nakuru Old")
    Partner.objects.filter(pk=merged.pk).update(merged_into=partner)

    response = client_for(staff_member).get(
        "/agreements/new/parties/search/", {"q": "Nakuru"}, headers={"HX-Request": "true"}
    )

    assert [p.pk for p in response.context["matches"]] == [partner.pk]


def test_choosing_parties_without_htmx_reloads_the_page(client_for, staff_member, partner):
    from partnerhub.agreements.tests.factories import make_partner

    other = make_partner(staff_member, "City of Kisumu")
    client = client_for(staff_member)

    page = client.get(
        "/agreements/new/", {"instrument": "AOC", "q": "kisumu", "parties": partner.pk, "add": other.pk}
    )
    redirected = client.get("/agreements/new/parties/search/", {"q": "kisumu"})

    body = page.content.decode()
    assert [p.pk for p in page.context["chosen"]] == [partner.pk, other.pk]
    assert f'name="parties" value="{other.pk}" form="draft-form"' in body
    assert 'id="party-search"' in body
    assert 'form="party-search"' in body
    assert page.context["form"]["instrument"].value() == "AOC"
    assert redirected.status_code == 302
    assert redirected["Location"] == "/agreements/new/?q=kisumu"


def test_htmx_add_and_remove_return_the_chips(client_for, staff_member, partner):
    from partnerhub.agreements.tests.factories import make_partner

    other = make_partner(staff_member, "City of Kisumu")
    client = client_for(staff_member)
    hx = {"HX-Request": "true"}

    added = client.get("/agreements/new/parties/", {"parties": partner.pk, "add": other.pk}, headers=hx)
    again = client.get(
        "/agreements/new/parties/", {"parties": [partner.pk, other.pk], "add": other.pk}, headers=hx
    )
    removed = client.get(
        "/agreements/new/parties/", {"parties": [partner.pk, other.pk], "remove": partner.pk}, headers=hx
    )

    assert [p.pk for p in added.context["chosen"]] == [partner.pk, other.pk]
    assert added.content.decode().count('form="draft-form"') == 2
    assert 'hx-swap-oob="true"' in added.content.decode()
    assert [p.pk for p in again.context["chosen"]] == [partner.pk, other.pk]
    assert [p.pk for p in removed.context["chosen"]] == [other.pk]


def test_new_draft_with_several_chosen_parties(client_for, staff_member, partner):
    from partnerhub.agreements.tests.factories import make_partner

    other = make_partner(staff_member, "City of Kisumu")

    response = client_for(staff_member).post(
        "/agreements/new/", _draft_data(parties=[str(other.pk), str(partner.pk)])
    )

    agreement = Agreement.objects.get()
    assert response.status_code == 302
    assert [p.partner_id for p in agreement.parties.order_by("order")] == [other.pk, partner.pk]


@pytest.mark.parametrize(
    ("parties", "message"),
    [
        (["999999"], "No partner has the number 999999."),
        ([], "Add at least one partner as a party."),
        (["abc"], "Choose the parties with the search box."),
    ],
)
def test_new_draft_refuses_unknown_or_missing_parties(client_for, staff_member, partner, parties, message):
    response = client_for(staff_member).post(
        "/agreements/new/", _draft_data(parties=[str(partner.pk), *parties] if parties else [])
    )

    assert response.status_code == 200
    assert message in response.content.decode()
    assert Agreement.objects.count() == 0


def test_new_draft_refuses_a_partner_the_user_may_not_see(client_for, staff_member, partner):
    from partnerhub.agreements.tests.factories import make_partner
    from partnerhub.registry.models import Partner

    merged = make_partner(staff_member, "City of Nakuru Old")
    Partner.objects.filter(pk=merged.pk).update(merged_into=partner)

    response = client_for(staff_member).post("/agreements/new/", _draft_data(parties=[str(merged.pk)]))

    assert response.status_code == 200
    assert f"No partner has the number {merged.pk}." in response.content.decode()
    assert Agreement.objects.count() == 0
