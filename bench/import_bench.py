"""Partner import benchmark: rows per second for reading, checking (with duplicate checks) and writing a CSV.

Uses a database holding `--existing` partners (default 100,000), generates a realistic `--rows` CSV (default
20,000) from a fixed seed — names, acronyms, countries (ISO2, some ISO3 or English names), categories (by
code, some by number or name), channels (code or label), websites, e-mails, phones, offices, dates, tags,
alternative names; about 2% of rows name partners that already exist — imports it (by default with the
duplicate policy "create", so that every row is written) and records the figures in bench/results/import.json
and bench/results/import.md (one section per database engine).

    .venv/bin/python bench/import_bench.py [--rows 20000] [--existing 100000] [--seed 20261127]
        [--cache var/bench/import]          # SQLite: keep the database of existing partners and reuse it
        [--db postgres://postgres@127.0.0.1:5432/partnerhub_import_bench]

SQLite runs on a fresh copy in a temporary folder. With `--db`, the PostgreSQL database named there holds the
existing partners (built on first use, then reused) and each run imports into a copy of it
(`CREATE DATABASE … TEMPLATE`), dropped afterwards. The existing partners are loaded through the import's own
checking and writing, in batches of 10,000, without the duplicate search.

Target: at least 2,000 rows/s for check + import.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import json
import os
import platform
import pstats
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_ROWS_PER_SECOND = 2_000
HEADER = [
    "Organisation name",
    "Acronym",
    "Country",
    "Category",
    "Channel",
    "Website",
    "E-mail",
    "Phone",
    "Owning office",
    "Identified on",
    "Tags",
    "Alternative names",
    "Description",
]
SYLLABLES = [
    "ka",
    "ma",
    "ta",
    "na",
    "ri",
    "lo",
    "mu",
    "be",
    "si",
    "do",
    "ya",
    "wa",
    "ni",
    "ko",
    "zu",
    "pe",
    "le",
    "go",
    "ha",
    "ti",
    "ra",
    "ne",
    "so",
    "bu",
    "di",
    "fa",
    "ju",
    "ke",
    "mi",
    "no",
    "pa",
    "ru",
    "sa",
    "tu",
    "vi",
    "ze",
    "ba",
    "cha",
    "el",
    "am",
    "or",
    "un",
    "is",
    "en",
    "ar",
    "ol",
    "an",
    "im",
    "us",
    "et",
    "ngo",
    "mba",
    "kwe",
    "shi",
    "tho",
]


def _configure(workdir: Path, db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ["PARTNERHUB_VAR_DIR"] = str(workdir)
    os.environ["MEDIA_ROOT"] = str(workdir / "media")
    os.environ.setdefault("SECRET_KEY", "benchmark-only-secret-key-not-for-production-0123456789abcdef")
    os.environ["DEBUG"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ["TASKS_BACKEND"] = "django.tasks.backends.immediate.ImmediateBackend"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def organisation_names(count: int, seed: int) -> list[str]:
    """Unique, varied names in the style of bench/names.py, each with proper nouns of its own.

    The bare patterns of bench/names.py ("Lagos Housing Network") reuse ~200 cities and ~20 topics, so at
    100,000 partners nine rows in ten look like an existing partner; real partner lists are full of proper
    nouns (people, places, local words), which this adds.
    """
    from names import EN, ES, FR, LEGAL, PT, TOPICS

    rng = random.Random(seed)
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < count:
        w1, w2 = _word(rng), _word(rng)
        roll = rng.random()
        if roll < 0.3:
            name = f"{w1} {w2} {rng.choice(EN)}"
        elif roll < 0.45:
            pattern = rng.choice(["{w} {t} {k}", "{k} for {t} {w}", "{w} {k} for {t}", "{w} {v} {t} {k}"])
            name = pattern.format(w=w1, v=w2, t=rng.choice(TOPICS), k=rng.choice(EN))
        elif roll < 0.58:
            name = rng.choice(FR).format(c=f"{w1} {w2}", t=rng.choice(["Logement", "Développement Urbain"]))
        elif roll < 0.71:
            name = rng.choice(ES).format(c=f"{w1} {w2}")
        elif roll < 0.78:
            name = rng.choice(PT).format(c=f"{w1} {w2}")
        else:
            name = (
                f"{w1} {w2} {rng.choice(['& Partners', 'Consulting', 'Engineering', 'Architects', 'Group'])}"
            )
        name += rng.choice(LEGAL)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _reference() -> dict[str, list[Any]]:
    from partnerhub.org.models import Office
    from partnerhub.registry.choices import Channel
    from partnerhub.registry.models import Country, StakeholderCategory, Tag

    return {
        "countries": list(Country.objects.values_list("iso2", "iso3", "name_en")),
        "categories": list(StakeholderCategory.objects.values_list("code", "number", "name")),
        "offices": list(Office.objects.filter(is_active=True).values_list("code", "acronym")),
        "channels": [(code, str(label)) for code, label in Channel.choices],
        # A code shared by two kinds ("governance": a theme and a New Urban Agenda commitment) needs its kind.
        "tags": [
            code if Tag.objects.filter(code=code).count() == 1 else f"theme:{code}"
            for code in Tag.objects.filter(kind="theme").values_list("code", flat=True)
        ],
    }


def _acronym(name: str, rng: random.Random) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isupper() and len(w) > 2]
    return "".join(w[0] for w in words)[:6] if len(words) >= 2 and rng.random() < 0.3 else ""


def _domain(name: str, n: int) -> str:
    from partnerhub.registry import normalize

    return "-".join(normalize.tokens(name)[:3])[:40] + f"-{n}.org"


def _csv(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _row(name: str, website: str, iso2: str, ref: dict[str, list[Any]], rng: random.Random) -> list[str]:
    from partnerhub.registry import normalize

    iso3, country_name = next((c[1], c[2]) for c in ref["countries"] if c[0] == iso2)
    code, number, category_name = rng.choice(ref["categories"])
    channel_code, channel_label = rng.choice(ref["channels"])
    office_code, office_acronym = rng.choice(ref["offices"])
    day = dt.date(2025, 6, 30) - dt.timedelta(days=rng.randrange(2000))
    return [
        name,
        _acronym(name, rng),
        rng.choices([iso2, iso3, country_name], weights=[85, 5, 10])[0],
        rng.choices([code, str(number), category_name], weights=[80, 10, 10])[0],
        channel_code if rng.random() < 0.8 else channel_label,
        website,
        f"info@{normalize.web_domain(website)}" if website and rng.random() < 0.3 else "",
        f"+254 20 {rng.randrange(2000000, 9999999)}" if rng.random() < 0.15 else "",
        office_code if rng.random() < 0.7 else office_acronym,
        day.isoformat() if rng.random() < 0.5 else day.strftime("%d/%m/%Y"),
        ";".join(sorted({rng.choice(ref["tags"]) for _ in range(rng.randrange(0, 3))})),
        f"{name.split(maxsplit=1)[0]} {rng.choice(['Network', 'Platform', 'Alliance'])}"
        if rng.random() < 0.1
        else "",
        "Works on housing and basic services in informal settlements." if rng.random() < 0.2 else "",
    ]


def build_existing(
    count: int, names: list[str], ref: dict[str, list[Any]], rng: random.Random, *, load: bool
) -> list[dict[str, str]]:
    """Load `count` partners through the import's own checking and writing (batches, no duplicate search)."""
    from partnerhub.registry import importer

    existing: list[dict[str, str]] = []
    for start in range(0, count, 10_000):
        rows = []
        for i, name in enumerate(names[start : min(count, start + 10_000)], start=start):
            website = f"https://www.{_domain(name, i)}" if rng.random() < 0.6 else ""
            iso2 = rng.choice(ref["countries"])[0]
            rows.append(_row(name, website, iso2, ref, rng))
            existing.append({"name": name, "website": website, "country": iso2})
        if load:
            table = importer.read_table(_csv(rows))
            checked, errors, _column = importer.check_rows(table, importer.propose_mapping(table.columns))
            if errors:
                raise SystemExit(f"Setup rows have errors, e.g. {errors[0]}")
            importer.write(
                importer.Validation(
                    total=len(checked), rows=checked, errors=[], within_file=[], policy="create"
                ),
                source="benchmark setup",
            )
    return existing


