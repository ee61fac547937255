from django.db import migrations

ROLES = {
    "staff": "Any UN-Habitat staff member: records partners and interactions, opens due diligence.",
    "focal_point": "Focal point for a stakeholder category or a legal agreement; reports by 1 December.",
    "plgu": "Partnerships and Local Government Unit: owns the partners database, accreditation, reporting.",
    "legal": "Legal Section: instruments, clearance, delegations of authority, complex due diligence.",
    "sgb": "Secretariat to the Governing Bodies: sessions, member states, official letters to governments.",
    "oed": "Office of the Executive Director: private sector focal point; letters to UN entities.",
    "comms": "Communications and Media Section: side events, exhibitions, media partners.",
    "admin": "Administrator: users, roles, offices and system settings.",
    "partner": "External user of a partner organisation: sees only their own organisation.",
}


def seed(apps, schema_editor):
    Role = apps.get_model("accounts", "Role")
    for code, description in ROLES.items():
        Role.objects.get_or_create(code=code, defaults={"description": description})


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
