from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partnerhub.core.ui import Card, NavItem, register_cards, register_nav
from partnerhub.org.models import Office
from partnerhub.org.permissions import can_view_offices

register_nav(NavItem(label=_("Offices"), url_name="org:office_list", visible=can_view_offices, order=80))


def _cards(user: Any) -> list[Card]:
    if not can_view_offices(user):
        return []
    return [
        Card(
            label=_("Offices"),
            value=Office.objects.filter(is_active=True).count(),
            url=reverse("org:office_list"),
        )
    ]


register_cards(_cards, order=80)
