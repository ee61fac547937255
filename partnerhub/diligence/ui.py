"""Plugs due diligence into the rest of PartnerHub: navigation, the dashboard card, timeline labels, the
partner status guard, the partner panel, the screening-alert receiver and the daily expiry job.
Imported from `DiligenceConfig.ready()`."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from partnerhub.core import scheduler
from partnerhub.core.seeding import register_seeder
from partnerhub.core.ui import Card, NavItem, register_cards, register_nav
from partnerhub.diligence import receivers  # noqa: F401  (listens for new screening alerts)
from partnerhub.diligence.guards import require_valid_approval
from partnerhub.diligence.permissions import can_see_all_cases
from partnerhub.registry.guards import register_status_guard
from partnerhub.registry.labels import ACTION_LABELS
from partnerhub.registry.panels import register_partner_panel

EXPIRY_JOB = "diligence.expiry"

ACTION_LABELS.update(
    {
        "diligence.case.open": _("Due-diligence case opened"),
        "diligence.case.update": _("Due-diligence case changed"),
        "diligence.case.answer_exclusions": _("Exclusion criteria answered"),
        "diligence.case.answer_risks": _("Risk areas rated"),
        "diligence.case.mitigation_add": _("Mitigation measure added"),
        "diligence.case.mitigation_remove": _("Mitigation measure removed"),
        "diligence.case.attachment_add": _("Evidence attached"),
        "diligence.case.submit": _("Due-diligence case submitted"),
        "diligence.case.start_review": _("Review started"),
        "diligence.case.request_info": _("Information requested"),
        "diligence.case.provide_info": _("Information provided"),
        "diligence.case.escalate": _("Escalated to PLGU and the Legal Section"),
        "diligence.case.sign_off": _("Signed off"),
        "diligence.case.decide": _("Decided"),
        "diligence.case.withdraw": _("Withdrawn"),
        "diligence.case.reopen": _("Reopened after a screening alert"),
        "diligence.case.expire": _("Approval expired"),
        "diligence.reminder.send": _("Expiry reminder sent"),
    }
)

register_nav(
    NavItem(label=_("Due diligence"), url_name="diligence:case_list", visible=can_see_all_cases, order=57)
)


def _cards(user: Any) -> list[Card]:
    if not can_see_all_cases(user):
        return []
    from partnerhub.diligence.selectors import cases_visible_to

    count = cases_visible_to(user=user, status="escalated").count()
    if not count:
        return []
    return [
        Card(
            label=_("Escalated due-diligence cases"),
            value=count,
            url=reverse("diligence:dashboard"),
            hint=_("Waiting for PLGU and Legal Section sign-off"),
        )
    ]


register_cards(_cards, order=56)


def _panel(request: Any, partner: Any) -> str | None:
    from partnerhub.diligence.views import partner_panel

    return partner_panel(request, partner)


register_partner_panel(_panel, order=45)
register_status_guard(require_valid_approval)

scheduler.register(
    name=EXPIRY_JOB,
    task_path="partnerhub.diligence.tasks.diligence_expiry",
    schedule="daily 06:00",
    description=gettext_noop(
        "Send due-diligence expiry reminders to relationship managers and mark lapsed approvals as expired."
    ),
)


def _seed(out: Any) -> None:
    from partnerhub.diligence.seed import seed_cases

    seed_cases(out)


register_seeder("diligence.cases", _seed, order=45)
