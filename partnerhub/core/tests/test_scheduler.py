"""The periodic scheduler: schedules, registration, claiming each due run once, and the jobs it runs."""

import datetime as dt
import signal

import pytest
from django.core.management import call_command
from django.utils import timezone

from partnerhub.core import scheduler
from partnerhub.core.models import PeriodicJob
from partnerhub.core.scheduler import ScheduleError, next_run

UTC = dt.UTC
# Monday 2 March 2026, 03:00 UTC = 06:00 in Nairobi (the site time zone, UTC+3).
MONDAY_0600_NAIROBI = dt.datetime(2026, 3, 2, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("schedule", "expected"),
    [
        ("every 15m", dt.datetime(2026, 3, 2, 3, 15, tzinfo=UTC)),
        ("every 6h", dt.datetime(2026, 3, 2, 9, 0, tzinfo=UTC)),
        ("every 1d", dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC)),
        ("  Every 15M ", dt.datetime(2026, 3, 2, 3, 15, tzinfo=UTC)),
        ("daily 07:00", dt.datetime(2026, 3, 2, 4, 0, tzinfo=UTC)),  # later today, local time
        (
            "daily 06:00",
            dt.datetime(2026, 3, 3, 3, 0, tzinfo=UTC),
        ),  # exactly now: strictly after, so tomorrow
        ("daily 05:30", dt.datetime(2026, 3, 3, 2, 30, tzinfo=UTC)),  # already past today
        ("weekly mon 07:00", dt.datetime(2026, 3, 2, 4, 0, tzinfo=UTC)),
        ("weekly mon 06:00", dt.datetime(2026, 3, 9, 3, 0, tzinfo=UTC)),
        ("weekly sun 23:59", dt.datetime(2026, 3, 8, 20, 59, tzinfo=UTC)),
        ("weekly wed 00:00", dt.datetime(2026, 3, 3, 21, 0, tzinfo=UTC)),
    ],
)
def test_next_run_is_the_first_due_time_strictly_after_now_in_site_time(schedule, expected):
    assert next_run(schedule, MONDAY_0600_NAIROBI) == expected


@pytest.mark.parametrize(
    "schedule",
    [
        "hourly",
        "every 0m",
        "every 5s",
        "every m",
        "daily 24:00",
        "daily 7:00",
        "weekly monday 07:00",
        "weekly mon",
        "",
    ],
)
def test_malformed_schedule_is_refused_with_the_accepted_forms(schedule):
    with pytest.raises(ScheduleError, match=r"every 15m|must be positive"):
        next_run(schedule, MONDAY_0600_NAIROBI)


def test_registering_a_malformed_schedule_fails_at_start_up_and_registers_nothing():
    with pytest.raises(ScheduleError):
        scheduler.register(
            name="test.bad", task_path="partnerhub.core.tasks.prune_finished_tasks", schedule="often"
        )

    assert "test.bad" not in scheduler.registered()


def test_apps_register_their_periodic_jobs():
    jobs = scheduler.registered()

    assert jobs["core.prune_finished_tasks"].task_path == "partnerhub.core.tasks.prune_finished_tasks"
    assert jobs["core.prune_finished_tasks"].schedule == "daily 03:00"
    assert jobs["accounts.purge_login_failures"].task_path == "partnerhub.accounts.tasks.purge_login_failures"
    assert jobs["accounts.purge_login_failures"].schedule == "daily 02:30"


@pytest.mark.django_db
def test_sync_creates_a_row_per_registered_job_due_at_its_next_time():
    # when the jobs are synced for the first time
    jobs = scheduler.sync_jobs(MONDAY_0600_NAIROBI)

    # then every registration has a row, enabled, due at its next run
    assert {j.name for j in jobs} == set(scheduler.registered())
    prune = PeriodicJob.objects.get(name="core.prune_finished_tasks")
    assert prune.enabled is True
    assert prune.next_run_at == dt.datetime(2026, 3, 3, 0, 0, tzinfo=UTC)  # 03:00 Nairobi
    assert prune.description == "Delete results of background tasks finished more than 30 days ago."


