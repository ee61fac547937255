"""Helpers shared by the monitoring tests (no tests here): a tiny CSV list, partners and people.

Everything that commits (loads, partner and contact saves) runs inside `committing(...)`, which executes
the `transaction.on_commit` callbacks the way a real request does, so the receivers and the (immediate)
tasks run as they would in production."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any

from partnerhub.core.context import acting_as, actor_for
from partnerhub.org.models import Office
from partnerhub.registry import services as registry
from partnerhub.registry.models import Contact, Country, Partner, StakeholderCategory
from partnerhub.screening import services

HEADER = "name,aliases,kind,birth_date,country,reference\n"
SHIPPING = "Example Shipping Company,Example Shipping,organisation,,YE,TST.001\n"
PERSON = "Amina Testperson,Aminah Testperson,person,1970,SO,TST.002\n"
OTHER = "Completely Unrelated Foundation,,organisation,,KP,TST.003\n"


def csv_list(*rows: str) -> bytes:
    return (HEADER + "".join(rows)).encode()


def csv_source(code: str = "test-csv") -> Any:
    return services.list_source_create(actor=None, data={"code": code, "name": "Test list", "format": "csv"})


@contextlib.contextmanager
def committing(capture: Callable[..., Any], user: Any = None) -> Iterator[None]:
    """Run the block as one request by `user` whose transaction commits (on_commit callbacks run)."""
    with contextlib.ExitStack() as stack:
        if user is not None:
            stack.enter_context(acting_as(actor_for(user)))
        stack.enter_context(capture(execute=True))
        yield


def load(capture: Callable[..., Any], source: Any, *rows: str) -> Any:
    with committing(capture):
        return services.sanctions_list_load(
            source=source, data=csv_list(*rows), actor=None, origin="t.csv"
        ).snapshot


def make_partner(capture: Callable[..., Any], actor: Any, name: str, **extra: Any) -> Partner:
    names = extra.pop("names", ())
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code="civil-society"),
        "owning_office": Office.objects.get(code="plgu"),
        "country": Country.objects.get(pk=extra.pop("country", "KE")),
        "identified_channel": "event",
        **extra,
    }
    with committing(capture, actor):
        return registry.partner_create(
            actor=actor, data=data, alternative_names=[(n, "en", "alternative") for n in names]
        )


def add_person(
    capture: Callable[..., Any], actor: Any, partner: Partner, given: str, family: str, *, key: bool = True
) -> Contact:
    with committing(capture, actor):
        return registry.contact_create(
            actor=actor,
            data={"given_name": given, "family_name": family},
            partner=partner,
            title="Director" if key else "Assistant",
            is_key_person=key,
        )
