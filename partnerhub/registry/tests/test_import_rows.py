"""Checking and writing imported rows: every bad row reported, all or nothing, duplicates and their policy."""

import datetime as dt

import pytest
from django.utils import timezone

from partnerhub.core.context import acting_as, actor_for
from partnerhub.core.errors import ValidationFailed
from partnerhub.core.models import AuditLog, HistoryAction, RecordHistory
from partnerhub.org.models import Office
from partnerhub.registry import importer, services
from partnerhub.registry.duplicates import candidates_for
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    Country,
    DuplicateKey,
    NotDuplicate,
    Partner,
    PartnerName,
    StakeholderCategory,
    Tag,
)

pytestmark = pytest.mark.django_db

HEADER = "Name,Acronym,Country,Category,Channel,Website,Office"


def _csv(*lines, header=HEADER):
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def _run(data, user, **options):
    with acting_as(actor_for(user)):
        return importer.run_file(data, user=user, source="test.csv", **options)


def _existing(user, name, **data):
    values = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code="civil-society"),
        "identified_channel": "event",
        "owning_office": Office.objects.get(code="plgu"),
        **data,
    }
    with acting_as(actor_for(user)):
        return services.partner_create(actor=user, data=values)


def _state():
    """Everything an import may write, counted: a refused import must leave all of it as it was."""
    return {
        "partners": Partner.objects.count(),
        "names": PartnerName.objects.count(),
        "keys": DuplicateKey.objects.count(),
        "history": RecordHistory.objects.count(),
        "audit": AuditLog.objects.count(),
        "not_duplicates": NotDuplicate.objects.count(),
        "tags": Partner.tags.through.objects.count(),
    }


def test_a_clean_file_creates_partners_with_history_and_one_audit_entry(plgu_officer):
    data = _csv(
        "Kibera Youth Network,KYN,KE,civil-society,event,kyn.example.org,plgu",
        "Instituto Habitat Andino,,Peru,7,Workshop networking event or other meeting,,ROLAC",
    )
    audit_before = AuditLog.objects.count()

    _table, _mapping, result, counts = _run(data, plgu_officer)

    assert result.ok
    assert counts == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0, "not_duplicate": 0}
    kyn = Partner.objects.get(name="Kibera Youth Network")
    assert (kyn.acronym, kyn.country_id, kyn.primary_category.code, kyn.identified_channel) == (
        "KYN",
        "KE",
        "civil-society",
        "event",
    )
    assert (kyn.website, kyn.owning_office.code, kyn.status, kyn.identified_by) == (
        "https://kyn.example.org",
        "plgu",
        "prospect",
        plgu_officer,
    )
    assert kyn.identified_on == timezone.localdate()
    andino = Partner.objects.get(name="Instituto Habitat Andino")
    assert (andino.country_id, andino.primary_category.code, andino.owning_office.code) == (
        "PE",
        "academia",
        "ro-lac",
    )
    created = RecordHistory.objects.get(object_id=str(kyn.pk), content_type__model="partner")
    assert (created.action, created.actor, created.actor_label) == (
        HistoryAction.CREATE,
        plgu_officer,
        plgu_officer.email,
    )
    assert created.changes["name"] == [None, "Kibera Youth Network"]
    assert created.changes["owning_office_id"] == [None, kyn.owning_office_id]
    entries = AuditLog.objects.order_by("pk")[audit_before:]
    assert [(e.action, e.actor, e.after["created"], e.after["file"]) for e in entries] == [
        ("registry.partner.import", plgu_officer, 2, "test.csv")
    ]


def test_imported_partners_are_indexed_as_refresh_index_would_index_them(plgu_officer):
    data = _csv(
        "Kibera Youth Network,KYN,KE,civil-society,event,https://www.kyn.example.org/about,plgu",
        header="Name,Acronym,Country,Category,Channel,Website,Office",
    )
    alt = _csv(
        "Cités et Gouvernements Unis,CGU,FR,2,event,,plgu,Ciudades Unidas;United Cities,housing;sdg:11.1",
        header="Name,Acronym,Country,Category,Channel,Website,Office,Alternative names,Tags",
    )
    _run(data, plgu_officer)
    _run(alt, plgu_officer)

    for partner in Partner.objects.all():
        stored = (
            partner.search_text,
            partner.name_key,
            set(partner.dedupe_keys.values_list("key", flat=True)),
        )
        services.partner_refresh_index(partner)
        partner.refresh_from_db()
        assert stored == (
            partner.search_text,
            partner.name_key,
            set(partner.dedupe_keys.values_list("key", flat=True)),
        )
    cgu = Partner.objects.get(acronym="CGU")
    assert sorted(cgu.names.values_list("name", flat=True)) == ["Ciudades Unidas", "United Cities"]
    assert sorted(cgu.tags.values_list("code", flat=True)) == ["11.1", "housing"]
    assert RecordHistory.objects.filter(content_type__model="partnername", action="create").count() == 2


