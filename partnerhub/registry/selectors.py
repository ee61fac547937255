"""Reads of the partners database that depend on who is asking."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.cache import cache
from django.db import connections, transaction
from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import Http404

from partnerhub.registry import normalize
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    Country,
    Partner,
    Relationship,
    StakeholderCategory,
    Tag,
)
from partnerhub.registry.permissions import can_use_registry, can_view_partner, member_partner_id
from partnerhub.registry.states import PartnerStatus


def partners_visible_to(*, user: Any) -> QuerySet[Partner]:
    """Staff: every partner not merged away. Partner users: their own organisation only."""
    base = Partner.objects.filter(merged_into__isnull=True)
    if can_use_registry(user):
        return base
    own = member_partner_id(user)
    return base.filter(pk=own) if own else base.none()


def partner_get_for(*, user: Any, pk: int) -> Partner:
    """The partner (even if merged away, so callers can redirect), or 404 if absent or not visible."""
    try:
        partner = Partner.objects.select_related(
            "country",
            "registration_country",
            "primary_category",
            "owning_office",
            "relationship_manager",
            "identified_by",
            "parent",
            "merged_into",
        ).get(pk=pk)
    except Partner.DoesNotExist:
        raise Http404 from None
    if not can_view_partner(user, partner):
        raise Http404
    return partner


@dataclass
class PartnerFilters:
    q: str = ""
    category: list[int] = field(default_factory=list)
    region: str = ""
    country: str = ""
    status: list[str] = field(default_factory=list)
    theme: list[int] = field(default_factory=list)
    channel: str = ""
    office: int | None = None
    ecosoc: str = ""
    created_year: int | None = None
    include_archived: bool = False
    sort: str = "name"


SORTS = {
    "name": ("name", "id"),
    "-name": ("-name", "-id"),
    "created": ("created_at", "id"),
    "-created": ("-created_at", "-id"),
    "country": ("country__name_en", "name", "id"),
    "status": ("status", "name", "id"),
}


LIVE_STATUSES = [s for s in PartnerStatus.values if s != PartnerStatus.ARCHIVED]


# SQLite's trigram index (migration 0005) finds substrings of three characters or more.
_FTS_MIN = 3
_FTS_SQL = "SELECT rowid FROM registry_partner_fts WHERE registry_partner_fts MATCH %s"


def _search(qs: QuerySet[Partner], terms: list[str]) -> QuerySet[Partner]:
    """Every term must occur in `search_text` (folded names, acronyms, other names and contacts).

    PostgreSQL answers `LIKE '%term%'` from its trigram index. SQLite would scan every row, so terms of
    three characters or more go through its FTS5 trigram table; shorter ones filter what that finds.
    Terms come from `normalize.query_terms` and hold only [0-9a-z], so quoting them is enough.
    """
    if connections[qs.db].vendor == "sqlite":
        indexed = [t for t in terms if len(t) >= _FTS_MIN]
        if indexed:
            expression = " AND ".join(f'"{t}"' for t in indexed)
            qs = qs.filter(pk__in=RawSQL(_FTS_SQL, [expression]))  # noqa: S611 (parameterised)
        terms = [t for t in terms if len(t) < _FTS_MIN]
    for term in terms:
        qs = qs.filter(search_text__contains=term)
    return qs


# Partners carrying a category besides their primary one are few; listing their ids lets the database
# use its indexes for "primary OR other category" (with a subquery PostgreSQL scans the whole table).
_SECONDARY_LIMIT = 5000


def _secondary_members(categories: list[int]) -> Any:
    secondary = Partner.other_categories.through.objects.filter(
        stakeholdercategory_id__in=categories
    ).values_list("partner_id", flat=True)
    ids = list(secondary[: _SECONDARY_LIMIT + 1])
    return ids if len(ids) <= _SECONDARY_LIMIT else secondary


def _countries_in(region: str) -> QuerySet[Country, Any]:
    return Country.objects.filter(Q(region_code=region) | Q(subregion_code=region)).values("iso2")


def _apply(qs: QuerySet[Partner], f: PartnerFilters, skip: frozenset[str] = frozenset()) -> QuerySet[Partner]:
    if f.q:
        qs = _search(qs, normalize.query_terms(f.q))
    if f.category and "category" not in skip:
        qs = qs.filter(Q(primary_category__in=f.category) | Q(pk__in=_secondary_members(f.category)))
    if f.region and "region" not in skip:
        qs = qs.filter(country_id__in=_countries_in(f.region))
    if f.country:
        qs = qs.filter(country_id=f.country)
    if "status" not in skip:
        if f.status:
            qs = qs.filter(status__in=f.status)
        elif not f.include_archived:
            qs = qs.filter(status__in=LIVE_STATUSES)
    if f.theme:
        for tag_id in f.theme:
            qs = qs.filter(tags=tag_id)
    if f.channel:
        qs = qs.filter(identified_channel=f.channel)
    if f.office:
        qs = qs.filter(owning_office_id=f.office)
    if f.ecosoc:
        qs = qs.filter(ecosoc_status=f.ecosoc)
    if f.created_year:
        start = dt.datetime(f.created_year, 1, 1, tzinfo=dt.UTC)
        qs = qs.filter(created_at__gte=start, created_at__lt=start.replace(year=f.created_year + 1))
    return qs


def partner_search(*, user: Any, filters: PartnerFilters) -> QuerySet[Partner]:
    """Partners the user may see that match the filters, ready for a list page (bounded queries)."""
    qs = _apply(partners_visible_to(user=user), filters)
    return qs.select_related("country", "primary_category", "owning_office").order_by(
        *SORTS.get(filters.sort, SORTS["name"])
    )


FACET_CACHE_SECONDS = 60
FACET_GENERATION_KEY = "registry:facets:generation"


def facets_invalidate() -> None:
    """Forget cached facet counts (called by services after partners change)."""
    try:
        cache.incr(FACET_GENERATION_KEY)
    except ValueError:
        cache.set(FACET_GENERATION_KEY, 1)


def partner_facets(*, user: Any, filters: PartnerFilters) -> dict[str, Any]:
    """Counts per status, category and region, each with the other filters applied, and the total.

    Without a filter that needs the partners themselves (search, country, theme, office, year, ECOSOC,
    channel), the counts come from `registry_partner_facet_counts` (migration 0007): the non-merged
    partners already counted per (status, primary category, region, sub-region) by database triggers,
    at most a few thousand small rows. Otherwise one grouped query over the matching partners gives
    the same groups. Either way the three facets are summed from one result, and the same sums give the
    exact number of results (`total`), so the list page needs no separate COUNT, except when a category
    filter also matches secondary categories (`total` is then None). Staff all see the same partners, so
    the counts for a filter combination are cached briefly and shared between them.
    """
    if not can_use_registry(user):
        return _facets_uncached(user=user, filters=filters)
    generation = cache.get_or_set(FACET_GENERATION_KEY, 0)
    # Services bump the generation when they commit; the latest change time (one indexed lookup) also
    # covers writes that bypass them (bulk imports, merges) and the writer's own uncommitted changes.
    latest = Partner.objects.order_by("-updated_at").values_list("updated_at", flat=True).first()
    key = (
        "registry:facets:"
        + hashlib.sha256(
            f"{generation}|{latest}|{sorted(asdict(filters).items())}|{_lang_suffix()}".encode()
        ).hexdigest()
    )
    cached = cache.get(key)
    if cached is None:
        cached = _facets_uncached(user=user, filters=filters)
        cache.set(key, cached, FACET_CACHE_SECONDS)
    return cached  # type: ignore[no-any-return]


def _narrowed(f: PartnerFilters) -> bool:
    """Does any filter other than status, category and region (the facets' own) apply?"""
    return bool(f.q or f.country or f.theme or f.channel or f.office or f.ecosoc or f.created_year)


FACET_COUNTS_TABLE = "registry_partner_facet_counts"
# On PostgreSQL the triggers append deltas (migration 0007); once the table holds more rows than this,
# the reader folds them into one row per key. Folded, it holds at most 5 statuses x 19 categories x
# about 25 (region, sub-region) pairs, under 2,500 rows, whatever the number of partners.
FACET_DELTA_LIMIT = 5_000
_COMPACT_LOCK = 0x7265_6769_7374  # pg_try_advisory_xact_lock key: one folder at a time
_KEY = "status, category_id, region_code, subregion_code"
# The table and columns are constants (nothing user-supplied).
_COUNTS_SQL = (
    f"SELECT {_KEY}, CAST(SUM(n) AS bigint), COUNT(*) FROM {FACET_COUNTS_TABLE} "  # noqa: S608
    "GROUP BY status, category_id, region_code, subregion_code"
)
_COMPACT_SQL = (
    f"WITH gone AS (DELETE FROM {FACET_COUNTS_TABLE} RETURNING {_KEY}, n) "  # noqa: S608
    f"INSERT INTO {FACET_COUNTS_TABLE} ({_KEY}, n) "
    f"SELECT {_KEY}, sum(n) FROM gone GROUP BY {_KEY} HAVING sum(n) <> 0"
)


def _counted_groups(filters: PartnerFilters, db: str) -> list[tuple[str, int, str, bool, int]]:
    """(status, category, region, in the filter's region, partners) from the trigger-kept counts table."""
    connection = connections[db]
    with connection.cursor() as cursor:
        cursor.execute(_COUNTS_SQL)
        rows = cursor.fetchall()
    if connection.vendor == "postgresql" and sum(r[5] for r in rows) > FACET_DELTA_LIMIT:
        _compact_facet_counts(db)
    wanted = filters.region
    return [
        (status, category, region, bool(wanted) and wanted in (region, subregion), n)
        for status, category, region, subregion, n, _stored in rows
    ]


def _compact_facet_counts(db: str) -> None:
    """PostgreSQL: fold the appended deltas into one row per key.

    Safe alongside writers: they only append, and rows they have not committed are not deleted here. The
    advisory lock keeps a second folder from waiting on this one's rows; it just skips.
    """
    with transaction.atomic(using=db), connections[db].cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_COMPACT_LOCK])
        if cursor.fetchone()[0]:
            cursor.execute(_COMPACT_SQL)


