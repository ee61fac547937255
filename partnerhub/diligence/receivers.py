"""A new screening alert on a partner with an approved case puts the case back under review and tells PLGU.
The signal is sent after the alert's transaction commits; the receiver must be quick and must not raise."""

from __future__ import annotations

import logging
from typing import Any

from django.dispatch import receiver

from partnerhub.core.context import Actor, acting_as
from partnerhub.screening.monitoring import alert_raised

log = logging.getLogger(__name__)

SCREENING = Actor(user_id=None, label="screening")


@receiver(alert_raised, dispatch_uid="diligence.reopen_on_alert")
def reopen_on_alert(sender: Any, alert: Any, **kwargs: Any) -> None:
    from partnerhub.diligence import services
    from partnerhub.diligence.models import DiligenceCase
    from partnerhub.diligence.states import APPROVALS, CaseStatus

    cases = DiligenceCase.objects.filter(
        partner_id=alert.partner_id, status=CaseStatus.DECIDED, decision__in=list(APPROVALS)
    )
    with acting_as(SCREENING):
        for case in cases:
            try:
                services.case_reopen_for_alert(case=case, alert=alert)
            except Exception:
                log.exception("could not reopen due-diligence case %s after alert %s", case.pk, alert.pk)