def test_every_bad_row_is_reported_with_row_column_and_reason_and_nothing_is_written(plgu_officer):
    header = "Name,Country,Category,Channel,Office,Website,E-mail,Phone,Identified on,ECOSOC status,"
    header += "ECOSOC year,Tags"
    data = _csv(
        "Good One,KE,civil-society,event,plgu,,,,,,,",
        ",Atlantis,civil-society,event,plgu,,,,,,,",
        "Bad Category,KE,pirates,event,nowhere,,,,,,,",
        "Bad Contact,KE,1,telepathy,plgu,not a url,someone@,12,31/02/2024,,,",
        "Bad Dates,KE,1,event,plgu,,,,2999-01-01,honorary,1900,",
        "Bad Year,KE,1,event,plgu,,,,,,1998,governance;nosuchtag",
        "Good Two,UG,media,request,cms,,,,,,,",
        header=header,
    )
    before = _state()

    _table, _mapping, result, counts = _run(data, plgu_officer)

    assert counts is None
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (3, "Name", "The name is missing."),
        (
            3,
            "Country",
            (
                "“Atlantis” is not a country we know. Use its two- or three-letter ISO code or its name in "
                "English, French or Spanish."
            ),
        ),
        (
            4,
            "Category",
            (
                "“pirates” is not a stakeholder category. Use its code (such as civil-society), its number "
                "from 1 to 19 or its English name."
            ),
        ),
        (4, "Office", "“nowhere” is not an office code or acronym."),
        (
            5,
            "Channel",
            (
                "“telepathy” is not one of the channels. Use a code such as event, urban_forum or request, "
                "or the channel's name."
            ),
        ),
        (5, "Website", "“not a url” is not a web address."),
        (5, "E-mail", "“someone@” is not an e-mail address."),
        (
            5,
            "Phone",
            "“12” is not a valid phone number. Give it with its country code, e.g. +254 20 762 3120.",
        ),
        (5, "Identified on", "“31/02/2024” is not a date. Write it as 2024-03-31 or 31/03/2024."),
        (6, "Identified on", "The identification date cannot be in the future."),
        (6, "ECOSOC status", "“honorary” is not an ECOSOC status. Use general, special or roster."),
        (6, "ECOSOC year", "The year must be between 1946 and this year."),
        (7, "ECOSOC year", "Give the ECOSOC status that was granted in that year."),
        (
            7,
            "Tags",
            "“governance” is the code of more than one tag; write nua:governance or theme:governance.",
        ),
        (7, "Tags", "“nosuchtag” is not a tag code."),
    ]
    assert result.counts()["bad_rows"] == 5
    assert _state() == before
    with pytest.raises(ValidationFailed):
        importer.write(result)
    assert _state() == before


def test_values_are_accepted_in_every_documented_form(plgu_officer):
    header = (
        "Name,Country,Category,Channel,Office,Identified on,ECOSOC status,ECOSOC year,Tags,Phone,"
        "Registration number"
    )
    data = _csv(
        (
            "One,KEN,Civil society and community-based organizations including faith-based organizations,"
            "Request from a potential partner interested in UN-Habitat's mandate,"
            "PLGU,31/03/2024,Special,1998,"
            "theme:governance; sdg:11.1 ;housing,020 762 3120,C.123/45"
        ),
        (
            "Two,Côte d’Ivoire,19,urban-forum,ro-lac,2024-03-31,"
            "general consultative status,2001,,+44 20 7946 0958,"
        ),
        "Three,Allemagne,academia,call for eoi,YU,,,,,,",
        "Four,Estados Unidos,7,event,gender,,none,,,,",
        header=header,
    )

    _table, _mapping, result, counts = _run(data, plgu_officer)

    assert result.errors == []
    assert counts["created"] == 4
    one, two, three, four = (Partner.objects.get(name=n) for n in ("One", "Two", "Three", "Four"))
    assert (one.country_id, one.primary_category.code, one.identified_channel, one.owning_office.code) == (
        "KE",
        "civil-society",
        "request",
        "plgu",
    )
    assert (one.identified_on, one.ecosoc_status, one.ecosoc_year, one.phone, one.registration_number) == (
        dt.date(2024, 3, 31),
        "special",
        1998,
        "+254207623120",
        "C.123/45",
    )
    assert sorted(one.tags.values_list("kind", "code")) == [
        ("sdg", "11.1"),
        ("theme", "governance"),
        ("theme", "housing"),
    ]
    assert (two.country_id, two.primary_category.code, two.identified_channel, two.ecosoc_status) == (
        "CI",
        "parliamentarians",
        "urban_forum",
        "general",
    )
    assert (three.country_id, three.identified_channel, three.owning_office.code) == (
        "DE",
        "call_for_eoi",
        "youth",
    )
    assert (four.country_id, four.primary_category.code, four.ecosoc_status) == ("US", "academia", "")


