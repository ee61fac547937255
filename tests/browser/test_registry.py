"""The partners registry in a real browser: search with facets, adding with a duplicate warning, reviewing and
merging duplicates (and undoing the merge), importing a file with errors, and the same pages in Arabic.

Every state a user sees is screenshotted to var/screenshots/registry-*.png and checked with axe-core; the
accessibility problems of a test are collected and reported together at its end, after its flow has run.
The duplicate scan and the import checks are background tasks; the root conftest runs them with Django's
immediate backend, so they have finished by the time the page they redirect to is shown.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, login, screenshot, set_language

pytestmark = pytest.mark.browser

BAD_CSV = (
    "Organisation,Country,Category,Channel,Office,E-mail\n"
    "Kisumu Slum Dwellers Federation,KE,civil-society,event,plgu,info@ksdf.or.ke\n"
    "Lima Urban Lab,PE,think-tanks-of-the-future,event,ro-lac,hola@limaurbanlab.pe\n"
    "Dhaka Resilient Homes,BD,academia,event,plgu,not-an-address\n"
    "Accra Street Vendors Union,GH,civil-society,event,plgu,\n"
)
UNKNOWN_CATEGORY = (
    "“think-tanks-of-the-future” is not a stakeholder category. Use its code (such as civil-society), "
    "its number from 1 to 19 or its English name."
)
GOOD_CSV = BAD_CSV.replace("think-tanks-of-the-future", "academia").replace(
    "not-an-address", "contact@dhakahomes.org"
)


class Checks:
    """Screenshot each state and run axe on it, keeping every violation for one report at the end."""

    def __init__(self, page: Any, language: str = "en") -> None:
        self.page, self.language = page, language
        self.failures: list[str] = []
        self.shots: list[Path] = []

    def __call__(self, name: str) -> None:
        html = self.page.locator("html")
        expected = (self.language, "rtl" if self.language == "ar" else "ltr")
        assert (html.get_attribute("lang"), html.get_attribute("dir")) == expected, name
        self.shots.append(screenshot(self.page, f"registry-{name}-{self.language}"))
        try:
            assert_accessible(self.page)
        except pytest.fail.Exception as failure:
            self.failures.append(f"{name}-{self.language}: {failure}")

    def finish(self) -> None:
        if self.failures:
            pytest.fail("\n\n".join(self.failures), pytrace=False)


def make_partner(
    actor: Any,
    name: str,
    *,
    category: str = "civil-society",
    office: str = "plgu",
    country: str = "KE",
    **extra: Any,
) -> Any:
    from partnerhub.org.models import Office
    from partnerhub.registry import services
    from partnerhub.registry.models import Country, StakeholderCategory

    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code=category),
        "owning_office": Office.objects.get(code=office),
        "country": Country.objects.get(pk=country),
        "identified_channel": "event",
        **extra,
    }
    return services.partner_create(actor=actor, data=data)


def open_partners(page: Any) -> None:
    """The main navigation's Partners entry (found by its address, so that it works in every language)."""
    with page.expect_navigation():
        page.locator('#ph-nav a.nav-link[href="/partners/"]').click()


def click_to(page: Any, locator: Any) -> None:
    with page.expect_navigation():
        locator.click()


def upload(page: Any, path: Path) -> None:
    page.locator("#id_file").set_input_files(str(path))
    click_to(page, page.locator("main form button[type=submit]"))


# --- 1. Search -------------------------------------------------------------------------------------------


