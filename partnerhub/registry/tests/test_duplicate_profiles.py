"""Stored analysed profiles (`DuplicateProfile`) and the import scoring in a second process while it writes.

A stored profile saves the import from analysing again the names of every partner it compares a row with;
it must never change an answer: read back it equals the analysis, and it is used only while its fingerprint
matches the partner's current values and the engine.
"""

import dataclasses
import importlib
import multiprocessing
import os

import pytest
from django.apps import apps as django_apps
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.core.context import acting_as, actor_for
from partnerhub.core.models import AuditLog, RecordHistory
from partnerhub.org.models import Office
from partnerhub.registry import dedupe, duplicates, importer, services
from partnerhub.registry.models import (
    Country,
    DuplicateKey,
    DuplicateProfile,
    NotDuplicate,
    Partner,
    PartnerName,
    StakeholderCategory,
)

HEADER = "Name,Acronym,Country,Category,Channel,Website,Office,E-mail,Alternative names"
WORDS = ["Amani", "Baraka", "Chama", "Dunia", "Faraja", "Imara", "Jamii", "Kesho", "Lulu", "Mwanga"]
KINDS = ["Network", "Trust", "Institute", "Alliance", "Forum"]
needs_fork = pytest.mark.skipif(not importer._can_fork(), reason="needs fork and a second core")


def _csv(lines):
    return ("\n".join([HEADER, *lines]) + "\n").encode("utf-8")


