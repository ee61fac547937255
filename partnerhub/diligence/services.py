"""Writes for due diligence: open a case, answer its sections, move it along its workflow, decide it.

Every service checks the permission predicates again, refuses illegal moves with a readable reason, takes
the case's version (optimistic locking) and audits what it did as `diligence.case.<verb>` on the case
(never on the partner: the partner's timeline is seen by all staff and cases are confidential).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.core.audit import audit
from partnerhub.core.errors import ConcurrentEdit, IllegalTransition, NotAllowed, ValidationFailed
from partnerhub.core.uploads import check_upload
from partnerhub.diligence import notify, permissions
from partnerhub.diligence.choices import (
    ADVERSE_MEDIA,
    DEPTH_SCALE,
    Engagement,
    ExclusionAnswerValue,
    Rating,
    Recency,
    Remediation,
    Section,
    SignOffRole,
    rating_index,
)
from partnerhub.diligence.models import (
    Attachment,
    DiligenceCase,
    DiligencePolicy,
    ExclusionAnswer,
    ExclusionCriterion,
    Mitigation,
    RiskAnswer,
    RiskArea,
)
from partnerhub.diligence.policy import propose_depth, requirement_for, rules_from, valid_until
from partnerhub.diligence.rating import AreaAnswer, rate
from partnerhub.diligence.states import APPROVALS, CASE_TRANSITIONS, OPEN_STATUSES, CaseStatus, Decision
from partnerhub.registry.models import Partner

log = logging.getLogger(__name__)

CASE_FIELDS = (
    "engagement",
    "purpose",
    "amount",
    "currency",
    "depth",
    "depth_reason",
    "registration_certificate_expiry",
    "governing_body",
    "beneficial_owners",
    "key_persons",
    "override_complex",
    "override_reason",
)
TEXT_LIMIT = 4000


# --- Helpers --------------------------------------------------------------------------------------


def _lock(case: DiligenceCase, expected_version: int | None) -> DiligenceCase:
    current = DiligenceCase.objects.select_for_update().select_related("partner").get(pk=case.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit()
    return current


def _text(value: Any) -> str:
    return str(value or "").strip()[:TEXT_LIMIT]


def _audit(verb: str, case: DiligenceCase, *, before: str, note: str = "", **after: Any) -> None:
    audit(
        f"diligence.case.{verb}",
        target=case,
        before={"status": before},
        after={"status": case.status, "partner": case.partner_id, **after},
        note=note[:2000],
    )


def _move(case: DiligenceCase, target: str) -> str:
    CASE_TRANSITIONS.check(case.status, target)
    before = case.status
    case.status = target
    return before


def open_alert_count(partner: Partner) -> int:
    from partnerhub.screening.selectors_monitoring import open_alerts_for_partner

    return open_alerts_for_partner(partner).count()


def exclusion_state(case: DiligenceCase) -> dict[str, list[str]]:
    """Criteria labels answered yes, unknown, and not answered."""
    state: dict[str, list[str]] = {"yes": [], "unknown": [], "blank": []}
    for answer in case.exclusion_answers.select_related("criterion"):
        key = answer.answer if answer.answer in ("yes", "unknown") else ("blank" if not answer.answer else "")
        if key:
            state[key].append(answer.criterion.display_label)
    return state


def refresh_assessment(case: DiligenceCase, *, policy: DiligencePolicy | None = None) -> None:
    """Recompute the rating (with its explanation) and whether the case is complex; the caller saves."""
    policy = policy or DiligencePolicy.current()
    answers = list(case.risk_answers.select_related("area").filter(area__is_active=True))
    measures = list(case.mitigations.all())
    mitigated_areas = {m.area_id for m in measures if m.area_id}
    lowering = sum(1 for m in measures if m.lowers_rating)
    result = rate(
        [
            AreaAnswer(
                code=a.area.code,
                label=a.area.label,
                level=a.level,
                severity=a.severity,
                recency=a.recency,
                remediation=a.remediation,
                mitigated=a.area_id in mitigated_areas,
            )
            for a in answers
        ],
        mitigations=lowering,
        rules=rules_from(policy),
        adverse_media_code=ADVERSE_MEDIA,
    )
    case.rating = result.rating
    case.rating_explanation = result.steps
    reasons: list[dict[str, Any]] = []
    if case.rating and rating_index(case.rating) >= rating_index(policy.complex_from):
        reasons.append({"reason": "rating", "rating": case.rating})
    alerts = open_alert_count(case.partner)
    if alerts:
        reasons.append({"reason": "screening_alert", "count": alerts})
    exclusions = exclusion_state(case)
    if exclusions["unknown"]:
        reasons.append({"reason": "exclusion_unknown", "criteria": exclusions["unknown"]})
    if exclusions["yes"]:
        reasons.append({"reason": "exclusion_yes", "criteria": exclusions["yes"]})
    if case.override_complex:
        reasons.append({"reason": "override", "note": case.override_reason})
    case.complex_reasons = reasons
    case.is_complex = bool(reasons)


def _save_assessed(case: DiligenceCase, *fields: str) -> None:
    refresh_assessment(case)
    case.save(update_fields=[*fields, "rating", "rating_explanation", "complex_reasons", "is_complex"])


def _clear_sign_offs(case: DiligenceCase) -> list[str]:
    case.plgu_signed_by = None
    case.plgu_signed_at = None
    case.plgu_note = ""
    case.legal_signed_by = None
    case.legal_signed_at = None
    case.legal_note = ""
    return [
        "plgu_signed_by",
        "plgu_signed_at",
        "plgu_note",
        "legal_signed_by",
        "legal_signed_at",
        "legal_note",
    ]


def _clean_case_fields(data: Mapping[str, Any]) -> dict[str, Any]:
    """Shape checks shared by opening and editing; raises ValidationFailed with per-field messages."""
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    for name in CASE_FIELDS:
        if name not in data:
            continue
        value = data[name]
        if name == "engagement":
            if value not in Engagement.values:
                errors[name] = [_("Choose the intended engagement.")]
            clean[name] = value
        elif name == "amount":
            if value in (None, ""):
                clean[name] = None
            else:
                try:
                    amount = Decimal(str(value))
                except InvalidOperation:
                    errors[name] = [_("Enter an amount.")]
                    continue
                if amount < 0 or amount >= Decimal("1e12"):
                    errors[name] = [_("Enter an amount from 0 to 999,999,999,999.")]
                clean[name] = amount
        elif name == "currency":
            currency = _text(value).upper() or "USD"
            if len(currency) != 3 or not currency.isalpha():
                errors[name] = [_("Use a three-letter currency code, for example USD.")]
            clean[name] = currency
        elif name == "depth":
            if value and value not in DEPTH_SCALE:
                errors[name] = [_("Choose a depth.")]
            clean[name] = value or ""
        elif name == "override_complex":
            clean[name] = bool(value)
        elif name == "registration_certificate_expiry":
            if value in (None, ""):
                clean[name] = None
            elif isinstance(value, dt.date):
                clean[name] = value
            else:
                try:
                    clean[name] = dt.date.fromisoformat(str(value))
                except ValueError:
                    errors[name] = [_("Enter a date.")]
        else:
            clean[name] = _text(value)
    if errors:
        raise ValidationFailed(errors)
    return clean


def _apply_depth(case: DiligenceCase, requested: str, reason: str, policy: DiligencePolicy) -> None:
    requirement = requirement_for(case.partner.primary_category_id)
    proposed, _reasons = propose_depth(
        base_depth=requirement.base_depth if requirement else "basic",
        engagement=case.engagement,
        amount=case.amount,
        currency=case.currency,
        policy=policy,
    )
    case.proposed_depth = proposed
    depth = requested or case.depth or proposed
    if DEPTH_SCALE.index(depth) < DEPTH_SCALE.index(proposed):
        if requested:
            raise ValidationFailed(
                {"depth": [_("The depth cannot be lower than the proposed one (%s).") % proposed]}
            )
        depth = proposed  # an earlier choice that the new engagement or amount overtook
    if DEPTH_SCALE.index(depth) > DEPTH_SCALE.index(proposed) and not reason:
        raise ValidationFailed({"depth_reason": [_("Say why the depth is raised above the proposed one.")]})
    case.depth = depth
    case.depth_reason = reason if depth != proposed else ""


# --- Opening and editing --------------------------------------------------------------------------


@transaction.atomic
def case_open(
    *,
    actor: Any,
    partner: Partner,
    engagement: str,
    purpose: str = "",
    amount: Decimal | None = None,
    currency: str = "USD",
    depth: str = "",
    depth_reason: str = "",
) -> DiligenceCase:
    """Open a draft case on a partner, with one blank answer per active criterion and risk area."""
    if not permissions.can_open_case(actor):
        raise NotAllowed(_("Only UN-Habitat staff can open due-diligence cases."))
    partner = Partner.objects.select_for_update().select_related("primary_category").get(pk=partner.pk)
    if partner.merged_into_id:
        raise ValidationFailed({"partner": [_("This record was merged into another; open the case there.")]})
    if DiligenceCase.objects.filter(partner=partner, status__in=OPEN_STATUSES).exists():
        raise ValidationFailed({"partner": [_("A due-diligence case on this partner is already open.")]})
    clean = _clean_case_fields(
        {
            "engagement": engagement,
            "purpose": purpose,
            "amount": amount,
            "currency": currency,
            "depth": depth,
            "depth_reason": depth_reason,
        }
    )
    policy = DiligencePolicy.current()
    case = DiligenceCase(
        partner=partner,
        requester=actor,
        relationship_manager_id=partner.relationship_manager_id,
        engagement=clean["engagement"],
        purpose=clean["purpose"],
        amount=clean["amount"],
        currency=clean["currency"],
    )
    _apply_depth(case, clean["depth"], clean["depth_reason"], policy)
    case.save()
    ExclusionAnswer.objects.bulk_create(
        ExclusionAnswer(case=case, criterion=c) for c in ExclusionCriterion.objects.filter(is_active=True)
    )
    RiskAnswer.objects.bulk_create(
        RiskAnswer(case=case, area=a) for a in RiskArea.objects.filter(is_active=True)
    )
    refresh_assessment(case, policy=policy)
    case.save(update_fields=["rating", "rating_explanation", "complex_reasons", "is_complex"])
    audit(
        "diligence.case.open",
        target=case,
        after={
            "status": case.status,
            "partner": partner.pk,
            "engagement": case.engagement,
            "depth": case.depth,
            "proposed_depth": case.proposed_depth,
        },
    )
    return case


def _require_edit(actor: Any, case: DiligenceCase) -> None:
    if not permissions.can_edit_case(actor, case):
        raise NotAllowed(
            _(
                "This case can be changed by its requester while it is a draft or back for information, and by PLGU while under review."
            )
        )


@transaction.atomic
def case_update(
    *, actor: Any, case: DiligenceCase, expected_version: int, data: Mapping[str, Any]
) -> DiligenceCase:
    """Change the engagement, depth, identity section or the complex override."""
    current = _lock(case, expected_version)
    _require_edit(actor, current)
    clean = _clean_case_fields(data)
    before = {name: getattr(current, name) for name in clean}
    for name, value in clean.items():
        if name not in ("depth", "depth_reason"):
            setattr(current, name, value)
    if current.override_complex and not current.override_reason:
        raise ValidationFailed({"override_reason": [_("Say why the case is treated as complex.")]})
    if not current.override_complex:
        current.override_reason = ""
    # The form always posts the depth: an unchanged one is no request, so a deeper engagement raises it.
    requested = clean.get("depth", "")
    _apply_depth(
        current,
        "" if requested == before.get("depth") else requested,
        clean.get("depth_reason", current.depth_reason),
        DiligencePolicy.current(),
    )
    try:
        current.full_clean(exclude=["partner", "requester", "relationship_manager"])
    except ValidationError as exc:
        raise ValidationFailed({k: [str(m) for m in v] for k, v in exc.message_dict.items()}) from None
    _save_assessed(current, *CASE_FIELDS, "proposed_depth")
    audit(
        "diligence.case.update",
        target=current,
        after={"fields": sorted(n for n in clean if before.get(n) != getattr(current, n))},
    )
    return current


@transaction.atomic
def case_answer_exclusions(
    *, actor: Any, case: DiligenceCase, expected_version: int, answers: Mapping[str, tuple[str, str]]
) -> DiligenceCase:
    """Answer exclusion criteria: {criterion code: (yes | no | unknown | "", note)}."""
    current = _lock(case, expected_version)
    _require_edit(actor, current)
    rows = {a.criterion.code: a for a in current.exclusion_answers.select_related("criterion")}
    errors: dict[str, list[str]] = {}
    for code, (answer, _note) in answers.items():
        if code not in rows:
            errors[code] = [_("Unknown criterion.")]
        elif answer not in (*ExclusionAnswerValue.values, ""):
            errors[code] = [_("Answer yes, no or unknown.")]
    if errors:
        raise ValidationFailed(errors)
    changed: dict[str, str] = {}
    for code, (answer, note) in answers.items():
        row = rows[code]
        if row.answer != answer or row.note != _text(note):
            row.answer, row.note = answer, _text(note)
            row.save()
            changed[code] = answer
    _save_assessed(current)
    if changed:
        audit("diligence.case.answer_exclusions", target=current, after={"answers": changed})
    return current


@transaction.atomic
def case_answer_risks(
    *, actor: Any, case: DiligenceCase, expected_version: int, answers: Mapping[str, Mapping[str, Any]]
) -> DiligenceCase:
    """Answer risk areas: {area code: {level, notes, severity, recency, remediation}}."""
    current = _lock(case, expected_version)
    _require_edit(actor, current)
    rows = {a.area.code: a for a in current.risk_answers.select_related("area")}
    allowed = {
        "level": [*Rating.values, ""],
        "severity": [*Rating.values, ""],
        "recency": [*Recency.values, ""],
        "remediation": [*Remediation.values, ""],
    }
    errors: dict[str, list[str]] = {}
    for code, values in answers.items():
        if code not in rows:
            errors[code] = [_("Unknown risk area.")]
            continue
        for name, options in allowed.items():
            if values.get(name, "") not in options:
                errors[f"{code}.{name}"] = [_("Choose one of the listed values.")]
    if errors:
        raise ValidationFailed(errors)
    changed: dict[str, str] = {}
    for code, values in answers.items():
        row = rows[code]
        new = {name: values.get(name, "") or "" for name in allowed}
        new["notes"] = _text(values.get("notes", ""))
        if code == ADVERSE_MEDIA and new["severity"] and not new["level"]:
            new["level"] = new["severity"]
        if any(getattr(row, k) != v for k, v in new.items()):
            for k, v in new.items():
                setattr(row, k, v)
            row.save()
            changed[code] = new["level"]
    _save_assessed(current)
    if changed:
        audit("diligence.case.answer_risks", target=current, after={"levels": changed})
    return current


@transaction.atomic
def mitigation_add(
    *,
    actor: Any,
    case: DiligenceCase,
    expected_version: int,
    text: str,
    area_code: str = "",
    is_condition: bool = False,
    lowers_rating: bool = True,
) -> Mitigation:
    """Record a mitigation measure (or a condition of approval), optionally for one risk area."""
    current = _lock(case, expected_version)
    _require_edit(actor, current)
    text = _text(text)
    if not text:
        raise ValidationFailed({"text": [_("Describe the measure.")]})
    area = None
    if area_code:
        area = RiskArea.objects.filter(code=area_code).first()
        if area is None:
            raise ValidationFailed({"area": [_("Unknown risk area.")]})
    measure = Mitigation.objects.create(
        case=current,
        area=area,
        text=text,
        is_condition=is_condition,
        lowers_rating=lowers_rating,
        added_by=actor if getattr(actor, "pk", None) else None,
    )
    _save_assessed(current)
    audit(
        "diligence.case.mitigation_add",
        target=current,
        after={"mitigation": measure.pk, "area": area_code, "condition": is_condition},
    )
    return measure


@transaction.atomic
def mitigation_remove(
    *, actor: Any, case: DiligenceCase, expected_version: int, mitigation_id: int
) -> DiligenceCase:
    current = _lock(case, expected_version)
    _require_edit(actor, current)
    measure = current.mitigations.filter(pk=mitigation_id).first()
    if measure is None:
        raise ValidationFailed({"mitigation": [_("This measure is not on the case.")]})
    measure.delete()
    _save_assessed(current)
    audit("diligence.case.mitigation_remove", target=current, after={"mitigation": mitigation_id})
    return current


# --- Evidence -------------------------------------------------------------------------------------

_SIGNATURES: tuple[tuple[bytes, int, str], ...] = (
    (b"%PDF-", 0, "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", 0, "image/png"),
    (b"\xff\xd8\xff", 0, "image/jpeg"),
    (b"GIF87a", 0, "image/gif"),
    (b"GIF89a", 0, "image/gif"),
)


def sniff_content_type(head: bytes) -> str:
    """The type a file's first bytes show (PDF, PNG, JPEG, GIF, WebP), or "" for anything else."""
    for signature, offset, content_type in _SIGNATURES:
        if head[offset : offset + len(signature)] == signature:
            return content_type
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return ""


