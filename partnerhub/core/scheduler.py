"""The periodic scheduler: apps register jobs in code; the `scheduler` command enqueues them when due.

Several scheduler processes may run against one database: a job is claimed with a compare-and-swap on
its `next_run_at`, so each due run is enqueued exactly once.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from partnerhub.core.models import PeriodicJob

log = logging.getLogger(__name__)

_EVERY = re.compile(r"^every\s+(\d+)\s*([mhd])$")
_DAILY = re.compile(r"^daily\s+([01]\d|2[0-3]):([0-5]\d)$")
_WEEKLY = re.compile(r"^weekly\s+(mon|tue|wed|thu|fri|sat|sun)\s+([01]\d|2[0-3]):([0-5]\d)$")
_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class ScheduleError(ValueError):
    pass


def next_run(schedule: str, after: dt.datetime) -> dt.datetime:
    """The first time strictly after `after` at which `schedule` is due."""
    text = schedule.strip().lower()
    if m := _EVERY.match(text):
        amount = int(m.group(1))
        if amount <= 0:
            raise ScheduleError(f"{schedule!r}: the interval must be positive")
        return after + dt.timedelta(**{_UNITS[m.group(2)]: amount})
    local = timezone.localtime(after)
    if m := _DAILY.match(text):
        candidate = local.replace(hour=int(m.group(1)), minute=int(m.group(2)), second=0, microsecond=0)
        if candidate <= local:
            candidate += dt.timedelta(days=1)
        return candidate
    if m := _WEEKLY.match(text):
        weekday = _DAYS.index(m.group(1))
        candidate = local.replace(hour=int(m.group(2)), minute=int(m.group(3)), second=0, microsecond=0)
        candidate += dt.timedelta(days=(weekday - candidate.weekday()) % 7)
        if candidate <= local:
            candidate += dt.timedelta(days=7)
        return candidate
    raise ScheduleError(
        f"{schedule!r} is not a schedule; use 'every 15m', 'every 6h', 'every 1d', 'daily 07:00' or 'weekly mon 07:00'"
    )


@dataclass(frozen=True)
class Registration:
    name: str
    task_path: str
    schedule: str
    description: str


_registry: dict[str, Registration] = {}


def register(*, name: str, task_path: str, schedule: str, description: str = "") -> None:
    """Declare a periodic job (called from an app's `ready()`); the database row is created by `sync_jobs`."""
    next_run(schedule, timezone.now())  # refuse a malformed schedule at start-up
    _registry[name] = Registration(name=name, task_path=task_path, schedule=schedule, description=description)


def registered() -> dict[str, Registration]:
    return dict(_registry)


def sync_jobs(now: dt.datetime | None = None) -> list[PeriodicJob]:
    """Create rows for newly registered jobs; keep administrators' schedule and enabled choices."""
    now = now or timezone.now()
    jobs = []
    for reg in _registry.values():
        job, created = PeriodicJob.objects.get_or_create(
            name=reg.name,
            defaults={
                "task_path": reg.task_path,
                "schedule": reg.schedule,
                "description": reg.description,
                "next_run_at": next_run(reg.schedule, now),
            },
        )
        if not created and (job.task_path != reg.task_path or job.description != reg.description):
            job.task_path = reg.task_path
            job.description = reg.description
            job.save(update_fields=["task_path", "description"])
        jobs.append(job)
    return jobs


def run_due(now: dt.datetime | None = None) -> list[str]:
    """Enqueue every enabled job whose time has come; return the names enqueued."""
    now = now or timezone.now()
    enqueued: list[str] = []
    for job in PeriodicJob.objects.filter(enabled=True, next_run_at__lte=now):
        try:
            following = next_run(job.schedule, now)
        except ScheduleError as exc:
            PeriodicJob.objects.filter(pk=job.pk).update(last_error=str(exc), enabled=False)
            log.error("periodic job %s disabled: %s", job.name, exc)
            continue
        with transaction.atomic():
            claimed = PeriodicJob.objects.filter(pk=job.pk, next_run_at=job.next_run_at).update(
                next_run_at=following, last_run_at=now
            )
            if not claimed:
                continue  # another scheduler took this run
            try:
                task: Any = import_string(job.task_path)
                result = task.enqueue()
            except Exception as exc:
                PeriodicJob.objects.filter(pk=job.pk).update(last_error=f"{type(exc).__name__}: {exc}")
                log.exception("periodic job %s could not be enqueued", job.name)
                continue
            PeriodicJob.objects.filter(pk=job.pk).update(last_task_id=str(result.id), last_error="")
        enqueued.append(job.name)
    return enqueued
