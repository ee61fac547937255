"""Reads for agreements. Selectors that take the user answer 404 when the agreement is absent or not visible to
them (partner users see only their own organisation's agreements), so nothing leaks by status code."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from partnerhub.agreements import advisor
from partnerhub.agreements.choices import Decision, DocumentKind
from partnerhub.agreements.models import (
    AdvisorRuleSet,
    Agreement,
    AgreementParty,
    AgreementVersion,
    ClearanceStep,
    DelegationOfAuthority,
    Document,
    InstrumentType,
)
from partnerhub.agreements.permissions import can_view_agreement, holds_step
from partnerhub.agreements.states import OPEN_VERSION_STATUSES, AgreementStatus, VersionStatus
from partnerhub.registry.permissions import member_partner_id

_PARTIES = Prefetch(
    "parties",
    queryset=AgreementParty.objects.select_related("partner__primary_category", "partner__country").defer(
        "partner__search_text", "partner__description", "partner__expertise"
    ),
)


@dataclass(frozen=True)
class AgreementFilters:
    instrument: str = ""  # instrument code
    status: str = ""
    office: str = ""  # office code
    category: str = ""  # stakeholder category code of any party
    region: str = ""  # M49 region code of any party's country
    partner: int | None = None
    expiring_within: int | None = None  # days, active agreements only
    q: str = ""


def _base() -> QuerySet[Agreement]:
    return Agreement.objects.select_related(
        "instrument", "owning_office", "responsible", "current_version"
    ).prefetch_related(_PARTIES)


def agreements_visible_to(
    *, user: Any, filters: AgreementFilters | None = None, today: dt.date | None = None
) -> QuerySet[Agreement]:
    """Every agreement for staff, those their organisation is party to for partner users, filtered."""
    f = filters or AgreementFilters()
    qs = _base()
    if not (getattr(user, "is_authenticated", False) and user.is_active):
        return qs.none()
    if not user.is_agency_staff:
        partner_id = member_partner_id(user)
        if partner_id is None:
            return qs.none()
        qs = qs.filter(parties__partner_id=partner_id)
    if f.instrument:
        qs = qs.filter(instrument__code=f.instrument)
    if f.status:
        qs = qs.filter(status=f.status)
    if f.office:
        qs = qs.filter(owning_office__code=f.office)
    if f.partner:
        qs = qs.filter(parties__partner_id=f.partner)
    if f.category:
        qs = qs.filter(parties__partner__primary_category__code=f.category)
    if f.region:
        qs = qs.filter(parties__partner__country__region_code=f.region)
    if f.expiring_within is not None:
        day = today or timezone.localdate()
        qs = qs.filter(
            status=AgreementStatus.ACTIVE,
            current_version__end_date__gte=day,
            current_version__end_date__lte=day + dt.timedelta(days=f.expiring_within),
        )
    if f.q:
        qs = qs.filter(
            Q(reference__icontains=f.q)
            | Q(current_version__title__icontains=f.q)
            | Q(parties__partner__name__icontains=f.q)
        )
    if f.partner or f.category or f.region or f.q or not user.is_agency_staff:
        qs = qs.distinct()
    return qs.order_by("-created_at", "-id")


def agreement_get_for(*, user: Any, pk: int) -> Agreement:
    """One agreement, or 404 if absent or not visible to the user."""
    agreement = _base().filter(pk=pk).first()
    if agreement is None or not can_view_agreement(user, agreement):
        raise Http404
    return agreement


def versions_of(agreement: Agreement) -> list[AgreementVersion]:
    return list(
        agreement.versions.select_related("signatory", "created_by").prefetch_related(
            Prefetch(
                "clearance_steps",
                queryset=ClearanceStep.objects.select_related("office", "decided_by").order_by(
                    "round", "order"
                ),
            )
        )
    )


def version_get_for(*, user: Any, agreement_pk: int, number: int) -> AgreementVersion:
    agreement = agreement_get_for(user=user, pk=agreement_pk)
    version = agreement.versions.filter(number=number).first()
    if version is None:
        raise Http404
    return version


def open_version(agreement: Agreement) -> AgreementVersion | None:
    """The version being drafted, cleared or waiting for signature (the original or an amendment)."""
    return agreement.versions.filter(status__in=list(OPEN_VERSION_STATUSES)).order_by("-number").first()


def latest_version(agreement: Agreement) -> AgreementVersion:
    """The version pages show by default: the open one if any, else the one in force."""
    version = open_version(agreement) or agreement.current_version
    if version is None:
        version = agreement.versions.order_by("-number").first()
    assert version is not None
    return version


def steps_of_round(version: AgreementVersion) -> list[ClearanceStep]:
    return list(
        version.clearance_steps.filter(round=version.clearance_round)
        .select_related("office", "decided_by", "agreement_version__agreement")
        .order_by("order")
    )


def current_step(version: AgreementVersion) -> ClearanceStep | None:
    """The step that holds the ball: the first pending step of the current round while in clearance."""
    if version.status != VersionStatus.IN_CLEARANCE:
        return None
    return (
        version.clearance_steps.filter(round=version.clearance_round, decision=Decision.PENDING)
        .select_related("office", "agreement_version__agreement")
        .order_by("order")
        .first()
    )


def approvers_of(step: ClearanceStep) -> list[Any]:
    """Active staff who may decide the step (its role, within its office if it names one)."""
    from partnerhub.accounts.models import User

    qs = User.objects.filter(is_active=True)
    if step.role:
        qs = qs.filter(roles__code=step.role)
    if step.office_id:
        qs = qs.filter(office_id=step.office_id)
    return [u for u in qs.distinct().order_by("full_name", "email") if u.is_agency_staff]


def waiting_for(user: Any) -> list[ClearanceStep]:
    """Clearance steps that hold the ball and that the user may decide ("waiting for me"); one query."""
    if not (getattr(user, "is_authenticated", False) and user.is_agency_staff):
        return []
    pending = (
        ClearanceStep.objects.filter(
            agreement_version__status=VersionStatus.IN_CLEARANCE, decision=Decision.PENDING
        )
        .select_related("agreement_version__agreement__instrument", "office")
        .order_by("agreement_version_id", "round", "order")
    )
    current: dict[int, ClearanceStep] = {}
    for step in pending:
        if step.round == step.agreement_version.clearance_round:
            current.setdefault(step.agreement_version_id, step)
    return [step for step in current.values() if holds_step(user, step)]


# --- Version differences --------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldChange:
    field: str
    label: str
    before: Any
    after: Any


def version_diff(older: AgreementVersion, newer: AgreementVersion) -> list[FieldChange]:
    """The amendable fields whose values differ between two versions of one agreement."""
    changes: list[FieldChange] = []
    for name in AgreementVersion.AMENDABLE:
        before, after = getattr(older, name), getattr(newer, name)
        if before != after:
            label = str(getattr(AgreementVersion._meta.get_field(name), "verbose_name", name))
            changes.append(FieldChange(name, label, before, after))
    return changes


# --- Delegations and the advisor ------------------------------------------------------------------


def _covers(amount: Decimal | None, currency: str) -> Q:
    """A limit covers amounts in its own currency only: no exchange rates are held, so a USD limit says
    nothing about a EUR agreement. A delegation without a limit covers every amount."""
    if amount is None:
        return Q()
    return Q(max_amount__isnull=True) | Q(max_amount__gte=amount, currency=(currency or "USD").upper())


def delegations_valid(
    *, user: Any, instrument: InstrumentType, amount: Decimal | None, on: dt.date, currency: str = "USD"
) -> QuerySet[DelegationOfAuthority]:
    """The user's delegations that cover this instrument and amount (in that currency) on that date."""
    qs = DelegationOfAuthority.objects.filter(
        delegate_id=user.pk,
        instruments=instrument,
        revoked_at__isnull=True,
        valid_from__lte=on,
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    return qs.filter(_covers(amount, currency)).order_by("max_amount")


def eligible_signatories(
    *, instrument: InstrumentType, amount: Decimal | None, on: dt.date, currency: str = "USD"
) -> list[Any]:
    """Everyone who holds a delegation for this instrument and amount (in that currency) on that date."""
    qs = DelegationOfAuthority.objects.filter(
        instruments=instrument, revoked_at__isnull=True, valid_from__lte=on, delegate__is_active=True
    ).filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on))
    qs = qs.filter(_covers(amount, currency))
    seen: dict[int, Any] = {}
    for delegation in qs.select_related("delegate"):
        seen.setdefault(delegation.delegate_id, delegation.delegate)
    return list(seen.values())


