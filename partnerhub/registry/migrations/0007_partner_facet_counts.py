"""Facet counts kept by the database: partners not merged away, per (status, primary category, region,
sub-region).

The partner list's facets and total used to group every partner on each new filter combination (one
scan of the covering index `registry_partner_facets`, about 18,000 groups at 100,000 partners). This
table holds the groups the facets need, already counted: at most 5 statuses x 19 categories x about 25
(region, sub-region) pairs, whatever the number of partners. Triggers keep it exact after every write,
whoever makes it: services, bulk imports, merges, deletes, raw SQL from another process. A partner
without a country (or whose country has no region) is counted under ''. The region codes come from
`registry_country` when the partner is written; triggers there move a country's partners when its codes
change, and to or from '' when the country row goes or comes (which happens while foreign keys are
deferred: Django's flush between transactional tests, fixtures). There is no model: `selectors` reads
the table with SQL, and nothing else writes it.

- SQLite (one writer at a time anyway): one row per key, row triggers add or take one.
- PostgreSQL: statement triggers with transition tables *append* one signed delta per key and statement
  (a bulk insert of 20,000 partners adds at most one row per key it touches), and readers sum them.
  Appending instead of updating a shared row means that a long import never makes a concurrent
  `partner_create` wait for a counter row, and cannot deadlock with another writer. The reader folds the
  deltas back into one row per key when they pile up (`selectors._compact_facet_counts`).
"""

from django.db import migrations

TABLE = "registry_partner_facet_counts"
KEY = "status, category_id, region_code, subregion_code"

_FILL = (
    f"INSERT INTO {TABLE} ({KEY}, n) "
    "SELECT p.status, p.primary_category_id, COALESCE(c.region_code, ''), COALESCE(c.subregion_code, ''), "
    "count(*) FROM registry_partner p LEFT JOIN registry_country c ON c.iso2 = p.country_id "
    "WHERE p.merged_into_id IS NULL GROUP BY 1, 2, 3, 4"
)


def _sqlite_region(row: str, column: str) -> str:
    return f"COALESCE((SELECT {column} FROM registry_country WHERE iso2 = {row}.country_id), '')"


_SQLITE_ADD = (
    f"INSERT INTO {TABLE} ({KEY}, n) "
    f"SELECT new.status, new.primary_category_id, {_sqlite_region('new', 'region_code')}, "
    f"{_sqlite_region('new', 'subregion_code')}, 1 WHERE new.merged_into_id IS NULL "
    f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + 1;"
)
_SQLITE_TAKE = (
    f"UPDATE {TABLE} SET n = n - 1 WHERE old.merged_into_id IS NULL AND status = old.status "
    f"AND category_id = old.primary_category_id AND region_code = {_sqlite_region('old', 'region_code')} "
    f"AND subregion_code = {_sqlite_region('old', 'subregion_code')};"
)


def _partners_of(iso2: str, region: str, subregion: str, sign: str) -> str:
    """One country's partners as deltas under the given region: counted (sign '') or uncounted ('-')."""
    return (
        f"SELECT status, primary_category_id, {region}, {subregion}, {sign}count(*) "
        f"FROM registry_partner WHERE country_id = {iso2} AND merged_into_id IS NULL "
        "GROUP BY status, primary_category_id"
    )


def _sqlite_move(iso2: str, region: str, subregion: str, sign: str) -> str:
    return (
        f"INSERT INTO {TABLE} ({KEY}, n) {_partners_of(iso2, region, subregion, sign)} "
        f"ON CONFLICT ({KEY}) DO UPDATE SET n = n + excluded.n"
    )


# A partner whose country is missing from registry_country is counted under ''. A country that goes away
# (or changes code) takes its partners there, and one that appears takes its partners from there. This
# keeps the table exact even while foreign keys are deferred (Django's flush, fixtures).
def _sqlite_country_gone(row: str) -> str:
    return (
        f"{_sqlite_move(f'{row}.iso2', f'{row}.region_code', f'{row}.subregion_code', '-')}; "
        f"{_sqlite_move(f'{row}.iso2', "''", "''", '')};"
    )


def _sqlite_country_came(row: str) -> str:
    return (
        f"{_sqlite_move(f'{row}.iso2', "''", "''", '-')}; "
        f"{_sqlite_move(f'{row}.iso2', f'{row}.region_code', f'{row}.subregion_code', '')};"
    )


