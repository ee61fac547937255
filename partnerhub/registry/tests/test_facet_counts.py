"""The facet counts table (migration 0007) stays exact whatever writes the partners, and the list page's
facets and total read from it are the ones the partners themselves give."""

from collections import Counter

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from partnerhub.org.models import Office
from partnerhub.registry import duplicates, normalize, selectors, services
from partnerhub.registry.models import Country, Partner, StakeholderCategory
from partnerhub.registry.selectors import FACET_COUNTS_TABLE, PartnerFilters

pytestmark = pytest.mark.django_db


@pytest.fixture
def registrar(make_user):
    return make_user("staff", "plgu", email="registrar@example.org", office_code="plgu")


def make_partner(actor, name, *, country="KE", category="civil-society", **extra):
    data = {
        "name": name,
        "primary_category": StakeholderCategory.objects.get(code=category),
        "owning_office": Office.objects.get(code="youth"),
        "country": Country.objects.get(pk=country) if country else None,
        "identified_channel": "event",
        **extra,
    }
    return services.partner_create(actor=actor, data=data)


def stored():
    """What the counts table says, one entry per key with a partner (PostgreSQL may hold several deltas)."""
    with connection.cursor() as cursor:
        columns = "status, category_id, region_code, subregion_code, n"
        cursor.execute(f"SELECT {columns} FROM {FACET_COUNTS_TABLE}")  # noqa: S608
        rows = cursor.fetchall()
    totals: Counter[tuple[str, int, str, str]] = Counter()
    for status, category, region, subregion, n in rows:
        totals[(status, category, region, subregion)] += n
    return {key: n for key, n in totals.items() if n}


def truth():
    """The same counts from the partners themselves."""
    regions = {
        iso2: (region, subregion)
        for iso2, region, subregion in Country.objects.values_list("iso2", "region_code", "subregion_code")
    }
    return dict(
        Counter(
            (status, category, *regions.get(country, ("", "")))
            for status, category, country in Partner.objects.filter(merged_into__isnull=True).values_list(
                "status", "primary_category_id", "country_id"
            )
        )
    )


def bulk_partner(name, *, country="KE", category="civil-society", status="prospect"):
    return Partner(
        name=name,
        primary_category=StakeholderCategory.objects.get(code=category),
        owning_office=Office.objects.get(code="youth"),
        country_id=country,
        identified_channel="event",
        status=status,
        search_text=normalize.search_terms([name]),
        name_key=normalize.name_key(name),
    )


def test_the_table_follows_services_bulk_writes_raw_updates_and_deletes(registrar):
    first = make_partner(registrar, "Kisumu Tenants Union")
    make_partner(registrar, "Lagos Housing Cooperative", country="NG", category="academia")
    make_partner(registrar, "Stateless Network", country=None)
    assert stored() == truth()

    # Written around the services, as the import does: one multi-row insert.
    Partner.objects.bulk_create(
        [bulk_partner(f"Bulk Partner {i}", country=("KE", "FR", None)[i % 3]) for i in range(30)]
    )
    assert stored() == truth()
    assert sum(stored().values()) == 33

    # A status change through the service, and raw updates of every counted column.
    services.partner_change_status(actor=registrar, partner=first, status="under_due_diligence")
    assert stored() == truth()
    Partner.objects.filter(name__startswith="Bulk Partner 1").update(status="inactive")
    Partner.objects.filter(country_id="FR").update(country_id="BR")
    Partner.objects.filter(country__isnull=True).update(country_id="EG")
    Partner.objects.filter(name__startswith="Bulk Partner 2").update(
        primary_category=StakeholderCategory.objects.get(code="academia")
    )
    # An update that changes nothing counted (every save does this) leaves the table alone.
    before = stored()
    Partner.objects.update(description="Checked")
    assert stored() == before == truth()

    Partner.objects.filter(name__startswith="Bulk Partner 3").delete()
    assert stored() == truth()
    Partner.objects.all().delete()
    assert stored() == {}


