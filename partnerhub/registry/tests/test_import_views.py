"""The import pages: who may use them, the upload → columns → check → import flow, progress, query counts."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from conftest import PERSONAS
from partnerhub.core.models import AuditLog, RecordHistory
from partnerhub.org.models import Office
from partnerhub.registry import importer, tasks_import
from partnerhub.registry.models import ImportJob, ImportStatus, Partner

pytestmark = pytest.mark.django_db

ALLOWED = ["plgu_officer", "administrator"]
REFUSED = [p for p in PERSONAS if p not in ALLOWED]
GOOD = (
    b"Organisation;Country;Category;Channel;Office\nKibera Youth Network;KE;civil-society;event;plgu\n"
    b"Habitat Andino;PE;academia;event;ro-lac\n"
)


def _upload(client, data=GOOD, name="partners.csv"):
    return client.post(reverse("registry:import_start"), {"file": SimpleUploadedFile(name, data, "text/csv")})


def _mapping_post(job, **extra):
    data = {f"col_{i}": job.mapping.get(column, "") for i, column in enumerate(job.columns)}
    data.update({"on_duplicate": "skip", "default_category": "", "default_channel": "", "default_office": ""})
    data.update(extra)
    return data


def _state():
    return (
        ImportJob.objects.count(),
        Partner.objects.count(),
        AuditLog.objects.count(),
        RecordHistory.objects.count(),
        list(ImportJob.objects.values_list("status", flat=True)),
    )


def _job(user, data=GOOD, *, check=True, **mapping):
    job = importer.job_create(actor=user, content=data, filename="partners.csv")
    if check:
        job = importer.job_set_mapping(
            actor=user,
            job=job,
            mapping={**job.mapping, **mapping},
            defaults=importer.Defaults(),
            on_duplicate="skip",
        )
    return job


@pytest.mark.parametrize("persona", ALLOWED, indirect=True)
def test_plgu_and_administrators_import_a_file_step_by_step(
    persona, client_for, django_capture_on_commit_callbacks
):
    client = client_for(persona)

    page = client.get(reverse("registry:import_start"))
    assert page.status_code == 200
    assert "Upload and continue" in page.text

    uploaded = _upload(client)
    job = ImportJob.objects.get()
    assert uploaded.url == reverse("registry:import_map", args=[job.pk])
    assert (job.status, job.file_format, job.encoding, job.delimiter, job.created_by) == (
        ImportStatus.UPLOADED,
        "csv",
        "utf-8",
        ";",
        persona,
    )
    assert job.mapping == {
        "Organisation": "name",
        "Country": "country",
        "Category": "category",
        "Channel": "channel",
        "Office": "owning_office",
    }

    columns = client.get(uploaded.url)
    assert columns.status_code == 200
    assert "Examples: Kibera Youth Network, Habitat Andino" in columns.text

    with django_capture_on_commit_callbacks(execute=True):
        checked = client.post(uploaded.url, _mapping_post(job))
    assert checked.url == reverse("registry:import_preview", args=[job.pk])
    job.refresh_from_db()
    assert (job.status, job.total_rows, job.processed_rows, job.errors) == (ImportStatus.VALID, 2, 2, [])

    preview = client.get(checked.url)
    assert "All 2 rows are valid." in preview.text
    assert "Importing will add 2 partners, fill in 0 existing partners and skip 0 rows." in preview.text
    assert "Kibera Youth Network" in preview.text
    assert Partner.objects.count() == 0

    with django_capture_on_commit_callbacks(execute=True):
        confirmed = client.post(reverse("registry:import_confirm", args=[job.pk]))
    assert confirmed.url == reverse("registry:import_done", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert job.summary["result"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "skipped": 0,
        "not_duplicate": 0,
    }
    done = client.get(confirmed.url)
    assert "2 partners added" in done.text
    assert sorted(Partner.objects.values_list("name", "identified_by")) == [
        ("Habitat Andino", persona.pk),
        ("Kibera Youth Network", persona.pk),
    ]
    assert list(
        AuditLog.objects.filter(action__startswith="registry.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == [
        "registry.import.upload",
        "registry.import.check",
        "registry.import.confirm",
        "registry.partner.import",
    ]


@pytest.mark.parametrize("persona", REFUSED, indirect=True)
def test_other_roles_are_refused_everywhere_and_nothing_changes(persona, client_for, plgu_officer):
    job = _job(plgu_officer, check=False)
    client = client_for(persona)
    before = _state()
    pages = [
        ("get", reverse("registry:import_start")),
        ("get", reverse("registry:import_map", args=[job.pk])),
        ("get", reverse("registry:import_preview", args=[job.pk])),
        ("get", reverse("registry:import_progress", args=[job.pk])),
        ("get", reverse("registry:import_done", args=[job.pk])),
        ("post", reverse("registry:import_map", args=[job.pk])),
        ("post", reverse("registry:import_confirm", args=[job.pk])),
        ("post", reverse("registry:import_retry", args=[job.pk])),
    ]

    for method, url in pages:
        response = getattr(client, method)(url)
        assert response.status_code == 403, url
        assert "Only the Partnerships and Local Government Unit and administrators can import partners." in (
            response.text
        )
    refused_upload = _upload(client)

    assert refused_upload.status_code == 403
    assert _state() == before


def test_anonymous_visitors_are_sent_to_sign_in_and_nothing_changes(client, plgu_officer):
    job = _job(plgu_officer, check=False)
    before = _state()

    for url in (reverse("registry:import_start"), reverse("registry:import_map", args=[job.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))
    assert _upload(client).status_code == 302
    assert _state() == before


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00",
            "partners.csv",
            "This file is not a CSV file or an Excel (.xlsx) workbook.",
        ),
        (b"%PDF-1.4\n\x00\x01", "partners.xlsx", "This file is not a CSV file or an Excel (.xlsx) workbook."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 32,
            "old.xls",
            "This is an old Excel (.xls) file. Save it as Excel workbook (.xlsx) or CSV and upload it again.",
        ),
    ],
)
def test_other_kinds_of_file_are_refused_by_content_with_a_reason(
    client_for, plgu_officer, data, name, message
):
    response = _upload(client_for(plgu_officer), data, name)

    assert response.status_code == 200
    assert message in response.text
    assert ImportJob.objects.count() == 0


def test_a_file_over_the_size_limit_is_refused(client_for, plgu_officer, monkeypatch):
    monkeypatch.setattr(importer, "MAX_UPLOAD_BYTES", 100)

    response = _upload(client_for(plgu_officer), GOOD + b"x" * 200)

    assert response.status_code == 200
    assert "The file is larger than 0 MB. Split it into smaller files." in response.text
    assert ImportJob.objects.count() == 0


def test_an_incomplete_mapping_is_refused_in_words_and_nothing_is_checked(client_for, plgu_officer):
    job = _job(plgu_officer, check=False)
    client = client_for(plgu_officer)

    response = client.post(
        reverse("registry:import_map", args=[job.pk]), _mapping_post(job, col_4="", col_2="name")
    )

    assert response.status_code == 200
    assert "“Name” is chosen for two columns, “Organisation” and “Category”; choose one." in response.text
    assert "Choose the column that holds “Owning office”, or one value for every row." in response.text
    job.refresh_from_db()
    assert job.status == ImportStatus.UPLOADED


def test_one_office_and_channel_can_be_given_for_every_row(
    client_for, plgu_officer, django_capture_on_commit_callbacks
):
    job = _job(plgu_officer, b"Name,Category\nKibera Youth Network,women\n", check=False)
    office = Office.objects.get(code="gender")

    with django_capture_on_commit_callbacks(execute=True):
        client_for(plgu_officer).post(
            reverse("registry:import_map", args=[job.pk]),
            _mapping_post(job, default_office=office.pk, default_channel="advocacy"),
        )

    job.refresh_from_db()
    assert job.status == ImportStatus.VALID
    assert job.summary["defaults"] == {"category": None, "channel": "advocacy", "owning_office": office.pk}


def test_bad_rows_are_all_shown_and_the_import_cannot_be_confirmed(
    client_for, plgu_officer, django_capture_on_commit_callbacks
):
    data = b"Name,Category,Channel,Office\n" + b"".join(b"Org %d,nope,event,plgu\n" % i for i in range(150))
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(plgu_officer, data)
    job.refresh_from_db()
    client = client_for(plgu_officer)

    first = client.get(reverse("registry:import_preview", args=[job.pk]))
    second = client.get(reverse("registry:import_preview", args=[job.pk]), {"page": 2})

    assert job.status == ImportStatus.INVALID
    assert "150 rows have errors: nothing can be imported until they are corrected." in first.text
    shown = re.findall(r"<tr><td>(\d+)</td><td>Category</td>", first.text + second.text)
    assert sorted(map(int, shown)) == list(range(2, 152))
    assert "Page 1 of 2" in first.text
    assert reverse("registry:import_confirm", args=[job.pk]) not in first.text
    refused = client.post(reverse("registry:import_confirm", args=[job.pk]), follow=True)
    assert "Only a checked file without errors can be imported." in refused.text
    assert Partner.objects.count() == 0


def test_duplicates_are_listed_before_confirming(
    client_for, plgu_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _job(plgu_officer)
    with django_capture_on_commit_callbacks(execute=True):
        importer.job_confirm(actor=plgu_officer, job=first)
    existing = Partner.objects.get(name="Kibera Youth Network")
    with django_capture_on_commit_callbacks(execute=True):
        again = _job(plgu_officer)

    page = client_for(plgu_officer).get(reverse("registry:import_preview", args=[again.pk]))

    assert "2 rows look like partners already in the database" in page.text
    assert (
        f'<a href="{reverse("registry:partner_detail", args=[existing.pk])}">Kibera Youth Network</a>'
        in page.text
    )
    assert "same name" in page.text


def test_progress_is_a_fragment_polled_every_second_with_a_link_that_works_without_javascript(
    client_for, plgu_officer
):
    job = _job(plgu_officer)  # on_commit callbacks not run: the check is still queued
    ImportJob.objects.filter(pk=job.pk).update(total_rows=200, processed_rows=50)
    client = client_for(plgu_officer)

    page = client.get(reverse("registry:import_preview", args=[job.pk]))
    fragment = client.get(reverse("registry:import_progress", args=[job.pk]), headers={"HX-Request": "true"})
    without_js = client.get(reverse("registry:import_progress", args=[job.pk]))

    assert '<progress class="w-100" max="200" value="50"' in page.text
    assert "50 of 200 rows" in page.text
    assert fragment.text.strip().startswith('<section id="import-progress"')
    assert "<html" not in fragment.text
    assert 'hx-trigger="every 1s"' in fragment.text
    assert without_js.url == reverse("registry:import_preview", args=[job.pk])
    for html in (page.text, fragment.text):
        for tag in re.findall(r"<[^>]*hx-get=[^>]*>", html):
            assert " href=" in tag
        assert " style=" not in html
        assert "<script>" not in html

    tasks_import.validate_import.call(job.pk, job.task_id)
    finished = client.get(reverse("registry:import_progress", args=[job.pk]), headers={"HX-Request": "true"})
    assert (finished.status_code, finished["HX-Redirect"]) == (
        204,
        reverse("registry:import_preview", args=[job.pk]),
    )


def test_running_a_finished_step_again_does_nothing(plgu_officer, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(plgu_officer)
    validate_token = job.task_id
    with django_capture_on_commit_callbacks(execute=True):
        job = importer.job_confirm(actor=plgu_officer, job=job)
    created = Partner.objects.count()

    assert tasks_import.run_import.call(job.pk, job.task_id) == "nothing to do"
    assert tasks_import.validate_import.call(job.pk, validate_token) == "nothing to do"

    assert (created, Partner.objects.count()) == (2, 2)
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.DONE


def test_a_failed_import_can_be_retried_without_creating_anything_twice(
    client_for, plgu_officer, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        job = _job(plgu_officer)
    real_write = importer._write_history
    calls = {"n": 0}

    def fails_once(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database went away")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(importer, "_write_history", fails_once)
    with django_capture_on_commit_callbacks(execute=True):
        importer.job_confirm(actor=plgu_officer, job=job)
    job.refresh_from_db()
    assert (job.status, job.summary["failed_step"], Partner.objects.count()) == (
        ImportStatus.FAILED,
        "import",
        0,
    )
    client = client_for(plgu_officer)
    assert "Try again" in client.get(reverse("registry:import_done", args=[job.pk])).text

    with django_capture_on_commit_callbacks(execute=True):
        retried = client.post(reverse("registry:import_retry", args=[job.pk]))

    assert retried.url == reverse("registry:import_done", args=[job.pk])
    job.refresh_from_db()
    assert job.status == ImportStatus.DONE
    assert sorted(Partner.objects.values_list("name", flat=True)) == [
        "Habitat Andino",
        "Kibera Youth Network",
    ]
    assert AuditLog.objects.filter(action="registry.partner.import").count() == 1


def test_changing_the_columns_again_supersedes_a_running_check(
    plgu_officer, django_capture_on_commit_callbacks
):
    job = _job(plgu_officer)  # first check queued, not run
    stale_token = job.task_id
    with django_capture_on_commit_callbacks(execute=True):
        job = importer.job_set_mapping(
            actor=plgu_officer,
            job=job,
            mapping=job.mapping,
            defaults=importer.Defaults(),
            on_duplicate="create",
        )

    assert tasks_import.validate_import.call(job.pk, stale_token) == "nothing to do"
    assert ImportJob.objects.get(pk=job.pk).status == ImportStatus.VALID


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_preview_takes_the_same_queries_however_many_errors_and_duplicates(
    client_for, plgu_officer, django_capture_on_commit_callbacks
):
    client = client_for(plgu_officer)
    counts = []
    for rows in (3, 60):
        data = b"Name,Category,Channel,Office\n" + b"".join(
            b"Org %d,nope,event,plgu\n" % i for i in range(rows)
        )
        with django_capture_on_commit_callbacks(execute=True):
            job = _job(plgu_officer, data)
        counts.append(_queries(client, reverse("registry:import_preview", args=[job.pk])))

    assert counts[0] == counts[1]


def test_the_list_of_imports_takes_the_same_queries_however_many_there_are(client_for, plgu_officer):
    client = client_for(plgu_officer)
    _job(plgu_officer, check=False)
    few = _queries(client, reverse("registry:import_start"))
    for _ in range(8):
        _job(plgu_officer, check=False)

    assert _queries(client, reverse("registry:import_start")) == few


def test_while_importing_the_page_shows_progress_and_an_xlsx_upload_goes_through(
    client_for, plgu_officer, django_capture_on_commit_callbacks
):
    import io

    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(["Name", "Category", "Channel", "Office", "Identified on"])
    workbook.active.append(["Kibera Youth Network", "women", "event", "gender", "31/03/2024"])
    data = io.BytesIO()
    workbook.save(data)
    client = client_for(plgu_officer)
    with django_capture_on_commit_callbacks(execute=True):
        uploaded = _upload(client, data.getvalue(), "partners.xlsx")
        job = ImportJob.objects.get()
        client.post(uploaded.url, _mapping_post(job))
    client.post(reverse("registry:import_confirm", args=[job.pk]))  # the import is queued, not run

    page = client.get(reverse("registry:import_done", args=[job.pk]))

    job.refresh_from_db()
    assert (job.file_format, job.status) == ("xlsx", ImportStatus.IMPORTING)
    assert '<section id="import-progress"' in page.text
    assert "Importing" in page.text
    assert client.get(reverse("registry:import_preview", args=[job.pk])).url == reverse(
        "registry:import_done", args=[job.pk]
    )