_REGION_CHANGED = (
    "old.region_code IS NOT new.region_code OR old.subregion_code IS NOT new.subregion_code "
    "OR old.iso2 IS NOT new.iso2"
)

SQLITE_FORWARDS = [
    (
        f"CREATE TABLE {TABLE} (status varchar(30) NOT NULL, category_id integer NOT NULL, "
        "region_code varchar(3) NOT NULL, subregion_code varchar(3) NOT NULL, n integer NOT NULL, "
        f"PRIMARY KEY ({KEY})) WITHOUT ROWID"
    ),
    _FILL,
    (
        "CREATE TRIGGER registry_partner_facet_ai AFTER INSERT ON registry_partner "
        f"WHEN new.merged_into_id IS NULL BEGIN {_SQLITE_ADD} END"
    ),
    (
        "CREATE TRIGGER registry_partner_facet_ad AFTER DELETE ON registry_partner "
        f"WHEN old.merged_into_id IS NULL BEGIN {_SQLITE_TAKE} END"
    ),
    (
        "CREATE TRIGGER registry_partner_facet_au "
        "AFTER UPDATE OF status, primary_category_id, country_id, merged_into_id ON registry_partner "
        "WHEN old.status IS NOT new.status OR old.primary_category_id IS NOT new.primary_category_id "
        "OR old.country_id IS NOT new.country_id "
        "OR (old.merged_into_id IS NULL) <> (new.merged_into_id IS NULL) "
        f"BEGIN {_SQLITE_TAKE} {_SQLITE_ADD} END"
    ),
    (
        "CREATE TRIGGER registry_country_facet_au AFTER UPDATE OF iso2, region_code, subregion_code "
        f"ON registry_country WHEN {_REGION_CHANGED} "
        f"BEGIN {_sqlite_country_gone('old')} {_sqlite_country_came('new')} END"
    ),
    (
        "CREATE TRIGGER registry_country_facet_ai AFTER INSERT ON registry_country "
        f"BEGIN {_sqlite_country_came('new')} END"
    ),
    (
        "CREATE TRIGGER registry_country_facet_ad AFTER DELETE ON registry_country "
        f"BEGIN {_sqlite_country_gone('old')} END"
    ),
]

SQLITE_BACKWARDS = [
    "DROP TRIGGER IF EXISTS registry_partner_facet_ai",
    "DROP TRIGGER IF EXISTS registry_partner_facet_ad",
    "DROP TRIGGER IF EXISTS registry_partner_facet_au",
    "DROP TRIGGER IF EXISTS registry_country_facet_au",
    "DROP TRIGGER IF EXISTS registry_country_facet_ai",
    "DROP TRIGGER IF EXISTS registry_country_facet_ad",
    f"DROP TABLE IF EXISTS {TABLE}",
]


def _pg_delta(sign: str, rows: str) -> str:
    return (
        f"SELECT r.status, r.primary_category_id, COALESCE(c.region_code, ''), "
        f"COALESCE(c.subregion_code, ''), {sign}1 FROM {rows} r "
        "LEFT JOIN registry_country c ON c.iso2 = r.country_id WHERE r.merged_into_id IS NULL"
    )


def _pg_function(name: str, rows: str) -> str:
    # Deltas of the statement summed per key, zeros dropped (an update that moves nothing adds nothing).
    append = (
        f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, sum(n) FROM ({rows}) AS d ({KEY}, n) "
        f"GROUP BY {KEY} HAVING sum(n) <> 0"
    )
    return (
        f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN {append}; RETURN NULL; END $$"
    )


def _pg_country_moves(gone: str | None, came: str | None) -> str:
    parts = []
    if gone:
        parts += [
            _partners_of(f"{gone}.iso2", f"{gone}.region_code", f"{gone}.subregion_code", "-"),
            _partners_of(f"{gone}.iso2", "''", "''", ""),
        ]
    if came:
        parts += [
            _partners_of(f"{came}.iso2", "''", "''", "-"),
            _partners_of(f"{came}.iso2", f"{came}.region_code", f"{came}.subregion_code", ""),
        ]
    # The deltas summed per key first, so that the ones that cancel out are not appended.
    rows = " UNION ALL ".join(parts)
    return (
        f"INSERT INTO {TABLE} ({KEY}, n) SELECT {KEY}, sum(n) FROM ({rows}) AS d ({KEY}, n) "
        f"GROUP BY {KEY} HAVING sum(n) <> 0"
    )


