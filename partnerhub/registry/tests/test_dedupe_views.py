"""The duplicate review pages: scans, compare and merge, "not duplicates", merges and undo."""

import re

import pytest
from django.urls import reverse

from partnerhub.core.models import AuditLog
from partnerhub.org.models import Office
from partnerhub.registry import duplicates, services
from partnerhub.registry.models import (
    Country,
    DuplicateScan,
    JobStatus,
    MergeRecord,
    NotDuplicate,
    Partner,
    StakeholderCategory,
)
from partnerhub.registry.states import PartnerStatus

pytestmark = pytest.mark.django_db

OTHERS = ["staff_member", "focal_point", "legal_officer", "comms_officer", "partner_user"]


def make_partner(actor, name, *, country="KE", **extra):
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code="civil-society"),
        "owning_office": Office.objects.get(code="youth"),
        "country": Country.objects.get(pk=country),
        "identified_channel": "event",
        **extra,
    }
    return services.partner_create(actor=actor, data=data)


@pytest.fixture
def pair(plgu_officer):
    left = make_partner(plgu_officer, "Kibera Youth Network", website="https://kyn.or.ke")
    right = make_partner(
        plgu_officer, "KIBERA YOUTH NETWORK LTD", email="info@kyn.or.ke", phone="+254 20 762 3120"
    )
    return Partner.objects.get(pk=left.pk), Partner.objects.get(pk=right.pk)


def state():
    return {
        "partners": list(
            Partner.objects.order_by("pk").values("pk", "name", "email", "status", "merged_into", "version")
        ),
        "not_duplicates": list(NotDuplicate.objects.values_list("partner_a", "partner_b")),
        "merges": list(MergeRecord.objects.values_list("pk", "reverted_at")),
        "scans": DuplicateScan.objects.count(),
        "audit": AuditLog.objects.count(),
    }


