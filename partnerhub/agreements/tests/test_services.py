"""The agreement lifecycle through its services: every move, every guard, and "refused, nothing changed"."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from partnerhub.agreements import selectors, services
from partnerhub.agreements.models import (
    Agreement,
    AgreementVersion,
    AssessmentDue,
    ClearanceStep,
    Document,
    ReferenceSequence,
)
from partnerhub.agreements.tests.factories import (
    approve_all,
    delegate,
    fresh,
    make_agreement,
    make_partner,
    snapshot,
    today,
)
from partnerhub.core.errors import (
    ConcurrentEdit,
    DomainError,
    IllegalTransition,
    NotAllowed,
    ValidationFailed,
)
from partnerhub.core.models import AuditLog

pytestmark = pytest.mark.django_db


def actions_of(agreement: Agreement) -> list[str]:
    return list(
        AuditLog.objects.filter(target_id=str(agreement.pk), action__startswith="agreements.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def cleared(agreement: Agreement, staff: Any, approvers: list[Any]) -> Agreement:
    services.agreement_submit_for_clearance(actor=staff, agreement=agreement)
    approve_all(agreement, approvers)
    return fresh(agreement)


def signed(agreement: Agreement, staff: Any, approvers: list[Any], signatory: Any) -> Agreement:
    cleared(agreement, staff, approvers)
    return services.agreement_sign(actor=staff, agreement=agreement, signatory=signatory)


def active(agreement: Agreement, staff: Any, approvers: list[Any], signatory: Any) -> Agreement:
    signed(agreement, staff, approvers, signatory)
    return services.agreement_activate(actor=staff, agreement=agreement)


# --- Creation and reference numbers ---------------------------------------------------------------


def test_create_records_a_draft_with_version_one_and_a_sequenced_reference(staff_member, partner):
    first = make_agreement(staff_member, [partner])
    second = make_agreement(staff_member, [partner])
    elsewhere = make_agreement(staff_member, [partner], office="plgu")

    year = today().year
    assert first.reference == f"MOU/RO-LAC/{year}/001"
    assert second.reference == f"MOU/RO-LAC/{year}/002"
    assert elsewhere.reference == f"MOU/PLGU/{year}/001"
    assert first.status == "draft"
    assert first.current_version is not None
    assert (first.current_version.number, first.current_version.status) == (1, "draft")
    assert list(first.parties.values_list("partner_id", flat=True)) == [partner.pk]
    assert first.clearance_chain.code == "standard"  # from the seeded rule advising MoUs
    assert ReferenceSequence.objects.get(instrument_code="MOU", office_code="ro-lac", year=year).last == 2
    assert actions_of(first) == ["agreements.agreement.create"]


def test_create_records_the_advisor_answer_and_its_rule_version(staff_member, partner):
    advice = selectors.advise(
        category="civil-society", purpose="project", funds_flow="to_partner", amount=None
    )
    agreement = services.agreement_create(
        actor=staff_member,
        instrument=selectors.instruments().get(code="AOC"),
        purpose="project",
        owning_office=staff_member.office,
        responsible=staff_member,
        partners=[partner],
        data={
            "title": "Slum upgrading",
            "start_date": today(),
            "end_date": today(),
            "value": "1000",
            "currency": "usd",
        },
        advice=advice,
    )

    assert agreement.advice_rule_set_version == 1
    assert agreement.advice["rule"] == "Implementing partner with funds"
    assert agreement.clearance_chain.code == "funds-out"
    assert agreement.current_version.currency == "USD"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"code": "AOC"}, "value"),  # funds flow to the partner: a value is needed
        ({"end": dt.date(2000, 1, 1)}, "end_date"),
        ({"title": "  "}, "title"),
        ({"code": "AOC", "value": "10", "currency": "US"}, "currency"),
    ],
)
def test_create_refuses_invalid_drafts_and_writes_nothing(staff_member, partner, changes, field):
    before = (Agreement.objects.count(), AgreementVersion.objects.count(), ReferenceSequence.objects.count())

    with pytest.raises(ValidationFailed) as refusal:
        make_agreement(staff_member, [partner], **changes)

    assert field in refusal.value.errors
    assert (
        Agreement.objects.count(),
        AgreementVersion.objects.count(),
        ReferenceSequence.objects.count(),
    ) == before


def test_create_refuses_no_parties_and_duplicate_parties(staff_member, partner):
    with pytest.raises(ValidationFailed):
        make_agreement(staff_member, [])
    with pytest.raises(ValidationFailed):
        make_agreement(staff_member, [partner, partner])
    assert Agreement.objects.count() == 0


def test_multi_party_agreement_keeps_its_parties_in_order(staff_member):
    a = make_partner(staff_member, "City of Quito")
    b = make_partner(staff_member, "City of Lima")

    agreement = make_agreement(staff_member, [b, a])

    assert [p.partner.name for p in agreement.parties.select_related("partner")] == [
        "City of Lima",
        "City of Quito",
    ]


def test_partner_user_cannot_create(partner_user, partner, staff_member):
    with pytest.raises(NotAllowed):
        services.agreement_create(
            actor=partner_user,
            instrument=selectors.instruments().get(code="MOU"),
            purpose="framework",
            owning_office=staff_member.office,
            responsible=staff_member,
            partners=[partner],
            data={"title": "x", "start_date": today(), "end_date": today()},
        )


# --- Drafts ---------------------------------------------------------------------------------------


def test_draft_edit_by_owning_office_is_audited(draft, staff_member):
    version = draft.current_version

    services.version_update(
        actor=staff_member, version=version, expected_version=version.version, data={"title": "New"}
    )

    assert AgreementVersion.objects.get(pk=version.pk).title == "New"
    assert actions_of(draft)[-1] == "agreements.agreement.update"


def test_stale_draft_edit_is_refused_and_nothing_changed(draft, staff_member):
    version = draft.current_version
    services.version_update(
        actor=staff_member, version=version, expected_version=version.version, data={"title": "A"}
    )

    with pytest.raises(ConcurrentEdit):
        services.version_update(
            actor=staff_member, version=version, expected_version=version.version, data={"title": "B"}
        )

    assert AgreementVersion.objects.get(pk=version.pk).title == "A"


def test_other_office_cannot_edit_or_submit_the_draft(draft, focal_point):
    before = snapshot(draft)

    with pytest.raises(NotAllowed):
        services.version_update(
            actor=focal_point, version=draft.current_version, expected_version=None, data={"title": "x"}
        )
    with pytest.raises(NotAllowed):
        services.agreement_submit_for_clearance(actor=focal_point, agreement=draft)

    assert snapshot(draft) == before


# --- Clearance ------------------------------------------------------------------------------------


def test_submit_creates_the_chain_steps_and_mails_the_first_approver(
    draft, staff_member, plgu_officer, legal_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)

    agreement = fresh(draft)
    version = agreement.current_version
    steps = selectors.steps_of_round(version)
    assert (agreement.status, version.status, version.clearance_round) == ("in_clearance", "in_clearance", 1)
    assert [(s.order, s.role, s.decision) for s in steps] == [(1, "plgu", "pending"), (2, "legal", "pending")]
    assert selectors.current_step(version) == steps[0]
    assert [m.to for m in mail.outbox] == [[plgu_officer.email]]
    assert agreement.reference in mail.outbox[0].subject
    assert actions_of(agreement)[-1] == "agreements.agreement.submit"


def test_only_the_approver_of_the_current_step_may_decide(draft, staff_member, plgu_officer, legal_officer):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    steps = selectors.steps_of_round(fresh(draft).current_version)
    before = snapshot(draft)

    for actor, step in [(legal_officer, steps[0]), (legal_officer, steps[1]), (staff_member, steps[0])]:
        with pytest.raises(NotAllowed):
            services.clearance_approve(actor=actor, step=step)
        with pytest.raises(NotAllowed):
            services.clearance_return(actor=actor, step=step, comments="No")

    assert snapshot(draft) == before


def test_approvals_in_order_clear_the_agreement_and_notify_each_next_approver(
    draft, staff_member, plgu_officer, legal_officer, django_capture_on_commit_callbacks
):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    version = fresh(draft).current_version

    with django_capture_on_commit_callbacks(execute=True):
        services.clearance_approve(actor=plgu_officer, step=selectors.current_step(version), comments="Fine")
    assert [m.to for m in mail.outbox] == [[legal_officer.email]]
    assert [s.pk for s in selectors.waiting_for(legal_officer)] == [selectors.current_step(version).pk]
    assert selectors.waiting_for(plgu_officer) == []

    with django_capture_on_commit_callbacks(execute=True):
        services.clearance_approve(actor=legal_officer, step=selectors.current_step(version))

    agreement = fresh(draft)
    assert (agreement.status, agreement.current_version.status) == ("cleared", "cleared")
    assert mail.outbox[-1].to == [staff_member.email]
    assert actions_of(agreement)[-3:] == [
        "agreements.clearance.approve",
        "agreements.clearance.approve",
        "agreements.agreement.clear",
    ]


def test_a_return_sends_the_agreement_back_to_draft_keeping_the_comments(
    draft, staff_member, plgu_officer, legal_officer, django_capture_on_commit_callbacks
):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    version = fresh(draft).current_version
    services.clearance_approve(actor=plgu_officer, step=selectors.current_step(version))

    with django_capture_on_commit_callbacks(execute=True):
        services.clearance_return(
            actor=legal_officer, step=selectors.current_step(version), comments="Add the PSEA clause."
        )

    agreement = fresh(draft)
    assert (agreement.status, agreement.current_version.status) == ("draft", "draft")
    assert selectors.current_step(agreement.current_version) is None
    returned = ClearanceStep.objects.get(agreement_version=version, round=1, order=2)
    assert (returned.decision, returned.comments, returned.decided_by) == (
        "returned",
        "Add the PSEA clause.",
        legal_officer,
    )
    assert mail.outbox[-1].to == [staff_member.email]
    assert "Add the PSEA clause." in mail.outbox[-1].body

    # Resubmitting starts a new round; the first round stays for the record.
    services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)
    version = fresh(draft).current_version
    assert version.clearance_round == 2
    assert ClearanceStep.objects.filter(agreement_version=version).count() == 4
    assert [s.decision for s in selectors.steps_of_round(version)] == ["pending", "pending"]


def test_a_return_needs_comments_and_changes_nothing_without_them(draft, staff_member, plgu_officer):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    before = snapshot(draft)

    with pytest.raises(ValidationFailed):
        services.clearance_return(
            actor=plgu_officer, step=selectors.current_step(fresh(draft).current_version), comments=" "
        )

    assert snapshot(draft) == before


def test_a_decided_step_cannot_be_decided_again(draft, staff_member, plgu_officer):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    step = selectors.current_step(fresh(draft).current_version)
    services.clearance_approve(actor=plgu_officer, step=step)
    before = snapshot(draft)

    with pytest.raises(NotAllowed):
        services.clearance_approve(actor=plgu_officer, step=step)

    assert snapshot(draft) == before


def test_submitting_twice_is_an_illegal_move_and_changes_nothing(draft, staff_member):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    before = snapshot(draft)

    with pytest.raises(IllegalTransition) as refusal:
        services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)

    assert "In clearance" in refusal.value.message
    assert snapshot(draft) == before


# --- Due diligence before clearance ---------------------------------------------------------------


def test_clearance_needs_valid_due_diligence_where_the_category_requires_it(staff_member, plgu_officer):
    ngo = make_partner(staff_member, "Slum Dwellers Trust", category="civil-society")
    agreement = make_agreement(staff_member, [ngo])
    before = snapshot(agreement)

    with pytest.raises(DomainError) as refusal:
        services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)

    assert refusal.value.code == "diligence_required"
    assert "Slum Dwellers Trust has no valid due-diligence approval" in refusal.value.message
    assert snapshot(agreement) == before

    from partnerhub.diligence.tests.factories import approved

    approved(staff_member, plgu_officer, ngo)
    services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)
    assert fresh(agreement).status == "in_clearance"


def test_every_party_of_a_multi_party_agreement_is_checked(staff_member, partner):
    ngo = make_partner(staff_member, "Habitat Youth Network", category="civil-society")
    agreement = make_agreement(staff_member, [partner, ngo])

    with pytest.raises(DomainError) as refusal:
        services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)

    assert "Habitat Youth Network" in refusal.value.message
    assert "City of Nakuru" not in refusal.value.message


def test_without_the_diligence_app_no_category_requires_it(staff_member, monkeypatch):
    from partnerhub.agreements import guards

    ngo = make_partner(staff_member, "Slum Dwellers Trust", category="civil-society")
    agreement = make_agreement(staff_member, [ngo])
    monkeypatch.setattr(guards, "diligence_available", lambda: False)

    services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)

    assert fresh(agreement).status == "in_clearance"


# --- Signature and delegations of authority -------------------------------------------------------


def test_signing_records_the_signatory_and_the_delegation_used(draft, staff_member, approvers, signatory):
    cleared(draft, staff_member, approvers)

    services.agreement_sign(actor=staff_member, agreement=draft, signatory=signatory)

    agreement = fresh(draft)
    version = agreement.current_version
    assert agreement.status == "signed"
    assert (version.status, version.signatory, version.signed_on) == ("in_force", signatory, today())
    assert version.delegation is not None
    assert version.delegation.delegate == signatory
    assert actions_of(agreement)[-1] == "agreements.agreement.sign"


def test_signing_before_clearance_is_refused_and_changes_nothing(draft, staff_member, signatory):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    before = snapshot(draft)

    with pytest.raises(IllegalTransition):
        services.agreement_sign(actor=staff_member, agreement=draft, signatory=signatory)

    assert snapshot(draft) == before


@pytest.mark.parametrize(
    ("delegation", "reason"),
    [
        (None, "holds no delegation of authority"),
        ({"codes": ("AOC",)}, "holds no delegation"),  # another instrument
        ({"valid_to": -1}, "holds no delegation"),  # ended yesterday
        ({"valid_from": 1}, "holds no delegation"),  # starts tomorrow
        ({"revoked": True}, "holds no delegation"),
    ],
)
def test_signing_needs_a_delegation_for_the_instrument_on_that_date(
    draft, staff_member, approvers, legal_officer, make_user, delegation, reason
):
    person = make_user("staff", email="someone@example.org", office_code="ro-lac")
    if delegation is not None:
        day = today()
        granted = delegate(
            legal_officer,
            person,
            *delegation.get("codes", ("MOU",)),
            valid_from=day + dt.timedelta(days=delegation.get("valid_from", -30)),
            valid_to=day + dt.timedelta(days=delegation["valid_to"]) if "valid_to" in delegation else None,
        )
        if delegation.get("revoked"):
            services.delegation_revoke(actor=legal_officer, delegation=granted)
    cleared(draft, staff_member, approvers)
    before = snapshot(draft)

    with pytest.raises(DomainError) as refusal:
        services.agreement_sign(actor=staff_member, agreement=draft, signatory=person)

    assert refusal.value.code == "no_delegation"
    assert reason in refusal.value.message
    assert snapshot(draft) == before


def test_signing_an_aoc_above_the_delegated_amount_is_refused(staff_member, partner, approvers, signatory):
    agreement = make_agreement(
        staff_member, [partner], code="AOC", purpose="project", value="600000", currency="USD"
    )
    cleared(agreement, staff_member, approvers)
    before = snapshot(agreement)

    with pytest.raises(DomainError) as refusal:
        services.agreement_sign(actor=staff_member, agreement=agreement, signatory=signatory)

    assert "600,000.00 USD" in refusal.value.message
    assert snapshot(agreement) == before


def test_a_limit_in_one_currency_does_not_cover_an_amount_in_another(
    staff_member, partner, approvers, signatory, legal_officer
):
    # The signatory's limit is USD 500,000; no exchange rates are held, so EUR 50,000 is not "below" it.
    agreement = make_agreement(
        staff_member, [partner], code="AOC", purpose="project", value="50000", currency="EUR"
    )
    cleared(agreement, staff_member, approvers)
    before = snapshot(agreement)

    with pytest.raises(DomainError) as refusal:
        services.agreement_sign(actor=staff_member, agreement=agreement, signatory=signatory)

    assert refusal.value.code == "no_delegation"
    assert "50,000.00 EUR" in refusal.value.message
    assert snapshot(agreement) == before

    services.delegation_create(
        actor=legal_officer,
        delegate=signatory,
        instruments=[agreement.instrument],
        max_amount=Decimal("100000"),
        currency="EUR",
        valid_from=today() - dt.timedelta(days=1),
        valid_to=None,
    )
    services.agreement_sign(actor=staff_member, agreement=agreement, signatory=signatory)
    assert fresh(agreement).current_version.delegation.currency == "EUR"


def test_signing_date_cannot_be_in_the_future(draft, staff_member, approvers, signatory):
    cleared(draft, staff_member, approvers)

    with pytest.raises(ValidationFailed):
        services.agreement_sign(
            actor=staff_member, agreement=draft, signatory=signatory, signed_on=today() + dt.timedelta(days=1)
        )
    assert fresh(draft).status == "cleared"


def test_only_legal_records_delegations(staff_member, signatory):
    with pytest.raises(NotAllowed):
        delegate(staff_member, signatory, "MOU")


# --- Activation, termination, closure -------------------------------------------------------------


def test_activation_waits_for_the_start_date(staff_member, partner, approvers, signatory):
    agreement = make_agreement(staff_member, [partner], start=today() + dt.timedelta(days=10))
    signed(agreement, staff_member, approvers, signatory)
    before = snapshot(agreement)

    with pytest.raises(DomainError) as refusal:
        services.agreement_activate(actor=staff_member, agreement=agreement)

    assert refusal.value.code == "not_started"
    assert snapshot(agreement) == before
    services.agreement_activate(
        actor=staff_member, agreement=agreement, today=today() + dt.timedelta(days=10)
    )
    assert fresh(agreement).status == "active"


def test_termination_needs_a_reason_and_makes_the_assessment_due(draft, staff_member, approvers, signatory):
    active(draft, staff_member, approvers, signatory)
    before = snapshot(draft)
    with pytest.raises(ValidationFailed):
        services.agreement_terminate(actor=staff_member, agreement=draft, reason="")
    assert snapshot(draft) == before

    services.agreement_terminate(actor=staff_member, agreement=draft, reason="The partner dissolved.")

    agreement = fresh(draft)
    assert (agreement.status, agreement.terminated_on, agreement.termination_reason) == (
        "terminated",
        today(),
        "The partner dissolved.",
    )
    assert AssessmentDue.objects.get(agreement=agreement).status == "due"


def test_closing_without_the_assessment_is_refused_with_the_blocker(
    draft, staff_member, approvers, signatory, plgu_officer
):
    active(draft, staff_member, approvers, signatory)
    services.agreement_terminate(actor=staff_member, agreement=draft, reason="Ended early.")
    before = snapshot(draft)

    with pytest.raises(DomainError) as refusal:
        services.agreement_close(actor=staff_member, agreement=draft)

    assert refusal.value.code == "assessment_missing"
    assert "end-of-agreement assessment has not been received" in refusal.value.message
    assert snapshot(draft) == before

    with pytest.raises(NotAllowed):
        services.assessment_record_received(actor=staff_member, agreement=draft)
    services.assessment_record_received(
        actor=plgu_officer, agreement=draft, note="Two pages, received by e-mail."
    )
    services.agreement_close(actor=staff_member, agreement=draft)
    assert fresh(draft).status == "closed"


def test_an_instrument_without_assessment_closes_directly(
    staff_member, partner, approvers, legal_officer, make_user
):
    oed = make_user("staff", "oed", email="ed@example.org", office_code="oed")
    delegate(legal_officer, oed, "CA")
    agreement = make_agreement(
        staff_member, [partner], code="CA", purpose="contribution", value="1000", currency="EUR"
    )
    services.agreement_submit_for_clearance(actor=staff_member, agreement=agreement)
    approve_all(agreement, [*approvers, oed])
    services.agreement_sign(actor=staff_member, agreement=agreement, signatory=oed)
    services.agreement_activate(actor=staff_member, agreement=agreement)
    services.agreement_terminate(actor=staff_member, agreement=agreement, reason="Donor withdrew.")

    services.agreement_close(actor=staff_member, agreement=agreement)

    assert fresh(agreement).status == "closed"
    assert not AssessmentDue.objects.filter(agreement=agreement).exists()


# --- Amendments -----------------------------------------------------------------------------------


def test_an_amendment_is_a_new_version_with_its_own_clearance_and_a_diff(
    draft, staff_member, approvers, signatory, legal_officer
):
    agreement = active(draft, staff_member, approvers, signatory)
    original = agreement.current_version

    amendment = services.amendment_start(actor=staff_member, agreement=agreement, reason="Extend by a year.")
    assert (amendment.number, amendment.status, amendment.end_date) == (2, "draft", original.end_date)
    new_end = original.end_date + dt.timedelta(days=365)
    services.version_update(
        actor=staff_member, version=amendment, expected_version=None, data={"end_date": new_end}
    )
    services.amendment_submit(actor=staff_member, agreement=agreement)
    step = selectors.current_step(AgreementVersion.objects.get(pk=amendment.pk))
    assert step.role == "plgu"
    approve_all(agreement, approvers)
    assert fresh(agreement).status == "active"  # the agreement stays in force while the amendment is cleared

    services.amendment_sign(actor=staff_member, agreement=agreement, signatory=signatory)

    agreement = fresh(agreement)
    assert agreement.current_version_id == amendment.pk
    assert agreement.status == "active"
    assert list(agreement.versions.values_list("number", "status")) == [(1, "superseded"), (2, "in_force")]
    diff = selectors.version_diff(AgreementVersion.objects.get(pk=original.pk), agreement.current_version)
    assert [(c.field, c.before, c.after) for c in diff] == [("end_date", original.end_date, new_end)]
    assert "agreements.amendment.sign" in actions_of(agreement)


def test_a_returned_amendment_goes_back_to_draft_but_the_agreement_stays_active(
    draft, staff_member, approvers, signatory, plgu_officer
):
    agreement = active(draft, staff_member, approvers, signatory)
    amendment = services.amendment_start(actor=staff_member, agreement=agreement, reason="More funds.")
    services.amendment_submit(actor=staff_member, agreement=agreement)

    services.clearance_return(
        actor=plgu_officer, step=selectors.current_step(fresh_version(amendment)), comments="Why?"
    )

    assert fresh_version(amendment).status == "draft"
    assert fresh(agreement).status == "active"


def fresh_version(version: AgreementVersion) -> AgreementVersion:
    return AgreementVersion.objects.get(pk=version.pk)


def test_abandoning_an_amendment_keeps_it_and_the_text_in_force(draft, staff_member, approvers, signatory):
    agreement = active(draft, staff_member, approvers, signatory)
    amendment = services.amendment_start(actor=staff_member, agreement=agreement, reason="Change title.")
    services.version_update(
        actor=staff_member, version=amendment, expected_version=None, data={"title": "Other"}
    )
    services.amendment_submit(actor=staff_member, agreement=agreement)

    services.amendment_abandon(actor=staff_member, agreement=agreement, reason="Not needed after all.")

    kept = fresh_version(amendment)
    assert (kept.status, kept.title) == ("abandoned", "Other")
    assert kept.clearance_steps.count() == 2
    agreement = fresh(agreement)
    assert agreement.current_version.number == 1
    assert agreement.current_version.title == "Cooperation on urban planning"
    # Another amendment can start; numbers are never reused.
    assert services.amendment_start(actor=staff_member, agreement=agreement, reason="Again").number == 3


@pytest.mark.parametrize("status", ["draft", "in_clearance", "cleared"])
def test_only_a_signed_or_active_agreement_can_be_amended(draft, staff_member, approvers, status):
    if status != "draft":
        services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    if status == "cleared":
        approve_all(draft, approvers)
    before = snapshot(draft)

    with pytest.raises(IllegalTransition):
        services.amendment_start(actor=staff_member, agreement=draft, reason="x")

    assert snapshot(draft) == before


def test_a_second_amendment_cannot_start_while_one_is_open(draft, staff_member, approvers, signatory):
    agreement = active(draft, staff_member, approvers, signatory)
    services.amendment_start(actor=staff_member, agreement=agreement, reason="One")
    before = snapshot(agreement)

    with pytest.raises(IllegalTransition) as refusal:
        services.amendment_start(actor=staff_member, agreement=agreement, reason="Two")

    assert "already open" in refusal.value.message
    assert snapshot(agreement) == before


def test_termination_is_refused_while_an_amendment_is_open(draft, staff_member, approvers, signatory):
    agreement = active(draft, staff_member, approvers, signatory)
    services.amendment_start(actor=staff_member, agreement=agreement, reason="One")
    before = snapshot(agreement)

    with pytest.raises(DomainError) as refusal:
        services.agreement_terminate(actor=staff_member, agreement=agreement, reason="x")

    assert refusal.value.code == "amendment_open"
    assert snapshot(agreement) == before


# --- Results, documents, rule sets ----------------------------------------------------------------


def test_results_framework_with_sdg_and_nua_tags(draft, staff_member, focal_point):
    objective = services.objective_add(actor=staff_member, agreement=draft, text="Inclusive planning")
    output = services.output_add(actor=staff_member, objective=objective, text="Five city plans")
    indicator = services.indicator_add(
        actor=staff_member,
        output=output,
        text="Plans adopted",
        unit="plans",
        baseline=0,
        target=5,
        tags=["11.3", "planning"],
    )

    services.indicator_update(actor=staff_member, indicator=indicator, data={"actual": "2"})

    indicator.refresh_from_db()
    assert indicator.actual == Decimal("2")
    assert sorted(indicator.tags.values_list("code", flat=True)) == ["11.3", "planning"]
    with pytest.raises(ValidationFailed):
        services.indicator_add(actor=staff_member, output=output, text="x", tags=["99.9"])
    with pytest.raises(NotAllowed):
        services.indicator_update(actor=focal_point, indicator=indicator, data={"actual": "3"})
    indicator.refresh_from_db()
    assert indicator.actual == Decimal("2")


def _pdf(name: str = "signed.pdf", body: bytes = b"%PDF-1.7\n%test\n") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, body, content_type="application/pdf")


def test_documents_must_be_pdf_by_content_and_within_the_size_limit(draft, staff_member, settings):
    document = services.document_add(actor=staff_member, agreement=draft, kind="draft", upload=_pdf())
    assert (document.original_name, document.size, document.kind) == ("signed.pdf", 15, "draft")

    with pytest.raises(ValidationFailed):
        services.document_add(
            actor=staff_member, agreement=draft, kind="draft", upload=_pdf("x.pdf", b"MZ\x90\x00")
        )
    settings.AGREEMENT_DOCUMENT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed):
        services.document_add(actor=staff_member, agreement=draft, kind="draft", upload=_pdf())
    assert Document.objects.count() == 1


def test_publishing_a_rule_set_retires_the_previous_one(legal_officer, staff_member):
    from partnerhub.agreements.models import AdvisorRule, AdvisorRuleSet

    old = AdvisorRuleSet.objects.get(is_active=True)
    new = AdvisorRuleSet.objects.create(number=2)
    rule = old.rules.first()
    AdvisorRule.objects.create(
        rule_set=new,
        order=1,
        name="Everything is an MoU",
        instrument=rule.instrument,
        clearance_chain=rule.clearance_chain,
    )
    with pytest.raises(NotAllowed):
        services.rule_set_publish(actor=staff_member, rule_set=new)

    services.rule_set_publish(actor=legal_officer, rule_set=new)

    assert list(AdvisorRuleSet.objects.filter(is_active=True)) == [new]
    answer = selectors.advise(category="media", purpose="event", funds_flow="to_partner", amount=None)
    assert (answer.rule_set_version, answer.rule.name) == (2, "Everything is an MoU")
