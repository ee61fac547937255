"""Readable names for the audit actions shown on a partner's timeline."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, str | Promise] = {
    "registry.partner.create": _("Partner recorded"),
    "registry.partner.update": _("Partner details changed"),
    "registry.partner.names": _("Other names changed"),
    "registry.partner.status": _("Status changed"),
    "registry.partner.import": _("Imported from a file"),
    "registry.partner.merge": _("Merged with another record"),
    "registry.partner.merge_revert": _("Merge undone"),
    "registry.partner.not_duplicate": _("Marked as not a duplicate"),
    "registry.partner_user.link": _("Partner user given access"),
    "registry.contact.create": _("Contact added"),
    "registry.contact.update": _("Contact changed"),
    "registry.contact.role_add": _("Contact role added"),
    "registry.contact.role_end": _("Contact role ended"),
    "registry.contact.erase": _("Contact's personal data erased"),
    "registry.contact.export": _("Contact's personal data exported"),
    "registry.relationship.create": _("Relationship added"),
    "registry.relationship.delete": _("Relationship removed"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))
