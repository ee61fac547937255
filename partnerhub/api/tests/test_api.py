"""The API's shared conventions: authentication, problem details, the OpenAPI document and pagination."""

import json
import re
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client

from partnerhub.api.urls import api
from partnerhub.org.models import Office

pytestmark = pytest.mark.django_db

PROBLEM = "application/problem+json"
HTTP_METHODS = {"get", "post", "put", "patch", "delete"}
SAMPLE_BY_TYPE = {"integer": "1", "string": "x", "number": "1"}


def _schema():
    return api.get_openapi_schema(path_prefix="/api/v1/")


def _operations():
    """Every (method, concrete path) the OpenAPI document lists, path parameters filled with sample values."""
    operations = []
    for template, item in _schema()["paths"].items():
        for method, operation in item.items():
            if method not in HTTP_METHODS:
                continue
            types = {
                p["name"]: p["schema"].get("type", "string")
                for p in operation.get("parameters", [])
                if p["in"] == "path"
            }
            path = re.sub(
                r"\{(\w+)\}", lambda m, types=types: SAMPLE_BY_TYPE[types.get(m.group(1), "string")], template
            )
            operations.append((method.upper(), path))
    return operations


OPERATIONS = _operations()


def _problem(response, status):
    assert response.status_code == status
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["type"].startswith("https://partnerhub.unhabitat.org/problems/")
    assert body["instance"] == urlparse(response.request["PATH_INFO"]).path
    assert body["title"]
    return body


# --- Authentication ---------------------------------------------------------------------------------


