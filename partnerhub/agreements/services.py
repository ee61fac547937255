"""Writes for agreements: create, edit drafts, move through clearance, sign, activate, expire, terminate, close,
amend; the results framework, documents and delegations of authority.

Every service checks the predicates and `available_actions` again, refuses illegal moves with a readable
reason before changing anything, takes the agreement's version (optimistic locking) and audits what it did
as `agreements.agreement.<verb>`, `agreements.clearance.<verb>` or `agreements.amendment.<verb>`.
Notifications go out after commit.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from types import ModuleType
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.agreements import guards, notify
from partnerhub.agreements.actions import Act, require
from partnerhub.agreements.advisor import Answer
from partnerhub.agreements.choices import AssessmentStatus, Decision, DocumentKind, FundsFlow, Purpose
from partnerhub.agreements.models import (
    AdvisorRuleSet,
    Agreement,
    AgreementParty,
    AgreementVersion,
    AssessmentDue,
    ClearanceChain,
    ClearanceStep,
    DelegationOfAuthority,
    Document,
    Indicator,
    InstrumentType,
    Objective,
    Output,
    ReferenceSequence,
)
from partnerhub.agreements.permissions import (
    can_create_agreement,
    can_decide_step,
    can_edit_results,
    can_manage_legal_data,
    can_record_assessment,
)
from partnerhub.agreements.states import (
    AGREEMENT_TRANSITIONS,
    VERSION_TRANSITIONS,
    AgreementStatus,
    VersionStatus,
)
from partnerhub.core.audit import audit
from partnerhub.core.errors import ConcurrentEdit, DomainError, NotAllowed, ValidationFailed
from partnerhub.core.uploads import check_upload
from partnerhub.registry.models import Partner, Tag
from partnerhub.registry.states import PartnerStatus

TEXT_LIMIT = 4000
MAX_AMOUNT = Decimal("1e12")
PDF_MAGIC = b"%PDF-"


# --- Helpers --------------------------------------------------------------------------------------


def _today() -> dt.date:
    return timezone.localdate()


def _text(value: Any, limit: int = TEXT_LIMIT) -> str:
    return str(value or "").strip()[:limit]


def _lock(agreement: Agreement, expected_version: int | None = None) -> Agreement:
    current = (
        Agreement.objects.select_for_update(of=("self",))
        .select_related("instrument", "owning_office", "current_version", "clearance_chain")
        .get(pk=agreement.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit()
    return current


def _lock_version(version: AgreementVersion) -> AgreementVersion:
    return (
        AgreementVersion.objects.select_for_update(of=("self",))
        .select_related("agreement")
        .get(pk=version.pk)
    )


def _audit(
    verb: str, agreement: Agreement, *, before: Mapping[str, Any], note: str = "", **after: Any
) -> None:
    audit(f"agreements.{verb}", target=agreement, before=dict(before), after=after, note=note[:2000])


def _refuse(blockers: Sequence[str], code: str) -> None:
    if blockers:
        raise DomainError(" ".join(blockers), code=code, blockers=list(blockers))


def _move(agreement: Agreement, target: str) -> str:
    AGREEMENT_TRANSITIONS.check(agreement.status, target)
    before = agreement.status
    agreement.status = target
    return before


def _move_version(version: AgreementVersion, target: str) -> str:
    VERSION_TRANSITIONS.check(version.status, target)
    before = version.status
    version.status = target
    return before


def allocate_reference(*, instrument: InstrumentType, office_code: str, year: int) -> str:
    """`<instrument>/<office>/<year>/<sequence>`, the sequence per instrument, office and year.

    The counter row is incremented with one UPDATE, which holds the row lock until commit, so two
    concurrent allocations queue behind each other and never hand out the same number. The first
    allocation of a year creates the row; losing that race retries the UPDATE.
    """
    key = {"instrument_code": instrument.code, "office_code": office_code, "year": year}
    for _attempt in range(3):
        if ReferenceSequence.objects.filter(**key).update(last=F("last") + 1):
            number = ReferenceSequence.objects.get(**key).last
            break
        try:
            with transaction.atomic():
                ReferenceSequence.objects.create(**key, last=1)
            number = 1
            break
        except IntegrityError:
            continue
    else:  # pragma: no cover - three lost races in a row
        raise ConcurrentEdit()
    return f"{instrument.code}/{office_code.upper()}/{year}/{number:03d}"


def _clean_version_fields(data: Mapping[str, Any], *, instrument: InstrumentType) -> dict[str, Any]:
    """Shape and business checks of the amendable fields; raises ValidationFailed with per-field messages."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in ("title", "summary"):
        if name in data:
            clean[name] = _text(data[name], 300 if name == "title" else TEXT_LIMIT)
    if "title" in data and not clean["title"]:
        errors["title"] = [_("Enter a title.")]
    for name in ("start_date", "end_date"):
        if name not in data:
            continue
        value = data[name]
        if isinstance(value, dt.date):
            clean[name] = value
        else:
            try:
                clean[name] = dt.date.fromisoformat(str(value))
            except ValueError:
                errors[name] = [_("Enter a date.")]
    if "value" in data:
        raw = data["value"]
        if raw in (None, ""):
            clean["value"] = None
        else:
            try:
                amount = Decimal(str(raw))
            except InvalidOperation:
                errors["value"] = [_("Enter an amount.")]
            else:
                if amount < 0 or amount >= MAX_AMOUNT:
                    errors["value"] = [_("Enter an amount from 0 to 999,999,999,999.")]
                clean["value"] = amount
    if "currency" in data:
        currency = _text(data["currency"], 3).upper()
        if currency and (len(currency) != 3 or not currency.isalpha()):
            errors["currency"] = [_("Use a three-letter currency code, for example USD.")]
        clean["currency"] = currency
    if errors:
        raise ValidationFailed(errors)
    return clean


