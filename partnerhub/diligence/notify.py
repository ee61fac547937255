"""E-mails about cases, each in its recipient's language. They name the partner and link the case but carry
none of its confidential content."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from partnerhub.accounts.roles import RoleCode

log = logging.getLogger(__name__)


def _site() -> str:
    return str(getattr(settings, "SITE_URL", "")).rstrip("/")


def _send(users: Iterable[Any], subject: Any, body: Any) -> int:
    """Send one message per user in their preferred language; `subject`/`body` are callables."""
    sent = 0
    for user in users:
        if not user.email:
            continue
        with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
            try:
                sent += send_mail(str(subject()), str(body()), None, [user.email])
            except Exception:
                log.exception("could not send due-diligence mail to user %s", user.pk)
    return sent


def plgu_users() -> list[Any]:
    from partnerhub.accounts.models import User

    return list(User.objects.filter(is_active=True, roles__code=RoleCode.PLGU).distinct())


def reopened_for_alert(*, case_id: int) -> int:
    """Tell PLGU that a new screening alert put an approved case back under review."""
    from partnerhub.diligence.models import DiligenceCase

    case = DiligenceCase.objects.select_related("partner").filter(pk=case_id).first()
    if case is None:
        return 0
    url = _site() + reverse("diligence:case_detail", args=[case.pk])
    return _send(
        plgu_users(),
        lambda: _("Due diligence reopened: %(partner)s") % {"partner": case.partner.name},
        lambda: (
            _(
                "A new sanctions screening alert was raised on %(partner)s, whose due diligence was approved. "
                "Case %(reference)s is back under review.\n\n%(url)s\n"
            )
            % {"partner": case.partner.name, "reference": case.reference, "url": url}
        ),
    )


def expiry_reminder(*, case: Any, recipient: Any, days: int) -> int:
    """Remind the relationship manager that the partner's due-diligence approval ends soon."""
    url = _site() + reverse("registry:partner_detail", args=[case.partner_id])
    return _send(
        [recipient],
        lambda: (
            _("Due diligence ends in %(days)d days: %(partner)s")
            % {"days": days, "partner": case.partner.name}
        ),
        lambda: (
            _(
                "The due-diligence approval of %(partner)s is valid until %(date)s. To keep working with the "
                "partner after that date, open a new due-diligence case before then.\n\n%(url)s\n"
            )
            % {"partner": case.partner.name, "date": case.valid_until.isoformat(), "url": url}
        ),
    )
