"""The case workflow through its services: each move, each refusal (and nothing changed), the audit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from partnerhub.core.errors import ConcurrentEdit, IllegalTransition, NotAllowed, ValidationFailed
from partnerhub.core.models import AuditLog
from partnerhub.diligence import services
from partnerhub.diligence.models import DiligenceCase
from partnerhub.diligence.tests.factories import (
    answer,
    approved,
    fresh,
    make_partner,
    open_case,
    submitted,
    under_review,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def partner(plgu_officer):
    return make_partner(plgu_officer)


@pytest.fixture
def second_plgu(make_user):
    return make_user("staff", "plgu", email="plgu.second@example.org", office_code="plgu")


def snapshot(case):
    row = fresh(case)
    return (
        row.status,
        row.version,
        row.decision,
        row.plgu_signed_by_id,
        row.legal_signed_by_id,
        AuditLog.objects.count(),
    )


def actions(case):
    return list(
        AuditLog.objects.filter(target_id=str(case.pk), action__startswith="diligence.case.")
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_any_staff_member_opens_a_draft_with_a_blank_answer_per_criterion_and_area(staff_member, partner):
    case = open_case(staff_member, partner, engagement="agreement_with_funds", amount=60_000)

    assert (case.status, case.requester, case.proposed_depth, case.depth) == (
        "draft",
        staff_member,
        "standard",
        "standard",
    )
    assert case.exclusion_answers.count() == 7
    assert set(case.exclusion_answers.values_list("answer", flat=True)) == {""}
    assert case.risk_answers.count() == 9
    assert actions(case) == ["diligence.case.open"]


def test_partner_users_cannot_open_cases(partner_user, partner):
    with pytest.raises(NotAllowed):
        open_case(partner_user, partner)
    assert not DiligenceCase.objects.exists()


def test_only_one_open_case_per_partner(staff_member, partner):
    open_case(staff_member, partner)
    with pytest.raises(ValidationFailed):
        open_case(staff_member, partner)
    assert DiligenceCase.objects.count() == 1


def test_the_depth_may_be_raised_with_a_reason_but_not_lowered(staff_member, partner):
    with pytest.raises(ValidationFailed) as lowered:
        open_case(staff_member, partner, engagement="emblem_use", depth="basic")
    assert "depth" in lowered.value.errors
    with pytest.raises(ValidationFailed) as unexplained:
        open_case(staff_member, partner, depth="enhanced")
    assert "depth_reason" in unexplained.value.errors
    case = open_case(staff_member, partner, depth="enhanced", depth_reason="Large public exposure")
    assert (case.proposed_depth, case.depth) == ("standard", "enhanced")


def test_an_incomplete_draft_cannot_be_submitted(staff_member, partner):
    case = open_case(staff_member, partner)
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as refusal:
        services.case_submit(actor=staff_member, case=case, expected_version=case.version)
    assert set(refusal.value.errors) >= {"exclusions", "risks"}
    assert snapshot(case) == before


def test_a_simple_case_is_approved_with_validity_from_its_rating(staff_member, plgu_officer, partner):
    case = approved(staff_member, plgu_officer, partner)

    assert (case.status, case.decision, case.rating, case.is_complex) == ("decided", "approved", "low", False)
    today = timezone.localdate()
    assert case.valid_until == (today.replace(year=today.year + 2) - dt.timedelta(days=1))
    assert actions(case) == [
        "diligence.case.open",
        "diligence.case.answer_exclusions",
        "diligence.case.answer_risks",
        "diligence.case.update",
        "diligence.case.submit",
        "diligence.case.start_review",
        "diligence.case.decide",
    ]


def test_the_requester_cannot_review_or_decide_their_own_case(plgu_officer, second_plgu, partner):
    case = submitted(plgu_officer, partner)
    before = snapshot(case)
    with pytest.raises(NotAllowed):
        services.case_start_review(actor=plgu_officer, case=case, expected_version=case.version)
    assert snapshot(case) == before
    case = services.case_start_review(actor=second_plgu, case=case, expected_version=case.version)
    with pytest.raises(NotAllowed):
        services.case_decide(
            actor=plgu_officer, case=case, expected_version=case.version, decision="approved", reasons="x"
        )


def test_information_requested_goes_back_to_the_requester_and_returns(staff_member, plgu_officer, partner):
    case = under_review(staff_member, plgu_officer, partner)
    with pytest.raises(ValidationFailed):
        services.case_request_info(actor=plgu_officer, case=case, expected_version=case.version, note="")
    case = services.case_request_info(
        actor=plgu_officer, case=case, expected_version=case.version, note="Send the audited accounts."
    )
    assert (case.status, case.info_request) == ("info_requested", "Send the audited accounts.")
    case = services.case_update(
        actor=staff_member, case=case, expected_version=case.version, data={"governing_body": "Board of five"}
    )
    case = services.case_provide_info(
        actor=staff_member, case=case, expected_version=case.version, note="Attached."
    )
    assert case.status == "under_review"


def test_a_stale_version_is_refused_and_nothing_changes(staff_member, partner):
    case = open_case(staff_member, partner)
    stale = case.version
    services.case_update(
        actor=staff_member, case=case, expected_version=stale, data={"purpose": "Urban forum"}
    )
    before = snapshot(case)
    with pytest.raises(ConcurrentEdit):
        services.case_update(actor=staff_member, case=case, expected_version=stale, data={"purpose": "Other"})
    assert snapshot(case) == before


@pytest.mark.parametrize(
    ("levels", "reason"),
    [
        ({"labour": "substantial"}, "rating"),
        ({"labour": "high"}, "rating"),
        ({"labour": "moderate", "environment": "moderate"}, "rating"),
    ],
)
def test_substantial_or_high_ratings_make_the_case_complex(
    staff_member, plgu_officer, partner, levels, reason
):
    case = under_review(staff_member, plgu_officer, partner, levels=levels)
    assert case.is_complex
    assert [r["reason"] for r in case.complex_reasons] == [reason]
    before = snapshot(case)
    with pytest.raises(IllegalTransition) as refusal:
        services.case_decide(
            actor=plgu_officer, case=case, expected_version=case.version, decision="approved", reasons="Fine"
        )
    assert "escalate" in refusal.value.message
    assert snapshot(case) == before


def test_an_unknown_exclusion_answer_makes_the_case_complex_and_blocks_approval(
    staff_member, plgu_officer, legal_officer, partner
):
    case = under_review(staff_member, plgu_officer, partner, exclusions={"tobacco": "unknown"})
    assert [r["reason"] for r in case.complex_reasons] == ["exclusion_unknown"]
    case = services.case_escalate(actor=plgu_officer, case=case, expected_version=case.version)
    case = services.case_sign_off(actor=plgu_officer, case=case, expected_version=case.version, role="plgu")
    case = services.case_sign_off(actor=legal_officer, case=case, expected_version=case.version, role="legal")
    before = snapshot(case)
    with pytest.raises(ValidationFailed) as refusal:
        services.case_decide(
            actor=legal_officer, case=case, expected_version=case.version, decision="approved", reasons="Fine"
        )
    assert "unknown" in refusal.value.errors["decision"][0]
    assert snapshot(case) == before


def test_an_exclusion_answered_yes_stops_the_case_it_can_only_be_rejected(
    staff_member, plgu_officer, partner
):
    case = under_review(staff_member, plgu_officer, partner, exclusions={"weapons": "yes"})
    before = snapshot(case)
    for decision in ("approved", "approved_with_conditions"):
        with pytest.raises(ValidationFailed):
            services.case_decide(
                actor=plgu_officer,
                case=case,
                expected_version=case.version,
                decision=decision,
                reasons="x",
                conditions="y",
            )
    assert snapshot(case) == before
    case = services.case_decide(
        actor=plgu_officer,
        case=case,
        expected_version=case.version,
        decision="rejected",
        reasons="Arms maker",
    )
    assert (case.status, case.decision, case.valid_until) == ("decided", "rejected", None)


def test_an_officer_override_makes_the_case_complex(staff_member, partner):
    case = open_case(staff_member, partner)
    with pytest.raises(ValidationFailed):
        services.case_update(
            actor=staff_member, case=case, expected_version=case.version, data={"override_complex": True}
        )
    case = services.case_update(
        actor=staff_member,
        case=case,
        expected_version=case.version,
        data={"override_complex": True, "override_reason": "Politically exposed"},
    )
    assert case.is_complex
    assert case.complex_reasons == [{"reason": "override", "note": "Politically exposed"}]


def test_a_complex_case_needs_both_sign_offs_by_two_different_people_neither_the_requester(
    staff_member, plgu_officer, legal_officer, make_user, partner
):
    both = make_user("staff", "plgu", "legal", email="both.roles@example.org", office_code="plgu")
    case = under_review(staff_member, plgu_officer, partner, levels={"financial": "high"})
    case = services.case_escalate(
        actor=plgu_officer, case=case, expected_version=case.version, note="High financial risk"
    )
    assert case.status == "escalated"

    with pytest.raises(NotAllowed):  # Legal cannot sign for PLGU
        services.case_sign_off(actor=legal_officer, case=case, expected_version=case.version, role="plgu")
    with pytest.raises(NotAllowed):  # the requester never signs
        services.case_sign_off(actor=staff_member, case=case, expected_version=case.version, role="plgu")
    case = services.case_sign_off(
        actor=both, case=case, expected_version=case.version, role="plgu", note="Agree"
    )
    before = snapshot(case)
    with pytest.raises(NotAllowed) as same_person:
        services.case_sign_off(actor=both, case=case, expected_version=case.version, role="legal")
    assert "two different people" in same_person.value.message
    with pytest.raises(IllegalTransition):  # one sign-off is not enough
        services.case_decide(
            actor=both, case=case, expected_version=case.version, decision="rejected", reasons="Too risky"
        )
    assert snapshot(case) == before

    case = services.case_sign_off(
        actor=legal_officer, case=case, expected_version=case.version, role="legal", note="Agree"
    )
    case = services.case_decide(
        actor=legal_officer,
        case=case,
        expected_version=case.version,
        decision="rejected",
        reasons="Too risky",
    )
    assert (case.status, case.decision, case.plgu_signed_by, case.legal_signed_by) == (
        "decided",
        "rejected",
        both,
        legal_officer,
    )
    assert actions(case)[-4:] == [
        "diligence.case.escalate",
        "diligence.case.sign_off",
        "diligence.case.sign_off",
        "diligence.case.decide",
    ]


def test_approval_with_conditions_needs_conditions_and_high_rating_lasts_six_months(
    staff_member, plgu_officer, legal_officer, partner
):
    case = under_review(staff_member, plgu_officer, partner, levels={"environment": "high"})
    case = services.case_escalate(actor=plgu_officer, case=case, expected_version=case.version)
    case = services.case_sign_off(actor=plgu_officer, case=case, expected_version=case.version, role="plgu")
    case = services.case_sign_off(actor=legal_officer, case=case, expected_version=case.version, role="legal")
    with pytest.raises(ValidationFailed) as refusal:
        services.case_decide(
            actor=plgu_officer,
            case=case,
            expected_version=case.version,
            decision="approved_with_conditions",
            reasons="ok",
        )
    assert "conditions" in refusal.value.errors
    case = services.case_decide(
        actor=plgu_officer,
        case=case,
        expected_version=case.version,
        decision="approved_with_conditions",
        reasons="Acceptable with monitoring",
        conditions="Quarterly environmental reports",
    )
    assert case.rating == "high"
    today = timezone.localdate()
    assert (case.valid_until - today).days in range(179, 186)


def test_mitigation_lowers_the_rating_and_is_explained(staff_member, partner):
    case = answer(open_case(staff_member, partner), staff_member, levels={"labour": "substantial"})
    assert case.rating == "substantial"
    services.mitigation_add(
        actor=staff_member,
        case=case,
        expected_version=case.version,
        text="Independent labour audit",
        area_code="labour",
    )
    case = fresh(case)
    assert case.rating == "moderate"
    assert [s["rule"] for s in case.rating_explanation] == ["worst_area", "mitigation", "result"]


def test_a_decided_case_cannot_be_withdrawn_and_withdrawal_needs_a_reason(
    staff_member, plgu_officer, partner
):
    case = open_case(staff_member, partner)
    with pytest.raises(ValidationFailed):
        services.case_withdraw(actor=staff_member, case=case, expected_version=case.version, reason=" ")
    case = services.case_withdraw(
        actor=staff_member, case=case, expected_version=case.version, reason="Partnership dropped"
    )
    assert case.status == "withdrawn"
    with pytest.raises(IllegalTransition):
        services.case_withdraw(actor=staff_member, case=case, expected_version=case.version, reason="again")


def test_evidence_is_checked_by_content_and_size(staff_member, partner, settings):
    case = open_case(staff_member, partner)
    pdf = services.attachment_add(
        actor=staff_member,
        case=case,
        section="identity",
        upload=SimpleUploadedFile("cert.exe", PDF, "application/x-msdownload"),
    )
    assert (pdf.content_type, pdf.original_name, pdf.size) == ("application/pdf", "cert.exe", len(PDF))
    assert "cert" not in pdf.file.name
    assert pdf.file.name.endswith(".bin")
    png = services.attachment_add(
        actor=staff_member, case=case, section="risks", upload=SimpleUploadedFile("a.pdf", PNG)
    )
    assert png.content_type == "image/png"
    with pytest.raises(ValidationFailed):
        services.attachment_add(
            actor=staff_member,
            case=case,
            section="identity",
            upload=SimpleUploadedFile("x.pdf", b"<html><script>", "application/pdf"),
        )
    settings.DILIGENCE_MAX_ATTACHMENT_BYTES = 10
    with pytest.raises(ValidationFailed):
        services.attachment_add(
            actor=staff_member, case=case, section="identity", upload=SimpleUploadedFile("big.pdf", PDF)
        )
    assert case.attachments.count() == 2


def test_other_staff_cannot_attach_evidence(staff_member, sgb_officer, partner):
    case = open_case(staff_member, partner)
    with pytest.raises(NotAllowed):
        services.attachment_add(
            actor=sgb_officer, case=case, section="identity", upload=SimpleUploadedFile("c.pdf", PDF)
        )
    assert case.attachments.count() == 0


def test_a_deeper_engagement_raises_the_depth_even_when_the_form_posts_the_old_one(staff_member, partner):
    case = open_case(staff_member, partner, engagement="mou_no_funds")
    assert case.depth == "standard"
    case = services.case_update(
        actor=staff_member,
        case=case,
        expected_version=case.version,
        data={"engagement": "emblem_use", "depth": "standard"},
    )
    assert (case.proposed_depth, case.depth) == ("enhanced", "enhanced")
