"""Policy as data: defaults from the migration, validity periods, depth proposal."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from partnerhub.diligence.models import (
    CategoryRequirement,
    DiligencePolicy,
    ExclusionCriterion,
    RiskArea,
    ValidityPeriod,
)
from partnerhub.diligence.policy import add_months, propose_depth, valid_until

pytestmark = pytest.mark.django_db


def test_the_defaults_require_due_diligence_for_non_state_categories_only():
    required = {r.category.code: r.required for r in CategoryRequirement.objects.select_related("category")}
    assert len(required) == 19
    assert not any(required[c] for c in ("member-states", "un-entities", "intergovernmental"))
    assert all(
        required[c]
        for c in ("private-sector", "civil-society", "foundations", "academia", "professional", "media")
    )


def test_the_default_criteria_and_areas_are_data():
    assert list(ExclusionCriterion.objects.values_list("code", flat=True)) == [
        "un-sanctions",
        "weapons",
        "tobacco",
        "forced-child-labour",
        "human-rights-abuses",
        "pornography",
        "gambling",
    ]
    assert list(RiskArea.objects.values_list("code", flat=True)) == [
        "human-rights",
        "labour",
        "environment",
        "anti-corruption",
        "governance",
        "psea",
        "financial",
        "adverse-media",
        "global-compact",
    ]


@pytest.mark.parametrize(
    ("rating", "expected"),
    [
        ("low", dt.date(2028, 3, 14)),
        ("moderate", dt.date(2027, 3, 14)),
        ("substantial", dt.date(2026, 9, 14)),
        ("high", dt.date(2026, 9, 14)),
    ],
)
def test_default_validity_is_24_12_6_6_months(rating, expected):
    assert valid_until(rating=rating, decided_on=dt.date(2026, 3, 15)) == expected


def test_validity_follows_the_data():
    ValidityPeriod.objects.filter(rating="low").update(months=36)
    assert valid_until(rating="low", decided_on=dt.date(2026, 1, 1)) == dt.date(2028, 12, 31)
    ValidityPeriod.objects.filter(rating="high").delete()
    assert valid_until(rating="high", decided_on=dt.date(2026, 1, 1)) is None


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),
        (dt.date(2026, 11, 15), 2, dt.date(2027, 1, 15)),
        (dt.date(2026, 5, 1), 24, dt.date(2028, 5, 1)),
    ],
)
def test_add_months(day, months, expected):
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("base", "engagement", "amount", "currency", "expected"),
    [
        ("basic", "mou_no_funds", None, "USD", "basic"),
        ("standard", "mou_no_funds", None, "USD", "standard"),
        ("basic", "agreement_with_funds", Decimal(10_000), "USD", "standard"),
        ("basic", "emblem_use", None, "USD", "enhanced"),
        ("basic", "mou_no_funds", Decimal(50_000), "USD", "standard"),
        ("basic", "other", Decimal(250_000), "USD", "enhanced"),
        # An amount in another currency is not compared: the officer judges it.
        ("basic", "other", Decimal(900_000), "EUR", "basic"),
    ],
)
def test_the_proposed_depth_is_the_deepest_of_category_engagement_and_amount(
    base, engagement, amount, currency, expected
):
    depth, reasons = propose_depth(
        base_depth=base,
        engagement=engagement,
        amount=amount,
        currency=currency,
        policy=DiligencePolicy.current(),
    )
    assert depth == expected
    assert reasons
