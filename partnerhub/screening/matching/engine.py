"""The sanctions name-matching engine: an index over a list's names and a scorer that explains itself.

Pure Python (no Django): build a `Matcher` from a list snapshot's `ListEntry` records, then screen
queries against it. See docs/screening-matching.md for the algorithm and its measured quality.

    m = Matcher(entries, threshold=DEFAULT_THRESHOLD)
    hits = m.screen(Query("Mohammed Omar", kind="person", birth_date="1960"))

How a query is screened:

1. Its name (and each alias) is tokenised by `normalize.tokenize`, once as a person's name and once as an
   organisation's when the query does not say which it is.
2. Candidates come from an inverted index, never from a scan of the list. Each query token is looked up
   by its exact form, its consonant skeleton, its phonetic form and its one-deletion neighbours (so a
   one-letter typo still meets the listed spelling); the names any of those vocabulary words appear in are
   its posting set. A listed name is a candidate when it shares at least two query tokens (or all of its
   own, for one-word names), which keeps the candidates of a common name like "Mohammed" few.
3. Each candidate name is scored by aligning its tokens one-to-one with the query's (best pairs first).
   Token similarity is 1 for equal tokens, about 0.9 for transliteration/spelling variants and typos,
   0.8 for an initial. The name score is the weighted share of the query's tokens found, discounted
   lightly for listed words the query lacks (very lightly for middle names).
4. Date of birth and nationality (people) or country (organisations) then raise or lower the score.
5. The best name of each entry becomes a `Hit` with the decision against the threshold and the reasons.
"""

from __future__ import annotations

import gc
import heapq
import math
import multiprocessing
import re
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import combinations, filterfalse, pairwise

from rapidfuzz.distance import OSA

from partnerhub.core.memory import collector_paused
from partnerhub.screening.matching.countries import country_key
from partnerhub.screening.matching.normalize import (
    PARTICLES,
    Form,
    Token,
    phonetic,
    skeleton,
    tokenize,
    vowel_pattern,
)
from partnerhub.screening.matching.normalize import clear_caches as clear_normalisation_caches
from partnerhub.screening.matching.types import BirthDate, Hit, ListEntry, Query

ALGORITHM_VERSION = "partnerhub-match-1.1"
DEFAULT_THRESHOLD = 0.85
# Hits below this score are not worth showing to anyone (they are not even "possible matches").
DEFAULT_FLOOR = 0.6

# Token similarity levels (see `token_similarity`).
EXACT = "exact"
SPELLING = "spelling variant"
VARIANT = "transliteration variant"
TYPO = "typo"
INITIAL = "initial"
_MIN_TOKEN = 0.75

ACRONYM = "acronym"
# Arabic script against another word whose consonant skeleton is one edit away (three consonants or more).
_NEAR_SKELETON = (0.8, VARIANT)
# Name-score weights: what an unmatched listed token costs, by where it is in the listed name (a missing
# middle name is normal; a missing given name means the query may be the father's name), and what an
# unmatched query token costs (one between matched words is often an added patronymic).
_MISSING_MIDDLE = 0.1
_MISSING_LEADING = 0.6
_MISSING_TRAILING = 0.2
_MISSING_ORG_WORD = 0.4
_EXTRA_QUERY_MIDDLE = 0.5
# What an unmatched query word costs when the query holds the whole listed name in order.
_EXTRA_CONTAINED_MIDDLE = 0.1
_EXTRA_CONTAINED_END = 0.15
_NOT_NAMES = PARTICLES - {"abd"}
_FILIATION = frozenset(["bin", "bint"])
# A middle word on each side that matches nothing is a different father's name, not an omission.
_CONFLICT = 0.6
_ACRONYM_SCORE = 0.88
# Tokens carried by more than this share of a big list's names count for less (common names).
_COMMON_SHARE = 0.003
_COMMON_MIN_NAMES = 500
_LOOKUP_CACHE_SIZE = 100_000
# A Matcher over at least this many names freezes the garbage collector's view of the heap once built.
_FREEZE_MIN_NAMES = 100_000
# Words this long may differ by two typos (see `token_similarity`).
_LONG_WORD = 8
# At most this many name ids are kept in the per-word candidate cache.
_NAMES_CACHE_SIZE = 8_000_000
# At most this many listed names are scored per query (the index ranks them first).
_MAX_CANDIDATES = 50
# Query words weighing at least this much (not common on the list) count double in that ranking.
_RARE_WEIGHT = 0.8
# Adjustments for facts other than the name.
_DOB_EXACT = 0.05
_DOB_YEAR = 0.03
_DOB_NEAR = -0.08
_DOB_MISMATCH = -0.25
_COUNTRY_MATCH = 0.02
_COUNTRY_MISMATCH = -0.08

_COMPATIBLE_VOWELS = frozenset(["ae", "ea", "ei", "ie", "ou", "uo", "iy", "yi"])
_DATE = re.compile(r"^\s*(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?")


def _vowels_compatible(a: str, b: str) -> bool:
    """Whether two spellings with one consonant skeleton could be one name ("Husain"/"Hussein": yes,
    "Hassan"/"Hussein": no): first vowels compatible, at most one later vowel incompatible."""
    va, vb = vowel_pattern(a), vowel_pattern(b)
    if not va or not vb:
        return True
    if va[0] != vb[0] and va[0] + vb[0] not in _COMPATIBLE_VOWELS:
        return False
    misses = sum(
        1 for x, y in zip(va[1:], vb[1:], strict=False) if x != y and x + y not in _COMPATIBLE_VOWELS
    )
    return misses <= 1


