"""Merging duplicate partners and undoing it: every related record moves, and moves back."""

import datetime as dt

import pytest
from django.urls import reverse

from partnerhub.core.errors import ConcurrentEdit, NotAllowed, ValidationFailed
from partnerhub.core.models import AuditLog
from partnerhub.org.models import Office
from partnerhub.registry import duplicates, services
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    Country,
    DuplicateKey,
    MergeRecord,
    NotDuplicate,
    Partner,
    PartnerMembership,
    PartnerName,
    Relationship,
    StakeholderCategory,
    Tag,
)
from partnerhub.registry.states import PartnerStatus

pytestmark = pytest.mark.django_db

VOLATILE = {"version", "updated_at", "search_text", "name_key"}


def make_partner(actor, name, *, country="KE", category="civil-society", names=(), **extra):
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code=category),
        "owning_office": Office.objects.get(code="youth"),
        "country": Country.objects.get(pk=country) if country else None,
        "identified_channel": "event",
        **extra,
    }
    return services.partner_create(
        actor=actor, data=data, alternative_names=[(n, "", "alternative") for n in names]
    )


def rows(model, **filters):
    return [
        {k: v for k, v in row.items() if k not in VOLATILE}
        for row in model.objects.filter(**filters).order_by("pk").values()
    ]


def snapshot():
    """Everything a merge touches, as comparable values."""
    return {
        "partners": rows(Partner),
        "names": rows(PartnerName),
        "roles": rows(ContactRole),
        "relationships": rows(Relationship),
        "memberships": rows(PartnerMembership),
        "not_duplicates": sorted(
            NotDuplicate.objects.values_list("pk", "partner_a", "partner_b", "reason", "decided_at")
        ),
        "categories": sorted(
            Partner.other_categories.through.objects.values_list("partner_id", "stakeholdercategory_id")
        ),
        "tags": sorted(Partner.tags.through.objects.values_list("partner_id", "tag_id")),
        "keys": sorted(DuplicateKey.objects.values_list("partner_id", "key")),
    }


@pytest.fixture
def world(plgu_officer, make_user):
    """Two records of one organisation, each with its own related records, and a third party."""
    survivor = make_partner(
        plgu_officer,
        "Habitat International Coalition",
        country="CL",
        acronym="HIC",
        names=["Coalición Internacional para el Hábitat"],
        website="https://www.hic-net.org",
    )
    absorbed = make_partner(
        plgu_officer,
        "Habitat Intl Coalition",
        country="CL",
        acronym="HIC-AL",
        names=["HIC América Latina"],
        email="info@hic-al.org",
        phone="+56 2 2345 6789",
        description="Latin American office records",
        ecosoc_status="special",
        ecosoc_year=2001,
    )
    third = make_partner(plgu_officer, "United Cities and Local Governments", country="ES")
    branch = make_partner(plgu_officer, "HIC Mexico", country="MX", parent=absorbed)
    # contacts at both records
    services.contact_create(
        actor=plgu_officer,
        data={"given_name": "Ana", "family_name": "Sugranyes"},
        partner=survivor,
        title="Coordinator",
        is_primary=True,
    )
    services.contact_create(
        actor=plgu_officer,
        data={"given_name": "Lorena", "family_name": "Zárate"},
        partner=absorbed,
        title="President",
        is_key_person=True,
    )
    # relationships in both directions, one between the two, one that would repeat
    services.relationship_create(actor=plgu_officer, source=absorbed, kind="member_of", target=third)
    services.relationship_create(actor=plgu_officer, source=survivor, kind="member_of", target=third)
    services.relationship_create(
        actor=plgu_officer, source=third, kind="funds", target=absorbed, start_date=dt.date(2024, 1, 1)
    )
    services.relationship_create(actor=plgu_officer, source=absorbed, kind="affiliate_of", target=survivor)
    # a partner user of the absorbed record
    member = make_user("partner", email="member@hic-al.org")
    services.partner_user_link(actor=plgu_officer, user=member, partner=absorbed)
    # remembered decisions
    duplicates.mark_not_duplicate(actor=plgu_officer, partner_a=absorbed, partner_b=third, reason="different")
    duplicates.mark_not_duplicate(
        actor=plgu_officer, partner_a=survivor, partner_b=third, reason="also different"
    )
    # categories and tags
    absorbed.other_categories.add(StakeholderCategory.objects.get(code="grassroots"))
    survivor.tags.add(Tag.objects.get(kind="theme", code="housing"))
    absorbed.tags.add(
        Tag.objects.get(kind="theme", code="housing"), Tag.objects.get(kind="theme", code="land")
    )
    return {
        "survivor": Partner.objects.get(pk=survivor.pk),
        "absorbed": Partner.objects.get(pk=absorbed.pk),
        "third": third,
        "branch": branch,
        "member": member,
    }


