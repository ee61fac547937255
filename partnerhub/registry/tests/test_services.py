"""Writes to the partners database: rules, lifecycle, people's data and who may do what."""

import datetime as dt
import json

import pytest
from django.utils import timezone

from partnerhub.core.errors import ConcurrentEdit, IllegalTransition, NotAllowed, ValidationFailed
from partnerhub.core.models import AuditLog, RecordHistory
from partnerhub.org.models import Office
from partnerhub.registry import guards, services
from partnerhub.registry.guards import Refusal
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    Country,
    DuplicateKey,
    Partner,
    PartnerMembership,
    PartnerName,
    Relationship,
    StakeholderCategory,
    Tag,
)
from partnerhub.registry.states import PARTNER_TRANSITIONS, PartnerStatus

pytestmark = pytest.mark.django_db

CYCLE = "A partner cannot be its own headquarters, directly or through others."


def make_partner(actor, name, *, category="civil-society", office="youth", country="KE", **extra):
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code=category),
        "owning_office": Office.objects.get(code=office),
        "country": Country.objects.get(pk=country) if country else None,
        "identified_channel": extra.pop("identified_channel", "event"),
        **extra,
    }
    return services.partner_create(actor=actor, data=data)


def snapshot():
    """Everything a refused write must leave as it was."""
    return {
        "partners": list(Partner.objects.order_by("pk").values()),
        "names": list(PartnerName.objects.order_by("pk").values()),
        "contacts": list(Contact.objects.order_by("pk").values()),
        "roles": list(ContactRole.objects.order_by("pk").values()),
        "relationships": list(Relationship.objects.order_by("pk").values()),
        "memberships": list(PartnerMembership.objects.order_by("pk").values()),
        "keys": sorted(DuplicateKey.objects.values_list("partner_id", "key")),
        "history": RecordHistory.objects.count(),
        "audit": AuditLog.objects.count(),
    }


@pytest.fixture
def acme(plgu_officer):
    return make_partner(plgu_officer, "Acme Housing Trust", acronym="AHT")


# --- Creating partners ----------------------------------------------------------------------------


def test_a_new_partner_is_a_prospect_identified_today_by_its_author(staff_member):
    housing = Tag.objects.get(kind="theme", code="housing")
    academia = StakeholderCategory.objects.get(code="academia")
    civil = StakeholderCategory.objects.get(code="civil-society")

    partner = services.partner_create(
        actor=staff_member,
        data={
            "name": "Universidade de São Paulo",
            "acronym": "USP",
            "primary_category": academia,
            "owning_office": Office.objects.get(code="cdtu"),
            "identified_channel": "competition",
            "country": Country.objects.get(pk="BR"),
            "status": "active",
        },
        alternative_names=[("University of São Paulo", "en", "alternative"), ("  ", "", "alternative")],
        other_categories=[academia, civil],
        tags=[housing],
    )

    stored = Partner.objects.get(pk=partner.pk)
    assert stored.status == PartnerStatus.PROSPECT
    assert stored.identified_by_id == staff_member.pk
    assert stored.identified_on == timezone.localdate()
    assert list(stored.other_categories.all()) == [civil]
    assert list(stored.tags.all()) == [housing]
    assert list(stored.names.values_list("name", "language", "kind")) == [
        ("University of São Paulo", "en", "alternative")
    ]
    assert (
        stored.search_text
        == "universidade de sao paulo universidadedesaopaulo usp university of universityofsaopaulo"
    )
    assert stored.name_key == "paulo sao universidade"
    assert DuplicateKey.objects.filter(
        partner=partner
    ).exists()  # the keys themselves are the dedupe engine's
    entry = AuditLog.objects.get(action="registry.partner.create")
    assert entry.after == {"name": "Universidade de São Paulo", "status": "prospect"}


def test_partner_users_cannot_add_partners(partner_user):
    before = snapshot()

    with pytest.raises(NotAllowed) as refusal:
        make_partner(partner_user, "Sneaky Org")

    assert refusal.value.message == "Only UN-Habitat staff can add partners."
    assert snapshot() == before


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("+254 20 762 3120", None, "+254207623120"),
        ("020 762 3120", "KE", "+254207623120"),
        ("0722-000-000", "KE", "+254722000000"),
        ("+1 (212) 963-1234", "KE", "+12129631234"),
        ("  ", None, ""),
    ],
)
def test_phone_numbers_are_stored_in_e164(raw, country, expected):
    assert services.normalise_phone(raw, country) == expected