def _skeleton_variant(a: str, b: str, length: int) -> bool:
    """Whether two spellings sharing a consonant skeleton are one name written two ways. Two-consonant
    skeletons ("Omar"/"Umar", but also "Qaida"/"Jeddawi") need the same start and matching vowels."""
    if length >= 3:
        return _vowels_compatible(a, b)
    if length < 2:
        return False
    if a[0] != b[0] and not (a[0] in "aeiou" and b[0] in "aeiou"):
        return False
    va, vb = vowel_pattern(a), vowel_pattern(b)
    return len(va) == len(vb) and all(
        x == y or x + y in _COMPATIBLE_VOWELS for x, y in zip(va, vb, strict=True)
    )


# The results `token_similarity` returns, made once (remembered by the million in the per-word caches).
_SAME = (1.0, EXACT)
_NONE = (0.0, "")
_INITIAL = (0.8, INITIAL)
_ARABIC_SAME = (0.95, VARIANT)
_ARABIC_SAME_2 = (0.88, VARIANT)
_ARABIC_SAME_1 = (0.85, VARIANT)
_SPELLING = (0.95, SPELLING)
_VARIANT = (0.92, VARIANT)
_TYPO_1 = (0.9, TYPO)
_TYPO_2 = (0.82, TYPO)


def token_similarity(q: Token, c: Token) -> tuple[float, str]:
    """How alike two tokens are, in [0, 1], and why (one of the level names above, or "")."""
    if q.text == c.text:
        return _SAME
    if q.cjk and c.cjk:
        return _NONE  # different characters (or Hangul syllables) are a different name
    if q.is_initial or c.is_initial:
        if q.text[0] == c.text[0] and not (q.arabic or c.arabic):
            return _INITIAL
        return _NONE
    if q.is_digit or c.is_digit:
        return _NONE
    qs, cs = q.skeleton, c.skeleton
    if q.arabic or c.arabic:
        # Transliterated Arabic keeps consonants only: compare skeletons.
        if qs == cs and len(qs) >= 2:
            return _ARABIC_SAME if len(qs) >= 3 else _ARABIC_SAME_2
        if qs == cs and len(qs) == 1 and max(len(q.text), len(c.text)) <= 5:
            return _ARABIC_SAME_1  # "علي" (l) and "Ali"
        if min(len(qs), len(cs)) >= 3 and OSA.distance(qs, cs, score_cutoff=1) == 1:
            return _NEAR_SKELETON
        return _NONE
    if q.phonetic == c.phonetic:
        return _SPELLING
    if qs == cs and _skeleton_variant(q.text, c.text, len(qs)):
        return _VARIANT
    shortest = min(len(q.text), len(c.text))
    allowed = 0 if shortest < 4 else 1 if shortest < _LONG_WORD else 2
    # A typo rarely hits the first letter of a short word; allowing it there pairs "Saddam" with "Adam".
    if allowed and (q.text[0] == c.text[0] or shortest >= 5):
        # (A distance beyond `allowed` comes back as allowed + 1.)
        distance = OSA.distance(q.text, c.text, score_cutoff=allowed)
        if distance > 1:
            distance = min(distance, OSA.distance(q.phonetic, c.phonetic, score_cutoff=allowed))
        if distance <= allowed:
            return _TYPO_1 if distance <= 1 else _TYPO_2
    return _NONE


def _acronym(tokens: Sequence[Token]) -> str:
    """The initials of a multi-word organisation name ("People's Liberation Army" → "pla"), or ""."""
    letters = [t.text[0] for t in tokens if t.text[0].isalpha() and not t.arabic]
    if len(tokens) < 2 or len(letters) != len(tokens) or not 4 <= len(letters) <= 6:
        return ""
    return "".join(letters)


def _join(left: Token, right: Token) -> Token:
    text = left.text + right.text
    arabic = left.arabic or right.arabic
    return Token(text, skeleton(text, arabic), phonetic(text), arabic=arabic)


_JOINED: dict[tuple[str, bool, str, bool, bool, bool], tuple[float, str]] = {}


def _joined_similarity(left: Token, right: Token, other: Token, query_joined: bool) -> tuple[float, str]:
    """Similarity of two adjacent words run together with one word of the other name (remembered)."""
    text = left.text + right.text
    if abs(len(text) - len(other.text)) > 2 and not (left.arabic or right.arabic or other.arabic):
        return 0.0, ""  # Latin words of such different lengths are not one name written two ways
    key = (
        text,
        left.arabic or right.arabic,
        other.text,
        other.arabic,
        other.cjk,
        query_joined,
    )
    result = _JOINED.get(key)
    if result is None:
        if len(_JOINED) >= 200_000:
            _JOINED.clear()
        joined = _join(left, right)
        result = token_similarity(joined, other) if query_joined else token_similarity(other, joined)
        _JOINED[key] = result
    return result


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


@dataclass(frozen=True, slots=True)
class _Birth:
    year: int
    month: int | None
    day: int | None


def _parse_birth(value: str | None) -> _Birth | None:
    match = _DATE.match(value or "")
    if not match:
        return None
    year, month, day = match.groups()
    return _Birth(int(year), int(month) if month else None, int(day) if day else None)


def _birth_adjustment(query: _Birth, dates: Sequence[BirthDate]) -> tuple[float, str]:
    """Score change and reason for a query's date of birth against an entry's dates."""
    best_gap: int | None = None
    for date in dates:
        if date.year is None:
            continue
        low, high = date.year, date.year_to or date.year
        if date.approximate:
            low, high = low - 1, high + 1
        if low <= query.year <= high:
            if (
                date.year_to is None
                and query.month is not None
                and query.day is not None
                and (date.month, date.day) == (query.month, query.day)
            ):
                return _DOB_EXACT, "date of birth matches"
            return _DOB_YEAR, f"birth year matches ({query.year})"
        gap = low - query.year if query.year < low else query.year - high
        best_gap = gap if best_gap is None else min(best_gap, gap)
    if best_gap is None:
        return 0.0, ""
    listed = ", ".join(
        str(d.year) if not d.year_to else f"{d.year}-{d.year_to}" for d in dates if d.year is not None
    )
    if best_gap == 1:
        return _DOB_NEAR, f"birth year one year off ({query.year}; listed {listed})"
    return _DOB_MISMATCH, f"birth year differs ({query.year}; listed {listed})"