POSTGRES_FORWARDS = [
    (
        f"CREATE TABLE {TABLE} (status varchar(30) NOT NULL, category_id bigint NOT NULL, "
        "region_code varchar(3) NOT NULL, subregion_code varchar(3) NOT NULL, n bigint NOT NULL)"
    ),
    _FILL,
    _pg_function("registry_partner_facet_ins", _pg_delta("+", "new_rows")),
    _pg_function("registry_partner_facet_del", _pg_delta("-", "old_rows")),
    _pg_function(
        "registry_partner_facet_upd",
        f"{_pg_delta('-', 'old_rows')} UNION ALL {_pg_delta('+', 'new_rows')}",
    ),
    (
        "CREATE OR REPLACE FUNCTION registry_partner_facet_truncate() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN DELETE FROM {TABLE}; RETURN NULL; END $$"
    ),
    (
        "CREATE OR REPLACE FUNCTION registry_country_facet_move() RETURNS trigger LANGUAGE plpgsql AS $$ "
        f"BEGIN IF TG_OP = 'INSERT' THEN {_pg_country_moves(None, 'NEW')}; "
        f"ELSIF TG_OP = 'DELETE' THEN {_pg_country_moves('OLD', None)}; "
        f"ELSE {_pg_country_moves('OLD', 'NEW')}; END IF; RETURN NULL; END $$"
    ),
    (
        "CREATE TRIGGER registry_partner_facet_ins AFTER INSERT ON registry_partner "
        "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_partner_facet_ins()"
    ),
    (
        "CREATE TRIGGER registry_partner_facet_del AFTER DELETE ON registry_partner "
        "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION registry_partner_facet_del()"
    ),
    (
        "CREATE TRIGGER registry_partner_facet_upd AFTER UPDATE ON registry_partner "
        "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows "
        "FOR EACH STATEMENT EXECUTE FUNCTION registry_partner_facet_upd()"
    ),
    (
        "CREATE TRIGGER registry_partner_facet_truncate AFTER TRUNCATE ON registry_partner "
        "FOR EACH STATEMENT EXECUTE FUNCTION registry_partner_facet_truncate()"
    ),
    (
        "CREATE TRIGGER registry_country_facet_move AFTER UPDATE OF iso2, region_code, subregion_code "
        "ON registry_country FOR EACH ROW WHEN (OLD.region_code IS DISTINCT FROM NEW.region_code "
        "OR OLD.subregion_code IS DISTINCT FROM NEW.subregion_code OR OLD.iso2 IS DISTINCT FROM NEW.iso2) "
        "EXECUTE FUNCTION registry_country_facet_move()"
    ),
    (
        "CREATE TRIGGER registry_country_facet_insdel AFTER INSERT OR DELETE ON registry_country "
        "FOR EACH ROW EXECUTE FUNCTION registry_country_facet_move()"
    ),
    f"ANALYZE {TABLE}",
]

POSTGRES_BACKWARDS = [
    "DROP TRIGGER IF EXISTS registry_partner_facet_ins ON registry_partner",
    "DROP TRIGGER IF EXISTS registry_partner_facet_del ON registry_partner",
    "DROP TRIGGER IF EXISTS registry_partner_facet_upd ON registry_partner",
    "DROP TRIGGER IF EXISTS registry_partner_facet_truncate ON registry_partner",
    "DROP TRIGGER IF EXISTS registry_country_facet_move ON registry_country",
    "DROP TRIGGER IF EXISTS registry_country_facet_insdel ON registry_country",
    "DROP FUNCTION IF EXISTS registry_partner_facet_ins()",
    "DROP FUNCTION IF EXISTS registry_partner_facet_del()",
    "DROP FUNCTION IF EXISTS registry_partner_facet_upd()",
    "DROP FUNCTION IF EXISTS registry_partner_facet_truncate()",
    "DROP FUNCTION IF EXISTS registry_country_facet_move()",
    f"DROP TABLE IF EXISTS {TABLE}",
]

STATEMENTS = {
    "sqlite": (SQLITE_FORWARDS, SQLITE_BACKWARDS),
    "postgresql": (POSTGRES_FORWARDS, POSTGRES_BACKWARDS),
}


def forwards(apps, schema_editor):
    for statement in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[0]:
        schema_editor.execute(statement, params=None)


def backwards(apps, schema_editor):
    for statement in STATEMENTS.get(schema_editor.connection.vendor, ([], []))[1]:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0006_office_year_index"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
