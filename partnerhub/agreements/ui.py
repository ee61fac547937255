"""Plugs agreements into the rest of PartnerHub: navigation, the "waiting for me" dashboard card, the
agreements panel on a partner's page and the daily job. Imported from `AgreementsConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from partnerhub.agreements.permissions import can_use_agreements
from partnerhub.core import scheduler
from partnerhub.core.seeding import register_seeder
from partnerhub.core.ui import Card, NavItem, register_cards, register_nav
from partnerhub.registry.panels import register_partner_panel

DAILY_JOB = "agreements.daily"

register_nav(NavItem(label=_("Agreements"), url_name="agreements:list", visible=can_use_agreements, order=58))


def _cards(user: Any) -> list[Card]:
    if not can_use_agreements(user):
        return []
    from partnerhub.agreements.selectors import waiting_for

    count = len(waiting_for(user))
    if not count:
        return []
    return [
        Card(
            label=_("Agreements waiting for your clearance"),
            value=count,
            url=reverse("agreements:list") + "?waiting=me",
            hint=_("You hold the ball on these clearance steps"),
        )
    ]


register_cards(_cards, order=58)


def _panel(request: Any, partner: Any) -> str | None:
    from partnerhub.agreements.views import partner_panel

    return partner_panel(request, partner)


register_partner_panel(_panel, order=50)

scheduler.register(
    name=DAILY_JOB,
    task_path="partnerhub.agreements.tasks.agreements_daily",
    schedule="daily 06:30",
    description=gettext_noop(
        "Remind responsible staff 90, 60 and 30 days before an agreement ends, put signed agreements "
        "in force on their start date and expire active ones past their end date."
    ),
)


def _seed(out: Any) -> None:
    from partnerhub.agreements.seed import seed_agreements

    seed_agreements(out)


register_seeder("agreements.demo", _seed, order=50)
