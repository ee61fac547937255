"""The engine's explanations reach reviewers in their own language, whatever the engine said."""

from __future__ import annotations

import random

import pytest
from django.utils import translation

from partnerhub.screening.explain import split_reasons, translate_explanation, translate_reason
from partnerhub.screening.matching.engine import Matcher
from partnerhub.screening.matching.types import Query
from partnerhub.screening.sources.un_xml import parse_un_xml
from partnerhub.screening.tests.test_lists_support import LIST_2025, sanctions_bytes


@pytest.fixture(scope="module")
def un_list():
    return parse_un_xml(sanctions_bytes(LIST_2025)).entries


def _variants(entries, rng):
    """Queries that exercise every kind of reason: exact, typo, dropped and extra words, order, dates."""
    for entry in entries[::3]:
        name = entry.names[0].name
        words = name.split()
        yield Query(name, kind=entry.kind)
        if len(words) > 2:
            yield Query(" ".join([words[-1], *words[:-1]]), kind=entry.kind)
            yield Query(" ".join([words[0], words[-1]]), kind=entry.kind, birth_date="1970")
        if len(words) > 1 and len(words[0]) > 4:
            typo = words[0][:2] + words[0][3:]
            yield Query(" ".join([typo, *words[1:], "Extra"]), kind=entry.kind, nationality="Kenya")
        if entry.birth_dates and entry.birth_dates[0].year:
            year = entry.birth_dates[0].year
            yield Query(name, kind="person", birth_date=str(year + rng.choice([0, 1, 9])))
        if entry.kind == "organisation":
            yield Query(name, kind="organisation", country="France")


def test_every_reason_the_engine_gives_on_the_un_list_is_recognised(un_list) -> None:
    matcher = Matcher(un_list)
    rng = random.Random(7)
    unknown: set[str] = set()
    seen = 0
    for query in _variants(un_list, rng):
        for hit in matcher.screen(query, limit=3):
            for reason in split_reasons(hit.explanation):
                seen += 1
                if not translate_reason(reason)[1]:
                    unknown.add(reason)
    assert seen > 1000
    assert not unknown, sorted(unknown)[:20]


def test_an_explanation_reads_in_french_and_arabic() -> None:
    english = (
        "given name transliteration variant (mohammed/muhammad); surname exact; birth year matches (1938)"
    )
    with translation.override("fr"):
        french = translate_explanation(english)
    with translation.override("ar"):
        arabic = translate_explanation(english)
    assert french == (
        "prénom : variante de translittération (mohammed/muhammad) ; nom de famille : identique ; "
        "année de naissance identique (1938)"
    )
    assert "mohammed/muhammad" in arabic
    assert "؛" in arabic
    assert "اسم العائلة" in arabic
    assert translate_explanation(english) == translate_explanation(english)  # stable


def test_an_unknown_reason_is_shown_as_the_engine_wrote_it() -> None:
    assert translate_reason("a reason from a newer engine") == ("a reason from a newer engine", False)
