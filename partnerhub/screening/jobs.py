"""The periodic refresh of sanctions lists. Registered here; created switched off by migration 0002, and each
list must also have its own automatic refresh turned on, so nothing is downloaded until someone decides to."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from partnerhub.core import scheduler

REFRESH_JOB = "screening.refresh_sanctions_lists"

scheduler.register(
    name=REFRESH_JOB,
    task_path="partnerhub.screening.tasks.refresh_sanctions_lists",
    schedule="daily 05:00",
    description=gettext_noop(
        "Download the sanctions lists whose automatic refresh is on, and load any new snapshot."
    ),
)
