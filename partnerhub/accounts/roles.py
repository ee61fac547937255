"""The roles PartnerHub knows. Which users hold them is data (assigned by administrators)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RoleCode(models.TextChoices):
    STAFF = "staff", _("Staff member")
    FOCAL_POINT = "focal_point", _("Focal point")
    PLGU = "plgu", _("Partnerships and Local Government Unit")
    LEGAL = "legal", _("Legal Section")
    SGB = "sgb", _("Governing Bodies Secretariat")
    OED = "oed", _("Office of the Executive Director")
    COMMS = "comms", _("Communications and Media")
    ADMIN = "admin", _("Administrator")
    PARTNER = "partner", _("Partner user")


ROLE_DESCRIPTIONS: dict[str, str] = {
    RoleCode.STAFF: "Any UN-Habitat staff member: records partners and interactions, opens due diligence.",
    RoleCode.FOCAL_POINT: "Focal point for a stakeholder category or a legal agreement; reports by 1 December.",
    RoleCode.PLGU: "Partnerships and Local Government Unit: owns the partners database, accreditation, reporting.",
    RoleCode.LEGAL: "Legal Section: instruments, clearance, delegations of authority, complex due diligence.",
    RoleCode.SGB: "Secretariat to the Governing Bodies: sessions, member states, official letters to governments.",
    RoleCode.OED: "Office of the Executive Director: private sector focal point; letters to UN entities.",
    RoleCode.COMMS: "Communications and Media Section: side events, exhibitions, media partners.",
    RoleCode.ADMIN: "Administrator: users, roles, offices and system settings.",
    RoleCode.PARTNER: "External user of a partner organisation: sees only their own organisation.",
}

# Roles that make someone agency staff (as opposed to an external partner user).
STAFF_ROLES = frozenset(RoleCode.values) - {RoleCode.PARTNER}