def merge(actor, world, **choices):
    return duplicates.partners_merge(
        actor=actor, survivor=world["survivor"], absorbed=world["absorbed"], choices=choices
    )


def test_merge_re_points_every_related_record(world, plgu_officer):
    survivor, absorbed, third = world["survivor"], world["absorbed"], world["third"]
    record = merge(plgu_officer, world, email="absorbed", phone="absorbed", name="survivor")

    survivor.refresh_from_db()
    absorbed.refresh_from_db()
    assert absorbed.status == PartnerStatus.ARCHIVED
    assert absorbed.merged_into == survivor
    assert (survivor.email, survivor.phone, survivor.website) == (
        "info@hic-al.org",
        "+56223456789",
        "https://www.hic-net.org",
    )
    assert survivor.name == "Habitat International Coalition"
    assert sorted(survivor.names.values_list("name", flat=True)) == [
        "Coalición Internacional para el Hábitat",
        "HIC América Latina",
        "HIC-AL",
        "Habitat Intl Coalition",
    ]
    assert not absorbed.names.exists()
    assert sorted(
        ContactRole.objects.filter(partner=survivor).values_list("contact__family_name", flat=True)
    ) == ["Sugranyes", "Zárate"]
    assert Partner.objects.get(pk=world["branch"].pk).parent == survivor
    assert PartnerMembership.objects.get(user=world["member"]).partner == survivor
    rels = set(Relationship.objects.values_list("source", "kind", "target"))
    assert rels == {(survivor.pk, "member_of", third.pk), (third.pk, "funds", survivor.pk)}
    assert set(NotDuplicate.objects.values_list("partner_a", "partner_b")) == {
        tuple(sorted((survivor.pk, third.pk)))
    }
    assert set(survivor.other_categories.values_list("code", flat=True)) == {"grassroots"}
    assert set(survivor.tags.values_list("code", flat=True)) == {"housing", "land"}
    assert not DuplicateKey.objects.filter(partner=absorbed).exists()
    assert DuplicateKey.objects.filter(partner=survivor, key="t:latina").exists()
    assert record.chosen_fields == {"email": "absorbed", "phone": "absorbed", "name": "survivor"}
    dropped = record.repointed["relationships"]["dropped"]
    assert sorted(d["why"] for d in dropped) == ["repeat", "self"]
    merge_audit = AuditLog.objects.filter(action="registry.partner.merge")
    assert sorted(merge_audit.values_list("target_id", flat=True)) == sorted(
        [str(survivor.pk), str(absorbed.pk)]
    )


def test_merge_and_revert_put_every_row_back_where_it_was(world, plgu_officer):
    before = snapshot()
    record = merge(
        plgu_officer,
        world,
        name="absorbed",
        email="absorbed",
        ecosoc_status="absorbed",
        ecosoc_year="absorbed",
        description="absorbed",
    )
    assert snapshot() != before
    duplicates.merge_revert(actor=plgu_officer, merge=record)
    assert snapshot() == before
    record.refresh_from_db()
    assert record.reverted_by == plgu_officer
    assert record.reverted_at is not None
    assert AuditLog.objects.filter(action="registry.partner.merge_revert").count() == 2


def test_the_survivor_keeps_its_old_name_as_an_alternative_name(world, plgu_officer):
    merge(plgu_officer, world, name="absorbed")
    survivor = Partner.objects.get(pk=world["survivor"].pk)
    assert survivor.name == "Habitat Intl Coalition"
    assert "Habitat International Coalition" in survivor.names.values_list("name", flat=True)
    assert "Habitat Intl Coalition" not in survivor.names.values_list("name", flat=True)


def test_the_absorbed_record_redirects_to_the_survivor(world, plgu_officer, client_for):
    merge(plgu_officer, world)
    response = client_for(plgu_officer).get(reverse("registry:partner_detail", args=[world["absorbed"].pk]))
    assert response.status_code == 302
    assert response.url == reverse("registry:partner_detail", args=[world["survivor"].pk])


def test_revert_keeps_later_changes_to_the_survivor(world, plgu_officer):
    record = merge(plgu_officer, world, email="absorbed", phone="absorbed")
    survivor = Partner.objects.get(pk=world["survivor"].pk)
    services.partner_update(
        actor=plgu_officer,
        partner=survivor,
        data={"email": "new@hic-net.org"},
        expected_version=survivor.version,
    )
    duplicates.merge_revert(actor=plgu_officer, merge=record)
    survivor.refresh_from_db()
    assert survivor.email == "new@hic-net.org"
    assert survivor.phone == ""
    assert (
        "email"
        in AuditLog.objects.get(action="registry.partner.merge_revert", target_id=str(survivor.pk)).note
    )


