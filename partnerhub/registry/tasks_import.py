"""Background steps of a partner import; each is safe to run twice (a step whose job moved on is a no-op)."""

from __future__ import annotations

from django.tasks import task

from partnerhub.core.context import Actor, acting_as, actor_for
from partnerhub.registry.models import ImportJob


def _actor(job_id: int) -> Actor:
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.created_by is None:
        return Actor(user_id=None, label="import")
    return actor_for(job.created_by)


@task()
def validate_import(job_id: int, token: str) -> str:
    """Check every row of a mapped import job and record its errors and duplicates."""
    from partnerhub.registry import importer

    with acting_as(_actor(job_id)):
        return importer.job_validate(job_id, token)


@task()
def run_import(job_id: int, token: str) -> str:
    """Write a confirmed import job's rows, all or nothing."""
    from partnerhub.registry import importer

    with acting_as(_actor(job_id)):
        return importer.job_run_import(job_id, token)
