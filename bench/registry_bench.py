"""Partner list and search at scale: generate realistic data, measure server time and query counts.

    .venv/bin/python bench/registry_bench.py --size 100000 --contacts 300000 [--db URL] [--label NAME]

Writes bench/results/registry-<label>.json and .md. The database is created (migrated) if needed and
filled once; later runs reuse it. Times are measured in-process around Django's full request handling
(middleware, view, queries, template rendering), i.e. server time without the network.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SCENARIOS = [
    ("list, first page", "/partners/"),
    ("search: common word", "/partners/?q=housing"),
    ("search: rare name", "/partners/?q={rare}"),
    ("search: accents folded", "/partners/?q=Sao+Paulo"),
    ("search: two words", "/partners/?q=urban+network"),
    ("filter: status + category", "/partners/?status=active&category={cat}"),
    ("filter: region + search", "/partners/?region=002&q=association"),
    ("filter: country", "/partners/?country=KE"),
    ("filter: theme", "/partners/?theme={tag}"),
    ("filter: office + year", "/partners/?office={office}&created_year=2025"),
    ("filter: ECOSOC + channel", "/partners/?ecosoc=special&channel=accreditation"),
    ("sort newest, page 40", "/partners/?sort=-created&page=40"),
]


def setup_django(db_url: str) -> None:
    os.environ["DATABASE_URL"] = db_url
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-0123456789abcdefghijklmnopqrstuvwxyz")
    os.environ["DEBUG"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["STATIC_MANIFEST"] = "0"
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["LOG_LEVEL"] = "ERROR"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()


def generate(size: int, contacts: int, seed: int = 7, dupkeys: bool = True) -> None:
    from django.db import connection, transaction
    from names import organisation_names, person

    from partnerhub.org.models import Office
    from partnerhub.registry import normalize
    from partnerhub.registry.choices import Channel, EcosocStatus
    from partnerhub.registry.models import (
        Contact,
        ContactRole,
        Country,
        DuplicateKey,
        Partner,
        StakeholderCategory,
        Tag,
    )
    from partnerhub.registry.services import duplicate_keys_for
    from partnerhub.registry.states import PartnerStatus

    have = Partner.objects.count()
    if have >= size:
        print(f"  data present: {have:,} partners")
        return
    rng = random.Random(seed)
    categories = list(StakeholderCategory.objects.values_list("id", flat=True))
    offices = list(Office.objects.values_list("id", flat=True))
    countries = list(Country.objects.values_list("iso2", flat=True))
    tags = list(Tag.objects.values_list("id", flat=True))
    channels = Channel.values
    statuses = (
        [PartnerStatus.ACTIVE] * 5
        + [PartnerStatus.PROSPECT] * 3
        + [PartnerStatus.INACTIVE, PartnerStatus.UNDER_DUE_DILIGENCE]
    )
    ecosoc = [""] * 17 + [EcosocStatus.SPECIAL, EcosocStatus.GENERAL, EcosocStatus.ROSTER]
    now = dt.datetime.now(dt.UTC)
    names = organisation_names(size - have, seed=seed + have)
    batch = 5000
    started = time.perf_counter()
    TagLink = Partner.tags.through
    created = have
    while created < size:
        chunk = []
        for _ in range(min(batch, size - created)):
            name = next(names)
            acronym = normalize.initials(name).upper()[:8] if rng.random() < 0.4 else ""
            domain = normalize.fold(name).replace(" ", "")[:20] + rng.choice([".org", ".com", ".net", ".ngo"])
            chunk.append(
                Partner(
                    name=name,
                    acronym=acronym,
                    primary_category_id=rng.choice(categories),
                    country_id=rng.choice(countries),
                    identified_channel=rng.choice(channels),
                    owning_office_id=rng.choice(offices),
                    status=rng.choice(statuses),
                    ecosoc_status=rng.choice(ecosoc),
                    website=f"https://www.{domain}" if rng.random() < 0.7 else "",
                    created_at=now - dt.timedelta(days=rng.randint(0, 5 * 365)),
                    search_text=normalize.search_terms([name, acronym]),
                    name_key=normalize.name_key(name)[:300],
                )
            )
        with transaction.atomic():
            objs = Partner.objects.bulk_create(chunk, batch_size=1000)
            TagLink.objects.bulk_create(
                [
                    TagLink(partner_id=p.pk, tag_id=t)
                    for p in objs
                    for t in rng.sample(tags, rng.randint(0, 3))
                ],
                batch_size=5000,
            )
            if dupkeys:
                DuplicateKey.objects.bulk_create(
                    [
                        DuplicateKey(partner_id=p.pk, key=k)
                        for p in objs
                        for k in duplicate_keys_for(name=p.name, acronym=p.acronym, website=p.website)
                    ],
                    batch_size=5000,
                    ignore_conflicts=True,
                )
        created += len(chunk)
        print(f"  partners {created:,}/{size:,} ({time.perf_counter() - started:.0f}s)", flush=True)
    ids = list(Partner.objects.values_list("id", flat=True))
    have_contacts = Contact.objects.count()
    while have_contacts < contacts:
        n = min(batch, contacts - have_contacts)
        people = []
        for _ in range(n):
            given, family = person(rng)
            people.append(
                Contact(
                    given_name=given,
                    family_name=family,
                    emails=[f"{given}.{family}{rng.randint(1, 999)}@example.org".lower()],
                    consent_email=rng.random() < 0.6,
                )
            )
        with transaction.atomic():
            contact_objs = Contact.objects.bulk_create(people, batch_size=1000)
            ContactRole.objects.bulk_create(
                [
                    ContactRole(
                        contact_id=c.pk,
                        partner_id=rng.choice(ids),
                        title="Director" if rng.random() < 0.2 else "Officer",
                        is_key_person=rng.random() < 0.2,
                    )
                    for c in contact_objs
                ],
                batch_size=5000,
            )
        have_contacts += n
        print(f"  contacts {have_contacts:,}/{contacts:,} ({time.perf_counter() - started:.0f}s)", flush=True)
    # Contact names are searchable: refresh search_text for partners with contacts, in bulk SQL-free Python.
    from collections import defaultdict

    extra: dict[int, list[str]] = defaultdict(list)
    for pid, given, family in ContactRole.objects.values_list(
        "partner_id", "contact__given_name", "contact__family_name"
    ).iterator(chunk_size=20000):
        extra[pid].append(f"{given} {family}")
    pending = []
    for partner in (
        Partner.objects.filter(pk__in=list(extra)).only("id", "name", "acronym").iterator(chunk_size=5000)
    ):
        partner.search_text = normalize.search_terms([partner.name, partner.acronym, *extra[partner.pk]])
        pending.append(partner)
        if len(pending) >= 5000:
            Partner.objects.bulk_update(pending, ["search_text"], batch_size=1000)
            pending = []
    if pending:
        Partner.objects.bulk_update(pending, ["search_text"], batch_size=1000)
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE") if not connection.in_atomic_block else None
    else:
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    print(f"  generated in {time.perf_counter() - started:.0f}s", flush=True)


REPLICA_PLACES = [
    "Nairobi", "Mombasa", "Lagos", "Accra", "Dakar", "Cairo", "Tunis", "Lima", "Quito", "Bogota",
    "Manila", "Dhaka", "Karachi", "Hanoi", "Jakarta", "Kampala", "Lusaka", "Harare", "Maputo", "Rabat",
    "Amman", "Beirut", "Tbilisi", "Almaty", "Fukuoka", "Medellin", "Recife", "Durban", "Kigali", "Addis Ababa",
]  # fmt: skip


def replicate(size: int) -> None:
    """PostgreSQL only: grow a complete database N-fold in SQL (minutes instead of an hour of ORM writes).

    Each copy of a partner gets a city appended to its name and search text (so names stay distinct and
    searches still hit realistic shares), an earlier creation date, and the same category, country,
    status, office and tags. Contacts are not copied: search text already holds their names.
    """
    from django.db import connection, transaction

    with connection.cursor() as cur:
        cur.execute("SELECT count(*), max(id) FROM registry_partner")
        have, top = cur.fetchone()
    if have >= size:
        print(f"  data present: {have:,} partners")
        return
    copies = -(-size // have) - 1
    from partnerhub.registry.models import Partner

    columns = [column for column in (f.column for f in Partner._meta.concrete_fields) if column]
    changed = {
        "id": "p.id + g * %(top)s",
        "version": "1",
        "created_at": "p.created_at - make_interval(days => g)",
        "name": "p.name || ' ' || pl.city",
        "search_text": "p.search_text || ' ' || lower(replace(pl.city, ' ', ''))",
        "name_key": "p.name_key || ' ' || lower(replace(pl.city, ' ', ''))",
        "merged_into_id": "NULL",
        "parent_id": "NULL",
    }
    select = ", ".join(changed.get(c, f"p.{c}") for c in columns)
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("CREATE TEMP TABLE bench_places (i int, city text) ON COMMIT DROP")
        cur.executemany("INSERT INTO bench_places VALUES (%s, %s)", list(enumerate(REPLICA_PLACES)))
        cur.execute(
            # Column names come from the model, values are parameters: nothing user-supplied.
            f"INSERT INTO registry_partner ({', '.join(columns)}) SELECT {select} "  # noqa: S608
            "FROM registry_partner p CROSS JOIN generate_series(1, %(copies)s) g "
            "JOIN bench_places pl ON pl.i = (p.id + g * 7) %% 30 WHERE p.id <= %(top)s",
            {"top": top, "copies": copies},
        )
        cur.execute(
            "INSERT INTO registry_partner_tags (partner_id, tag_id) SELECT t.partner_id + g * %(top)s, t.tag_id "
            "FROM registry_partner_tags t CROSS JOIN generate_series(1, %(copies)s) g WHERE t.partner_id <= %(top)s",
            {"top": top, "copies": copies},
        )
        cur.execute(
            "SELECT setval(pg_get_serial_sequence('registry_partner', 'id'), (SELECT max(id) FROM registry_partner))"
        )
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")
    print(
        f"  replicated {have:,} partners {copies + 1}-fold in {time.perf_counter() - started:.0f}s",
        flush=True,
    )


def measure(rounds: int) -> dict[str, object]:
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from partnerhub.accounts.models import User
    from partnerhub.accounts.services import user_create
    from partnerhub.registry.models import Partner, StakeholderCategory, Tag

    user = User.objects.filter(email="bench@example.org").first() or user_create(
        email="bench@example.org", full_name="Bench", password=None, roles=["staff", "plgu"]
    )
    client = Client()
    client.force_login(user, backend="partnerhub.accounts.backends.EmailBackend")
    sample = Partner.objects.order_by("id")[Partner.objects.count() // 2]
    rare = sample.name.split()[0]
    values = {
        "rare": rare.replace(" ", "+"),
        "cat": StakeholderCategory.objects.get(number=6).pk,
        "tag": Tag.objects.get(kind="theme", code="housing").pk,
        "office": sample.owning_office_id,
    }
    results: dict[str, object] = {}
    all_times: list[float] = []
    cold_times: list[float] = []
    for label, template in SCENARIOS:
        url = template.format(**values)
        client.get(url)  # warm the process (templates, connections)
        times = []
        cold = []
        for _ in range(rounds):
            # Cold: the facet counts for this filter combination are not cached (a new search).
            cache.clear()
            client.force_login(user, backend="partnerhub.accounts.backends.EmailBackend")
            start = time.perf_counter()
            response = client.get(url)
            cold.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
            # Warm: the same page again (paging back, or another user with the same filters).
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        cache.clear()
        client.force_login(user, backend="partnerhub.accounts.backends.EmailBackend")
        with CaptureQueriesContext(connection) as ctx:
            client.get(url)
        times.sort()
        cold.sort()
        p95 = _p95(times)
        all_times.extend(times)
        cold_times.extend(cold)
        results[label] = {
            "url": url,
            "p50_ms": round(statistics.median(times), 1),
            "p95_ms": round(p95, 1),
            "cold_p50_ms": round(statistics.median(cold), 1),
            "cold_p95_ms": round(_p95(cold), 1),
            "queries": len(ctx.captured_queries),
        }
        print(
            f"  {label:<32} warm p50 {statistics.median(times):7.1f} p95 {p95:7.1f}  "
            f"cold p50 {statistics.median(cold):7.1f} p95 {_p95(cold):7.1f} ms  "
            f"queries {len(ctx.captured_queries)}",
            flush=True,
        )
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/partners/{sample.pk}/")
    results["detail page"] = {"queries": len(ctx.captured_queries), "status": response.status_code}
    all_times.sort()
    cold_times.sort()
    results["overall"] = {
        "p95_ms": round(_p95(all_times), 1),
        "p50_ms": round(statistics.median(all_times), 1),
        "cold_p95_ms": round(_p95(cold_times), 1),
        "cold_p50_ms": round(statistics.median(cold_times), 1),
        "requests": len(all_times) + len(cold_times),
    }
    return results


def _p95(sorted_times: list[float]) -> float:
    return sorted_times[max(0, int(len(sorted_times) * 0.95) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--db", default="")
    parser.add_argument("--label", default="")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument(
        "--no-dupkeys", action="store_true", help="Skip duplicate keys (not used by list pages)."
    )
    parser.add_argument(
        "--replicate",
        action="store_true",
        help="PostgreSQL: reach --size by copying the partners already there in SQL (see replicate()).",
    )
    args = parser.parse_args()
    db = args.db or f"sqlite:///{ROOT / 'var' / 'bench' / f'registry-{args.size}.sqlite3'}"
    Path(ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    setup_django(db)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    label = args.label or f"{connection.vendor}-{args.size}"
    print(f"registry bench: {label}", flush=True)
    if args.replicate and connection.vendor == "postgresql":
        replicate(args.size)
    else:
        generate(args.size, args.contacts, dupkeys=not args.no_dupkeys)
    load_before = " ".join(f"{x:.2f}" for x in os.getloadavg())
    results = measure(args.rounds)
    load_after = " ".join(f"{x:.2f}" for x in os.getloadavg())
    out = {
        "label": label,
        "database": connection.vendor,
        "partners": args.size,
        "contacts": args.contacts,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "date": dt.date.today().isoformat(),
        "rounds": args.rounds,
        "load_before": load_before,
        "load_after": load_after,
        "results": results,
    }
    results_dir = ROOT / "bench" / "results"
    results_dir.mkdir(parents=True, exist_ok=True)
    (results_dir / f"registry-{label}.json").write_text(json.dumps(out, indent=2))
    lines = [
        f"# Partner list and search — {label}",
        "",
        f"{args.size:,} organisations, {args.contacts:,} contacts, {connection.vendor}; {out['machine']}; {out['date']}.",
        f"Server time per request (in-process, full Django stack), {args.rounds} rounds per scenario.",
        "",
        "Cold: the cache is emptied before the request, so the facet counts are computed (a new search).",
        "Warm: the same request again, facet counts from the cache (paging, or a colleague's same filters).",
        f"Machine load average (1, 5, 15 min) before the run: {load_before}; after: {load_after}.",
        "",
        "| scenario | cold p50 ms | cold p95 ms | warm p50 ms | warm p95 ms | queries (cold) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, value in results.items():
        if key in ("overall", "detail page"):
            continue
        assert isinstance(value, dict)
        lines.append(
            f"| {key} | {value['cold_p50_ms']} | {value['cold_p95_ms']} | {value['p50_ms']} "
            f"| {value['p95_ms']} | {value['queries']} |"
        )
    overall = results["overall"]
    detail = results["detail page"]
    assert isinstance(overall, dict) and isinstance(detail, dict)
    lines += [
        "",
        f"All cold requests: p50 {overall['cold_p50_ms']} ms, p95 {overall['cold_p95_ms']} ms.",
        f"All warm requests: p50 {overall['p50_ms']} ms, p95 {overall['p95_ms']} ms.",
        f"Partner detail page: {detail['queries']} queries.",
        "",
    ]
    (results_dir / f"registry-{label}.md").write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