def _country_adjustment(query_country: str, listed: Sequence[str], what: str) -> tuple[float, str]:
    wanted = country_key(query_country)
    keys = {country_key(c) for c in listed} - {""}
    if not wanted or not keys:
        return 0.0, ""
    if wanted in keys:
        return _COUNTRY_MATCH, f"{what} matches"
    return _COUNTRY_MISMATCH, f"{what} differs"


def _denominator(
    tokens: Sequence[Token],
    qweights: Sequence[float],
    ctokens: Sequence[Token],
    cweights: Sequence[float],
    matches: Sequence[tuple[int, int, float, str]],
    person: bool,
    has_bin: bool = True,
) -> float:
    """The weight a name score is divided by: matched query words, plus what each unmatched word costs
    where it stands (see the _MISSING_* and _EXTRA_* weights)."""
    used_q = [False] * len(tokens)
    used_c = [False] * len(ctokens)
    denominator = 0.0
    qlow = low = 1 << 30
    qhigh = high = -1
    in_order = True
    last_j = -1
    for i, j, _s, _c in sorted(matches):
        if not used_q[i]:
            used_q[i] = True
            denominator += qweights[i]
        used_c[j] = True
        qlow, qhigh = min(qlow, i), max(qhigh, i)
        low, high = min(low, j), max(high, j)
        in_order = in_order and j >= last_j
        last_j = j
    # The whole listed name (two strong words or more) is in the query, in its order: the query is a
    # fuller form of it ("Anjem Iftikhar Choudary Mahmood" for "Anjem Choudary"). Not for Arabic-script
    # queries, whose consonant-only words match too loosely for that.
    contained = False
    if person and in_order and sum(used_q) == len(matches):
        listed_strong = [j for j, c in enumerate(ctokens) if not c.weak and not c.is_initial]
        contained = (
            len(listed_strong) >= 2
            and all(used_c[j] for j in listed_strong)
            and not any(t.arabic for t in tokens)
        )
    matched_texts = {tokens[i].text for i in range(len(tokens)) if used_q[i]}
    for i, q in enumerate(tokens):
        if used_q[i] or q.text in matched_texts:
            continue  # matched, or the same word twice ("Sergey Sergey Shoigu")
        if contained:
            cost = _EXTRA_CONTAINED_MIDDLE if qlow < i < qhigh else _EXTRA_CONTAINED_END
        else:
            cost = _EXTRA_QUERY_MIDDLE if person and qlow < i < qhigh else 1.0
        denominator += qweights[i] * cost
    listed_middle = 0
    for j in range(len(ctokens)):
        if used_c[j]:
            continue
        if not person:
            denominator += cweights[j] * _MISSING_ORG_WORD
        elif low < j < high:
            denominator += cweights[j] * _MISSING_MIDDLE
            if ctokens[j].text not in _NOT_NAMES:
                listed_middle += 1
        elif j < low:
            denominator += cweights[j] * _MISSING_LEADING
        else:
            denominator += cweights[j] * _MISSING_TRAILING
    if person and matches:
        if listed_middle:
            # "Abd" is half of a name ("Abdul Mohammad"), so it counts as a middle name here.
            query_middle = sum(
                1 for i in range(qlow + 1, qhigh) if not used_q[i] and tokens[i].text not in _NOT_NAMES
            )
            denominator += _CONFLICT * min(query_middle, listed_middle)
        if has_bin:
            denominator += _CONFLICT * _bin_swaps(tokens, ctokens, matches)
    return denominator


def _bin_swaps(
    tokens: Sequence[Token], ctokens: Sequence[Token], matches: Sequence[tuple[int, int, float, str]]
) -> int:
    """Matched words on different sides of "bin" in the two names: "Salman bin Muhammad" (Salman, son of
    Muhammad) is not "Muhammad bin Salman"."""
    qbin = next((i for i, t in enumerate(tokens) if t.text in _FILIATION), -1)
    if qbin < 0:
        return 0
    cbin = next((j for j, t in enumerate(ctokens) if t.text in _FILIATION), -1)
    if cbin < 0:
        return 0
    # Only a "bin" with matched words on both sides in both names says whose son is whose.
    qmatched = [i for i, _j, _s, _c in matches]
    cmatched = [j for _i, j, _s, _c in matches]
    if not (min(qmatched) < qbin < max(qmatched) and min(cmatched) < cbin < max(cmatched)):
        return 0
    return sum(
        1
        for i, j, _s, _c in matches
        if i != qbin and j != cbin and not ctokens[j].weak and (i < qbin) != (j < cbin)
    )


@dataclass(slots=True)
class _Scored:
    score: float
    name_id: int
    name_reasons: Callable[[], list[str]]
    extras: list[str]


_FORM_CODE = {"person": 0, "organisation": 1}

# The matcher a worker process of `screen_many` uses (inherited by fork, set once per pool).
_WORKER: Matcher | None = None


def _worker_screen(args: tuple[list[Query], int]) -> list[list[Hit]]:
    queries, limit = args
    assert _WORKER is not None
    return [_WORKER.screen(q, limit=limit) for q in queries]


