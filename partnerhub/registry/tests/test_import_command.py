"""manage.py import_partners: output, exit codes, dry run, duplicate policy and options."""

import codecs
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partnerhub.core.models import AuditLog, RecordHistory
from partnerhub.org.models import Office
from partnerhub.registry import services
from partnerhub.registry.models import DuplicateKey, NotDuplicate, Partner, StakeholderCategory

pytestmark = pytest.mark.django_db


def _file(tmp_path, text, name="partners.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def _run(*args):
    out, err = StringIO(), StringIO()
    call_command("import_partners", *[str(a) for a in args], stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused(*args):
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("import_partners", *[str(a) for a in args], stdout=out, stderr=err)
    return refused.value, out.getvalue(), err.getvalue()


def _counts():
    return (
        Partner.objects.count(),
        DuplicateKey.objects.count(),
        RecordHistory.objects.count(),
        AuditLog.objects.count(),
        NotDuplicate.objects.count(),
    )


GOOD = (
    "Name;Pays;Catégorie;Channel;Office\n"
    "Kibera Youth Network;Kenya;civil-society;event;plgu\n"
    "École Urbaine;FR;7;event;cdtu\n"
)


def test_a_good_file_is_imported_and_described(tmp_path):
    path = _file(tmp_path, GOOD, encoding="cp1252")

    out, err = _run(path)

    assert err == ""
    assert out.splitlines() == [
        "partners.csv: CSV, Windows-1252, separated by “;”; 2 rows.",
        "  “Name” → Name",
        "  “Pays” → Country",
        "  “Catégorie” → Stakeholder category",
        "  “Channel” → Identified through",
        "  “Office” → Owning office",
        "Imported 2 rows: created 2, updated 0, unchanged 0, skipped 0.",
    ]
    assert sorted(Partner.objects.values_list("name", "country_id")) == [
        ("Kibera Youth Network", "KE"),
        ("École Urbaine", "FR"),
    ]
    entry = AuditLog.objects.get(action="registry.partner.import")
    assert (entry.actor_label, entry.after["created"], entry.note) == ("command line", 2, "partners.csv")


def test_a_bom_file_is_recorded_for_the_user_given(tmp_path, plgu_officer):
    path = _file(tmp_path, codecs.BOM_UTF8 + GOOD.encode())

    out, _err = _run(path, "--user", plgu_officer.email)

    assert out.splitlines()[0] == "partners.csv: CSV, UTF-8 (BOM), separated by “;”; 2 rows."
    partner = Partner.objects.get(name="École Urbaine")
    assert partner.identified_by == plgu_officer
    assert RecordHistory.objects.filter(
        object_id=str(partner.pk), content_type__model="partner"
    ).get().actor == (plgu_officer)


def test_a_dry_run_checks_everything_and_writes_nothing(tmp_path):
    path = _file(tmp_path, GOOD)
    before = _counts()

    out, _err = _run(path, "--dry-run")

    assert out.splitlines()[-1] == (
        "Dry run: all 2 rows are valid. Would create 2, update 0, skip 0. Nothing was written."
    )
    assert _counts() == before


def test_bad_rows_exit_1_each_listed_and_nothing_is_written(tmp_path):
    text = (
        "Name,Country,Category,Channel,Office\n"
        "Good,KE,media,event,plgu\n,KE,media,event,plgu\nBad,XX,media,fax,plgu\n"
    )
    path = _file(tmp_path, text)
    before = _counts()

    error, _out, err = _refused(path)

    assert error.returncode == 1
    assert str(error) == "2 of 3 rows have errors; nothing was written."
    assert err.splitlines() == [
        "Row 3, column “Name”: The name is missing.",
        (
            "Row 4, column “Country”: “XX” is not a country we know. "
            "Use its two- or three-letter ISO code or its name in English, French or Spanish."
        ),
        (
            "Row 4, column “Channel”: “fax” is not one of the channels. "
            "Use a code such as event, urban_forum or request, or the channel's name."
        ),
    ]
    assert _counts() == before


def test_bad_rows_in_a_dry_run_also_exit_1(tmp_path):
    path = _file(tmp_path, "Name,Category,Channel,Office\nX,nope,event,plgu\n")

    error, _out, _err = _refused(path, "--dry-run")

    assert error.returncode == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "picture.csv: This file is not a CSV file or an Excel (.xlsx) workbook.",
        ),
        (b"", "picture.csv: The file is empty."),
    ],
)
def test_a_file_that_is_not_a_spreadsheet_exits_2(tmp_path, content, message):
    path = _file(tmp_path, content, name="picture.csv")

    error, _out, _err = _refused(path)

    assert (error.returncode, str(error)) == (2, message)


