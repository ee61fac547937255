"""The shortcuts the duplicate searches take never change the engine's answer."""

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.registry import dedupe

LETTERS = "abcdeiklmnoprstu"
WORD = st.text(alphabet=LETTERS, min_size=2, max_size=13)


@st.composite
def word_and_typo(draw: st.DrawFn) -> tuple[str, str]:
    """A word and the same word after one or two edits (change, insertion, deletion, swap of neighbours)."""
    word = draw(WORD)
    typo = word
    for _ in range(draw(st.integers(min_value=1, max_value=2))):
        at = draw(st.integers(min_value=0, max_value=max(len(typo) - 1, 0)))
        letter = draw(st.sampled_from(LETTERS))
        edit = draw(st.sampled_from(["change", "insert", "delete", "swap"]))
        if edit == "change":
            typo = typo[:at] + letter + typo[at + 1 :]
        elif edit == "insert":
            typo = typo[:at] + letter + typo[at:]
        elif edit == "delete" and len(typo) > 1:
            typo = typo[:at] + typo[at + 1 :]
        elif edit == "swap" and at + 1 < len(typo):
            typo = typo[:at] + typo[at + 1] + typo[at] + typo[at + 2 :]
    return word, typo


@settings(max_examples=3000, deadline=None)
@given(word_and_typo())
def test_two_words_the_engine_takes_for_a_typo_share_a_typo_key(pair):
    word, typo = pair
    if dedupe._fuzzy_equal(word, typo):
        assert set(dedupe._typo_keys(word)) & set(dedupe._typo_keys(typo)), pair


NAME_WORDS = [
    "kamata", "kamatu", "kanata", "ribeso", "ribesa", "housing", "hausing", "network", "foundation", "fundacion",
    "international", "internacional", "intl", "urban", "urbanism", "nairobi", "kenya", "ii", "iii", "2", "the",
    "of", "ltd", "limited", "s", "a", "un", "habitat", "unhabitat", "bank", "trust", "cooperative", "coop",
]  # fmt: skip


@st.composite
def records(draw: st.DrawFn) -> dedupe.Record:
    words = draw(st.lists(st.sampled_from(NAME_WORDS), min_size=1, max_size=5))
    alt = draw(st.lists(st.sampled_from(NAME_WORDS), max_size=3))
    return dedupe.Record(
        id=draw(st.integers()),
        name=" ".join(words).title(),
        acronym=draw(st.sampled_from(["", "KRH", "UN", "KH", "IHF"])),
        alt_names=(" ".join(alt),) if alt else (),
        website=draw(st.sampled_from(["", "https://kamata.org", "www.habitat.org"])),
        registration_number=draw(st.sampled_from(["", "C-1234", "C1234"])),
        country=draw(st.sampled_from(["", "KE", "UG"])),
    )


@settings(max_examples=1500, deadline=None)
@given(records(), records(), st.sampled_from([dedupe.CANDIDATE_THRESHOLD, dedupe.MATCH_THRESHOLD, 0.5, 0.95]))
def test_score_at_least_gives_the_score_whenever_it_reaches_the_threshold(a, b, threshold):
    pa, pb = dedupe.profile(a), dedupe.profile(b)
    full = dedupe.score(pa, pb)
    assert dedupe.score_at_least(pa, pb, threshold) == (full if full.score >= threshold else None)


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=string.ascii_letters + " &.-'", max_size=40))
def test_the_scorer_s_derived_name_fields_agree_with_the_name(text):
    form = dedupe.analyse_name(text)
    assert form.total == sum(form.weights)
    assert form.token_set == frozenset(form.tokens)
    assert form.unique == (len(form.token_set) == len(form.tokens))
    assert form.raw_joined == "".join(form.raw)
    assert form.typo_keys == frozenset(k for keys in form.typos for k in keys)
    assert len(form.typos) == len(form.raw)
