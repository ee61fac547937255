"""The demo seeder: a delegation, one MoU waiting for PLGU and one in force; it runs once."""

from __future__ import annotations

import io

import pytest

from partnerhub.agreements.models import Agreement, DelegationOfAuthority
from partnerhub.agreements.seed import seed_agreements
from partnerhub.agreements.tests.factories import make_partner

pytestmark = pytest.mark.django_db


def test_the_demo_seeder_leaves_one_waiting_and_one_active_and_runs_once(make_user):
    staff = make_user("staff", email="staff@partnerhub.example", office_code="ro-lac")
    make_user("staff", "plgu", email="plgu@partnerhub.example", office_code="plgu")
    make_user("staff", "legal", email="legal@partnerhub.example", office_code="legal")
    make_user("staff", "oed", email="oed@partnerhub.example", office_code="oed")
    make_partner(staff, "City of Nakuru")
    make_partner(staff, "City of Kisumu")

    seed_agreements(io.StringIO())
    seed_agreements(io.StringIO())

    assert sorted(Agreement.objects.values_list("status", flat=True)) == ["active", "in_clearance"]
    assert DelegationOfAuthority.objects.count() == 1


def test_the_demo_seeder_skips_without_demo_users():
    out = io.StringIO()
    seed_agreements(out)
    assert "skipped" in out.getvalue()
