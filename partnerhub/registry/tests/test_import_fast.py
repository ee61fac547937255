"""The import's fast path: the same duplicates, history and all-or-nothing, in a number of queries that does
not grow with the rows."""

import os

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from partnerhub.core.context import acting_as, actor_for
from partnerhub.core.errors import ValidationFailed
from partnerhub.core.models import AuditLog, HistoryAction, RecordHistory
from partnerhub.org.models import Office
from partnerhub.registry import dedupe, duplicates, importer, services
from partnerhub.registry.duplicates import candidates_for
from partnerhub.registry.models import (
    DuplicateKey,
    NotDuplicate,
    Partner,
    PartnerName,
    StakeholderCategory,
)

pytestmark = pytest.mark.django_db

HEADER = "Name,Acronym,Country,Category,Channel,Website,Office,E-mail,Alternative names,Tags"
WORDS = [
    "Amani", "Baraka", "Chama", "Dunia", "Faraja", "Imara", "Jamii", "Kesho", "Lulu", "Mwanga",
    "Nuru", "Pamoja", "Tumaini", "Upendo", "Zawadi", "Bahari", "Jua", "Mvua", "Nyota", "Safari",
]  # fmt: skip
KINDS = ["Network", "Trust", "Institute", "Alliance", "Collective", "Initiative", "Forum", "Centre"]


def _csv(*lines, header=HEADER):
    return ("\n".join([header, *lines]) + "\n").encode("utf-8")


def _run(data, user, **options):
    with acting_as(actor_for(user)):
        return importer.run_file(data, user=user, source="fast.csv", **options)


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