def test_a_merge_and_its_undo_move_the_absorbed_partner_out_and_back(registrar):
    survivor = make_partner(registrar, "Habitat Coalition Kenya")
    absorbed = make_partner(registrar, "Habitat Coalition of Kenya", country="UG", category="academia")
    assert stored() == truth()

    merge = duplicates.partners_merge(actor=registrar, survivor=survivor, absorbed=absorbed, choices={})
    assert Partner.objects.get(pk=absorbed.pk).merged_into_id == survivor.pk
    assert stored() == truth()
    assert sum(stored().values()) == 1

    # A merged record changing or going away is not counted either way.
    Partner.objects.filter(pk=absorbed.pk).update(status="inactive")
    assert stored() == truth()

    duplicates.merge_revert(actor=registrar, merge=merge)
    assert stored() == truth()
    assert sum(stored().values()) == 2

    third = make_partner(registrar, "Habitat Coalition Nairobi", country="UG")
    Partner.objects.filter(pk=third.pk).update(merged_into=survivor)
    assert stored() == truth()
    Partner.objects.filter(pk=third.pk).delete()
    assert stored() == truth()
    assert sum(stored().values()) == 2


def test_a_country_moved_to_another_region_takes_its_partners_along(registrar):
    make_partner(registrar, "Kisumu Tenants Union")
    make_partner(registrar, "Kampala Tenants Union", country="UG")
    Partner.objects.bulk_create([bulk_partner("Mombasa Tenants Union", status="active")])
    kenya = Country.objects.get(pk="KE")
    kenya.subregion_code, kenya.region_code = "015", "002"
    kenya.save()
    assert stored() == truth()
    Country.objects.filter(pk="KE").update(region_code="150", subregion_code="155")
    assert stored() == truth()
    response = selectors._facets_uncached(user=registrar, filters=PartnerFilters(region="155"))
    assert response["total"] == 2


def test_partners_of_a_country_row_that_goes_and_comes_back_are_counted_under_no_region(registrar):
    """Foreign keys are deferred, so a flush (transactional tests) or a fixture load can delete or insert
    countries while partners still point to them."""
    make_partner(registrar, "Kisumu Tenants Union")
    make_partner(registrar, "Lyon Tenants Union", country="FR")
    kenya = Country.objects.filter(pk="KE").values().get()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_country WHERE iso2 = 'KE'")
    assert stored() == truth()
    assert (
        "prospect",
        Partner.objects.get(name__startswith="Kisumu").primary_category_id,
        "",
        "",
    ) in stored()
    Country.objects.bulk_create([Country(**{**kenya, "region_code": "150", "subregion_code": "155"})])
    assert stored() == truth()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_country")  # as Django's flush does, partners first or last
    Partner.objects.all().delete()
    assert stored() == {}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="deltas are appended on PostgreSQL only")
def test_postgresql_folds_the_appended_deltas_and_keeps_the_counts(registrar, monkeypatch):
    for i in range(6):
        make_partner(registrar, f"Delta Partner {i}", country=("KE", "FR")[i % 2])
    Partner.objects.filter(country_id="FR").update(status="active")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FACET_COUNTS_TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] > len(truth())
    expected = selectors._facets_uncached(user=registrar, filters=PartnerFilters())

    monkeypatch.setattr(selectors, "FACET_DELTA_LIMIT", 0)
    assert selectors._facets_uncached(user=registrar, filters=PartnerFilters()) == expected

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {FACET_COUNTS_TABLE}")  # noqa: S608
        assert cursor.fetchone()[0] == len(truth())
    assert stored() == truth()