def test_the_document_lists_the_endpoints_we_know():
    assert {
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/offices"),
        ("POST", "/api/v1/offices"),
        ("GET", "/api/v1/offices/1"),
        ("PATCH", "/api/v1/offices/1"),
    } <= set(OPERATIONS)


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_anonymous_caller_gets_401_problem_json_on_every_endpoint(method, path):
    client = Client(enforce_csrf_checks=True)
    count = Office.objects.count()

    response = client.generic(method, path, "{}", content_type="application/json")

    body = _problem(response, 401)
    assert body["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="partnerhub"'
    assert Office.objects.count() == count


def test_signed_in_session_needs_the_csrf_token_for_changes(staff_member, administrator):
    # given an administrator's browser session that enforces CSRF
    office = Office.objects.get(code="youth")
    client = Client(enforce_csrf_checks=True)
    client.force_login(administrator, backend="partnerhub.accounts.backends.EmailBackend")
    client.get("/")  # the page sets the CSRF cookie

    # when a change is sent without the token, and then with it
    without = client.patch(
        f"/api/v1/offices/{office.pk}", {"version": 1, "city": "Kisumu"}, content_type="application/json"
    )
    unchanged = Office.objects.get(pk=office.pk).city
    with_token = client.patch(
        f"/api/v1/offices/{office.pk}",
        {"version": 1, "city": "Kisumu"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value,
    )

    # then only the second one is accepted
    _problem(without, 403)
    assert unchanged == "Nairobi"
    assert with_token.status_code == 200
    assert Office.objects.get(pk=office.pk).city == "Kisumu"


def test_unknown_record_is_a_404_problem(client_for, staff_member):
    body = _problem(client_for(staff_member).get("/api/v1/offices/999999"), 404)

    assert body["code"] == "not_found"


# --- The OpenAPI document ---------------------------------------------------------------------------


def test_openapi_document_is_for_signed_in_users_only(client, client_for, staff_member):
    anonymous = client.get("/api/v1/openapi.json")
    assert anonymous.status_code == 302
    assert anonymous["Location"] == "/accounts/login/?next=/api/v1/openapi.json"

    response = client_for(staff_member).get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert json.loads(response.content)["paths"]


def test_interactive_docs_open_for_signed_in_users(client_for, staff_member):
    response = client_for(staff_member).get("/api/v1/docs")

    assert response.status_code == 200
    assert "/api/v1/openapi.json" in response.content.decode()


def _refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_openapi_document_is_structurally_valid(client_for, staff_member):
    document = json.loads(client_for(staff_member).get("/api/v1/openapi.json").content)

    # the required top-level fields of OpenAPI 3.x
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    assert document["info"]["title"] == "PartnerHub API"
    assert document["info"]["version"] == "1.0.0"
    assert document["paths"]

    # every path is absolute and every operation answers something, with a unique id
    operation_ids = []
    for path, item in document["paths"].items():
        assert path.startswith("/api/v1/")
        operations = {m: op for m, op in item.items() if m in HTTP_METHODS}
        assert operations, path
        for operation in operations.values():
            assert operation["responses"], (path, operation)
            operation_ids.append(operation["operationId"])
            declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
            assert declared == set(re.findall(r"\{(\w+)\}", path))
            assert all(p["required"] for p in operation.get("parameters", []) if p["in"] == "path")
    assert len(operation_ids) == len(set(operation_ids))

    # every reference points at a schema that exists
    schemas = document.get("components", {}).get("schemas", {})
    for ref in _refs(document):
        assert ref.startswith("#/components/schemas/"), ref
        assert ref.removeprefix("#/components/schemas/") in schemas, ref

    # both ways to authenticate are described
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"}.items() <= schemes["BearerToken"].items()
    assert schemes["ActiveSession"]["in"] == "cookie"


# --- Pagination -------------------------------------------------------------------------------------


def test_lists_follow_the_pagination_convention(client_for, staff_member):
    client = client_for(staff_member)

    first = json.loads(client.get("/api/v1/offices", {"page_size": 5}).content)
    middle = json.loads(client.get("/api/v1/offices", {"page": 2, "page_size": 5}).content)
    last = json.loads(client.get("/api/v1/offices", {"page": 5, "page_size": 5}).content)

    assert list(first) == ["count", "page", "page_size", "next", "previous", "results"]
    assert (first["count"], first["page"], first["page_size"], len(first["results"])) == (21, 1, 5, 5)
    assert first["previous"] is None
    assert first["next"] == "http://testserver/api/v1/offices?page_size=5&page=2"
    assert middle["previous"] == "http://testserver/api/v1/offices?page=1&page_size=5"
    assert middle["next"] == "http://testserver/api/v1/offices?page=3&page_size=5"
    assert (last["page"], len(last["results"]), last["next"]) == (5, 1, None)
    seen = [o["code"] for o in first["results"] + middle["results"]]
    assert seen == list(Office.objects.order_by("name").values_list("code", flat=True)[:10])


def test_pagination_links_keep_the_filters(client_for, staff_member):
    body = json.loads(
        client_for(staff_member).get("/api/v1/offices", {"kind": "unit", "page_size": 2}).content
    )

    assert body["count"] == Office.objects.filter(kind="unit").count()
    assert parse_qs(urlparse(body["next"]).query) == {"kind": ["unit"], "page": ["2"], "page_size": ["2"]}


def test_default_page_size_is_fifty(client_for, staff_member):
    body = json.loads(client_for(staff_member).get("/api/v1/offices").content)

    assert (body["page"], body["page_size"], body["next"]) == (1, 50, None)
    assert len(body["results"]) == 21


def test_page_beyond_the_end_is_empty(client_for, staff_member):
    body = json.loads(client_for(staff_member).get("/api/v1/offices", {"page": 9}).content)

    assert (body["count"], body["results"], body["next"]) == (21, [], None)


@pytest.mark.parametrize("query", [{"page": 0}, {"page_size": 0}, {"page_size": 201}, {"page": "two"}])
def test_out_of_range_paging_is_a_422_problem(client_for, staff_member, query):
    body = _problem(client_for(staff_member).get("/api/v1/offices", query), 422)

    assert body["code"] == "validation_failed"
    assert body["errors"]


# --- Validation errors ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "location"),
    [
        ({"city": "Kisumu"}, ["body", "payload", "version"]),
        ({"version": "first", "city": "Kisumu"}, ["body", "payload", "version"]),
        ({"version": 1, "is_active": "perhaps"}, ["body", "payload", "is_active"]),
    ],
)
def test_malformed_body_is_a_422_problem_naming_the_field_and_changes_nothing(
    client_for, administrator, payload, location
):
    office = Office.objects.get(code="youth")
    before = Office.objects.filter(pk=office.pk).values().get()

    response = client_for(administrator).patch(
        f"/api/v1/offices/{office.pk}", payload, content_type="application/json"
    )

    body = _problem(response, 422)
    assert body["code"] == "validation_failed"
    assert body["title"] == "Some values are not valid."
    assert [error["loc"] for error in body["errors"]] == [location]
    assert Office.objects.filter(pk=office.pk).values().get() == before


def test_business_rule_violation_is_a_422_problem_with_field_errors(client_for, administrator):
    office = Office.objects.get(code="youth")

    response = client_for(administrator).patch(
        f"/api/v1/offices/{office.pk}", {"version": 1, "kind": "team"}, content_type="application/json"
    )

    body = _problem(response, 422)
    assert body["code"] == "validation_failed"
    assert body["errors"] == {"kind": ["Value 'team' is not a valid choice."]}
    assert Office.objects.get(pk=office.pk).kind == "unit"