def _rows(count, *, start=0):
    lines = []
    for n in range(start, start + count):
        first, second = WORDS[n % 10], WORDS[(n // 10) % 10]
        lines.append(
            ",".join(
                [
                    f"{first} {second} {KINDS[n % 5]} {n}",
                    f"A{n % 7}" if n % 3 == 0 else "",
                    ["KE", "UG", ""][n % 3],
                    "civil-society",
                    "event",
                    f"org{n % 11}.example.org" if n % 2 else "",
                    "plgu",
                    "",
                    f"{first} Group" if n % 4 == 0 else "",
                ]
            )
        )
    return lines


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


def _analysed(partner_ids):
    """What the engine makes of these partners now, from their current values."""
    return {r.id: dedupe.profile(r) for r in duplicates.record_rows(partner_ids)}


def _assert_stored_profiles_are_current(partner_ids):
    records = {r.id: r for r in duplicates.record_rows(partner_ids)}
    stored = {
        pid: (fingerprint, data)
        for pid, fingerprint, data in DuplicateProfile.objects.filter(partner_id__in=partner_ids).values_list(
            "partner_id", "fingerprint", "data"
        )
    }
    assert sorted(stored) == sorted(records)
    for pid, (fingerprint, data) in stored.items():
        assert fingerprint == dedupe.profile_fingerprint(records[pid])
        assert dedupe.profile_from_json(records[pid], data) == dedupe.profile(records[pid])
    # The import reads both in one query: the same records, the same profiles.
    assert duplicates.records_with_profiles(partner_ids, chunk_size=2) == (list(records.values()), stored)


# --- The engine's side --------------------------------------------------------------------------------

names = st.lists(
    st.sampled_from([*"abcdefghij KLMNOP-&.éçøß中文مصر12", "GmbH", " Ltd", " II", " Kenya", " Fund"]),
    max_size=12,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(
    name=names,
    acronym=st.sampled_from(["", "UNDP", "A.B.C.", "hic"]),
    alt_names=st.lists(names, max_size=3),
    website=st.sampled_from(["", "https://www.hic-net.org/x", "un.org", "gmail.com"]),
    email=st.sampled_from(["", "a@lands.go.ke", "b@gmail.com"]),
    registration=st.sampled_from(["", "12", "C-1234 56"]),
    country=st.sampled_from(["", "KE", "fr"]),
)
def test_a_stored_profile_reads_back_equal_to_the_analysis(
    name, acronym, alt_names, website, email, registration, country
):
    record = dedupe.Record(
        id=7,
        name=name,
        acronym=acronym,
        alt_names=tuple(alt_names),
        website=website,
        email=email,
        registration_number=registration,
        country=country,
    )
    analysed = dedupe.profile(record)
    assert dedupe.profile_from_json(record, dedupe.profile_to_json(analysed)) == analysed


def test_the_fingerprint_changes_with_every_analysed_value_and_with_the_engine(monkeypatch):
    base = dedupe.Record(
        id=1,
        name="Pamoja Trust",
        acronym="PT",
        alt_names=("Pamoja", "Pamoja Kenya"),
        website="pamoja.org",
        email="info@pamoja.org",
        registration_number="C-123",
        country="KE",
    )
    fingerprint = dedupe.profile_fingerprint(base)
    changed = [
        {"name": "Pamoja Trusts"},
        {"acronym": "PTK"},
        {"alt_names": ("Pamoja",)},
        {"website": "pamoja.net"},
        {"email": "info@pamoja.net"},
        {"registration_number": "C-124"},
    ]
    for change in changed:
        assert dedupe.profile_fingerprint(dataclasses.replace(base, **change)) != fingerprint, change
    # The country is read with the record, not stored; the order of the other names changes no score.
    assert dedupe.profile_fingerprint(dataclasses.replace(base, country="UG")) == fingerprint
    swapped = dataclasses.replace(base, alt_names=("Pamoja Kenya", "Pamoja"))
    assert dedupe.profile_fingerprint(swapped) == fingerprint
    # Another engine (its source or data changed): every stored profile is out of date.
    monkeypatch.setattr(dedupe, "analysis_version", lambda: "another engine")
    assert dedupe.profile_fingerprint(base) != fingerprint


# --- Kept in the database -------------------------------------------------------------------------


@pytest.mark.django_db
def test_partners_store_their_profile_when_created_renamed_and_merged(plgu_officer):
    kept = _existing(plgu_officer, "Kibera Youth Network", acronym="KYN", website="https://kyn.org")
    other = _existing(plgu_officer, "Kibera Youth Netwrk", country=Country.objects.get(iso2="KE"))
    _assert_stored_profiles_are_current([kept.pk, other.pk])

    with acting_as(actor_for(plgu_officer)):
        kept = services.partner_update(
            actor=plgu_officer,
            partner=kept,
            data={"name": "Kibera Youth Network Trust"},
            expected_version=kept.version,
        )
        services.partner_set_names(
            actor=plgu_officer, partner=kept, names=[("Mtandao wa Vijana", "sw", "alternative")]
        )
    _assert_stored_profiles_are_current([kept.pk, other.pk])

    with acting_as(actor_for(plgu_officer)):
        duplicates.partners_merge(actor=plgu_officer, survivor=kept, absorbed=other, choices={})
    assert not DuplicateProfile.objects.filter(partner=other).exists()
    _assert_stored_profiles_are_current([kept.pk])


@pytest.mark.django_db
def test_keys_and_profiles_go_with_their_partner_without_a_database_constraint(plgu_officer):
    """The derived tables carry no foreign-key constraint in the database (ADR 0011), the business tables
    do; deleting a partner still deletes its keys and profile (Django's cascade), and the duplicate search
    of an import ignores keys left behind by a partner deleted outside Django."""
    with connection.cursor() as cursor:

        def constrained(model):
            table = model._meta.db_table
            return any(
                info["foreign_key"]
                for info in connection.introspection.get_constraints(cursor, table).values()
            )

        assert not constrained(DuplicateKey)
        assert not constrained(DuplicateProfile)
        assert constrained(NotDuplicate)
        assert constrained(PartnerName)

    gone = _existing(plgu_officer, "Amani Housing Trust", acronym="AHT", website="https://amani.org")
    kept = _existing(plgu_officer, "Baraka Housing Trust", acronym="BHT")
    assert DuplicateKey.objects.filter(partner=gone).exists()
    Partner.objects.filter(pk=gone.pk).delete()
    assert not DuplicateKey.objects.filter(partner_id=gone.pk).exists()
    assert not DuplicateProfile.objects.filter(partner_id=gone.pk).exists()
    assert DuplicateKey.objects.filter(partner=kept).exists()

    # Keys of a partner that no longer exists (removed by hand in the database): nothing breaks, no match.
    DuplicateKey.objects.create(partner_id=kept.pk + 1000, key="n:amani housing")
    DuplicateKey.objects.create(partner_id=kept.pk + 1000, key="d:amani.org")
    table = importer.read_table(
        _csv(["Amani Housing Trust,AHT,KE,civil-society,event,https://amani.org,plgu,,"])
    )
    validation = importer.validate(table, importer.propose_mapping(table.columns), on_duplicate="create")
    assert validation.ok
    assert validation.rows[0].matches == []


@pytest.mark.django_db
def test_the_nightly_job_brings_missing_and_stale_profiles_up_to_date(plgu_officer, monkeypatch):
    from django.utils.module_loading import import_string

    from partnerhub.core import scheduler
    from partnerhub.registry.jobs import REFRESH_PROFILES_JOB

    job = scheduler.registered()[REFRESH_PROFILES_JOB]
    assert import_string(job.task_path) is duplicates.refresh_duplicate_profiles
    assert job.schedule == "daily 03:30"

    partners = [_existing(plgu_officer, f"{w} Housing Trust", acronym=w[:3].upper()) for w in WORDS[:7]]
    ids = [p.pk for p in partners]
    DuplicateProfile.objects.filter(partner_id=ids[0]).delete()  # missing
    DuplicateProfile.objects.filter(partner_id=ids[1]).update(fingerprint="old", data="[]")  # stale
    # Renamed outside the services (no profile refresh): stale by its fingerprint.
    Partner.objects.filter(pk=ids[2]).update(name="Chama Cha Wakulima")
    assert duplicates.duplicate_profiles_refresh_all(batch=2) == 3
    _assert_stored_profiles_are_current(ids)
    assert duplicates.duplicate_profiles_refresh_all(batch=2) == 0  # nothing stale: nothing stored

    # A new engine (a release): every profile is analysed again, once.
    monkeypatch.setattr(dedupe, "analysis_version", lambda: "the next release")
    assert duplicates.refresh_duplicate_profiles.call() == 7
    _assert_stored_profiles_are_current(ids)
    assert duplicates.refresh_duplicate_profiles.call() == 0


@pytest.mark.django_db
def test_imported_partners_store_the_profile_they_were_checked_with(plgu_officer):
    with acting_as(actor_for(plgu_officer)):
        importer.run_file(_csv(_rows(40)), user=plgu_officer, source="t.csv", on_duplicate="create")

    ids = list(Partner.objects.values_list("pk", flat=True))
    assert len(ids) == 40
    _assert_stored_profiles_are_current(ids)


@pytest.mark.django_db
def test_an_outdated_or_missing_profile_is_analysed_afresh_not_used(plgu_officer):
    partners = [_existing(plgu_officer, f"{w} Housing Trust", acronym=w[:3].upper()) for w in WORDS[:6]]
    ids = [p.pk for p in partners]
    table = importer.read_table(_csv([f"{w} Housng Trust,{w[:3].upper()},KE,civil-society,event,,plgu,,"
                                      for w in WORDS[:6]]))  # fmt: skip
    mapping = importer.propose_mapping(table.columns)

    def matches():
        with acting_as(actor_for(plgu_officer)):
            result = importer.validate(table, mapping, on_duplicate="create")
        return {row.number: [(m.partner_id, m.score, m.reasons) for m in row.matches] for row in result.rows}

    expected = matches()
    assert all(expected.values())
    # Stored data that would say something else, under fingerprints that no longer match; and none at all.
    wrong = dedupe.profile_to_json(dedupe.profile(dedupe.Record(id=0, name="Something Else Entirely")))
    DuplicateProfile.objects.filter(partner_id__in=ids[:3]).update(fingerprint="0" * 24, data=wrong)
    DuplicateProfile.objects.filter(partner_id__in=ids[3:]).delete()
    assert matches() == expected
    profiles = duplicates.profiles_of(*duplicates.records_with_profiles(ids))
    assert profiles == list(_analysed(ids).values())


@pytest.mark.django_db
def test_the_duplicate_scan_stores_missing_and_outdated_profiles(plgu_officer):
    partners = [_existing(plgu_officer, f"{w} Network") for w in WORDS[:5]]
    ids = [p.pk for p in partners]
    DuplicateProfile.objects.filter(partner_id__in=ids[:2]).delete()
    DuplicateProfile.objects.filter(partner_id=ids[2]).update(fingerprint="outdated")

    assert duplicates.duplicate_profiles_refresh(list(_analysed(ids).values())) == 3
    _assert_stored_profiles_are_current(ids)
    assert duplicates.duplicate_profiles_refresh(list(_analysed(ids).values())) == 0


@pytest.mark.django_db
def test_the_migration_stores_a_profile_for_every_partner_already_there(plgu_officer):
    partners = [_existing(plgu_officer, f"{w} Alliance", website=f"https://{w.lower()}.org") for w in WORDS]
    services.partner_set_names(
        actor=plgu_officer, partner=partners[0], names=[("Amani", "sw", "alternative")]
    )
    DuplicateProfile.objects.all().delete()
    migration = importlib.import_module("partnerhub.registry.migrations.0009_duplicate_profiles")

    class Editor:
        pass

    editor = Editor()
    editor.connection = connection
    migration.store_profiles(django_apps, editor)

    _assert_stored_profiles_are_current([p.pk for p in partners])


# --- Scoring in a second process while the rows are written --------------------------------------


def _state():
    return {
        "partners": Partner.objects.count(),
        "names": PartnerName.objects.count(),
        "keys": DuplicateKey.objects.count(),
        "profiles": DuplicateProfile.objects.count(),
        "history": RecordHistory.objects.count(),
        "audit": AuditLog.objects.count(),
        "not_duplicates": NotDuplicate.objects.count(),
    }


def _file_and_its_matches(user, *, rows, every):
    """Partners like every `every`-th of `rows` file rows, the file, and each row's matches found in this
    process (nothing written)."""
    for n in range(0, rows, every):
        _existing(user, f"{WORDS[n % 10]} {WORDS[(n // 10) % 10]} {KINDS[n % 5]} {n}", acronym=f"A{n % 7}")
    data = _csv(_rows(rows))
    table = importer.read_table(data)
    with acting_as(actor_for(user)):
        expected = _matches(
            importer.validate(table, importer.propose_mapping(table.columns), on_duplicate="create")
        )
    return data, expected


def _spy_on_forks(monkeypatch):
    """The names of the functions the import starts in child processes, in order."""
    forked = []
    real_fork = importer._fork

    def fork(*args, **kwargs):
        forked.append(args[0].__name__)
        return real_fork(*args, **kwargs)

    monkeypatch.setattr(importer, "_fork", fork)
    return forked


def _matches(result):
    return {row.number: [(m.partner_id, m.score, m.reasons) for m in row.matches] for row in result.rows}


@needs_fork
@pytest.mark.django_db
def test_scoring_while_writing_gives_the_same_matches_and_decisions(plgu_officer, monkeypatch):
    data, expected = _file_and_its_matches(plgu_officer, rows=60, every=3)
    assert sum(1 for found in expected.values() if found) >= 20
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
    forked = _spy_on_forks(monkeypatch)

    with acting_as(actor_for(plgu_officer)):
        _table, _mapping, result, counts = importer.run_file(
            data, user=plgu_officer, source="t.csv", on_duplicate="create"
        )
    assert counts is not None

    assert forked == ["_check_child", "_score_child"]  # half checked, then scored during the write
    assert _matches(result) == expected
    new = {
        row.number: pid
        for row, pid in zip(
            result.rows, sorted(Partner.objects.values_list("pk", flat=True))[-60:], strict=True
        )
    }
    decided = set(NotDuplicate.objects.values_list("partner_a_id", "partner_b_id"))
    assert decided == {
        tuple(sorted((new[number], pid))) for number, found in expected.items() for pid, _s, _r in found
    }
    assert counts == {
        "created": 60,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "not_duplicate": len(decided),
    }
    assert not multiprocessing.active_children()


@needs_fork
@pytest.mark.django_db
def test_when_the_child_scoring_during_the_write_dies_the_import_scores_here(plgu_officer, monkeypatch):
    data, expected = _file_and_its_matches(plgu_officer, rows=40, every=4)

    def dies(*args, **kwargs):
        os._exit(3)

    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(importer, "_score_child", dies)
    with acting_as(actor_for(plgu_officer)):
        _table, _mapping, result, counts = importer.run_file(
            data, user=plgu_officer, source="t.csv", on_duplicate="create"
        )
    assert counts is not None

    assert counts["created"] == 40
    assert _matches(result) == expected
    assert counts["not_duplicate"] == NotDuplicate.objects.count() == sum(len(m) for m in expected.values())
    assert counts["not_duplicate"] > 0


@needs_fork
@pytest.mark.django_db
def test_a_failed_write_stops_the_scoring_child_and_leaves_nothing(plgu_officer, monkeypatch):
    for n in range(0, 30, 3):
        _existing(plgu_officer, f"{WORDS[n % 10]} {WORDS[(n // 10) % 10]} {KINDS[n % 5]} {n}")
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)

    def disk_full(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(importer, "_write_history", disk_full)
    before = _state()

    with pytest.raises(RuntimeError), acting_as(actor_for(plgu_officer)):
        importer.run_file(_csv(_rows(30)), user=plgu_officer, source="t.csv", on_duplicate="create")

    assert _state() == before
    assert not multiprocessing.active_children()


@needs_fork
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outside_a_transaction_a_child_reads_and_scores_during_the_write(plgu_officer, monkeypatch):
    """What the command and the import job do: nothing uncommitted to see, so the whole search runs in a
    child with a database connection of its own, beside the write."""
    if not importer._child_can_read():
        pytest.skip("a second connection cannot see this test database (SQLite in memory)")
    data, expected = _file_and_its_matches(plgu_officer, rows=60, every=3)
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
    forked = _spy_on_forks(monkeypatch)

    with acting_as(actor_for(plgu_officer)):
        _table, _mapping, result, counts = importer.run_file(
            data, user=plgu_officer, source="t.csv", on_duplicate="create"
        )
    assert counts is not None

    assert forked == ["_check_child", "_find_child"]
    assert _matches(result) == expected
    assert counts["created"] == 60
    assert counts["not_duplicate"] == NotDuplicate.objects.count() == sum(len(m) for m in expected.values())
    assert not multiprocessing.active_children()
    # This process's connection still works: the child left it alone.
    assert Partner.objects.count() == 80


@needs_fork
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_when_that_child_dies_this_process_searches_without_seeing_its_own_new_rows(
    plgu_officer, monkeypatch
):
    if not importer._child_can_read():
        pytest.skip("a second connection cannot see this test database (SQLite in memory)")
    data, expected = _file_and_its_matches(plgu_officer, rows=40, every=4)

    def dies(*args, **kwargs):
        os._exit(3)

    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(importer, "_find_child", dies)
    with acting_as(actor_for(plgu_officer)):
        _table, _mapping, result, counts = importer.run_file(
            data, user=plgu_officer, source="t.csv", on_duplicate="create"
        )
    assert counts is not None

    # The rows just written (in this process's open transaction) are not candidates of one another.
    assert _matches(result) == expected
    assert counts["not_duplicate"] == NotDuplicate.objects.count() == sum(len(m) for m in expected.values())


@needs_fork
@pytest.mark.django_db
@pytest.mark.parametrize("child_dies", [False, True])
def test_checking_half_the_rows_in_a_child_gives_the_same_rows_and_errors(monkeypatch, child_dies):
    lines = _rows(41)
    lines[7] = lines[7].replace(",event,", ",carrier pigeon,")  # first half
    lines[33] = lines[33].replace(",KE,", ",Atlantis,")  # second half
    table = importer.read_table(_csv(lines))
    mapping = importer.propose_mapping(table.columns)
    serial_rows, serial_errors, _column = importer.check_rows(table, mapping)
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
    if child_dies:

        def dies(*args, **kwargs):
            os._exit(3)

        monkeypatch.setattr(importer, "_check_child", dies)

    rows, errors, _column = importer.check_rows(table, mapping)

    assert [(e.row, e.column, e.message) for e in errors] == [
        (e.row, e.column, e.message) for e in serial_errors
    ]
    assert [e.row for e in errors] == [9, 35]
    assert [r.number for r in rows] == [r.number for r in serial_rows]
    for row, serial in zip(rows, serial_rows, strict=True):
        assert (row.data, row.alt_names, row.tag_ids, row.keys, row.name_key, row.registration) == (
            serial.data,
            serial.alt_names,
            serial.tag_ids,
            serial.keys,
            serial.name_key,
            serial.registration,
        )
        assert row.profile == serial.profile
        assert row.stored_profile() == serial.stored_profile()
    assert not multiprocessing.active_children()
