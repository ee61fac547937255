"""Agreements over HTTP: the advisor, instruments, delegations of authority, agreements (list, read, create,
edit drafts), their lifecycle and clearance, amendments with differences between versions, and results.
Mounted under /api/v1/agreements/.

Partner users read the agreements their organisation is party to and nothing else (404 elsewhere); every
write is refused to them. Each write calls the same service as the pages, so refusals carry the same
readable reason and code.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from partnerhub.agreements import selectors, services
from partnerhub.agreements.actions import available_actions
from partnerhub.agreements.advisor import rules_from_db
from partnerhub.agreements.choices import FundsFlow, Purpose
from partnerhub.agreements.models import (
    AdvisorRuleSet,
    Agreement,
    AgreementVersion,
    ClearanceStep,
    DelegationOfAuthority,
    Indicator,
    InstrumentType,
    Objective,
    Output,
)
from partnerhub.agreements.permissions import can_use_agreements
from partnerhub.api.pagination import Page
from partnerhub.org.models import Office
from partnerhub.registry.models import Partner

router = Router(tags=["agreements"])


def _require_staff(request: HttpRequest) -> None:
    if not can_use_agreements(request.user):
        raise PermissionDenied(_("This part of the API is for agency staff."))


def _agreement(request: HttpRequest, pk: int) -> Agreement:
    return selectors.agreement_get_for(user=request.user, pk=pk)


def _user(pk: int) -> Any:
    from partnerhub.accounts.models import User

    user = User.objects.filter(pk=pk, is_active=True).first()
    if user is None:
        raise Http404
    return user


# --- Schemas --------------------------------------------------------------------------------------


class InstrumentOut(Schema):
    id: int
    code: str
    name: str
    binding: bool
    funds_flow: str
    needs_end_assessment: bool
    reminder_days: list[int]
    is_assumption: bool = Field(..., description="Seeded, to be confirmed by the Legal Section.")
    assumption_note: str
    is_active: bool


class InstrumentUpdateIn(Schema):
    name: str | None = None
    description: str | None = None
    needs_end_assessment: bool | None = None
    reminder_days: list[int] | None = None
    is_assumption: bool | None = Field(None, description="False once the Legal Section has confirmed it.")
    assumption_note: str | None = None
    is_active: bool | None = None


class RuleOut(Schema):
    order: int
    name: str
    instrument: str
    chain: str
    categories: list[str]
    purposes: list[str]
    funds_flows: list[str]
    min_amount: Decimal | None
    max_amount: Decimal | None
    signatory: str
    explanation: str


class RuleSetOut(Schema):
    number: int
    is_active: bool
    published_at: dt.datetime | None
    note: str
    rules: list[RuleOut]

    @staticmethod
    def resolve_rules(obj: AdvisorRuleSet) -> list[dict[str, Any]]:
        return [
            {
                "order": r.order,
                "name": r.name,
                "instrument": r.instrument,
                "chain": r.chain,
                "categories": sorted(r.categories),
                "purposes": sorted(r.purposes),
                "funds_flows": sorted(r.funds_flows),
                "min_amount": r.min_amount,
                "max_amount": r.max_amount,
                "signatory": r.signatory,
                "explanation": r.explanation,
            }
            for r in rules_from_db(obj)
        ]


class PartiesIn(Schema):
    partner_ids: list[int] = Field(..., min_length=1)


class AdviceIn(Schema):
    category: str = Field(..., description="Stakeholder category code, e.g. civil-society.")
    purpose: Literal[tuple(Purpose.values)]  # type: ignore[valid-type]
    funds_flow: Literal[tuple(FundsFlow.values)]  # type: ignore[valid-type]
    amount: Decimal | None = Field(None, ge=0)


class AdviceOut(Schema):
    rule_set_version: int | None
    matched: bool
    rule: str | None
    rule_order: int | None
    instrument: str | None
    clearance_chain: str | None
    signatory: str
    explanation: str
    reasons: list[str]
    skipped: list[list[str]]


class DelegationOut(Schema):
    id: int
    delegate_id: int
    delegate: str
    instruments: list[str]
    max_amount: Decimal | None
    currency: str
    valid_from: dt.date
    valid_to: dt.date | None
    delegated_by_id: int
    reference: str
    revoked_at: dt.datetime | None

    @staticmethod
    def resolve_delegate(obj: DelegationOfAuthority) -> str:
        return str(obj.delegate)

    @staticmethod
    def resolve_instruments(obj: DelegationOfAuthority) -> list[str]:
        return sorted(i.code for i in obj.instruments.all())


class DelegationIn(Schema):
    delegate_id: int
    instruments: list[str] = Field(..., min_length=1)
    max_amount: Decimal | None = Field(None, ge=0)
    currency: str = "USD"
    valid_from: dt.date
    valid_to: dt.date | None = None
    delegated_by_id: int | None = None
    reference: str = Field("", max_length=120)


class PartyOut(Schema):
    partner_id: int
    name: str
    category: str


class StepOut(Schema):
    id: int
    round: int
    order: int
    label: str
    role: str
    office: str | None
    decision: str
    decided_by_id: int | None
    decided_at: dt.datetime | None
    comments: str

    @staticmethod
    def resolve_office(obj: ClearanceStep) -> str | None:
        return obj.office.code if obj.office_id and obj.office else None


class VersionOut(Schema):
    number: int
    status: str
    title: str
    summary: str
    start_date: dt.date
    end_date: dt.date
    value: Decimal | None
    currency: str
    amendment_reason: str
    clearance_round: int
    signed_on: dt.date | None
    signatory_id: int | None
    version: int = Field(..., description="Row version for optimistic locking; send it back when editing.")
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(obj: AgreementVersion) -> list[ClearanceStep]:
        return list(obj.clearance_steps.all())


class ActionOut(Schema):
    code: str
    label: str
    enabled: bool
    blockers: list[str]
    step_id: int | None


class AgreementListOut(Schema):
    id: int
    reference: str
    instrument: str
    status: str
    purpose: str
    owning_office: str
    responsible_id: int
    title: str
    start_date: dt.date | None
    end_date: dt.date | None
    value: Decimal | None
    currency: str
    parties: list[PartyOut]

    @staticmethod
    def resolve_instrument(obj: Agreement) -> str:
        return obj.instrument.code

    @staticmethod
    def resolve_owning_office(obj: Agreement) -> str:
        return obj.owning_office.code

    @staticmethod
    def resolve_title(obj: Agreement) -> str:
        return obj.current_version.title if obj.current_version else ""

    @staticmethod
    def resolve_start_date(obj: Agreement) -> dt.date | None:
        return obj.current_version.start_date if obj.current_version else None

    @staticmethod
    def resolve_end_date(obj: Agreement) -> dt.date | None:
        return obj.current_version.end_date if obj.current_version else None

    @staticmethod
    def resolve_value(obj: Agreement) -> Decimal | None:
        return obj.current_version.value if obj.current_version else None

    @staticmethod
    def resolve_currency(obj: Agreement) -> str:
        return obj.current_version.currency if obj.current_version else ""

    @staticmethod
    def resolve_parties(obj: Agreement) -> list[dict[str, Any]]:
        return [
            {"partner_id": p.partner_id, "name": p.partner.name, "category": p.partner.primary_category.code}
            for p in obj.parties.all()
        ]


class AgreementOut(AgreementListOut):
    version: int
    clearance_chain: str
    advice: dict[str, Any]
    advice_rule_set_version: int | None
    current_version_number: int | None
    versions: list[VersionOut]
    holds_the_ball: str | None
    actions: list[ActionOut]
    terminated_on: dt.date | None
    termination_reason: str
    closed_on: dt.date | None

    @staticmethod
    def resolve_clearance_chain(obj: Agreement) -> str:
        return obj.clearance_chain.code

    @staticmethod
    def resolve_current_version_number(obj: Agreement) -> int | None:
        return obj.current_version.number if obj.current_version else None

    @staticmethod
    def resolve_versions(obj: Agreement) -> list[AgreementVersion]:
        return selectors.versions_of(obj)

    @staticmethod
    def resolve_holds_the_ball(obj: Agreement) -> str | None:
        version = selectors.open_version(obj)
        step = selectors.current_step(version) if version else None
        return step.label if step else None

    @staticmethod
    def resolve_actions(obj: Agreement, context: dict[str, Any]) -> list[dict[str, Any]]:
        return [
            {
                "code": a.code,
                "label": a.label,
                "enabled": a.enabled,
                "blockers": a.blockers,
                "step_id": a.step_id,
            }
            for a in available_actions(context["request"].user, obj)
        ]


class AgreementIn(Schema):
    instrument: str
    purpose: Literal[tuple(Purpose.values)]  # type: ignore[valid-type]
    owning_office: str = Field(..., description="Office code.")
    responsible_id: int | None = None
    partner_ids: list[int] = Field(..., min_length=1)
    title: str = Field(..., max_length=300)
    summary: str = ""
    start_date: dt.date
    end_date: dt.date
    value: Decimal | None = Field(None, ge=0)
    currency: str = ""
    clearance_chain: str = ""
    advice: AdviceIn | None = Field(None, description="Ask the advisor and record its answer.")


class VersionIn(Schema):
    version: int = Field(..., ge=1, description="The version row's `version` you started from.")
    title: str | None = None
    summary: str | None = None
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    value: Decimal | None = None
    currency: str | None = None


class LockIn(Schema):
    version: int | None = Field(None, ge=1, description="The agreement's `version` (optional).")


class DecisionIn(Schema):
    version: int | None = Field(None, ge=1, description="The step's version (optional).")
    comments: str = Field("", max_length=4000)


class SignIn(Schema):
    signatory_id: int
    signed_on: dt.date | None = None


class TerminateIn(Schema):
    reason: str = Field(..., max_length=4000)
    on: dt.date | None = None


class ReasonIn(Schema):
    reason: str = Field("", max_length=4000)


class AssessmentIn(Schema):
    received_on: dt.date | None = None
    note: str = Field("", max_length=4000)


class DocumentOut(Schema):
    id: int
    kind: str
    content_type: str
    original_name: str
    size: int
    sha256: str
    created_at: dt.datetime


class LetterIn(Schema):
    language: str = Field("en", max_length=10)


class LetterOut(DocumentOut):
    """The generated DOCX letter, with the PDF of the same text (null where the server cannot make PDFs)."""

    pdf: DocumentOut | None = None


class ChangeOut(Schema):
    field: str
    label: str
    before: Any
    after: Any


class IndicatorOut(Schema):
    id: int
    text: str
    unit: str
    baseline: Decimal | None
    target: Decimal | None
    actual: Decimal | None
    tags: list[str]
    version: int

    @staticmethod
    def resolve_tags(obj: Indicator) -> list[str]:
        return sorted(t.code for t in obj.tags.all())


class OutputOut(Schema):
    id: int
    text: str
    indicators: list[IndicatorOut]

    @staticmethod
    def resolve_indicators(obj: Output) -> list[Indicator]:
        return list(obj.indicators.all())


class ObjectiveOut(Schema):
    id: int
    text: str
    outputs: list[OutputOut]

    @staticmethod
    def resolve_outputs(obj: Objective) -> list[Output]:
        return list(obj.outputs.all())


class TextIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)


class IndicatorIn(Schema):
    text: str = Field(..., min_length=1, max_length=500)
    unit: str = Field("", max_length=60)
    baseline: Decimal | None = None
    target: Decimal | None = None
    tags: list[str] = []


class IndicatorUpdateIn(Schema):
    version: int | None = Field(None, ge=1)
    text: str | None = None
    unit: str | None = None
    baseline: Decimal | None = None
    target: Decimal | None = None
    actual: Decimal | None = None
    tags: list[str] | None = None


class ListFilters(Schema):
    instrument: str = ""
    status: str = ""
    office: str = ""
    category: str = ""
    region: str = ""
    partner: int | None = None
    expiring_within: int | None = Field(None, ge=0, le=3650)
    q: str = ""


# --- Reference data, advisor, delegations ---------------------------------------------------------


@router.get("/instruments", response=list[InstrumentOut])
def list_instruments(request: HttpRequest) -> QuerySet[InstrumentType]:
    """Instrument types in use (all of them for the Legal Section)."""
    _require_staff(request)
    from partnerhub.agreements.permissions import can_manage_legal_data

    return selectors.instruments(include_inactive=can_manage_legal_data(request.user))


@router.patch("/instruments/{code}", response=InstrumentOut)
def update_instrument(request: HttpRequest, code: str, body: InstrumentUpdateIn) -> InstrumentType:
    """Edit an instrument type (the Legal Section), e.g. confirm the seeded assumption."""
    _require_staff(request)
    instrument = get_object_or_404(InstrumentType, code=code)
    return services.instrument_update(
        actor=request.user, instrument=instrument, data=body.dict(exclude_unset=True)
    )


@router.get("/rule-sets", response=list[RuleSetOut])
def list_rule_sets(request: HttpRequest) -> QuerySet[AdvisorRuleSet]:
    """Every version of the advisor's rules, newest first; `is_active` marks the one in use."""
    _require_staff(request)
    return AdvisorRuleSet.objects.all()