def generate_csv(
    count: int,
    names: list[str],
    existing: list[dict[str, str]],
    ref: dict[str, list[Any]],
    rng: random.Random,
    seeded: dict[int, str] | None = None,
) -> bytes:
    """The file to import: fresh organisations, and about 2% that are already in the database (`seeded`
    receives their 0-based row index and the existing partner's name)."""
    from partnerhub.registry import importer

    rows: list[list[str]] = []
    seen: set[str] = set()
    fresh = iter(names)
    while len(rows) < count:
        known = None
        if existing and rng.random() < 0.02:
            known = rng.choice(existing)
            name, website, iso2 = known["name"], known["website"], known["country"]
            if website and rng.random() < 0.5:
                name = f"{name.split()[0]} {_word(rng)} Office"  # typed differently, same website
        else:
            name = next(fresh)
            website = f"www.{_domain(name, 10_000_000 + len(rows))}" if rng.random() < 0.6 else ""
            iso2 = rng.choice(ref["countries"])[0]
        key = importer.name_key(name)
        if key in seen:
            continue
        seen.add(key)
        if known is not None and seeded is not None:
            seeded[len(rows)] = known["name"]
        rows.append(_row(name, website, iso2, ref, rng))
    return _csv(rows)


BASELINE = "45 rows/s wall clock, 237 rows per CPU-second (SQLite, 20,000 rows, 2026-11-27 07:57 UTC)"


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f}"