def max_attachment_bytes() -> int:
    return int(getattr(settings, "DILIGENCE_MAX_ATTACHMENT_BYTES", 10 * 1024 * 1024))


@transaction.atomic
def attachment_add(
    *, actor: Any, case: DiligenceCase, section: str, upload: Any, description: str = ""
) -> Attachment:
    """Store an evidence file after checking its size and its type by content (not by name)."""
    current = DiligenceCase.objects.select_for_update().get(pk=case.pk)
    _require_edit(actor, current)
    if section not in Section.values:
        raise ValidationFailed({"section": [_("Choose a section.")]})
    checked = check_upload(
        upload,
        limit=max_attachment_bytes(),
        sniff=sniff_content_type,
        refused=_("Only PDF files and images (PNG, JPEG, GIF, WebP) can be attached."),
        default_name="evidence",
    )
    attachment = Attachment(
        case=current,
        section=section,
        original_name=checked.name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        description=_text(description)[:200],
        uploaded_by=actor if getattr(actor, "pk", None) else None,
    )
    attachment.file.save("evidence.bin", upload, save=False)
    path = attachment.file.name or ""
    try:
        attachment.save()
    except Exception:
        attachment.file.storage.delete(path)
        raise
    audit(
        "diligence.case.attachment_add",
        target=current,
        after={
            "attachment": attachment.pk,
            "section": section,
            "type": checked.content_type,
            "size": checked.size,
        },
    )
    return attachment