def test_defaults_fill_rows_without_category_channel_or_office(plgu_officer):
    office = Office.objects.get(code="cdtu")
    category = StakeholderCategory.objects.get(code="academia")
    data = _csv("Alpha University,", "Beta Institute,media", header="Name,Category")
    defaults = importer.Defaults(category=category.pk, channel="intelligence", owning_office=office.pk)

    _table, _mapping, result, _counts = _run(data, plgu_officer, defaults=defaults)

    assert result.errors == []
    assert list(
        Partner.objects.order_by("name").values_list(
            "name", "primary_category__code", "identified_channel", "owning_office__code"
        )
    ) == [
        ("Alpha University", "academia", "intelligence", "cdtu"),
        ("Beta Institute", "media", "intelligence", "cdtu"),
    ]


def test_an_inactive_office_and_an_inactive_category_are_refused(plgu_officer):
    Office.objects.filter(code="youth").update(is_active=False)
    StakeholderCategory.objects.filter(code="farmers").update(is_active=False)

    _table, _mapping, result, counts = _run(_csv("X Org,,KE,farmers,event,,youth"), plgu_officer)

    assert counts is None
    assert [(e.column, e.message) for e in result.errors] == [
        ("Category", "The category “farmers” is no longer in use."),
        ("Office", "The office “youth” is no longer active."),
    ]


def test_formula_looking_cells_are_stored_as_text_never_evaluated(plgu_officer):
    header = "Name,Category,Channel,Office,Description,Address,Acronym"
    data = _csv(
        '"=HYPERLINK(""http://evil.example"",""x"")",media,event,plgu,+1+1,@SUM(A1),-2', header=header
    )

    _run(data, plgu_officer)

    partner = Partner.objects.get()
    assert (partner.name, partner.description, partner.address, partner.acronym) == (
        '=HYPERLINK("http://evil.example","x")',
        "+1+1",
        "@SUM(A1)",
        "-2",
    )


def test_a_missing_required_column_is_a_mapping_problem_not_a_row_error(plgu_officer):
    with pytest.raises(ValidationFailed) as refused:
        _run(_csv("X,KE", header="Name,Country"), plgu_officer)

    assert refused.value.errors["mapping"] == [
        "Choose the column that holds “Stakeholder category”, or one value for every row.",
        "Choose the column that holds “Identified through”, or one value for every row.",
        "Choose the column that holds “Owning office”, or one value for every row.",
    ]


# --- Duplicates -----------------------------------------------------------------------------------


def test_rows_matching_existing_partners_are_listed_with_the_reasons_candidates_for_gives(plgu_officer):
    existing = _existing(
        plgu_officer, "Slum Dwellers International", acronym="SDI", website="https://sdinet.org"
    )
    data = _csv(
        "Slum Dwellers International,,ZA,grassroots,event,,plgu",
        "Shack Dwellers Intl,,ZA,grassroots,event,https://www.sdinet.org/about,plgu",
        "Kounkuey Design Initiative,KDI,KE,civil-society,event,,plgu",
    )

    _table, _mapping, result, counts = _run(data, plgu_officer, dry_run=True)

    assert counts is None
    found = {row.number: [(m.partner_id, m.score, m.reasons) for m in row.matches] for row in result.rows}
    for row in result.rows:
        expected = candidates_for(
            name=row.name,
            acronym=row.data["acronym"],
            website=row.data["website"],
            country=row.data["country_id"],
        )
        assert found[row.number] == [(c.partner.pk, c.score, c.reasons) for c in expected]
    assert [pid for pid, _s, _r in found[2]] == [existing.pk]
    assert [pid for pid, _s, _r in found[3]] == [existing.pk]
    assert "same website" in found[3][0][2]
    assert found[4] == []
    assert result.counts()["duplicate_rows"] == 2


