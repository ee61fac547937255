from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from partnerhub.core.ui import Card, NavItem, register_cards, register_nav
from partnerhub.screening.permissions import can_view_sanctions_lists

register_nav(
    NavItem(
        label=_("Sanctions lists"),
        url_name="screening:source_list",
        visible=can_view_sanctions_lists,
        order=50,
    )
)


def _cards(user: Any) -> list[Card]:
    if not can_view_sanctions_lists(user):
        return []
    from django.utils import formats

    from partnerhub.screening.models import ListSnapshot

    snapshot = (
        ListSnapshot.objects.filter(is_current=True, source__code="un-sc")
        .only("id", "entry_count", "generated_on", "loaded_at")
        .first()
    )
    if snapshot is None:
        return []
    when = formats.date_format(snapshot.generated_on or snapshot.loaded_at, "SHORT_DATE_FORMAT")
    return [
        Card(
            label=_("UN sanctions list entries"),
            value=snapshot.entry_count,
            url=reverse("screening:snapshot_detail", args=[snapshot.pk]),
            hint=_("Snapshot of %(date)s") % {"date": when},
        )
    ]


register_cards(_cards, order=50)