# --- Workflow -------------------------------------------------------------------------------------


def _missing_answers(case: DiligenceCase) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    blank_exclusions = exclusion_state(case)["blank"]
    if blank_exclusions:
        errors["exclusions"] = [
            _("Answer every exclusion criterion (unknown is an answer): %s.") % ", ".join(blank_exclusions)
        ]
    blank_risks = [a.area.display_label for a in case.risk_answers.select_related("area") if not a.level]
    if blank_risks:
        errors["risks"] = [_("Rate every risk area: %s.") % ", ".join(blank_risks)]
    if case.depth != "basic" and case.registration_certificate_expiry is None:
        errors["registration_certificate_expiry"] = [
            _("Give the registration certificate's expiry date (needed from standard depth).")
        ]
    return errors


@transaction.atomic
def case_submit(*, actor: Any, case: DiligenceCase, expected_version: int, note: str = "") -> DiligenceCase:
    """Send a complete draft to the Partners Unit (the requester)."""
    current = _lock(case, expected_version)
    if not (permissions.can_view_case(actor, current) and current.requester_id == actor.pk):
        raise NotAllowed(_("Only the requester can submit this case."))
    CASE_TRANSITIONS.check(current.status, CaseStatus.SUBMITTED)
    missing = _missing_answers(current)
    if missing:
        raise ValidationFailed(missing, _("The case is not complete yet."))
    before = _move(current, CaseStatus.SUBMITTED)
    current.submitted_at = timezone.now()
    _save_assessed(current, "status", "submitted_at")
    _audit("submit", current, before=before, note=_text(note), rating=current.rating)
    return current


