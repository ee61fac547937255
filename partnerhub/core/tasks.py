from __future__ import annotations

import datetime as dt

from django.tasks import task
from django.utils import timezone


@task()
def prune_finished_tasks(days: int = 30) -> int:
    """Delete finished background-task results older than `days`; safe to run twice."""
    from django_tasks_db.models import DBTaskResult

    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = DBTaskResult.objects.filter(finished_at__lt=cutoff).delete()
    return deleted