@pytest.mark.parametrize(
    ("raw", "country"), [("12", "KE"), ("not a phone", None), ("0722 000 000", None), ("+254 12", None)]
)
def test_invalid_phone_numbers_are_refused_with_an_example(raw, country):
    with pytest.raises(ValidationFailed) as refusal:
        services.normalise_phone(raw, country)

    assert refusal.value.errors == {
        "phone": ["Enter a valid phone number with its country code, e.g. +254 20 762 3120."]
    }


def test_a_partner_phone_is_read_in_its_country(plgu_officer):
    partner = make_partner(plgu_officer, "Windhoek Housing Action Group", country="NA", phone="061 207 9111")

    assert Partner.objects.get(pk=partner.pk).phone == "+264612079111"


def test_a_partner_with_an_invalid_phone_is_not_saved(plgu_officer):
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        make_partner(plgu_officer, "Bad Phone Org", phone="123")

    assert list(refusal.value.errors) == ["phone"]
    assert snapshot() == before


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"ecosoc_year": 2010}, {"ecosoc_status": ["Give the ECOSOC status that was granted in that year."]}),
        (
            {"ecosoc_status": "general", "ecosoc_year": 1945},
            {"ecosoc_year": ["The year must be between 1946 and this year."]},
        ),
        (
            {"ecosoc_status": "general", "ecosoc_year": "next"},
            {"ecosoc_year": ["The year must be between 1946 and this year."]},
        ),
        (
            {"identified_on": "tomorrow"},
            {"identified_on": ["The identification date cannot be in the future."]},
        ),
    ],
    ids=["year-without-status", "before-1946", "next-year", "future-identification"],
)
def test_ecosoc_and_identification_rules(fields, errors, plgu_officer):
    today = timezone.localdate()
    fields = {
        k: (today.year + 1 if v == "next" else today + dt.timedelta(days=1) if v == "tomorrow" else v)
        for k, v in fields.items()
    }
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        make_partner(plgu_officer, "Rules Test Org", **fields)

    assert refusal.value.errors == errors
    assert snapshot() == before


@pytest.mark.parametrize(("status", "year"), [("special", 1946), ("roster", None), ("general", "this")])
def test_valid_ecosoc_status_is_kept(status, year, plgu_officer):
    year = timezone.localdate().year if year == "this" else year

    partner = make_partner(plgu_officer, "Consultative Org", ecosoc_status=status, ecosoc_year=year)

    assert (partner.ecosoc_status, partner.ecosoc_year) == (status, year)


# --- Changing partners ----------------------------------------------------------------------------


def test_a_change_is_audited_field_by_field_and_reindexed(acme, plgu_officer):
    version = acme.version

    updated = services.partner_update(
        actor=plgu_officer,
        partner=acme,
        data={"name": "Acme Urban Housing Trust", "website": "https://acme.example"},
        expected_version=version,
    )

    assert updated.version == version + 1
    entry = AuditLog.objects.get(action="registry.partner.update")
    assert entry.before == {"name": "Acme Housing Trust", "website": ""}
    assert entry.after == {"name": "Acme Urban Housing Trust", "website": "https://acme.example"}
    stored = Partner.objects.get(pk=acme.pk)
    assert "urban" in stored.search_text.split()
    assert DuplicateKey.objects.filter(partner=acme, key="d:acme.example").exists()


def test_a_change_without_differences_is_not_audited(acme, plgu_officer):
    services.partner_update(
        actor=plgu_officer, partner=acme, data={"name": acme.name}, expected_version=acme.version
    )

    assert not AuditLog.objects.filter(action="registry.partner.update").exists()


def test_a_stale_change_is_refused_and_nothing_changes(acme, plgu_officer):
    services.partner_update(
        actor=plgu_officer, partner=acme, data={"acronym": "A1"}, expected_version=acme.version
    )
    before = snapshot()

    with pytest.raises(ConcurrentEdit):
        services.partner_update(
            actor=plgu_officer, partner=acme, data={"acronym": "A2"}, expected_version=acme.version
        )

    assert snapshot() == before