def _require_review(actor: Any, case: DiligenceCase) -> None:
    if not permissions.can_review_case(actor, case):
        raise NotAllowed(
            _(
                "Only the Partnerships and Local Government Unit and administrators review cases, never their own."
            )
        )


@transaction.atomic
def case_start_review(
    *, actor: Any, case: DiligenceCase, expected_version: int, note: str = ""
) -> DiligenceCase:
    """PLGU takes up a submitted case."""
    current = _lock(case, expected_version)
    _require_review(actor, current)
    before = _move(current, CaseStatus.UNDER_REVIEW)
    _save_assessed(current, "status")
    _audit("start_review", current, before=before, note=_text(note))
    return current


@transaction.atomic
def case_request_info(*, actor: Any, case: DiligenceCase, expected_version: int, note: str) -> DiligenceCase:
    """Send the case back to the requester with what is missing (clears any sign-off)."""
    current = _lock(case, expected_version)
    _require_review(actor, current)
    note = _text(note)
    if not note:
        raise ValidationFailed({"note": [_("Say what information is needed.")]})
    before = _move(current, CaseStatus.INFO_REQUESTED)
    current.info_request = note
    cleared = _clear_sign_offs(current)
    _save_assessed(current, "status", "info_request", *cleared)
    _audit("request_info", current, before=before, note=note)
    return current