@pytest.mark.django_db
def test_sync_keeps_what_administrators_tuned_and_refreshes_what_code_owns():
    # given a row an administrator changed, and whose task path and description are out of date
    scheduler.sync_jobs(MONDAY_0600_NAIROBI)
    PeriodicJob.objects.filter(name="core.prune_finished_tasks").update(
        schedule="every 6h", enabled=False, task_path="old.path", description="old"
    )

    # when the jobs are synced again
    scheduler.sync_jobs(MONDAY_0600_NAIROBI)

    # then the schedule and switch stay, the task path and description follow the code, nothing is duplicated
    job = PeriodicJob.objects.get(name="core.prune_finished_tasks")
    assert (job.schedule, job.enabled) == ("every 6h", False)
    assert job.task_path == "partnerhub.core.tasks.prune_finished_tasks"
    assert job.description == "Delete results of background tasks finished more than 30 days ago."
    assert PeriodicJob.objects.count() == len(scheduler.registered())


def _job(
    name="test.job",
    *,
    schedule="every 15m",
    due=MONDAY_0600_NAIROBI,
    enabled=True,
    task_path="partnerhub.accounts.tasks.purge_login_failures",
):
    return PeriodicJob.objects.create(
        name=name, task_path=task_path, schedule=schedule, enabled=enabled, next_run_at=due
    )


@pytest.mark.django_db
def test_due_job_is_enqueued_and_its_next_run_moves_on():
    # given a due job
    job = _job()

    # when the scheduler runs
    enqueued = scheduler.run_due(MONDAY_0600_NAIROBI)

    # then it was enqueued once and rescheduled from now
    assert enqueued == ["test.job"]
    job.refresh_from_db()
    assert job.last_run_at == MONDAY_0600_NAIROBI
    assert job.next_run_at == dt.datetime(2026, 3, 2, 3, 15, tzinfo=UTC)
    assert job.last_error == ""
    assert len(job.last_task_id) == 32


@pytest.mark.django_db
def test_running_twice_for_the_same_moment_enqueues_once():
    _job()

    first = scheduler.run_due(MONDAY_0600_NAIROBI)
    second = scheduler.run_due(MONDAY_0600_NAIROBI)

    assert (first, second) == (["test.job"], [])


@pytest.mark.django_db
def test_jobs_not_yet_due_or_disabled_are_left_alone():
    # given a future job and a disabled due job
    later = _job("test.later", due=MONDAY_0600_NAIROBI + dt.timedelta(seconds=1))
    off = _job("test.off", enabled=False)

    # when the scheduler runs
    assert scheduler.run_due(MONDAY_0600_NAIROBI) == []

    # then neither changed
    for job in (later, off):
        stored = PeriodicJob.objects.get(pk=job.pk)
        assert (stored.next_run_at, stored.last_run_at, stored.last_task_id) == (job.next_run_at, None, "")


@pytest.mark.django_db
def test_run_claimed_by_another_scheduler_is_not_enqueued_again(monkeypatch):
    # given a due job that another scheduler claims between our read and our claim
    job = _job()
    theirs = dt.datetime(2026, 3, 2, 3, 15, tzinfo=UTC)
    real_next_run = scheduler.next_run

    def claimed_meanwhile(schedule, after):
        PeriodicJob.objects.filter(pk=job.pk).update(next_run_at=theirs, last_task_id="their-task")
        return real_next_run(schedule, after)

    monkeypatch.setattr(scheduler, "next_run", claimed_meanwhile)

    # when our scheduler runs
    enqueued = scheduler.run_due(MONDAY_0600_NAIROBI)

    # then it backs off and leaves the other scheduler's claim as it was
    assert enqueued == []
    job.refresh_from_db()
    assert (job.next_run_at, job.last_task_id, job.last_run_at) == (theirs, "their-task", None)


