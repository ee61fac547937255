import pytest

from conftest import PERSONAS
from partnerhub.core import scheduler
from partnerhub.core.models import AuditLog, PeriodicJob


@pytest.fixture
def job(db):
    scheduler.sync_jobs()
    return PeriodicJob.objects.get(name="accounts.purge_login_failures")


@pytest.mark.django_db
def test_administrator_sees_every_registered_job_with_its_schedule(client_for, administrator, job):
    response = client_for(administrator).get("/system/jobs/")
    assert response.status_code == 200
    body = response.content.decode()
    for name in scheduler.registered():
        assert name in body
    assert 'value="daily 02:30"' in body


@pytest.mark.django_db
def test_administrator_changes_a_schedule_and_the_next_run_follows(client_for, administrator, job):
    response = client_for(administrator).post(
        "/system/jobs/", {"job": job.pk, "schedule": "every 6h", "enabled": "on"}
    )
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.schedule == "every 6h"
    assert job.enabled is True
    assert AuditLog.objects.filter(action="core.periodic_job.update", target_id=str(job.pk)).count() == 1


@pytest.mark.django_db
def test_a_malformed_schedule_is_refused_and_nothing_changes(client_for, administrator, job):
    before = (job.schedule, job.enabled, job.next_run_at)
    response = client_for(administrator).post(
        "/system/jobs/", {"job": job.pk, "schedule": "sometimes"}, follow=True
    )
    assert "every 15m" in response.content.decode()
    job.refresh_from_db()
    assert (job.schedule, job.enabled, job.next_run_at) == before


@pytest.mark.django_db
def test_run_now_queues_the_task_once(client_for, administrator, job):
    response = client_for(administrator).post("/system/jobs/", {"job": job.pk, "action": "run"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.last_task_id
    assert AuditLog.objects.filter(action="core.periodic_job.run_now").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "administrator"], indirect=True)
def test_everyone_but_administrators_is_denied_and_nothing_changes(client_for, persona, job):
    client = client_for(persona)
    assert client.get("/system/jobs/").status_code == 403
    before = (job.schedule, job.enabled, job.last_task_id)
    assert (
        client.post("/system/jobs/", {"job": job.pk, "schedule": "every 1m", "enabled": "on"}).status_code
        == 403
    )
    assert client.post("/system/jobs/", {"job": job.pk, "action": "run"}).status_code == 403
    job.refresh_from_db()
    assert (job.schedule, job.enabled, job.last_task_id) == before
    assert not AuditLog.objects.filter(action__startswith="core.periodic_job").exists()


@pytest.mark.django_db
def test_job_descriptions_are_shown_in_the_reader_s_language(client_for, administrator, job):
    client = client_for(administrator)
    french = client.get("/system/jobs/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Oublier les tentatives de connexion échouées datant de plus d’une semaine." in french
    assert "Forget failed sign-in attempts older than a week." not in french
    arabic = client.get("/system/jobs/", HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert "حذف محاولات تسجيل الدخول الفاشلة التي مضى عليها أكثر من أسبوع." in arabic
    # A job registered without a description shows none (not the catalog's header).
    PeriodicJob.objects.filter(pk=job.pk).update(description="")
    assert "Project-Id-Version" not in client.get("/system/jobs/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
