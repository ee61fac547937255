"""The shell every page shares: dashboard, health check, error pages, and sign-in required everywhere."""

import inspect
import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import DatabaseError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from conftest import PERSONAS
from partnerhub.accounts.models import User
from partnerhub.org.models import Office

pytestmark = pytest.mark.django_db


# --- Dashboard --------------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "partner_user"], indirect=True)
def test_dashboard_shows_staff_the_office_and_user_counts(client_for, make_user, persona):
    # given, besides the persona, an inactive office, a partner user and a deactivated staff member
    Office.objects.create(code="closed", name="Closed Office", kind="unit", is_active=False)
    make_user("partner", email="other.partner@example.org")
    gone = make_user("staff", email="gone@example.org")
    User.objects.filter(pk=gone.pk).update(is_active=False)

    # when a staff member opens the dashboard
    response = client_for(persona).get("/")

    # then the cards count the 21 seeded active offices, the one active staff user and the one partner user
    assert response.status_code == 200
    cards = {str(card.label): card.value for card in response.context["cards"]}
    foundation_cards = {label: cards.get(label) for label in ("Offices", "Staff users", "Partner users")}
    assert foundation_cards == {"Offices": 21, "Staff users": 1, "Partner users": 1}
    html = response.content.decode()
    assert f"Welcome, {persona.display_name}" in html
    assert '<a href="/offices/" class="stretched-link text-decoration-none">21</a>' in html


def test_dashboard_shows_a_partner_user_no_internal_counts(client_for, partner_user):
    response = client_for(partner_user).get("/")

    assert response.status_code == 200
    assert response.context["cards"] == []
    html = response.content.decode()
    assert "Nothing to show yet." in html
    assert 'href="/offices/"' not in html


def test_dashboard_queries_do_not_grow_with_the_data(client_for, make_user, staff_member):
    # given the dashboard's query count with the seeded data
    client = client_for(staff_member)
    client.get("/")
    with CaptureQueriesContext(connection) as few:
        assert client.get("/").status_code == 200

    # when 50 offices and 20 users are added
    Office.objects.bulk_create(Office(code=f"extra-{n}", name=f"Extra {n}", kind="unit") for n in range(50))
    for n in range(20):
        make_user("staff" if n % 2 else "partner", email=f"extra{n}@example.org")
    with CaptureQueriesContext(connection) as many:
        response = client.get("/")

    # then it counts them with the same number of queries
    assert {str(c.label): c.value for c in response.context["cards"]}["Offices"] == 71
    assert len(many) == len(few)


# --- Health check -----------------------------------------------------------------------------------


def test_healthz_answers_ok_without_signing_in(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert json.loads(response.content) == {"status": "ok", "database": "ok"}
    assert "no-cache" in response["Cache-Control"]


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    # given every attempt to open a cursor fails
    def unreachable(*args, **kwargs):
        raise DatabaseError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)

    # when the load balancer asks
    response = client.get("/healthz")

    # then it is told the site is unavailable and why
    assert response.status_code == 503
    assert json.loads(response.content) == {"status": "unavailable", "database": "unreachable"}


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


# --- Error pages ------------------------------------------------------------------------------------


def test_refusal_page_says_why_in_words(client_for, staff_member):
    response = client_for(staff_member).get("/offices/new/")

    assert response.status_code == 403
    html = response.content.decode()
    assert "You are not allowed to see this page" in html
    assert "Only administrators can add offices." in html
    assert "<title>Not allowed · PartnerHub</title>" in html


def test_unknown_page_shows_the_not_found_page(client_for, staff_member):
    response = client_for(staff_member).get("/no-such-page/")

    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html
    assert "The page or record does not exist, or you do not have access to it." in html


def test_missing_record_shows_the_not_found_page(client_for, staff_member):
    response = client_for(staff_member).get("/offices/999999/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_server_error_page_renders_without_a_request_context(rf):
    from partnerhub.core.views import server_error

    response = server_error(rf.get("/"))

    assert response.status_code == 500
    assert "Something went wrong" in response.content.decode()


# --- Sign-in required everywhere --------------------------------------------------------------------

# Deliberately public: the health check, the sign-in steps, the language switch and the admin (own login).
PUBLIC = {"healthz", "accounts/login/", "accounts/login/verify/"}
SKIPPED_PREFIXES = ("admin/", "i18n/", "static/", "media/")
# django-ninja's placeholder for the API root: it answers 404 to everyone and serves nothing.
NINJA_ROOT = "api/v1/"
API_DOCS = {"api/v1/docs", "api/v1/openapi.json"}
SAMPLES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


def _all_patterns(resolver=None, prefix=""):
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if route.startswith(SKIPPED_PREFIXES):
            continue
        if isinstance(pattern, URLResolver):
            yield from _all_patterns(pattern, route)
        else:
            assert isinstance(pattern, URLPattern)
            yield route, pattern


def _sample_path(route):
    return "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: SAMPLES[m.group(1) or "str"], route)


def _methods(pattern):
    """The HTTP methods a django-ninja path answers; GET for ordinary pages (checked before the view runs)."""
    path_view = inspect.getclosurevars(pattern.callback).nonlocals.get("self")
    if path_view is None or not hasattr(path_view, "operations"):
        return ["GET"]
    return sorted({m for op in path_view.operations for m in op.methods})


PROTECTED = [(route, pattern) for route, pattern in _all_patterns() if route not in PUBLIC | {NINJA_ROOT}]


def test_walk_finds_the_pages_and_endpoints_we_know():
    routes = {route for route, _ in PROTECTED}
    assert {
        "",
        "offices/",
        "offices/<int:pk>/edit/",
        "accounts/security/",
        "api/v1/me",
        "api/v1/offices",
    } <= routes


@pytest.mark.parametrize(("route", "pattern"), PROTECTED, ids=[r or "/" for r, _ in PROTECTED])
def test_anonymous_visitor_is_sent_to_sign_in_or_refused_by_the_api(route, pattern):
    client = Client(enforce_csrf_checks=True)  # as a real client: no CSRF token either
    path = _sample_path(route)
    for method in _methods(pattern):
        response = client.generic(method, path)
        if route.startswith("api/v1/") and route not in API_DOCS:
            assert response.status_code == 401, (method, path)
            assert response["Content-Type"] == "application/problem+json"
            assert response["WWW-Authenticate"] == 'Bearer realm="partnerhub"'
        else:
            assert response.status_code == 302, (method, path)
            target = urlparse(response["Location"])
            assert target.path == "/accounts/login/"
            assert parse_qs(target.query) == {"next": [path]}


def test_public_endpoints_really_are_public(client):
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 200
    # the second sign-in step without a first one sends the visitor back to the first
    response = client.get("/accounts/login/verify/")
    assert (response.status_code, response["Location"]) == (302, "/accounts/login/")
