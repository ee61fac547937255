"""The sanctions-list API: staff read lists, snapshots, entries and changes; PLGU load files; partners see nothing."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from conftest import PERSONAS
from partnerhub.screening import services
from partnerhub.screening.models import ListEntry, ListSnapshot
from partnerhub.screening.tests.test_lists_support import (
    CORRUPT,
    LIST_2025,
    sanctions_bytes,
    small_list_v1,
    small_list_v2,
    un_source,
)

pytestmark = pytest.mark.django_db
API = "/api/v1/screening"
STAFF = set(PERSONAS) - {"partner_user"}


@pytest.fixture
def loaded():
    services.sanctions_list_load(source=un_source(), data=small_list_v1(), actor=None, origin="v1.xml")
    return services.sanctions_list_load(
        source=un_source(), data=small_list_v2(), actor=None, origin="v2.xml"
    ).snapshot


def endpoints(snapshot):
    entry = snapshot.entries.get(reference_number="QDi.901")
    return {
        "sources": f"{API}/sources",
        "source": f"{API}/sources/{snapshot.source_id}",
        "snapshots": f"{API}/sources/{snapshot.source_id}/snapshots",
        "snapshot": f"{API}/snapshots/{snapshot.pk}",
        "entries": f"{API}/snapshots/{snapshot.pk}/entries",
        "changes": f"{API}/snapshots/{snapshot.pk}/changes",
        "entry": f"{API}/entries/{entry.pk}",
    }


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_staff_read_every_endpoint_and_partner_users_are_refused(persona, client_for, loaded, request):
    name = request.node.callspec.params["persona"]
    client = client_for(persona)
    for endpoint, url in endpoints(loaded).items():
        response = client.get(url)
        if name in STAFF:
            assert response.status_code == 200, (endpoint, name)
        else:
            assert response.status_code == (403 if endpoint == "sources" else 404), (endpoint, name)
            assert response["Content-Type"] == "application/problem+json"
            assert "AMINA" not in response.content.decode()


def test_anonymous_callers_get_401(client, loaded):
    for url in endpoints(loaded).values():
        assert client.get(url).status_code == 401


def test_sources_show_the_current_snapshot(client_for, staff_member, loaded):
    body = client_for(staff_member).get(f"{API}/sources").json()
    assert body["count"] == 1
    assert body["results"][0]["code"] == "un-sc"
    assert body["results"][0]["current_snapshot_id"] == loaded.pk
    assert body["results"][0]["refresh_enabled"] is False


def test_snapshot_carries_its_difference_counts(client_for, staff_member, loaded):
    body = client_for(staff_member).get(f"{API}/snapshots/{loaded.pk}").json()
    assert {
        k: body[k] for k in ("entry_count", "added_count", "changed_count", "removed_count", "is_current")
    } == {
        "entry_count": 3,
        "added_count": 1,
        "changed_count": 1,
        "removed_count": 1,
        "is_current": True,
    }
    assert body["previous_id"] == loaded.previous_id
    assert body["source_code"] == "un-sc"


def test_entries_are_paginated_searchable_and_filterable(client_for, staff_member, loaded):
    client = client_for(staff_member)
    body = client.get(f"{API}/snapshots/{loaded.pk}/entries", {"page_size": 2}).json()
    assert (body["count"], body["page_size"], len(body["results"])) == (3, 2, 2)
    assert body["next"].endswith("page_size=2&page=2")
    found = client.get(f"{API}/snapshots/{loaded.pk}/entries", {"q": "Aminah"}).json()
    assert [e["reference_number"] for e in found["results"]] == ["QDi.901"]
    organisations = client.get(f"{API}/snapshots/{loaded.pk}/entries", {"kind": "organisation"}).json()
    assert [e["full_name"] for e in organisations["results"]] == ["EXAMPLE SHIPPING CO"]


def test_changes_give_field_by_field_before_and_after(client_for, staff_member, loaded):
    body = client_for(staff_member).get(f"{API}/snapshots/{loaded.pk}/changes").json()
    by_ref = {c["reference_number"]: c for c in body["results"]}
    assert {ref: c["kind"] for ref, c in by_ref.items()} == {
        "QDi.901": "changed",
        "QDi.902": "removed",
        "QDi.903": "added",
    }
    assert by_ref["QDi.901"]["fields"] == [
        {"name": "dates_of_birth", "label": "Dates of birth", "before": ["1970"], "after": ["1971-05-04"]}
    ]
    assert by_ref["QDi.902"]["name"] == "DELISTED PERSON"
    assert by_ref["QDi.902"]["entry_id"] is None
    removed = client_for(staff_member).get(f"{API}/snapshots/{loaded.pk}/changes", {"kind": "removed"}).json()
    assert removed["count"] == 1


def test_entry_has_everything_the_list_says(client_for, staff_member, loaded):
    entry = loaded.entries.get(reference_number="QDi.901")
    body = client_for(staff_member).get(f"{API}/entries/{entry.pk}").json()
    assert body["full_name"] == "AMINA TESTPERSON"
    assert body["aliases"] == [
        {"name": "Amina Test", "quality": "good", "date_of_birth": "", "note": ""},
        {"name": "Aminah Test", "quality": "good", "date_of_birth": "", "note": ""},
    ]
    assert body["dates_of_birth"][0]["date"] == "1971-05-04"
    assert body["nationalities"] == ["Somalia"]


def test_plgu_loads_a_file_through_the_api(client_for, plgu_officer, loaded):
    client = client_for(plgu_officer)
    url = f"{API}/sources/{loaded.source_id}/snapshots"
    response = client.post(url, {"file": SimpleUploadedFile("list.xml", sanctions_bytes(LIST_2025))})
    assert response.status_code == 201
    assert response.json()["created"] is True
    assert response.json()["snapshot"]["entry_count"] == 879
    again = client.post(url, {"file": SimpleUploadedFile("list.xml", sanctions_bytes(LIST_2025))})
    assert (again.status_code, again.json()["created"]) == (200, False)


def test_damaged_file_through_the_api_is_a_problem_and_changes_nothing(client_for, plgu_officer, loaded):
    before = (ListSnapshot.objects.count(), ListEntry.objects.count())
    response = client_for(plgu_officer).post(
        f"{API}/sources/{loaded.source_id}/snapshots",
        {"file": SimpleUploadedFile("bad.xml", sanctions_bytes(CORRUPT))},
    )
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "not_utf8"
    assert (ListSnapshot.objects.count(), ListEntry.objects.count()) == before
    assert ListSnapshot.objects.get(is_current=True) == loaded


@pytest.mark.parametrize("persona", ["staff_member", "legal_officer", "partner_user"], indirect=True)
def test_load_through_the_api_by_others_is_denied_and_nothing_changed(persona, client_for, loaded):
    before = (ListSnapshot.objects.count(), ListEntry.objects.count())
    response = client_for(persona).post(
        f"{API}/sources/{loaded.source_id}/snapshots",
        {"file": SimpleUploadedFile("list.xml", sanctions_bytes(LIST_2025))},
    )
    assert response.status_code in {403, 404}
    assert (ListSnapshot.objects.count(), ListEntry.objects.count()) == before


def test_entry_list_uses_a_bounded_number_of_queries(client_for, staff_member, django_assert_max_num_queries):
    snapshot = services.sanctions_list_load(
        source=un_source(), data=sanctions_bytes(LIST_2025), actor=None
    ).snapshot
    client = client_for(staff_member)
    client.get(f"{API}/sources")
    for url in (
        f"{API}/snapshots/{snapshot.pk}/entries?page_size=200",
        f"{API}/sources",
        f"{API}/sources/{snapshot.source_id}/snapshots",
    ):
        with django_assert_max_num_queries(8):
            assert client.get(url).status_code == 200