@pytest.mark.parametrize(
    "persona",
    [
        "staff_member",
        "legal_officer",
        "sgb_officer",
        "oed_officer",
        "comms_officer",
        "focal_point",
        "partner_user",
    ],
    indirect=True,
)
def test_others_may_not_change_a_partner(persona, acme):
    before = snapshot()

    with pytest.raises(NotAllowed) as refusal:
        services.partner_update(
            actor=persona, partner=acme, data={"acronym": "X"}, expected_version=acme.version
        )

    assert refusal.value.message == "You may not edit this partner."
    assert snapshot() == before


def test_the_relationship_manager_owning_office_and_focal_offices_may_change_a_partner(
    plgu_officer, staff_member, focal_point, legal_officer
):
    managed = make_partner(plgu_officer, "Managed Org", relationship_manager=legal_officer)
    owned = make_partner(plgu_officer, "Owned Org", office="ro-lac")
    academic = make_partner(plgu_officer, "Academic Org", category="academia", office="upb")

    services.partner_update(
        actor=legal_officer, partner=managed, data={"acronym": "M"}, expected_version=managed.version
    )
    services.partner_update(
        actor=staff_member, partner=owned, data={"acronym": "O"}, expected_version=owned.version
    )
    services.partner_update(
        actor=focal_point, partner=academic, data={"acronym": "A"}, expected_version=academic.version
    )

    assert list(
        Partner.objects.filter(acronym__in=["M", "O", "A"]).order_by("acronym").values_list("name", flat=True)
    ) == ["Academic Org", "Managed Org", "Owned Org"]


def test_a_partner_cannot_be_its_own_headquarters(acme, plgu_officer):
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        services.partner_update(
            actor=plgu_officer, partner=acme, data={"parent": acme}, expected_version=acme.version
        )

    assert refusal.value.errors == {"parent": [CYCLE]}
    assert snapshot() == before


@pytest.mark.parametrize("length", [2, 3])
def test_headquarters_cycles_are_refused(length, plgu_officer):
    chain = [make_partner(plgu_officer, f"Chain member {i}") for i in range(length)]
    for child, parent in zip(chain[1:], chain[:-1], strict=True):
        services.partner_update(
            actor=plgu_officer,
            partner=child,
            data={"parent": parent},
            expected_version=Partner.objects.get(pk=child.pk).version,
        )
    head = Partner.objects.get(pk=chain[0].pk)
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        services.partner_update(
            actor=plgu_officer, partner=head, data={"parent": chain[-1]}, expected_version=head.version
        )

    assert refusal.value.errors == {"parent": [CYCLE]}
    assert snapshot() == before


def test_alternative_names_are_replaced_and_searchable(acme, plgu_officer):
    services.partner_set_names(
        actor=plgu_officer,
        partner=acme,
        names=[("Fiducie Acme pour le logement", "fr", "alternative"), ("Москва Жильё", "ru", "former")],
    )

    stored = Partner.objects.get(pk=acme.pk)
    assert sorted(stored.names.values_list("name", "kind")) == [
        ("Fiducie Acme pour le logement", "alternative"),
        ("Москва Жильё", "former"),
    ]
    assert {"fiducie", "moskva"} <= set(stored.search_text.split())
    assert AuditLog.objects.filter(action="registry.partner.names").count() == 1


# --- Lifecycle ------------------------------------------------------------------------------------

ALL_MOVES = [(s, t) for s in PartnerStatus.values for t in PartnerStatus.values if s != t]
LEGAL = [m for m in ALL_MOVES if PARTNER_TRANSITIONS.can(*m)]
ILLEGAL = [m for m in ALL_MOVES if not PARTNER_TRANSITIONS.can(*m)]


def _put_in(partner, status):
    Partner.objects.filter(pk=partner.pk).update(status=status)
    return Partner.objects.get(pk=partner.pk)


def test_the_lifecycle_table():
    assert sorted(LEGAL) == sorted(
        [
            ("prospect", "under_due_diligence"),
            ("prospect", "active"),
            ("prospect", "archived"),
            ("under_due_diligence", "active"),
            ("under_due_diligence", "prospect"),
            ("under_due_diligence", "archived"),
            ("active", "inactive"),
            ("active", "archived"),
            ("inactive", "active"),
            ("inactive", "under_due_diligence"),
            ("inactive", "archived"),
            ("archived", "prospect"),
            ("archived", "inactive"),
        ]
    )