def test_revert_twice_is_refused(world, plgu_officer):
    record = merge(plgu_officer, world)
    duplicates.merge_revert(actor=plgu_officer, merge=record)
    with pytest.raises(ValidationFailed, match="Some values"):
        duplicates.merge_revert(actor=plgu_officer, merge=record)


def test_revert_waits_for_a_later_merge_of_the_survivor(world, plgu_officer):
    first = merge(plgu_officer, world)
    other = make_partner(plgu_officer, "HIC Coalition", country="CL")
    duplicates.partners_merge(
        actor=plgu_officer, survivor=other, absorbed=Partner.objects.get(pk=world["survivor"].pk), choices={}
    )
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        duplicates.merge_revert(actor=plgu_officer, merge=first)
    assert "Undo that merge first" in str(refused.value.errors)
    assert snapshot() == before


def test_the_survivor_that_was_a_branch_of_the_absorbed_record_takes_its_headquarters(plgu_officer):
    hq = make_partner(plgu_officer, "Global Network")
    absorbed = make_partner(plgu_officer, "Acme Alliance", parent=hq)
    survivor = make_partner(plgu_officer, "Acme Alliance Kenya", parent=absorbed)
    duplicates.partners_merge(actor=plgu_officer, survivor=survivor, absorbed=absorbed, choices={})
    assert Partner.objects.get(pk=survivor.pk).parent == hq


def test_stale_versions_are_refused(world, plgu_officer):
    before = snapshot()
    with pytest.raises(ConcurrentEdit):
        duplicates.partners_merge(
            actor=plgu_officer,
            survivor=world["survivor"],
            absorbed=world["absorbed"],
            choices={},
            expected_versions=(world["survivor"].version - 1, world["absorbed"].version),
        )
    assert snapshot() == before


@pytest.mark.parametrize(
    ("choices", "message"),
    [({"status": "absorbed"}, "Unknown choice"), ({"name": "both"}, "Unknown choice")],
)
def test_bad_choices_are_refused(world, plgu_officer, choices, message):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refused:
        merge(plgu_officer, world, **choices)
    assert message in str(refused.value.errors)
    assert snapshot() == before


def test_a_record_cannot_be_merged_into_itself_or_twice(world, plgu_officer):
    with pytest.raises(ValidationFailed):
        duplicates.partners_merge(
            actor=plgu_officer, survivor=world["survivor"], absorbed=world["survivor"], choices={}
        )
    merge(plgu_officer, world)
    with pytest.raises(ValidationFailed):
        duplicates.partners_merge(
            actor=plgu_officer, survivor=world["third"], absorbed=world["absorbed"], choices={}
        )


def test_merge_finds_foreign_keys_of_every_app():
    found = {(model._meta.label_lower, fk.name) for model, fk in duplicates._generic_relations()}
    assert {
        ("registry.contactrole", "partner"),
        ("registry.partnername", "partner"),
        ("registry.partnermembership", "partner"),
        ("registry.partner", "parent"),
        ("registry.partner", "merged_into"),
    } <= found
    assert not {label for label, _f in found} & {
        "registry.duplicatekey",
        "registry.mergerecord",
        "registry.notduplicate",
        "registry.relationship",
    }


NOT_MERGERS = [
    "staff_member",
    "focal_point",
    "legal_officer",
    "sgb_officer",
    "oed_officer",
    "comms_officer",
    "partner_user",
]


@pytest.mark.parametrize("persona", NOT_MERGERS, indirect=True)
def test_only_plgu_and_administrators_may_merge_and_nothing_changes(world, persona):
    before = snapshot()
    audit_count = AuditLog.objects.count()
    with pytest.raises(NotAllowed):
        merge(persona, world, name="absorbed")
    assert snapshot() == before
    assert AuditLog.objects.count() == audit_count
    assert not MergeRecord.objects.exists()


@pytest.mark.parametrize("persona", NOT_MERGERS, indirect=True)
def test_only_plgu_and_administrators_may_undo_a_merge_and_nothing_changes(world, plgu_officer, persona):
    record = merge(plgu_officer, world)
    before = snapshot()
    with pytest.raises(NotAllowed):
        duplicates.merge_revert(actor=persona, merge=record)
    assert snapshot() == before
    assert MergeRecord.objects.get(pk=record.pk).reverted_at is None


def test_administrators_may_merge(world, administrator):
    record = merge(administrator, world)
    assert record.merged_by == administrator
    assert Contact.objects.count() == 2