def _admin(url: str) -> Any:
    import psycopg

    base, _sep, _name = url.rpartition("/")
    return psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=5)


def _pg_exists(url: str, name: str) -> bool:
    with _admin(url) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


def _pg_run(url: str, sql: str) -> None:
    with _admin(url) as conn:
        conn.execute(sql)


def _prepare(args: argparse.Namespace, workdir: Path) -> tuple[str, Path | None, bool]:
    """Configure Django on the database of existing partners; returns (engine, SQLite cache file, built?)."""
    if args.db:
        name = args.db.rpartition("/")[2]
        fresh = not _pg_exists(args.db, name)
        if fresh:
            _pg_run(args.db, f'CREATE DATABASE "{name}"')
        _configure(workdir, args.db)
        return "postgresql", None, fresh
    cached = Path(args.cache) / f"existing-{args.existing}-{args.seed}-v8.sqlite3" if args.cache else None
    fresh = not (cached and cached.exists())
    if cached and not fresh:
        shutil.copyfile(cached, workdir / "bench.sqlite3")
    _configure(workdir, f"sqlite:///{workdir / 'bench.sqlite3'}")
    return "sqlite", cached, fresh


def _switch_to_copy(args: argparse.Namespace) -> str:
    """PostgreSQL: import into a copy of the database of existing partners, so that it stays as it is."""
    from django.db import connection

    name = args.db.rpartition("/")[2]
    copy = f"{name}_run"
    connection.close()
    _pg_run(args.db, f'DROP DATABASE IF EXISTS "{copy}"')
    with _admin(args.db) as conn:
        # PostgreSQL 15 writes a copied database through the WAL by default: half a gigabyte that would
        # otherwise be checkpointed while the import runs. FILE_COPY, then a checkpoint, leaves it settled.
        strategy = " STRATEGY = FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"{strategy}')
        conn.execute("CHECKPOINT")
    connection.settings_dict["NAME"] = copy
    return copy


