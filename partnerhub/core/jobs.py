"""Administrators' view of background work: periodic jobs (edit, run now) and recent task results."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from partnerhub.core.audit import audit
from partnerhub.core.errors import NotAllowed, ValidationFailed
from partnerhub.core.models import PeriodicJob
from partnerhub.core.scheduler import ScheduleError, next_run


def can_manage_jobs(user: Any) -> bool:
    """Administrators only (the `is_administrator` property comes from the accounts app's user model)."""
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_administrator", False))


@transaction.atomic
def periodic_job_update(*, actor: Any, job: PeriodicJob, schedule: str, enabled: bool) -> PeriodicJob:
    """Change a job's schedule or switch it on or off; the next run is recomputed from now."""
    if not can_manage_jobs(actor):
        raise NotAllowed(_("Only administrators can change background jobs."))
    try:
        following = next_run(schedule, timezone.now())
    except ScheduleError:
        raise ValidationFailed(
            {"schedule": [_("Use “every 15m”, “every 6h”, “every 1d”, “daily 07:00” or “weekly mon 07:00”.")]}
        ) from None
    before = {"schedule": job.schedule, "enabled": job.enabled}
    job.schedule = schedule.strip().lower()
    job.enabled = enabled
    job.next_run_at = following
    job.last_error = "" if enabled else job.last_error
    job.save(update_fields=["schedule", "enabled", "next_run_at", "last_error"])
    audit(
        "core.periodic_job.update",
        target=job,
        before=before,
        after={"schedule": job.schedule, "enabled": enabled},
    )
    return job


@transaction.atomic
def periodic_job_run_now(*, actor: Any, job: PeriodicJob) -> str:
    """Enqueue the job once, now, without changing its schedule. Returns the task id."""
    if not can_manage_jobs(actor):
        raise NotAllowed(_("Only administrators can run background jobs."))
    task: Any = import_string(job.task_path)
    result = task.enqueue()
    job.last_task_id = str(result.id)
    job.save(update_fields=["last_task_id"])
    audit("core.periodic_job.run_now", target=job, after={"task_id": str(result.id)})
    return str(result.id)