@pytest.mark.parametrize(("source", "target"), LEGAL)
def test_legal_moves_change_the_status_and_are_audited(source, target, acme, plgu_officer):
    partner = _put_in(acme, source)

    moved = services.partner_change_status(
        actor=plgu_officer, partner=partner, status=target, reason="review"
    )

    assert Partner.objects.get(pk=acme.pk).status == target == moved.status
    entry = AuditLog.objects.get(action="registry.partner.status")
    assert (entry.before, entry.after, entry.note) == ({"status": source}, {"status": target}, "review")


@pytest.mark.parametrize(("source", "target"), ILLEGAL)
def test_illegal_moves_are_refused_with_a_reason_and_nothing_changes(source, target, acme, plgu_officer):
    partner = _put_in(acme, source)
    before = snapshot()

    with pytest.raises(IllegalTransition) as refusal:
        services.partner_change_status(actor=plgu_officer, partner=partner, status=target)

    label = PARTNER_TRANSITIONS.label
    allowed = ", ".join(sorted(label(s) for s in PARTNER_TRANSITIONS.allowed(source)))
    here, there = label(source), label(target)
    assert (
        refusal.value.message
        == f"Cannot move from “{here}” to “{there}”; from “{here}” it can go to: {allowed}."
    )
    assert snapshot() == before


def test_only_plgu_and_administrators_archive(plgu_officer, staff_member, administrator):
    owned = make_partner(plgu_officer, "Owned Org", office="ro-lac")
    services.partner_change_status(actor=staff_member, partner=owned, status="active")
    before = snapshot()

    with pytest.raises(NotAllowed):
        services.partner_change_status(actor=staff_member, partner=owned, status="archived")

    assert snapshot() == before
    services.partner_change_status(actor=administrator, partner=owned, status="archived")
    assert Partner.objects.get(pk=owned.pk).status == "archived"


def test_a_guard_from_another_app_can_refuse_a_move(acme, plgu_officer):
    def needs_due_diligence(partner, target):
        if target == PartnerStatus.ACTIVE:
            return Refusal("Approve due diligence first.", url="/diligence/")
        return None

    guards.register_status_guard(needs_due_diligence)
    before = snapshot()
    try:
        with pytest.raises(IllegalTransition) as refusal:
            services.partner_change_status(actor=plgu_officer, partner=acme, status="active")
    finally:
        guards._status_guards.remove(needs_due_diligence)

    assert refusal.value.message == "Approve due diligence first."
    assert refusal.value.context == {"url": "/diligence/"}
    assert snapshot() == before


# --- Contacts -------------------------------------------------------------------------------------


@pytest.fixture
def amina(acme, plgu_officer):
    return services.contact_create(
        actor=plgu_officer,
        data={
            "honorific": "Ms",
            "given_name": "Amina",
            "family_name": "Otieno",
            "emails": ["Amina.Otieno@Acme.example "],
            "phones": ["0722 123 456"],
            "consent_email": True,
            "notes": "Prefers Kiswahili",
        },
        partner=acme,
        title="Director",
        is_key_person=True,
        is_primary=True,
        start_date=dt.date(2020, 1, 1),
    )


def test_a_contact_is_cleaned_and_consent_is_dated(amina, acme):
    stored = Contact.objects.get(pk=amina.pk)

    assert stored.emails == ["amina.otieno@acme.example"]
    assert stored.phones == ["+254722123456"]
    assert stored.consent_recorded_on == timezone.localdate()
    role = ContactRole.objects.get(contact=amina)
    assert (role.partner_id, role.title, role.is_key_person, role.is_primary, role.start_date) == (
        acme.pk,
        "Director",
        True,
        True,
        dt.date(2020, 1, 1),
    )
    assert {"amina", "otieno", "aminaotienoacmeexample"} <= set(
        Partner.objects.get(pk=acme.pk).search_text.split()
    )