def test_skip_leaves_the_existing_partner_exactly_as_it_was(plgu_officer):
    existing = _existing(plgu_officer, "Slum Dwellers International", acronym="SDI")
    before = Partner.objects.filter(pk=existing.pk).values().get()

    _table, _mapping, _result, counts = _run(
        _csv(
            "Slum Dwellers International,SDI,ZA,grassroots,event,sdinet.org,plgu",
            "New Partner Org,,KE,media,event,,cms",
        ),
        plgu_officer,
        on_duplicate="skip",
    )

    assert counts == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 1, "not_duplicate": 0}
    assert Partner.objects.filter(pk=existing.pk).values().get() == before
    assert Partner.objects.filter(name="Slum Dwellers International").count() == 1


def test_update_fills_only_the_existing_partners_empty_fields_and_adds_names_and_tags(plgu_officer):
    existing = _existing(
        plgu_officer, "Slum Dwellers International", acronym="SDI", website="https://sdinet.org", country=None
    )
    header = "Name,Acronym,Country,Category,Channel,Website,Office,E-mail,Alternative names,Tags"
    data = _csv(
        (
            "Slum Dwellers International,SDI,ZA,media,request,https://other.example,cms,info@sdinet.org,"
            "Shack Dwellers International,housing"
        ),
        header=header,
    )

    _table, _mapping, _result, counts = _run(data, plgu_officer, on_duplicate="update")

    assert counts == {"created": 0, "updated": 1, "unchanged": 0, "skipped": 0, "not_duplicate": 0}
    existing.refresh_from_db()
    # Filled: country and e-mail were empty. Kept: website, category, channel and office were not.
    assert (existing.country_id, existing.email) == ("ZA", "info@sdinet.org")
    assert (existing.website, existing.primary_category.code, existing.identified_channel) == (
        "https://sdinet.org",
        "civil-society",
        "event",
    )
    assert existing.owning_office.code == "plgu"
    assert list(existing.names.values_list("name", flat=True)) == ["Shack Dwellers International"]
    assert list(existing.tags.values_list("code", flat=True)) == ["housing"]
    assert "shack" in existing.search_text
    update = AuditLog.objects.get(action="registry.partner.update", target_id=str(existing.pk))
    assert update.before == {"country_id": None, "email": ""}
    assert update.after["country_id"] == "ZA"
    assert (
        RecordHistory.objects.filter(
            object_id=str(existing.pk), action="update", content_type__model="partner"
        ).count()
        == 1
    )


def test_update_with_nothing_empty_to_fill_changes_nothing(plgu_officer):
    existing = _existing(
        plgu_officer, "Slum Dwellers International", acronym="SDI", country=Country.objects.get(pk="ZA")
    )
    version = existing.version

    _table, _mapping, _result, counts = _run(
        _csv("Slum Dwellers International,SDI,ZA,media,event,,cms"), plgu_officer, on_duplicate="update"
    )

    assert counts["unchanged"] == 1
    existing.refresh_from_db()
    assert existing.version == version
    assert not AuditLog.objects.filter(action="registry.partner.update").exists()


def test_create_adds_the_row_anyway_and_remembers_the_pair_as_not_duplicates(plgu_officer):
    existing = _existing(plgu_officer, "Slum Dwellers International", acronym="SDI")

    _table, _mapping, _result, counts = _run(
        _csv("Slum Dwellers International,SDI,ZA,grassroots,event,,plgu"), plgu_officer, on_duplicate="create"
    )

    assert counts == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0, "not_duplicate": 1}
    new = Partner.objects.exclude(pk=existing.pk).get()
    decision = NotDuplicate.objects.get()
    assert (decision.partner_a_id, decision.partner_b_id, decision.decided_by) == (
        existing.pk,
        new.pk,
        plgu_officer,
    )
    assert decision.reason == "Added as a different organisation by import test.csv."
    assert candidates_for(name=new.name, acronym="SDI", exclude_ids=[new.pk]) == []


