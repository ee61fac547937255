"""Background work of due diligence. Safe to run twice."""

from __future__ import annotations

from django.tasks import task

from partnerhub.core.context import Actor, acting_as


@task()
def diligence_expiry() -> int:
    """Periodic: send expiry reminders and mark lapsed approvals expired; returns reminders plus expiries."""
    from partnerhub.diligence import expiry

    with acting_as(Actor(user_id=None, label="scheduler")):
        result = expiry.run()
    return result.reminders + result.expired
