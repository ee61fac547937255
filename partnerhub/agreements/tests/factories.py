"""Helpers for the agreements tests (no tests here): partners, delegations, agreements, clearance walks."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.utils import timezone

from partnerhub.agreements import selectors, services
from partnerhub.agreements.models import Agreement, AgreementVersion, DelegationOfAuthority, InstrumentType
from partnerhub.org.models import Office
from partnerhub.registry import services as registry
from partnerhub.registry.models import Country, Partner, StakeholderCategory

TODAY = dt.date(2026, 3, 2)  # a fixed day for tests that pass `today`; services use the real date otherwise


def today() -> dt.date:
    return timezone.localdate()


def make_partner(
    actor: Any, name: str = "City of Nakuru", category: str = "local-regional-governments", **extra: Any
) -> Partner:
    """A partner; the default category needs no due diligence."""
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code=category),
        "owning_office": Office.objects.get(code=extra.pop("office", "plgu")),
        "country": Country.objects.get(pk=extra.pop("country", "KE")),
        "identified_channel": "event",
        **extra,
    }
    return registry.partner_create(actor=actor, data=data)


def instrument(code: str) -> InstrumentType:
    return InstrumentType.objects.get(code=code)


def delegate(
    legal: Any,
    user: Any,
    *codes: str,
    max_amount: Decimal | None = None,
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> DelegationOfAuthority:
    return services.delegation_create(
        actor=legal,
        delegate=user,
        instruments=[instrument(c) for c in codes or ("MOU",)],
        max_amount=max_amount,
        currency="USD",
        valid_from=valid_from or today() - dt.timedelta(days=365),
        valid_to=valid_to,
    )


def make_agreement(
    actor: Any,
    partners: list[Partner],
    *,
    code: str = "MOU",
    purpose: str = "framework",
    office: str | None = None,
    value: Any = None,
    currency: str = "",
    start: dt.date | None = None,
    end: dt.date | None = None,
    title: str = "Cooperation on urban planning",
) -> Agreement:
    start = start or today()
    return services.agreement_create(
        actor=actor,
        instrument=instrument(code),
        purpose=purpose,
        owning_office=Office.objects.get(code=office) if office else actor.office,
        responsible=actor,
        partners=partners,
        data={
            "title": title,
            "start_date": start,
            "end_date": end or start + dt.timedelta(days=730),
            "value": value,
            "currency": currency,
        },
    )


def fresh(agreement: Agreement) -> Agreement:
    return Agreement.objects.get(pk=agreement.pk)


def approve_all(agreement: Agreement, approvers: list[Any]) -> None:
    """Approve every step of the open version, each by the first given user who may take it."""
    version = selectors.open_version(agreement)
    assert version is not None
    while (step := selectors.current_step(version)) is not None:
        from partnerhub.agreements.permissions import holds_step

        approver = next(u for u in approvers if holds_step(u, step))
        services.clearance_approve(actor=approver, step=step)
        version = AgreementVersion.objects.get(pk=version.pk)


def snapshot(agreement: Agreement) -> tuple[Any, ...]:
    """What a refusal must leave untouched: status, row versions, steps, versions and the audit log."""
    from partnerhub.core.models import AuditLog

    agreement = fresh(agreement)
    return (
        agreement.status,
        agreement.version,
        agreement.current_version_id,
        tuple(
            agreement.versions.order_by("number").values_list(
                "number", "status", "version", "clearance_round"
            )
        ),
        tuple(
            selectors.ClearanceStep.objects.filter(agreement_version__agreement=agreement)
            .order_by("id")
            .values_list("id", "decision", "comments")
        ),
        AuditLog.objects.count(),
    )