@pytest.mark.django_db
def test_job_with_a_malformed_schedule_is_disabled_with_the_reason():
    # given an administrator typed a schedule the scheduler cannot read
    job = _job(schedule="every fortnight")

    # when the scheduler runs
    assert scheduler.run_due(MONDAY_0600_NAIROBI) == []

    # then the job is switched off, its reason recorded, and nothing was enqueued
    job.refresh_from_db()
    assert job.enabled is False
    assert job.last_error.startswith("'every fortnight' is not a schedule")
    assert (job.last_run_at, job.last_task_id) == (None, "")


@pytest.mark.django_db
def test_job_whose_task_cannot_be_found_records_the_error_and_others_still_run():
    # given a job naming a task that does not exist, and a good one
    broken = _job("test.broken", task_path="partnerhub.core.tasks.no_such_task")
    _job("test.good")

    # when the scheduler runs
    enqueued = scheduler.run_due(MONDAY_0600_NAIROBI)

    # then the good one ran and the broken one says why it did not
    assert enqueued == ["test.good"]
    broken.refresh_from_db()
    assert broken.last_error.startswith("ImportError: ")
    assert "no_such_task" in broken.last_error
    assert broken.last_task_id == ""


@pytest.mark.django_db
def test_due_job_is_stored_in_the_task_queue_with_the_database_backend(settings):
    # given the production task backend
    from django_tasks_db.models import DBTaskResult

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    job = _job()

    # when the scheduler runs
    scheduler.run_due(MONDAY_0600_NAIROBI)

    # then one queued task exists, and the job points at it
    job.refresh_from_db()
    [result] = DBTaskResult.objects.all()
    assert str(result.id) == job.last_task_id
    assert result.task_path == "partnerhub.accounts.tasks.purge_login_failures"


@pytest.fixture
def _restore_signal_handlers():
    saved = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    yield
    for sig, handler in saved.items():
        signal.signal(sig, handler)


@pytest.mark.django_db
@pytest.mark.usefixtures("_restore_signal_handlers")
def test_scheduler_command_once_syncs_jobs_and_enqueues_what_is_due(monkeypatch):
    # The command drops stale connections each round; here that would close the test's own transaction.
    from partnerhub.core.management.commands import scheduler as command

    monkeypatch.setattr(command, "close_old_connections", lambda: None)

    # given a due job registered in code and already in the table
    scheduler.sync_jobs()
    PeriodicJob.objects.filter(name="accounts.purge_login_failures").update(
        next_run_at=timezone.now() - dt.timedelta(minutes=1)
    )

    # when the command runs once
    call_command("scheduler", "--once")

    # then the due job ran and is scheduled for its next time; the other stays as it was
    job = PeriodicJob.objects.get(name="accounts.purge_login_failures")
    assert job.last_run_at is not None
    assert job.next_run_at > timezone.now()
    assert job.last_task_id != ""
    assert PeriodicJob.objects.get(name="core.prune_finished_tasks").last_run_at is None


@pytest.mark.django_db
def test_prune_finished_tasks_deletes_only_results_older_than_the_cutoff():
    # given one old and one recent finished task result, and one still waiting
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()

    def result(finished_at):
        return DBTaskResult.objects.create(
            status="SUCCESSFUL" if finished_at else "READY",
            args_kwargs={"args": [], "kwargs": {}},
            task_path="partnerhub.core.tasks.prune_finished_tasks",
            backend_name="default",
            run_after=now,
            finished_at=finished_at,
            exception_class_path="",
            traceback="",
        )

    old = result(now - dt.timedelta(days=31))
    recent = result(now - dt.timedelta(days=29))
    waiting = result(None)

    # when the pruning task runs (twice: it is safe to repeat)
    from partnerhub.core.tasks import prune_finished_tasks

    assert prune_finished_tasks.call() == 1
    assert prune_finished_tasks.call() == 0

    # then only the old result is gone
    assert set(DBTaskResult.objects.values_list("id", flat=True)) == {recent.id, waiting.id}
    assert not DBTaskResult.objects.filter(id=old.id).exists()
