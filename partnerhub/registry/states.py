from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from partnerhub.core.states import StateMachine


class PartnerStatus(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")  # identified, not yet engaged
    UNDER_DUE_DILIGENCE = "under_due_diligence", _("Under due diligence")  # being checked before engagement
    ACTIVE = "active", _("Active")  # engaged: agreements, events or regular collaboration
    INACTIVE = "inactive", _("Inactive")  # no current engagement, kept for invitations and history
    ARCHIVED = "archived", _("Archived")  # closed, merged away or recorded in error; hidden from lists


PARTNER_TRANSITIONS = StateMachine(
    PartnerStatus,
    {
        PartnerStatus.PROSPECT: {
            PartnerStatus.UNDER_DUE_DILIGENCE,
            PartnerStatus.ACTIVE,
            PartnerStatus.ARCHIVED,
        },
        PartnerStatus.UNDER_DUE_DILIGENCE: {
            PartnerStatus.ACTIVE,
            PartnerStatus.PROSPECT,
            PartnerStatus.ARCHIVED,
        },
        PartnerStatus.ACTIVE: {PartnerStatus.INACTIVE, PartnerStatus.ARCHIVED},
        PartnerStatus.INACTIVE: {
            PartnerStatus.ACTIVE,
            PartnerStatus.UNDER_DUE_DILIGENCE,
            PartnerStatus.ARCHIVED,
        },
        PartnerStatus.ARCHIVED: {PartnerStatus.PROSPECT, PartnerStatus.INACTIVE},
    },
)