def _grouped_partners(user: Any, filters: PartnerFilters) -> list[tuple[str, int, str, bool, int]]:
    """The same groups as `_counted_groups`, from the partners that match the other filters."""
    qs = _apply(partners_visible_to(user=user), filters, skip=frozenset({"status", "category", "region"}))
    # Grouped by region and sub-region (a join with the small country table), not by country: a few
    # hundred groups to read instead of thousands. Grouping by an expression (`+ 0`) keeps SQLite from
    # walking the whole facet index in grouping order instead of using the filter's index.
    grouped = (
        qs.values(
            "status",
            category=F("primary_category") + 0,
            region=F("country__region_code"),
            subregion=F("country__subregion_code"),
        )
        .annotate(n=Count("*"))
        .order_by()
        .values_list("status", "category", "region", "subregion", "n")
    )
    # Read the groups with a plain cursor (faster than the ORM's row iterator); the SQL is the ORM's own.
    sql, params = grouped.query.sql_with_params()
    with connections[grouped.db].cursor() as cursor:
        cursor.execute(sql, params)
        grouped_rows = cursor.fetchall()
    wanted = filters.region
    return [
        (status, category, region or "", bool(wanted) and wanted in (region, subregion), n)
        for status, category, region, subregion, n in grouped_rows
    ]


