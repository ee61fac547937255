"""The name-matching engine as a screening officer meets it: who is found, who is cleared, and why.

Pure engine tests: no database. The real 2025 UN list is read once per module.
"""

from __future__ import annotations

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.screening.matching.engine import (
    ALGORITHM_VERSION,
    DEFAULT_THRESHOLD,
    Matcher,
    token_similarity,
)
from partnerhub.screening.matching.normalize import fold, normalize_name, tokenize
from partnerhub.screening.matching.types import BirthDate, ListEntry, ListName, Query
from partnerhub.screening.sources.un_xml import parse_un_xml
from partnerhub.screening.tests.test_lists_support import LIST_2025, sanctions_bytes


def person(key: str, *names: str, born: int | None = None, nationality: str = "") -> ListEntry:
    return ListEntry(
        key=key,
        reference_number=key,
        kind="person",
        names=tuple(ListName(n, "primary" if i == 0 else "good") for i, n in enumerate(names)),
        birth_dates=(BirthDate(year=born),) if born else (),
        nationalities=(nationality,) if nationality else (),
    )


def organisation(key: str, *names: str, country: str = "") -> ListEntry:
    return ListEntry(
        key=key,
        reference_number=key,
        kind="organisation",
        names=tuple(ListName(n, "primary" if i == 0 else "aka") for i, n in enumerate(names)),
        countries=(country,) if country else (),
    )


SMALL_LIST = [
    person("P1", "Muhammad Hamza Zubaidi", born=1938, nationality="Iraq"),
    person("P2", "Saddam Hussein al-Tikriti", "صدام حسين التكريتي", born=1937, nationality="Iraq"),
    person("P3", "Ahmed Ali", born=1960),
    person("P4", "Jean-Pierre Bemba Gombo", born=1962),
    person("P5", "Yusuf Abdul Rahman Hussein"),
    organisation("O1", "Al-Rashid Trust", country="Pakistan"),
    organisation("O2", "Tactical Missiles Corporation JSC", country="Russian Federation"),
    organisation("O3", "Sunrise Trading Company Limited"),
]


@pytest.fixture(scope="module")
def small() -> Matcher:
    return Matcher(SMALL_LIST)


@pytest.fixture(scope="module")
def un_matcher() -> Matcher:
    return Matcher(parse_un_xml(sanctions_bytes(LIST_2025)).entries)


def top(matcher: Matcher, name: str, **kwargs: object) -> tuple[str, str, float]:
    hit = matcher.best(Query(name, **kwargs))  # type: ignore[arg-type]
    assert hit is not None, f"nothing found for {name!r}"
    return hit.reference_number, hit.decision, hit.score


def test_mohammed_finds_listed_muhammad(small: Matcher) -> None:
    assert top(small, "Mohammed Hamza Zubaidi", kind="person")[:2] == ("P1", "alert")


def test_arabic_script_query_finds_latin_entry() -> None:
    matcher = Matcher([person("P2", "Saddam Hussein al-Tikriti")])
    assert top(matcher, "صدام حسين التكريتي", kind="person")[:2] == ("P2", "alert")


def test_arabic_script_query_finds_real_listed_person_without_original_script(un_matcher: Matcher) -> None:
    latin_only = [
        ListEntry(e.key, e.reference_number, e.kind, tuple(n for n in e.names if n.quality != "original"))
        for e in un_matcher.entries
    ]
    matcher = Matcher(latin_only)
    # IQi.020 is listed as TAHA YASSIN RAMADAN AL-JIZRAWI.
    assert top(matcher, "طه ياسين رمضان الجزراوي", kind="person")[:2] == ("IQi.020", "alert")


def test_word_order_does_not_matter(small: Matcher) -> None:
    assert top(small, "Tikriti, Saddam Hussein", kind="person")[:2] == ("P2", "alert")


def test_dropped_middle_name_still_alerts(small: Matcher) -> None:
    assert top(small, "Jean-Pierre Gombo", kind="person")[:2] == ("P4", "alert")