def test_staff_member_searches_ticks_a_facet_and_keeps_the_filters_in_the_address(
    page, live_server, staff_member
):
    from partnerhub.registry.models import Partner

    make_partner(
        staff_member, "Universidade de São Paulo", category="academia", country="BR", office="ro-lac"
    )
    board = make_partner(staff_member, "UN-Habitat Youth Advisory Board", office="youth")
    make_partner(staff_member, "Friends of UN-Habitat Network", country="GB")
    make_partner(staff_member, "Kibera Youth Network")
    Partner.objects.filter(pk=board.pk).update(status="active")
    check = Checks(page)

    login(page, live_server, staff_member)
    open_partners(page)
    assert page.url == f"{live_server.url}/partners/"
    count = page.locator("#result-count")
    expect(count).to_have_text("4 partners")
    check("list")

    search = page.get_by_label("Search names, acronyms and contacts")
    search.press_sequentially("Sao Paulo", delay=20)
    expect(count).to_have_text("1 partner")
    expect(page.locator("#results tbody tr")).to_have_count(1)
    expect(page.locator("#results tbody")).to_contain_text("Universidade de São Paulo")
    expect(page).to_have_url(re.compile(r"[?&]q=Sao(%20|\+)Paulo(&|$)"))
    check("search-accents")

    search.fill("")
    search.press_sequentially("UNHABITAT", delay=20)
    expect(count).to_have_text("2 partners")
    rows = page.locator("#results tbody tr td:first-child a")
    expect(rows).to_have_text(["Friends of UN-Habitat Network", "UN-Habitat Youth Advisory Board"])

    page.get_by_role("checkbox", name=re.compile(r"^Active")).check()
    expect(count).to_have_text("1 partner")
    expect(rows).to_have_text(["UN-Habitat Youth Advisory Board"])
    expect(page).to_have_url(re.compile(r"[?&]status=active(&|$)"))
    assert parse_qs(urlsplit(page.url).query)["q"] == ["UNHABITAT"]
    export = page.get_by_role("link", name="Export CSV")
    expect(export).to_have_attribute("href", re.compile(r"^/partners/export\.csv\?.*status=active"))
    assert parse_qs(urlsplit(export.get_attribute("href")).query)["q"] == ["UNHABITAT"]
    expect(page.get_by_role("link", name="Export Excel")).to_be_visible()
    check("search-facet")

    # The address holds the filters: reloading it shows the same result, with the box still ticked.
    page.reload()
    expect(count).to_have_text("1 partner")
    expect(page.locator("#status-active")).to_be_checked()
    expect(search).to_have_value("UNHABITAT")
    check.finish()


# --- 2. Adding a partner that may already be recorded ------------------------------------------------------


def _fill_new_partner(page: Any, name: str) -> None:
    from partnerhub.org.models import Office
    from partnerhub.registry.models import StakeholderCategory

    page.locator("#id_name").fill(name)
    page.locator("#id_primary_category").select_option(
        str(StakeholderCategory.objects.get(code="local-regional-governments").pk)
    )
    page.locator("#id_identified_channel").select_option("event")
    page.locator("#id_owning_office").select_option(str(Office.objects.get(code="ro-lac").pk))


def test_adding_a_variant_of_an_existing_partner_shows_the_possible_duplicates_first(
    page, live_server, staff_member
):
    from partnerhub.registry.models import NotDuplicate, Partner

    existing = make_partner(
        staff_member,
        "United Cities and Local Governments",
        acronym="UCLG",
        category="local-regional-governments",
        country="ES",
        website="https://www.uclg.org",
    )
    check = Checks(page)

    login(page, live_server, staff_member)
    open_partners(page)
    click_to(page, page.get_by_role("link", name="Add partner"))
    check("create")
    _fill_new_partner(page, "United Cities & Local Governments Ltd")
    click_to(page, page.get_by_role("button", name="Save"))

    warning = page.locator("#duplicate-candidates")
    expect(warning.get_by_role("heading", name="Possible duplicates")).to_be_visible()
    expect(warning.locator("tbody tr")).to_have_count(1)
    expect(warning.locator("tbody tr td").nth(0)).to_have_text("United Cities and Local Governments")
    expect(warning.locator("tbody tr td").nth(1)).to_have_text("UCLG")
    expect(page.get_by_role("alert")).to_contain_text("This may already be in the database.")
    assert Partner.objects.count() == 1
    check("create-duplicates")

    page.get_by_label(
        "I have checked the possible duplicates above: this is a different organisation"
    ).check()
    click_to(page, page.get_by_role("button", name="Save"))

    created = Partner.objects.exclude(pk=existing.pk).get()
    assert page.url == f"{live_server.url}/partners/{created.pk}/"
    expect(page.locator("h1")).to_have_text("United Cities & Local Governments Ltd")
    expect(page.locator(".alert-success")).to_have_text(
        "Partner “United Cities & Local Governments Ltd” added."
    )
    assert NotDuplicate.objects.filter(partner_a=existing.pk, partner_b=created.pk).exists()
    check("detail")
    check.finish()


# --- 3. Reviewing duplicates: scan, compare, merge, undo ---------------------------------------------------