@router.post("/rule-sets/{number}/copy", response={201: RuleSetOut})
def copy_rule_set(request: HttpRequest, number: int) -> Status[Any]:
    """Copy a rule set into a new, unpublished version to edit (the Legal Section)."""
    _require_staff(request)
    rule_set = get_object_or_404(AdvisorRuleSet, number=number)
    return Status(201, services.rule_set_copy(actor=request.user, rule_set=rule_set))


@router.post("/rule-sets/{number}/publish", response=RuleSetOut)
def publish_rule_set(request: HttpRequest, number: int) -> AdvisorRuleSet:
    """Put a rule set in use (the Legal Section)."""
    _require_staff(request)
    rule_set = get_object_or_404(AdvisorRuleSet, number=number)
    return services.rule_set_publish(actor=request.user, rule_set=rule_set)


@router.post("/advisor", response=AdviceOut)
def advise(request: HttpRequest, body: AdviceIn) -> dict[str, Any]:
    """Which instrument, clearance chain and signatory the Legal Section's rules give, and why."""
    _require_staff(request)
    answer = selectors.advise(
        category=body.category, purpose=body.purpose, funds_flow=body.funds_flow, amount=body.amount
    )
    return answer.as_dict()


@router.get("/delegations", response=list[DelegationOut])
def list_delegations(request: HttpRequest) -> QuerySet[DelegationOfAuthority]:
    _require_staff(request)
    return selectors.delegations(user=request.user)