def test_scans_page_lists_scans_and_offers_a_new_one(plgu_officer, client_for):
    response = client_for(plgu_officer).get(reverse("registry:duplicate_scans"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "No scan has run yet." in html
    assert reverse("registry:duplicate_scan_start") in html


def test_starting_a_scan_shows_its_clusters(
    pair, plgu_officer, client_for, django_capture_on_commit_callbacks
):
    client = client_for(plgu_officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry:duplicate_scan_start"))
    scan = DuplicateScan.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("registry:duplicate_scan", args=[scan.pk])
    page = client.get(response.url)
    html = page.content.decode()
    assert DuplicateScan.objects.get().status == JobStatus.DONE
    assert "1 group of likely duplicates" in html
    left, right = pair
    assert reverse("registry:duplicate_compare", args=[left.pk, right.pk]) in html


def test_a_running_scan_shows_its_progress_to_htmx(plgu_officer, client_for):
    scan = DuplicateScan.objects.create(status=JobStatus.RUNNING, total=200, processed=50)
    response = client_for(plgu_officer).get(
        reverse("registry:duplicate_scan", args=[scan.pk]), HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert '<progress id="scan-bar" class="w-100" max="200" value="50">' in html
    assert 'hx-trigger="every 2s"' in html
    assert "<html" not in html


def test_decided_or_merged_pairs_leave_the_scan_page(pair, plgu_officer, client_for):
    left, right = pair
    scan = DuplicateScan.objects.create(
        status=JobStatus.DONE,
        clusters=[
            {
                "ids": [left.pk, right.pk],
                "score": 1.0,
                "reasons": ["name_same"],
                "pairs": [[left.pk, right.pk, 1.0, ["name_same"]]],
            },
        ],
    )
    url = reverse("registry:duplicate_scan", args=[scan.pk])
    client = client_for(plgu_officer)
    assert "same name" in client.get(url).content.decode()
    duplicates.mark_not_duplicate(actor=plgu_officer, partner_a=left, partner_b=right)
    assert "Nothing left to review on this page." in client.get(url).content.decode()


def test_compare_page_shows_both_records_with_a_choice_per_differing_field(pair, plgu_officer, client_for):
    left, right = pair
    response = client_for(plgu_officer).get(reverse("registry:duplicate_compare", args=[left.pk, right.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="field_name"' in html
    assert 'name="field_email"' in html
    assert 'name="field_country"' not in html  # the same on both sides
    assert 'id="f-email-b" value="b" checked' in html  # empty on the left: the right value by default
    assert "Likeness 1.00" in html
    assert "style=" not in html.split("<main", 1)[1]
    assert re.findall(r"<th(?=[\s>])(?![^>]*scope=)", html.split("<main", 1)[1]) == []


def test_merging_from_the_compare_page(pair, plgu_officer, client_for):
    left, right = pair
    data = {
        "survivor": "a",
        "version_a": left.version,
        "version_b": right.version,
        "field_name": "a",
        "field_email": "b",
        "field_phone": "b",
        "field_website": "a",
    }
    response = client_for(plgu_officer).post(
        reverse("registry:duplicate_compare", args=[left.pk, right.pk]), data
    )
    merge = MergeRecord.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("registry:merge_detail", args=[merge.pk])
    kept = Partner.objects.get(pk=left.pk)
    assert (kept.name, kept.email, kept.phone) == ("Kibera Youth Network", "info@kyn.or.ke", "+254207623120")
    gone = Partner.objects.get(pk=right.pk)
    assert (gone.status, gone.merged_into_id) == (PartnerStatus.ARCHIVED, left.pk)


def test_the_right_record_can_be_the_one_kept(pair, plgu_officer, client_for):
    left, right = pair
    data = {
        "survivor": "b",
        "version_a": left.version,
        "version_b": right.version,
        "field_name": "b",
        "field_email": "b",
        "field_phone": "b",
        "field_website": "a",
    }
    client_for(plgu_officer).post(reverse("registry:duplicate_compare", args=[left.pk, right.pk]), data)
    kept = Partner.objects.get(pk=right.pk)
    assert (kept.name, kept.website) == ("KIBERA YOUTH NETWORK LTD", "https://kyn.or.ke")
    assert Partner.objects.get(pk=left.pk).merged_into_id == right.pk


def test_a_stale_compare_page_is_refused_with_the_choices_kept(pair, plgu_officer, client_for):
    left, right = pair
    data = {
        "survivor": "a",
        "version_a": left.version - 1,
        "version_b": right.version,
        "field_name": "b",
        "field_email": "b",
        "field_phone": "b",
        "field_website": "a",
    }
    before = state()
    response = client_for(plgu_officer).post(
        reverse("registry:duplicate_compare", args=[left.pk, right.pk]), data
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this record" in html
    assert 'id="f-name-b" value="b" checked' in html
    assert state() == before


def test_marking_not_duplicates_from_the_page(pair, plgu_officer, client_for):
    left, right = pair
    scans = reverse("registry:duplicate_scans")
    response = client_for(plgu_officer).post(
        reverse("registry:duplicate_not_duplicate", args=[right.pk, left.pk]),
        {"next": scans, "reason": "two networks"},
    )
    assert response.status_code == 302
    assert response.url == scans
    decision = NotDuplicate.objects.get()
    assert (decision.partner_a_id, decision.partner_b_id, decision.reason) == (
        left.pk,
        right.pk,
        "two networks",
    )


def test_merge_page_offers_the_undo_and_undoing_restores(pair, plgu_officer, client_for):
    left, right = pair
    merge = duplicates.partners_merge(
        actor=plgu_officer, survivor=left, absorbed=right, choices={"email": "absorbed"}
    )
    client = client_for(plgu_officer)
    html = client.get(reverse("registry:merge_detail", args=[merge.pk])).content.decode()
    assert reverse("registry:merge_revert", args=[merge.pk]) in html
    assert "E-mail" in html
    assert "Kibera Youth Network" in client.get(reverse("registry:merge_list")).content.decode()
    response = client.post(reverse("registry:merge_revert", args=[merge.pk]))
    assert response.status_code == 302
    assert Partner.objects.get(pk=right.pk).merged_into_id is None
    assert Partner.objects.get(pk=left.pk).email == ""
    assert reverse("registry:merge_revert", args=[merge.pk]) not in client.get(response.url).content.decode()


@pytest.mark.parametrize("persona", OTHERS, indirect=True)
@pytest.mark.parametrize("page", ["duplicate_scans", "merge_list"])
def test_review_pages_are_for_plgu(persona, page, client_for):
    response = client_for(persona).get(reverse(f"registry:{page}"))
    assert response.status_code == 403
    assert "Only the Partnerships and Local Government Unit" in response.content.decode()


@pytest.mark.parametrize("persona", OTHERS, indirect=True)
def test_others_may_not_merge_decide_scan_or_undo_and_nothing_changes(
    pair, plgu_officer, persona, client_for
):
    left, right = pair
    other = make_partner(plgu_officer, "Kibera Youth Network Trust")
    merge = duplicates.partners_merge(actor=plgu_officer, survivor=left, absorbed=other, choices={})
    before = state()
    client = client_for(persona)
    compare = reverse("registry:duplicate_compare", args=[left.pk, right.pk])
    data = {"survivor": "a", "version_a": left.version, "version_b": right.version, "field_name": "b"}
    assert client.get(compare).status_code == 403
    assert client.post(compare, data).status_code == 403
    assert (
        client.post(reverse("registry:duplicate_not_duplicate", args=[left.pk, right.pk])).status_code == 403
    )
    assert client.post(reverse("registry:duplicate_scan_start")).status_code == 403
    assert client.post(reverse("registry:merge_revert", args=[merge.pk])).status_code == 403
    assert client.get(reverse("registry:merge_detail", args=[merge.pk])).status_code == 403
    assert state() == before
