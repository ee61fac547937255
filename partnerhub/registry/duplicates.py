"""Duplicates in the database: candidates before saving, "not a duplicate" decisions, merge and its
undo, and the background scan. The matching itself is `dedupe` (pure Python, shared with the CLI)."""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, connection, models, transaction
from django.db.models import Q
from django.tasks import task
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.core.audit import audit
from partnerhub.core.errors import ConcurrentEdit, NotAllowed, ValidationFailed
from partnerhub.core.models import TrackedModel, to_jsonable
from partnerhub.registry import dedupe, normalize, services
from partnerhub.registry.choices import NameKind
from partnerhub.registry.guards import require_status_allowed
from partnerhub.registry.models import (
    ContactRole,
    DuplicateKey,
    DuplicateProfile,
    DuplicateScan,
    JobStatus,
    MergeRecord,
    NotDuplicate,
    Partner,
    PartnerName,
    Relationship,
)
from partnerhub.registry.permissions import can_merge_partners, can_use_registry
from partnerhub.registry.states import PartnerStatus

logger = logging.getLogger(__name__)

REASON_LABELS = {
    dedupe.NAME_SAME: gettext_lazy("same name"),
    dedupe.NAME_SIMILAR: gettext_lazy("similar name"),
    dedupe.NAME_ALT: gettext_lazy("matches another name of the record"),
    dedupe.ACRONYM: gettext_lazy("acronym matches"),
    dedupe.WEB_DOMAIN: gettext_lazy("same website"),
    dedupe.EMAIL_DOMAIN: gettext_lazy("same e-mail domain"),
    dedupe.REGISTRATION: gettext_lazy("same registration number"),
    dedupe.COUNTRY_DIFFERS: gettext_lazy("but a different country"),
}


def reason_labels(codes: Iterable[str]) -> list[str]:
    return [str(REASON_LABELS.get(code, code)) for code in codes]


# --- Candidates before saving ---------------------------------------------------------------------


@dataclass
class Candidate:
    partner: Partner
    score: float
    reasons: list[str] = field(default_factory=list)  # for people, translated
    codes: list[str] = field(default_factory=list)  # dedupe reason codes
    contacts: list[str] = field(default_factory=list)  # current contacts' names, to help decide
    last_activity: dt.datetime | None = None


# How many blocked partners, beyond those sharing a rare or strong key, are scored per lookup.
CANDIDATE_POOL = 40