@router.post("/delegations", response={201: DelegationOut})
def create_delegation(request: HttpRequest, body: DelegationIn) -> Status[Any]:
    """Record a delegation of authority to sign (the Legal Section)."""
    _require_staff(request)
    instruments = list(InstrumentType.objects.filter(code__in=body.instruments))
    if len(instruments) != len(set(body.instruments)):
        raise Http404
    delegation = services.delegation_create(
        actor=request.user,
        delegate=_user(body.delegate_id),
        instruments=instruments,
        max_amount=body.max_amount,
        currency=body.currency,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        delegated_by=_user(body.delegated_by_id) if body.delegated_by_id else None,
        reference=body.reference,
    )
    return Status(201, delegation)


@router.post("/delegations/{pk}/revoke", response=DelegationOut)
def revoke_delegation(request: HttpRequest, pk: int) -> DelegationOfAuthority:
    _require_staff(request)
    return services.delegation_revoke(
        actor=request.user, delegation=get_object_or_404(DelegationOfAuthority, pk=pk)
    )


@router.get("/waiting", response=list[AgreementListOut])
def waiting_for_me(request: HttpRequest) -> list[Agreement]:
    """Agreements whose current clearance step the caller may decide."""
    _require_staff(request)
    ids = [s.agreement_version.agreement_id for s in selectors.waiting_for(request.user)]
    return list(selectors.agreements_visible_to(user=request.user).filter(pk__in=ids))


