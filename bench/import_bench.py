"""Partner import benchmark: rows per second for reading, checking (with duplicate checks) and writing a CSV.

Builds a fresh SQLite database with `--existing` partners (default 100,000), generates a realistic
20,000-row CSV from a fixed seed (names, acronyms, ISO2 countries, categories by code, channels, websites,
offices, dates, tags, alternative names; about 2% of rows name partners that already exist), imports it with
the duplicate policy "skip", and writes bench/results/import.md.

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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TARGET_ROWS_PER_SECOND = 2_000


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


def _reference() -> dict[str, list]:
    from partnerhub.org.models import Office
    from partnerhub.registry.choices import Channel
    from partnerhub.registry.models import Country, StakeholderCategory, Tag

    return {
        "countries": list(Country.objects.values_list("iso2", "iso3", "name_en")),
        "categories": list(StakeholderCategory.objects.values_list("pk", "code", "number", "name")),
        "offices": list(Office.objects.filter(is_active=True).values_list("pk", "code", "acronym")),
        "channels": [(code, str(label)) for code, label in Channel.choices],
        # Codes shared by two kinds ("governance": a theme and a NUA commitment) are written "theme:governance".
        "tags": [
            (pk, code if Tag.objects.filter(code=code).count() == 1 else f"theme:{code}")
            for pk, code in Tag.objects.filter(kind="theme").values_list("pk", "code")
        ],
    }


SYLLABLES = ("ka ma ta na ri lo mu be si do ya wa ni ko zu pe le go ha ti ra ne so bu di fa ju ke mi no pa ru sa "
             "tu vi ze ba cha el am or un is en ar ol an im us et ngo mba kwe shi tho").split()


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()


def organisation_names(count: int, seed: int) -> list[str]:
    """Unique, varied names in the style of bench/names.py, each with a proper noun of its own.

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
        if roll < 0.35:
            name = rng.choice(["{w} {t} {k}", "{k} for {t} {w}", "{w} {v} {k}", "{w} {k} for {t}"]).format(
                w=w1, v=w2, t=rng.choice(TOPICS), k=rng.choice(EN)
            )
        elif roll < 0.5:
            name = rng.choice(FR).format(c=f"{w1} {w2}", t=rng.choice(["Logement", "Développement Urbain"]))
        elif roll < 0.65:
            name = rng.choice(ES).format(c=f"{w1} {w2}")
        elif roll < 0.72:
            name = rng.choice(PT).format(c=f"{w1} {w2}")
        elif roll < 0.85:
            name = f"{w1} {w2} {rng.choice(['& Partners', 'Consulting', 'Engineering', 'Architects', 'Group'])}"
        else:
            name = f"{w1} {rng.choice(TOPICS)} {rng.choice(EN)} of {w2}"
        name += rng.choice(LEGAL)
        if name not in seen:
            seen.add(name)
            names.append(name)
    return names


def _acronym(name: str, rng: random.Random) -> str:
    words = [w for w in name.replace("-", " ").split() if w[:1].isupper() and len(w) > 2]
    return "".join(w[0] for w in words)[:6] if len(words) >= 2 and rng.random() < 0.4 else ""


def _domain(name: str, n: int) -> str:
    from partnerhub.registry import normalize

    return "-".join(normalize.tokens(name)[:3])[:40] + f"-{n}.org"


def build_existing(
    count: int, names: list[str], ref: dict[str, list], rng: random.Random, *, load: bool = True
) -> list[dict]:
    """Bulk-load `count` partners with their search index and duplicate keys; returns what the CSV may reuse."""
    from partnerhub.registry import services
    from partnerhub.registry.models import Partner

    existing = []
    batch: list[Partner] = []
    today = dt.date(2025, 6, 30)
    for i, name in enumerate(names[:count]):
        iso2 = rng.choice(ref["countries"])[0]
        acronym = _acronym(name, rng)
        website = f"https://www.{_domain(name, i)}" if rng.random() < 0.6 else ""
        partner = Partner(
            name=name, acronym=acronym, country_id=iso2, website=website,
            primary_category_id=rng.choice(ref["categories"])[0], identified_channel=rng.choice(ref["channels"])[0],
            owning_office_id=rng.choice(ref["offices"])[0], identified_on=today - dt.timedelta(days=rng.randrange(3000)),
        )
        partner.search_text, partner.name_key = services.partner_index_values(name=name, acronym=acronym)
        batch.append(partner)
        existing.append({"name": name, "website": website, "country": iso2})
        if len(batch) == 5_000 and load:
            _load(batch)
            batch = []
    if batch and load:
        _load(batch)
    return existing