def test_without_consent_no_consent_date_is_recorded(acme, plgu_officer):
    contact = services.contact_create(actor=plgu_officer, data={"family_name": "Kamau"}, partner=acme)

    assert contact.consent_recorded_on is None
    assert not contact.may_contact("email")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({}, (True, False, False)),
        ({"consent_phone": True, "consent_post": True}, (True, True, True)),
        ({"do_not_contact": True, "consent_phone": True}, (False, False, False)),
        ({"email_on_hold": True, "consent_phone": True}, (False, True, False)),
        ({"emails": []}, (False, False, False)),
        ({"consent_email": False}, (False, False, False)),
    ],
    ids=["email-only", "all", "do-not-contact", "on-hold", "no-address", "no-consent"],
)
def test_who_may_be_contacted_by_which_channel(changes, expected, amina, plgu_officer):
    contact = services.contact_update(
        actor=plgu_officer, contact=amina, data=changes, expected_version=amina.version
    )

    assert (
        contact.may_contact("email"),
        contact.may_contact("phone"),
        contact.may_contact("post"),
    ) == expected


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"family_name": "X", "emails": ["nobody"]}, {"emails": ["“nobody” is not a valid e-mail address."]}),
        ({"family_name": "X", "phones": ["+1 2"]}, {"phones": ["“+1 2” is not a valid phone number."]}),
        ({"family_name": ""}, {"family_name": ["This field cannot be blank."]}),
    ],
)
def test_an_invalid_contact_is_not_saved(data, errors, acme, plgu_officer):
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        services.contact_create(actor=plgu_officer, data=data, partner=acme)

    assert refusal.value.errors == errors
    assert snapshot() == before


def test_only_editors_of_the_partner_add_its_contacts(acme, staff_member, partner_user):
    before = snapshot()

    for actor in (staff_member, partner_user):
        with pytest.raises(NotAllowed):
            services.contact_create(actor=actor, data={"family_name": "Kamau"}, partner=acme)

    assert snapshot() == before


def test_a_contact_update_records_field_names_only_in_the_audit_log(amina, comms_officer):
    services.contact_update(
        actor=comms_officer,
        contact=amina,
        data={"notes": "Call after 3pm", "given_name": "Aminah"},
        expected_version=amina.version,
    )

    entry = AuditLog.objects.get(action="registry.contact.update")
    assert entry.after == {"fields": ["given_name", "notes"]}
    assert entry.before == {}


def test_a_stale_contact_update_changes_nothing(amina, plgu_officer):
    services.contact_update(
        actor=plgu_officer, contact=amina, data={"notes": "A"}, expected_version=amina.version
    )
    before = snapshot()

    with pytest.raises(ConcurrentEdit):
        services.contact_update(
            actor=plgu_officer, contact=amina, data={"notes": "B"}, expected_version=amina.version
        )

    assert snapshot() == before


def test_roles_are_dated_and_can_be_ended(amina, plgu_officer):
    peer = make_partner(plgu_officer, "Beta Network", country="FR")
    past = services.contact_role_add(
        actor=plgu_officer,
        contact=amina,
        partner=peer,
        title="Adviser",
        start_date=dt.date(2018, 1, 1),
        end_date=dt.date(2019, 12, 31),
    )
    current = ContactRole.objects.get(contact=amina, partner__name="Acme Housing Trust")

    ended = services.contact_role_end(actor=plgu_officer, role=current, end_date=dt.date(2024, 6, 30))

    assert (past.start_date, past.end_date) == (dt.date(2018, 1, 1), dt.date(2019, 12, 31))
    assert ContactRole.objects.get(pk=ended.pk).end_date == dt.date(2024, 6, 30)
    assert AuditLog.objects.get(action="registry.contact.role_end").after == {
        "contact": amina.pk,
        "until": "2024-06-30",
    }


def test_a_role_ending_today_is_the_default(amina, plgu_officer):
    role = ContactRole.objects.get(contact=amina)

    services.contact_role_end(actor=plgu_officer, role=role)

    assert ContactRole.objects.get(pk=role.pk).end_date == timezone.localdate()


def test_a_role_cannot_end_before_it_began(amina, plgu_officer):
    role = ContactRole.objects.get(contact=amina)
    before = snapshot()

    with pytest.raises(ValidationFailed) as ending:
        services.contact_role_end(actor=plgu_officer, role=role, end_date=dt.date(2019, 12, 31))
    with pytest.raises(ValidationFailed) as adding:
        services.contact_role_add(
            actor=plgu_officer,
            contact=amina,
            partner=role.partner,
            title="Chair",
            start_date=dt.date(2021, 1, 1),
            end_date=dt.date(2020, 1, 1),
        )

    assert ending.value.errors == {"end_date": ["The end date cannot be before the start date."]}
    assert adding.value.errors == {"end_date": ["The end date cannot be before the start date."]}
    assert snapshot() == before


