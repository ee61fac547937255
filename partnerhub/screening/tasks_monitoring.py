"""Background screening. Every task is safe to run twice: a subject whose names and lists did not change
since its last check is skipped, a run skips the subjects it already checked, and open alerts are single."""

from __future__ import annotations

from django.tasks import task

from partnerhub.core.context import Actor, acting_as, actor_for

# Alerts raised by triggers are the screening's doing, not the doing of whoever saved the partner.
SCREENING = Actor(user_id=None, label="screening")


def _run_actor(run_id: int) -> Actor:
    from partnerhub.screening.models_monitoring import ScreeningRun

    run = ScreeningRun.objects.select_related("requested_by").filter(pk=run_id).first()
    if run is None or run.requested_by is None:
        return SCREENING
    return actor_for(run.requested_by)


@task()
def rescreen_everyone(run_id: int) -> int:
    """Re-screen every partner and their current people for a run, with progress; returns alerts raised."""
    from partnerhub.screening import monitoring

    with acting_as(_run_actor(run_id)):
        return monitoring.rescreen_run(run_id=run_id)


@task()
def screen_partner_task(partner_id: int, trigger: str) -> int:
    """Screen a partner that was recorded or whose names or country changed; returns alerts raised."""
    from partnerhub.screening import monitoring

    with acting_as(SCREENING):
        return len(monitoring.screen_partner_if_changed(partner_id=partner_id, trigger=trigger).alerts)


@task()
def screen_contact_task(contact_id: int, partner_id: int | None = None) -> int:
    """Screen a person at the partners where they hold a current role; returns alerts raised."""
    from partnerhub.screening import monitoring

    with acting_as(SCREENING):
        return len(monitoring.screen_contact_if_changed(contact_id=contact_id, partner_id=partner_id).alerts)


@task()
def forget_erased_contact(contact_id: int) -> int:
    """Blank an erased person's names in screening records."""
    from partnerhub.screening import monitoring

    return monitoring.forget_contact(contact_id=contact_id)


@task()
def screening_catch_up() -> int:
    """Periodic: screen partners and people changed since their last check or never checked (bulk imports
    send no signals), in bounded batches; returns the subjects screened."""
    from partnerhub.screening import monitoring

    with acting_as(Actor(user_id=None, label="scheduler")):
        return monitoring.catch_up()