def _rows(count, *, start=0):
    """Distinct organisations, some with an acronym, a website, an e-mail, another name and a tag."""
    lines = []
    for n in range(start, start + count):
        first, second = WORDS[n % len(WORDS)], WORDS[(n // len(WORDS)) % len(WORDS)]
        name = f"{first} {second} {KINDS[n % len(KINDS)]} {n}"
        lines.append(
            ",".join(
                [
                    name,
                    f"A{n}" if n % 3 == 0 else "",
                    ["KE", "UG", "TZ", ""][n % 4],
                    "civil-society",
                    "event",
                    f"org{n}.example.org" if n % 2 else "",
                    "plgu",
                    f"info@org{n}.example.org" if n % 5 == 0 else "",
                    f"{first} Group {n}" if n % 7 == 0 else "",
                    "housing" if n % 4 == 0 else "",
                ]
            )
        )
    return lines


def _state():
    return {
        "partners": Partner.objects.count(),
        "names": PartnerName.objects.count(),
        "keys": DuplicateKey.objects.count(),
        "history": RecordHistory.objects.count(),
        "audit": AuditLog.objects.count(),
        "not_duplicates": NotDuplicate.objects.count(),
        "tags": Partner.tags.through.objects.count(),
    }


def test_the_fast_path_finds_what_the_add_partner_form_finds(plgu_officer):
    same_name = _existing(plgu_officer, "Kibera Youth Network", country=None)
    same_site = _existing(plgu_officer, "Pamoja Trust", website="https://pamojatrust.org")
    by_acronym = _existing(plgu_officer, "Slum Dwellers International", acronym="SDI")
    data = _csv(
        "Kibera Youth Network Ltd,,KE,civil-society,event,,plgu,,,",
        "Pamoja Housing Trust,,KE,civil-society,event,www.pamojatrust.org/about,plgu,,,",
        "Shack Dwellers International,SDI,ZA,civil-society,event,,plgu,,,",
        "Nyota Zawadi Forum,,TZ,civil-society,event,,plgu,,,",
    )

    _table, _mapping, result, counts = _run(data, plgu_officer, dry_run=True)

    assert counts is None
    found = {row.number: [(m.partner_id, m.score, m.reasons) for m in row.matches] for row in result.rows}
    for row in result.rows:
        expected = candidates_for(
            name=row.name,
            acronym=row.data["acronym"],
            website=row.data["website"],
            email=row.data["email"],
            country=row.data["country_id"],
        )
        assert found[row.number] == [(c.partner.pk, c.score, c.reasons) for c in expected]
    assert [pid for pid, _s, _r in found[2]] == [same_name.pk]
    assert [pid for pid, _s, _r in found[3]] == [same_site.pk]
    assert by_acronym.pk in [pid for pid, _s, _r in found[4]]
    assert found[5] == []


def test_the_fast_path_finds_rows_of_one_file_naming_the_same_organisation(plgu_officer):
    data = _csv(
        "Kibera Youth Network,,KE,civil-society,event,,plgu,,,",
        "Mwanga Trust,,UG,civil-society,event,,plgu,,,",
        "KIBERA YOUTH NETWORK LIMITED,,,civil-society,event,,plgu,,,",
    )

    _table, _mapping, refused, counts = _run(data, plgu_officer)
    assert counts is None
    assert [(e.row, e.column) for e in refused.errors] == [(4, "Name")]

    _table, _mapping, result, counts = _run(data, plgu_officer, on_duplicate="create")
    assert counts == {"created": 3, "updated": 0, "unchanged": 0, "skipped": 0, "not_duplicate": 1}
    assert result.within_file == [
        {
            "row": 4,
            "name": "KIBERA YOUTH NETWORK LIMITED",
            "other_row": 2,
            "other_name": "Kibera Youth Network",
        }
    ]
    first, third = Partner.objects.filter(name__istartswith="kibera").order_by("pk")
    assert list(NotDuplicate.objects.values_list("partner_a_id", "partner_b_id")) == [(first.pk, third.pk)]


def test_every_created_record_has_its_history_entry_with_who_and_when(plgu_officer):
    _table, _mapping, result, counts = _run(_csv(*_rows(30)), plgu_officer)

    assert counts["created"] == 30
    partners = list(Partner.objects.order_by("pk"))
    names = list(PartnerName.objects.order_by("pk"))
    assert len(names) == sum(len(row.alt_names) for row in result.rows) > 0
    for model, records in (("partner", partners), ("partnername", names)):
        entries = {
            h.object_id: h
            for h in RecordHistory.objects.filter(content_type__model=model, action=HistoryAction.CREATE)
        }
        assert sorted(entries) == sorted(str(r.pk) for r in records)
        for record in records:
            entry = entries[str(record.pk)]
            assert (entry.actor, entry.actor_label) == (plgu_officer, plgu_officer.email)
            assert abs((entry.at - record.created_at).total_seconds()) < 1
    # The history holds what `TrackedModel.save` would have recorded: every tracked field, from None.
    partner = partners[3]
    entry = RecordHistory.objects.get(content_type__model="partner", object_id=str(partner.pk))
    assert entry.changes == {attname: [None, value] for attname, value in partner._current_values().items()}
    name = names[0]
    entry = RecordHistory.objects.get(content_type__model="partnername", object_id=str(name.pk))
    assert entry.changes == {attname: [None, value] for attname, value in name._current_values().items()}


def test_created_records_are_indexed_as_partner_create_indexes_them(plgu_officer):
    _run(_csv(*_rows(12)), plgu_officer)

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


def test_one_bad_row_among_many_writes_nothing(plgu_officer):
    lines = _rows(50)
    lines[37] = lines[37].replace(",event,", ",carrier pigeon,")
    before = _state()

    _table, _mapping, result, counts = _run(_csv(*lines), plgu_officer, on_duplicate="create")

    assert counts is None
    assert [(e.row, e.column) for e in result.errors] == [(39, "Channel")]
    assert _state() == before
    with pytest.raises(ValidationFailed):
        importer.write(result)
    assert _state() == before


@pytest.mark.parametrize("step", ["_insert_history", "_remember_not_duplicates", "_insert"])
def test_a_failure_at_any_step_of_the_write_leaves_nothing_behind(plgu_officer, monkeypatch, step):
    _existing(plgu_officer, "Amani Amani Network 0")
    real = getattr(importer, step)
    calls = {"n": 0}

    def fail_late(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 1 or step != "_insert":  # let the first plain insert (tags) through
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, step, fail_late)
    before = _state()

    with pytest.raises(RuntimeError):
        _run(_csv(*_rows(25)), plgu_officer, on_duplicate="create")

    assert _state() == before


def test_an_e_mail_address_too_long_to_store_is_a_row_error(plgu_officer):
    long_email = f"{'a' * 60}@{'b' * 63}.{'c' * 63}.{'d' * 63}.org"
    assert len(long_email) > 254

    _table, _mapping, result, counts = _run(
        _csv(f"Long Mail Org,,KE,civil-society,event,,plgu,{long_email},,"), plgu_officer
    )

    assert counts is None
    assert [(e.row, e.column, e.message) for e in result.errors] == [
        (2, "E-mail", "The e-mail address is longer than 254 characters.")
    ]


def _queries(user, data, **options):
    """Queries to check and import a file, and the most rows one table got (keys: about ten a partner)."""
    before = _state()
    with CaptureQueriesContext(connection) as captured, acting_as(actor_for(user)):
        _table, _mapping, result, counts = importer.run_file(data, user=user, source="q.csv", **options)
    assert result.ok, result.errors[:3]
    most = max(after - before[kind] for kind, after in _state().items())
    return len(captured.captured_queries), counts, most


def _chunks(rows):
    return -(-rows // 1000)  # multi-row INSERTs take up to 1,000 rows each


@pytest.mark.parametrize("policy", ["skip", "create"])
def test_queries_do_not_grow_with_the_number_of_rows(plgu_officer, policy):
    # Existing partners that some rows match, so that duplicates are found, skipped or remembered.
    for n in (0, 21, 205):
        _existing(plgu_officer, f"{WORDS[n % 20]} {WORDS[(n // 20) % 20]} {KINDS[n % 8]} {n}")
    small, small_counts, _most = _queries(plgu_officer, _csv(*_rows(20)), on_duplicate=policy)
    large, large_counts, large_most = _queries(plgu_officer, _csv(*_rows(200, start=20)), on_duplicate=policy)

    assert small_counts["created"] + small_counts["skipped"] == 20
    assert large_counts["created"] + large_counts["skipped"] == 200
    assert large_counts["skipped" if policy == "skip" else "not_duplicate"] >= 1
    # Ten times the rows, and no query per row: only the multi-row statements come in more chunks (INSERTs
    # of up to 1,000 rows, here mostly duplicate keys; look-ups of up to 2,000 keys or partners).
    assert large - small <= _chunks(large_most) + 1, (small, large, large_most)


def test_updating_many_partners_takes_a_bounded_number_of_queries(plgu_officer):
    def existing(start, count):
        for n in range(start, start + count):
            _existing(
                plgu_officer, f"{WORDS[n % 20]} {WORDS[(n // 20) % 20]} {KINDS[n % 8]} {n}", country=None
            )

    existing(0, 10)
    existing(100, 100)
    small, small_counts, _most = _queries(plgu_officer, _csv(*_rows(10)), on_duplicate="update")
    large, large_counts, large_most = _queries(
        plgu_officer, _csv(*_rows(100, start=100)), on_duplicate="update"
    )

    assert (small_counts["updated"], large_counts["updated"]) == (10, 100)
    assert large - small <= _chunks(large_most) + 1, (small, large, large_most)


def test_update_rows_fill_one_partner_in_file_order_with_history_and_audit_per_row(plgu_officer):
    partner = _existing(plgu_officer, "Kibera Youth Network", country=None)
    data = _csv(
        "Kibera Youth Network,,KE,civil-society,event,,plgu,,Kibera Youth,",
        "Kibera Youth Network,KYN,UG,civil-society,event,kyn.example.org,plgu,,kibera youth;KYN Kenya,housing",
        header=HEADER,
    )
    version = partner.version

    # Two rows naming one organisation are refused unless duplicates are allowed, so write them directly.
    table = importer.read_table(data)
    with acting_as(actor_for(plgu_officer)):
        rows, errors, _column = importer.check_rows(table, importer.propose_mapping(table.columns))
        assert errors == []
        for row in rows:
            row.matches = [importer.Match(partner.pk, partner.name, 1.0, ["same name"])]
        counts = importer.write(
            importer.Validation(total=2, rows=rows, errors=[], within_file=[], policy="update"),
            user=plgu_officer,
            source="two.csv",
        )

    assert counts == {"created": 0, "updated": 2, "unchanged": 0, "skipped": 0, "not_duplicate": 0}
    partner.refresh_from_db()
    # The first row filled the country; the second found it filled and kept it, and filled the rest.
    assert (partner.country_id, partner.acronym, partner.website) == ("KE", "KYN", "https://kyn.example.org")
    assert partner.version == version + 2
    assert sorted(partner.names.values_list("name", flat=True)) == ["KYN Kenya", "Kibera Youth"]
    assert list(partner.tags.values_list("code", flat=True)) == ["housing"]
    history = list(
        RecordHistory.objects.filter(
            content_type__model="partner", object_id=str(partner.pk), action=HistoryAction.UPDATE
        ).order_by("pk")
    )
    assert [h.changes for h in history] == [
        {"country_id": [None, "KE"]},
        {"acronym": ["", "KYN"], "website": ["", "https://kyn.example.org"]},
    ]
    assert all(h.actor == plgu_officer for h in history)
    entries = AuditLog.objects.filter(action="registry.partner.update", target_id=str(partner.pk)).order_by(
        "pk"
    )
    assert [(e.before, e.after, e.note, e.actor) for e in entries] == [
        (
            {"country_id": None},
            {"country_id": "KE", "alternative_names": ["Kibera Youth"]},
            "Filled in from import two.csv, row 2.",
            plgu_officer,
        ),
        (
            {"acronym": "", "website": ""},
            {
                "acronym": "KYN",
                "website": "https://kyn.example.org",
                "alternative_names": ["KYN Kenya"],
                "tags": [partner.tags.get().pk],
            },
            "Filled in from import two.csv, row 3.",
            plgu_officer,
        ),
    ]
    assert "kyn" in set(partner.dedupe_keys.values_list("key", flat=True)) | {
        k.removeprefix("a:") for k in partner.dedupe_keys.values_list("key", flat=True)
    }
    assert "kenya" in partner.search_text


def test_progress_is_reported_up_to_the_end(plgu_officer):
    _existing(plgu_officer, "Amani Amani Network 0")
    seen = []
    table = importer.read_table(_csv(*_rows(1100)))
    with acting_as(actor_for(plgu_officer)):
        importer.validate(
            table,
            importer.propose_mapping(table.columns),
            progress=lambda done, total: seen.append((done, total)),
        )

    # Checking the rows is the first half, looking for duplicates the second; each reports every 500 rows.
    assert seen == [(500, 2200), (1000, 2200), (1600, 2200), (2100, 2200), (2200, 2200)]


@pytest.mark.skipif(not importer._can_fork(), reason="needs fork and a second core")
def test_scoring_in_two_processes_gives_the_same_matches(plgu_officer, monkeypatch):
    for n in range(0, 60, 3):
        _existing(
            plgu_officer, f"{WORDS[n % 20]} {WORDS[(n // 20) % 20]} {KINDS[n % 8]} {n}", acronym=f"A{n}"
        )
    table = importer.read_table(_csv(*_rows(60)))
    mapping = importer.propose_mapping(table.columns)

    def matches():
        with acting_as(actor_for(plgu_officer)):
            result = importer.validate(table, mapping, on_duplicate="create")
        return {row.number: [(m.partner_id, m.score, m.reasons) for m in row.matches] for row in result.rows}

    serial = matches()
    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
    assert matches() == serial
    assert sum(1 for found in serial.values() if found) >= 20


def test_the_import_scores_with_score_at_least_what_score_gives():
    """The shortcut the duplicate search takes gives `score`'s answer whenever that reaches the threshold."""
    names = [
        "Kibera Youth Network", "Kibera Yuoth Network", "KYN", "Kibera Youth Network Kenya", "Kiberayouth Network",
        "Kibera Youth Foundation", "Kibera Youth Bank", "Fund II", "Fund III", "Habitat International Coalition",
        "Habitat Intl Coalition", "HIC", "Slum Dwellers International", "Shack Dwellers International", "SDI",
        "Internationale Habitat Koalition", "Coalicion Internacional para el Habitat", "U N Habitat", "UN-Habitat",
    ]  # fmt: skip
    records = [
        dedupe.Record(id=i, name=name, acronym="".join(w[0] for w in name.split())[:4] if i % 3 == 0 else "",
                      country=["KE", "", "UG"][i % 3], website="https://hic-net.org" if "Habitat" in name else "")
        for i, name in enumerate(names)
    ]  # fmt: skip
    profiles = [dedupe.profile(r) for r in records]
    for threshold in (dedupe.CANDIDATE_THRESHOLD, dedupe.MATCH_THRESHOLD):
        for a in profiles:
            for b in profiles:
                full = dedupe.score(a, b)
                quick = dedupe.score_at_least(a, b, threshold)
                assert quick == (full if full.score >= threshold else None), (a.record.name, b.record.name)


def test_record_rows_reads_what_the_engine_compares(plgu_officer):
    partner = _existing(plgu_officer, "Pamoja Trust", acronym="PT", website="https://pamojatrust.org")
    services.partner_set_names(actor=plgu_officer, partner=partner, names=[("Pamoja", "sw", "alternative")])

    (record,) = duplicates.record_rows([partner.pk])

    assert record == dedupe.Record(
        id=partner.pk,
        name="Pamoja Trust",
        acronym="PT",
        alt_names=("Pamoja",),
        website="https://pamojatrust.org",
        email="",
        registration_number="",
        country="",
    )


@pytest.mark.skipif(not importer._can_fork(), reason="needs fork and a second core")
def test_when_the_scoring_child_dies_its_half_is_scored_here(plgu_officer, monkeypatch):
    for n in range(0, 40, 4):
        _existing(plgu_officer, f"{WORDS[n % 20]} {WORDS[(n // 20) % 20]} {KINDS[n % 8]} {n}")
    table = importer.read_table(_csv(*_rows(40)))
    mapping = importer.propose_mapping(table.columns)

    def matches():
        with acting_as(actor_for(plgu_officer)):
            result = importer.validate(table, mapping, on_duplicate="create")
        return {row.number: [(m.partner_id, m.score, m.reasons) for m in row.matches] for row in result.rows}

    serial = matches()

    def dies(*args, **kwargs):
        os._exit(3)  # as a child killed by the system would: no result, no clean-up

    monkeypatch.setattr(importer, "PARALLEL_MIN_ROWS", 1)
    monkeypatch.setattr(importer, "_score_child", dies)
    assert matches() == serial
    assert sum(1 for found in serial.values() if found) >= 10


def test_key_counts_stop_at_the_cap_and_postings_list_every_holder():
    """The import counts each key's holders only up to the cap (a common word's are not all counted) and
    reads the postings of the keys under it: one statement each, whatever the number of keys."""
    holders = {"t:rare": 1, "t:some": 7, "t:atcap": 50, "t:overcap": 51, "t:common": 120}
    DuplicateKey.objects.bulk_create(
        [DuplicateKey(partner_id=1000 + i, key=key) for key, n in holders.items() for i in range(n)]
    )
    keys = [*sorted(holders), "t:nobody", "t:ünïcödé 'quoted'"]
    with CaptureQueriesContext(connection) as queries:
        counts = importer.DuplicateFinder._key_counts(keys, 50)
    assert counts == {"t:atcap": 50, "t:rare": 1, "t:some": 7}
    postings = importer.DuplicateFinder._postings(sorted(counts))
    assert {key: sorted(ids) for key, ids in postings.items()} == {
        key: [1000 + i for i in range(holders[key])] for key in counts
    }
    # One statement for all the keys (PostgreSQL's goes through a raw cursor, which Django does not capture).
    assert len(queries) == (0 if connection.vendor == "postgresql" else 1)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL defers foreign-key checks")
def test_references_are_checked_during_the_write_and_deferred_again_after_it(plgu_officer):
    """On PostgreSQL the write checks foreign keys as each statement ends (beside the duplicate search, not
    at commit): a bad reference fails the write at once and nothing is written. Afterwards the rest of the
    transaction defers them again, as Django declares them."""
    table = importer.read_table(_csv(*_rows(12)))
    validation = importer.validate(table, importer.propose_mapping(table.columns), on_duplicate="create")
    validation.rows[5].tag_ids.append(987654)  # a tag that does not exist
    before = _state()
    with pytest.raises(IntegrityError), transaction.atomic():
        importer.write(validation, source="bad.csv")
    assert _state() == before

    validation.rows[5].tag_ids.pop()
    importer.write(validation, source="good.csv")
    assert Partner.objects.count() == before["partners"] + 12
    with transaction.atomic(), connection.cursor() as cursor:
        # Deferred again: a dangling reference is accepted until the transaction ends (then undone here).
        cursor.execute(
            "INSERT INTO registry_partner_tags (partner_id, tag_id) VALUES (%s, %s)",
            [Partner.objects.latest("pk").pk, 987654],
        )
        transaction.set_rollback(True)
