from __future__ import annotations

from django.tasks import task


@task()
def purge_login_failures() -> int:
    """Forget failed sign-in attempts older than a week; safe to run twice."""
    from partnerhub.accounts.services import login_failures_purge

    return login_failures_purge()
