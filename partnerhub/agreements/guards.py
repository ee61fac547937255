"""Business conditions a move needs beyond the state machine, each answering a list of readable blockers
(empty when the move may go ahead). Services refuse with them; pages and the API show them next to the
button, so the reason is known before anyone clicks."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.apps import apps
from django.utils.translation import gettext as _

from partnerhub.agreements.choices import AssessmentStatus, Decision
from partnerhub.agreements.models import Agreement, AgreementVersion, AssessmentDue, DelegationOfAuthority


def diligence_available() -> bool:
    """Whether the due-diligence app is installed; without it no category requires due diligence."""
    return apps.is_installed("partnerhub.diligence")


def diligence_blockers(agreement: Agreement, *, on: dt.date) -> list[str]:
    """Each party whose category requires due diligence needs an approval valid on that day."""
    if not diligence_available():
        return []
    from partnerhub.diligence.policy import is_required_for
    from partnerhub.diligence.selectors import valid_approval_for

    blockers: list[str] = []
    for party in agreement.parties.select_related("partner__primary_category"):
        partner = party.partner
        if is_required_for(partner) and valid_approval_for(partner, on=on) is None:
            blockers.append(
                _(
                    "%(partner)s has no valid due-diligence approval, which %(category)s partners need "
                    "before clearance."
                )
                % {"partner": partner.name, "category": partner.primary_category.display_name}
            )
    return blockers


def party_blockers(agreement: Agreement) -> list[str]:
    if not agreement.parties.exists():
        return [_("Add at least one partner as a party.")]
    return []


def clearance_blockers(version: AgreementVersion) -> list[str]:
    """Every step of the current round must be approved."""
    steps = list(version.clearance_steps.filter(round=version.clearance_round))
    if version.clearance_round == 0 or not steps:
        return [_("The clearance steps have not been taken.")]
    pending = [s.label for s in steps if s.decision != Decision.APPROVED]
    if pending:
        return [_("Clearance is not complete: %(steps)s.") % {"steps": ", ".join(pending)}]
    return []


def delegation_for(signatory: Any, version: AgreementVersion, *, on: dt.date) -> DelegationOfAuthority | None:
    from partnerhub.agreements.selectors import delegations_valid

    return delegations_valid(
        user=signatory,
        instrument=version.agreement.instrument,
        amount=version.value,
        currency=version.currency,
        on=on,
    ).first()


def signatory_blockers(signatory: Any, version: AgreementVersion, *, on: dt.date) -> list[str]:
    """The signatory must hold a delegation of authority for the instrument and amount on the signing date."""
    if signatory is None:
        return [_("Choose the signatory.")]
    if delegation_for(signatory, version, on=on) is None:
        instrument = version.agreement.instrument
        if version.value is not None:
            return [
                _(
                    "%(person)s holds no delegation of authority to sign a %(instrument)s of %(amount)s "
                    "%(currency)s on %(date)s."
                )
                % {
                    "person": signatory,
                    "instrument": instrument.display_name,
                    "amount": f"{version.value:,.2f}",
                    "currency": version.currency,
                    "date": on.isoformat(),
                }
            ]
        return [
            _("%(person)s holds no delegation of authority to sign a %(instrument)s on %(date)s.")
            % {"person": signatory, "instrument": instrument.display_name, "date": on.isoformat()}
        ]
    return []


def close_blockers(agreement: Agreement) -> list[str]:
    """The SOP's end-of-agreement assessment, where the instrument needs one, must have been received."""
    if not agreement.instrument.needs_end_assessment:
        return []
    due = AssessmentDue.objects.filter(agreement=agreement).first()
    if due is None or due.status != AssessmentStatus.RECEIVED:
        return [
            _(
                "The end-of-agreement assessment has not been received. Submit it to the Partners Unit, who "
                "record it here (the reporting module will take this over)."
            )
        ]
    return []
