"""Partner import benchmark: rows per second for reading, checking (with duplicate checks) and writing a CSV.

Builds a fresh SQLite database holding `--existing` partners (default 100,000), generates a realistic
`--rows` CSV (default 20,000) from a fixed seed — names, acronyms, countries (ISO2, some ISO3 or English
names), categories (by code, some by number or name), channels (code or label), websites, e-mails, phones,
offices, dates, tags, alternative names; about 2% of rows name partners that already exist — imports it (by
default with the duplicate policy "create", so that every row is written) and writes bench/results/import.md.

    .venv/bin/python bench/import_bench.py [--rows 20000] [--existing 100000] [--seed 20261127]

Target: at least 2,000 rows/s for check + import.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import datetime as dt
import io
import os
import platform
import pstats
import random
import shutil
import sqlite3
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


def _configure(workdir: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
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
) -> bytes:
    """The file to import: fresh organisations, and about 2% that are already in the database."""
    from partnerhub.registry import importer

    rows: list[list[str]] = []
    seen: set[str] = set()
    fresh = iter(names)
    while len(rows) < count:
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
        rows.append(_row(name, website, iso2, ref, rng))
    return _csv(rows)


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
    parser.add_argument("--cache", help="keep the database of existing partners in this folder and reuse it")
    parser.add_argument(
        "--profile", action="store_true", help="print where the check and the write spend time"
    )
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="partnerhub-import-bench-") as tmp:
        workdir = Path(tmp)
        cached = Path(args.cache) / f"existing-{args.existing}-{args.seed}-v3.sqlite3" if args.cache else None
        if cached and cached.exists():
            shutil.copyfile(cached, workdir / "bench.sqlite3")
        _configure(workdir)
        from django.core.management import call_command
        from django.db import connection, reset_queries

        from partnerhub.core.context import Actor, acting_as
        from partnerhub.registry import importer
        from partnerhub.registry.models import DuplicateKey, Partner

        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - t
        print(f"Migrated in {migrate_s:.1f} s; adding {args.existing:,} existing partners…", flush=True)
        rng = random.Random(args.seed)
        ref = _reference()
        names = organisation_names(args.existing + args.rows * 2, seed=args.seed)
        t = time.perf_counter()
        with acting_as(Actor(user_id=None, label="benchmark setup")):
            existing = build_existing(args.existing, names, ref, rng, load=not (cached and cached.exists()))
        build_s = time.perf_counter() - t
        if cached and not cached.exists():
            connection.close()
            cached.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(workdir / "bench.sqlite3") as source, sqlite3.connect(cached) as target:
                source.backup(target)
        data = generate_csv(args.rows, names[args.existing :], existing, ref, rng)
        partners_before, keys_before = Partner.objects.count(), DuplicateKey.objects.count()
        print(f"Ready in {build_s:.1f} s; importing {args.rows:,} rows…", flush=True)

        profiler = cProfile.Profile() if args.profile else None
        with acting_as(Actor(user_id=None, label="benchmark")):
            c0, t0 = time.process_time(), time.perf_counter()
            table = importer.read_table(data)
            t1 = time.perf_counter()
            if profiler:
                profiler.enable()
            result = importer.validate(
                table, importer.propose_mapping(table.columns), on_duplicate=args.policy
            )
            t2 = time.perf_counter()
            if not result.ok:
                for error in result.errors[:20]:
                    print(f"Row {error.row}, column “{error.column}”: {error.message}")
                raise SystemExit(
                    f"The generated file has {len(result.errors)} errors; the benchmark is broken."
                )
            connection.force_debug_cursor = True
            reset_queries()
            counts = importer.write(result, source="benchmark")
            write_queries = len(connection.queries)
            connection.force_debug_cursor = False
            t3 = time.perf_counter()
            cpu_s = time.process_time() - c0
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(30)

        read_s, check_s, write_s, total_s = t1 - t0, t2 - t1, t3 - t2, t3 - t0
        rate = args.rows / total_s
        load = os.getloadavg()
        duplicate_note = f"{len(result.duplicate_rows):,} (about 2% were made to; the others look alike)"
        lines = [
            "# Partner import benchmark",
            "",
            (
                f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC: `.venv/bin/python bench/import_bench.py "
                f"--rows {args.rows} --existing {args.existing} --seed {args.seed} --policy {args.policy}`."
            ),
            "",
            (
                f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, "
                f"Python {platform.python_version()}, "
                f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)."
            ),
            (
                f"- Database: fresh, migrated, with {partners_before:,} existing partners and "
                f"{keys_before:,} duplicate keys, loaded through the import's own write path."
            ),
            (
                f"- File: {args.rows:,} rows, {len(data) / 1e6:.1f} MB CSV (UTF-8), {len(HEADER)} columns, "
                f"seed {args.seed}; names from `organisation_names()` in this script."
            ),
            f'- Duplicate policy "{args.policy}". Rows matching an existing partner: {duplicate_note}.',
            (
                f"- Duplicate search: {result.stats['compared'] / args.rows:.1f} engine comparisons "
                f"(`dedupe.score`) per row, {result.stats['scoring_seconds']:.1f} s of CPU in them "
                f"({1e6 * result.stats['scoring_seconds'] / max(result.stats['compared'], 1):.0f} µs each)."
            ),
            (
                f"- Result: created {counts['created']:,}, updated {counts['updated']:,}, skipped "
                f"{counts['skipped']:,}; {counts['not_duplicate']:,} pairs remembered as not duplicates."
            ),
            "",
            "| Step | Seconds | Rows/s |",
            "|---|---:|---:|",
            f"| Read and decode the file | {read_s:.2f} | {args.rows / read_s:,.0f} |",
            (
                "| Check every row: values, look-ups, duplicates in the file and in the database "
                f"| {check_s:.2f} | {args.rows / check_s:,.0f} |"
            ),
            (
                "| Write: partners, names, tags, search index, duplicate keys, history, one audit entry "
                f"(one transaction, {write_queries} queries) | {write_s:.2f} | {args.rows / write_s:,.0f} |"
            ),
            f"| **Read + check + import, wall clock** | **{total_s:.2f}** | **{rate:,.0f}** |",
            (
                "| Read + check + import, CPU time of this process (SQLite runs in it) "
                f"| {cpu_s:.2f} | {args.rows / cpu_s:,.0f} |"
            ),
            "",
            (
                f"Load average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} "
                "CPUs. On a shared machine, wall-clock time includes waiting for a CPU; CPU time does not."
            ),
            "",
            (
                f"Target ≥ {TARGET_ROWS_PER_SECOND:,} rows/s (wall clock): "
                f"**{'met' if rate >= TARGET_ROWS_PER_SECOND else 'not met'}**."
            ),
            "",
        ]
        report = "\n".join(lines)
        print(report)
        Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