# --- Agreements -----------------------------------------------------------------------------------


@router.get("/", response=list[AgreementListOut])
@paginate(Page)
def list_agreements(request: HttpRequest, filters: Query[ListFilters]) -> QuerySet[Agreement]:
    """Agreements the caller may see (a partner user: those their organisation is party to), filtered."""
    return selectors.agreements_visible_to(
        user=request.user, filters=selectors.AgreementFilters(**filters.dict())
    )


@router.post("/", response={201: AgreementOut})
def create_agreement(request: HttpRequest, body: AgreementIn) -> Status[Any]:
    """Record a draft agreement; with `advice`, the advisor's answer and rule version are recorded."""
    _require_staff(request)
    instrument = get_object_or_404(InstrumentType, code=body.instrument)
    office = get_object_or_404(Office, code=body.owning_office)
    partners = list(Partner.objects.filter(pk__in=body.partner_ids).select_related("primary_category"))
    if len(partners) != len(set(body.partner_ids)):
        raise Http404
    by_id = {p.pk: p for p in partners}
    chain = None
    if body.clearance_chain:
        from partnerhub.agreements.models import ClearanceChain

        chain = get_object_or_404(ClearanceChain, code=body.clearance_chain, is_active=True)
    advice = None
    if body.advice is not None:
        advice = selectors.advise(
            category=body.advice.category,
            purpose=body.advice.purpose,
            funds_flow=body.advice.funds_flow,
            amount=body.advice.amount,
        )
    agreement = services.agreement_create(
        actor=request.user,
        instrument=instrument,
        purpose=body.purpose,
        owning_office=office,
        responsible=_user(body.responsible_id) if body.responsible_id else request.user,
        partners=[by_id[pk] for pk in dict.fromkeys(body.partner_ids)],
        data={
            "title": body.title,
            "summary": body.summary,
            "start_date": body.start_date,
            "end_date": body.end_date,
            "value": body.value,
            "currency": body.currency,
        },
        clearance_chain=chain,
        advice=advice,
    )
    return Status(201, _agreement(request, agreement.pk))


