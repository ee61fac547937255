"""Reference numbers under concurrency: two transactions allocating at once never get the same number.
Needs real row locks, so it runs on PostgreSQL (CI) and is skipped on SQLite, which serialises writers."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from partnerhub.agreements.models import InstrumentType
from partnerhub.agreements.services import allocate_reference


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_allocations_get_distinct_sequence_numbers():
    instrument = InstrumentType.objects.get(code="MOU")
    barrier = threading.Barrier(4)
    results: list[str] = []
    errors: list[BaseException] = []

    def allocate() -> None:
        try:
            barrier.wait()
            with transaction.atomic():
                results.append(allocate_reference(instrument=instrument, office_code="plgu", year=2031))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=allocate) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert errors == []
    assert sorted(results) == [f"MOU/PLGU/2031/00{n}" for n in range(1, 5)]
