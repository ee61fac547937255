"""The due-diligence case lifecycle as data: statuses, one comment each, and the allowed moves."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partnerhub.core.states import StateMachine


class CaseStatus(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("diligence case status", "Draft")  # the requester fills in the sections
    SUBMITTED = "submitted", _("Submitted")  # waiting for the Partners Unit to take it up
    UNDER_REVIEW = "under_review", _("Under review")  # PLGU checks the answers, evidence and rating
    INFO_REQUESTED = "info_requested", _("Information requested")  # back with the requester to complete
    ESCALATED = (
        "escalated",
        _("Escalated"),
    )  # complex: needs PLGU and Legal Section sign-off before a decision
    DECIDED = "decided", _("Decided")  # approved, approved with conditions, or rejected, with reasons
    WITHDRAWN = "withdrawn", _("Withdrawn")  # abandoned before a decision
    EXPIRED = "expired", _("Expired")  # an approval whose validity ended; a new case must be opened


OPEN_STATUSES = frozenset(
    {
        CaseStatus.DRAFT,
        CaseStatus.SUBMITTED,
        CaseStatus.UNDER_REVIEW,
        CaseStatus.INFO_REQUESTED,
        CaseStatus.ESCALATED,
    }
)

CASE_TRANSITIONS = StateMachine(
    CaseStatus,
    {
        CaseStatus.DRAFT: {CaseStatus.SUBMITTED, CaseStatus.WITHDRAWN},
        CaseStatus.SUBMITTED: {CaseStatus.UNDER_REVIEW, CaseStatus.WITHDRAWN},
        CaseStatus.UNDER_REVIEW: {
            CaseStatus.INFO_REQUESTED,
            CaseStatus.ESCALATED,
            CaseStatus.DECIDED,
            CaseStatus.WITHDRAWN,
        },
        CaseStatus.INFO_REQUESTED: {CaseStatus.UNDER_REVIEW, CaseStatus.WITHDRAWN},
        CaseStatus.ESCALATED: {CaseStatus.INFO_REQUESTED, CaseStatus.DECIDED, CaseStatus.WITHDRAWN},
        # An approval goes back under review when a new screening alert is raised, or lapses.
        CaseStatus.DECIDED: {CaseStatus.UNDER_REVIEW, CaseStatus.EXPIRED},
        CaseStatus.WITHDRAWN: set(),
        CaseStatus.EXPIRED: set(),
    },
)


class Decision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    APPROVED_WITH_CONDITIONS = "approved_with_conditions", _("Approved with conditions")
    REJECTED = "rejected", _("Rejected")


APPROVALS = frozenset({Decision.APPROVED, Decision.APPROVED_WITH_CONDITIONS})