@router.get("/{pk}", response=AgreementOut)
def read_agreement(request: HttpRequest, pk: int) -> Agreement:
    """Parties, versions with their clearance steps, who holds the ball and what the caller may do."""
    return _agreement(request, pk)


@router.put("/{pk}/parties", response=AgreementOut)
def set_parties(request: HttpRequest, pk: int, body: PartiesIn) -> Agreement:
    """Replace the parties of a draft agreement."""
    agreement = _agreement(request, pk)
    partners = {p.pk: p for p in Partner.objects.filter(pk__in=body.partner_ids)}
    if len(partners) != len(set(body.partner_ids)):
        raise Http404
    services.parties_set(
        actor=request.user,
        agreement=agreement,
        partners=[partners[i] for i in dict.fromkeys(body.partner_ids)],
    )
    return _agreement(request, pk)


@router.patch("/{pk}/versions/{number}", response=VersionOut)
def update_version(request: HttpRequest, pk: int, number: int, body: VersionIn) -> AgreementVersion:
    """Edit a draft version (the original while a draft, or an open amendment)."""
    version = selectors.version_get_for(user=request.user, agreement_pk=pk, number=number)
    data = body.dict(exclude_unset=True)
    expected = data.pop("version")
    return services.version_update(actor=request.user, version=version, expected_version=expected, data=data)


