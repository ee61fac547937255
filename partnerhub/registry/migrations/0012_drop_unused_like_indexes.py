# Written by hand on 2026-11-27.

from django.db import migrations

# PostgreSQL only: Django adds a `varchar_pattern_ops` twin to the index of a text column (for LIKE 'abc%'),
# and to a foreign key's index when the referenced key is text. No query filters these columns with LIKE;
# the country's was left behind when 0008 dropped the plain index its (country, status) index made
# redundant. Each costs every new partner an index entry (an import of 20,000 rows: 60,000 entries and
# 11 MB of write-ahead log). Elsewhere these indexes do not exist and the statements change nothing.
LIKE_INDEXES = {
    "registry_partner_name_key_9366cc14_like": "name_key",
    "registry_partner_country_id_87ba8880_like": "country_id",
    "registry_partner_registration_country_id_0423baf9_like": "registration_country_id",
}


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in LIKE_INDEXES:
        schema_editor.execute(f'DROP INDEX IF EXISTS "{name}"')


def restore(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in LIKE_INDEXES.items():
        schema_editor.execute(
            f'CREATE INDEX IF NOT EXISTS "{name}" ON "registry_partner" ("{column}" varchar_pattern_ops)'
        )


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0011_derived_tables_without_fk_constraints"),
    ]

    operations = [migrations.RunPython(drop, restore)]
