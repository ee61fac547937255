"""Duplicates against the database: candidates before saving, "not a duplicate", the scan, the CLI."""

import csv

import pytest
from django.core.management import CommandError, call_command

from partnerhub.core.errors import NotAllowed
from partnerhub.core.models import AuditLog
from partnerhub.org.models import Office
from partnerhub.registry import dedupe, duplicates, services
from partnerhub.registry.models import (
    Country,
    DuplicateKey,
    DuplicateScan,
    JobStatus,
    NotDuplicate,
    Partner,
    StakeholderCategory,
)

# Marked (not only given `db` through fixtures) so that pytest-django runs these with the other database
# tests, before the transactional browser tests whose teardown empties the seeded offices and categories.
pytestmark = pytest.mark.django_db


def make_partner(actor, name, *, country="KE", names=(), **extra):
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code="civil-society"),
        "owning_office": Office.objects.get(code="youth"),
        "country": Country.objects.get(pk=country) if country else None,
        "identified_channel": "event",
        **extra,
    }
    return services.partner_create(
        actor=actor, data=data, alternative_names=[(n, "", "alternative") for n in names]
    )


@pytest.fixture
def crowd(db, plgu_officer):
    """A few organisations, some alike."""
    return {
        "undp": make_partner(
            plgu_officer,
            "United Nations Development Programme",
            country="US",
            acronym="UNDP",
            website="https://www.undp.org",
            names=["Programme des Nations Unies pour le développement"],
        ),
        "citi_foundation": make_partner(plgu_officer, "Citi Foundation", country="US"),
        "citi_bank": make_partner(plgu_officer, "Citibank", country="US"),
        "hic": make_partner(plgu_officer, "Habitat International Coalition", country="CL", acronym="HIC"),
        "arup": make_partner(
            plgu_officer, "Arup Group Limited", country="GB", registration_number="01312453"
        ),
        "kenya": make_partner(plgu_officer, "Red Cross Kenya", country="KE"),
    }


# --- candidates_for -------------------------------------------------------------------------------


def names_of(candidates):
    return [c.partner.name for c in candidates]


def test_candidates_match_a_variant_of_the_name(crowd):
    found = duplicates.candidates_for(name="ARUP GROUP LTD.", country="GB")
    assert names_of(found) == ["Arup Group Limited"]
    assert found[0].score == 1.0
    assert found[0].reasons == ["same name"]
    assert found[0].codes == [dedupe.NAME_SAME]


def test_candidates_match_an_acronym_against_the_full_name(crowd):
    found = duplicates.candidates_for(name="HIC", country="CL")
    assert names_of(found) == ["Habitat International Coalition"]
    assert "acronym matches" in found[0].reasons


def test_candidates_match_an_alternative_name_in_another_language(crowd):
    found = duplicates.candidates_for(name="Programme des Nations Unies pour le developpement", country="US")
    assert names_of(found) == ["United Nations Development Programme"]


def test_candidates_match_a_website_or_e_mail_domain(crowd):
    found = duplicates.candidates_for(name="Something else entirely", email="office@undp.org")
    assert names_of(found) == ["United Nations Development Programme"]
    assert found[0].reasons == ["same e-mail domain"]


def test_candidates_match_a_registration_number(crowd):
    found = duplicates.candidates_for(
        name="Ove Arup & Partners", registration_number="0131 2453", country="GB"
    )
    assert names_of(found) == ["Arup Group Limited"]
    assert "same registration number" in found[0].reasons


def test_candidates_leave_out_other_bodies_and_other_places(crowd):
    assert names_of(duplicates.candidates_for(name="Citi Bank", country="US")) == ["Citibank"]
    assert duplicates.candidates_for(name="Red Cross Uganda", country="UG") == []
    assert duplicates.candidates_for(name="Nothing Like It") == []


def test_candidates_give_context_to_decide(crowd, plgu_officer):
    services.contact_create(
        actor=plgu_officer,
        data={"given_name": "Ana", "family_name": "Pérez"},
        partner=crowd["hic"],
        title="Director",
    )
    found = duplicates.candidates_for(name="Habitat Intl Coalition")
    assert found[0].contacts == ["Ana Pérez"]
    assert found[0].last_activity == Partner.objects.get(pk=crowd["hic"].pk).updated_at
    assert found[0].partner.country.name == "Chile"


def test_candidates_leave_out_the_record_itself_its_decided_pairs_and_merged_records(crowd, plgu_officer):
    twin = make_partner(plgu_officer, "Arup Group Ltd", country="GB")
    assert names_of(duplicates.candidates_for(name="Arup Group", exclude_ids=[twin.pk])) == [
        "Arup Group Limited"
    ]
    duplicates.mark_not_duplicate(actor=plgu_officer, partner_a=twin, partner_b=crowd["arup"])
    assert duplicates.candidates_for(name="Arup Group", exclude_ids=[twin.pk]) == []
    Partner.objects.filter(pk=crowd["arup"].pk).update(merged_into=twin)
    assert names_of(duplicates.candidates_for(name="Arup Group")) == ["Arup Group Ltd"]