def test_export_holds_everything_about_the_person(amina, plgu_officer):
    data = services.contact_export(actor=plgu_officer, contact=Contact.objects.get(pk=amina.pk))

    assert {k: v for k, v in data.items() if k != "history"} == {
        "honorific": "Ms",
        "given_name": "Amina",
        "family_name": "Otieno",
        "emails": ["amina.otieno@acme.example"],
        "phones": ["+254722123456"],
        "preferred_language": "en",
        "consent_email": True,
        "consent_phone": False,
        "consent_post": False,
        "consent_recorded_on": timezone.localdate().isoformat(),
        "do_not_contact": False,
        "email_on_hold": False,
        "notes": "Prefers Kiswahili",
        "roles": [
            {
                "organisation": "Acme Housing Trust",
                "title": "Director",
                "key_person": True,
                "from": "2020-01-01",
                "until": None,
            }
        ],
    }
    assert [h["action"] for h in data["history"]] == ["create"]
    assert data["history"][0]["changes"]["family_name"] == [None, "Otieno"]
    json.dumps(data)  # ready to hand over as a file
    assert AuditLog.objects.filter(action="registry.contact.export").count() == 1


@pytest.mark.parametrize(
    "persona",
    [
        "staff_member",
        "focal_point",
        "legal_officer",
        "sgb_officer",
        "oed_officer",
        "comms_officer",
        "partner_user",
    ],
    indirect=True,
)
def test_only_plgu_handles_personal_data_requests(persona, amina):
    before = snapshot()

    with pytest.raises(NotAllowed) as export:
        services.contact_export(actor=persona, contact=amina)
    with pytest.raises(NotAllowed):
        services.contact_erase(actor=persona, contact=amina, reason="asked")

    assert (
        export.value.message
        == "Only the Partnerships and Local Government Unit handles personal-data requests."
    )
    assert snapshot() == before


PERSONAL = ["Amina", "Aminah", "Otieno", "amina.otieno", "254722123456", "Kiswahili", "after 3pm"]


def test_erasure_removes_personal_values_everywhere_but_keeps_who_and_when(
    amina, acme, plgu_officer, comms_officer
):
    services.contact_update(
        actor=comms_officer,
        contact=amina,
        data={"given_name": "Aminah", "notes": "after 3pm"},
        expected_version=amina.version,
    )
    services.contact_export(actor=plgu_officer, contact=Contact.objects.get(pk=amina.pk))
    rows_before = Contact.objects.get(pk=amina.pk).history().count()

    erased = services.contact_erase(actor=plgu_officer, contact=amina, reason="E-mail of 3 March")

    stored = Contact.objects.get(pk=amina.pk)
    assert (
        stored.honorific,
        stored.given_name,
        stored.family_name,
        stored.emails,
        stored.phones,
        stored.notes,
    ) == ("", "", "[erased]", [], [], "")
    assert stored.do_not_contact is True
    assert stored.erased_at == erased.erased_at is not None
    history = list(stored.history())
    assert len(history) == rows_before + 1
    assert all(set(map(tuple, row.changes.values())) == {("[erased]", "[erased]")} for row in history)
    audit_text = json.dumps(
        list(AuditLog.objects.values("target_label", "before", "after", "note")), ensure_ascii=False
    )
    history_text = json.dumps([row.changes for row in RecordHistory.objects.all()], ensure_ascii=False)
    search_text = Partner.objects.get(pk=acme.pk).search_text
    for value in PERSONAL:
        assert value.lower() not in audit_text.lower(), value
        assert value.lower() not in history_text.lower(), value
        assert value.lower() not in search_text, value
    assert AuditLog.objects.get(action="registry.contact.erase").note == "E-mail of 3 March"


def test_erasure_needs_a_reason_and_happens_once(amina, plgu_officer):
    before = snapshot()
    with pytest.raises(ValidationFailed) as refusal:
        services.contact_erase(actor=plgu_officer, contact=amina, reason="   ")
    assert refusal.value.errors == {"reason": ["Record the request this erasure answers."]}
    assert snapshot() == before

    services.contact_erase(actor=plgu_officer, contact=amina, reason="asked")
    after_first = snapshot()
    services.contact_erase(actor=plgu_officer, contact=amina, reason="asked again")

    assert snapshot() == after_first


