"""A merge archives the absorbed record and its undo gives the status back: both ask the status guards that
other apps register, as `partner_change_status` does, and refuse with the guard's reason."""

import pytest

from partnerhub.core.errors import IllegalTransition
from partnerhub.core.models import AuditLog
from partnerhub.registry import duplicates, guards, services
from partnerhub.registry.guards import Refusal
from partnerhub.registry.models import MergeRecord, Partner
from partnerhub.registry.states import PartnerStatus
from partnerhub.registry.tests.test_merge import make_partner, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(plgu_officer):
    survivor = make_partner(plgu_officer, "Habitat International Coalition", acronym="HIC")
    absorbed = make_partner(plgu_officer, "Habitat Intl Coalition", names=["HIC America Latina"])
    services.partner_change_status(actor=plgu_officer, partner=absorbed, status=PartnerStatus.ACTIVE)
    return Partner.objects.get(pk=survivor.pk), Partner.objects.get(pk=absorbed.pk)


@pytest.fixture
def guard():
    """A guard as the due-diligence app would register one; it records what it was asked."""
    asked: list[tuple[int, str, str]] = []
    refuse: dict[str, Refusal] = {}

    def open_case(partner, target):
        asked.append((partner.pk, partner.status, target))
        return refuse.get(target)

    guards.register_status_guard(open_case)
    yield {"asked": asked, "refuse": refuse}
    guards.unregister_status_guard(open_case)


def test_a_guard_refusing_the_archive_refuses_the_merge_with_its_reason_and_nothing_changes(
    pair, guard, plgu_officer
):
    survivor, absorbed = pair
    guard["refuse"][PartnerStatus.ARCHIVED] = Refusal(
        "This partner has an open due-diligence case; close it first.", url="/diligence/cases/7/"
    )
    before = snapshot()
    audit_count = AuditLog.objects.count()

    with pytest.raises(IllegalTransition) as refused:
        duplicates.partners_merge(actor=plgu_officer, survivor=survivor, absorbed=absorbed, choices={})

    assert refused.value.message == "This partner has an open due-diligence case; close it first."
    assert refused.value.context == {"url": "/diligence/cases/7/"}
    assert guard["asked"] == [(absorbed.pk, PartnerStatus.ACTIVE, PartnerStatus.ARCHIVED)]
    assert snapshot() == before
    assert AuditLog.objects.count() == audit_count
    assert not MergeRecord.objects.exists()


def test_the_merge_asks_the_guards_about_archiving_the_absorbed_record(pair, guard, plgu_officer):
    survivor, absorbed = pair

    duplicates.partners_merge(actor=plgu_officer, survivor=survivor, absorbed=absorbed, choices={})

    assert guard["asked"] == [(absorbed.pk, PartnerStatus.ACTIVE, PartnerStatus.ARCHIVED)]
    assert Partner.objects.get(pk=absorbed.pk).status == PartnerStatus.ARCHIVED


def test_an_absorbed_record_already_archived_changes_no_status_and_asks_no_guard(pair, guard, plgu_officer):
    survivor, absorbed = pair
    services.partner_change_status(actor=plgu_officer, partner=absorbed, status=PartnerStatus.ARCHIVED)
    guard["asked"].clear()
    guard["refuse"][PartnerStatus.ARCHIVED] = Refusal("Never archive.")

    duplicates.partners_merge(
        actor=plgu_officer, survivor=survivor, absorbed=Partner.objects.get(pk=absorbed.pk), choices={}
    )

    assert guard["asked"] == []
    assert Partner.objects.get(pk=absorbed.pk).merged_into_id == survivor.pk


def test_the_merge_carries_no_status_onto_the_survivor(pair, plgu_officer):
    survivor, absorbed = pair

    duplicates.partners_merge(
        actor=plgu_officer, survivor=survivor, absorbed=absorbed, choices={"name": "absorbed"}
    )

    assert Partner.objects.get(pk=survivor.pk).status == PartnerStatus.PROSPECT


def test_a_guard_refusing_the_status_given_back_refuses_the_undo_and_nothing_changes(
    pair, guard, plgu_officer
):
    survivor, absorbed = pair
    record = duplicates.partners_merge(actor=plgu_officer, survivor=survivor, absorbed=absorbed, choices={})
    guard["asked"].clear()
    guard["refuse"][PartnerStatus.ACTIVE] = Refusal("Its due-diligence approval has expired.")
    before = snapshot()
    audit_count = AuditLog.objects.count()

    with pytest.raises(IllegalTransition) as refused:
        duplicates.merge_revert(actor=plgu_officer, merge=record)

    assert refused.value.message == "Its due-diligence approval has expired."
    assert guard["asked"] == [(absorbed.pk, PartnerStatus.ARCHIVED, PartnerStatus.ACTIVE)]
    assert snapshot() == before
    assert AuditLog.objects.count() == audit_count
    assert MergeRecord.objects.get(pk=record.pk).reverted_at is None


def test_the_undo_gives_the_status_back_when_the_guards_allow_it(pair, guard, plgu_officer):
    survivor, absorbed = pair
    record = duplicates.partners_merge(actor=plgu_officer, survivor=survivor, absorbed=absorbed, choices={})

    duplicates.merge_revert(actor=plgu_officer, merge=record)

    assert guard["asked"][-1] == (absorbed.pk, PartnerStatus.ARCHIVED, PartnerStatus.ACTIVE)
    assert Partner.objects.get(pk=absorbed.pk).status == PartnerStatus.ACTIVE


def test_the_status_service_and_the_merge_ask_the_same_guards(pair, guard, plgu_officer):
    survivor, _absorbed = pair
    guard["refuse"][PartnerStatus.ARCHIVED] = Refusal("Agreements are still running.")

    with pytest.raises(IllegalTransition) as by_service:
        services.partner_change_status(actor=plgu_officer, partner=survivor, status=PartnerStatus.ARCHIVED)
    with pytest.raises(IllegalTransition) as by_merge:
        duplicates.partners_merge(actor=plgu_officer, survivor=pair[1], absorbed=survivor, choices={})

    assert by_service.value.message == by_merge.value.message == "Agreements are still running."
