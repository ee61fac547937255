"""Demo due-diligence cases (`manage.py seed_demo`): on demo partners left under due diligence, one case in
each interesting state. Idempotent: nothing is done once any case exists."""

from __future__ import annotations

from typing import Any, TextIO

from partnerhub.core.context import acting_as, actor_for
from partnerhub.diligence import services
from partnerhub.diligence.models import DiligenceCase, ExclusionCriterion, RiskArea
from partnerhub.diligence.policy import is_required_for
from partnerhub.registry.models import Partner
from partnerhub.registry.states import PartnerStatus


def _users() -> dict[str, Any] | None:
    from partnerhub.accounts.models import User

    users = {u.email.split("@")[0]: u for u in User.objects.filter(email__endswith="@partnerhub.example")}
    return users if {"staff", "plgu", "legal"} <= set(users) else None


def _answer(case: DiligenceCase, actor: Any, levels: dict[str, str], note: str = "") -> DiligenceCase:
    case = services.case_answer_exclusions(
        actor=actor,
        case=case,
        expected_version=case.version,
        answers={c.code: ("no", "") for c in ExclusionCriterion.objects.filter(is_active=True)},
    )
    case = services.case_answer_risks(
        actor=actor,
        case=case,
        expected_version=case.version,
        answers={
            a.code: {"level": levels.get(a.code, "low"), "notes": note if a.code in levels else ""}
            for a in RiskArea.objects.filter(is_active=True)
        },
    )
    return services.case_update(
        actor=actor,
        case=case,
        expected_version=case.version,
        data={"registration_certificate_expiry": "2028-12-31", "governing_body": "Board of directors"},
    )


def seed_cases(out: TextIO) -> None:
    if DiligenceCase.objects.exists():
        out.write("Demo due-diligence cases: already there.\n")
        return
    users = _users()
    if users is None:
        out.write("Demo due-diligence cases: skipped (no demo users).\n")
        return
    staff, plgu = users["staff"], users["plgu"]
    candidates = [
        p
        for p in Partner.objects.filter(status=PartnerStatus.UNDER_DUE_DILIGENCE).select_related(
            "primary_category"
        )
        if is_required_for(p)
    ][:4]
    made = 0
    for index, partner in enumerate(candidates):
        with acting_as(actor_for(staff)):
            case = services.case_open(
                actor=staff, partner=partner, engagement="agreement_with_funds", amount=None
            )
            if index == 3:
                made += 1
                continue  # left as a draft
            levels = {"environment": "high"} if index == 1 else {}
            case = _answer(case, staff, levels, note="Pending clean-up order (2024).")
            case = services.case_submit(actor=staff, case=case, expected_version=case.version)
        if index == 2:
            made += 1
            continue  # waiting for PLGU
        with acting_as(actor_for(plgu)):
            case = services.case_start_review(actor=plgu, case=case, expected_version=case.version)
            if index == 0:
                case = services.case_decide(
                    actor=plgu,
                    case=case,
                    expected_version=case.version,
                    decision="approved",
                    reasons="Registered, no adverse findings, low risk in every area.",
                )
                from partnerhub.registry import services as registry

                registry.partner_change_status(
                    actor=plgu, partner=partner, status=PartnerStatus.ACTIVE, reason="demo data"
                )
            else:
                case = services.case_escalate(
                    actor=plgu, case=case, expected_version=case.version, note="High environmental risk"
                )
                services.case_sign_off(actor=plgu, case=case, expected_version=case.version, role="plgu")
        made += 1
    out.write(f"Demo due-diligence cases: {made}.\n")
