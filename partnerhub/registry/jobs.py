"""The registry's periodic job: keep the duplicate engine's stored profiles current. Registered here (imported by
`ui`, which the app's `ready()` loads); the scheduler creates its row switched on, and administrators can
change its time or switch it off like any periodic job."""

from __future__ import annotations

from django.utils.translation import gettext_noop

from partnerhub.core import scheduler

REFRESH_PROFILES_JOB = "registry.refresh_duplicate_profiles"

scheduler.register(
    name=REFRESH_PROFILES_JOB,
    task_path="partnerhub.registry.duplicates.refresh_duplicate_profiles",
    schedule="daily 03:30",
    description=gettext_noop(
        "Re-analyse the stored duplicate-engine profiles that are missing or out of date (after a release "
        "that changed the engine, imports compare faster once this has run)."
    ),
)