class Matcher:
    """An index over one list snapshot's names, answering "who on the list could this be?".

    Building costs about as much as screening a few thousand names; the object holds only plain data,
    so it pickles (and can be cached per process or shipped to workers).
    """

    def __init__(
        self, entries: Iterable[ListEntry], threshold: float = DEFAULT_THRESHOLD, floor: float = DEFAULT_FLOOR
    ) -> None:
        self.threshold = threshold
        self.floor = min(floor, threshold)
        self.entries: list[ListEntry] = list(entries)
        self.algorithm_version = ALGORITHM_VERSION
        # Names: each alias of each entry separately.
        self._name_entry = array("i")
        self._name_text: list[str] = []
        self._name_tids: list[tuple[int, ...]] = []
        self._name_form = bytearray()
        self._single: set[int] = set()
        self._single_postings: dict[int, tuple[int, ...]] = {}
        # Vocabulary: distinct tokens, their postings (name ids) and lookup keys.
        self._tid: dict[tuple[str, bool, bool], int] = {}
        self._tokens: list[Token] = []
        # Postings are built as lists, then kept as tuples: a name id is one int object shared by every
        # posting that holds it, so the name sets made from them copy references, not new ints.
        self._postings: list[tuple[int, ...]] = []
        self._building: list[list[int]] | None = []
        self._by_text: dict[str, list[int]] = {}
        self._by_skeleton: dict[str, list[int]] = {}
        self._by_phonetic: dict[str, list[int]] = {}
        self._by_deletion: dict[str, list[int]] = {}
        # One-deletion neighbours of consonant skeletons (three consonants or more): for Arabic-script
        # query words, the distinct listed skeletons (compared once each, then expanded through
        # `_by_skeleton`); for Latin query words, only the listed words such a neighbour can still match
        # that no other key finds: Arabic-script words, and Latin words of 8 letters or more (two typos).
        self._by_skeleton_deletion: dict[str, list[str]] = {}
        self._arabic_by_skeleton_deletion: dict[str, list[int]] = {}
        self._long_by_skeleton_deletion: dict[str, list[int]] = {}
        self._by_concat: dict[str, list[int]] = {}
        self._by_acronym: dict[str, list[int]] = {}
        self._common: dict[str, float] = {}
        self._tid_weight: list[float] = []
        self._tid_lazy = b""
        # Per query word (remembered across queries): the vocabulary words similar to it, and its
        # similarity to every listed word it has been compared with.
        self._lookup_cache: dict[tuple[str, bool, bool], set[int]] = {}
        self._sim_cache: dict[tuple[str, bool, bool], dict[int, tuple[float, str]]] = {}
        self._names_cache: dict[tuple[str, bool, bool], tuple[set[int], tuple[int, ...], set[int]]] = {}
        self._names_cached_size = 0
        # Building allocates millions of objects on a big list and creates no reference cycles, so the
        # garbage collector is paused meanwhile rather than scanning the growing heap again and again.
        collecting = gc.isenabled()
        with collector_paused():
            self._build()
        if self.name_count >= _FREEZE_MIN_NAMES and collecting:
            # A big index lives as long as the process uses it: leave it (and whatever else is alive) to
            # the collector's permanent generation, so that full collections during screening do not
            # scan millions of objects that will not go away.
            gc.collect()
            gc.freeze()

    def _build(self) -> None:
        for index, entry in enumerate(self.entries):
            form: Form = "organisation" if entry.kind == "organisation" else "person"
            seen: set[tuple[str, ...]] = set()
            for listed in entry.names:
                tokens = tokenize(listed.name, form)
                key = tuple(t.text for t in tokens)
                if not tokens or key in seen:
                    continue
                seen.add(key)
                self._add_name(index, listed.name, form, tokens)
        building, self._building = self._building or [], None
        self._postings = [tuple(p) for p in building]
        del building
        single = self._single
        self._single_postings = {
            tid: kept for tid, p in enumerate(self._postings) if (kept := tuple(n for n in p if n in single))
        }
        # Words per name, for ranking candidates (shorter names first among equals).
        self._name_size = array("H", (min(len(tids), 65535) for tids in self._name_tids))
        self._weigh_common_tokens()

    def _weigh_common_tokens(self) -> None:
        """Down-weight tokens that many of the list's names share ("Mohammed", "Ali", "Kim")."""
        if len(self._name_text) >= _COMMON_MIN_NAMES:
            counts: dict[str, int] = {}
            for tid, token in enumerate(self._tokens):
                if not token.weak and not token.is_initial:
                    counts[token.skeleton] = counts.get(token.skeleton, 0) + len(self._postings[tid])
            total = len(self._name_text)
            for key, count in counts.items():
                share = count / total
                if share > _COMMON_SHARE:
                    self._common[key] = max(0.4, 1.0 - 0.3 * math.log10(share / _COMMON_SHARE))
        self._tid_weight = [self._weight(t) for t in self._tokens]
        # Vocabulary words every query word is compared with when scoring (not only similar ones).
        self._tid_lazy = bytes(t.is_initial or t.weak or t.arabic for t in self._tokens)

    def _weight(self, token: Token) -> float:
        if token.weak or token.is_initial:
            return token.weight
        return token.weight * self._common.get(token.skeleton, 1.0)

    # --- Building -------------------------------------------------------------------------------

    def _add_name(self, entry_index: int, text: str, form: Form, tokens: tuple[Token, ...]) -> None:
        name_id = len(self._name_text)
        self._name_entry.append(entry_index)
        self._name_text.append(text)
        self._name_form.append(_FORM_CODE[form])
        tids = tuple(self._token_id(t) for t in tokens)
        self._name_tids.append(tids)
        strong = [t for t in tokens if not t.weak and not t.is_initial]
        if len(strong) <= 1:
            self._single.add(name_id)
        assert self._building is not None
        for tid in dict.fromkeys(tids):
            self._building[tid].append(name_id)
        # Split syllables ("Jin Ping") meet a joined query ("Jinping") through their concatenation.
        for left, right in pairwise(tokens):
            if len(left.text) <= 4 and len(right.text) <= 4 and not left.text.isdigit():
                self._by_concat.setdefault(left.text + right.text, []).append(name_id)
        if form == "organisation":
            acronym = _acronym(tokens)
            if acronym:
                self._by_acronym.setdefault(acronym, []).append(name_id)

    def _token_id(self, token: Token) -> int:
        key = (token.text, token.arabic, token.cjk)
        tid = self._tid.get(key)
        if tid is not None:
            return tid
        tid = len(self._tokens)
        self._tid[key] = tid
        self._tokens.append(token)
        assert self._building is not None
        self._building.append([])
        self._by_text.setdefault(token.text, []).append(tid)
        if token.is_initial or token.text.isdigit():
            return tid
        if len(token.skeleton) >= 2:
            same = self._by_skeleton.get(token.skeleton)
            if same is None:
                same = self._by_skeleton[token.skeleton] = []
                if len(token.skeleton) >= 3:
                    for variant in _deletions(token.skeleton):
                        self._by_skeleton_deletion.setdefault(variant, []).append(token.skeleton)
            same.append(tid)
        if len(token.skeleton) >= 3 and (token.arabic or len(token.text) >= _LONG_WORD):
            index = self._arabic_by_skeleton_deletion if token.arabic else self._long_by_skeleton_deletion
            for variant in _deletions(token.skeleton):
                index.setdefault(variant, []).append(tid)
        if not token.arabic:
            self._by_phonetic.setdefault(token.phonetic, []).append(tid)
            if len(token.text) >= 4:
                for variant in (
                    _deletions(token.text) | _deletions(token.phonetic) | {token.text, token.phonetic}
                ):
                    self._by_deletion.setdefault(variant, []).append(tid)
        return tid

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state["_lookup_cache"] = {}
        state["_sim_cache"] = {}
        state["_names_cache"] = {}
        state["_names_cached_size"] = 0
        return state

    def __setstate__(self, state: dict[str, object]) -> None:
        self.__dict__.update(state)

    def clear_caches(self) -> None:
        """Forget every query word seen so far (this matcher's per-word caches, and the process-wide
        caches of tokenisation and joined-word comparisons), so the next queries run as a first pass."""
        self._lookup_cache.clear()
        self._sim_cache.clear()
        self._names_cache.clear()
        self._names_cached_size = 0
        _JOINED.clear()
        clear_normalisation_caches()

    @property
    def name_count(self) -> int:
        """How many names (primary names and aliases) the index holds."""
        return len(self._name_text)

    # --- Screening ------------------------------------------------------------------------------

    def screen(self, query: Query, limit: int = 5) -> list[Hit]:
        """Hits for `query`, best first, only those scoring at least the floor; at most `limit`."""
        best = self._score(query)
        ranked = sorted(best.values(), key=lambda s: (-s.score, s.name_id))[:limit]
        return [self._hit(s) for s in ranked]

    def best(self, query: Query) -> Hit | None:
        """The best hit for `query`, or None when nothing on the list is worth showing."""
        hits = self.screen(query, limit=1)
        return hits[0] if hits else None

    def screen_many(
        self, queries: Iterable[Query], limit: int = 1, processes: int = 1
    ) -> Iterator[list[Hit]]:
        """Hits for each query in order. With `processes` > 1 the work is spread over forked workers
        (Linux); the index is shared with them copy-on-write, not pickled."""
        if processes <= 1:
            for query in queries:
                yield self.screen(query, limit=limit)
            return
        global _WORKER  # noqa: PLW0603 - the forked workers read the matcher from here
        _WORKER = self
        batch: list[Query] = []
        chunks: list[list[Query]] = []
        for query in queries:
            batch.append(query)
            if len(batch) == 200:
                chunks.append(batch)
                batch = []
        if batch:
            chunks.append(batch)
        context = multiprocessing.get_context("fork")
        # Frozen objects are left alone by the workers' garbage collector, so the pages holding the
        # index are not copied into each worker just to be scanned. (A big index froze itself when it
        # was built: then nothing is unfrozen afterwards.)
        frozen_before = gc.get_freeze_count() > 0
        gc.freeze()
        try:
            with context.Pool(processes) as pool:
                for result in pool.imap(_worker_screen, [(chunk, limit) for chunk in chunks]):
                    yield from result
        finally:
            if not frozen_before:
                gc.unfreeze()
            _WORKER = None

    def candidate_count(self, query: Query) -> int:
        """How many listed names `query` would be scored against (the index's blocking, for tests)."""
        return sum(len(self._candidates(tokens, form)[0]) for form, tokens in self._query_forms(query))

    def _query_forms(self, query: Query) -> list[tuple[Form | None, tuple[Token, ...]]]:
        forms: list[tuple[Form | None, tuple[Token, ...]]] = []
        for name in (query.name, *query.aliases):
            if query.kind is not None:
                forms.append((query.kind, tokenize(name, query.kind)))
                continue
            person, organisation = tokenize(name, "person"), tokenize(name, "organisation")
            if [t.text for t in person] == [t.text for t in organisation]:
                forms.append((None, person))
            else:
                forms.append(("person", person))
                forms.append(("organisation", organisation))
        return [(form, tokens) for form, tokens in forms if tokens]

    def _sims_for(self, q: Token) -> dict[int, tuple[float, str]]:
        """The remembered similarities of query word `q` to listed words (by vocabulary id)."""
        key = (q.text, q.arabic, q.cjk)
        sims = self._sim_cache.get(key)
        if sims is None:
            if len(self._sim_cache) >= _LOOKUP_CACHE_SIZE:
                self._sim_cache.clear()
                self._lookup_cache.clear()
                self._names_cache.clear()
                self._names_cached_size = 0
            sims = self._sim_cache[key] = {}
        return sims

    def _lookup(self, q: Token, sims: dict[int, tuple[float, str]]) -> set[int]:
        """Vocabulary ids of words similar enough to `q` (filling `sims`); remembered per word, since
        the same given and family names come back query after query."""
        key = (q.text, q.arabic, q.cjk)
        found = self._lookup_cache.get(key)
        if found is None:
            found = self._lookup_cache[key] = self._lookup_uncached(q, sims)
        return found

    def _lookup_uncached(self, q: Token, sims: dict[int, tuple[float, str]]) -> set[int]:
        # The vocabulary words each key reaches are gathered first and compared once each.
        groups: list[Sequence[int]] = [self._by_text.get(q.text, ())]
        # Listed words whose skeleton is one edit from an Arabic-script query word's (see below).
        near: list[Sequence[int]] = []
        if len(q.skeleton) >= 2:
            groups.append(self._by_skeleton.get(q.skeleton, ()))
        if len(q.skeleton) >= 3:
            variants = _deletions(q.skeleton) | {q.skeleton}
            if q.arabic:
                # Compared by skeleton only: every listed word whose skeleton is one edit away.
                by_skeleton_deletion = self._by_skeleton_deletion
                listed = set().union(*[by_skeleton_deletion.get(v, ()) for v in variants])
                listed.discard(q.skeleton)
                by_skeleton = self._by_skeleton
                near = [by_skeleton[s] for s in listed if OSA.distance(q.skeleton, s, score_cutoff=1) <= 1]
                if q.is_digit:
                    groups += near
                    near = []
            else:
                # A Latin word one consonant away matches a Latin query word only as a typo, which the
                # spelling keys below find, or as two typos in long words; Arabic-script words by skeleton.
                arabic = self._arabic_by_skeleton_deletion
                groups += [arabic[v] for v in variants if v in arabic]
                if len(q.text) >= _LONG_WORD:
                    long_words = self._long_by_skeleton_deletion
                    groups += [long_words[v] for v in variants if v in long_words]
        if not q.arabic:
            groups.append(self._by_phonetic.get(q.phonetic, ()))
            if len(q.text) >= 4:
                by_deletion = self._by_deletion
                groups += [
                    by_deletion[v]
                    for v in _deletions(q.text) | _deletions(q.phonetic) | {q.text, q.phonetic}
                    if v in by_deletion
                ]
        found: set[int] = set()
        tokens = self._tokens
        # A word found dissimilar is remembered only if scoring would compare it again (see
        # `_score_name`: a strong query word is not compared with a strong listed word it did not find).
        lazy = q.weak or q.is_initial or q.arabic or len(q.skeleton) < 2
        tid_lazy = self._tid_lazy
        for tid in set().union(*groups):
            result = sims.get(tid)
            if result is None:
                result = token_similarity(q, tokens[tid])
                if result[0] >= _MIN_TOKEN or lazy or tid_lazy[tid]:
                    sims[tid] = result
            if result[0] >= _MIN_TOKEN:
                found.add(tid)
        if near:
            # What `token_similarity` says of these without asking it word by word: the same text was
            # compared above (it is in `_by_text`), any other text is a skeleton one edit away.
            fresh = set().union(*near)
            found |= fresh
            fresh.difference_update(sims)
            sims.update(dict.fromkeys(fresh, _NEAR_SKELETON))
        return found

    def _names_for(
        self, token: Token, known: dict[int, tuple[float, str]]
    ) -> tuple[set[int], tuple[int, ...], set[int]]:
        """The listed names a query word reaches through its similar words, the similar words that are
        exact or spelling variants (their names are counted when ranking many candidates), and the
        names of one strong word among them (remembered per word)."""
        key = (token.text, token.arabic, token.cjk)
        cached = self._names_cache.get(key)
        if cached is None:
            found = self._lookup(token, known)
            postings = self._postings
            single_postings = self._single_postings
            names = set().union(*[postings[tid] for tid in found])
            exact = tuple(tid for tid in found if known[tid][0] >= 0.95)
            single = set().union(*[single_postings[tid] for tid in found if tid in single_postings])
            cached = (names, exact, single)
            # The names a word reaches are remembered up to a bounded total size; once it is
            # reached, the words seen first (the common ones) stay.
            size = len(names) + len(exact) + len(single)
            if self._names_cached_size + size <= _NAMES_CACHE_SIZE:
                self._names_cached_size += size
                self._names_cache[key] = cached
        return cached

    def _candidates(
        self, tokens: tuple[Token, ...], form: Form | None
    ) -> tuple[set[int], list[dict[int, tuple[float, str]]]]:
        sims = [self._sims_for(t) for t in tokens]
        strong = [i for i, t in enumerate(tokens) if not t.weak and not t.is_initial]
        if not strong:
            strong = [i for i, t in enumerate(tokens) if not t.is_initial] or list(range(len(tokens)))
        sets: list[set[int]] = []
        postings = self._postings
        exact_sets: list[tuple[int, ...]] = []
        # The one-strong-word names of each word's set (a candidate on their own), when known.
        singles: list[set[int] | None] = []
        code = -1 if form is None else _FORM_CODE[form]
        name_form = self._name_form
        for i in strong:
            names, exact, single = self._names_for(tokens[i], sims[i])
            sets.append(names)
            exact_sets.append(exact)
            singles.append(single)
        for left, right in pairwise(tokens):
            for tid in self._by_text.get(left.text + right.text, ()):
                sets.append(set(postings[tid]))
        for token in tokens:
            joined = self._by_concat.get(token.text)
            if joined is not None:
                # One query word standing for two listed words ("Kim-Kyu"/"Kim Kyu") counts for both.
                sets += [set(joined), set(joined)]
            if len(token.text) >= 7 and token.text not in self._by_text and not token.arabic:
                # A query word that is two listed words run together ("Ramimakhlouf").
                for cut in range(3, len(token.text) - 2):
                    head = self._by_text.get(token.text[:cut])
                    tail = self._by_text.get(token.text[cut:])
                    if head and tail:
                        both = {n for tid in head for n in postings[tid]} & {
                            n for tid in tail for n in postings[tid]
                        }
                        sets += [both, both]
        if form != "person":
            acronym_names = self._acronym_candidates(tokens)
            if acronym_names:
                sets += [acronym_names, acronym_names]
        singles += [None] * (len(sets) - len(singles))
        kept = [(s, one) for s, one in zip(sets, singles, strict=True) if s]
        sets = [s for s, _one in kept]
        if not sets:
            return set(), sims
        if len(sets) == 1:
            candidates = set(sets[0])
        else:
            candidates = set()
            for a, b in combinations(sets, 2):
                candidates |= a & b
            for s, one in kept:
                candidates |= s & self._single if one is None else one
        if code == 0:
            candidates = set(filterfalse(name_form.__getitem__, candidates))
        elif code == 1:
            candidates = set(filter(name_form.__getitem__, candidates))
        if len(candidates) > _MAX_CANDIDATES:
            weights = [self._weight(tokens[i]) for i in strong]
            candidates = self._best_candidates(candidates, sets, exact_sets, weights)
        return candidates, sims

    def _best_candidates(
        self,
        candidates: set[int],
        sets: list[set[int]],
        exact_words: list[tuple[int, ...]],
        weights: list[float],
    ) -> set[int]:
        """On a big list a query made of common words reaches thousands of names: keep those with the
        best first-pass estimate: the query words they share, rare words and exact spellings counting
        double."""
        estimate: Counter[int] = Counter()
        for index, group in enumerate(sets):
            shared = group & candidates
            estimate.update(shared)
            if index < len(weights) and weights[index] >= _RARE_WEIGHT:
                estimate.update(shared)
        postings = self._postings
        for words in exact_words:
            # The names of the word's exact and spelling-variant matches, among the candidates.
            estimate.update(set().union(*[candidates.intersection(postings[tid]) for tid in words]))
        # Among equals, the shorter listed names (fewer words the query lacks) first.
        # (What heapq.nlargest(key=16 * estimate - size) gives, earlier names first among equal keys,
        # without a Python call per name.)
        names = list(estimate)
        sizes = map(self._name_size.__getitem__, names)
        keys = [16 * count - size for count, size in zip(estimate.values(), sizes, strict=True)]
        best = heapq.nlargest(_MAX_CANDIDATES, zip(keys, range(0, -len(names), -1), names, strict=True))
        return {name for _key, _order, name in best}

    def _acronym_candidates(self, tokens: tuple[Token, ...]) -> set[int]:
        names: set[int] = set()
        if len(tokens) == 1 and tokens[0].text.isalpha() and 4 <= len(tokens[0].text) <= 6:
            names.update(self._by_acronym.get(tokens[0].text, ()))
        acronym = _acronym(tokens)
        if acronym:
            names.update(*[self._postings[tid] for tid in self._by_text.get(acronym, ())])
        return names

    def _score(self, query: Query) -> dict[int, _Scored]:
        """The best score per entry index, for entries worth showing."""
        best: dict[int, _Scored] = {}
        birth = _parse_birth(query.birth_date)
        for form, tokens in self._query_forms(query):
            candidates, sims = self._candidates(tokens, form)
            qweights = [self._weight(t) for t in tokens]
            # Strong query words were compared with every similar listed word during retrieval; only
            # initials and weak words (and Arabic-script ones) are compared when scoring.
            lazy = [q.weak or q.is_initial or q.arabic or len(q.skeleton) < 2 for q in tokens]
            joined = "".join(t.text for t in tokens)
            has_bin = any(t.text in _FILIATION for t in tokens)
            for name_id in candidates:
                name_score, reasons = self._score_name(tokens, qweights, sims, name_id, lazy, joined, has_bin)
                if name_score + _DOB_EXACT + _COUNTRY_MATCH < self.floor:
                    continue
                entry_index = self._name_entry[name_id]
                entry = self.entries[entry_index]
                score = name_score
                extras: list[str] = []
                if entry.kind == "person":
                    if birth is not None:
                        change, why = _birth_adjustment(birth, entry.birth_dates)
                        score += change
                        extras.append(why)
                    if query.nationality:
                        change, why = _country_adjustment(
                            query.nationality, entry.nationalities or entry.countries, "nationality"
                        )
                        score += change
                        extras.append(why)
                elif query.country or query.nationality:
                    change, why = _country_adjustment(
                        query.country or query.nationality or "",
                        entry.countries or entry.nationalities,
                        "country",
                    )
                    score += change
                    extras.append(why)
                score = round(min(1.0, max(0.0, score)), 4)
                if score < self.floor:
                    continue
                current = best.get(entry_index)
                # Equal scores: the entry's first name (primary before aliases) is the one shown, whatever
                # order the candidate set yields them in.
                if current is None or (score, -name_id) > (current.score, -current.name_id):
                    best[entry_index] = _Scored(score, name_id, reasons, [e for e in extras if e])
        return best

    def _score_name(
        self,
        tokens: tuple[Token, ...],
        qweights: list[float],
        sims: list[dict[int, tuple[float, str]]],
        name_id: int,
        lazy_words: list[bool],
        joined_q: str,
        has_bin: bool,
    ) -> tuple[float, Callable[[], list[str]]]:
        """Align the query's tokens with one listed name's and score the alignment; the reasons are
        worked out only for the hits that are kept."""
        ctids = self._name_tids[name_id]
        vocabulary = self._tokens
        tid_lazy = self._tid_lazy
        pairs: list[tuple[float, int, int, str]] = []
        for i, q in enumerate(tokens):
            known = sims[i]
            lazy = lazy_words[i]
            for j, tid in enumerate(ctids):
                result = known.get(tid)
                if result is None:
                    if not (lazy or tid_lazy[tid]):
                        continue
                    result = known[tid] = token_similarity(q, vocabulary[tid])
                if result[0] >= _MIN_TOKEN:  # (an initial's 0.8 included)
                    pairs.append((result[0], -i, -j, result[1]))
        ctokens = list(map(vocabulary.__getitem__, ctids))
        pairs.sort(reverse=True)
        used_q: set[int] = set()
        used_c: set[int] = set()
        matches: list[tuple[int, int, float, str]] = []
        for score, ni, nj, code in pairs:
            i, j = -ni, -nj
            if i in used_q or j in used_c:
                continue
            used_q.add(i)
            used_c.add(j)
            matches.append((i, j, score, code))
        if (len(used_q) < len(tokens) - 1 or len(used_c) < len(ctokens) - 1) and (
            len(used_q) < len(tokens) and len(used_c) < len(ctokens)
        ):
            self._merge_split_words(tokens, ctokens, used_q, used_c, matches)
        person = self._name_form[name_id] == 0
        cweights = list(map(self._tid_weight.__getitem__, ctids))
        # A query word matched to two listed words run together counts once.
        found = sum(qweights[i] * score for i, score in {m[0]: m[2] for m in matches}.items())
        denominator = _denominator(tokens, qweights, ctokens, cweights, matches, person, has_bin)
        score = found / denominator if denominator else 0.0
        if (
            score < 0.95
            and len(ctokens) + len(tokens) > 2
            and len(joined_q) >= 6
            and joined_q.startswith(ctokens[0].text)
            and joined_q == "".join(c.text for c in ctokens)
        ):
            return 0.95, lambda: ["same letters, different word breaks"]
        if (
            not person
            and score < _ACRONYM_SCORE
            and (
                (len(tokens) == 1 and tokens[0].text == _acronym(ctokens))
                or (len(ctokens) == 1 and ctokens[0].text == _acronym(tokens))
            )
        ):
            why = "acronym of the listed name" if len(tokens) == 1 else "listed name is the acronym"
            return _ACRONYM_SCORE, lambda: [why]
        return score, lambda: self._explain(tokens, ctokens, matches, person)

    @staticmethod
    def _merge_split_words(
        tokens: Sequence[Token],
        ctokens: Sequence[Token],
        used_q: set[int],
        used_c: set[int],
        matches: list[tuple[int, int, float, str]],
    ) -> None:
        """Pair two adjacent unmatched words on one side with one word on the other ("Jin Ping"/"Jinping")."""
        for i in range(len(tokens) - 1):
            if i in used_q or i + 1 in used_q:
                continue
            left, right = tokens[i], tokens[i + 1]
            length = len(left.text) + len(right.text)
            latin = not (left.arabic or right.arabic)
            for j, c in enumerate(ctokens):
                if j in used_c or (latin and not c.arabic and abs(length - len(c.text)) > 2):
                    continue  # (what `_joined_similarity` says of Latin words this far apart in length)
                score, code = _joined_similarity(left, right, c, True)
                if score >= 0.85:
                    used_q.update((i, i + 1))
                    used_c.add(j)
                    matches += [(i, j, score, code), (i + 1, j, score, code)]
                    break
        for j in range(len(ctokens) - 1):
            if j in used_c or j + 1 in used_c:
                continue
            left, right = ctokens[j], ctokens[j + 1]
            length = len(left.text) + len(right.text)
            latin = not (left.arabic or right.arabic)
            for i, q in enumerate(tokens):
                if i in used_q or (latin and not q.arabic and abs(length - len(q.text)) > 2):
                    continue
                score, code = _joined_similarity(left, right, q, False)
                if score >= 0.85:
                    used_q.add(i)
                    used_c.update((j, j + 1))
                    matches.append((i, j, score, code))
                    matches.append((i, j + 1, score, code))
                    break

    @staticmethod
    def _explain(
        tokens: tuple[Token, ...],
        ctokens: list[Token],
        matches: list[tuple[int, int, float, str]],
        person: bool,
    ) -> list[str]:
        reasons: list[str] = []
        strong = [j for j, c in enumerate(ctokens) if not c.weak and not c.is_initial]
        matched_c = {j for _i, j, _s, _c in matches}

        def role(j: int) -> str:
            if not person:
                return "word"
            if ctokens[j].weak:
                return "particle"
            if len(strong) <= 1:
                return "name"
            if j == strong[-1]:
                return "surname"
            if j == strong[0]:
                return "given name"
            return "middle name"

        for i, j, _score, code in sorted(matches, key=lambda m: m[1]):
            if ctokens[j].weak and code == EXACT:
                continue
            text = f"{role(j)} {code}"
            if code != EXACT:
                text += f" ({tokens[i].text}/{ctokens[j].text})"
            reasons.append(text)
        if person:
            ordered = [j for _i, j, _s, _c in sorted(matches, key=lambda m: m[0])]
            if ordered != sorted(ordered):
                reasons.append("word order differs")
        missing = [j for j in strong if j not in matched_c]
        if missing:
            names = [role(j) for j in missing]
            for label in dict.fromkeys(names):
                count = names.count(label)
                reasons.append(f"{count} {label}s not given" if count > 1 else f"{label} not given")
        extra = [tokens[i].text for i in range(len(tokens)) if i not in {m[0] for m in matches}]
        extra = [e for e in extra if e]
        if extra:
            reasons.append("not in listed name: " + ", ".join(extra))
        return reasons

    def _hit(self, scored: _Scored) -> Hit:
        entry = self.entries[self._name_entry[scored.name_id]]
        reasons = tuple(scored.name_reasons() + scored.extras)
        return Hit(
            entry_key=entry.key,
            reference_number=entry.reference_number,
            score=scored.score,
            decision="alert" if scored.score >= self.threshold else "clear",
            matched_name=self._name_text[scored.name_id],
            explanation="; ".join(reasons),
            algorithm_version=ALGORITHM_VERSION,
            reasons=reasons,
        )
