"""Helpers for the due-diligence tests (no tests here): partners, cases and the walk through the workflow."""

from __future__ import annotations

from typing import Any

from partnerhub.diligence import services
from partnerhub.diligence.models import DiligenceCase, ExclusionCriterion, RiskArea
from partnerhub.org.models import Office
from partnerhub.registry import services as registry
from partnerhub.registry.models import Country, Partner, StakeholderCategory


def make_partner(
    actor: Any, name: str = "Acme Construction Ltd", category: str = "private-sector", **extra: Any
) -> Partner:
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code=category),
        "owning_office": Office.objects.get(code=extra.pop("office", "plgu")),
        "country": Country.objects.get(pk="KE"),
        "identified_channel": "event",
        **extra,
    }
    return registry.partner_create(actor=actor, data=data)


def fresh(case: DiligenceCase) -> DiligenceCase:
    return DiligenceCase.objects.get(pk=case.pk)


def open_case(actor: Any, partner: Partner, **kwargs: Any) -> DiligenceCase:
    kwargs.setdefault("engagement", "mou_no_funds")
    return services.case_open(actor=actor, partner=partner, **kwargs)


def answer(
    case: DiligenceCase,
    actor: Any,
    *,
    levels: dict[str, str] | None = None,
    default_level: str = "low",
    exclusions: dict[str, str] | None = None,
) -> DiligenceCase:
    """Answer every criterion (no, unless given) and every area (default level, unless given)."""
    exclusions = exclusions or {}
    levels = levels or {}
    case = services.case_answer_exclusions(
        actor=actor,
        case=case,
        expected_version=fresh(case).version,
        answers={
            c.code: (exclusions.get(c.code, "no"), "")
            for c in ExclusionCriterion.objects.filter(is_active=True)
        },
    )
    case = services.case_answer_risks(
        actor=actor,
        case=case,
        expected_version=case.version,
        answers={
            a.code: {"level": levels.get(a.code, default_level)}
            for a in RiskArea.objects.filter(is_active=True)
        },
    )
    if case.depth != "basic":
        case = services.case_update(
            actor=actor,
            case=case,
            expected_version=case.version,
            data={"registration_certificate_expiry": "2030-01-01"},
        )
    return case


def submitted(requester: Any, partner: Partner, **kwargs: Any) -> DiligenceCase:
    levels = kwargs.pop("levels", None)
    exclusions = kwargs.pop("exclusions", None)
    case = answer(open_case(requester, partner, **kwargs), requester, levels=levels, exclusions=exclusions)
    return services.case_submit(actor=requester, case=case, expected_version=case.version)


def under_review(requester: Any, reviewer: Any, partner: Partner, **kwargs: Any) -> DiligenceCase:
    case = submitted(requester, partner, **kwargs)
    return services.case_start_review(actor=reviewer, case=case, expected_version=case.version)


def approved(requester: Any, reviewer: Any, partner: Partner, **kwargs: Any) -> DiligenceCase:
    case = under_review(requester, reviewer, partner, **kwargs)
    return services.case_decide(
        actor=reviewer,
        case=case,
        expected_version=case.version,
        decision="approved",
        reasons="Meets the standards.",
    )