def _check_version(version: AgreementVersion, instrument: InstrumentType) -> None:
    errors: dict[str, list[str]] = {}
    if version.end_date < version.start_date:
        errors["end_date"] = [_("The end date cannot be before the start date.")]
    if instrument.funds_flow != FundsFlow.NONE:
        if version.value is None:
            errors["value"] = [
                _("A %(instrument)s moves funds: enter its value.") % {"instrument": instrument}
            ]
        if not version.currency:
            errors["currency"] = [_("Enter the currency of the value.")]
    elif version.value is not None and not version.currency:
        errors["currency"] = [_("Enter the currency of the value.")]
    if errors:
        raise ValidationFailed(errors)


def _check_parties(partners: Sequence[Partner]) -> None:
    if not partners:
        raise ValidationFailed({"partners": [_("Add at least one partner as a party.")]})
    if len({p.pk for p in partners}) != len(partners):
        raise ValidationFailed({"partners": [_("A partner is listed twice.")]})
    unusable = [p.name for p in partners if p.status == PartnerStatus.ARCHIVED or p.merged_into_id]
    if unusable:
        raise ValidationFailed(
            {"partners": [_("Archived or merged partners cannot be parties: %s.") % ", ".join(unusable)]}
        )


def _chain_for(instrument: InstrumentType, advice: Answer | None) -> ClearanceChain | None:
    if advice is not None and advice.rule is not None and advice.rule.instrument == instrument.code:
        return ClearanceChain.objects.filter(code=advice.rule.chain, is_active=True).first()
    rule_set = AdvisorRuleSet.objects.filter(is_active=True).first()
    if rule_set is not None:
        rule = rule_set.rules.filter(instrument=instrument).select_related("clearance_chain").first()
        if rule is not None:
            return rule.clearance_chain
    return None


# --- Agreement and its draft ----------------------------------------------------------------------


@transaction.atomic
def agreement_create(
    *,
    actor: Any,
    instrument: InstrumentType,
    purpose: str,
    owning_office: Any,
    responsible: Any,
    partners: Sequence[Partner],
    data: Mapping[str, Any],
    clearance_chain: ClearanceChain | None = None,
    advice: Answer | None = None,
) -> Agreement:
    """Record a draft agreement (version 1) with its parties and a new reference number."""
    if not can_create_agreement(actor):
        raise NotAllowed(_("Only UN-Habitat staff can record agreements."))
    errors: dict[str, list[str]] = {}
    if not instrument.is_active:
        errors["instrument"] = [_("This instrument is no longer in use.")]
    if purpose not in Purpose.values:
        errors["purpose"] = [_("Choose the purpose.")]
    if not (responsible.is_active and responsible.is_agency_staff):
        errors["responsible"] = [_("The responsible person must be an active staff member.")]
    chain = clearance_chain or _chain_for(instrument, advice)
    if chain is None:
        errors["clearance_chain"] = [_("Choose the clearance chain.")]
    if errors:
        raise ValidationFailed(errors)
    assert chain is not None
    _check_parties(partners)
    fields = _clean_version_fields(
        {"summary": "", "currency": "", "value": None, **data}, instrument=instrument
    )
    for required in ("title", "start_date", "end_date"):
        if required not in fields:
            raise ValidationFailed({required: [_("This field is required.")]})
    agreement = Agreement(
        reference=allocate_reference(
            instrument=instrument, office_code=owning_office.code, year=_today().year
        ),
        instrument=instrument,
        purpose=purpose,
        owning_office=owning_office,
        responsible=responsible,
        clearance_chain=chain,
        created_by=actor,
        advice=advice.as_dict() if advice is not None else {},
        advice_rule_set_version=advice.rule_set_version if advice is not None else None,
    )
    agreement.full_clean(exclude=["current_version"])
    agreement.save()
    version = AgreementVersion(agreement=agreement, number=1, created_by=actor, **fields)
    _check_version(version, instrument)
    version.save()
    agreement.current_version = version
    agreement.save(update_fields=["current_version"])
    for order, partner in enumerate(partners):
        AgreementParty.objects.create(agreement=agreement, partner=partner, order=order)
    audit(
        "agreements.agreement.create",
        target=agreement,
        after={
            "reference": agreement.reference,
            "instrument": instrument.code,
            "parties": [p.pk for p in partners],
            "advice_rule_set_version": agreement.advice_rule_set_version,
        },
    )
    return agreement


@transaction.atomic
def version_update(
    *, actor: Any, version: AgreementVersion, expected_version: int | None, data: Mapping[str, Any]
) -> AgreementVersion:
    """Change the text of a draft version (the original while a draft, or an amendment)."""
    current = _lock_version(version)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit()
    agreement = current.agreement
    if current.is_amendment:
        require(actor, agreement, Act.EDIT_AMENDMENT)
    else:
        require(actor, agreement, Act.EDIT)
    fields = _clean_version_fields(data, instrument=agreement.instrument)
    before = {k: getattr(current, k) for k in fields}
    for name, value in fields.items():
        setattr(current, name, value)
    _check_version(current, agreement.instrument)
    current.save()
    changed = {k: v for k, v in fields.items() if before[k] != v}
    if changed:
        verb = "amendment.update" if current.is_amendment else "agreement.update"
        _audit(verb, agreement, before={k: before[k] for k in changed}, version=current.number, **changed)
    return current


@transaction.atomic
def parties_set(*, actor: Any, agreement: Agreement, partners: Sequence[Partner]) -> Agreement:
    """Replace the parties of a draft agreement."""
    current = _lock(agreement)
    require(actor, current, Act.EDIT)
    _check_parties(partners)
    before = list(current.parties.values_list("partner_id", flat=True))
    current.parties.all().delete()
    for order, partner in enumerate(partners):
        AgreementParty.objects.create(agreement=current, partner=partner, order=order)
    _audit("agreement.parties", current, before={"parties": before}, parties=[p.pk for p in partners])
    return current


