"""The instrument advisor as a pure function over rules held as plain data: the first rule that matches wins,
and the answer says which rule matched, why, and why each earlier rule did not.

The rules come from the database (`AdvisorRule` rows of the rule set in use, see `rules_from_db`), but the
evaluation knows nothing of Django models, so it is tested table by table.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Rule:
    order: int
    name: str
    instrument: str  # instrument code
    chain: str  # clearance chain code
    categories: frozenset[str] = frozenset()  # stakeholder category codes; empty: any
    purposes: frozenset[str] = frozenset()  # empty: any
    funds_flows: frozenset[str] = frozenset()  # empty: any
    min_amount: Decimal | None = None  # inclusive
    max_amount: Decimal | None = None  # inclusive
    signatory: str = ""  # who signs, in words (role or office)
    explanation: str = ""


@dataclass(frozen=True)
class Query:
    category: str
    purpose: str
    funds_flow: str
    amount: Decimal | None = None


@dataclass(frozen=True)
class Answer:
    rule_set_version: int | None
    rule: Rule | None
    reasons: list[str] = field(default_factory=list)  # why the matched rule matched
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (rule name, first condition that failed)

    @property
    def matched(self) -> bool:
        return self.rule is not None

    def as_dict(self) -> dict[str, Any]:
        rule = self.rule
        return {
            "rule_set_version": self.rule_set_version,
            "matched": self.matched,
            "rule": rule.name if rule else None,
            "rule_order": rule.order if rule else None,
            "instrument": rule.instrument if rule else None,
            "clearance_chain": rule.chain if rule else None,
            "signatory": rule.signatory if rule else "",
            "explanation": rule.explanation if rule else "",
            "reasons": list(self.reasons),
            "skipped": [list(pair) for pair in self.skipped],
        }


def _first_mismatch(rule: Rule, query: Query) -> str | None:
    if rule.categories and query.category not in rule.categories:
        return _("the partner category is not one of %(values)s") % {
            "values": ", ".join(sorted(rule.categories))
        }
    if rule.purposes and query.purpose not in rule.purposes:
        return _("the purpose is not one of %(values)s") % {"values": ", ".join(sorted(rule.purposes))}
    if rule.funds_flows and query.funds_flow not in rule.funds_flows:
        return _("the funds flow is not one of %(values)s") % {"values": ", ".join(sorted(rule.funds_flows))}
    if rule.min_amount is not None and (query.amount is None or query.amount < rule.min_amount):
        return _("the amount is below %(amount)s") % {"amount": rule.min_amount}
    if rule.max_amount is not None and query.amount is not None and query.amount > rule.max_amount:
        return _("the amount is above %(amount)s") % {"amount": rule.max_amount}
    return None


def _reasons(rule: Rule, query: Query) -> list[str]:
    reasons: list[str] = []
    reasons.append(
        _("partner category %(value)s is listed") % {"value": query.category}
        if rule.categories
        else _("any partner category")
    )
    reasons.append(
        _("purpose %(value)s is listed") % {"value": query.purpose} if rule.purposes else _("any purpose")
    )
    reasons.append(
        _("funds flow %(value)s is listed") % {"value": query.funds_flow}
        if rule.funds_flows
        else _("any funds flow")
    )
    if rule.min_amount is not None or rule.max_amount is not None:
        reasons.append(
            _("amount %(amount)s is within %(low)s–%(high)s")
            % {
                "amount": query.amount if query.amount is not None else 0,
                "low": rule.min_amount if rule.min_amount is not None else 0,
                "high": rule.max_amount if rule.max_amount is not None else "…",
            }
        )
    return reasons


def advise(rules: Iterable[Rule], query: Query, *, rule_set_version: int | None = None) -> Answer:
    """The first rule (by order) whose every condition holds; no match is an answer too, with each reason."""
    skipped: list[tuple[str, str]] = []
    for rule in sorted(rules, key=lambda r: r.order):
        mismatch = _first_mismatch(rule, query)
        if mismatch is None:
            return Answer(rule_set_version, rule, _reasons(rule, query), skipped)
        skipped.append((rule.name, mismatch))
    return Answer(rule_set_version, None, [_("No rule matched; ask the Legal Section.")], skipped)


def rules_from_db(rule_set: Any) -> Sequence[Rule]:
    """The rules of a saved rule set as plain data (three queries)."""
    rows = rule_set.rules.select_related(
        "instrument", "clearance_chain", "signatory_office"
    ).prefetch_related("categories")
    rules: list[Rule] = []
    for row in rows:
        signatory = row.signatory_note or " / ".join(
            part
            for part in (
                str(row.get_signatory_role_display()) if row.signatory_role else "",
                str(row.signatory_office) if row.signatory_office_id else "",
            )
            if part
        )
        rules.append(
            Rule(
                order=row.order,
                name=row.name,
                instrument=row.instrument.code,
                chain=row.clearance_chain.code,
                categories=frozenset(c.code for c in row.categories.all()),
                purposes=frozenset(row.purposes or []),
                funds_flows=frozenset(row.funds_flows or []),
                min_amount=row.min_amount,
                max_amount=row.max_amount,
                signatory=signatory,
                explanation=row.explanation,
            )
        )
    return rules