def active_rule_set() -> AdvisorRuleSet | None:
    return AdvisorRuleSet.objects.filter(is_active=True).first()


def advise(*, category: str, purpose: str, funds_flow: str, amount: Decimal | None) -> advisor.Answer:
    """The advisor's answer under the rule set in use (recording its version)."""
    rule_set = active_rule_set()
    if rule_set is None:
        return advisor.advise([], advisor.Query(category, purpose, funds_flow, amount))
    return advisor.advise(
        advisor.rules_from_db(rule_set),
        advisor.Query(category, purpose, funds_flow, amount),
        rule_set_version=rule_set.number,
    )


def instruments(*, include_inactive: bool = False) -> QuerySet[InstrumentType]:
    qs = InstrumentType.objects.all()
    return qs if include_inactive else qs.filter(is_active=True)


def delegations(*, user: Any) -> QuerySet[DelegationOfAuthority]:
    """Delegations of authority: visible to agency staff."""
    if not (getattr(user, "is_authenticated", False) and user.is_agency_staff):
        return DelegationOfAuthority.objects.none()
    return (
        DelegationOfAuthority.objects.select_related("delegate", "delegated_by")
        .prefetch_related("instruments")
        .order_by("delegate__full_name", "-valid_from")
    )


def documents_for(user: Any, agreement: Agreement) -> QuerySet[Document]:
    """Staff see every document; partner users only the signed copies (drafts are internal)."""
    qs = agreement.documents.all()
    if getattr(user, "is_authenticated", False) and user.is_agency_staff:
        return qs
    return qs.filter(kind=DocumentKind.SIGNED)