def test_plgu_officer_merges_a_duplicate_pair_found_by_a_scan_and_undoes_it(page, live_server, plgu_officer):
    from partnerhub.registry.models import MergeRecord, Partner

    kept = make_partner(plgu_officer, "Kibera Youth Network", website="https://kyn.or.ke")
    twin = make_partner(
        plgu_officer, "KIBERA YOUTH NETWORK LTD", email="info@kyn.or.ke", phone="+254 20 762 3120"
    )
    check = Checks(page)

    login(page, live_server, plgu_officer)
    open_partners(page)
    click_to(page, page.get_by_role("link", name="Duplicates"))
    expect(page.locator("h1")).to_have_text("Duplicate partners")
    check("duplicates")
    click_to(page, page.get_by_role("button", name="Scan the whole database"))

    expect(page.get_by_role("heading", name="1 group of likely duplicates")).to_be_visible()
    expect(page.locator("#scan-progress .ph-status")).to_have_text("Done")
    check("scan")
    pair = page.locator("article.card tbody tr")
    expect(pair).to_have_count(1)
    click_to(page, pair.get_by_role("link", name=re.compile(r"^Compare")))

    assert page.url.startswith(f"{live_server.url}/partners/duplicates/compare/{kept.pk}/{twin.pk}/")
    expect(page.locator("h1")).to_have_text("Compare two partners")
    page.get_by_role("radio", name=f"Kibera Youth Network (number {kept.pk})").check()
    page.get_by_role("radio", name="Keep the left value: Kibera Youth Network").check()
    page.get_by_role("radio", name="Keep the right value: info@kyn.or.ke").check()
    page.get_by_role("radio", name="Keep the left value: https://kyn.or.ke").check()
    check("merge-compare")
    click_to(page, page.get_by_role("button", name="Merge the two records"))

    merge = MergeRecord.objects.get()
    assert page.url == f"{live_server.url}/partners/duplicates/merges/{merge.pk}/"
    expect(page.locator("h1")).to_have_text("“KIBERA YOUTH NETWORK LTD” merged into “Kibera Youth Network”")
    expect(page.locator(".alert-success")).to_contain_text("You can undo it here.")
    kept.refresh_from_db()
    assert (kept.name, kept.email, kept.website, kept.phone) == (
        "Kibera Youth Network",
        "info@kyn.or.ke",
        "https://kyn.or.ke",
        "+254207623120",
    )
    check("merge-done")

    # The merged-away record's old address (a bookmark, a link in an e-mail) leads to the record kept.
    page.goto(f"{live_server.url}/partners/{twin.pk}/")
    assert page.url == f"{live_server.url}/partners/{kept.pk}/"
    expect(page.locator(".alert-info")).to_have_text("This record was merged into the one shown here.")
    expect(page.locator("h1")).to_have_text("Kibera Youth Network")
    check("merge-redirect")

    # Undo, reached as a user would: Partners → Duplicates → the latest merge.
    open_partners(page)
    click_to(page, page.get_by_role("link", name="Duplicates"))
    click_to(page, page.get_by_role("link", name="“KIBERA YOUTH NETWORK LTD” into “Kibera Youth Network”"))
    click_to(page, page.get_by_role("button", name="Undo this merge"))
    expect(page.locator(".alert-success")).to_have_text(
        "The merge was undone: both records are back as they were."
    )
    expect(page.locator("main p .badge")).to_contain_text("Undone by")
    expect(page.get_by_role("button", name="Undo this merge")).to_have_count(0)
    twin.refresh_from_db()
    kept.refresh_from_db()
    assert (twin.merged_into_id, twin.email, kept.email) == (None, "info@kyn.or.ke", "")
    check("merge-undone")
    page.goto(f"{live_server.url}/partners/{twin.pk}/")
    expect(page.locator("h1")).to_have_text("KIBERA YOUTH NETWORK LTD")
    assert Partner.objects.filter(merged_into__isnull=True).count() == 2
    check.finish()


# --- 4. Importing a file with errors, then the corrected file ----------------------------------------------


def _upload_and_check(page: Any, path: Path) -> None:
    upload(page, path)
    expect(page.locator("main table tbody select")).to_have_count(6)  # the column-mapping step
    click_to(page, page.locator("main form button[type=submit]"))