def test_candidate_lookup_uses_a_bounded_number_of_queries(crowd, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        duplicates.candidates_for(
            name="Habitat International Coalition", acronym="HIC", website="hic-net.org"
        )


def test_stored_keys_are_the_engine_keys(crowd):
    partner = crowd["undp"]
    stored = set(DuplicateKey.objects.filter(partner=partner).values_list("key", flat=True))
    expected = dedupe.blocking_keys(
        dedupe.profile(
            dedupe.Record(
                id=partner.pk,
                name=partner.name,
                acronym="UNDP",
                website="https://www.undp.org",
                alt_names=("Programme des Nations Unies pour le développement",),
            )
        )
    )
    assert stored == expected


# --- "Not a duplicate" ----------------------------------------------------------------------------


def test_not_duplicate_is_stored_once_in_order_and_audited(crowd, plgu_officer):
    a, b = crowd["citi_bank"], crowd["citi_foundation"]
    first = duplicates.mark_not_duplicate(
        actor=plgu_officer, partner_a=a, partner_b=b, reason="bank and foundation"
    )
    again = duplicates.mark_not_duplicate(actor=plgu_officer, partner_a=b, partner_b=a)
    assert first.pk == again.pk
    assert (first.partner_a_id, first.partner_b_id) == tuple(sorted((a.pk, b.pk)))
    assert first.decided_by == plgu_officer
    assert AuditLog.objects.filter(action="registry.partner.not_duplicate").count() == 1
    assert duplicates.is_not_duplicate(b.pk, a.pk)


def test_partner_user_may_not_decide_and_nothing_changes(crowd, partner_user):
    with pytest.raises(NotAllowed):
        duplicates.mark_not_duplicate(
            actor=partner_user, partner_a=crowd["citi_bank"], partner_b=crowd["citi_foundation"]
        )
    assert NotDuplicate.objects.count() == 0
    assert not AuditLog.objects.filter(action="registry.partner.not_duplicate").exists()


# --- The scan -------------------------------------------------------------------------------------


def test_scan_runs_in_the_background_and_lists_clusters(
    crowd, plgu_officer, django_capture_on_commit_callbacks
):
    make_partner(plgu_officer, "ARUP GROUP LTD", country="GB")
    make_partner(plgu_officer, "UNDP", country="US")
    with django_capture_on_commit_callbacks(execute=True):
        scan = duplicates.duplicate_scan_start(actor=plgu_officer)
    scan.refresh_from_db()
    assert scan.status == JobStatus.DONE
    assert scan.task_id
    assert scan.processed == scan.total == Partner.objects.count()
    names = [sorted(Partner.objects.get(pk=pid).name for pid in c["ids"]) for c in scan.clusters]
    assert sorted(names) == [
        ["ARUP GROUP LTD", "Arup Group Limited"],
        ["UNDP", "United Nations Development Programme"],
    ]
    assert all(c["pairs"] and c["reasons"] for c in scan.clusters)
    assert (
        AuditLog.objects.filter(action="registry.duplicate_scan.start", target_id=str(scan.pk)).count() == 1
    )


def test_scan_is_safe_to_run_twice_and_leaves_out_decided_pairs(
    crowd, plgu_officer, django_capture_on_commit_callbacks
):
    twin = make_partner(plgu_officer, "ARUP GROUP LTD", country="GB")
    duplicates.mark_not_duplicate(actor=plgu_officer, partner_a=twin, partner_b=crowd["arup"])
    scan = DuplicateScan.objects.create(requested_by=plgu_officer)
    duplicates.run_duplicate_scan.call(scan_id=scan.pk)
    scan.refresh_from_db()
    first = scan.clusters
    assert scan.status == JobStatus.DONE
    assert not any(twin.pk in c["ids"] for c in first)
    assert duplicates.run_duplicate_scan.call(scan_id=scan.pk) == 0  # finished: left alone
    scan.refresh_from_db()
    assert scan.clusters == first


def test_a_retried_scan_replaces_rather_than_adds(crowd, plgu_officer):
    make_partner(plgu_officer, "ARUP GROUP LTD", country="GB")
    scan = DuplicateScan.objects.create(status=JobStatus.RUNNING, processed=3, clusters=[{"ids": [1, 2]}])
    duplicates.duplicate_scan_run(scan_id=scan.pk)
    scan.refresh_from_db()
    assert scan.status == JobStatus.DONE
    assert len(scan.clusters) == 1
    assert {Partner.objects.get(pk=pid).name for pid in scan.clusters[0]["ids"]} == {
        "ARUP GROUP LTD",
        "Arup Group Limited",
    }


def test_scan_start_returns_the_scan_already_under_way(crowd, plgu_officer):
    running = DuplicateScan.objects.create(status=JobStatus.RUNNING)
    assert duplicates.duplicate_scan_start(actor=plgu_officer) == running
    assert DuplicateScan.objects.count() == 1


def test_scan_rebuilds_stale_blocking_keys(crowd, plgu_officer):
    DuplicateKey.objects.filter(partner=crowd["hic"]).delete()
    DuplicateKey.objects.create(partner=crowd["hic"], key="t:obsolete-scheme")
    scan = DuplicateScan.objects.create()
    duplicates.duplicate_scan_run(scan_id=scan.pk)
    assert names_of(duplicates.candidates_for(name="Habitat Intl Coalition")) == [
        "Habitat International Coalition"
    ]
    assert not DuplicateKey.objects.filter(key="t:obsolete-scheme").exists()


def test_failed_scan_records_the_error(crowd, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(dedupe, "find_pairs", broken)
    scan = DuplicateScan.objects.create()
    with pytest.raises(RuntimeError):
        duplicates.duplicate_scan_run(scan_id=scan.pk)
    scan.refresh_from_db()
    assert scan.status == JobStatus.FAILED
    assert scan.error == "RuntimeError: boom"
    assert scan.clusters == []


@pytest.mark.parametrize(
    "persona", ["staff_member", "focal_point", "legal_officer", "partner_user"], indirect=True
)
def test_only_plgu_may_start_a_scan_and_nothing_changes(persona):
    with pytest.raises(NotAllowed):
        duplicates.duplicate_scan_start(actor=persona)
    assert DuplicateScan.objects.count() == 0
    assert not AuditLog.objects.filter(action="registry.duplicate_scan.start").exists()


# --- manage.py find_duplicates --------------------------------------------------------------------


def write_csv(path, rows, delimiter=","):
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)


def read_pairs(path):
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.reader(fh))


