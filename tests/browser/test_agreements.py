"""Agreements in a real browser: a staff member asks the advisor, records the draft it suggests and submits
it; PLGU approves, the Legal Section returns it with comments, it is resubmitted and cleared, signed by a
holder of a delegation of authority and put in force; then an amendment goes through its own clearance and
the page shows what changed between the versions.

Every state is screenshotted to var/screenshots/agreements-*.png and checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Checks, click_to, login, set_language

pytestmark = pytest.mark.browser


def switch_to(page: Any, live_server: Any, user: Any) -> None:
    page.context.clear_cookies()
    login(page, live_server, user)


def test_advisor_draft_clearance_with_a_return_signature_and_amendment(
    page, live_server, make_user, staff_member, plgu_officer, legal_officer
):
    from partnerhub.agreements import services
    from partnerhub.agreements.models import Agreement, InstrumentType
    from partnerhub.agreements.tests.factories import make_partner

    partner = make_partner(staff_member, "City of Medellín", country="CO")
    director = make_user(
        "staff", email="director@example.org", office_code="ro-lac", full_name="Ana Director"
    )
    services.delegation_create(
        actor=legal_officer,
        delegate=director,
        instruments=[InstrumentType.objects.get(code="MOU")],
        max_amount=Decimal("500000"),
        currency="USD",
        valid_from=dt.date(2020, 1, 1),
        valid_to=None,
    )
    check = Checks(page, prefix="agreements")
    main = page.locator("main")

    # The advisor answers, explains and links to a prefilled draft.
    login(page, live_server, staff_member)
    page.goto(f"{live_server.url}/agreements/advisor/")
    page.get_by_label("Partner category").select_option("local-regional-governments")
    page.get_by_label("Purpose").select_option("framework")
    page.get_by_label("Funds flow").select_option("none")
    click_to(page, page.get_by_role("button", name="Ask"))
    expect(page.locator("#advice-instrument")).to_have_text("Memorandum of Understanding (MOU)")
    expect(page.locator("#advice")).to_contain_text("Framework cooperation without funds")
    check("advisor")

    click_to(page, page.get_by_role("link", name="Start a draft with this advice"))
    # The party picker: type part of the name (without its accent), add the match, see it as a chip.
    with page.expect_response(lambda r: "/agreements/new/parties/search/" in r.url):
        page.get_by_label("Find a partner by name or acronym").press_sequentially("medell")
    results = page.locator("#party-results")
    expect(results).to_contain_text("City of Medellín")
    expect(results).to_contain_text("Colombia")
    with page.expect_response(lambda r: "/agreements/new/parties/" in r.url):
        results.get_by_role("button", name=re.compile(r"^Add as party\W+City of Medellín$")).click()
    chosen = page.locator("#party-chosen")
    expect(chosen.get_by_role("button", name=re.compile(r"^Remove\W+City of Medellín$"))).to_be_visible()
    expect(chosen.locator('input[name="parties"]')).to_have_value(str(partner.pk))
    check("party-picker")
    page.get_by_label("Title").fill("Safer public spaces in Medellín")
    today = dt.date.today()
    page.get_by_label("Start date").fill(today.isoformat())
    page.get_by_label("End date").fill((today + dt.timedelta(days=365)).isoformat())
    click_to(page, page.get_by_role("button", name="Record draft"))
    agreement = Agreement.objects.get()
    assert page.url == f"{live_server.url}/agreements/{agreement.pk}/"
    expect(page.locator("#agreement-status")).to_contain_text("Draft")
    check("draft")

    click_to(page, page.get_by_role("button", name="Submit for clearance"))
    expect(page.locator("#ball")).to_contain_text("Waiting for: Partnerships and Local Government Unit")
    check("in-clearance")

    # PLGU approves; the Legal Section returns it with comments.
    switch_to(page, live_server, plgu_officer)
    expect(main).to_contain_text("Agreements waiting for your clearance")
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    page.get_by_label("comments").fill("Partnership fits the regional strategy.")
    click_to(page, page.get_by_role("button", name="Approve"))
    expect(page.locator("#ball")).to_contain_text("Waiting for: Legal Section")

    switch_to(page, live_server, legal_officer)
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    page.get_by_label("comments").fill("Add the standard privileges and immunities clause.")
    click_to(page, page.get_by_role("button", name="Return with comments"))
    expect(page.locator("#agreement-status")).to_contain_text("Draft")
    expect(page.locator("#clearance")).to_contain_text("Add the standard privileges and immunities clause.")
    check("returned")

    # Resubmitted, cleared, signed and put in force.
    switch_to(page, live_server, staff_member)
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    click_to(page, page.get_by_role("button", name="Submit for clearance"))
    for approver in (plgu_officer, legal_officer):
        switch_to(page, live_server, approver)
        page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
        click_to(page, page.get_by_role("button", name="Approve"))
    expect(page.locator("#agreement-status")).to_contain_text("Cleared")

    switch_to(page, live_server, staff_member)
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    expect(page.get_by_label("Signed by")).to_contain_text("Ana Director")
    check("cleared")
    click_to(page, page.get_by_role("button", name="Record signature"))
    expect(page.locator("#agreement-status")).to_contain_text("Signed")
    click_to(page, page.get_by_role("button", name="Activate"))
    expect(page.locator("#agreement-status")).to_contain_text("Active")

    # An amendment: a new version with its own clearance, then the difference is shown.
    page.get_by_label("Why amend it?").fill("Extend by six months.")
    click_to(page, page.get_by_role("button", name="Start an amendment"))
    click_to(page, page.get_by_role("link", name="Edit amendment"))
    new_end = today + dt.timedelta(days=365 + 182)
    page.get_by_label("End date").fill(new_end.isoformat())
    click_to(page, page.get_by_role("button", name="Save"))
    click_to(page, page.get_by_role("button", name="Submit amendment for clearance"))
    expect(page.locator("#clearance")).to_contain_text("amendment, version 2")
    check("amendment-in-clearance")
    for approver in (plgu_officer, legal_officer):
        switch_to(page, live_server, approver)
        page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
        click_to(page, page.get_by_role("button", name="Approve"))
    switch_to(page, live_server, staff_member)
    page.goto(f"{live_server.url}/agreements/{agreement.pk}/")
    click_to(page, page.get_by_role("button", name="Record signature of the amendment"))
    expect(page.locator("#agreement-status")).to_contain_text("Active")
    expect(page.locator("#diff-1-2")).to_contain_text("End date:")
    expect(page.locator("#diff-1-2 li")).to_have_count(1)
    check("amended")
    check.finish()

    agreement.refresh_from_db()
    assert agreement.current_version.number == 2
    assert list(agreement.versions.values_list("status", flat=True)) == ["superseded", "in_force"]


def test_list_filters_and_a_partner_user_reads_their_agreement_in_arabic(
    page, live_server, staff_member, plgu_officer, partner_user
):
    from partnerhub.agreements.tests.factories import make_agreement, make_partner
    from partnerhub.registry import services as registry

    ours = make_partner(staff_member, "City of Medellín", country="CO")
    other = make_partner(staff_member, "City of Nairobi")
    mine = make_agreement(staff_member, [ours], title="Safer public spaces")
    make_agreement(staff_member, [other], title="Nairobi river regeneration", office="plgu")
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=ours)
    check = Checks(page, prefix="agreements")

    login(page, live_server, staff_member)
    page.goto(f"{live_server.url}/agreements/")
    expect(page.locator("#result-count")).to_have_text("2 agreements")
    with page.expect_response(lambda r: "/agreements/" in r.url and r.request.headers.get("hx-request")):
        page.get_by_label("Partner region").select_option("019")
    expect(page.locator("#result-count")).to_have_text("1 agreement")
    expect(page.locator("#results")).to_contain_text("Safer public spaces")
    check("list")

    page.context.clear_cookies()
    login(page, live_server, partner_user)
    set_language(page, "ar")
    page.goto(f"{live_server.url}/agreements/{mine.pk}/")
    expect(page.locator("main")).to_contain_text(mine.reference)
    expect(page.locator("#actions-heading")).to_have_count(0)
    expect(page.locator("#clearance")).to_have_count(0)
    Checks(page, "ar", prefix="agreements")("partner-read-only")
    check.finish()