@router.get("/{pk}/versions", response=list[VersionOut])
def list_versions(request: HttpRequest, pk: int) -> list[AgreementVersion]:
    return selectors.versions_of(_agreement(request, pk))


@router.get("/{pk}/versions/{older}/diff/{newer}", response=list[ChangeOut])
def diff_versions(request: HttpRequest, pk: int, older: int, newer: int) -> list[Any]:
    """The amendable fields that differ between two versions."""
    a = selectors.version_get_for(user=request.user, agreement_pk=pk, number=older)
    b = selectors.version_get_for(user=request.user, agreement_pk=pk, number=newer)
    return list(selectors.version_diff(a, b))


def _transition(request: HttpRequest, pk: int, fn: Any, **kwargs: Any) -> Agreement:
    agreement = _agreement(request, pk)
    fn(actor=request.user, agreement=agreement, **kwargs)
    return _agreement(request, pk)


@router.post("/{pk}/submit", response=AgreementOut)
def submit(request: HttpRequest, pk: int, body: LockIn) -> Agreement:
    return _transition(request, pk, services.agreement_submit_for_clearance, expected_version=body.version)


@router.post("/{pk}/clearance/{step_id}/approve", response=AgreementOut)
def approve_step(request: HttpRequest, pk: int, step_id: int, body: DecisionIn) -> Agreement:
    agreement = _agreement(request, pk)
    step = get_object_or_404(ClearanceStep, pk=step_id, agreement_version__agreement=agreement)
    services.clearance_approve(
        actor=request.user, step=step, comments=body.comments, expected_version=body.version
    )
    return _agreement(request, pk)


@router.post("/{pk}/clearance/{step_id}/return", response=AgreementOut)
def return_step(request: HttpRequest, pk: int, step_id: int, body: DecisionIn) -> Agreement:
    agreement = _agreement(request, pk)
    step = get_object_or_404(ClearanceStep, pk=step_id, agreement_version__agreement=agreement)
    services.clearance_return(
        actor=request.user, step=step, comments=body.comments, expected_version=body.version
    )
    return _agreement(request, pk)


@router.post("/{pk}/sign", response=AgreementOut)
def sign(request: HttpRequest, pk: int, body: SignIn) -> Agreement:
    return _transition(
        request, pk, services.agreement_sign, signatory=_user(body.signatory_id), signed_on=body.signed_on
    )


@router.post("/{pk}/activate", response=AgreementOut)
def activate(request: HttpRequest, pk: int) -> Agreement:
    return _transition(request, pk, services.agreement_activate)


@router.post("/{pk}/terminate", response=AgreementOut)
def terminate(request: HttpRequest, pk: int, body: TerminateIn) -> Agreement:
    return _transition(request, pk, services.agreement_terminate, reason=body.reason, on=body.on)


@router.post("/{pk}/close", response=AgreementOut)
def close(request: HttpRequest, pk: int, body: LockIn) -> Agreement:
    return _transition(request, pk, services.agreement_close, expected_version=body.version)


@router.post("/{pk}/assessment", response=AgreementOut)
def record_assessment(request: HttpRequest, pk: int, body: AssessmentIn) -> Agreement:
    """PLGU records that the end-of-agreement assessment was received."""
    return _transition(
        request, pk, services.assessment_record_received, received_on=body.received_on, note=body.note
    )


@router.post("/{pk}/amendments", response={201: VersionOut})
def start_amendment(request: HttpRequest, pk: int, body: ReasonIn) -> Status[Any]:
    """Start an amendment: a new draft version with its own clearance."""
    agreement = _agreement(request, pk)
    return Status(201, services.amendment_start(actor=request.user, agreement=agreement, reason=body.reason))