def _chunks(items: list[Any], size: int = 500) -> Iterable[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# The lookups below run on every save of the partner form: plain SQL, because building ORM queries costs
# more than running them here. Only table names (from the models) and placeholders go into the text.
def raw_rows(query: str, params: list[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(query, params)
        return list(cursor.fetchall())


def marks(n: int) -> str:
    return ", ".join(["%s"] * n)


def rows_where_in(
    query: str, column: str, values: Sequence[Any], *, chunk_size: int = 500, text: bool = False
) -> list[tuple[Any, ...]]:
    """Run `query`, whose text holds `{in}` for "`column` is one of `values`", over all the values.

    On PostgreSQL in one statement, the values bound by the server as one array: with an IN list, the
    driver renders every value into the statement's text, which cost more than the look-up itself for the
    import's 100,000 keys. Numbers as `column = ANY(%s)`; `text` values as a join with the unnested array,
    which the planner answers from the index rather than by testing every row against the array (half the
    time for the duplicate keys). Elsewhere, IN lists of `chunk_size` parameters."""
    if not values:
        return []
    if connection.vendor == "postgresql":
        import psycopg

        test = f"{column} IN (SELECT unnest(%s::text[]))" if text else f"{column} = ANY(%s)"
        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(query.replace("{in}", test), [list(values)])
            return list(cursor.fetchall())
    out: list[tuple[Any, ...]] = []
    for chunk in _chunks(list(values), chunk_size):
        out.extend(raw_rows(query.replace("{in}", f"{column} IN ({marks(len(chunk))})"), chunk))
    return out


def rows_for_each_text(query: str, values: Sequence[str]) -> list[tuple[Any, ...]]:
    """Run `query`, whose text holds `{each}` for a table `e` of one text column `v` holding `values`, in one
    statement whatever their number: on PostgreSQL the unnested array bound by the server, on SQLite the
    rows of one JSON array (`json_each`). For a query per value (a correlated subquery on `e.v`) or a join.
    """
    if connection.vendor == "postgresql":
        import psycopg

        connection.ensure_connection()
        with psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(query.replace("{each}", "unnest(%s::text[]) AS e(v)"), [list(values)])
            return list(cursor.fetchall())
    return raw_rows(
        query.replace("{each}", "(SELECT value AS v FROM json_each(%s)) AS e"),
        [json.dumps(list(values), ensure_ascii=False)],
    )


def record_rows(ids: Iterable[int], *, chunk_size: int = 500) -> list[dedupe.Record]:
    """What the duplicate engine compares of these partners (those not merged away), in id order."""
    return records_with_profiles(ids, chunk_size=chunk_size, profiles=False)[0]


def records_with_profiles(
    ids: Iterable[int], *, chunk_size: int = 500, profiles: bool = True
) -> tuple[list[dedupe.Record], dict[int, tuple[str, str]]]:
    """`record_rows`, and with `profiles` the partners' stored profiles (`DuplicateProfile`: id →
    (fingerprint, data), for those that have one), read with the records in the same query."""
    ids = list(ids)
    names: dict[int, list[str]] = defaultdict(list)
    partner, alt = Partner._meta.db_table, PartnerName._meta.db_table
    for pid, name in rows_where_in(
        f"SELECT partner_id, name FROM {alt} WHERE {{in}} ORDER BY partner_id, kind, name",  # noqa: S608
        "partner_id",
        ids,
        chunk_size=chunk_size,
    ):
        names[pid].append(name)
    columns = "p.id, p.name, p.acronym, p.website, p.email, p.registration_number, p.country_id"
    if not profiles:
        rows = rows_where_in(
            f"SELECT {columns} FROM {partner} p WHERE p.merged_into_id IS NULL AND {{in}}",  # noqa: S608
            "p.id",
            ids,
            chunk_size=chunk_size,
        )
        rows.sort(key=lambda row: row[0])
        return _records(rows, names), {}
    rows = rows_where_in(
        f"SELECT {columns}, s.fingerprint, s.data FROM {partner} p "  # noqa: S608
        f"LEFT JOIN {DuplicateProfile._meta.db_table} s ON s.partner_id = p.id "
        "WHERE p.merged_into_id IS NULL AND {in}",
        "p.id",
        ids,
        chunk_size=chunk_size,
    )
    rows.sort(key=lambda row: row[0])
    stored = {row[0]: (row[7], row[8]) for row in rows if row[7] is not None}
    return _records([row[:7] for row in rows], names), stored


def _records(rows: Iterable[tuple[Any, ...]], names: Mapping[int, list[str]]) -> list[dedupe.Record]:
    """Records from (id, name, acronym, website, e-mail, registration number, country) rows and the
    partners' other names."""
    return [
        dedupe.Record(
            id=pk,
            name=name,
            acronym=acronym,
            alt_names=tuple(names.get(pk, ())),
            website=website,
            email=email,
            registration_number=reg,
            country=country or "",
        )
        for pk, name, acronym, website, email, reg, country in rows
    ]


def profiles_of(
    records: Sequence[dedupe.Record], stored: Mapping[int, tuple[str, str]]
) -> list[dedupe.Profile]:
    """`dedupe.profile` of each record: read back from `stored` where its fingerprint still matches,
    analysed afresh where it does not (or nothing is stored)."""
    out: list[dedupe.Profile] = []
    for record in records:
        hit = stored.get(record.id)
        if hit is not None and hit[0] == dedupe.profile_fingerprint(record):
            out.append(dedupe.profile_from_json(record, hit[1]))
        else:
            out.append(dedupe.profile(record))
    return out


def duplicate_profiles_refresh(profiles: Sequence[dedupe.Profile]) -> int:
    """Store those of these freshly analysed profiles whose stored copy is missing or out of date (the scan
    analyses every partner anyway, so it keeps the stored profiles complete); returns how many."""
    stored = dict(
        DuplicateProfile.objects.values_list("partner_id", "fingerprint").iterator(chunk_size=20000)
    )
    stale = [p for p in profiles if stored.get(p.record.id) != dedupe.profile_fingerprint(p.record)]
    services.duplicate_profiles_store(stale)
    return len(stale)


def _key_cap(total: int) -> int:
    return max(50, min(500, total // 200))


def _partner_total() -> int:
    # The highest number stands in for the count: an index lookup instead of a scan, and IDF only needs
    # the order of magnitude.
    return int(raw_rows(f"SELECT MAX(id) FROM {Partner._meta.db_table}", [])[0][0] or 1)  # noqa: S608


def _key_counts(keys: Iterable[str]) -> dict[str, int]:
    counts: dict[str, int] = {}
    table = DuplicateKey._meta.db_table
    for chunk in _chunks(sorted(set(keys))):
        rows = raw_rows(
            f'SELECT "key", COUNT(*) FROM {table} WHERE "key" IN ({marks(len(chunk))}) GROUP BY "key"',  # noqa: S608
            chunk,
        )
        counts.update({key: int(n) for key, n in rows})
    return counts


def _shortlist_sql(keys: set[str], excluded: set[int]) -> list[int]:
    """Partners to score for one probe: those sharing a rare or strong key, then the CANDIDATE_POOL sharing
    the most weight through the probe's rarest keys (summed by the database)."""
    counts = _key_counts(keys)
    total = _partner_total()
    chosen = dedupe.probe_keys(keys, lambda k: counts.get(k, 0), _key_cap(total))
    sure_keys = [k for k in chosen if dedupe.is_sure_key(k, counts[k])]
    other_keys = [k for k in chosen if k not in sure_keys]
    table = DuplicateKey._meta.db_table
    sure: set[int] = set()
    if sure_keys:
        rows = raw_rows(f'SELECT partner_id FROM {table} WHERE "key" IN ({marks(len(sure_keys))})', sure_keys)  # noqa: S608
        sure = {pid for (pid,) in rows} - excluded
    ranked: list[int] = []
    if other_keys:
        cases = " ".join("WHEN %s THEN %s" for _k in other_keys)
        params: list[Any] = []
        for key in other_keys:
            params += [key, dedupe.key_weight(key, counts[key], total)]
        params += other_keys
        skip = sorted(excluded | sure)
        not_in = f" AND partner_id NOT IN ({marks(len(skip))})" if skip else ""
        params += skip
        rows = raw_rows(
            f'SELECT partner_id, SUM(CASE "key" {cases} ELSE 0 END) AS w FROM {table} '  # noqa: S608
            f'WHERE "key" IN ({marks(len(other_keys))}){not_in} '
            f"GROUP BY partner_id ORDER BY w DESC, partner_id LIMIT {CANDIDATE_POOL}",
            params,
        )
        ranked = [pid for pid, _w in rows]
    return sorted(sure) + ranked


class _Blocking:
    """The shortlists of `_shortlist_sql` for many probes at once, from postings fetched in a few queries."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.counts = _key_counts(keys)
        self.total = _partner_total()
        self.cap = _key_cap(self.total)
        usable = sorted(k for k, n in self.counts.items() if n <= self.cap)
        self.postings: dict[str, list[int]] = defaultdict(list)
        for chunk in _chunks(usable):
            for key, pid in DuplicateKey.objects.filter(key__in=chunk).values_list("key", "partner_id"):
                self.postings[key].append(pid)

    def shortlist(self, keys: Iterable[str], excluded: set[int]) -> list[int]:
        chosen = dedupe.probe_keys(keys, lambda k: self.counts.get(k, 0), self.cap)
        shared: dict[int, float] = defaultdict(float)
        sure: set[int] = set()
        for key in chosen:
            if dedupe.is_sure_key(key, self.counts[key]):
                sure.update(pid for pid in self.postings[key] if pid not in excluded)
        for key in chosen:
            if dedupe.is_sure_key(key, self.counts[key]):
                continue
            weight = dedupe.key_weight(key, self.counts[key], self.total)
            for pid in self.postings[key]:
                if pid not in excluded and pid not in sure:
                    shared[pid] += weight
        ranked = sorted(shared, key=lambda pid: (-shared[pid], pid))[:CANDIDATE_POOL]
        return sorted(sure) + ranked


def _not_duplicates_of(ids: Iterable[int]) -> set[int]:
    ids = list(ids)
    if not ids:
        return set()
    rows = NotDuplicate.objects.filter(Q(partner_a__in=ids) | Q(partner_b__in=ids)).values_list(
        "partner_a", "partner_b"
    )
    return {b if a in ids else a for a, b in rows}


def _probe(
    *,
    name: str,
    acronym: str = "",
    alt_names: Iterable[str] = (),
    website: str = "",
    email: str = "",
    registration_number: str = "",
    country: str | None = None,
) -> dedupe.Profile:
    return dedupe.profile(
        dedupe.Record(
            id=None,
            name=name,
            acronym=acronym,
            alt_names=tuple(n for n in alt_names if n),
            website=website,
            email=email,
            registration_number=registration_number,
            country=(country or "").upper(),
        )
    )


def match_records(
    records: list[dedupe.Record],
    *,
    threshold: float = dedupe.CANDIDATE_THRESHOLD,
    limit: int = 10,
    exclude_ids: Iterable[int] = (),
) -> list[list[tuple[int, float, tuple[str, ...]]]]:
    """For each record (e.g. the rows of an import), the stored partners that may be the same organisation:
    (partner id, score, reason codes), best first. The same keys and scores as `candidates_for`, in a few
    queries for the whole list."""
    probes = [dedupe.profile(r) for r in records]
    keysets = [dedupe.blocking_keys(p) for p in probes]
    blocking = _Blocking(k for keys in keysets for k in keys)
    excluded = set(exclude_ids)
    excluded |= _not_duplicates_of(excluded)
    shortlists = [blocking.shortlist(keys, excluded) for keys in keysets]
    known = {r.id: dedupe.profile(r) for r in record_rows(sorted({pid for ids in shortlists for pid in ids}))}
    results: list[list[tuple[int, float, tuple[str, ...]]]] = []
    for probe, ids in zip(probes, shortlists, strict=True):
        scored = []
        for pid in ids:
            if pid in known:
                match = dedupe.score_at_least(probe, known[pid], threshold)
                if match is not None:
                    scored.append((pid, match.score, match.reasons))
        scored.sort(key=lambda item: (-item[1], item[0]))
        results.append(scored[:limit])
    return results


def candidates_for(
    *,
    name: str,
    acronym: str = "",
    alt_names: Iterable[str] = (),
    website: str = "",
    email: str = "",
    registration_number: str = "",
    country: str | None = None,
    exclude_ids: Iterable[int] = (),
    limit: int = 10,
    threshold: float = dedupe.CANDIDATE_THRESHOLD,
) -> list[Candidate]:
    """Existing partners that may be the same organisation, best first, with the reasons why.

    Partners in `exclude_ids` (the record being edited) and those already decided "not a duplicate" of
    them are left out, as are records merged away."""
    probe = _probe(
        name=name,
        acronym=acronym,
        alt_names=alt_names,
        website=website,
        email=email,
        registration_number=registration_number,
        country=country,
    )
    keys = dedupe.blocking_keys(probe)
    if not keys:
        return []
    excluded = set(exclude_ids)
    excluded |= _not_duplicates_of(excluded)
    ids = _shortlist_sql(keys, excluded)
    scored: list[tuple[float, int, tuple[str, ...]]] = []
    for record in record_rows(ids):
        match = dedupe.score_at_least(probe, dedupe.profile(record), threshold)
        if match is not None:
            scored.append((match.score, record.id, match.reasons))
    scored.sort(key=lambda item: (-item[0], item[1]))
    scored = scored[:limit]
    if not scored:
        return []
    partners = Partner.objects.select_related("country").in_bulk([pid for _s, pid, _r in scored])
    contacts: dict[int, list[str]] = defaultdict(list)
    for role in ContactRole.objects.filter(
        partner_id__in=list(partners), end_date__isnull=True
    ).select_related("contact"):
        if not role.contact.erased_at:
            contacts[role.partner_id].append(role.contact.full_name)
    return [
        Candidate(
            partner=partners[pid],
            score=score,
            reasons=reason_labels(codes) or [_("similar name")],
            codes=list(codes),
            contacts=contacts.get(pid, [])[:3],
            last_activity=partners[pid].updated_at,
        )
        for score, pid, codes in scored
        if pid in partners
    ]


def pair_match(a: Partner, b: Partner) -> dedupe.Match:
    """The engine's verdict on two stored partners (for the compare page)."""
    records = {r.id: r for r in record_rows([a.pk, b.pk])}
    if a.pk not in records or b.pk not in records:
        return dedupe.Match(score=0.0, reasons=())
    return dedupe.score(dedupe.profile(records[a.pk]), dedupe.profile(records[b.pk]))


# --- "Not a duplicate" ----------------------------------------------------------------------------


def is_not_duplicate(a: int, b: int) -> bool:
    low, high = sorted((a, b))
    return NotDuplicate.objects.filter(partner_a_id=low, partner_b_id=high).exists()


@transaction.atomic
def mark_not_duplicate(
    *, actor: Any, partner_a: Partner, partner_b: Partner, reason: str = ""
) -> NotDuplicate:
    """Remember that two partners are different organisations, so they are not proposed again."""
    if not can_use_registry(actor):
        raise NotAllowed(_("Only UN-Habitat staff can decide about duplicates."))
    if partner_a.pk == partner_b.pk:
        raise ValidationFailed({"partner_b": [_("Choose two different partners.")]})
    low, high = sorted((partner_a, partner_b), key=lambda p: p.pk)
    decision, created = NotDuplicate.objects.get_or_create(
        partner_a=low,
        partner_b=high,
        defaults={
            "decided_by": actor if getattr(actor, "pk", None) else None,
            "reason": reason.strip()[:300],
        },
    )
    if created:
        audit("registry.partner.not_duplicate", target=low, after={"other": high.pk}, note=reason.strip())
    return decision


# --- Merge ----------------------------------------------------------------------------------------

MERGE_FIELDS = services.PARTNER_FIELDS


def partner_field(name: str) -> models.Field[Any, Any]:
    """A concrete field of Partner (the merge fields are all concrete)."""
    model_field = Partner._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    return model_field


def _attname(name: str) -> str:
    return partner_field(name).attname


def _state(partner: Partner) -> dict[str, Any]:
    values = {f: to_jsonable(getattr(partner, _attname(f))) for f in MERGE_FIELDS}
    values["status"] = partner.status
    values["merged_into"] = partner.merged_into_id
    return values


def _restore(partner: Partner, name: str, value: Any) -> None:
    model_field = partner_field(name)
    if isinstance(model_field, models.ForeignKey):
        setattr(partner, model_field.attname, value)
    else:
        setattr(partner, model_field.attname, model_field.to_python(value))


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _model(label: str) -> type[models.Model]:
    from django.apps import apps

    return apps.get_model(label)


def _set_fk(model: type[models.Model], pks: list[int], attname: str, value: int) -> None:
    """Point rows' foreign key at `value`, through save() for tracked models so history records it."""
    if not pks:
        return
    if issubclass(model, TrackedModel):
        for obj in model._base_manager.filter(pk__in=pks).order_by("pk"):
            setattr(obj, attname, value)
            obj.save(update_fields=[attname.removesuffix("_id")])
    else:
        model._base_manager.filter(pk__in=pks).update(**{attname: value})


def _unique_sets(model: type[models.Model], fk: models.Field[Any, Any]) -> list[tuple[list[str], Q | None]]:
    """Field-name groups that must stay unique together and include `fk`, each with its condition
    (a partial unique constraint, e.g. "one open screening alert per partner and list entry")."""
    groups: list[tuple[list[str], Q | None]] = []
    if fk.unique:
        groups.append(([fk.name], None))
    for together in model._meta.unique_together:
        if fk.name in together:
            groups.append((list(together), None))
    for constraint in model._meta.constraints:
        if isinstance(constraint, models.UniqueConstraint) and fk.name in (constraint.fields or ()):
            groups.append((list(constraint.fields), constraint.condition))
    return groups


def _generic_relations() -> list[tuple[type[models.Model], models.ForeignKey[Any, Any]]]:
    """Every foreign key to Partner in every installed app (including hidden "+" ones), except those the
    merge handles itself."""
    handled = {DuplicateKey, DuplicateProfile, MergeRecord, NotDuplicate, Relationship}
    own_m2m_through = {f.remote_field.through for f in Partner._meta.many_to_many}
    relations: list[tuple[type[models.Model], models.ForeignKey[Any, Any]]] = []
    for rel in Partner._meta.get_fields(include_hidden=True):
        if not isinstance(rel, models.ForeignObjectRel) or isinstance(rel, models.ManyToManyRel):
            continue
        model = rel.related_model
        if model in handled or model in own_m2m_through:
            continue
        fk = rel.field
        if isinstance(fk, models.ForeignKey) and fk.concrete:
            relations.append((model, fk))
    return sorted(relations, key=lambda mf: (_label(mf[0]), mf[1].name))


def _ancestors(partner_id: int | None) -> set[int]:
    seen: set[int] = set()
    while partner_id and partner_id not in seen:
        seen.add(partner_id)
        partner_id = Partner.objects.filter(pk=partner_id).values_list("parent_id", flat=True).first()
    return seen


def _folded_names(partner: Partner) -> set[str]:
    names = [partner.name, *partner.names.values_list("name", flat=True)]
    return {normalize.fold(n) for n in names if n}


def _check_merge(actor: Any, survivor: Partner, absorbed: Partner, choices: Mapping[str, str]) -> None:
    if not can_merge_partners(actor):
        raise NotAllowed(_("Only the Partnerships and Local Government Unit can merge partners."))
    if survivor.pk == absorbed.pk:
        raise ValidationFailed({"absorbed": [_("A partner cannot be merged into itself.")]})
    bad = {k for k, v in choices.items() if k not in MERGE_FIELDS or v not in ("survivor", "absorbed")}
    if bad:
        raise ValidationFailed(
            {"choices": [_("Unknown choice for: %(fields)s") % {"fields": ", ".join(sorted(bad))}]}
        )


def _take_fields(s: Partner, a: Partner, choices: Mapping[str, str]) -> None:
    for name, side in choices.items():
        if side == "absorbed":
            setattr(s, _attname(name), getattr(a, _attname(name)))
    if s.parent_id == a.pk:  # the survivor was a branch of the absorbed record: take its headquarters
        s.parent_id = a.parent_id if a.parent_id != s.pk else None
    if s.parent_id and s.pk in _ancestors(s.parent_id):
        raise ValidationFailed(
            {"parent": [_("A partner cannot be its own headquarters, directly or through others.")]}
        )
    services._full_clean(s, exclude=["search_text", "name_key"])
    s.save()


def _clashes(model: type[models.Model], fk: models.ForeignKey[Any, Any], pk: int, target: int) -> bool:
    """Would pointing this row at `target` break one of the model's unique constraints?"""
    for group, condition in _unique_sets(model, fk):
        rows = model._base_manager.all()
        if condition is not None:
            rows = rows.filter(condition)
            if not rows.filter(pk=pk).exists():
                continue  # this row is outside the partial constraint
        others = [getattr(model._meta.get_field(f), "attname", f) for f in group if f != fk.name]
        values = model._base_manager.filter(pk=pk).values(*others)
        lookup = {**(values[0] if values else {}), fk.attname: target}
        if rows.filter(**lookup).exclude(pk=pk).exists():
            return True
    return False


def _move_generic(s: Partner, a: Partner, log: dict[str, Any]) -> None:
    """Every foreign key to Partner, in this app and in apps added later; rows that would break a unique
    constraint (or make a headquarters loop) stay with the absorbed record, and are listed."""
    survivor_ancestors = _ancestors(s.pk)
    for model, fk in _generic_relations():
        rows = list(model._base_manager.filter(**{fk.attname: a.pk}).values_list("pk", flat=True))
        movable: list[int] = []
        kept: list[int] = []
        for pk in rows:
            loop = model is Partner and fk.name == "parent" and pk in survivor_ancestors
            (kept if loop or _clashes(model, fk, pk, s.pk) else movable).append(pk)
        _set_fk(model, movable, fk.attname, s.pk)
        if movable:
            log["moved"].append({"model": _label(model), "field": fk.attname, "pks": movable})
        if kept:
            log["kept"].append({"model": _label(model), "field": fk.attname, "pks": kept})


def _move_relationships(s: Partner, a: Partner, log: dict[str, Any]) -> None:
    """Both directions; drop those that would link the survivor to itself or repeat one it has."""
    for rel in Relationship.objects.filter(Q(source=a) | Q(target=a)).order_by("pk"):
        source = s.pk if rel.source_id == a.pk else rel.source_id
        target = s.pk if rel.target_id == a.pk else rel.target_id
        repeat = (
            Relationship.objects.filter(
                source_id=source, kind=rel.kind, target_id=target, start_date=rel.start_date
            )
            .exclude(pk=rel.pk)
            .exists()
        )
        if source == target or repeat:
            log["relationships"]["dropped"].append(
                {
                    "pk": rel.pk,
                    "source": rel.source_id,
                    "kind": rel.kind,
                    "target": rel.target_id,
                    "start_date": to_jsonable(rel.start_date),
                    "end_date": to_jsonable(rel.end_date),
                    "note": rel.note,
                    "created_at": to_jsonable(rel.created_at),
                    "why": "self" if source == target else "repeat",
                }
            )
            rel.delete()
        else:
            log["relationships"]["moved"].append(
                {"pk": rel.pk, "source": rel.source_id, "target": rel.target_id}
            )
            rel.source_id, rel.target_id = source, target
            rel.save(update_fields=["source", "target"])


def _move_not_duplicates(s: Partner, a: Partner, log: dict[str, Any]) -> None:
    """ "Not a duplicate" decisions follow the organisation; one about the pair itself, or a repeat, goes."""
    for row in NotDuplicate.objects.filter(Q(partner_a=a) | Q(partner_b=a)).order_by("pk"):
        other = row.partner_b_id if row.partner_a_id == a.pk else row.partner_a_id
        low, high = sorted((s.pk, other))
        entry: dict[str, Any] = {"pk": row.pk, "a": row.partner_a_id, "b": row.partner_b_id}
        if other == s.pk or NotDuplicate.objects.filter(partner_a_id=low, partner_b_id=high).exists():
            entry.update(
                decided_by=row.decided_by_id, decided_at=to_jsonable(row.decided_at), reason=row.reason
            )
            log["not_duplicates"]["dropped"].append(entry)
            row.delete()
        else:
            log["not_duplicates"]["moved"].append(entry)
            NotDuplicate.objects.filter(pk=row.pk).update(partner_a_id=low, partner_b_id=high)


def _union_m2m(s: Partner, a: Partner, log: dict[str, Any]) -> None:
    for m2m in ("other_categories", "tags"):
        mine = set(getattr(s, m2m).values_list("pk", flat=True))
        theirs = set(getattr(a, m2m).values_list("pk", flat=True))
        primary = {s.primary_category_id} if m2m == "other_categories" else set()
        added, removed = sorted(theirs - mine - primary), sorted(primary & mine)
        if added:
            getattr(s, m2m).add(*added)
        if removed:
            getattr(s, m2m).remove(*removed)
        log["m2m"][m2m] = {"added": added, "removed": removed}


def _keep_names(s: Partner, texts: Iterable[str], log: dict[str, Any]) -> None:
    """Names that are no longer a main name become alternative names of the survivor."""
    known = _folded_names(s) | {normalize.fold(s.acronym)}
    for text in texts:
        key = normalize.fold(text) if text else ""
        if key and key not in known:
            created = PartnerName.objects.create(partner=s, name=text, kind=NameKind.ALTERNATIVE)
            log["created_names"].append(created.pk)
            known.add(key)


@transaction.atomic
def partners_merge(
    *,
    actor: Any,
    survivor: Partner,
    absorbed: Partner,
    choices: Mapping[str, str],
    expected_versions: tuple[int, int] | None = None,
) -> MergeRecord:
    """Merge `absorbed` into `survivor`: chosen field values, every related record re-pointed, names kept as
    alternative names; the absorbed record is archived and redirects. `merge_revert` undoes it."""
    _check_merge(actor, survivor, absorbed, choices)
    locked = Partner.objects.select_for_update().in_bulk([survivor.pk, absorbed.pk])
    if len(locked) != 2:
        raise ValidationFailed({"absorbed": [_("One of the records no longer exists.")]})
    s, a = locked[survivor.pk], locked[absorbed.pk]
    if expected_versions is not None and (s.version, a.version) != tuple(expected_versions):
        raise ConcurrentEdit()
    if s.merged_into_id or a.merged_into_id:
        raise ValidationFailed({"absorbed": [_("One of the records was already merged into another.")]})
    # Archiving the absorbed record is a status change like any other: other apps' guards may refuse it.
    if a.status != PartnerStatus.ARCHIVED:
        require_status_allowed(a, PartnerStatus.ARCHIVED)

    survivor_before, absorbed_before = _state(s), _state(a)
    old_name, old_acronym = s.name, s.acronym
    _take_fields(s, a, choices)
    survivor_after = _state(s)
    log: dict[str, Any] = {
        "moved": [],
        "kept": [],
        "created_names": [],
        "relationships": {"moved": [], "dropped": []},
        "not_duplicates": {"moved": [], "dropped": []},
        "m2m": {},
        "survivor_after": survivor_after,
    }
    _move_generic(s, a, log)
    _move_relationships(s, a, log)
    _move_not_duplicates(s, a, log)
    _union_m2m(s, a, log)
    _keep_names(s, (a.name, old_name, a.acronym, old_acronym), log)

    a.status = PartnerStatus.ARCHIVED
    a.merged_into = s
    a.save(update_fields=["status", "merged_into"])
    DuplicateKey.objects.filter(partner=a).delete()
    DuplicateProfile.objects.filter(partner=a).delete()
    services.partner_refresh_index(s)

    record = MergeRecord.objects.create(
        survivor=s,
        absorbed=a,
        chosen_fields=dict(choices),
        survivor_before=survivor_before,
        absorbed_before=absorbed_before,
        repointed=log,
        merged_by=actor if getattr(actor, "pk", None) else None,
    )
    changed = [k for k in MERGE_FIELDS if survivor_before[k] != survivor_after[k]]
    moved_counts = {f"{m['model']}.{m['field']}": len(m["pks"]) for m in log["moved"]}
    audit(
        "registry.partner.merge",
        target=s,
        before={k: survivor_before[k] for k in changed},
        after={
            "absorbed": a.pk,
            "merge": record.pk,
            **{k: survivor_after[k] for k in changed},
            "moved": moved_counts,
        },
    )
    audit(
        "registry.partner.merge",
        target=a,
        before={"status": absorbed_before["status"]},
        after={"status": a.status, "merged_into": s.pk, "merge": record.pk},
    )
    return record


def _restore_fields(s: Partner, merge: MergeRecord) -> list[str]:
    """Put back the survivor's own values, except where someone changed the field since; returns those."""
    after = (merge.repointed or {}).get("survivor_after", {})
    kept_changes: list[str] = []
    for name in MERGE_FIELDS:
        before_value = merge.survivor_before.get(name)
        if name not in after or after[name] == before_value:
            continue
        if to_jsonable(getattr(s, _attname(name))) == after[name]:
            _restore(s, name, before_value)
        else:
            kept_changes.append(name)
    s.save()
    return kept_changes


def _quietly(what: str, merge: MergeRecord, pk: int, action: Any) -> None:
    """Run one restoring step in a savepoint; a row that cannot come back (an equal one exists) is logged."""
    try:
        with transaction.atomic():
            action()
    except IntegrityError:
        logger.info("merge %s: %s %s not restored (an equal one exists)", merge.pk, what, pk)


def _restore_relationship(entry: dict[str, Any]) -> None:
    Relationship(
        pk=entry["pk"],
        source_id=entry["source"],
        kind=entry["kind"],
        target_id=entry["target"],
        start_date=entry["start_date"],
        end_date=entry["end_date"],
        note=entry["note"],
        created_at=entry.get("created_at") or timezone.now(),
    ).save()


def _relationship_back(entry: dict[str, Any]) -> None:
    rel = Relationship.objects.filter(pk=entry["pk"]).first()
    if rel is not None:
        rel.source_id, rel.target_id = entry["source"], entry["target"]
        rel.save(update_fields=["source", "target"])


def _restore_not_duplicate(entry: dict[str, Any]) -> None:
    NotDuplicate.objects.create(
        pk=entry["pk"],
        partner_a_id=entry["a"],
        partner_b_id=entry["b"],
        decided_by_id=entry.get("decided_by"),
        reason=entry.get("reason", ""),
    )
    if entry.get("decided_at"):  # auto_now_add set it to now
        NotDuplicate.objects.filter(pk=entry["pk"]).update(decided_at=entry["decided_at"])


def _move_back(s: Partner, a: Partner, merge: MergeRecord) -> None:
    log = merge.repointed or {}
    for created in PartnerName.objects.filter(pk__in=log.get("created_names", []), partner=s):
        created.delete()
    for entry in log.get("moved", []):
        model = _model(entry["model"])
        still_there = model._base_manager.filter(pk__in=entry["pks"], **{entry["field"]: s.pk})
        _set_fk(model, list(still_there.values_list("pk", flat=True)), entry["field"], a.pk)
    relationships = log.get("relationships", {})
    for entry in relationships.get("moved", []):
        _quietly("relationship", merge, entry["pk"], functools.partial(_relationship_back, entry))
    for entry in relationships.get("dropped", []):
        _quietly("relationship", merge, entry["pk"], functools.partial(_restore_relationship, entry))
    decisions = log.get("not_duplicates", {})
    for entry in decisions.get("moved", []):
        _quietly(
            "decision",
            merge,
            entry["pk"],
            functools.partial(
                NotDuplicate.objects.filter(pk=entry["pk"]).update,
                partner_a_id=entry["a"],
                partner_b_id=entry["b"],
            ),
        )
    for entry in decisions.get("dropped", []):
        _quietly("decision", merge, entry["pk"], functools.partial(_restore_not_duplicate, entry))
    for m2m, change in log.get("m2m", {}).items():
        if change.get("added"):
            getattr(s, m2m).remove(*change["added"])
        if change.get("removed"):
            getattr(s, m2m).add(*change["removed"])


@transaction.atomic
def merge_revert(*, actor: Any, merge: MergeRecord) -> MergeRecord:
    """Undo a merge: both records as they were, and exactly the related records that moved moved back.

    Survivor fields changed by someone since the merge keep the newer value."""
    if not can_merge_partners(actor):
        raise NotAllowed(_("Only the Partnerships and Local Government Unit can undo a merge."))
    current = MergeRecord.objects.select_for_update().get(pk=merge.pk)
    if current.reverted_at is not None:
        raise ValidationFailed({"merge": [_("This merge was already undone.")]})
    locked = Partner.objects.select_for_update().in_bulk([current.survivor_id, current.absorbed_id])
    s, a = locked[current.survivor_id], locked[current.absorbed_id]
    if s.merged_into_id:
        raise ValidationFailed(
            {"merge": [_("The surviving record was itself merged since. Undo that merge first.")]}
        )
    if a.merged_into_id != s.pk:
        raise ValidationFailed(
            {"merge": [_("The absorbed record was changed since; it cannot be restored.")]}
        )
    status = current.absorbed_before.get("status", PartnerStatus.PROSPECT)
    if status != a.status:  # giving the record its status back is a status change too
        require_status_allowed(a, status)
    kept_changes = _restore_fields(s, current)
    a.status = status
    a.merged_into = None
    a.save(update_fields=["status", "merged_into"])
    _move_back(s, a, current)
    services.partner_refresh_index(s)
    services.partner_refresh_index(a)
    current.reverted_by = actor if getattr(actor, "pk", None) else None
    current.reverted_at = timezone.now()
    current.save(update_fields=["reverted_by", "reverted_at"])
    note = (
        _("Kept later changes to: %(fields)s") % {"fields": ", ".join(kept_changes)} if kept_changes else ""
    )
    audit("registry.partner.merge_revert", target=s, after={"absorbed": a.pk, "merge": current.pk}, note=note)
    audit("registry.partner.merge_revert", target=a, after={"status": a.status, "merge": current.pk})
    return current


# --- The whole-database scan ----------------------------------------------------------------------

# A queued or running scan older than this is taken to have died with its worker.
SCAN_STALE_AFTER = dt.timedelta(hours=2)
MAX_CLUSTERS = 10_000


@transaction.atomic
def duplicate_scan_start(*, actor: Any) -> DuplicateScan:
    """Queue a scan of the whole database (or return the one already under way)."""
    if not can_merge_partners(actor):
        raise NotAllowed(_("Only the Partnerships and Local Government Unit can scan for duplicates."))
    active = (
        DuplicateScan.objects.select_for_update()
        .filter(
            status__in=[JobStatus.QUEUED, JobStatus.RUNNING],
            requested_at__gte=timezone.now() - SCAN_STALE_AFTER,
        )
        .first()
    )
    if active is not None:
        return active
    scan = DuplicateScan.objects.create(requested_by=actor if getattr(actor, "pk", None) else None)
    audit("registry.duplicate_scan.start", target=scan)
    transaction.on_commit(functools.partial(_enqueue_scan, scan.pk))
    return scan


def _enqueue_scan(scan_id: int) -> None:
    result = run_duplicate_scan.enqueue(scan_id=scan_id)
    DuplicateScan.objects.filter(pk=scan_id, task_id="").update(task_id=str(result.id)[:64])


def duplicate_profiles_refresh_all(*, batch: int = 5_000) -> int:
    """Bring every partner's stored profile up to date, a batch of partners at a time: those missing or
    stale (the partner's names changed outside the services, or the engine changed, as in a new release)
    are analysed and stored; the others are only read. Returns how many were stored.

    Until this runs after a release that changed the engine, an import analyses its candidates afresh:
    correct, only slower (the duplicate scan refreshes them as well)."""
    stored_count = 0
    last = 0
    while True:
        ids = list(
            Partner.objects.filter(merged_into__isnull=True, pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return stored_count
        last = ids[-1]
        records, stored = records_with_profiles(ids, chunk_size=2_000)
        stale = [
            record
            for record in records
            if stored.get(record.id, ("", ""))[0] != dedupe.profile_fingerprint(record)
        ]
        services.duplicate_profiles_store([dedupe.profile(record) for record in stale])
        stored_count += len(stale)


@task()
def refresh_duplicate_profiles() -> int:
    """Periodic job (`registry.refresh_duplicate_profiles`, nightly): `duplicate_profiles_refresh_all`; safe
    to run twice (a second run finds nothing stale)."""
    return duplicate_profiles_refresh_all()


@task()
def run_duplicate_scan(scan_id: int) -> int:
    """Background job: cluster the whole database; safe to run twice (a finished scan is left alone)."""
    return duplicate_scan_run(scan_id=scan_id)


def all_records() -> list[dedupe.Record]:
    names: dict[int, list[str]] = defaultdict(list)
    for pid, name in PartnerName.objects.filter(partner__merged_into__isnull=True).values_list(
        "partner_id", "name"
    ):
        names[pid].append(name)
    rows = (
        Partner.objects.filter(merged_into__isnull=True)
        .order_by("pk")
        .values_list("id", "name", "acronym", "website", "email", "registration_number", "country_id")
    )
    return _records(rows.iterator(chunk_size=5000), names)


def duplicate_keys_rebuild(profiles: list[dedupe.Profile], *, sample: int = 300) -> int:
    """Bring the stored blocking keys in line with the engine, e.g. after the key scheme changed.

    A spread sample is checked first; when it matches, nothing more is read. Returns the rows changed."""
    if not profiles:
        return 0
    step = max(1, len(profiles) // sample)
    probe = profiles[::step]
    stored: dict[int, set[str]] = defaultdict(set)
    for pid, key in DuplicateKey.objects.filter(partner_id__in=[p.record.id for p in probe]).values_list(
        "partner_id", "key"
    ):
        stored[pid].add(key)
    if all(stored.get(p.record.id, set()) == dedupe.blocking_keys(p) for p in probe):
        return 0
    wanted = {(p.record.id, k) for p in profiles for k in dedupe.blocking_keys(p)}
    have: dict[tuple[int, str], int] = {
        (pid, key): pk
        for pk, pid, key in DuplicateKey.objects.values_list("pk", "partner_id", "key").iterator(
            chunk_size=20000
        )
    }
    stale = [pk for pair, pk in have.items() if pair not in wanted]
    missing = [DuplicateKey(partner_id=pid, key=key) for pid, key in wanted if (pid, key) not in have]
    for start in range(0, len(stale), 5000):
        DuplicateKey.objects.filter(pk__in=stale[start : start + 5000]).delete()
    DuplicateKey.objects.bulk_create(missing, batch_size=5000, ignore_conflicts=True)
    return len(stale) + len(missing)


def duplicate_scan_run(*, scan_id: int) -> int:
    """Compute the clusters of a scan and store them in one write; returns the number of clusters."""
    scan = DuplicateScan.objects.filter(pk=scan_id).first()
    if scan is None or scan.status == JobStatus.DONE:
        return 0
    DuplicateScan.objects.filter(pk=scan_id).update(
        status=JobStatus.RUNNING, started_at=timezone.now(), processed=0, error=""
    )
    try:
        records = all_records()
        total = len(records)
        DuplicateScan.objects.filter(pk=scan_id).update(total=total)
        profiles = [dedupe.profile(r) for r in records]
        duplicate_keys_rebuild(profiles)
        duplicate_profiles_refresh(profiles)
        decided = set(NotDuplicate.objects.values_list("partner_a_id", "partner_b_id"))

        def progress(done: int, of: int) -> None:
            DuplicateScan.objects.filter(pk=scan_id).update(processed=done)

        pairs = dedupe.find_pairs(
            profiles,
            threshold=dedupe.MATCH_THRESHOLD,
            skip=lambda x, y: dedupe.ordered(x, y) in decided,
            progress=progress,
        )
        clusters = dedupe.clusters_from_pairs(pairs)[:MAX_CLUSTERS]
        payload = [
            {
                "ids": cluster.ids,
                "score": cluster.score,
                "reasons": cluster.reasons,
                "pairs": [[p.a, p.b, p.score, list(p.reasons)] for p in cluster.pairs],
            }
            for cluster in clusters
        ]
        DuplicateScan.objects.filter(pk=scan_id).update(
            status=JobStatus.DONE, clusters=payload, processed=total, finished_at=timezone.now()
        )
        return len(payload)
    except Exception as exc:
        DuplicateScan.objects.filter(pk=scan_id).update(
            status=JobStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