# --- Clearance ------------------------------------------------------------------------------------


def _start_clearance(version: AgreementVersion, agreement: Agreement) -> ClearanceStep | None:
    template = list(agreement.clearance_chain.steps.order_by("order"))
    if not template:
        raise DomainError(_("The clearance chain has no steps; ask the Legal Section."), code="no_steps")
    version.clearance_round += 1
    version.submitted_at = timezone.now()
    version.cleared_at = None
    version.save(update_fields=["status", "clearance_round", "submitted_at", "cleared_at"])
    steps = [
        ClearanceStep.objects.create(
            agreement_version=version,
            round=version.clearance_round,
            order=t.order,
            label=t.label,
            role=t.role,
            office_id=t.office_id,
        )
        for t in template
    ]
    return steps[0]


def _submit(agreement: Agreement, version: AgreementVersion, verb: str, *, agreement_before: str) -> None:
    """Start the version's next clearance round; the caller has checked permission and guards."""
    before = _move_version(version, VersionStatus.IN_CLEARANCE)
    first = _start_clearance(version, agreement)
    _audit(
        verb,
        agreement,
        before={"status": agreement_before, "version_status": before},
        status=agreement.status,
        version=version.number,
        round=version.clearance_round,
    )
    if first is not None:
        step_id = first.pk
        transaction.on_commit(lambda: notify.step_waiting(step_id=step_id))


def _submit_guards(agreement: Agreement, version: AgreementVersion) -> None:
    _refuse(guards.party_blockers(agreement), "no_parties")
    _refuse(guards.diligence_blockers(agreement, on=_today()), "diligence_required")
    _check_version(version, agreement.instrument)


@transaction.atomic
def agreement_submit_for_clearance(
    *, actor: Any, agreement: Agreement, expected_version: int | None = None
) -> Agreement:
    """Send the draft to its first clearance step (needs valid due diligence where the category requires it)."""
    current = _lock(agreement, expected_version)
    require(actor, current, Act.SUBMIT)
    version = _lock_version(current.versions.get(number=1))
    _submit_guards(current, version)
    before = _move(current, AgreementStatus.IN_CLEARANCE)
    current.save(update_fields=["status"])
    _submit(current, version, "agreement.submit", agreement_before=before)
    return current


def _step_context(step: ClearanceStep) -> tuple[Agreement, AgreementVersion, ClearanceStep]:
    version = _lock_version(step.agreement_version)
    agreement = _lock(version.agreement)
    current = ClearanceStep.objects.select_for_update().get(pk=step.pk)
    return agreement, version, current


@transaction.atomic
def clearance_approve(
    *, actor: Any, step: ClearanceStep, comments: str = "", expected_version: int | None = None
) -> ClearanceStep:
    """Approve the step that holds the ball; the last approval clears the version (and a draft agreement)."""
    from partnerhub.agreements.selectors import current_step

    agreement, version, current = _step_context(step)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit()
    if not can_decide_step(actor, current, current_step(version)):
        raise NotAllowed(_("Only an approver of the step that holds the ball can approve it."))
    current.decision = Decision.APPROVED
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.comments = _text(comments)
    current.save()
    audit(
        "agreements.clearance.approve",
        target=agreement,
        before={"decision": Decision.PENDING},
        after={"decision": Decision.APPROVED, "step": current.label, "version": version.number},
        note=current.comments,
    )
    following = current_step(version)
    if following is not None:
        step_id = following.pk
        transaction.on_commit(lambda: notify.step_waiting(step_id=step_id))
        return current
    before_version = _move_version(version, VersionStatus.CLEARED)
    version.cleared_at = timezone.now()
    version.save(update_fields=["status", "cleared_at"])
    before = agreement.status
    if not version.is_amendment:
        _move(agreement, AgreementStatus.CLEARED)
        agreement.save(update_fields=["status"])
    _audit(
        "amendment.clear" if version.is_amendment else "agreement.clear",
        agreement,
        before={"status": before, "version_status": before_version},
        status=agreement.status,
        version=version.number,
    )
    version_id = version.pk
    transaction.on_commit(lambda: notify.cleared(version_id=version_id))
    return current


@transaction.atomic
def clearance_return(
    *, actor: Any, step: ClearanceStep, comments: str, expected_version: int | None = None
) -> ClearanceStep:
    """Return the version to its drafters with comments; it goes back to draft and the comments are kept."""
    from partnerhub.agreements.selectors import current_step

    agreement, version, current = _step_context(step)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit()
    if not can_decide_step(actor, current, current_step(version)):
        raise NotAllowed(_("Only an approver of the step that holds the ball can return it."))
    text = _text(comments)
    if not text:
        raise ValidationFailed({"comments": [_("Say what needs to change before the step can be cleared.")]})
    current.decision = Decision.RETURNED
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.comments = text
    current.save()
    before_version = _move_version(version, VersionStatus.DRAFT)
    version.save(update_fields=["status"])
    before = agreement.status
    if not version.is_amendment:
        _move(agreement, AgreementStatus.DRAFT)
        agreement.save(update_fields=["status"])
    audit(
        "agreements.clearance.return",
        target=agreement,
        before={"decision": Decision.PENDING, "status": before, "version_status": before_version},
        after={
            "decision": Decision.RETURNED,
            "step": current.label,
            "version": version.number,
            "status": agreement.status,
        },
        note=text,
    )
    step_id = current.pk
    transaction.on_commit(lambda: notify.returned(step_id=step_id))
    return current


# --- Signature ------------------------------------------------------------------------------------