def test_two_rows_naming_the_same_organisation_are_errors(plgu_officer):
    data = _csv(
        "Kibera Youth Network,,KE,civil-society,event,,plgu",
        "Other Org,,KE,media,event,,plgu",
        "KIBERA YOUTH NETWORK LTD.,,KE,civil-society,event,,plgu",
        "Kibera Youth Network,,UG,civil-society,event,,plgu",
    )
    before = _state()

    _table, _mapping, result, counts = _run(data, plgu_officer)

    assert counts is None
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (
            4,
            "Name",
            (
                "This row names the same organisation as row 2 (“Kibera Youth Network”). Keep one row per "
                "organisation, or choose to add duplicates anyway."
            ),
        ),
    ]
    assert result.within_file == [
        {"row": 4, "name": "KIBERA YOUTH NETWORK LTD.", "other_row": 2, "other_name": "Kibera Youth Network"}
    ]
    assert _state() == before


def test_under_create_rows_naming_the_same_organisation_are_both_written_and_remembered(plgu_officer):
    data = _csv(
        "Kibera Youth Network,,KE,civil-society,event,,plgu", "Kibera Youth Network,,,media,event,,plgu"
    )

    _table, _mapping, result, counts = _run(data, plgu_officer, on_duplicate="create")

    assert result.errors == []
    assert len(result.within_file) == 1
    assert counts["created"] == 2
    first, second = Partner.objects.order_by("pk")
    assert list(NotDuplicate.objects.values_list("partner_a_id", "partner_b_id")) == [(first.pk, second.pk)]


def test_a_dry_run_writes_nothing(plgu_officer):
    _existing(plgu_officer, "Slum Dwellers International")
    before = _state()

    _table, _mapping, result, counts = _run(
        _csv("Slum Dwellers International,,ZA,grassroots,event,,plgu", "New Org,,KE,media,event,,plgu"),
        plgu_officer,
        dry_run=True,
        on_duplicate="create",
    )

    assert counts is None
    assert result.counts()["would_create"] == 2
    assert _state() == before


def test_a_failure_while_writing_leaves_nothing_behind(plgu_officer, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_write_history", broken)
    before = _state()

    with pytest.raises(RuntimeError):
        _run(_csv("New Org,,KE,media,event,,plgu", "Other Org,,KE,media,event,,plgu"), plgu_officer)

    assert _state() == before


# --- The bulk index refresh added to services ------------------------------------------------------


def test_bulk_index_refresh_stores_what_the_one_by_one_refresh_stores(plgu_officer):
    with acting_as(actor_for(plgu_officer)):
        partners = [
            _existing(plgu_officer, "Kibera Youth Network", acronym="KYN", website="https://kyn.example.org"),
            _existing(plgu_officer, "Habitat Andino", registration_number="RUC 2060"),
        ]
        services.partner_set_names(
            actor=plgu_officer, partner=partners[1], names=[("Andean Habitat Institute", "en", "alternative")]
        )
        contact = Contact.objects.create(
            given_name="Amina", family_name="Otieno", emails=["amina@kyn.example.org"]
        )
        ContactRole.objects.create(contact=contact, partner=partners[0], title="Chair")
    expected = {}
    for partner in partners:
        services.partner_refresh_index(partner)
        partner.refresh_from_db()
        expected[partner.pk] = (
            partner.search_text,
            partner.name_key,
            set(partner.dedupe_keys.values_list("key", flat=True)),
        )
    Partner.objects.update(search_text="", name_key="")
    DuplicateKey.objects.filter(partner=partners[0]).delete()
    DuplicateKey.objects.create(partner=partners[1], key="t:stale")

    services.partner_refresh_index_bulk(list(Partner.objects.filter(pk__in=expected)))

    for partner in Partner.objects.filter(pk__in=expected):
        assert (
            partner.search_text,
            partner.name_key,
            set(partner.dedupe_keys.values_list("key", flat=True)),
        ) == expected[partner.pk]
    assert "amina" in expected[partners[0].pk][0]


def test_tags_are_read_by_code_and_by_kind_and_code():
    lookups = importer.Lookups.load()

    assert lookups.tags["housing"] == [Tag.objects.get(kind="theme", code="housing").pk]
    assert lookups.tags["nua:governance"] == [Tag.objects.get(kind="nua", code="governance").pk]
    assert len(lookups.tags["governance"]) == 2