def _facets_uncached(*, user: Any, filters: PartnerFilters) -> dict[str, Any]:
    suffix = _lang_suffix()
    countries = list(Country.objects.values_list("iso2", "region_code", "subregion_code", f"region_{suffix}"))
    if can_use_registry(user) and not _narrowed(filters):
        # Staff see every partner not merged away: exactly what the counts table counts.
        groups = _counted_groups(filters, Partner.objects.db)
    else:
        groups = _grouped_partners(user, filters)
    region_names = {region: name for _iso2, region, _sub, name in countries if region}
    wanted_status = (
        set(filters.status)
        if filters.status
        else (set(PartnerStatus.values) if filters.include_archived else set(LIVE_STATUSES))
    )
    wanted_category = set(filters.category)
    status_counts: dict[str, int] = {}
    category_counts: dict[int, int] = {}
    region_counts: dict[str, int] = {}
    for status, category, region, in_filter_region, n in groups:
        in_status = status in wanted_status
        in_category = not wanted_category or category in wanted_category
        in_region = not filters.region or in_filter_region
        if in_category and in_region:
            status_counts[status] = status_counts.get(status, 0) + n
        if in_status and in_region:
            category_counts[category] = category_counts.get(category, 0) + n
        if in_status and in_category:
            region_counts[region] = region_counts.get(region, 0) + n
    total = None if wanted_category else sum(status_counts.get(s, 0) for s in wanted_status)
    return {
        "status": [(v, str(label), status_counts.get(v, 0)) for v, label in PartnerStatus.choices],
        "category": [
            (c.pk, c.display_name, category_counts.get(c.pk, 0))
            for c in StakeholderCategory.objects.order_by("number")
        ],
        "region": [
            (code, name, region_counts.get(code, 0))
            for code, name in sorted(region_names.items(), key=lambda x: x[1])
        ],
        "total": total,
    }


