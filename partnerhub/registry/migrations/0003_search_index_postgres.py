"""On PostgreSQL, trigram indexes make substring search over names fast at a million partners.

SQLite has no equivalent; there the search scans the compact `search_text` column.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS registry_partner_search_trgm "
        "ON registry_partner USING gin (search_text gin_trgm_ops)"
    )


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("DROP INDEX IF EXISTS registry_partner_search_trgm")


class Migration(migrations.Migration):
    dependencies = [("registry", "0002_reference_data")]
    operations = [migrations.RunPython(forwards, backwards)]