@transaction.atomic
def case_provide_info(
    *, actor: Any, case: DiligenceCase, expected_version: int, note: str = ""
) -> DiligenceCase:
    """The requester returns the case to review after completing it."""
    current = _lock(case, expected_version)
    if current.requester_id != getattr(actor, "pk", None) or not permissions.can_view_case(actor, current):
        raise NotAllowed(_("Only the requester can return this case to review."))
    CASE_TRANSITIONS.check(current.status, CaseStatus.UNDER_REVIEW)
    missing = _missing_answers(current)
    if missing:
        raise ValidationFailed(missing, _("The case is not complete yet."))
    before = _move(current, CaseStatus.UNDER_REVIEW)
    _save_assessed(current, "status")
    _audit("provide_info", current, before=before, note=_text(note))
    return current


@transaction.atomic
def case_escalate(*, actor: Any, case: DiligenceCase, expected_version: int, note: str = "") -> DiligenceCase:
    """Send the case to PLGU and the Legal Section for sign-off (any case may be; complex ones must be)."""
    current = _lock(case, expected_version)
    _require_review(actor, current)
    before = _move(current, CaseStatus.ESCALATED)
    current.escalated_at = timezone.now()
    cleared = _clear_sign_offs(current)
    _save_assessed(current, "status", "escalated_at", *cleared)
    _audit("escalate", current, before=before, note=_text(note), complex_reasons=current.complex_reasons)
    return current