def test_initial_stands_for_a_given_name(small: Matcher) -> None:
    reference, decision, _score = top(small, "J. P. Bemba Gombo", kind="person")
    assert (reference, decision) == ("P4", "alert")


def test_honorific_is_ignored(small: Matcher) -> None:
    plain = top(small, "Saddam Hussein al-Tikriti", kind="person")
    titled = top(small, "General Dr. Saddam Hussein al-Tikriti", kind="person")
    assert titled == plain


def test_legal_forms_do_not_matter_for_organisations(small: Matcher) -> None:
    assert top(small, "Tactical Missiles Corp. Ltd", kind="organisation")[:2] == ("O2", "alert")
    assert top(small, "AL RASHID TRUST GMBH", kind="organisation")[:2] == ("O1", "alert")


def test_transliteration_families_meet() -> None:
    matcher = Matcher([person("P", "Youssef Husain")])
    assert top(matcher, "Yusuf Hussein", kind="person")[:2] == ("P", "alert")


def test_typo_in_surname_still_alerts(small: Matcher) -> None:
    assert top(small, "Muhammad Hamza Zubaydi", kind="person")[:2] == ("P1", "alert")


def test_birth_year_mismatch_clears_a_common_name(small: Matcher) -> None:
    same_year = top(small, "Ahmed Ali", kind="person", birth_date="1960-03-01")
    other_year = top(small, "Ahmed Ali", kind="person", birth_date="1985")
    assert same_year[1] == "alert"
    assert other_year[1] == "clear"
    assert other_year[2] < DEFAULT_THRESHOLD <= same_year[2]


def test_nationality_raises_and_lowers_the_score(small: Matcher) -> None:
    neutral = top(small, "Muhammad Hamza", kind="person")[2]
    same = top(small, "Muhammad Hamza", kind="person", nationality="IQ")[2]
    other = top(small, "Muhammad Hamza", kind="person", nationality="France")[2]
    assert other < neutral < same


def test_organisation_country_counts(small: Matcher) -> None:
    assert (
        top(small, "Al Rashid Trust", kind="organisation", country="PK")[2]
        > top(small, "Al Rashid Trust", kind="organisation", country="Norway")[2]
    )


def test_unrelated_names_are_not_reported(small: Matcher) -> None:
    for name in ("Maria Fernanda Lopez", "Nairobi Urban Housing Cooperative", "Zhang Wei", "Olaf Scholz"):
        assert small.screen(Query(name)) == []


def test_explanation_says_what_matched(small: Matcher) -> None:
    hit = small.best(Query("Mohammed Hamza Zubaidi", kind="person", birth_date="1938"))
    assert hit is not None
    assert hit.explanation == "; ".join(hit.reasons)
    assert "given name transliteration variant (mohammed/muhammad)" in hit.explanation
    assert "surname exact" in hit.explanation
    assert "birth year matches (1938)" in hit.explanation
    assert hit.algorithm_version == ALGORITHM_VERSION
    assert hit.matched_name == "Muhammad Hamza Zubaidi"


def test_each_alias_is_matched_separately(small: Matcher) -> None:
    hit = small.best(Query("صدام حسين التكريتي", kind="person"))
    assert hit is not None
    assert (hit.reference_number, hit.matched_name, hit.score) == ("P2", "صدام حسين التكريتي", 1.0)


def test_screen_lists_best_first_and_respects_limit(un_matcher: Matcher) -> None:
    hits = un_matcher.screen(Query("Saddam Hussein"), limit=3)
    assert 1 <= len(hits) <= 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    assert hits[0].reference_number == "IQi.001"


def test_index_scores_only_a_few_candidates(un_matcher: Matcher) -> None:
    query = Query("Saddam Hussein al-Tikriti", kind="person")
    assert un_matcher.candidate_count(query) < un_matcher.name_count / 20
    assert top(un_matcher, query.name, kind="person")[:2] == ("IQi.001", "alert")


