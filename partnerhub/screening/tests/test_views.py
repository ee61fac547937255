"""Sanctions-list pages: who sees what, uploading (and its refusals), search, changes, bounded queries."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import PERSONAS
from partnerhub.screening import services
from partnerhub.screening.models import ListEntry, ListSnapshot, ListSource
from partnerhub.screening.tests.test_lists_support import (
    CORRUPT,
    LIST_2020,
    LIST_2025,
    sanctions_bytes,
    small_list_v1,
    small_list_v2,
    un_source,
)

pytestmark = pytest.mark.django_db

MANAGERS = {"plgu_officer", "administrator"}
STAFF = set(PERSONAS) - {"partner_user"}


@pytest.fixture
def loaded():
    """Two small snapshots of the UN list: v2 current, with one entry added, changed and removed."""
    services.sanctions_list_load(source=un_source(), data=small_list_v1(), actor=None, origin="v1.xml")
    return services.sanctions_list_load(
        source=un_source(), data=small_list_v2(), actor=None, origin="v2.xml"
    ).snapshot


def pages(snapshot):
    entry = snapshot.entries.get(reference_number="QDi.901")
    return {
        "source_list": reverse("screening:source_list"),
        "source_detail": reverse("screening:source_detail", args=[snapshot.source_id]),
        "snapshot_detail": reverse("screening:snapshot_detail", args=[snapshot.pk]),
        "snapshot_changes": reverse("screening:snapshot_changes", args=[snapshot.pk]),
        "entry_detail": reverse("screening:entry_detail", args=[entry.pk]),
    }


def state():
    return (ListSnapshot.objects.count(), ListEntry.objects.count(), ListSource.objects.count())


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_staff_see_every_list_page_and_partner_users_see_none(persona, client_for, loaded, request):
    name = request.node.callspec.params["persona"]
    client = client_for(persona)
    for page, url in pages(loaded).items():
        response = client.get(url)
        if name in STAFF:
            assert response.status_code == 200, (page, name)
        else:
            assert response.status_code == (403 if page == "source_list" else 404), (page, name)
            assert b"QDi.901" not in response.content
            assert b"AMINA" not in response.content


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_only_plgu_and_administrators_reach_the_load_and_edit_pages(persona, client_for, loaded, request):
    name = request.node.callspec.params["persona"]
    client = client_for(persona)
    source = loaded.source
    expected_for_others = 403 if name in STAFF else 404
    for url in (
        reverse("screening:snapshot_upload", args=[source.pk]),
        reverse("screening:source_edit", args=[source.pk]),
    ):
        assert client.get(url).status_code == (200 if name in MANAGERS else expected_for_others), url
    assert client.get(reverse("screening:source_create")).status_code == (200 if name in MANAGERS else 403)


def test_anonymous_visitors_are_sent_to_sign_in(client, loaded):
    for url in pages(loaded).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize(
    "persona", ["staff_member", "focal_point", "legal_officer", "oed_officer", "partner_user"], indirect=True
)
def test_upload_by_others_is_denied_and_nothing_changed(persona, client_for, loaded):
    before = state()
    response = client_for(persona).post(
        reverse("screening:snapshot_upload", args=[loaded.source_id]),
        {"file": SimpleUploadedFile("list.xml", sanctions_bytes(LIST_2025), content_type="text/xml")},
    )
    assert response.status_code in {403, 404}
    assert state() == before
    assert ListSnapshot.objects.get(is_current=True) == loaded


@pytest.mark.parametrize("persona", ["staff_member", "partner_user"], indirect=True)
def test_refresh_and_source_changes_by_others_are_denied_and_nothing_changed(persona, client_for, loaded):
    client = client_for(persona)
    source = loaded.source
    before = (state(), source.version, source.refresh_enabled)
    assert client.post(reverse("screening:source_refresh", args=[source.pk])).status_code in {403, 404}
    assert client.post(
        reverse("screening:source_edit", args=[source.pk]),
        {
            "name": "Renamed",
            "format": "un-xml",
            "refresh_url": "https://x.example/l.xml",
            "refresh_enabled": "on",
            "version": source.version,
        },
    ).status_code in {403, 404}
    assert (
        client.post(
            reverse("screening:source_create"), {"code": "new", "name": "New", "format": "csv"}
        ).status_code
        == 403
    )
    source.refresh_from_db()
    assert (state(), source.version, source.refresh_enabled) == before


def test_plgu_loads_a_newer_list_and_lands_on_its_changes(client_for, plgu_officer):
    services.sanctions_list_load(source=un_source(), data=sanctions_bytes(LIST_2020), actor=None)
    client = client_for(plgu_officer)
    response = client.post(
        reverse("screening:snapshot_upload", args=[un_source().pk]),
        {"file": SimpleUploadedFile("consolidated.xml", sanctions_bytes(LIST_2025), content_type="text/xml")},
        follow=True,
    )
    snapshot = ListSnapshot.objects.get(is_current=True)
    assert response.redirect_chain == [(reverse("screening:snapshot_changes", args=[snapshot.pk]), 302)]
    assert (snapshot.origin, snapshot.loaded_by, snapshot.entry_count) == (
        "consolidated.xml",
        plgu_officer,
        879,
    )
    assert (
        "Loaded: 879 entries; 53 added, 653 changed, 188 removed since the previous snapshot."
        in response.content.decode()
    )


def test_uploading_the_current_file_again_says_nothing_is_new(client_for, plgu_officer, loaded):
    response = client_for(plgu_officer).post(
        reverse("screening:snapshot_upload", args=[loaded.source_id]),
        {"file": SimpleUploadedFile("again.xml", small_list_v2(), content_type="text/xml")},
        follow=True,
    )
    assert "Nothing new: this file is already loaded" in response.content.decode()
    assert ListSnapshot.objects.count() == 2


def test_damaged_upload_shows_the_reason_and_keeps_the_current_snapshot(client_for, plgu_officer, loaded):
    before = state()
    response = client_for(plgu_officer).post(
        reverse("screening:snapshot_upload", args=[loaded.source_id]),
        {"file": SimpleUploadedFile("damaged.xml", sanctions_bytes(CORRUPT), content_type="text/xml")},
    )
    assert response.status_code == 200  # the form again, with the reason
    html = response.content.decode()
    assert "The list was not loaded" in html
    assert "The file is damaged: it is not valid UTF-8 text (the first bad byte is on line 54)." in html
    assert "The current snapshot (of " in html
    assert state() == before
    assert ListSnapshot.objects.get(is_current=True) == loaded


def test_csv_upload_lists_every_bad_row(client_for, plgu_officer):
    from partnerhub.screening.services import list_source_create

    source = list_source_create(actor=None, data={"code": "local", "name": "Local list", "format": "csv"})
    data = b"name,aliases,kind,birth_date,country,reference\nA,,robot,,,R-1\n,,person,,,R-2\n"
    response = client_for(plgu_officer).post(
        reverse("screening:snapshot_upload", args=[source.pk]),
        {"file": SimpleUploadedFile("list.csv", data, content_type="text/csv")},
    )
    html = response.content.decode()
    assert response.status_code == 200  # the form again, with the reason
    assert "2 row(s) of the file have errors, so nothing was loaded." in html
    assert "Row 2, column “kind”: “robot” is not a kind; use person or organisation." in html
    assert "Row 3, column “name”: A value is required." in html
    assert source.snapshots.count() == 0


def test_upload_without_a_file_keeps_the_form_with_an_error(client_for, plgu_officer, loaded):
    response = client_for(plgu_officer).post(
        reverse("screening:snapshot_upload", args=[loaded.source_id]), {}
    )
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_snapshot_page_searches_names_aliases_and_filters_by_kind(client_for, staff_member, loaded):
    client = client_for(staff_member)
    url = reverse("screening:snapshot_detail", args=[loaded.pk])
    html = client.get(url, {"q": "aminah"}).content.decode()  # an alias of QDi.901
    assert "AMINA TESTPERSON" in html
    assert "NEWLY LISTED" not in html
    html = client.get(url, {"kind": "organisation"}).content.decode()
    assert "EXAMPLE SHIPPING CO" in html
    assert "AMINA TESTPERSON" not in html
    assert "1 entry" in html


def test_changes_page_shows_before_and_after_field_by_field(client_for, staff_member, loaded):
    client = client_for(staff_member)
    url = reverse("screening:snapshot_changes", args=[loaded.pk])
    html = client.get(url).content.decode()
    assert "3 changes" in html
    assert "Dates of birth" in html
    assert "1970" in html  # before
    assert "1971-05-04" in html  # after
    assert "No longer on the list." in html  # QDi.902, delisted
    assert "New on the list." in html
    removed = client.get(url, {"kind": "removed"}).content.decode()
    assert "DELISTED PERSON" in removed
    assert "AMINA TESTPERSON" not in removed


def test_first_snapshot_has_nothing_to_compare(client_for, staff_member):
    snapshot = services.sanctions_list_load(source=un_source(), data=small_list_v1(), actor=None).snapshot
    html = (
        client_for(staff_member)
        .get(reverse("screening:snapshot_changes", args=[snapshot.pk]))
        .content.decode()
    )
    assert "This is the first snapshot of this list" in html


def test_entry_page_shows_aliases_with_quality_and_other_snapshots(client_for, staff_member, loaded):
    entry = loaded.entries.get(reference_number="QDi.901")
    html = client_for(staff_member).get(reverse("screening:entry_detail", args=[entry.pk])).content.decode()
    assert "Aminah Test" in html
    assert "good" in html
    assert "1971-05-04" in html
    assert "different content" in html  # the v1 version had another date of birth


def test_plgu_adds_and_edits_a_list(client_for, plgu_officer):
    client = client_for(plgu_officer)
    response = client.post(
        reverse("screening:source_create"), {"code": "local", "name": "Local list", "format": "csv"}
    )
    source = ListSource.objects.get(code="local")
    assert response.status_code == 302
    response = client.post(
        reverse("screening:source_edit", args=[source.pk]),
        {
            "name": "Local list",
            "format": "csv",
            "refresh_url": "http://insecure.example/l.csv",
            "refresh_enabled": "on",
            "version": source.version,
        },
    )
    assert "Use an https address." in response.content.decode()
    source.refresh_from_db()
    assert source.refresh_enabled is False


def test_plgu_download_now_shows_a_refusal_as_a_message(client_for, plgu_officer, loaded, monkeypatch):
    def fail(url):
        raise services.ListRefused("The download failed: timed out.", code="download_failed")

    monkeypatch.setattr(services, "download_list", fail)
    response = client_for(plgu_officer).post(
        reverse("screening:source_refresh", args=[loaded.source_id]), follow=True
    )
    assert "The list was not loaded: The download failed: timed out." in response.content.decode()
    assert ListSnapshot.objects.get(is_current=True) == loaded


def test_list_pages_use_a_bounded_number_of_queries(client_for, staff_member, django_assert_max_num_queries):
    services.sanctions_list_load(source=un_source(), data=sanctions_bytes(LIST_2020), actor=None)
    snapshot = services.sanctions_list_load(
        source=un_source(), data=sanctions_bytes(LIST_2025), actor=None
    ).snapshot
    client = client_for(staff_member)
    client.get(reverse("screening:source_list"))  # warm the session and content types
    urls = [
        reverse("screening:source_list"),
        reverse("screening:source_detail", args=[snapshot.source_id]),
        reverse("screening:snapshot_detail", args=[snapshot.pk]),
        reverse("screening:snapshot_detail", args=[snapshot.pk]) + "?q=hassan&kind=person&page=2",
        reverse("screening:snapshot_changes", args=[snapshot.pk]),
        reverse("screening:snapshot_changes", args=[snapshot.pk]) + "?kind=changed&matching=on&page=3",
        reverse("screening:entry_detail", args=[snapshot.entries.get(reference_number="QDi.306").pk]),
    ]
    for url in urls:
        with django_assert_max_num_queries(10):
            assert client.get(url).status_code == 200


def test_navigation_and_dashboard_card_for_staff_only(client_for, staff_member, partner_user, loaded):
    staff_home = client_for(staff_member).get(reverse("core:dashboard")).content.decode()
    assert f'href="{reverse("screening:source_list")}"' in staff_home
    assert "UN sanctions list entries" in staff_home
    partner_home = client_for(partner_user).get(reverse("core:dashboard")).content.decode()
    assert reverse("screening:source_list") not in partner_home
    assert "sanctions" not in partner_home.lower()
