"""Sanctions lists in a real browser: PLGU loads the UN list through the upload form (a damaged copy is refused
first), then reads the snapshot and what changed since the previous one, in English and in Arabic.

Every state is screenshotted to var/screenshots/screening-*.png and checked with axe-core; accessibility
problems are collected and reported together at the end of each test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import Checks, click_to, login, set_language

pytestmark = pytest.mark.browser

SANCTIONS = Path(__file__).resolve().parents[2].parent / "shared" / "testdata" / "sanctions"


def sanctions_file(name: str) -> Path:
    path = SANCTIONS / name
    if not path.is_file():
        pytest.skip(f"real test data missing: {path} (../shared/testdata is not present next to the project)")
    return path


def open_lists(page: Any) -> None:
    """The main navigation's entry, found by its address so that it works in every language."""
    with page.expect_navigation():
        page.locator('#ph-nav a.nav-link[href="/screening/lists/"]').click()


def load_previous_snapshot() -> Any:
    from partnerhub.screening import services
    from partnerhub.screening.models import ListSource

    data = sanctions_file("un-consolidated-2020-03-20.xml").read_bytes()
    source = ListSource.objects.get(code="un-sc")
    return services.sanctions_list_load(source=source, data=data, actor=None, origin="consolidated-2020.xml")


def test_plgu_loads_the_un_list_through_the_form_and_reads_the_changes(page, live_server, plgu_officer):
    from partnerhub.screening.models import ListSnapshot

    previous = load_previous_snapshot().snapshot
    corrupt = sanctions_file("corrupt-un-consolidated-2025-08-16.xml")
    newer = sanctions_file("un-consolidated-2025-08-02.xml")
    check = Checks(page)

    login(page, live_server, plgu_officer)
    open_lists(page)
    expect(page.locator("h1")).to_have_text("Sanctions lists")
    expect(page.locator("tbody tr").first).to_contain_text("UN Security Council Consolidated List")
    check("lists")

    click_to(page, page.get_by_role("link", name="Load a file").first)
    expect(page.locator("h1")).to_have_text("Load a new snapshot of UN Security Council Consolidated List")
    check("upload")

    # A damaged copy: refused with the reason, and the 2020 snapshot stays current.
    page.get_by_label("List file").set_input_files(str(corrupt))
    click_to(page, page.get_by_role("button", name="Load"))
    refusal = page.locator("#refusal")
    expect(refusal).to_contain_text("The list was not loaded")
    expect(refusal).to_contain_text("The file is damaged: it is not valid UTF-8 text")
    expect(refusal).to_contain_text("stays in force")
    assert ListSnapshot.objects.get(is_current=True) == previous
    check("upload-refused")

    page.get_by_label("List file").set_input_files(str(newer))
    click_to(page, page.get_by_role("button", name="Load"))
    current = ListSnapshot.objects.get(is_current=True)
    assert current.entry_count == 879
    assert page.url == f"{live_server.url}/screening/lists/snapshots/{current.pk}/changes/"
    expect(page.locator(".alert-success")).to_contain_text(
        "Loaded: 879 entries; 53 added, 653 changed, 188 removed since the previous snapshot."
    )
    expect(page.locator("table caption").first).to_have_text("894 changes")
    check("changes")

    # Only the delistings: Qasem Soleimani (IRi.039) left the list with the rest of the 2231 list.
    page.get_by_label("Change", exact=True).select_option("removed")
    page.get_by_label("Name or reference").fill("soleimani")
    click_to(page, page.get_by_role("button", name="Filter"))
    rows = page.locator("main > .table-responsive > table > tbody > tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("IRi.039")
    expect(rows.first).to_contain_text("QASEM SOLEIMANI")
    check("changes-removed")

    # A changed entry, field by field.
    page.get_by_label("Change", exact=True).select_option("changed")
    page.get_by_label("Name or reference").fill("QDi.306")
    click_to(page, page.get_by_role("button", name="Filter"))
    diff = page.locator("table.ph-field-diff")
    expect(diff.locator("tbody tr", has_text="Nationalities")).to_contain_text("Saudi Arabian")
    expect(diff.locator("tbody tr", has_text="Nationalities").locator(".ph-after")).to_contain_text(
        "Saudi Arabia"
    )
    check("changes-field")

    click_to(page, page.locator("nav[aria-label='Breadcrumb'] a").nth(2))
    expect(page.locator("h1")).to_contain_text("UN Security Council Consolidated List")
    expect(page.locator("table caption")).to_have_text("879 entries")
    check("snapshot")

    page.get_by_label("Name or reference").fill("hassan dahir aweys")
    click_to(page, page.get_by_role("button", name="Search"))
    expect(page.locator("tbody tr")).to_have_count(2)  # one person, two regimes: QDi.042 and SOi.002
    check("snapshot-search")

    click_to(page, page.get_by_role("link", name="HASSAN DAHIR AWEYS").first)
    expect(page.locator("h1")).to_have_text("HASSAN DAHIR AWEYS")
    expect(page.get_by_role("heading", name="Aliases")).to_be_visible()
    check("entry")
    check.finish()


def test_the_same_pages_in_arabic(page, live_server, staff_member):
    from partnerhub.screening import services
    from partnerhub.screening.models import ListSource

    load_previous_snapshot()
    source = ListSource.objects.get(code="un-sc")
    data = sanctions_file("un-consolidated-2025-08-02.xml").read_bytes()
    current = services.sanctions_list_load(
        source=source, data=data, actor=None, origin="consolidated.xml"
    ).snapshot
    check = Checks(page, language="ar")

    login(page, live_server, staff_member)
    set_language(page, "ar")
    open_lists(page)
    # A staff member sees the lists but not the load buttons.
    expect(page.locator(f'a[href="/screening/lists/{source.pk}/load/"]')).to_have_count(0)
    check("lists")

    page.goto(f"{live_server.url}/screening/lists/snapshots/{current.pk}/")
    expect(page.locator("tbody tr")).to_have_count(50)
    check("snapshot")

    page.goto(f"{live_server.url}/screening/lists/snapshots/{current.pk}/changes/?kind=changed&matching=on")
    expect(page.locator("table.ph-field-diff").first).to_be_visible()
    check("changes")

    entry = current.entries.get(reference_number="QDi.299")
    page.goto(f"{live_server.url}/screening/lists/entries/{entry.pk}/")
    expect(page.locator("dd bdi").first).to_have_text("إبراهيم عواد إبراهيم علي البدري السامرائي")
    check("entry")
    check.finish()