@transaction.atomic
def case_sign_off(
    *, actor: Any, case: DiligenceCase, expected_version: int, role: str, note: str = ""
) -> DiligenceCase:
    """Sign off an escalated case for PLGU or for the Legal Section (two different people, not the requester)."""
    current = _lock(case, expected_version)
    if role not in SignOffRole.values:
        raise ValidationFailed({"role": [_("Sign off for PLGU or for the Legal Section.")]})
    if current.status != CaseStatus.ESCALATED:
        raise IllegalTransition(_("Only an escalated case can be signed off."))
    if not permissions.can_sign_off(actor, current, role):
        if current.requester_id == actor.pk:
            raise NotAllowed(_("The requester cannot sign off their own case."))
        if (current.plgu_signed_by_id if role == "plgu" else current.legal_signed_by_id) is not None:
            raise NotAllowed(_("This case is already signed off for that side."))
        if actor.pk in (current.plgu_signed_by_id, current.legal_signed_by_id):
            raise NotAllowed(_("The two sign-offs must be by two different people."))
        raise NotAllowed(
            _("Only a member of the Partnerships and Local Government Unit can sign off for PLGU.")
            if role == "plgu"
            else _("Only a member of the Legal Section can sign off for Legal.")
        )
    now = timezone.now()
    if role == "plgu":
        current.plgu_signed_by, current.plgu_signed_at, current.plgu_note = actor, now, _text(note)
        fields = ["plgu_signed_by", "plgu_signed_at", "plgu_note"]
    else:
        current.legal_signed_by, current.legal_signed_at, current.legal_note = actor, now, _text(note)
        fields = ["legal_signed_by", "legal_signed_at", "legal_note"]
    current.save(update_fields=fields)
    _audit("sign_off", current, before=current.status, note=_text(note), role=role)
    return current


