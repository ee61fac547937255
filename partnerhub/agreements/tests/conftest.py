"""Fixtures of the agreements tests: a partner, the approvers of the seeded chains and a signatory."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from partnerhub.agreements.tests import factories


@pytest.fixture
def partner(staff_member: Any) -> Any:
    return factories.make_partner(staff_member)


@pytest.fixture
def approvers(plgu_officer: Any, legal_officer: Any, oed_officer: Any) -> list[Any]:
    return [plgu_officer, legal_officer, oed_officer]


@pytest.fixture
def signatory(make_user: Any, legal_officer: Any) -> Any:
    """The Director of the Regional Office, with a delegation for MoUs and AoCs up to USD 500,000."""
    user = make_user(
        "staff", email="director.rolac@example.org", office_code="ro-lac", full_name="Ana Director"
    )
    factories.delegate(legal_officer, user, "MOU", "AOC", max_amount=Decimal("500000"))
    return user


@pytest.fixture
def draft(staff_member: Any, partner: Any) -> Any:
    return factories.make_agreement(staff_member, [partner])
