"""Demo agreements for `manage.py seed_demo`: a delegation of authority for the demo OED user, one MoU
waiting for PLGU's clearance and one in force that ends within 90 days."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, TextIO

from django.utils import timezone

from partnerhub.agreements import selectors, services
from partnerhub.agreements.models import Agreement, InstrumentType
from partnerhub.agreements.permissions import holds_step
from partnerhub.core.context import acting_as, actor_for
from partnerhub.registry.models import Partner

NO_DILIGENCE = ("local-regional-governments", "un-entities", "intergovernmental")


def _users() -> dict[str, Any] | None:
    from partnerhub.accounts.models import User

    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@partnerhub.example")}
    return users if {"staff", "plgu", "legal", "oed"} <= set(users) else None


def _clear(agreement: Agreement, approvers: list[Any]) -> None:
    version = selectors.open_version(agreement)
    assert version is not None
    while (step := selectors.current_step(version)) is not None:
        approver = next(u for u in approvers if holds_step(u, step))
        with acting_as(actor_for(approver)):
            services.clearance_approve(actor=approver, step=step, comments="")
        version.refresh_from_db()


def seed_agreements(out: TextIO) -> None:
    if Agreement.objects.exists():
        out.write("Demo agreements: already there.\n")
        return
    users = _users()
    partners = list(
        Partner.objects.filter(primary_category__code__in=NO_DILIGENCE, merged_into__isnull=True)
        .exclude(status="archived")
        .order_by("id")[:2]
    )
    if users is None or len(partners) < 2:
        out.write("Demo agreements: skipped (no demo users or partners).\n")
        return
    staff, legal, oed = users["staff"], users["legal"], users["oed"]
    approvers = [users["plgu"], legal]
    today = timezone.localdate()
    mou = InstrumentType.objects.get(code="MOU")
    with acting_as(actor_for(legal)):
        services.delegation_create(
            actor=legal,
            delegate=oed,
            instruments=list(InstrumentType.objects.filter(code__in=["MOU", "AOC", "CA", "EOL", "LOI"])),
            max_amount=Decimal("1000000"),
            currency="USD",
            valid_from=today - dt.timedelta(days=3 * 365),
            valid_to=None,
            reference="ST/SGB/2019/2 (demo)",
        )
    with acting_as(actor_for(staff)):
        waiting = services.agreement_create(
            actor=staff,
            instrument=mou,
            purpose="framework",
            owning_office=staff.office,
            responsible=staff,
            partners=[partners[0]],
            data={
                "title": "Framework cooperation on urban planning",
                "start_date": today,
                "end_date": today + dt.timedelta(days=3 * 365),
            },
        )
        services.agreement_submit_for_clearance(actor=staff, agreement=waiting)
        running = services.agreement_create(
            actor=staff,
            instrument=mou,
            purpose="data_sharing",
            owning_office=staff.office,
            responsible=staff,
            partners=partners,
            data={
                "title": "Sharing urban indicators data",
                "start_date": today - dt.timedelta(days=640),
                "end_date": today + dt.timedelta(days=85),
            },
        )
        services.agreement_submit_for_clearance(actor=staff, agreement=running)
    _clear(running, approvers)
    with acting_as(actor_for(staff)):
        services.agreement_sign(
            actor=staff, agreement=running, signatory=oed, signed_on=today - dt.timedelta(days=650)
        )
        services.agreement_activate(actor=staff, agreement=running)
    out.write("Demo agreements: 2 (one waiting for PLGU's clearance, one in force ending within 90 days).\n")