def _engine_version() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]} (127.0.0.1, same machine)"
    return f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)"


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "import.md"))
    parser.add_argument(
        "--policy",
        choices=["skip", "update", "create"],
        default="create",
        help="what to do with rows matching existing partners (create: every row is written)",
    )
    parser.add_argument(
        "--cache", help="SQLite: keep the database of existing partners in this folder and reuse it"
    )
    parser.add_argument("--db", help="PostgreSQL URL of the database of existing partners (built if absent)")
    parser.add_argument(
        "--profile", action="store_true", help="print where the check and the write spend time"
    )
    parser.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="import this many times, each into a fresh copy, and report the fastest (the machine is shared)",
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="partnerhub-import-bench-") as tmp:
        workdir = Path(tmp)
        engine, cached, fresh = _prepare(args, workdir)
        from django.core.management import call_command
        from django.db import connection

        from partnerhub.core.context import Actor, acting_as

        call_command("migrate", verbosity=0)
        print(f"Database of existing partners ({engine}): {'building' if fresh else 'reusing'}…", flush=True)
        rng = random.Random(args.seed)
        ref = _reference()
        names = organisation_names(args.existing + args.rows * 2, seed=args.seed)
        t = time.perf_counter()
        with acting_as(Actor(user_id=None, label="benchmark setup")):
            existing = build_existing(args.existing, names, ref, rng, load=fresh)
        if fresh:
            with connection.cursor() as cursor:
                # As autovacuum would soon after such a load: statistics, and PostgreSQL's visibility map
                # (index-only scans for the duplicate-key counts).
                cursor.execute("VACUUM ANALYZE" if engine == "postgresql" else "ANALYZE")
            print(f"Built in {time.perf_counter() - t:.0f} s", flush=True)
        connection.close()
        if engine == "sqlite":  # every attempt starts from this state
            with sqlite3.connect(workdir / "bench.sqlite3") as source:
                for target_path in [workdir / "pristine.sqlite3", *([cached] if cached and fresh else [])]:
                    target_path.parent.mkdir(parents=True, exist_ok=True)
                    with sqlite3.connect(target_path) as target:
                        source.backup(target)
        seeded: dict[int, str] = {}
        data = generate_csv(args.rows, names[args.existing :], existing, ref, rng, seeded)
        args.seeded = seeded
        attempts: list[dict[str, Any]] = []
        for attempt in range(args.repeat):
            copy = _fresh_copy(args, engine, workdir, attempt)
            try:
                attempts.append(_measure(args, engine, data))
            finally:
                connection.close()
                if copy:
                    _pg_run(args.db, f'DROP DATABASE IF EXISTS "{copy}"')
            print(f"Attempt {attempt + 1}: {attempts[-1]['rows_per_s']:,} rows/s", flush=True)
    best = max(attempts, key=lambda r: r["rows_per_s"])
    best["attempts"] = [
        {k: r[k] for k in ("rows_per_s", "rows_per_cpu_s", "total_s", "load_before", "load_after")}
        for r in attempts
    ]
    _record(args, engine, best)


def _fresh_copy(args: argparse.Namespace, engine: str, workdir: Path, attempt: int) -> str | None:
    """A copy of the database of existing partners for one attempt (PostgreSQL: its name, to drop)."""
    from django.db import connection

    if engine == "postgresql":
        return _switch_to_copy(args)
    path = workdir / f"attempt-{attempt}.sqlite3"
    with sqlite3.connect(workdir / "pristine.sqlite3") as source, sqlite3.connect(path) as target:
        source.backup(target)
    connection.settings_dict["NAME"] = str(path)
    return None


