"""Plugs ongoing screening into the rest of PartnerHub: navigation, the dashboard card, readable timeline
labels for its audit actions, the panel on partner pages, the periodic catch-up job and the receivers
that start screenings. Imported from `ScreeningConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from partnerhub.core import scheduler
from partnerhub.core.ui import Card, NavItem, register_cards, register_nav
from partnerhub.registry.labels import ACTION_LABELS
from partnerhub.registry.panels import register_partner_panel
from partnerhub.screening import receivers  # noqa: F401  (connects the screening triggers)
from partnerhub.screening.permissions_monitoring import can_view_screening_results

CATCH_UP_JOB = "screening.catch_up"

ACTION_LABELS.update(
    {
        "screening.alert.raise": _("Sanctions screening alert raised"),
        "screening.alert.confirm": _("Sanctions screening match confirmed"),
        "screening.alert.dismiss": _("Sanctions screening alert dismissed"),
        "screening.partner.screen": _("Screened against sanctions lists"),
    }
)

register_nav(
    NavItem(
        label=_("Screening alerts"),
        url_name="screening:alert_list",
        visible=can_view_screening_results,
        order=55,
    )
)


def _cards(user: Any) -> list[Card]:
    if not can_view_screening_results(user):
        return []
    from partnerhub.screening.selectors_monitoring import open_alert_count

    count = open_alert_count(user=user)
    if not count:
        return []
    return [
        Card(
            label=_("Open screening alerts"),
            value=count,
            url=reverse("screening:alert_list") + "?status=open",
            hint=_("Possible sanctions matches waiting for review"),
        )
    ]


register_cards(_cards, order=52)


def _panel(request: Any, partner: Any) -> str | None:
    from partnerhub.screening.views_monitoring import partner_panel

    return partner_panel(request, partner)


register_partner_panel(_panel, order=50)

scheduler.register(
    name=CATCH_UP_JOB,
    task_path="partnerhub.screening.tasks_monitoring.screening_catch_up",
    schedule="every 1h",
    description=gettext_noop(
        "Screen partners and people changed since their last sanctions check, or never checked "
        "(bulk imports send no signals), up to 500 of each per run."
    ),
)
