"""A covering index for the list page's facet counts, and on SQLite a trigram full-text index for search.

On SQLite, `registry_partner_fts` is an FTS5 table with the trigram tokenizer over `search_text` (an
external-content table: it stores only the index). Triggers keep it in step with every insert, update
and delete, including bulk writes, so no service has to remember it. A trigram MATCH finds any substring
of three characters or more, which is what `search_text__contains` did by scanning every row.
On PostgreSQL the same job is done by the pg_trgm index of migration 0003.
"""

from django.db import migrations, models

FTS_TABLE = "registry_partner_fts"

SQLITE_FORWARDS = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "search_text, content='registry_partner', content_rowid='id', tokenize='trigram')",
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES('rebuild')",
    f"CREATE TRIGGER IF NOT EXISTS registry_partner_fts_ai AFTER INSERT ON registry_partner BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS registry_partner_fts_ad AFTER DELETE ON registry_partner BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) VALUES ('delete', old.id, old.search_text); END",
    f"CREATE TRIGGER IF NOT EXISTS registry_partner_fts_au AFTER UPDATE OF search_text ON registry_partner "
    f"BEGIN INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, search_text) "
    f"VALUES ('delete', old.id, old.search_text); "
    f"INSERT INTO {FTS_TABLE}(rowid, search_text) VALUES (new.id, new.search_text); END",
]

SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS registry_partner_fts_ai",
    "DROP TRIGGER IF EXISTS registry_partner_fts_ad",
    "DROP TRIGGER IF EXISTS registry_partner_fts_au",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SQLITE_FORWARDS:
        schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in SQLITE_BACKWARDS:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_partner_name_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="partner",
            index=models.Index(
                fields=["status", "primary_category", "country"],
                name="registry_partner_facets",
                condition=models.Q(merged_into__isnull=True),
            ),
        ),
        migrations.AddIndex(
            model_name="partner",
            index=models.Index(fields=["updated_at"], name="registry_partner_updated"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
