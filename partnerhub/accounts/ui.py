from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from partnerhub.core import scheduler
from partnerhub.core.seeding import register_seeder
from partnerhub.core.ui import Card, register_cards


def _cards(user: Any) -> list[Card]:
    if not user.is_agency_staff:
        return []
    from partnerhub.accounts.models import User
    from partnerhub.accounts.roles import RoleCode

    active = User.objects.filter(is_active=True)
    return [
        Card(label=_("Staff users"), value=active.exclude(roles__code=RoleCode.PARTNER).distinct().count()),
        Card(label=_("Partner users"), value=active.filter(roles__code=RoleCode.PARTNER).distinct().count()),
    ]


register_cards(_cards, order=90)

scheduler.register(
    name="accounts.purge_login_failures",
    task_path="partnerhub.accounts.tasks.purge_login_failures",
    schedule="daily 02:30",
    description=gettext_noop("Forget failed sign-in attempts older than a week."),
)


def _seed(out: Any) -> None:
    from partnerhub.accounts.seed import seed_users

    seed_users(out)


register_seeder("accounts.users", _seed, order=20)
