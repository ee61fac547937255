"""Search goes through an index (SQLite FTS5 trigram, PostgreSQL pg_trgm) and stays in step with every write;
the list page's total and facets stay exact whatever wrote the data."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from partnerhub.org.models import Office
from partnerhub.registry import normalize, services
from partnerhub.registry.models import Country, Partner, StakeholderCategory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(make_user):
    return make_user("staff", "plgu", email="registrar@example.org", office_code="plgu")


def make_partner(actor, name, *, country="KE", **extra):
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code="civil-society"),
        "owning_office": Office.objects.get(code="youth"),
        "country": Country.objects.get(pk=country),
        "identified_channel": "event",
        **extra,
    }
    return services.partner_create(actor=actor, data=data)


def found(client, q, **params):
    response = client.get(reverse("registry:partner_list"), {"q": q, **params})
    assert response.status_code == 200
    return sorted(p.name for p in response.context["page"])


def test_search_finds_substrings_and_follows_renames(registrar, client_for):
    client = client_for(registrar)
    partner = make_partner(registrar, "Nairobi Slum Dwellers Federation")
    make_partner(registrar, "Lagos Housing Cooperative", country="NG")

    assert found(client, "dwell") == ["Nairobi Slum Dwellers Federation"]
    assert found(client, "slum federation") == ["Nairobi Slum Dwellers Federation"]

    services.partner_update(
        actor=registrar,
        partner=partner,
        data={"name": "Kisumu Tenants Union"},
        expected_version=partner.version,
    )
    assert found(client, "dwellers") == []
    assert found(client, "tenants") == ["Kisumu Tenants Union"]


def test_short_terms_still_narrow_the_result(registrar, client_for):
    client = client_for(registrar)
    make_partner(registrar, "UN Women Kenya", acronym="UNW")
    make_partner(registrar, "Women in Cities International")

    assert found(client, "women") == ["UN Women Kenya", "Women in Cities International"]
    assert found(client, "un women") == ["UN Women Kenya"]


def test_a_deleted_partner_is_no_longer_found(registrar, client_for):
    client = client_for(registrar)
    partner = make_partner(registrar, "Temporary Record Association")
    assert found(client, "temporary") == ["Temporary Record Association"]
    Partner.objects.filter(pk=partner.pk).delete()
    assert found(client, "temporary") == []


def test_the_total_is_exact_after_writes_that_bypass_the_services(registrar, client_for):
    """Bulk writes (imports, merges) do not go through partner_create; the count must still be right."""
    client = client_for(registrar)
    make_partner(registrar, "First Habitat Network")
    assert client.get(reverse("registry:partner_list")).context["page"].paginator.count == 1

    name = "Second Habitat Network"
    Partner.objects.bulk_create(
        [
            Partner(
                name=name,
                primary_category=StakeholderCategory.objects.get(code="civil-society"),
                owning_office=Office.objects.get(code="youth"),
                country_id="KE",
                identified_channel="event",
                search_text=normalize.search_terms([name]),
                name_key=normalize.name_key(name),
            )
        ]
    )
    response = client.get(reverse("registry:partner_list"))
    assert response.context["page"].paginator.count == 2
    assert "2 partners" in response.content.decode()
    assert found(client, "second habitat") == [name]


def test_a_subregion_filter_counts_statuses_in_that_subregion(registrar, client_for):
    client = client_for(registrar)
    make_partner(registrar, "Kenyan Planners Guild", country="KE")  # Sub-Saharan Africa (202)
    make_partner(registrar, "Egyptian Planners Guild", country="EG")  # Northern Africa (015)
    cache.clear()

    response = client.get(reverse("registry:partner_list"), {"region": "202"})

    assert [p.name for p in response.context["page"]] == ["Kenyan Planners Guild"]
    statuses = {value: n for value, _label, n in response.context["facets"]["status"]}
    assert statuses["prospect"] == 1
    assert response.context["page"].paginator.count == 1


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the FTS5 table exists on SQLite only")
def test_sqlite_search_uses_the_trigram_index(registrar, client_for):
    make_partner(registrar, "Cooperative Housing Foundation")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM registry_partner_fts WHERE registry_partner_fts MATCH ?", ['"housing"']
        )
        assert cursor.fetchone()[0] == 1
    queryset = services_search_sql(registrar, "housing")
    assert "registry_partner_fts" in queryset
    assert "LIKE" not in queryset.upper().split("WHERE", 1)[1]


def services_search_sql(user, q):
    from partnerhub.registry.selectors import PartnerFilters, partner_search

    return str(partner_search(user=user, filters=PartnerFilters(q=q)).query)
