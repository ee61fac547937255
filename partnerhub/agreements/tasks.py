"""Background work of agreements. Safe to run twice."""

from __future__ import annotations

from django.tasks import task

from partnerhub.core.context import Actor, acting_as


@task()
def agreements_daily() -> int:
    """Periodic: expiry reminders, activation on the start date, expiry after the end date."""
    from partnerhub.agreements import expiry

    with acting_as(Actor(user_id=None, label="scheduler")):
        result = expiry.run()
    return result.reminders + result.activated + result.expired