def test_plgu_officer_sees_each_bad_row_then_imports_the_corrected_file(
    page, live_server, plgu_officer, tmp_path
):
    from partnerhub.registry.models import ImportJob, Partner

    bad, good = tmp_path / "new-partners.csv", tmp_path / "new-partners-corrected.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    good.write_text(GOOD_CSV, encoding="utf-8")
    check = Checks(page)

    login(page, live_server, plgu_officer)
    open_partners(page)
    click_to(page, page.get_by_role("link", name="Import", exact=True))
    expect(page.locator("h1")).to_have_text("Import partners")
    check("import-start")
    upload(page, bad)
    expect(page.locator("h1")).to_have_text("Which column holds what?")
    selects = page.locator("main table tbody select")
    expect(selects).to_have_count(6)
    assert [s.input_value() for s in selects.all()] == [
        "name",
        "country",
        "category",
        "channel",
        "owning_office",
        "email",
    ]
    check("import-map")
    click_to(page, page.get_by_role("button", name="Check every row"))

    expect(page.locator("main .alert-danger h2")).to_have_text(
        "2 rows have errors: nothing can be imported until they are corrected."
    )
    problems = page.locator("section[aria-labelledby=errors-heading] tbody tr")
    expect(problems).to_have_count(2)
    cells = [row.locator("td").all_inner_texts() for row in problems.all()]
    assert cells == [
        ["3", "Category", UNKNOWN_CATEGORY],
        ["4", "E-mail", "“not-an-address” is not an e-mail address."],
    ], cells
    expect(page.get_by_role("button", name=re.compile(r"^Import \d+ rows?$"))).to_have_count(0)
    assert Partner.objects.count() == 0
    check("import-errors")

    click_to(page, page.get_by_role("link", name="Upload another file"))
    _upload_and_check(page, good)
    expect(page.locator("main .alert-success h2")).to_have_text("All 4 rows are valid.")
    expect(page.locator("section[aria-labelledby=sample-heading] tbody tr")).to_have_count(4)
    check("import-valid")
    click_to(page, page.get_by_role("button", name="Import 4 rows"))

    job = ImportJob.objects.get(original_name="new-partners-corrected.csv")
    assert page.url == f"{live_server.url}/partners/import/{job.pk}/import/"
    expect(page.locator("main .alert-success li").first).to_have_text("4 partners added")
    check("import-done")
    assert sorted(Partner.objects.values_list("name", "email")) == [
        ("Accra Street Vendors Union", ""),
        ("Dhaka Resilient Homes", "contact@dhakahomes.org"),
        ("Kisumu Slum Dwellers Federation", "info@ksdf.or.ke"),
        ("Lima Urban Lab", "hola@limaurbanlab.pe"),
    ]
    click_to(page, page.get_by_role("link", name="See the newest partners"))
    expect(page.locator("#result-count")).to_have_text("4 partners")
    check.finish()


# --- 5. The same pages in Arabic, right to left -------------------------------------------------------------


def test_registry_pages_in_arabic_read_right_to_left(page, live_server, plgu_officer, tmp_path):
    from partnerhub.registry.models import Partner

    existing = make_partner(
        plgu_officer,
        "United Cities and Local Governments",
        acronym="UCLG",
        category="local-regional-governments",
        country="ES",
        website="https://www.uclg.org",
        description="Réseau mondial des villes et des gouvernements locaux.",
    )
    usp = make_partner(
        plgu_officer,
        "Universidade de São Paulo",
        category="academia",
        country="BR",
        acronym="USP",
        description="Universidade pública do estado de São Paulo.",
    )
    bad = tmp_path / "new-partners.csv"
    bad.write_text(BAD_CSV, encoding="utf-8")
    check = Checks(page, "ar")

    login(page, live_server, plgu_officer)
    set_language(page, "ar")
    open_partners(page)
    expect(page.locator("#results tbody tr")).to_have_count(2)
    check("list")
    page.locator("#id_q").press_sequentially("Sao Paulo", delay=20)
    expect(page.locator("#results tbody tr")).to_have_count(1)
    check("search")

    click_to(page, page.locator(f'#results a[href="/partners/{usp.pk}/"]'))
    expect(page.locator("h1")).to_contain_text("Universidade de São Paulo")
    check("detail")

    open_partners(page)
    click_to(page, page.locator('main a[href="/partners/new/"]'))
    _fill_new_partner(page, "United Cities & Local Governments Ltd")
    click_to(page, page.locator("main form.ph-form button[type=submit]"))
    expect(page.locator("#duplicate-candidates tbody tr")).to_have_count(1)
    expect(page.locator(f'#duplicate-candidates a[href="/partners/{existing.pk}/"]')).to_be_visible()
    assert Partner.objects.count() == 2
    check("create-duplicates")

    open_partners(page)
    click_to(page, page.locator('main a[href="/partners/import/"]'))
    check("import-start")
    _upload_and_check(page, bad)
    expect(page.locator("section[aria-labelledby=errors-heading] tbody tr")).to_have_count(2)
    expect(page.locator('main form[action$="/confirm/"]')).to_have_count(0)
    check("import-errors")
    check.finish()
