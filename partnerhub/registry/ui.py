from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partnerhub.core.seeding import register_seeder
from partnerhub.core.ui import Card, NavItem, register_cards, register_nav
from partnerhub.registry import jobs  # noqa: F401  (registers the periodic job)
from partnerhub.registry.permissions import can_use_registry

register_nav(
    NavItem(label=_("Partners"), url_name="registry:partner_list", visible=can_use_registry, order=10)
)


def _cards(user: Any) -> list[Card]:
    if not can_use_registry(user):
        from partnerhub.registry.models import Partner
        from partnerhub.registry.permissions import member_partner_id

        own = member_partner_id(user)
        partner = Partner.objects.filter(pk=own).only("id", "name").first() if own else None
        if partner is None:
            return []
        return [
            Card(
                label=_("Your organisation"),
                value=partner.name,
                url=reverse("registry:partner_detail", args=[partner.pk]),
            )
        ]
    from django.utils import timezone

    from partnerhub.registry.models import Partner
    from partnerhub.registry.states import PartnerStatus

    live = Partner.objects.filter(merged_into__isnull=True)
    year = timezone.localdate().year
    return [
        Card(
            label=_("Active partners"),
            value=live.filter(status=PartnerStatus.ACTIVE).count(),
            url=reverse("registry:partner_list") + "?status=active",
        ),
        Card(
            label=_("Prospects"),
            value=live.filter(status=PartnerStatus.PROSPECT).count(),
            url=reverse("registry:partner_list") + "?status=prospect",
        ),
        Card(
            label=_("New partners this year"),
            value=live.filter(created_at__year=year).count(),
            url=reverse("registry:new_partners"),
        ),
    ]


register_cards(_cards, order=10)


def _seed(out: Any) -> None:
    from partnerhub.registry.seed import seed_partners

    seed_partners(out)


register_seeder("registry.partners", _seed, order=40)