def test_threshold_is_configurable() -> None:
    strict = Matcher(SMALL_LIST, threshold=0.99)
    reference, decision, score = top(strict, "Mohammed Hamza Zubaidi", kind="person")
    assert (reference, decision) == ("P1", "clear")
    assert score < 0.99


def test_screen_many_in_two_processes_matches_one(un_matcher: Matcher) -> None:
    queries = [Query(n) for n in ("Saddam Hussein", "Al Qaida", "Maria Lopez", "Kim Jong Un")] * 60
    one = list(un_matcher.screen_many(queries, limit=2))
    two = list(un_matcher.screen_many(queries, limit=2, processes=2))
    assert one == two


def test_matcher_pickles(small: Matcher) -> None:
    copy = pickle.loads(pickle.dumps(small))  # noqa: S301 - our own object, just pickled
    query = Query("Mohammed Hamza Zubaidi")
    assert copy.screen(query) == small.screen(query)


def test_folding_handles_scripts_and_accents() -> None:
    assert fold("São Paulo") == "sao paulo"
    assert fold("Москва") == "moskva"
    assert normalize_name("Abdul Rahman") == normalize_name("Abdulrahman") == "abd rahman"
    assert normalize_name("Abd al-Rahman") == "abd al rahman"  # the particle stays, as a weak word
    assert [t.skeleton for t in tokenize("محمد", "person")] == [
        t.skeleton for t in tokenize("Mohammed", "person")
    ]


def test_token_similarity_tells_variants_from_different_names() -> None:
    (husain,) = tokenize("Husain", "person")
    (hussein,) = tokenize("Hussein", "person")
    (hassan,) = tokenize("Hassan", "person")
    assert token_similarity(husain, hussein)[0] >= 0.9
    assert token_similarity(hassan, hussein)[0] == 0.0


names = st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=40)


@settings(max_examples=150, deadline=None)
@given(name=names, other=names)
def test_scores_stay_between_zero_and_one(small: Matcher, name: str, other: str) -> None:
    matcher = Matcher([person("X", other)]) if other.strip() else small
    for hit in matcher.screen(Query(name, birth_date="1950", nationality="IQ")):
        assert 0.0 <= hit.score <= 1.0
        assert hit.decision == ("alert" if hit.score >= matcher.threshold else "clear")


@settings(max_examples=150, deadline=None)
@given(name=names)
def test_a_listed_name_finds_itself(name: str) -> None:
    if not tokenize(name, "person"):
        return
    hit = Matcher([person("X", name)]).best(Query(name, kind="person"))
    assert hit is not None
    assert hit.score == 1.0


# --- partnerhub-match-1.1 ---------------------------------------------------------------------------


def test_misspelt_legal_form_and_title_are_still_dropped() -> None:
    assert normalize_name("Al-Arabi Trading Compani", "organisation") == "al arabi trading"
    assert normalize_name("KOREA KWANGSON BANKING Corporateeon", "organisation") == "korea kwangson banking"
    assert normalize_name("Colone Sultani Makenga") == "sultani makenga"
    # A title-like word is kept when the name would be left with one word.
    assert normalize_name("Generale Ahmed") == "generale ahmed"


def test_spelled_out_and_glued_legal_forms() -> None:
    assert normalize_name("Open Joint Stock Company Gazprom", "organisation") == "gazprom"
    assert normalize_name("Volkswagen Gesellschaft mit beschränkter Haftung", "organisation") == "volkswagen"
    assert normalize_name("SiemensAG", "organisation") == "siemens"


def test_abd_compounds_and_names() -> None:
    # "Abdoulaye" is one name, "Abdu" at the end of a name is a name, "Abdul" before a word is a compound.
    assert normalize_name("Abdoulaye Miskine") == "abdoulaye miskine"
    assert normalize_name("Muhammad Jamal Abdu") == "muhammad jamal abdu"
    assert normalize_name("Abdul Rahman Zahed") == "abd rahman zahed"
    assert normalize_name("Hamdullah Allah Noor") == "hamdullah allah noor"