@transaction.atomic
def case_decide(
    *,
    actor: Any,
    case: DiligenceCase,
    expected_version: int,
    decision: str,
    reasons: str,
    conditions: str = "",
) -> DiligenceCase:
    """Approve, approve with conditions or reject, with reasons; an approval gets its validity from the data."""
    current = _lock(case, expected_version)
    if not permissions.can_decide_case(actor, current):
        may_decide_some = permissions.may_decide_cases(actor) and current.requester_id != actor.pk
        if may_decide_some and current.status not in (CaseStatus.UNDER_REVIEW, CaseStatus.ESCALATED):
            CASE_TRANSITIONS.check(current.status, CaseStatus.DECIDED)
            raise IllegalTransition(_("Only a case under review or escalated can be decided."))
        raise NotAllowed(
            _("Cases are decided by PLGU (and, once escalated, the Legal Section), never by their requester.")
        )
    errors: dict[str, list[str]] = {}
    if decision not in Decision.values:
        errors["decision"] = [_("Choose approved, approved with conditions or rejected.")]
    reasons, conditions = _text(reasons), _text(conditions)
    if not reasons:
        errors["reasons"] = [_("Give the reasons for the decision.")]
    if decision == Decision.APPROVED_WITH_CONDITIONS and not conditions:
        errors["conditions"] = [_("List the conditions.")]
    if errors:
        raise ValidationFailed(errors)
    refresh_assessment(current)
    exclusions = exclusion_state(current)
    approving = decision in APPROVALS
    if approving and exclusions["yes"]:
        raise ValidationFailed(
            {
                "decision": [
                    _("An exclusion criterion is answered yes (%s): the case can only be rejected.")
                    % ", ".join(exclusions["yes"])
                ]
            }
        )
    if approving and exclusions["unknown"]:
        raise ValidationFailed(
            {
                "decision": [
                    _("Answer the exclusion criteria still unknown before approving: %s.")
                    % ", ".join(exclusions["unknown"])
                ]
            }
        )
    if approving and not current.rating:
        raise ValidationFailed({"decision": [_("Rate the risk areas before approving.")]})
    stopped = bool(exclusions["yes"]) and decision == Decision.REJECTED
    if current.is_complex and not stopped:
        if current.status != CaseStatus.ESCALATED:
            raise IllegalTransition(
                _(
                    "This case is complex: escalate it for sign-off by PLGU and the Legal Section before deciding."
                )
            )
        if current.plgu_signed_by_id is None or current.legal_signed_by_id is None:
            raise IllegalTransition(
                _("This complex case needs sign-off by both PLGU and the Legal Section before a decision.")
            )
    today = timezone.localdate()
    until = None
    if approving:
        until = valid_until(rating=current.rating, decided_on=today)
        if until is None:
            raise ValidationFailed({"decision": [_("No validity period is set for this rating.")]})
    before = _move(current, CaseStatus.DECIDED)
    current.decision = decision
    current.decision_reasons = reasons
    current.conditions = conditions if approving else ""
    current.decided_by = actor
    current.decided_at = timezone.now()
    current.valid_until = until
    current.save(
        update_fields=[
            "status",
            "decision",
            "decision_reasons",
            "conditions",
            "decided_by",
            "decided_at",
            "valid_until",
            "rating",
            "rating_explanation",
            "complex_reasons",
            "is_complex",
        ]
    )
    _audit(
        "decide",
        current,
        before=before,
        note=reasons,
        decision=decision,
        rating=current.rating,
        valid_until=until,
    )
    return current