def _measure(args: argparse.Namespace, engine: str, data: bytes) -> dict[str, Any]:
    from django.db import connection

    from partnerhub.core.context import Actor, acting_as
    from partnerhub.core.memory import collector_paused
    from partnerhub.registry import dedupe, importer
    from partnerhub.registry.models import DuplicateKey, Partner

    # Every attempt starts cold: no names analysed by an earlier attempt in this process.
    dedupe.analyse_name.cache_clear()
    partners_before, keys_before = Partner.objects.count(), DuplicateKey.objects.count()
    version = _engine_version()
    print(f"{partners_before:,} existing partners; importing {args.rows:,} rows…", flush=True)
    load_before, uptime_before = _load(), _uptime()
    profiler = cProfile.Profile() if args.profile else None
    # As `importer.run_file` (the command) and the import job do: the garbage collector paused for the checks
    # and the write together; its one pass over the import's objects follows the commit, after the clock.
    with acting_as(Actor(user_id=None, label="benchmark")), collector_paused():
        c0, t0 = _cpu(), time.perf_counter()
        table = importer.read_table(data)
        t1 = time.perf_counter()
        if profiler:
            profiler.enable()
        # As `manage.py import_partners` and the import job do: for policy "create", the candidates are
        # scored in a second process while the rows are written.
        result = importer.validate(
            table, importer.propose_mapping(table.columns), on_duplicate=args.policy, defer_scoring=True
        )
        t2 = time.perf_counter()
        if not result.ok:
            for error in result.errors[:20]:
                print(f"Row {error.row}, column “{error.column}”: {error.message}")
            raise SystemExit(f"The generated file has {len(result.errors)} errors; the benchmark is broken.")
        # Count statements with a bare wrapper: the debug cursor would format every huge parameter list.
        statements: list[tuple[str, float]] = []

        def timed(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                statements.append((" ".join(sql.split()[:3])[:60], time.perf_counter() - started))

        with connection.execute_wrapper(timed):
            counts = importer.write(result, source="benchmark")
        write_queries = len(statements)
        if args.profile:
            by_kind: dict[str, float] = {}
            for kind, seconds in statements:
                by_kind[kind] = by_kind.get(kind, 0.0) + seconds
            for kind, seconds in sorted(by_kind.items(), key=lambda item: -item[1])[:15]:
                print(f"{seconds:8.3f} s  {kind}")
        t3 = time.perf_counter()
        cpu_s = _cpu() - c0
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats(os.environ.get("BENCH_SORT", "tottime")).print_stats(
                int(os.environ.get("BENCH_TOP", "30"))
            )
    rows = args.rows
    by_index = sorted(result.rows, key=lambda row: row.number)
    seeded_found = sum(
        1
        for index, name in args.seeded.items()
        if index < len(by_index) and any(match.name == name for match in by_index[index].matches)
    )
    return {
        "run_at": f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC",
        "command": (
            f".venv/bin/python bench/import_bench.py --rows {rows} --existing {args.existing} "
            f"--seed {args.seed} --policy {args.policy} --repeat {args.repeat}"
            + (" --db postgres://…/<name>" if args.db else "")
        ),
        "machine": (
            f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, {version}"
        ),
        "load_before": load_before,
        "load_after": _load(),
        "uptime_before": uptime_before,
        "uptime_after": _uptime(),
        "existing_partners": partners_before,
        "existing_keys": keys_before,
        "rows": rows,
        "file_mb": round(len(data) / 1e6, 1),
        "policy": args.policy,
        "rows_with_candidates": len(result.duplicate_rows),
        "candidate_pairs": sum(len(row.matches) for row in result.rows),
        "within_file": len(result.within_file),
        "seeded_duplicates": len(args.seeded),
        "seeded_found": seeded_found,
        "compared_per_row": round(result.stats["compared"] / rows, 1),
        "scoring_cpu_s": round(result.stats["scoring_seconds"], 2),
        "counts": counts,
        "read_s": round(t1 - t0, 2),
        "check_s": round(t2 - t1, 2),
        "write_s": round(t3 - t2, 2),
        "write_queries": write_queries,
        "total_s": round(t3 - t0, 2),
        "cpu_s": round(cpu_s, 2),
        "rows_per_s": round(rows / (t3 - t0)),
        "rows_per_cpu_s": round(rows / cpu_s),
        "engine": engine,
    }


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the import's other processes, and theirs)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _uptime() -> str:
    command = shutil.which("uptime")
    if command is None:
        return ""
    try:
        return subprocess.run([command], capture_output=True, text=True, check=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _record(args: argparse.Namespace, engine: str, result: dict[str, Any]) -> None:
    out = Path(args.out)
    store = out.with_suffix(".json")
    results = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    results[engine] = result
    store.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    report = _markdown(results)
    print(report)
    out.write_text(report, encoding="utf-8")


def _section(title: str, r: dict[str, Any]) -> list[str]:
    rows = r["rows"]
    # Under "create" the search runs beside the write (`validate(defer_scoring=True)`); otherwise it decides
    # which rows are written, so it is part of the check.
    deferred = r.get("policy", "create") == "create"
    met = r["rows_per_s"] >= TARGET_ROWS_PER_SECOND
    cpu_note = (
        "CPU time of this process and its children (SQLite runs in them)"
        if r["engine"] == "sqlite"
        else "CPU time of this process and its children (not the PostgreSQL server's)"
    )
    counts = r["counts"]
    lines = [
        f"## {title}",
        "",
        f"Run {r['run_at']}: `{r['command']}`.",
        "",
        f"- Machine: {r['machine']}.",
        (
            f"- Load average (1 / 5 / 15 min) before: {r['load_before']}, after: {r['load_after']} "
            f"(`uptime` after: {r['uptime_after']}). Wall-clock time includes waiting for a CPU; CPU time does not."
        ),
        (
            f"- Database: {r['existing_partners']:,} existing partners and {r['existing_keys']:,} duplicate keys, "
            "loaded through the import's own write path."
        ),
        f'- File: {rows:,} rows, {r["file_mb"]} MB CSV (UTF-8), {len(HEADER)} columns; policy "{r["policy"]}".',
        (
            f"- Duplicate candidates found: {r['rows_with_candidates']:,} rows match existing partners "
            f"({r['candidate_pairs']:,} candidate pairs; about 2% of rows were made to match, the others look "
            f"alike), {r['within_file']:,} rows name the same organisation as an earlier row. "
            f"{r['compared_per_row']} engine comparisons per row, {r['scoring_cpu_s']} s of CPU in them."
            + (
                f" Of the {r['seeded_duplicates']:,} rows made from existing partners (half of them typed "
                f"differently, same website), {r['seeded_found']:,} were shown with that partner as a candidate."
                if "seeded_duplicates" in r
                else ""
            )
        ),
        (
            f"- Result: created {counts['created']:,}, updated {counts['updated']:,}, skipped "
            f"{counts['skipped']:,}; {counts['not_duplicate']:,} pairs remembered as not duplicates."
        ),
        "",
        "| Step | Seconds | Rows/s |",
        "|---|---:|---:|",
        f"| Read and decode the file | {r['read_s']:.2f} | {rows / max(r['read_s'], 0.01):,.0f} |",
        (
            "| Check every row (half in a second process): values, look-ups, duplicates in the file; "
            + (
                "start the duplicate search in other processes"
                if deferred
                else "the duplicate search in the database (two processes), which decides the rows written"
            )
            + f" | {r['check_s']:.2f} | {rows / r['check_s']:,.0f} |"
        ),
        (
            "| Write (one transaction, "
            f"{r['write_queries']} statements{' besides the COPYs' if r['engine'] == 'postgresql' else ''}): partners, names, tags, search index, duplicate keys and profiles, "
            + (
                "history; meanwhile the duplicate search in the database (its own connection, two processes); "
                "then the not-a-duplicate decisions and one audit entry "
                if deferred
                else "history, one audit entry "
            )
            + f"| {r['write_s']:.2f} | {rows / r['write_s']:,.0f} |"
        ),
        f"| **Read + check + import, wall clock** | **{r['total_s']:.2f}** | **{r['rows_per_s']:,}** |",
        f"| Read + check + import, {cpu_note} | {r['cpu_s']:.2f} | {r['rows_per_cpu_s']:,} |",
        "",
        f"Target ≥ {TARGET_ROWS_PER_SECOND:,} rows/s (wall clock): **{'met' if met else 'not met'}**.",
        "",
    ]
    attempts = r.get("attempts", [])
    if len(attempts) > 1:
        lines[-3:-3] = [
            (
                f"The fastest of {len(attempts)} attempts, each into a fresh copy of the database: "
                + "; ".join(
                    f"{a['rows_per_s']:,} rows/s wall, {a['rows_per_cpu_s']:,} per CPU-second "
                    f"(load before {a['load_before'].split(' / ')[0]}, after {a['load_after'].split(' / ')[0]})"
                    for a in attempts
                )
                + "."
            ),
            "",
        ]
    return lines


def _markdown(results: dict[str, Any]) -> str:
    lines = [
        "# Partner import benchmark",
        "",
        "Produced by `bench/import_bench.py` (see its docstring); figures per engine in `import.json`.",
        f"Before the fast path: {BASELINE}.",
        "",
    ]
    titles = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
    for engine in ("sqlite", "postgresql"):
        if engine in results:
            lines += _section(titles[engine], results[engine])
    return "\n".join(lines)


if __name__ == "__main__":
    main()