def test_hyphenated_korean_name_finds_split_listing() -> None:
    matcher = Matcher([person("K", "KIM KYU"), person("X", "Kim Jong")])
    assert top(matcher, "kim-kyu", kind="person")[:2] == ("K", "alert")


def test_one_typo_reaches_the_listed_spelling_through_the_index() -> None:
    matcher = Matcher([person("G", "Gabriel Jok"), person("H", "Huda Salih Mahdi Ammash")])
    assert top(matcher, "Gabrisel Jok", kind="person")[:2] == ("G", "alert")
    assert top(matcher, "Huda Salih Mahdi Amkmash", kind="person")[:2] == ("H", "alert")


def test_fuller_query_name_finds_short_listed_name() -> None:
    matcher = Matcher([person("A", "Anjem Choudary")])
    assert top(matcher, "Anjem Iftikhar Choudary Mahmood", kind="person")[:2] == ("A", "alert")


def test_father_and_son_are_not_swapped_around_bin() -> None:
    matcher = Matcher([person("M", "Muhammad bin Salman al-Rawi")])
    hit = matcher.best(Query("Salman bin Muhammad al-Rawi", kind="person"))
    assert hit is None or hit.decision == "clear"


def test_abd_against_another_middle_name_is_a_different_name() -> None:
    matcher = Matcher([person("N", "Nik Mohammad Dost Mohammad")])
    hit = matcher.best(Query("Nik Mohammad Abdul Mohammad", kind="person"))
    assert hit is None or hit.decision == "clear"


def test_chinese_characters_differ_even_when_romanisations_are_close() -> None:
    matcher = Matcher([person("X", "习近平")])
    hit = matcher.best(Query("习近朋", kind="person"))
    assert hit is None or hit.decision == "clear"
    assert top(matcher, "Xi Jinping", kind="person")[:2] == ("X", "alert")


def test_kana_keeps_its_voicing_marks() -> None:
    assert fold("バラク・オバマ") == "baraku obama"
    matcher = Matcher([person("O", "Barack Obama")])
    assert top(matcher, "バラク・オバマ", kind="person")[:2] == ("O", "alert")


def test_capital_consonant_pair_is_two_initials() -> None:
    assert normalize_name("JC Juncker") == "j c juncker"
    matcher = Matcher([person("J", "Jean-Claude Juncker")])
    assert top(matcher, "JC Juncker", kind="person")[:2] == ("J", "alert")


def test_big_list_scores_at_most_the_best_candidates() -> None:
    entries = [person(f"S{i}", f"Maria {chr(97 + i % 26)}ana Garcia") for i in range(600)]
    entries.append(person("T", "Maria Garcia"))
    matcher = Matcher(entries)
    assert matcher.candidate_count(Query("Maria Garcia", kind="person")) <= 50
    assert top(matcher, "Maria Garcia", kind="person")[0] == "T"


def test_two_typos_in_a_long_word_are_found_through_the_skeleton_index() -> None:
    # "rosenbaunar"/"rosenbaumer": two letters apart, so no spelling deletion key meets them; their
    # skeletons ("rsnbnr"/"rsnbmr") are one edit apart, and long Latin words stay in that key.
    matcher = Matcher([person("R", "Hans Rosenbaumer"), person("X", "Hans Schmidt")])
    hit = matcher.best(Query("Hans Rosenbaunar", kind="person"))
    assert hit is not None
    assert (hit.entry_key, hit.decision) == ("R", "alert")
    assert "surname typo (rosenbaunar/rosenbaumer)" in hit.reasons


def test_clearing_the_caches_changes_no_hit(small: Matcher) -> None:
    queries = [
        Query("Mohammed Hamza al-Zubaidi", kind="person"),
        Query("صدام حسين", kind="person"),
        Query("Sunrise Trading Co Ltd"),
        Query("Jean Pierre Bemba"),
    ]
    first = [small.screen(q) for q in queries]
    small.clear_caches()
    assert [small.screen(q) for q in queries] == first
    assert [small.screen(q) for q in queries] == first