def _lang_suffix() -> str:
    from django.utils.translation import get_language

    language = (get_language() or "en").lower().replace("-", "_")
    return language if language in {"en", "fr", "es", "ar", "ru", "zh_hans"} else "en"


def partner_detail_context(*, partner: Partner) -> dict[str, Any]:
    """Related records for the partner page, fetched with a fixed number of queries."""
    roles = (
        ContactRole.objects.filter(partner=partner)
        .select_related("contact")
        .order_by("end_date", "-is_primary", "contact__family_name")
    )
    return {
        "names": list(partner.names.all()),
        "other_categories": list(partner.other_categories.all()),
        "tags": list(partner.tags.all()),
        "roles": list(roles),
        "relationships_out": list(partner.relationships_out.select_related("target")),
        "relationships_in": list(partner.relationships_in.select_related("source")),
        "branches": list(partner.branches.filter(merged_into__isnull=True).only("id", "name", "acronym")),
        "focal_offices": list(partner.primary_category.focal_offices.all()),
    }


def new_partners_by_office(*, user: Any, year: int) -> list[dict[str, Any]]:
    """New partners recorded in `year`, counted per owning office (feeds the 1 December report)."""
    start = dt.datetime(year, 1, 1, tzinfo=dt.UTC)
    qs = partners_visible_to(user=user).filter(
        created_at__gte=start, created_at__lt=start.replace(year=year + 1)
    )
    rows = (
        qs.values("owning_office", "owning_office__name", "owning_office__acronym")
        .annotate(total=Count("id"))
        .order_by("-total", "owning_office__name")
    )
    return [dict(row) for row in rows]


def contacts_visible_to(*, user: Any) -> QuerySet[Contact]:
    if not can_use_registry(user):
        return Contact.objects.none()
    return Contact.objects.prefetch_related(
        Prefetch("roles", queryset=ContactRole.objects.select_related("partner"))
    )


def contact_get_for(*, user: Any, pk: int) -> Contact:
    if not can_use_registry(user):
        raise Http404
    try:
        return contacts_visible_to(user=user).get(pk=pk)
    except Contact.DoesNotExist:
        raise Http404 from None


def tags_by_kind() -> dict[str, list[Tag]]:
    grouped: dict[str, list[Tag]] = {}
    for tag in Tag.objects.order_by("kind", "code"):
        grouped.setdefault(tag.kind, []).append(tag)
    return grouped


def partner_roles_for(*, user: Any, partner: Partner) -> QuerySet[ContactRole]:
    """Contact roles at a partner the user may see, current ones first (empty if the partner is hidden)."""
    if not can_view_partner(user, partner):
        return ContactRole.objects.none()
    return (
        ContactRole.objects.filter(partner=partner)
        .select_related("contact", "partner")
        .order_by(F("end_date").asc(nulls_first=True), "-is_primary", "contact__family_name", "id")
    )


def partner_relationships_for(*, user: Any, partner: Partner) -> QuerySet[Relationship]:
    """Relationships from and to a partner the user may see (empty if the partner is hidden)."""
    if not can_view_partner(user, partner):
        return Relationship.objects.none()
    return (
        Relationship.objects.filter(Q(source=partner) | Q(target=partner))
        .select_related("source", "target")
        .order_by("kind", "id")
    )


def relationship_get_for(*, user: Any, pk: int) -> Relationship:
    """A relationship, or 404 if absent or if the user may see neither of its partners."""
    try:
        relationship = Relationship.objects.select_related("source", "target").get(pk=pk)
    except Relationship.DoesNotExist:
        raise Http404 from None
    if not (can_view_partner(user, relationship.source) or can_view_partner(user, relationship.target)):
        raise Http404
    return relationship
