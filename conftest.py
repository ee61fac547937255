"""Shared fixtures: settings for tests and named personas, one per role."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture(autouse=True)
def _test_settings(settings: Any, tmp_path: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    from django.core.cache import cache

    cache.clear()  # cached facet counts and throttles must not leak between tests


PASSWORD = "Correct-horse-battery-9"


@pytest.fixture
def make_user(db: Any) -> Callable[..., Any]:
    from partnerhub.accounts.services import user_create
    from partnerhub.org.models import Office

    counter = {"n": 0}

    def _make(*roles: str, email: str | None = None, office_code: str | None = None, **extra: Any) -> Any:
        counter["n"] += 1
        email = email or f"user{counter['n']}-{'-'.join(roles) or 'none'}@example.org"
        office = Office.objects.get(code=office_code) if office_code else None
        return user_create(
            email=email,
            full_name=extra.pop("full_name", email.split("@")[0]),
            password=PASSWORD,
            roles=roles,
            office=office,
            **extra,
        )

    return _make


@pytest.fixture
def staff_member(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", email="staff.member@example.org", office_code="ro-lac")


@pytest.fixture
def focal_point(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", "focal_point", email="focal.point@example.org", office_code="cdtu")


@pytest.fixture
def plgu_officer(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", "plgu", email="plgu.officer@example.org", office_code="plgu")


@pytest.fixture
def legal_officer(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", "legal", email="legal.officer@example.org", office_code="legal")


@pytest.fixture
def sgb_officer(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", "sgb", email="sgb.officer@example.org", office_code="sgb")


@pytest.fixture
def oed_officer(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", "oed", email="oed.officer@example.org", office_code="oed")


@pytest.fixture
def comms_officer(make_user: Callable[..., Any]) -> Any:
    return make_user("staff", "comms", email="comms.officer@example.org", office_code="cms")


@pytest.fixture
def administrator(make_user: Callable[..., Any]) -> Any:
    return make_user("admin", "staff", email="administrator@example.org", office_code="plgu", is_staff=True)


@pytest.fixture
def partner_user(make_user: Callable[..., Any]) -> Any:
    return make_user("partner", email="partner.user@example.org")


PERSONAS = [
    "staff_member",
    "focal_point",
    "plgu_officer",
    "legal_officer",
    "sgb_officer",
    "oed_officer",
    "comms_officer",
    "administrator",
    "partner_user",
]


@pytest.fixture
def persona(request: Any) -> Any:
    """Indirect parametrisation: `@pytest.mark.parametrize("persona", PERSONAS, indirect=True)`."""
    return request.getfixturevalue(request.param)


@pytest.fixture
def client_for(client: Any) -> Callable[[Any], Any]:
    def _login(user: Any) -> Any:
        client.force_login(user, backend="partnerhub.accounts.backends.EmailBackend")
        return client

    return _login