def _sign_version(
    actor: Any, agreement: Agreement, version: AgreementVersion, signatory: Any, signed_on: dt.date
) -> None:
    if signed_on > _today():
        raise ValidationFailed({"signed_on": [_("The signing date cannot be in the future.")]})
    _refuse(guards.clearance_blockers(version), "clearance_incomplete")
    _refuse(guards.signatory_blockers(signatory, version, on=signed_on), "no_delegation")
    delegation = guards.delegation_for(signatory, version, on=signed_on)
    previous = agreement.current_version if version.is_amendment else None
    if previous is not None and previous.pk != version.pk:
        old = _lock_version(previous)
        _move_version(old, VersionStatus.SUPERSEDED)
        old.save(update_fields=["status"])
    _move_version(version, VersionStatus.IN_FORCE)
    version.signatory = signatory
    version.signed_on = signed_on
    version.delegation = delegation
    version.save(update_fields=["status", "signatory", "signed_on", "delegation"])
    agreement.current_version = version


@transaction.atomic
def agreement_sign(
    *,
    actor: Any,
    agreement: Agreement,
    signatory: Any,
    signed_on: dt.date | None = None,
    expected_version: int | None = None,
) -> Agreement:
    """Record the signature: every clearance step approved and a signatory with a delegation on that date."""
    current = _lock(agreement, expected_version)
    require(actor, current, Act.SIGN)
    version = _lock_version(current.versions.get(number=1))
    day = signed_on or _today()
    before = _move(current, AgreementStatus.SIGNED)
    _sign_version(actor, current, version, signatory, day)
    current.save(update_fields=["status", "current_version"])
    _audit(
        "agreement.sign",
        current,
        before={"status": before},
        status=current.status,
        signatory=signatory.pk,
        signed_on=day,
        delegation=version.delegation_id,
    )
    return current


@transaction.atomic
def agreement_activate(*, actor: Any, agreement: Agreement, today: dt.date | None = None) -> Agreement:
    """Put a signed agreement in force once its start date has come."""
    current = _lock(agreement)
    require(actor, current, Act.ACTIVATE)
    return _activate(current, today or _today())


@transaction.atomic
def agreement_activate_scheduled(*, agreement: Agreement, today: dt.date) -> Agreement:
    """The scheduler's move: a signed agreement comes into force on its start date."""
    return _activate(_lock(agreement), today)


def _activate(current: Agreement, today: dt.date) -> Agreement:
    version = current.current_version
    assert version is not None
    if version.start_date > today:
        raise DomainError(
            _("The agreement starts on %(date)s; it can be activated from then.")
            % {"date": version.start_date.isoformat()},
            code="not_started",
        )
    before = _move(current, AgreementStatus.ACTIVE)
    current.save(update_fields=["status"])
    _audit("agreement.activate", current, before={"status": before}, status=current.status)
    return current


def _assessment_due(agreement: Agreement, on: dt.date) -> None:
    if agreement.instrument.needs_end_assessment:
        AssessmentDue.objects.get_or_create(
            agreement=agreement, defaults={"due_on": on + dt.timedelta(days=60)}
        )


@transaction.atomic
def agreement_expire(*, agreement: Agreement, today: dt.date | None = None) -> Agreement | None:
    """The scheduler's move: an active agreement past its end date expires (an assessment may become due)."""
    day = today or _today()
    current = _lock(agreement)
    version = current.current_version
    if current.status != AgreementStatus.ACTIVE or version is None or version.end_date >= day:
        return None
    before = _move(current, AgreementStatus.EXPIRED)
    current.save(update_fields=["status"])
    _assessment_due(current, day)
    _audit(
        "agreement.expire",
        current,
        before={"status": before},
        status=current.status,
        end_date=version.end_date,
    )
    return current


@transaction.atomic
def agreement_terminate(
    *,
    actor: Any,
    agreement: Agreement,
    reason: str,
    on: dt.date | None = None,
    expected_version: int | None = None,
) -> Agreement:
    """End a signed or active agreement early, with the reason; an assessment may become due."""
    current = _lock(agreement, expected_version)
    require(actor, current, Act.TERMINATE)
    text = _text(reason)
    if not text:
        raise ValidationFailed({"reason": [_("Give the reason for the termination.")]})
    from partnerhub.agreements.selectors import open_version

    if open_version(current) is not None:
        raise DomainError(
            _("An amendment is open. Abandon it before terminating the agreement."), code="amendment_open"
        )
    day = on or _today()
    before = _move(current, AgreementStatus.TERMINATED)
    current.terminated_on = day
    current.termination_reason = text
    current.save(update_fields=["status", "terminated_on", "termination_reason"])
    _assessment_due(current, day)
    _audit(
        "agreement.terminate", current, before={"status": before}, status=current.status, note=text, on=day
    )
    return current


@transaction.atomic
def agreement_close(*, actor: Any, agreement: Agreement, expected_version: int | None = None) -> Agreement:
    """Close an ended agreement; needs the end-of-agreement assessment where the instrument asks for one."""
    current = _lock(agreement, expected_version)
    require(actor, current, Act.CLOSE)
    _refuse(guards.close_blockers(current), "assessment_missing")
    before = _move(current, AgreementStatus.CLOSED)
    current.closed_on = _today()
    current.save(update_fields=["status", "closed_on"])
    _audit("agreement.close", current, before={"status": before}, status=current.status)
    return current


@transaction.atomic
def assessment_record_received(
    *, actor: Any, agreement: Agreement, received_on: dt.date | None = None, note: str = ""
) -> AssessmentDue:
    """PLGU records that the end-of-agreement assessment arrived (until the reporting module holds it)."""
    current = _lock(agreement)
    if not can_record_assessment(actor, current):
        raise NotAllowed(_("The Partners Unit records end-of-agreement assessments."))
    due = AssessmentDue.objects.select_for_update().filter(agreement=current).first()
    if due is None:
        raise DomainError(_("No end-of-agreement assessment is due for this agreement."), code="not_due")
    if due.status == AssessmentStatus.RECEIVED:
        raise DomainError(_("The assessment has already been recorded."), code="already_received")
    due.status = AssessmentStatus.RECEIVED
    due.received_on = received_on or _today()
    due.note = _text(note)
    due.save()
    _audit(
        "assessment.receive",
        current,
        before={"assessment": AssessmentStatus.DUE},
        assessment=AssessmentStatus.RECEIVED,
        received_on=due.received_on,
    )
    return due


