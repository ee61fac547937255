"""Duplicate candidates for a record about to be saved, using the blocking keys kept per partner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from partnerhub.registry import normalize
from partnerhub.registry.models import DuplicateKey, NotDuplicate, Partner
from partnerhub.registry.services import duplicate_keys_for


@dataclass
class Candidate:
    partner: Partner
    score: float
    reasons: list[str] = field(default_factory=list)


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
    threshold: float = 0.75,
) -> list[Candidate]:
    """Existing partners that may be the same organisation, best first, with the reasons why."""
    from rapidfuzz import fuzz

    alt_names = list(alt_names)
    keys = duplicate_keys_for(name=name, acronym=acronym, alt_names=alt_names, website=website, email=email,
                              registration_number=registration_number)
    if not keys:
        return []
    excluded = set(exclude_ids)
    not_dup: set[int] = set()
    for pid in excluded:
        not_dup |= set(NotDuplicate.objects.filter(partner_a=pid).values_list("partner_b", flat=True))
        not_dup |= set(NotDuplicate.objects.filter(partner_b=pid).values_list("partner_a", flat=True))
    shared = (
        DuplicateKey.objects.filter(key__in=keys)
        .exclude(partner_id__in=excluded | not_dup)
        .values("partner_id")
        .annotate(n=Count("id"))
        .order_by("-n")[:200]
    )
    ids = [row["partner_id"] for row in shared]
    partners = Partner.objects.filter(pk__in=ids, merged_into__isnull=True).select_related("country").prefetch_related("names")
    wanted_key = normalize.name_key(name)
    wanted_domain = normalize.web_domain(website) or normalize.web_domain(email)
    wanted_reg = normalize.fold(registration_number).replace(" ", "")
    wanted_acr = normalize.fold(acronym).replace(" ", "")
    results: list[Candidate] = []
    for partner in partners:
        reasons: list[str] = []
        names = [partner.name, *(n.name for n in partner.names.all())]
        best = max(fuzz.token_sort_ratio(wanted_key, normalize.name_key(n)) for n in names) / 100
        for other in alt_names:
            best = max(best, max(fuzz.token_sort_ratio(normalize.name_key(other), normalize.name_key(n)) for n in names) / 100)
        score = best
        if best >= 0.9:
            reasons.append("similar name")
        p_acr = normalize.fold(partner.acronym).replace(" ", "")
        if wanted_acr and (wanted_acr == p_acr or wanted_acr == normalize.initials(partner.name)):
            score = max(score, 0.85)
            reasons.append("acronym matches")
        elif p_acr and p_acr == normalize.initials(name):
            score = max(score, 0.85)
            reasons.append("acronym matches the name")
        p_domain = normalize.web_domain(partner.website) or normalize.web_domain(partner.email)
        if wanted_domain and p_domain and wanted_domain == p_domain:
            score = max(score, 0.95)
            reasons.append("same web domain")
        p_reg = normalize.fold(partner.registration_number).replace(" ", "")
        if wanted_reg and p_reg == wanted_reg:
            score = max(score, 0.98)
            reasons.append("same registration number")
        if country and partner.country_id and partner.country_id != country and "same registration number" not in reasons:
            score *= 0.9
        if score >= threshold:
            results.append(Candidate(partner=partner, score=round(score, 3), reasons=reasons or ["similar name"]))
    results.sort(key=lambda c: -c.score)
    return results[:limit]
