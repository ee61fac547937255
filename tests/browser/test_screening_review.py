"""Screening alerts in a real browser: PLGU finds the alert on the partner's page, reviews the partner and
the list entry side by side, is told a reason is required, dismisses the hit, and re-screens everyone with a
progress page; a staff member reads the same pages in Arabic and cannot decide.

Every state is screenshotted to var/screenshots/screening-review-*.png and checked with axe-core.
"""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Checks, click_to, login, set_language

pytestmark = pytest.mark.browser

LIST = (
    "name,aliases,kind,birth_date,country,reference,list_type\n"
    "Example Shipping Company,Example Shipping;شركة الشحن المثال,organisation,,YE,TST.001,Test regime\n"
    "Amina Testperson,Aminah Testperson,person,1970,SO,TST.002,Test regime\n"
)


def flagged_partner(actor: Any) -> Any:
    """A loaded list and a partner (with its director) who both match it. Live-server tests commit, so the
    screening triggers run as they do in production."""
    from partnerhub.org.models import Office
    from partnerhub.registry import services as registry
    from partnerhub.registry.models import Country, StakeholderCategory
    from partnerhub.screening import services

    source = services.list_source_create(
        actor=None, data={"code": "test", "name": "Test list", "format": "csv"}
    )
    services.sanctions_list_load(source=source, data=LIST.encode(), actor=None, origin="test.csv")
    partner = registry.partner_create(
        actor=actor,
        data={
            "name": "Example Shipping Co",
            "primary_category": StakeholderCategory.objects.get(code="private-sector"),
            "owning_office": Office.objects.get(code="plgu"),
            "country": Country.objects.get(pk="YE"),
            "identified_channel": "event",
        },
        alternative_names=[("Shipping Yemen", "en", "alternative")],
    )
    registry.contact_create(
        actor=actor,
        data={"given_name": "Amina", "family_name": "Testperson"},
        partner=partner,
        title="Director",
        is_key_person=True,
    )
    return partner


def test_plgu_reviews_and_dismisses_an_alert_then_re_screens_everyone(page, live_server, plgu_officer):
    from partnerhub.screening.models_monitoring import ScreeningAlert

    partner = flagged_partner(plgu_officer)
    alert = ScreeningAlert.objects.get(partner=partner, contact=None)
    check = Checks(page, prefix="screening-review")

    login(page, live_server, plgu_officer)
    page.goto(f"{live_server.url}/partners/{partner.pk}/")
    panel = page.locator("section", has=page.get_by_role("heading", name="Sanctions screening"))
    expect(panel).to_contain_text("Possible match")
    expect(panel).to_contain_text("2 open alerts")
    expect(page.locator(".ph-timeline")).to_contain_text("Sanctions screening alert raised")
    check("partner")

    click_to(page, panel.get_by_role("link", name="Example Shipping Co / Example Shipping Company"))
    assert page.url == f"{live_server.url}/screening/alerts/{alert.pk}/"
    expect(page.get_by_role("heading", name="Partner screened")).to_be_visible()
    expect(page.get_by_role("heading", name="List entry")).to_be_visible()
    expect(page.locator("main")).to_contain_text("word: exact; country matches")
    expect(page.locator("main")).to_contain_text("Shipping Yemen")
    check("review")

    page.get_by_label("Dismiss as not a match").check()
    click_to(page, page.get_by_role("button", name="Record the decision"))
    expect(page.locator("#reason-errors")).to_have_text("Give the reason for this decision.")
    expect(page.get_by_label("Dismiss as not a match")).to_be_checked()
    check("review-no-reason")

    page.get_by_label("Reason").fill("Registered in Kenya in 1998; different owners (checked the registry).")
    click_to(page, page.get_by_role("button", name="Record the decision"))
    expect(page.locator(".alert-success")).to_contain_text("Decision recorded.")
    expect(page.locator("#decision-heading + p .badge")).to_have_text("Dismissed")
    expect(page.locator(".ph-timeline")).to_contain_text("Sanctions screening alert dismissed")
    check("review-decided")

    click_to(page, page.locator("nav[aria-label='Breadcrumb'] a").first)
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.locator("tbody tr").first).to_contain_text("Open")  # open alerts first
    check("alerts")

    click_to(page, page.get_by_role("link", name="Re-screening runs"))
    click_to(page, page.get_by_role("button", name="Re-screen everyone now"))
    expect(page.locator("#run-progress")).to_contain_text("2 of 2 partners and people screened")
    expect(page.locator("#run-bar")).to_have_attribute("value", "2")
    check("run")
    assert ScreeningAlert.objects.filter(partner=partner).count() == 2  # the dismissed hit stays dismissed
    check.finish()


def test_a_staff_member_reads_the_alerts_in_arabic_and_cannot_decide(
    page, live_server, plgu_officer, staff_member
):
    from partnerhub.screening.models_monitoring import ScreeningAlert

    partner = flagged_partner(plgu_officer)
    person_alert = ScreeningAlert.objects.get(partner=partner, contact__isnull=False)
    check = Checks(page, language="ar", prefix="screening-review")

    login(page, live_server, staff_member)
    set_language(page, "ar")
    page.goto(f"{live_server.url}/screening/alerts/")
    expect(page.locator("tbody tr")).to_have_count(2)
    check("alerts")

    page.goto(f"{live_server.url}/screening/alerts/{person_alert.pk}/")
    expect(page.locator("form[method=post] textarea")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Amina Testperson")
    check("review")

    page.goto(f"{live_server.url}/partners/{partner.pk}/")
    expect(page.locator("#screening-panel-heading")).to_be_visible()
    check("partner")
    check.finish()
