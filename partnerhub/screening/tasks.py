from __future__ import annotations

import logging

from django.tasks import task

log = logging.getLogger(__name__)


@task()
def refresh_sanctions_lists() -> dict[str, str]:
    """Download and load every list whose automatic refresh is on; safe to run twice (same file, nothing new)."""
    from partnerhub.core.errors import DomainError
    from partnerhub.screening.models import ListSource
    from partnerhub.screening.services import sanctions_list_refresh

    outcome: dict[str, str] = {}
    for source in ListSource.objects.filter(refresh_enabled=True).exclude(refresh_url=""):
        try:
            result = sanctions_list_refresh(source=source, actor=None)
        except DomainError as exc:
            log.warning("refresh of sanctions list %s refused: %s", source.code, exc.message)
            outcome[source.code] = f"refused: {exc.code}"
        else:
            outcome[source.code] = f"snapshot {result.snapshot.pk}" + (
                "" if result.created else " (unchanged)"
            )
    return outcome
