"""The page shell in a real browser: sign-in, dashboard, language and direction, keyboard, accessibility."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.browser.conftest import assert_accessible, login, screenshot, set_language

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ar"]


def _card_values(page: Any) -> dict[str, str]:
    cards = [page.locator(".ph-card").nth(i) for i in range(page.locator(".ph-card").count())]
    return {
        card.locator(".card-title").inner_text().strip(): card.locator(".display-6").inner_text().strip()
        for card in cards
    }


def test_anonymous_visit_to_root_lands_on_login_page(page, live_server):
    page.goto(f"{live_server.url}/")

    assert page.url == f"{live_server.url}/accounts/login/?next=/"
    assert page.locator("h1").inner_text() == "Sign in to PartnerHub"
    assert page.locator("#id_email").is_visible()
    assert page.locator("#ph-nav").count() == 0


def test_sign_in_form_leads_to_the_dashboard_with_real_counts(page, live_server, staff_member, make_user):
    from partnerhub.org.models import Office

    make_user("partner", email="someone@partner.example.org")
    gone = make_user("staff", email="former.colleague@example.org")
    type(gone).objects.filter(pk=gone.pk).update(is_active=False)

    login(page, live_server, staff_member)

    assert page.title() == "Dashboard · PartnerHub"
    assert page.locator("h1").inner_text() == f"Welcome, {staff_member.display_name}"
    active_offices = Office.objects.filter(is_active=True).count()
    assert active_offices > 0
    cards = _card_values(page)
    # Other apps add their own cards; these three are the ones this test's data decides.
    assert {k: cards.get(k) for k in ("Offices", "Staff users", "Partner users")} == {
        "Offices": str(active_offices),
        "Staff users": "1",
        "Partner users": "1",
    }
    assert all(value.replace(",", "").isdigit() for value in cards.values()), cards


def test_wrong_password_keeps_the_user_on_the_login_page_with_a_reason(page, live_server, staff_member):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_email").fill(staff_member.email)
    page.locator("#id_password").fill("not-the-password")
    page.locator("main form button[type=submit]").click()

    assert page.locator(".alert-danger").inner_text() == "The e-mail address or password is not right."
    assert page.locator("#id_email").input_value() == staff_member.email
    assert page.url.startswith(f"{live_server.url}/accounts/login/")


def test_language_selector_switches_the_page_to_arabic_right_to_left(page, live_server, staff_member):
    login(page, live_server, staff_member)
    html = page.locator("html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("en", "ltr")

    set_language(page, "ar")

    assert page.url == f"{live_server.url}/"
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")
    assert page.locator("#ph-language").input_value() == "ar"
    stylesheets = page.eval_on_selector_all("link[rel=stylesheet]", "links => links.map(l => l.href)")
    assert any(href.endswith("bootstrap.rtl.min.css") for href in stylesheets)
    # The choice survives navigation: it is kept in the language cookie.
    page.goto(f"{live_server.url}/offices/")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("ar", "rtl")


@pytest.mark.parametrize("url_name", ["accounts:login", "core:dashboard"])
def test_first_tab_from_the_top_of_the_page_reaches_the_skip_link(page, live_server, staff_member, url_name):
    from django.urls import reverse

    if url_name != "accounts:login":
        login(page, live_server, staff_member)
    page.goto(f"{live_server.url}{reverse(url_name)}")

    page.keyboard.press("Tab")

    focused = page.evaluate(
        "() => ({text: document.activeElement.textContent.trim(),"
        " href: document.activeElement.getAttribute('href')})"
    )
    assert focused == {"text": "Skip to main content", "href": "#main"}
    assert page.locator(".skip-link").is_visible()
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"


def _office(code: str) -> Any:
    from partnerhub.org.models import Office

    return Office.objects.get(code=code)


PAGES: dict[str, Callable[[], str]] = {
    "login": lambda: "/accounts/login/",
    "dashboard": lambda: "/",
    "offices": lambda: "/offices/",
    "office-detail": lambda: f"/offices/{_office('plgu').pk}/",
    "office-edit": lambda: f"/offices/{_office('plgu').pk}/edit/",
    "security": lambda: "/accounts/security/",
}


@pytest.mark.parametrize("language", LANGUAGES)
def test_shell_pages_have_no_serious_accessibility_violations(page, live_server, administrator, language):
    # One tour per language rather than one test per page: each browser test pays for a database reset.
    failures = []
    page.goto(f"{live_server.url}/accounts/login/")
    if language != "en":
        set_language(page, language)
    for name, path in PAGES.items():
        if name == "dashboard":
            login(page, live_server, administrator)
        page.goto(f"{live_server.url}{path()}")
        html = page.locator("html")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == (
            language,
            "rtl" if language == "ar" else "ltr",
        ), name
        assert page.title().endswith(" · PartnerHub"), name
        screenshot(page, f"{name}-{language}")
        try:
            assert_accessible(page)
        except pytest.fail.Exception as failure:
            failures.append(f"{name}: {failure}")
    if failures:
        pytest.fail("\n\n".join(failures), pytrace=False)


def test_administrator_edits_an_office_in_the_form_and_sees_the_change_in_history(
    page, live_server, administrator
):
    office = _office("cdtu")
    login(page, live_server, administrator)
    page.goto(f"{live_server.url}/offices/{office.pk}/")

    with page.expect_navigation():
        page.get_by_role("link", name="Edit", exact=True).click()
    page.get_by_label("City").fill("Nairobi (Gigiri)")
    with page.expect_navigation():
        page.get_by_role("button", name="Save").click()

    assert page.url == f"{live_server.url}/offices/{office.pk}/"
    assert page.locator(".alert-success").inner_text().strip() == f"Office “{office.name}” saved."
    assert page.locator("#history-heading + ol .ph-changes tbody tr").first.inner_text().split("\t") == [
        "City",
        "Nairobi",
        "Nairobi (Gigiri)",
    ]
    office.refresh_from_db()
    assert office.city == "Nairobi (Gigiri)"
    screenshot(page, "office-detail-after-edit-en")
    assert_accessible(page)


def test_security_page_shows_the_api_header_with_its_token_placeholder(page, live_server, staff_member):
    login(page, live_server, staff_member)
    page.goto(f"{live_server.url}/accounts/security/")

    help_text = page.locator("#tokens-heading ~ p").first.inner_text()

    assert "Authorization: Bearer <token>" in help_text


@pytest.mark.parametrize("language", LANGUAGES)
def test_background_jobs_page_describes_each_job_in_the_reader_s_language(
    page, live_server, administrator, language
):
    from partnerhub.core import scheduler

    scheduler.sync_jobs()
    page.goto(f"{live_server.url}/accounts/login/")
    if language != "en":
        set_language(page, language)
    login(page, live_server, administrator)
    page.goto(f"{live_server.url}/system/jobs/")

    row = page.locator("tr", has_text="registry.refresh_duplicate_profiles")
    expected = {
        "en": "Re-analyse the stored duplicate-engine profiles that are missing or out of date",
        "ar": "إعادة تحليل ملفات محرك كشف التكرار المخزنة المفقودة أو القديمة",
    }[language]
    assert expected in row.locator("th").inner_text()
    assert page.locator("html").get_attribute("dir") == ("rtl" if language == "ar" else "ltr")
    assert page.locator("table").first.locator("tbody tr").count() == len(scheduler.registered())
    screenshot(page, f"jobs-{language}")
    assert_accessible(page)
