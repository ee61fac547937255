"""`make bench`: every benchmark the issues name, figures written to bench/results/.

    .venv/bin/python bench/run.py            # SQLite and PostgreSQL at 100,000 partners, dedupe, import
    BENCH_1M=1 .venv/bin/python bench/run.py # also 1,000,000 partners on PostgreSQL (copied 10-fold in SQL)

PostgreSQL runs use BENCH_PG_URL (default postgres://postgres@127.0.0.1:5432/partnerhub_bench_100k);
they are skipped with a message when no server answers there.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable


def run(args: list[str]) -> int:
    print("\n$ " + " ".join(args), flush=True)
    return subprocess.call(args, cwd=ROOT)


def postgres_available(url: str) -> bool:
    try:
        import psycopg
    except ImportError:
        return False
    base, _sep, name = url.rpartition("/")
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error as exc:
        print(f"PostgreSQL not available at {url}: {exc}")
        return False
    return True


def _copy_database(source_url: str, target_url: str) -> bool:
    """Create the target database as a copy of the source (PostgreSQL TEMPLATE) unless it exists."""
    import psycopg

    base, _sep, source = source_url.rpartition("/")
    target = target_url.rpartition("/")[2]
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target,)).fetchone():
                return True
            conn.execute(f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    except psycopg.Error as exc:
        print(f"Could not copy {source} to {target}: {exc}")
        return False
    return True


def main() -> int:
    failures = 0
    failures += run([PY, "bench/registry_bench.py", "--size", "100000", "--contacts", "300000"]) != 0
    pg = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/partnerhub_bench_100k")
    if postgres_available(pg):
        failures += (
            run([PY, "bench/registry_bench.py", "--size", "100000", "--contacts", "300000", "--db", pg]) != 0
        )
        if os.environ.get("BENCH_1M"):
            # A copy of the 100,000-partner database, grown ten-fold in SQL (registry_bench.replicate).
            pg1m = pg.rsplit("/", 1)[0] + "/partnerhub_bench_1m"
            if _copy_database(pg, pg1m):
                failures += (
                    run(
                        [
                            PY,
                            "bench/registry_bench.py",
                            "--size",
                            "1000000",
                            "--contacts",
                            "300000",
                            "--db",
                            pg1m,
                            "--rounds",
                            "10",
                            "--replicate",
                        ]
                    )
                    != 0
                )
    # Sanctions screening engine: quality sets, 1M-name speed and nomenklatura side by side.
    if (ROOT / "bench/screening_bench.py").exists():
        failures += run([PY, "bench/screening_bench.py"]) != 0
    for script in ("bench/dedupe_eval.py", "bench/dedupe_bench.py", "bench/import_bench.py"):
        if (ROOT / script).exists():
            failures += run([PY, script]) != 0
    # The import again on PostgreSQL (its own database of existing partners, built on first use).
    pg_import = pg.rsplit("/", 1)[0] + "/partnerhub_import_bench"
    if (ROOT / "bench/import_bench.py").exists() and postgres_available(pg_import):
        failures += run([PY, "bench/import_bench.py", "--db", pg_import]) != 0
    print(f"\nResults in {ROOT / 'bench' / 'results'}")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
