"""The advisor's rules, table-driven: the pure evaluation, then the seeded rule set as the Legal Section
would check it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from partnerhub.agreements import advisor, selectors
from partnerhub.agreements.advisor import Query, Rule

RULES = [
    Rule(
        order=30, name="funds out", instrument="AOC", chain="funds-out", funds_flows=frozenset({"to_partner"})
    ),
    Rule(
        order=10,
        name="host",
        instrument="HCA",
        chain="legal",
        categories=frozenset({"member-states"}),
        purposes=frozenset({"hosting"}),
    ),
    Rule(
        order=20,
        name="small grant",
        instrument="EOL",
        chain="legal",
        funds_flows=frozenset({"to_partner"}),
        max_amount=Decimal("10000"),
    ),
    Rule(
        order=40,
        name="big contribution",
        instrument="CA",
        chain="funds-in",
        funds_flows=frozenset({"to_unhabitat"}),
        min_amount=Decimal("1000000"),
    ),
]


@pytest.mark.parametrize(
    ("query", "expected_rule"),
    [
        (Query("member-states", "hosting", "none"), "host"),
        (Query("member-states", "framework", "none"), None),
        (Query("civil-society", "hosting", "none"), None),
        (Query("civil-society", "project", "to_partner", Decimal("5000")), "small grant"),
        (Query("civil-society", "project", "to_partner", Decimal("10000")), "small grant"),  # inclusive
        (Query("civil-society", "project", "to_partner", Decimal("10000.01")), "funds out"),
        (
            Query("civil-society", "project", "to_partner", None),
            "small grant",
        ),  # no amount: no upper bound hit
        (Query("foundations", "contribution", "to_unhabitat", Decimal("999999.99")), None),
        (Query("foundations", "contribution", "to_unhabitat", Decimal("1000000")), "big contribution"),
        (Query("foundations", "contribution", "to_unhabitat", None), None),  # a minimum needs an amount
    ],
)
def test_first_matching_rule_by_order_wins(query: Query, expected_rule: str | None) -> None:
    answer = advisor.advise(RULES, query, rule_set_version=7)

    assert (answer.rule.name if answer.rule else None) == expected_rule
    assert answer.rule_set_version == 7


def test_answer_explains_the_match_and_each_skipped_rule() -> None:
    answer = advisor.advise(RULES, Query("civil-society", "project", "to_partner", Decimal("50000")))

    assert answer.rule is not None
    assert answer.rule.name == "funds out"
    assert answer.reasons == ["any partner category", "any purpose", "funds flow to_partner is listed"]
    assert answer.skipped == [
        ("host", "the partner category is not one of member-states"),
        ("small grant", "the amount is above 10000"),
    ]


def test_no_match_says_to_ask_legal_and_lists_every_rule() -> None:
    answer = advisor.advise(RULES, Query("media", "event", "none"))

    assert answer.rule is None
    assert answer.as_dict()["matched"] is False
    assert answer.reasons == ["No rule matched; ask the Legal Section."]
    assert [name for name, _why in answer.skipped] == ["host", "small grant", "funds out", "big contribution"]


# The seeded rule set (migration 0002), as the Legal Section's table: category, purpose, flow, amount → answer.
SEEDED = [
    ("member-states", "hosting", "none", None, "HCA", "funds-in"),
    ("private-sector", "contribution", "to_unhabitat", "250000", "CA", "funds-in"),
    ("member-states", "contribution", "to_unhabitat", "5000000", "CA", "funds-in"),
    ("civil-society", "project", "to_partner", "80000", "AOC", "funds-out"),
    ("academia", "project", "to_partner", "1", "AOC", "funds-out"),
    ("children-youth", "event", "none", None, "EOL", "legal-only"),
    ("civil-society", "framework", "none", None, "MOU", "standard"),
    ("academia", "data_sharing", "none", None, "MOU", "standard"),
    ("un-entities", "secondment", "none", None, "MOU", "standard"),
    ("civil-society", "hosting", "none", None, None, None),  # hosting by a non-state actor: ask Legal
    ("civil-society", "event", "to_partner", "2000", "AOC", "funds-out"),  # funds decide before purpose
]


@pytest.mark.django_db
@pytest.mark.parametrize(("category", "purpose", "flow", "amount", "instrument", "chain"), SEEDED)
def test_seeded_rules_answer_as_the_legal_table_says(
    category: str, purpose: str, flow: str, amount: str | None, instrument: str | None, chain: str | None
) -> None:
    answer = selectors.advise(
        category=category, purpose=purpose, funds_flow=flow, amount=Decimal(amount) if amount else None
    )

    assert (answer.rule.instrument if answer.rule else None) == instrument
    assert (answer.rule.chain if answer.rule else None) == chain
    assert answer.rule_set_version == 1


@pytest.mark.django_db
def test_seeded_instruments_are_marked_as_assumptions_to_confirm() -> None:
    from partnerhub.agreements.models import InstrumentType

    rows = {
        i.code: (i.binding, i.funds_flow, i.needs_end_assessment, i.is_assumption)
        for i in InstrumentType.objects.all()
    }

    assert rows == {
        "MOU": (False, "none", True, True),
        "AOC": (True, "to_partner", True, True),
        "CA": (True, "to_unhabitat", False, True),
        "LOI": (False, "none", False, True),
        "EOL": (False, "none", False, True),
        "HCA": (True, "none", False, True),
    }