def test_the_triggers_are_in_place():
    """A migration that rebuilds registry_partner (SQLite does for many column changes) drops its
    triggers; this fails until the rebuilt table gets them back."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name IN ('registry_partner', 'registry_country')"
            )
            expected = {
                "registry_partner_facet_ai",
                "registry_partner_facet_ad",
                "registry_partner_facet_au",
                "registry_country_facet_au",
            }
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                "AND tgrelid IN ('registry_partner'::regclass, 'registry_country'::regclass)"
            )
            expected = {
                "registry_partner_facet_ins",
                "registry_partner_facet_del",
                "registry_partner_facet_upd",
                "registry_partner_facet_truncate",
                "registry_country_facet_move",
            }
        assert expected <= {name for (name,) in cursor.fetchall()}


FILTERS = [
    PartnerFilters(),
    PartnerFilters(include_archived=True),
    PartnerFilters(status=["active"]),
    PartnerFilters(status=["archived", "prospect"]),
    PartnerFilters(region="002"),
    PartnerFilters(region="202", status=["prospect"]),
    PartnerFilters(country="KE"),
    PartnerFilters(country="FR", region="150"),
    PartnerFilters(category=[1]),
    PartnerFilters(category=[1, 2], status=["active"], region="002"),
]


@pytest.mark.parametrize("filters", FILTERS, ids=range(len(FILTERS)))
def test_facets_from_the_table_equal_facets_from_the_partners(registrar, filters, monkeypatch):
    categories = list(StakeholderCategory.objects.order_by("number")[:3])
    placed = [
        ("KE", "prospect"),
        ("KE", "active"),
        ("EG", "active"),
        ("FR", "inactive"),
        (None, "active"),
        ("BR", "archived"),
        ("KE", "under_due_diligence"),
        ("US", "active"),
    ]
    for i, (country, status) in enumerate(placed):
        partner = bulk_partner(f"Facet Partner {i}", country=country, status=status)
        partner.primary_category = categories[i % 3]
        partner.save()
    merged = Partner.objects.get(name="Facet Partner 1")
    Partner.objects.filter(pk=merged.pk).update(merged_into=Partner.objects.get(name="Facet Partner 0"))
    filters.category = [categories[c - 1].pk for c in filters.category]

    from_table = selectors._facets_uncached(user=registrar, filters=filters)
    monkeypatch.setattr(selectors, "_narrowed", lambda f: True)
    from_partners = selectors._facets_uncached(user=registrar, filters=filters)

    assert from_table == from_partners
    assert sum(n for _v, _label, n in from_table["status"]) > 0


def test_the_filtered_list_query_count_does_not_grow_with_the_data(
    registrar, client_for, django_assert_max_num_queries
):
    client = client_for(registrar)
    category = StakeholderCategory.objects.get(code="civil-society")
    urls = [
        reverse("registry:partner_list"),
        reverse("registry:partner_list") + f"?status=active&category={category.pk}",
        reverse("registry:partner_list") + "?country=KE&region=002",
    ]

    def fill(start, count):
        Partner.objects.bulk_create(
            [bulk_partner(f"Counted Partner {i}", status="active") for i in range(start, start + count)]
        )

    fill(0, 3)
    few = {}
    for url in urls:
        client.get(url)
        cache.clear()
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
        few[url] = len(captured)
    fill(3, 120)
    for url in urls:
        cache.clear()
        with django_assert_max_num_queries(few[url]):
            response = client.get(url)
        assert response.context["page"].paginator.count == 123


def test_the_theme_facets_count_partners_that_carry_every_chosen_theme(registrar, client_for):
    from partnerhub.registry.models import Tag

    housing, water = Tag.objects.order_by("pk")[:2]
    both = make_partner(registrar, "Both Themes Trust")
    one = make_partner(registrar, "One Theme Trust", country="FR")
    make_partner(registrar, "No Theme Trust")
    both.tags.set([housing, water])
    one.tags.set([housing])

    client = client_for(registrar)
    url = reverse("registry:partner_list")
    cache.clear()
    response = client.get(url, {"theme": [housing.pk, water.pk]})
    assert [p.name for p in response.context["page"]] == ["Both Themes Trust"]
    assert response.context["page"].paginator.count == 1
    cache.clear()
    response = client.get(url, {"theme": [housing.pk]})
    assert response.context["page"].paginator.count == 2
    regions = {code: n for code, _name, n in response.context["facets"]["region"] if n}
    assert regions == {"002": 1, "150": 1}
