"""Reading the policy data: whether a category needs due diligence, the proposed depth, validity periods."""

from __future__ import annotations

import calendar
import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from partnerhub.diligence.choices import DEPTH_SCALE, Depth, deeper
from partnerhub.diligence.models import CategoryRequirement, DiligencePolicy, ValidityPeriod
from partnerhub.diligence.rating import Rules


def requirement_for(category_id: int) -> CategoryRequirement | None:
    return CategoryRequirement.objects.filter(category_id=category_id).first()


def is_required_for(partner: Any) -> bool:
    """Whether the partner's primary category requires due diligence (no row: required, to be safe)."""
    requirement = requirement_for(partner.primary_category_id)
    return True if requirement is None else requirement.required


def rules_from(policy: DiligencePolicy) -> Rules:
    return Rules(
        moderate_areas_raise=policy.moderate_areas_raise,
        mitigation_max_levels=policy.mitigation_max_levels,
        floor_while_high_open=policy.floor_while_high_open,
    )


def propose_depth(
    *,
    base_depth: str,
    engagement: str,
    amount: Decimal | None,
    currency: str,
    policy: DiligencePolicy,
) -> tuple[str, list[str]]:
    """The deepest of the category's base depth, the engagement's depth and the amount's; with the reasons."""
    depth = base_depth if base_depth in DEPTH_SCALE else Depth.BASIC
    reasons = [_("Category: %(depth)s.") % {"depth": Depth(depth).label}]
    by_engagement = (policy.engagement_depths or {}).get(engagement, "")
    if by_engagement in DEPTH_SCALE:
        depth = deeper(depth, by_engagement)
        reasons.append(_("Intended engagement: %(depth)s.") % {"depth": Depth(by_engagement).label})
    if amount is not None and amount > 0:
        if currency.upper() != policy.currency.upper():
            reasons.append(
                _("The amount is in %(currency)s, not %(policy)s: judge its depth yourself.")
                % {"currency": currency.upper(), "policy": policy.currency}
            )
        elif amount >= policy.enhanced_from_amount:
            depth = deeper(depth, Depth.ENHANCED)
            reasons.append(_("Amount from %(limit)s: enhanced.") % {"limit": policy.enhanced_from_amount})
        elif amount >= policy.standard_from_amount:
            depth = deeper(depth, Depth.STANDARD)
            reasons.append(_("Amount from %(limit)s: standard.") % {"limit": policy.standard_from_amount})
    return depth, reasons


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has fewer days (31 Jan + 1 = 28 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def validity_months(rating: str) -> int | None:
    period = ValidityPeriod.objects.filter(rating=rating).first()
    return period.months if period is not None else None


def valid_until(*, rating: str, decided_on: dt.date) -> dt.date | None:
    """The last day an approval at `rating` decided on `decided_on` is valid, from the data; None if none."""
    months = validity_months(rating)
    if months is None:
        return None
    return add_months(decided_on, months) - dt.timedelta(days=1)