# --- Amendments -----------------------------------------------------------------------------------


@transaction.atomic
def amendment_start(*, actor: Any, agreement: Agreement, reason: str) -> AgreementVersion:
    """Start an amendment: a new draft version holding a copy of the text in force, with its own clearance."""
    current = _lock(agreement)
    require(actor, current, Act.AMEND)
    text = _text(reason)
    if not text:
        raise ValidationFailed({"amendment_reason": [_("Say why the agreement is being amended.")]})
    base = current.current_version
    assert base is not None
    number = (current.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    version = AgreementVersion(
        agreement=current,
        number=number,
        created_by=actor,
        amendment_reason=text,
        **{name: getattr(base, name) for name in AgreementVersion.AMENDABLE},
    )
    version.save()
    _audit("amendment.start", current, before={}, version=number, based_on=base.number, note=text)
    return version


def _amendment(agreement: Agreement) -> AgreementVersion:
    from partnerhub.agreements.selectors import open_version

    version = open_version(agreement)
    if version is None or not version.is_amendment:
        raise DomainError(_("There is no open amendment."), code="no_amendment")
    return _lock_version(version)


@transaction.atomic
def amendment_submit(*, actor: Any, agreement: Agreement) -> AgreementVersion:
    """Send the open amendment to its own clearance."""
    current = _lock(agreement)
    require(actor, current, Act.SUBMIT_AMENDMENT)
    version = _amendment(current)
    _submit_guards(current, version)
    _submit(current, version, "amendment.submit", agreement_before=current.status)
    return version


@transaction.atomic
def amendment_sign(
    *, actor: Any, agreement: Agreement, signatory: Any, signed_on: dt.date | None = None
) -> AgreementVersion:
    """Sign the cleared amendment: it comes into force and the version it replaces is superseded."""
    current = _lock(agreement)
    require(actor, current, Act.SIGN_AMENDMENT)
    version = _amendment(current)
    day = signed_on or _today()
    previous = current.current_version
    _sign_version(actor, current, version, signatory, day)
    current.save(update_fields=["current_version"])
    _audit(
        "amendment.sign",
        current,
        before={"version_in_force": previous.number if previous else None},
        version_in_force=version.number,
        signatory=signatory.pk,
        signed_on=day,
    )
    return version


@transaction.atomic
def amendment_abandon(*, actor: Any, agreement: Agreement, reason: str = "") -> AgreementVersion:
    """Give up the open amendment; it is kept, with its clearance, and the text in force is untouched."""
    current = _lock(agreement)
    require(actor, current, Act.ABANDON_AMENDMENT)
    version = _amendment(current)
    before = _move_version(version, VersionStatus.ABANDONED)
    version.abandoned_at = timezone.now()
    version.save(update_fields=["status", "abandoned_at"])
    _audit(
        "amendment.abandon",
        current,
        before={"version_status": before},
        version=version.number,
        version_status=version.status,
        note=_text(reason),
    )
    return version


# --- Results framework ----------------------------------------------------------------------------


def _results_agreement(actor: Any, agreement: Agreement) -> Agreement:
    current = _lock(agreement)
    if not can_edit_results(actor, current):
        raise NotAllowed(_("Only the owning office can change the results of this agreement."))
    return current


@transaction.atomic
def objective_add(*, actor: Any, agreement: Agreement, text: str) -> Objective:
    current = _results_agreement(actor, agreement)
    value = _text(text, 500)
    if not value:
        raise ValidationFailed({"text": [_("Describe the objective.")]})
    order = current.objectives.count()
    objective = Objective.objects.create(agreement=current, order=order, text=value)
    _audit("results.objective_add", current, before={}, objective=objective.pk, text=value)
    return objective


@transaction.atomic
def output_add(*, actor: Any, objective: Objective, text: str) -> Output:
    current = _results_agreement(actor, objective.agreement)
    value = _text(text, 500)
    if not value:
        raise ValidationFailed({"text": [_("Describe the output.")]})
    output = Output.objects.create(objective=objective, order=objective.outputs.count(), text=value)
    _audit("results.output_add", current, before={}, output=output.pk, text=value)
    return output


def _decimal_or_none(value: Any, name: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed({name: [_("Enter a number.")]}) from None


def _tags(codes: Sequence[str]) -> list[Tag]:
    tags = list(Tag.objects.filter(kind__in=["sdg", "nua"], code__in=list(codes)))
    unknown = set(codes) - {t.code for t in tags}
    if unknown:
        raise ValidationFailed(
            {"tags": [_("Unknown SDG 11 target or NUA commitment: %s.") % ", ".join(sorted(unknown))]}
        )
    return tags


@transaction.atomic
def indicator_add(
    *,
    actor: Any,
    output: Output,
    text: str,
    unit: str = "",
    baseline: Any = None,
    target: Any = None,
    tags: Sequence[str] = (),
) -> Indicator:
    current = _results_agreement(actor, output.objective.agreement)
    value = _text(text, 500)
    if not value:
        raise ValidationFailed({"text": [_("Describe the indicator.")]})
    indicator = Indicator.objects.create(
        output=output,
        text=value,
        unit=_text(unit, 60),
        baseline=_decimal_or_none(baseline, "baseline"),
        target=_decimal_or_none(target, "target"),
    )
    indicator.tags.set(_tags(tags))
    _audit("results.indicator_add", current, before={}, indicator=indicator.pk, text=value, tags=list(tags))
    return indicator


@transaction.atomic
def indicator_update(
    *, actor: Any, indicator: Indicator, data: Mapping[str, Any], expected_version: int | None = None
) -> Indicator:
    """Change an indicator's baseline, target, actual, unit, text or tags."""
    current = (
        Indicator.objects.select_for_update(of=("self",))
        .select_related("output__objective__agreement")
        .get(pk=indicator.pk)
    )
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit()
    agreement = _results_agreement(actor, current.output.objective.agreement)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in ("baseline", "target", "actual"):
        if name in data:
            value = _decimal_or_none(data[name], name)
            if value != getattr(current, name):
                before[name], after[name] = getattr(current, name), value
                setattr(current, name, value)
    for name, limit in (("text", 500), ("unit", 60)):
        if name in data:
            value_text = _text(data[name], limit)
            if name == "text" and not value_text:
                raise ValidationFailed({"text": [_("Describe the indicator.")]})
            if value_text != getattr(current, name):
                before[name], after[name] = getattr(current, name), value_text
                setattr(current, name, value_text)
    current.save()
    if "tags" in data:
        tags = _tags(list(data["tags"] or []))
        old = sorted(current.tags.values_list("code", flat=True))
        if old != sorted(t.code for t in tags):
            before["tags"], after["tags"] = old, sorted(t.code for t in tags)
            current.tags.set(tags)
    if after:
        _audit("results.indicator_update", agreement, before=before, indicator=current.pk, **after)
    return current


# --- Documents ------------------------------------------------------------------------------------


def max_document_bytes() -> int:
    return int(getattr(settings, "AGREEMENT_DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


@transaction.atomic
def document_add(*, actor: Any, agreement: Agreement, kind: str, upload: Any) -> Document:
    """Store a PDF (checked by its content, not its name) as a draft or the signed copy."""
    from partnerhub.agreements.actions import can_add_document

    current = _lock(agreement)
    if not can_add_document(actor, current):
        raise NotAllowed(_("Only the owning office can add documents to this agreement."))
    if kind not in DocumentKind.values:
        raise ValidationFailed({"kind": [_("Choose the kind of document.")]})
    checked = check_upload(
        upload,
        limit=max_document_bytes(),
        sniff=lambda head: "application/pdf" if head.startswith(PDF_MAGIC) else "",
        refused=_("Only PDF files can be attached."),
        default_name="document.pdf",
    )
    from partnerhub.agreements.selectors import latest_version

    document = Document(
        agreement=current,
        agreement_version=latest_version(current),
        kind=kind,
        original_name=checked.name,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    document.file.save("document.pdf", upload, save=False)
    path = document.file.name or ""
    try:
        document.save()
    except Exception:
        document.file.storage.delete(path)
        raise
    _audit("document.add", current, before={}, document=document.pk, kind=kind, sha256=document.sha256)
    return document


# --- Legal data -----------------------------------------------------------------------------------


@transaction.atomic
def delegation_create(
    *,
    actor: Any,
    delegate: Any,
    instruments: Sequence[InstrumentType],
    max_amount: Decimal | None,
    currency: str,
    valid_from: dt.date,
    valid_to: dt.date | None,
    delegated_by: Any | None = None,
    reference: str = "",
) -> DelegationOfAuthority:
    """Record a delegation of authority to sign (the Legal Section)."""
    if not can_manage_legal_data(actor):
        raise NotAllowed(_("Only the Legal Section records delegations of authority."))
    errors: dict[str, list[str]] = {}
    if not (delegate.is_active and delegate.is_agency_staff):
        errors["delegate"] = [_("The delegate must be an active staff member.")]
    if not instruments:
        errors["instruments"] = [_("Choose at least one instrument.")]
    if valid_to is not None and valid_to < valid_from:
        errors["valid_to"] = [_("The end date cannot be before the start date.")]
    if max_amount is not None and max_amount < 0:
        errors["max_amount"] = [_("Enter an amount from 0.")]
    cur = _text(currency, 3).upper() or "USD"
    if len(cur) != 3 or not cur.isalpha():
        errors["currency"] = [_("Use a three-letter currency code, for example USD.")]
    if errors:
        raise ValidationFailed(errors)
    delegation = DelegationOfAuthority.objects.create(
        delegate=delegate,
        max_amount=max_amount,
        currency=cur,
        valid_from=valid_from,
        valid_to=valid_to,
        delegated_by=delegated_by or actor,
        reference=_text(reference, 120),
    )
    delegation.instruments.set(instruments)
    audit(
        "agreements.delegation.create",
        target=delegation,
        after={
            "delegate": delegate.pk,
            "instruments": sorted(i.code for i in instruments),
            "max_amount": max_amount,
            "currency": cur,
            "valid_from": valid_from,
            "valid_to": valid_to,
        },
    )
    return delegation


@transaction.atomic
def delegation_revoke(*, actor: Any, delegation: DelegationOfAuthority) -> DelegationOfAuthority:
    if not can_manage_legal_data(actor):
        raise NotAllowed(_("Only the Legal Section revokes delegations of authority."))
    current = DelegationOfAuthority.objects.select_for_update().get(pk=delegation.pk)
    if current.revoked_at is not None:
        raise DomainError(_("This delegation is already revoked."), code="already_revoked")
    current.revoked_at = timezone.now()
    current.save(update_fields=["revoked_at"])
    audit("agreements.delegation.revoke", target=current, after={"revoked_at": current.revoked_at})
    return current


@transaction.atomic
def rule_set_publish(*, actor: Any, rule_set: AdvisorRuleSet) -> AdvisorRuleSet:
    """Put a rule set in use; the one in use before stays, unpublished, for the answers that cite it."""
    if not can_manage_legal_data(actor):
        raise NotAllowed(_("Only the Legal Section publishes the advisor's rules."))
    current = AdvisorRuleSet.objects.select_for_update().get(pk=rule_set.pk)
    if current.is_active:
        raise DomainError(_("This rule set is already in use."), code="already_active")
    if not current.rules.exists():
        raise ValidationFailed({"rules": [_("A rule set needs at least one rule.")]})
    previous = AdvisorRuleSet.objects.select_for_update().filter(is_active=True).first()
    if previous is not None:
        previous.is_active = False
        previous.save(update_fields=["is_active"])
    current.is_active = True
    current.published_at = timezone.now()
    current.published_by = actor
    current.save(update_fields=["is_active", "published_at", "published_by"])
    audit(
        "agreements.rule_set.publish",
        target=current,
        before={"version_in_use": previous.number if previous else None},
        after={"version_in_use": current.number},
    )
    return current


@transaction.atomic
def rule_set_copy(*, actor: Any, rule_set: AdvisorRuleSet) -> AdvisorRuleSet:
    """A new, unpublished rule set holding a copy of every rule, for the Legal Section to edit and publish."""
    if not can_manage_legal_data(actor):
        raise NotAllowed(_("Only the Legal Section edits the advisor's rules."))
    last = AdvisorRuleSet.objects.order_by("-number").values_list("number", flat=True).first() or 0
    new = AdvisorRuleSet.objects.create(
        number=last + 1, note=_("Copy of version %(n)d") % {"n": rule_set.number}
    )
    for rule in rule_set.rules.prefetch_related("categories"):
        categories = list(rule.categories.all())
        rule.pk = None
        rule._state.adding = True
        rule.rule_set = new
        rule.version = 1
        rule.save()
        rule.categories.set(categories)
    audit("agreements.rule_set.copy", target=new, after={"number": new.number, "from": rule_set.number})
    return new


INSTRUMENT_FIELDS = (
    "name",
    "description",
    "needs_end_assessment",
    "reminder_days",
    "is_assumption",
    "assumption_note",
    "is_active",
)


@transaction.atomic
def instrument_update(*, actor: Any, instrument: InstrumentType, data: Mapping[str, Any]) -> InstrumentType:
    """Change an instrument type (the Legal Section), e.g. confirm the seeded assumption."""
    if not can_manage_legal_data(actor):
        raise NotAllowed(_("Only the Legal Section edits instruments."))
    current = InstrumentType.objects.select_for_update().get(pk=instrument.pk)
    errors: dict[str, list[str]] = {}
    if "reminder_days" in data:
        days = data["reminder_days"]
        if not isinstance(days, list | tuple) or not all(isinstance(d, int) and 0 < d <= 3650 for d in days):
            errors["reminder_days"] = [_("Give reminder days as whole numbers from 1 to 3650.")]
    if "name" in data and not _text(data["name"], 200):
        errors["name"] = [_("Enter a name.")]
    if errors:
        raise ValidationFailed(errors)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for name in INSTRUMENT_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name in ("name", "description", "assumption_note"):
            value = _text(value, 200 if name == "name" else TEXT_LIMIT)
        elif name == "reminder_days":
            value = sorted(set(value), reverse=True)
        else:
            value = bool(value)
        if getattr(current, name) != value:
            before[name], after[name] = getattr(current, name), value
            setattr(current, name, value)
    if after:
        current.save()
        audit("agreements.instrument.update", target=current, before=before, after=after)
    return current


# --- Letters from DOCX templates ------------------------------------------------------------------


def letter_context(agreement: Agreement) -> dict[str, Any]:
    """What a letter template may use: `{{ reference }}`, `{{ title }}`, `{% for p in parties %}`…"""
    version = agreement.current_version
    assert version is not None
    return {
        "reference": agreement.reference,
        "instrument": agreement.instrument.display_name,
        "purpose": str(agreement.get_purpose_display()),
        "title": version.title,
        "summary": version.summary,
        "start_date": version.start_date.isoformat(),
        "end_date": version.end_date.isoformat(),
        "value": f"{version.value:,.2f}" if version.value is not None else "",
        "currency": version.currency,
        "version": version.number,
        "parties": [
            {"name": p.partner.name, "country": p.partner.country.name if p.partner.country else ""}
            for p in agreement.parties.select_related("partner__country")
        ],
        "office": agreement.owning_office.display_name,
        "responsible": agreement.responsible.display_name,
        "signatory": version.signatory.display_name if version.signatory else "",
        "signed_on": version.signed_on.isoformat() if version.signed_on else "",
        "objectives": [
            {"text": o.text, "outputs": [out.text for out in o.outputs.all()]}
            for o in agreement.objectives.prefetch_related("outputs")
        ],
    }


@dataclass(frozen=True)
class GeneratedLetter:
    """A letter made from a DOCX template: the DOCX and the PDF of the same text (None if the server cannot
    make PDFs, that is WeasyPrint is not installed)."""

    docx: Document
    pdf: Document | None


def letter_generate(*, actor: Any, agreement: Agreement, language: str) -> Document:
    """Generate the letter (DOCX and, where possible, PDF) and return the DOCX document."""
    return letter_generate_documents(actor=actor, agreement=agreement, language=language).docx


@transaction.atomic
def letter_generate_documents(*, actor: Any, agreement: Agreement, language: str) -> GeneratedLetter:
    """Fill the instrument's DOCX template in `language` (English if there is none) and keep it as a document,
    with a PDF of the same text beside it; both are stored in one transaction, or neither."""
    from partnerhub.agreements.actions import can_add_document
    from partnerhub.agreements.models import DOCX_TYPE, PDF_TYPE, InstrumentTemplate

    current = _lock(agreement)
    if not can_add_document(actor, current):
        raise NotAllowed(_("Only the owning office can add documents to this agreement."))
    templates = {t.language: t for t in InstrumentTemplate.objects.filter(instrument=current.instrument)}
    template = templates.get(language) or templates.get("en")
    if template is None:
        raise DomainError(
            _(
                "There is no letter template for this instrument; the Legal Section adds them on the admin site."
            ),
            code="no_template",
        )
    try:
        from docxtpl import DocxTemplate  # type: ignore[import-untyped,import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - a dependency of the project
        raise DomainError(_("Letters cannot be generated on this server."), code="no_docx") from None
    import io

    with template.file.open("rb") as source:
        document = DocxTemplate(io.BytesIO(source.read()))
    context = letter_context(current)
    try:
        # Sandboxed: templates are uploaded files and must not reach Python internals.
        from jinja2.sandbox import SandboxedEnvironment

        document.render(context, jinja_env=SandboxedEnvironment(autoescape=True))
    except Exception as exc:  # a broken template: say so instead of failing with a 500
        raise DomainError(
            _("The letter template could not be filled: %(error)s") % {"error": str(exc)[:200]},
            code="bad_template",
        ) from None
    out = io.BytesIO()
    document.save(out)
    data = out.getvalue()
    pdf_data: bytes | None = None
    if _weasyprint() is not None:
        pdf_data = letter_pdf(letter_pdf_html(context, data, template.language))

    from partnerhub.agreements.selectors import latest_version

    name = f"{current.reference.replace('/', '-')}-{template.language}"
    stored = _store_generated(
        actor, current, latest_version(current), data, content_type=DOCX_TYPE, name=f"{name}.docx"
    )
    _audit(
        "document.generate",
        current,
        before={},
        document=stored.pk,
        language=template.language,
        template=template.pk,
    )
    pdf = None
    if pdf_data is not None:
        pdf = _store_generated(
            actor, current, latest_version(current), pdf_data, content_type=PDF_TYPE, name=f"{name}.pdf"
        )
        _audit(
            "document.generate",
            current,
            before={},
            document=pdf.pk,
            language=template.language,
            template=template.pk,
            format="pdf",
            source=stored.pk,
        )
    return GeneratedLetter(docx=stored, pdf=pdf)


def _store_generated(
    actor: Any,
    agreement: Agreement,
    version: AgreementVersion | None,
    data: bytes,
    *,
    content_type: str,
    name: str,
) -> Document:
    from django.core.files.base import ContentFile

    stored = Document(
        agreement=agreement,
        agreement_version=version,
        kind=DocumentKind.GENERATED,
        content_type=content_type,
        original_name=name,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=actor,
    )
    stored.file.save(f"letter.{name.rsplit('.', 1)[-1]}", ContentFile(data), save=False)
    stored.save()
    return stored


# --- The PDF of a letter (WeasyPrint) --------------------------------------------------------------


def _weasyprint() -> ModuleType | None:
    """WeasyPrint, or None where it (or the Pango library it loads) is not installed: letters are then
    generated as DOCX only."""
    try:
        import weasyprint
    except (ImportError, OSError):
        return None
    progress = logging.getLogger("weasyprint.progress")
    if progress.level == logging.NOTSET:  # seven INFO lines per PDF; LOGGING may still set a level
        progress.setLevel(logging.WARNING)
    module: ModuleType = weasyprint
    return module


def letter_blocks(docx_data: bytes) -> list[dict[str, Any]]:
    """The body of a rendered DOCX in document order: paragraphs (headings marked) and tables of cell texts."""
    import io

    from docx import Document as DocxDocument
    from docx.table import Table

    blocks: list[dict[str, Any]] = []
    for item in DocxDocument(io.BytesIO(docx_data)).iter_inner_content():
        if isinstance(item, Table):
            rows = [[cell.text for cell in row.cells] for row in item.rows]
            blocks.append({"kind": "table", "rows": rows})
            continue
        style = item.style
        names = f"{style.name or ''} {style.style_id or ''}".lower() if style is not None else ""
        heading = any(word in names for word in ("heading", "title"))
        blocks.append({"kind": "heading" if heading else "paragraph", "text": item.text})
    # Blank paragraphs at the end are only space in Word; they would add an empty page in the PDF.
    while blocks and blocks[-1]["kind"] != "table" and not blocks[-1]["text"].strip():
        blocks.pop()
    return blocks


def letter_pdf_html(context: Mapping[str, Any], docx_data: bytes, language: str) -> str:
    """The HTML the PDF is printed from: `agreements/letter_pdf.html` with the letter's data and the text
    of the rendered DOCX, in the letter's language and direction (right to left for Arabic)."""
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override(language):
        return render_to_string(
            "agreements/letter_pdf.html",
            {
                **context,
                "language": language,
                "direction": "rtl" if translation.get_language_bidi() else "ltr",
                "generated_on": timezone.localdate().isoformat(),
                "blocks": letter_blocks(docx_data),
            },
        )


def letter_pdf(html: str) -> bytes:
    """Print the letter's HTML to PDF. Nothing is fetched: the HTML is self-contained, and any URL in it
    (an image a template smuggled in) is refused."""
    weasyprint = _weasyprint()
    if weasyprint is None:  # pragma: no cover - callers check first
        raise DomainError(_("PDF letters cannot be made on this server."), code="no_pdf")
    from weasyprint.urls import URLFetcher

    class _NoFetching(URLFetcher):  # type: ignore[misc]
        def fetch(self, url: str, headers: Any = None) -> Any:
            raise ValueError(f"PartnerHub letters fetch nothing: {url[:100]}")

    try:
        return bytes(weasyprint.HTML(string=html, base_url=None, url_fetcher=_NoFetching()).write_pdf())
    except Exception as exc:
        raise DomainError(
            _("The PDF of the letter could not be made: %(error)s") % {"error": str(exc)[:200]},
            code="pdf_failed",
        ) from None
