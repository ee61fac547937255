"""The agreement lifecycle and the life of each version (the original text and every amendment), as data."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.core.states import StateMachine


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written by the responsible office; also where a return lands
    IN_CLEARANCE = "in_clearance", _("In clearance")  # the clearance steps are being taken in order
    CLEARED = "cleared", _("Cleared")  # every step approved; waiting for the signature
    SIGNED = "signed", _("Signed")  # signed by a holder of a delegation of authority; not yet started
    ACTIVE = "active", _("Active")  # in force between its start and end dates
    EXPIRED = "expired", _("Expired")  # past its end date (set by the scheduler); assessment may be due
    TERMINATED = "terminated", _("Terminated")  # ended early by a party
    CLOSED = "closed", _("Closed")  # finished: assessment received, nothing left to do


AGREEMENT_TRANSITIONS = StateMachine(
    AgreementStatus,
    {
        AgreementStatus.DRAFT: {AgreementStatus.IN_CLEARANCE},
        AgreementStatus.IN_CLEARANCE: {AgreementStatus.CLEARED, AgreementStatus.DRAFT},
        AgreementStatus.CLEARED: {AgreementStatus.SIGNED, AgreementStatus.DRAFT},
        AgreementStatus.SIGNED: {AgreementStatus.ACTIVE, AgreementStatus.TERMINATED},
        AgreementStatus.ACTIVE: {AgreementStatus.EXPIRED, AgreementStatus.TERMINATED},
        AgreementStatus.EXPIRED: {AgreementStatus.CLOSED},
        AgreementStatus.TERMINATED: {AgreementStatus.CLOSED},
        AgreementStatus.CLOSED: set(),
    },
)

# Agreements whose text is in force (an amendment may be started on them).
IN_FORCE = frozenset({AgreementStatus.SIGNED, AgreementStatus.ACTIVE})


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")  # being written (the original text, or an amendment)
    IN_CLEARANCE = "in_clearance", _("In clearance")  # its own clearance steps are being taken
    CLEARED = "cleared", _("Cleared")  # every step approved; waiting for the signature
    IN_FORCE = "in_force", _("In force")  # signed: the text that applies now
    SUPERSEDED = "superseded", _("Superseded")  # was in force until a later amendment was signed
    ABANDONED = "abandoned", _("Abandoned")  # an amendment given up; kept, with its clearance, for the record


VERSION_TRANSITIONS = StateMachine(
    VersionStatus,
    {
        VersionStatus.DRAFT: {VersionStatus.IN_CLEARANCE, VersionStatus.ABANDONED},
        VersionStatus.IN_CLEARANCE: {VersionStatus.CLEARED, VersionStatus.DRAFT, VersionStatus.ABANDONED},
        VersionStatus.CLEARED: {VersionStatus.IN_FORCE, VersionStatus.DRAFT, VersionStatus.ABANDONED},
        VersionStatus.IN_FORCE: {VersionStatus.SUPERSEDED},
        VersionStatus.SUPERSEDED: set(),
        VersionStatus.ABANDONED: set(),
    },
)

OPEN_VERSION_STATUSES = frozenset({VersionStatus.DRAFT, VersionStatus.IN_CLEARANCE, VersionStatus.CLEARED})
