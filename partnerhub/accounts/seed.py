"""Demo users, one per role, each in a plausible office."""

from __future__ import annotations

from typing import TextIO

from django.conf import settings

from partnerhub.accounts.models import User
from partnerhub.accounts.roles import RoleCode
from partnerhub.accounts.services import user_create
from partnerhub.org.models import Office

DEMO_USERS: list[tuple[str, str, list[str], str | None]] = [
    ("admin@partnerhub.example", "Amina Otieno", [RoleCode.ADMIN, RoleCode.STAFF], "plgu"),
    ("staff@partnerhub.example", "Carlos Mendes", [RoleCode.STAFF], "ro-lac"),
    ("focal@partnerhub.example", "Mei Tanaka", [RoleCode.STAFF, RoleCode.FOCAL_POINT], "cdtu"),
    ("plgu@partnerhub.example", "Grace Wanjiru", [RoleCode.STAFF, RoleCode.PLGU], "plgu"),
    ("legal@partnerhub.example", "Omar Haddad", [RoleCode.STAFF, RoleCode.LEGAL], "legal"),
    ("sgb@partnerhub.example", "Sofia Ivanova", [RoleCode.STAFF, RoleCode.SGB], "sgb"),
    ("oed@partnerhub.example", "Daniel Mwangi", [RoleCode.STAFF, RoleCode.OED], "oed"),
    ("comms@partnerhub.example", "Lucía Fernández", [RoleCode.STAFF, RoleCode.COMMS], "cms"),
    ("partner@partnerhub.example", "Fatima Diallo", [RoleCode.PARTNER], None),
]


def seed_users(out: TextIO) -> None:
    password = settings.PARTNERHUB_DEMO_PASSWORD
    offices = {o.code: o for o in Office.objects.all()}
    created = 0
    for email, name, roles, office_code in DEMO_USERS:
        if User.objects.filter(email=email).exists():
            continue
        user = user_create(
            email=email,
            full_name=name,
            password=password,
            roles=roles,
            office=offices.get(office_code) if office_code else None,
            is_staff=RoleCode.ADMIN in roles,
        )
        if RoleCode.ADMIN in roles:
            # Administrators manage users, roles and reference data in Django's admin site too.
            user.is_superuser = True
            user.save(update_fields=["is_superuser"])
        created += 1
    out.write(f"Demo users: {created} created, {len(DEMO_USERS) - created} already there.\n")
    out.write(f"Demo sign-ins (password for all: {password}):\n")
    for email, name, roles, _office in DEMO_USERS:
        out.write(f"  {email:<32} {name:<18} {', '.join(str(RoleCode(r).label) for r in roles)}\n")