@transaction.atomic
def case_withdraw(*, actor: Any, case: DiligenceCase, expected_version: int, reason: str) -> DiligenceCase:
    """Abandon an open case (the requester, PLGU or administrators), with a reason."""
    current = _lock(case, expected_version)
    if not permissions.can_withdraw_case(actor, current):
        if not current.is_open:
            CASE_TRANSITIONS.check(current.status, CaseStatus.WITHDRAWN)
        raise NotAllowed(_("Only the requester, PLGU or an administrator can withdraw this case."))
    reason = _text(reason)
    if not reason:
        raise ValidationFailed({"reason": [_("Say why the case is withdrawn.")]})
    before = _move(current, CaseStatus.WITHDRAWN)
    current.save(update_fields=["status"])
    _audit("withdraw", current, before=before, note=reason)
    return current


# --- System moves: a new screening alert, expiry ---------------------------------------------------


@transaction.atomic
def case_reopen_for_alert(*, case: DiligenceCase, alert: Any) -> DiligenceCase | None:
    """Put an approved case back under review after a new screening alert, and tell PLGU; None if not approved."""
    current = DiligenceCase.objects.select_for_update().select_related("partner").get(pk=case.pk)
    if not current.is_valid_on(timezone.localdate()):
        return None  # not approved, or lapsed: the expiry job closes it and a new case is needed anyway
    before = _move(current, CaseStatus.UNDER_REVIEW)
    current.reopened_at = timezone.now()
    cleared = _clear_sign_offs(current)
    _save_assessed(current, "status", "reopened_at", *cleared)
    _audit("reopen", current, before=before, note=_("New screening alert"), alert=getattr(alert, "pk", None))
    transaction.on_commit(lambda: notify.reopened_for_alert(case_id=current.pk))
    return current


@transaction.atomic
def case_expire(*, case: DiligenceCase, today: dt.date) -> DiligenceCase | None:
    """Mark an approval whose validity has ended as expired (a new case must be opened); None if still valid."""
    current = DiligenceCase.objects.select_for_update().get(pk=case.pk)
    if current.status != CaseStatus.DECIDED or current.valid_until is None or current.valid_until >= today:
        return None
    before = _move(current, CaseStatus.EXPIRED)
    current.save(update_fields=["status"])
    _audit("expire", current, before=before, valid_until=current.valid_until)
    return current