def test_cli_writes_the_pairs_of_a_spreadsheet_without_the_database(tmp_path, capsys):
    source, target = tmp_path / "in.csv", tmp_path / "pairs.csv"
    write_csv(
        source,
        [
            ["id", "name", "country", "acronym", "website", "email"],
            ["10", "United Nations Development Programme", "US", "UNDP", "https://www.undp.org", ""],
            ["9", "UNDP", "US", "", "", ""],
            ["11", "Programme des Nations Unies pour le développement", "US", "PNUD", "", ""],
            ["12", "Citi Foundation", "US", "", "", ""],
            ["13", "Citibank", "US", "", "", ""],
            ["14", "Acme Widgets", "KE", "", "", "info@acme-widgets.co.ke"],
            ["15", "AW Kenya Ltd", "KE", "", "https://acme-widgets.co.ke", ""],
        ],
    )
    call_command(
        "find_duplicates", "--input", str(source), "--output", str(target)
    )  # no db fixture: no queries
    assert read_pairs(target) == [
        ["id_a", "id_b", "score"],
        ["9", "10", "0.920"],
        ["10", "11", "1.000"],
        ["14", "15", "0.900"],
    ]
    assert "7 rows read; 3 pairs in 2 groups" in capsys.readouterr().out


def test_cli_reads_semicolon_separated_files_and_a_threshold(tmp_path):
    source, target = tmp_path / "in.csv", tmp_path / "pairs.csv"
    write_csv(
        source,
        [["id", "name", "country"], ["a", "Acme Kenya", "KE"], ["b", "Acme Kenya", "UG"]],
        delimiter=";",
    )
    call_command("find_duplicates", "--input", str(source), "--output", str(target))
    assert read_pairs(target) == [["id_a", "id_b", "score"]]
    call_command("find_duplicates", "--input", str(source), "--output", str(target), "--threshold", "0.7")
    assert read_pairs(target) == [["id_a", "id_b", "score"], ["a", "b", "0.800"]]


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([["id", "name"], ["1", "Acme"]], "missing column"),
        ([["id", "name", "country"], ["1", "Acme", "KE"], ["1", "Acme", "KE"]], "ids must be unique"),
    ],
)
def test_cli_refuses_bad_files(tmp_path, rows, message):
    source = tmp_path / "in.csv"
    write_csv(source, rows)
    with pytest.raises(CommandError, match=message):
        call_command("find_duplicates", "--input", str(source), "--output", str(tmp_path / "out.csv"))
    assert not (tmp_path / "out.csv").exists()


def test_many_records_get_the_same_candidates_in_a_few_queries(crowd, django_assert_max_num_queries):
    probes = [
        dedupe.Record(id=None, name="ARUP GROUP LTD.", country="GB"),
        dedupe.Record(id=None, name="HIC", country="CL"),
        dedupe.Record(id=None, name="Something else entirely", email="office@undp.org"),
        dedupe.Record(id=None, name="Nothing Like It"),
    ]
    with django_assert_max_num_queries(8):
        batch = duplicates.match_records(probes)
    one_by_one = [
        [
            (c.partner.pk, c.score, tuple(c.codes))
            for c in duplicates.candidates_for(name=p.name, country=p.country, email=p.email)
        ]
        for p in probes
    ]
    assert batch == one_by_one
    assert [len(found) for found in batch] == [1, 1, 1, 0]