@router.post("/{pk}/amendments/submit", response=AgreementOut)
def submit_amendment(request: HttpRequest, pk: int) -> Agreement:
    return _transition(request, pk, services.amendment_submit)


@router.post("/{pk}/amendments/sign", response=AgreementOut)
def sign_amendment(request: HttpRequest, pk: int, body: SignIn) -> Agreement:
    return _transition(
        request, pk, services.amendment_sign, signatory=_user(body.signatory_id), signed_on=body.signed_on
    )


@router.post("/{pk}/amendments/abandon", response=AgreementOut)
def abandon_amendment(request: HttpRequest, pk: int, body: ReasonIn) -> Agreement:
    return _transition(request, pk, services.amendment_abandon, reason=body.reason)


@router.get("/{pk}/documents", response=list[DocumentOut])
def list_documents(request: HttpRequest, pk: int) -> list[Any]:
    """Documents of the agreement (partner users: signed copies only); download them from the page URL."""
    return list(selectors.documents_for(request.user, _agreement(request, pk)))


@router.post("/{pk}/letters", response={201: LetterOut})
def generate_letter(request: HttpRequest, pk: int, body: LetterIn) -> Status[Any]:
    """Fill the instrument's DOCX template in a language and keep the letter as two documents: the DOCX
    (the response) and a PDF of the same text (`pdf`; null where the server cannot make PDFs)."""
    agreement = _agreement(request, pk)
    letter = services.letter_generate_documents(
        actor=request.user, agreement=agreement, language=body.language
    )
    return Status(
        201,
        LetterOut(
            **DocumentOut.from_orm(letter.docx).model_dump(),
            pdf=DocumentOut.from_orm(letter.pdf) if letter.pdf is not None else None,
        ),
    )


# --- Results --------------------------------------------------------------------------------------


@router.get("/{pk}/results", response=list[ObjectiveOut])
def results(request: HttpRequest, pk: int) -> list[Objective]:
    """Objectives → outputs → indicators with baseline, target, actual and SDG 11 / NUA tags."""
    agreement = _agreement(request, pk)
    return list(agreement.objectives.prefetch_related("outputs__indicators__tags"))


@router.post("/{pk}/results/objectives", response={201: ObjectiveOut})
def add_objective(request: HttpRequest, pk: int, body: TextIn) -> Status[Any]:
    agreement = _agreement(request, pk)
    return Status(201, services.objective_add(actor=request.user, agreement=agreement, text=body.text))


@router.post("/{pk}/results/objectives/{objective_id}/outputs", response={201: OutputOut})
def add_output(request: HttpRequest, pk: int, objective_id: int, body: TextIn) -> Status[Any]:
    agreement = _agreement(request, pk)
    objective = get_object_or_404(Objective, pk=objective_id, agreement=agreement)
    return Status(201, services.output_add(actor=request.user, objective=objective, text=body.text))


@router.post("/{pk}/results/outputs/{output_id}/indicators", response={201: IndicatorOut})
def add_indicator(request: HttpRequest, pk: int, output_id: int, body: IndicatorIn) -> Status[Any]:
    agreement = _agreement(request, pk)
    output = get_object_or_404(Output, pk=output_id, objective__agreement=agreement)
    return Status(
        201,
        services.indicator_add(
            actor=request.user,
            output=output,
            text=body.text,
            unit=body.unit,
            baseline=body.baseline,
            target=body.target,
            tags=body.tags,
        ),
    )


@router.patch("/{pk}/results/indicators/{indicator_id}", response=IndicatorOut)
def update_indicator(request: HttpRequest, pk: int, indicator_id: int, body: IndicatorUpdateIn) -> Indicator:
    agreement = _agreement(request, pk)
    indicator = get_object_or_404(Indicator, pk=indicator_id, output__objective__agreement=agreement)
    data = body.dict(exclude_unset=True)
    expected = data.pop("version", None)
    return services.indicator_update(
        actor=request.user, indicator=indicator, data=data, expected_version=expected
    )