def test_a_missing_file_exits_2(tmp_path):
    error, _out, _err = _refused(tmp_path / "nowhere.csv")

    assert error.returncode == 2
    assert str(error).startswith(f"Cannot read {tmp_path / 'nowhere.csv'}: ")


def test_a_missing_required_column_exits_2_unless_a_default_is_given(tmp_path):
    path = _file(tmp_path, "Name,Category,Channel\nKibera Youth Network,civil-society,event\n")

    error, _out, _err = _refused(path)
    assert (error.returncode, str(error)) == (
        2,
        "Choose the column that holds “Owning office”, or one value for every row.",
    )

    out, _err = _run(path, "--office", "PLGU")
    assert out.splitlines()[-1] == "Imported 1 rows: created 1, updated 0, unchanged 0, skipped 0."
    assert Partner.objects.get().owning_office == Office.objects.get(code="plgu")


def test_columns_can_be_mapped_by_hand(tmp_path):
    path = _file(tmp_path, "Org,Kind,Where\nKibera Youth Network,women,KE\n")

    out, _err = _run(
        path,
        "--map",
        "Org=name",
        "--map",
        "Kind=category",
        "--map",
        "Where=country",
        "--channel",
        "event",
        "--office",
        "plgu",
    )

    assert "  “Kind” → Stakeholder category" in out.splitlines()
    partner = Partner.objects.get()
    assert (partner.name, partner.primary_category.code, partner.country_id) == (
        "Kibera Youth Network",
        "women",
        "KE",
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--map", "Org"], "--map Org: write COLUMN=FIELD with FIELD one of "),
        (["--office", "mars"], "--office mars: no active office has that code."),
        (["--channel", "fax"], "--channel fax: use one of "),
        (["--category", "99"], "--category 99: no such stakeholder category."),
        (["--user", "nobody@example.org"], "No user has the e-mail address nobody@example.org."),
    ],
)
def test_bad_options_exit_2(tmp_path, args, message):
    path = _file(tmp_path, GOOD)

    error, _out, _err = _refused(path, *args)

    assert error.returncode == 2
    assert str(error).startswith(message)


def test_a_user_who_may_not_import_is_refused(tmp_path, staff_member):
    error, _out, _err = _refused(_file(tmp_path, GOOD), "--user", staff_member.email)

    assert (error.returncode, str(error)) == (
        2,
        f"{staff_member.email} may not import partners (PLGU officers and administrators may).",
    )


def test_duplicates_are_reported_and_follow_on_duplicate(tmp_path, plgu_officer):
    existing = services.partner_create(
        actor=plgu_officer,
        data={
            "name": "Kibera Youth Network",
            "primary_category": StakeholderCategory.objects.get(code="civil-society"),
            "identified_channel": "event",
            "owning_office": Office.objects.get(code="plgu"),
        },
    )
    path = _file(tmp_path, GOOD)

    out, _err = _run(path, "--on-duplicate", "update")

    assert (
        f"Row 2 “Kibera Youth Network” matches partner #{existing.pk} “Kibera Youth Network” "
        "(same name; score 1.00): "
        "empty fields of the partner filled in."
    ) in out.splitlines()
    assert out.splitlines()[-1] == "Imported 2 rows: created 1, updated 1, unchanged 0, skipped 0."
    existing.refresh_from_db()
    assert existing.country_id == "KE"
