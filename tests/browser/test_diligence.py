"""Due diligence in a real browser: a staff member opens a case from a partner's page and fills in its
sections, PLGU approves it and the partner can then become active; a complex case is escalated, signed off
by PLGU and the Legal Section and rejected; the case page is read in Arabic.

Every state is screenshotted to var/screenshots/diligence-*.png and checked with axe-core.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Checks, click_to, login, set_language

pytestmark = pytest.mark.browser

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def partner_for(actor: Any, name: str, category: str) -> Any:
    from partnerhub.org.models import Office
    from partnerhub.registry import services as registry
    from partnerhub.registry.models import Country, StakeholderCategory

    return registry.partner_create(
        actor=actor,
        data={
            "name": name,
            "primary_category": StakeholderCategory.objects.get(code=category),
            "owning_office": Office.objects.get(code="plgu"),
            "country": Country.objects.get(pk="KE"),
            "identified_channel": "event",
            "relationship_manager": actor,
        },
    )


def sign_in_as(page: Any, live_server: Any, user: Any) -> None:
    page.context.clear_cookies()
    login(page, live_server, user)


def answer_all(page: Any, *, levels: dict[str, str] | None = None) -> None:
    """Answer every exclusion criterion "No" and rate every risk area (Low unless given), saving each form."""
    levels = levels or {}
    exclusions = page.locator("#exclusions form")
    for select in exclusions.locator("select").all():
        select.select_option("no")
    click_to(page, exclusions.get_by_role("button", name="Save answers"))
    risks = page.locator("#risks form")
    for select in risks.locator("select[name^='level_']").all():
        code = (select.get_attribute("name") or "").removeprefix("level_")
        select.select_option(levels.get(code, "low"))
    click_to(page, risks.get_by_role("button", name="Save ratings"))


def test_a_simple_case_is_approved_and_the_partner_can_become_active(
    page, live_server, staff_member, plgu_officer, tmp_path
):
    partner = partner_for(plgu_officer, "Kibera Youth Reform", "civil-society")
    check = Checks(page, prefix="diligence-simple")

    login(page, live_server, staff_member)
    page.goto(f"{live_server.url}/partners/{partner.pk}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="Due diligence", exact=True))
    expect(panel).to_contain_text("required for this category; no valid approval")
    click_to(page, panel.get_by_role("link", name="Open a due-diligence case"))
    page.get_by_label("Intended engagement").select_option("mou_no_funds")
    page.get_by_label("Purpose of the engagement").fill("Youth-led slum upgrading in Kibera")
    check("open")
    click_to(page, page.get_by_role("button", name="Open the case"))
    expect(page.locator("main h1")).to_contain_text("Kibera Youth Reform")

    page.get_by_label("Governing body").fill("Board of seven trustees")
    click_to(page, page.get_by_role("button", name="Save details"))
    answer_all(page)
    evidence = tmp_path / "registration.pdf"
    evidence.write_bytes(PDF)
    page.locator("#evidence").get_by_label("File (PDF or image)").set_input_files(str(evidence))
    click_to(page, page.get_by_role("button", name="Upload"))
    expect(page.locator("#identity")).to_contain_text("registration.pdf")
    expect(page.locator("#rating-heading + p")).to_contain_text("Low")
    check("draft")
    click_to(page, page.get_by_role("button", name="Submit for review"))
    expect(page.locator("main")).to_contain_text("Case submitted for review.")

    sign_in_as(page, live_server, plgu_officer)
    page.goto(f"{live_server.url}/diligence/")
    check("list")
    click_to(page, page.get_by_role("link", name="DD-", exact=False).first)
    click_to(page, page.get_by_role("button", name="Start review"))
    expect(page.get_by_role("heading", name="Escalation")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Not complex")
    decide = page.locator("#decide")
    decide.get_by_label("Approved", exact=True).check()
    decide.get_by_label("Reasons").fill("Registered NGO, no adverse findings.")
    check("review")
    click_to(page, decide.get_by_role("button", name="Record the decision"))
    expect(page.get_by_role("heading", name="Decision: Approved")).to_be_visible()
    check("approved")

    page.goto(f"{live_server.url}/partners/{partner.pk}/")
    expect(panel).to_contain_text("Due diligence: valid until")
    page.get_by_label("Change status to").select_option("active")
    click_to(
        page,
        page.locator("form", has=page.get_by_label("Change status to")).get_by_role("button", name="Change"),
    )
    expect(page.locator("main")).to_contain_text("Status changed.")
    check("partner")


def test_a_complex_case_is_escalated_signed_off_and_rejected(
    page, live_server, staff_member, plgu_officer, legal_officer
):
    partner = partner_for(plgu_officer, "Acme Mining Holdings", "private-sector")
    check = Checks(page, prefix="diligence-complex")

    login(page, live_server, staff_member)
    page.goto(f"{live_server.url}/diligence/partners/{partner.pk}/open/")
    page.get_by_label("Intended engagement").select_option("agreement_with_funds")
    page.get_by_label("Amount").fill("300000")
    click_to(page, page.get_by_role("button", name="Open the case"))
    page.get_by_label("Registration certificate valid until").fill("2027-06-30")
    click_to(page, page.get_by_role("button", name="Save details"))
    answer_all(page, levels={"environment": "high", "labour": "moderate", "human-rights": "moderate"})
    expect(page.locator("#complex-heading + p")).to_contain_text("This case is complex")
    check("draft")
    click_to(page, page.get_by_role("button", name="Submit for review"))

    sign_in_as(page, live_server, plgu_officer)
    page.goto(f"{live_server.url}/diligence/")
    click_to(page, page.get_by_role("link", name="DD-", exact=False).first)
    click_to(page, page.get_by_role("button", name="Start review"))
    page.locator("form", has=page.get_by_role("button", name="Escalate to PLGU and Legal")).get_by_label(
        "Note (optional)"
    ).fill("High environmental risk")
    click_to(page, page.get_by_role("button", name="Escalate to PLGU and Legal"))
    click_to(page, page.get_by_role("button", name="Sign off for PLGU"))
    expect(page.locator("main")).to_contain_text("Signed off for PLGU.")
    check("escalated")
    case_url = page.url

    sign_in_as(page, live_server, legal_officer)
    page.goto(f"{live_server.url}/diligence/dashboard/")
    expect(page.get_by_role("heading", name="Escalated cases")).to_be_visible()
    check("dashboard")
    page.goto(case_url)
    click_to(page, page.get_by_role("button", name="Sign off for the Legal Section"))
    decide = page.locator("#decide")
    decide.get_by_label("Rejected").check()
    click_to(page, decide.get_by_role("button", name="Record the decision"))
    decide = page.locator("#decide")
    expect(decide).to_contain_text("This field is required.")
    check("reasons-required")
    decide.get_by_label("Rejected").check()
    decide.get_by_label("Reasons").fill("Unremedied environmental violations at two mines.")
    click_to(page, decide.get_by_role("button", name="Record the decision"))
    expect(page.get_by_role("heading", name="Decision: Rejected")).to_be_visible()
    check("rejected")


def test_the_case_page_reads_right_to_left_in_arabic(page, live_server, staff_member, plgu_officer):
    from partnerhub.diligence.tests.factories import answer, open_case

    partner = partner_for(plgu_officer, "Acme Construction Ltd", "private-sector")
    case = answer(open_case(staff_member, partner), staff_member, levels={"labour": "substantial"})
    check = Checks(page, "ar", prefix="diligence")
    login(page, live_server, staff_member)
    set_language(page, "ar")
    page.goto(f"{live_server.url}/diligence/cases/{case.pk}/")
    check("case")