def test_an_erased_person_cannot_be_edited_or_given_a_role(amina, acme, plgu_officer):
    erased = services.contact_erase(actor=plgu_officer, contact=amina, reason="asked")
    before = snapshot()

    with pytest.raises(NotAllowed):
        services.contact_update(
            actor=plgu_officer, contact=erased, data={"given_name": "Back"}, expected_version=erased.version
        )
    with pytest.raises(ValidationFailed) as role:
        services.contact_role_add(actor=plgu_officer, contact=erased, partner=acme, title="Returned")

    assert role.value.errors == {"contact": ["This person's data was erased."]}
    assert snapshot() == before


# --- Relationships --------------------------------------------------------------------------------


def test_a_relationship_links_two_partners(acme, plgu_officer):
    peer = make_partner(plgu_officer, "Beta Network", country="FR")

    rel = services.relationship_create(
        actor=plgu_officer,
        source=acme,
        kind="member_of",
        target=peer,
        start_date=dt.date(2020, 1, 1),
        note="Founding member",
    )

    assert (rel.source_id, rel.kind, rel.target_id, rel.note) == (
        acme.pk,
        "member_of",
        peer.pk,
        "Founding member",
    )
    assert AuditLog.objects.get(action="registry.relationship.create").after == {
        "kind": "member_of",
        "target": peer.pk,
    }


@pytest.mark.parametrize(
    ("relationship", "errors"),
    [
        (("member_of", "self", {}), {"target": ["A partner cannot be related to itself."]}),
        (("admires", "peer", {}), {"kind": ["Value 'admires' is not a valid choice."]}),
        (
            ("funds", "peer", {"start_date": dt.date(2022, 1, 1), "end_date": dt.date(2021, 1, 1)}),
            {"end_date": ["The end date cannot be before the start date."]},
        ),
    ],
    ids=["self", "kind", "dates"],
)
def test_bad_relationships_are_refused(relationship, errors, acme, plgu_officer):
    kind, target, dates = relationship
    peer = make_partner(plgu_officer, "Beta Network", country="FR")
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        services.relationship_create(
            actor=plgu_officer, source=acme, kind=kind, target=acme if target == "self" else peer, **dates
        )

    assert refusal.value.errors == errors
    assert snapshot() == before


def test_only_editors_of_the_source_link_or_unlink(acme, plgu_officer, staff_member):
    peer = make_partner(plgu_officer, "Beta Network", country="FR")
    rel = services.relationship_create(actor=plgu_officer, source=acme, kind="funds", target=peer)
    before = snapshot()

    with pytest.raises(NotAllowed):
        services.relationship_create(actor=staff_member, source=acme, kind="member_of", target=peer)
    with pytest.raises(NotAllowed):
        services.relationship_delete(actor=staff_member, relationship=rel)

    assert snapshot() == before
    services.relationship_delete(actor=plgu_officer, relationship=rel)
    assert not Relationship.objects.exists()
    assert AuditLog.objects.get(action="registry.relationship.delete").before == {
        "kind": "funds",
        "target": peer.pk,
    }


# --- Partner users --------------------------------------------------------------------------------


def test_plgu_links_a_partner_user_to_one_organisation(acme, plgu_officer, partner_user):
    peer = make_partner(plgu_officer, "Beta Network", country="FR")

    services.partner_user_link(actor=plgu_officer, user=partner_user, partner=acme)
    services.partner_user_link(actor=plgu_officer, user=partner_user, partner=peer)

    assert list(PartnerMembership.objects.values_list("user_id", "partner_id")) == [
        (partner_user.pk, peer.pk)
    ]
    assert [e.after for e in AuditLog.objects.filter(action="registry.partner_user.link").order_by("id")] == [
        {"user": partner_user.email},
        {"user": partner_user.email},
    ]


def test_staff_accounts_cannot_be_linked_as_partner_users(acme, plgu_officer, staff_member):
    before = snapshot()

    with pytest.raises(ValidationFailed) as refusal:
        services.partner_user_link(actor=plgu_officer, user=staff_member, partner=acme)

    assert refusal.value.errors == {
        "user": ["Only users with the partner-user role (and no staff role) can be linked."]
    }
    assert snapshot() == before


@pytest.mark.parametrize(
    "persona", ["staff_member", "focal_point", "legal_officer", "partner_user"], indirect=True
)
def test_only_plgu_links_partner_users(persona, acme, make_user):
    outsider = make_user("partner", email="outsider@example.org")
    before = snapshot()

    with pytest.raises(NotAllowed):
        services.partner_user_link(actor=persona, user=outsider, partner=acme)

    assert snapshot() == before