def _load(batch: list) -> None:
    from django.db import transaction

    from partnerhub.registry import services
    from partnerhub.registry.models import Partner

    with transaction.atomic():
        Partner.objects.bulk_create(batch)
        services.partner_refresh_index_bulk(batch)


def generate_csv(rows: int, names: list[str], existing: list[dict], ref: dict[str, list], rng: random.Random) -> bytes:
    from partnerhub.registry import normalize

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Organisation name", "Acronym", "Country", "Category", "Channel", "Website", "E-mail",
                     "Phone", "Owning office", "Identified on", "Tags", "Alternative names", "Description"])
    seen: set[str] = set()
    fresh = iter(names)
    written = 0
    while written < rows:
        if existing and rng.random() < 0.02:
            # A partner we already have, as people type it again: same name, or same website.
            known = rng.choice(existing)
            name = known["name"] if rng.random() < 0.5 or not known["website"] else known["name"] + " (Kenya office)"
            website, country = known["website"], known["country"]
        else:
            name = next(fresh)
            website = f"www.{_domain(name, 10_000_000 + written)}" if rng.random() < 0.6 else ""
            country = rng.choice(ref["countries"])[0]
        key = normalize.name_key(name)
        if key in seen:
            continue
        seen.add(key)
        iso2, iso3, country_name = next(c for c in ref["countries"] if c[0] == country)
        country_cell = rng.choices([iso2, iso3, country_name], weights=[85, 5, 10])[0]
        pk, code, number, cat_name = rng.choice(ref["categories"])
        category_cell = rng.choices([code, str(number), cat_name], weights=[80, 10, 10])[0]
        channel_code, channel_label = rng.choice(ref["channels"])
        channel_cell = channel_code if rng.random() < 0.8 else channel_label
        office = rng.choice(ref["offices"])
        day = dt.date(2025, 6, 30) - dt.timedelta(days=rng.randrange(2000))
        date_cell = day.isoformat() if rng.random() < 0.5 else day.strftime("%d/%m/%Y")
        tags = ";".join(sorted({rng.choice(ref["tags"])[1] for _ in range(rng.randrange(0, 3))}))
        alt = f"{_acronym(name, rng) or name[:12]} Network" if rng.random() < 0.1 else ""
        email = f"info@{normalize.web_domain(website)}" if website and rng.random() < 0.3 else ""
        phone = f"+254 20 {rng.randrange(1000000, 9999999)}" if rng.random() < 0.15 else ""
        description = "Works on housing and basic services in informal settlements." if rng.random() < 0.2 else ""
        writer.writerow([name, _acronym(name, rng), country_cell, category_cell, channel_cell, website, email, phone,
                         office[1] if rng.random() < 0.7 else office[2], date_cell, tags, alt, description])
        written += 1
    return out.getvalue().encode("utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--existing", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=20261127)
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "import.md"))
    parser.add_argument("--cache", help="keep the built database of existing partners in this folder and reuse it")
    parser.add_argument("--profile", action="store_true", help="print a profile of the check and write steps")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="partnerhub-import-bench-") as tmp:
        workdir = Path(tmp)
        _configure(workdir)
        from django.core.management import call_command
        from django.db import connection, reset_queries

        from partnerhub.core.context import Actor, acting_as
        from partnerhub.registry import importer
        from partnerhub.registry.models import DuplicateKey, Partner

        cached = Path(args.cache) / f"existing-{args.existing}-{args.seed}.sqlite3" if args.cache else None
        if cached and cached.exists():
            shutil.copyfile(cached, workdir / "bench.sqlite3")
        t = time.perf_counter()
        call_command("migrate", verbosity=0)
        migrate_s = time.perf_counter() - t
        print(f"Migrated in {migrate_s:.1f} s; building {args.existing:,} existing partners…", flush=True)
        rng = random.Random(args.seed)
        ref = _reference()
        names = list(organisation_names(args.existing + args.rows * 2, seed=args.seed))
        t = time.perf_counter()
        existing = build_existing(args.existing, names, ref, rng, load=not (cached and cached.exists()))
        build_s = time.perf_counter() - t
        if cached and not cached.exists():
            connection.close()
            cached.parent.mkdir(parents=True, exist_ok=True)
            with sqlite3.connect(workdir / "bench.sqlite3") as source, sqlite3.connect(cached) as target:
                source.backup(target)
        print(f"Built in {build_s:.1f} s; importing {args.rows:,} rows…", flush=True)
        data = generate_csv(args.rows, names[args.existing:], existing, ref, rng)
        (workdir / "import.csv").write_bytes(data)
        keys_before = DuplicateKey.objects.count()

        with acting_as(Actor(user_id=None, label="benchmark")):
            c0 = time.process_time()
            t0 = time.perf_counter()
            table = importer.read_table(data)
            t1 = time.perf_counter()
            mapping = importer.propose_mapping(table.columns)
            profiler = cProfile.Profile() if args.profile else None
            if profiler:
                profiler.enable()
            result = importer.validate(table, mapping, on_duplicate="skip")
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(35)
            t2 = time.perf_counter()
            if not result.ok:
                for error in result.errors[:20]:
                    print(f"Row {error.row}, column “{error.column}”: {error.message}")
                raise SystemExit(f"The generated file has {len(result.errors)} errors; the benchmark is broken.")
            connection.force_debug_cursor = True
            reset_queries()
            if profiler:
                profiler = cProfile.Profile()
                profiler.enable()
            counts = importer.write(result, source="benchmark")
            if profiler:
                profiler.disable()
                pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
            write_queries = len(connection.queries)
            connection.force_debug_cursor = False
            t3 = time.perf_counter()
            cpu_s = time.process_time() - c0

        read_s, check_s, write_s = t1 - t0, t2 - t1, t3 - t2
        total_s = t3 - t0
        rate = args.rows / total_s
        cpu_rate = args.rows / cpu_s
        load = os.getloadavg()
        lines = [
            "# Partner import benchmark",
            "",
            f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC with `.venv/bin/python bench/import_bench.py "
            f"--rows {args.rows} --existing {args.existing} --seed {args.seed}`.",
            "",
            f"- Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL).",
            f"- Database: fresh, migrated ({migrate_s:.1f} s), with {Partner.objects.count() - counts['created']:,} "
            f"existing partners and {keys_before:,} duplicate keys (built in {build_s:.1f} s).",
            f"- File: {args.rows:,} rows, {len(data) / 1e6:.1f} MB CSV (UTF-8), 13 columns, seed {args.seed}; "
            "names as in `organisation_names` above.",
            f"- Duplicate policy: skip. Rows matching an existing partner: {len(result.duplicate_rows):,}; "
            f"created: {counts['created']:,}; skipped: {counts['skipped']:,}.",
            "",
            "| Step | Seconds | Rows/s |",
            "|---|---:|---:|",
            f"| Read and decode the file | {read_s:.2f} | {args.rows / read_s:,.0f} |",
            f"| Check rows (validation, look-ups, duplicate checks in file and database) | {check_s:.2f} | "
            f"{args.rows / check_s:,.0f} |",
            f"| Write (partners, names, tags, search index, duplicate keys, history, audit; one transaction; "
            f"{write_queries} queries) | {write_s:.2f} | {args.rows / write_s:,.0f} |",
            f"| **Total: read + check + import** | **{total_s:.2f}** | **{rate:,.0f}** |",
            f"| Same, CPU time of this process (SQLite runs in it) | {cpu_s:.2f} | {cpu_rate:,.0f} |",
            "",
            f"Load average during the run: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} CPUs "
            "(wall-clock figures include waiting for the CPU when the machine is shared).",
            "",
            f"Target ≥ {TARGET_ROWS_PER_SECOND:,} rows/s (wall clock): "
            f"**{'met' if rate >= TARGET_ROWS_PER_SECOND else 'NOT met'}**.",
            "",
        ]
        report = "\n".join(lines)
        print(report)
        Path(args.out).write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
