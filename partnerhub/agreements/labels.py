"""Readable names for the audit actions shown on an agreement's timeline."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, str | Promise] = {
    "agreements.agreement.create": _("Agreement recorded"),
    "agreements.agreement.update": _("Draft changed"),
    "agreements.agreement.parties": _("Parties changed"),
    "agreements.agreement.submit": _("Submitted for clearance"),
    "agreements.agreement.clear": _("Cleared for signature"),
    "agreements.agreement.sign": _("Signed"),
    "agreements.agreement.activate": _("In force"),
    "agreements.agreement.expire": _("Expired"),
    "agreements.agreement.terminate": _("Terminated"),
    "agreements.agreement.close": _("Closed"),
    "agreements.clearance.approve": _("Clearance step approved"),
    "agreements.clearance.return": _("Returned with comments"),
    "agreements.amendment.start": _("Amendment started"),
    "agreements.amendment.update": _("Amendment changed"),
    "agreements.amendment.submit": _("Amendment submitted for clearance"),
    "agreements.amendment.clear": _("Amendment cleared for signature"),
    "agreements.amendment.sign": _("Amendment signed"),
    "agreements.amendment.abandon": _("Amendment abandoned"),
    "agreements.assessment.receive": _("End-of-agreement assessment received"),
    "agreements.results.objective_add": _("Objective added"),
    "agreements.results.output_add": _("Output added"),
    "agreements.results.indicator_add": _("Indicator added"),
    "agreements.results.indicator_update": _("Indicator changed"),
    "agreements.document.add": _("Document added"),
    "agreements.reminder.send": _("Expiry reminder sent"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
