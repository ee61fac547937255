"""The registry status guard: a partner whose category requires due diligence becomes active only with a
valid approval. Agreements will ask `selectors.valid_approval_for` the same way before clearance."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from partnerhub.registry.guards import Refusal
from partnerhub.registry.states import PartnerStatus


def require_valid_approval(partner: Any, target: str) -> Refusal | None:
    if target != PartnerStatus.ACTIVE:
        return None
    from partnerhub.diligence.policy import is_required_for
    from partnerhub.diligence.selectors import open_case_for, valid_approval_for

    if not is_required_for(partner) or valid_approval_for(partner) is not None:
        return None
    case = open_case_for(partner)
    url = (
        reverse("diligence:case_detail", args=[case.pk])
        if case is not None
        else reverse("diligence:case_open", args=[partner.pk])
    )
    return Refusal(
        _("Due diligence is required for %(category)s partners and there is no valid approval.")
        % {"category": partner.primary_category.display_name},
        url=url,
    )
