"""E-mails about agreements, each rendered from a translated template in its recipient's language."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

log = logging.getLogger(__name__)


def _site() -> str:
    return str(getattr(settings, "SITE_URL", "")).rstrip("/")


def _send(users: Iterable[Any], template: str, context: dict[str, Any]) -> int:
    """One message per user, in their preferred language; the template's first line is the subject."""
    sent = 0
    for user in users:
        if not getattr(user, "email", ""):
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            text = render_to_string(f"agreements/emails/{template}.txt", {**context, "recipient": user})
            subject, _sep, body = text.strip().partition("\n")
            try:
                sent += send_mail(subject.strip(), body.strip() + "\n", None, [user.email])
            except Exception:
                log.exception("could not send agreement mail to user %s", user.pk)
    return sent


def _url(agreement_id: int) -> str:
    return _site() + reverse("agreements:detail", args=[agreement_id])


def step_waiting(*, step_id: int) -> int:
    """Tell the approvers of the step that holds the ball that it is theirs."""
    from partnerhub.agreements.models import ClearanceStep
    from partnerhub.agreements.selectors import approvers_of

    step = (
        ClearanceStep.objects.select_related("agreement_version__agreement__instrument", "office")
        .filter(pk=step_id)
        .first()
    )
    if step is None:
        return 0
    agreement = step.agreement_version.agreement
    return _send(
        approvers_of(step),
        "step_waiting",
        {"step": step, "version": step.agreement_version, "agreement": agreement, "url": _url(agreement.pk)},
    )


def returned(*, step_id: int) -> int:
    """Tell the responsible staff member that a step returned the text, with the comments."""
    from partnerhub.agreements.models import ClearanceStep

    step = (
        ClearanceStep.objects.select_related("agreement_version__agreement__responsible", "decided_by")
        .filter(pk=step_id)
        .first()
    )
    if step is None:
        return 0
    agreement = step.agreement_version.agreement
    return _send(
        [agreement.responsible],
        "returned",
        {"step": step, "version": step.agreement_version, "agreement": agreement, "url": _url(agreement.pk)},
    )


def cleared(*, version_id: int) -> int:
    """Tell the responsible staff member that every clearance step approved: it may be signed."""
    from partnerhub.agreements.models import AgreementVersion

    version = AgreementVersion.objects.select_related("agreement__responsible").filter(pk=version_id).first()
    if version is None:
        return 0
    agreement = version.agreement
    return _send(
        [agreement.responsible],
        "cleared",
        {"version": version, "agreement": agreement, "url": _url(agreement.pk)},
    )


def expiry_reminder(*, agreement: Any, days: int) -> int:
    """Remind the responsible staff member that the agreement ends soon."""
    return _send(
        [agreement.responsible],
        "expiry_reminder",
        {
            "agreement": agreement,
            "version": agreement.current_version,
            "days": days,
            "url": _url(agreement.pk),
        },
    )
