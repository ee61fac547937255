"""Seeded variants of listed names, the way they reach a screening desk: the recall set of the screening bench.

Each variant applies one change to one listed name (the primary name or a "good"/a.k.a. alias in Latin
script) and remembers which entry it must find. The kinds of change are the ones the issue names:
typos, transliteration variants, word order, dropped middle names, missing particles, plus added titles or
legal forms and case/punctuation noise. Changes are only made where a careful analyst would still call
the result the same name: typos go into words of five letters or more, never the first letter.

Dropped middle names: a leading title ("Haji", "Mullah", "Dr.") is not the first name, and a compound's
first half or a particle is dropped or kept together with its word ("Abdul Rahman", "bin Laden"). Until
November 2026 the title counted as the first word, so "Haji Muhammad Ashraf" gave "Haji Ashraf" (the
given name dropped, not a middle name) and "Abdul" could be cut from its word; those "variants" were not
the same name. The fix changes which variants the seed draws from that point on.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from partnerhub.screening.matching.types import Kind, ListEntry

# Transliteration families seen on real lists: (pattern, replacement), applied to one word.
TRANSLIT_WORDS: dict[str, list[str]] = {
    "muhammad": ["mohammed", "mohamed", "mohammad", "muhammed"],
    "mohammed": ["muhammad", "mohamed", "mohammad"],
    "mohamed": ["mohammed", "muhammad"],
    "mohammad": ["muhammad", "mohammed"],
    "ahmad": ["ahmed"],
    "ahmed": ["ahmad"],
    "yusuf": ["youssef", "yousef", "yousuf"],
    "yousef": ["yusuf", "youssef"],
    "youssef": ["yusuf"],
    "hussein": ["husain", "hussain", "husayn"],
    "husain": ["hussein", "husayn"],
    "hussain": ["hussein", "husain"],
    "husayn": ["hussein", "husain"],
    "hassan": ["hasan"],
    "hasan": ["hassan"],
    "osama": ["usama"],
    "usama": ["osama"],
    "omar": ["umar"],
    "umar": ["omar"],
    "othman": ["uthman", "osman"],
    "uthman": ["othman", "osman"],
    "mustafa": ["mostafa", "moustafa"],
    "mahmoud": ["mahmud"],
    "mahmud": ["mahmoud"],
    "abdallah": ["abdullah", "abd allah"],
    "abdullah": ["abdallah", "abd allah"],
    "said": ["saeed", "sayed"],
    "saeed": ["said"],
    "khalid": ["khaled"],
    "khaled": ["khalid"],
    "ibrahim": ["ebrahim"],
    "ali": ["aly"],
    "aziz": ["azeez"],
    "rahman": ["rehman"],
    "karim": ["kareem"],
    "hamid": ["hamed"],
    "jamal": ["gamal"],
    "sergey": ["sergei"],
    "sergei": ["sergey"],
    "yuri": ["yury", "iurii"],
    "aleksandr": ["alexander", "aleksander"],
    "alexander": ["aleksandr"],
}
# Letter-level spelling swaps within a word (pattern, replacement).
TRANSLIT_LETTERS: list[tuple[str, str]] = [
    ("ou", "u"),
    ("u", "ou"),
    ("ee", "i"),
    ("i", "ee"),
    ("q", "k"),
    ("k", "q"),
    ("ai", "ay"),
    ("ay", "ai"),
    ("ei", "ey"),
    ("y", "i"),
    ("ph", "f"),
    ("kh", "h"),
    ("sh", "ch"),
    ("dh", "z"),
]
PARTICLES = {
    "al",
    "el",
    "bin",
    "ibn",
    "bint",
    "abu",
    "abou",
    "van",
    "von",
    "de",
    "da",
    "der",
    "ul",
    "ad",
    "ar",
}
TITLES = ["Mr", "Dr", "Sheikh", "Haji", "Mullah", "Maulavi", "General", "Mr.", "Dr."]
# Titles that may lead a listed name, and words bound to the word after them (compound halves, particles).
NAME_TITLES = {
    "mr",
    "dr",
    "sheikh",
    "shaykh",
    "haji",
    "hajji",
    "alhaji",
    "mullah",
    "maulavi",
    "mawlawi",
    "qari",
    "general",
}
BOUND_WORDS = {
    "abd",
    "abdul",
    "abdel",
    "abdoul",
    "abu",
    "abou",
    "bin",
    "ibn",
    "ben",
    "bint",
    "ould",
    "al",
    "el",
    "'abd",
}
LEGAL_FORMS = ["Ltd", "LLC", "Inc.", "Co.", "GmbH", "Foundation", "Company Limited"]
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


@dataclass(frozen=True, slots=True)
class Variant:
    """A query name made from a listed name, and the entry it must find."""

    query: str
    kind: Kind
    reference_number: str
    change: str
    source: str


def _words(name: str) -> list[str]:
    return name.split()


def _typo(rng: random.Random, name: str, kind: Kind) -> str | None:
    words = _words(name)
    choices = [i for i, w in enumerate(words) if len(re.sub(r"[^A-Za-z]", "", w)) >= 5]
    if not choices:
        return None
    index = rng.choice(choices)
    word = words[index]
    letters = [i for i, ch in enumerate(word) if ch.isalpha() and i > 0]
    pos = rng.choice(letters)
    operation = rng.choice(["substitute", "delete", "insert", "transpose"])
    if operation == "substitute":
        word = word[:pos] + rng.choice(KEYBOARD) + word[pos + 1 :]
    elif operation == "delete":
        word = word[:pos] + word[pos + 1 :]
    elif operation == "insert":
        word = word[:pos] + rng.choice(KEYBOARD) + word[pos:]
    elif pos + 1 < len(word) and word[pos + 1].isalpha():
        word = word[:pos] + word[pos + 1] + word[pos] + word[pos + 2 :]
    else:
        word = word[:pos] + word[pos + 1 :]
    words[index] = word
    return " ".join(words)


def _transliteration(rng: random.Random, name: str, kind: Kind) -> str | None:
    words = _words(name)
    lowered = [w.lower().strip(",.") for w in words]
    whole = [i for i, w in enumerate(lowered) if w in TRANSLIT_WORDS]
    if whole:
        index = rng.choice(whole)
        words[index] = rng.choice(TRANSLIT_WORDS[lowered[index]]).title()
        return " ".join(words)
    options = [
        (i, old, new)
        for i, w in enumerate(lowered)
        if len(w) >= 4
        for old, new in TRANSLIT_LETTERS
        if old in w[1:]
    ]
    if not options:
        return None
    index, old, new = rng.choice(options)
    word = lowered[index]
    at = word.index(old, 1)
    words[index] = (word[:at] + new + word[at + len(old) :]).title()
    return " ".join(words)


def _word_order(rng: random.Random, name: str, kind: Kind) -> str | None:
    words = _words(name)
    if kind != "person" or len(words) < 2:
        return None
    if rng.random() < 0.5:
        return " ".join([words[-1], *words[:-1]])
    return ", ".join([words[-1], " ".join(words[:-1])])


def _name_units(words: list[str]) -> list[list[str]]:
    """Words grouped into the units a middle name is dropped as: a compound's first half or a particle
    stays with the word it belongs to ("Abdul Rahman", "bin Laden")."""
    units: list[list[str]] = []
    pending: list[str] = []
    for word in words:
        pending.append(word)
        if word.lower().strip(",.") in BOUND_WORDS:
            continue
        units.append(pending)
        pending = []
    if pending:
        if units:
            units[-1] += pending
        else:
            units.append(pending)
    return units


def _drop_middle(rng: random.Random, name: str, kind: Kind) -> str | None:
    words = _words(name)
    if kind != "person":
        return None
    # A leading title is not the first name ("Haji Muhammad Ashraf" loses "Muhammad", not "Haji"'s
    # neighbour as if it were a middle name), and compounds are dropped whole, never cut.
    titles = 0
    while titles < len(words) - 1 and words[titles].lower().strip(",.") in NAME_TITLES:
        titles += 1
    units = _name_units(words[titles:])
    if len(units) < 3:
        return None
    middle = list(range(1, len(units) - 1))
    drop = {rng.choice(middle)} if rng.random() < 0.5 else set(middle)
    kept = [w for i, unit in enumerate(units) if i not in drop for w in unit]
    return " ".join(words[:titles] + kept)


def _missing_particles(rng: random.Random, name: str, kind: Kind) -> str | None:
    spaced = re.sub(r"\b(al|el|Al|El|AL|EL)-", r"\1 ", name)
    words = _words(spaced)
    kept = [w for w in words if w.lower().strip(",.") not in PARTICLES]
    if len(kept) == len(words) or not kept:
        return None
    return " ".join(kept)


def _decoration(rng: random.Random, name: str, kind: Kind) -> str | None:
    if kind == "person":
        return f"{rng.choice(TITLES)} {name}"
    return f"{name} {rng.choice(LEGAL_FORMS)}"


def _case_punctuation(rng: random.Random, name: str, kind: Kind) -> str | None:
    changed = name.lower() if name.isupper() else name.upper()
    changed = changed.replace("-", " ") if "-" in changed else changed.replace(" ", "-", 1)
    return changed if changed != name else None


CHANGES: dict[str, Callable[[random.Random, str, Kind], str | None]] = {
    "typo": _typo,
    "transliteration": _transliteration,
    "word order": _word_order,
    "dropped middle name": _drop_middle,
    "missing particle": _missing_particles,
    "title or legal form": _decoration,
    "case and punctuation": _case_punctuation,
}


def _latin(text: str) -> bool:
    return all(ord(ch) < 0x250 for ch in text)


def build_variants(entries: Sequence[ListEntry], *, seed: int = 2025, per_entry: int = 2) -> list[Variant]:
    """`per_entry` variants of each entry's Latin names, each with a different kind of change."""
    rng = random.Random(seed)
    variants: list[Variant] = []
    for entry in entries:
        names = [n.name for n in entry.names if n.quality in {"primary", "good", "aka"} and _latin(n.name)]
        names = [n for n in names if len(n) >= 4]
        if not names:
            continue
        kinds = list(CHANGES)
        rng.shuffle(kinds)
        made = 0
        for change in kinds:
            source = rng.choice(names)
            query = CHANGES[change](rng, source, entry.kind)
            if query is None or query == source:
                continue
            variants.append(Variant(query, entry.kind, entry.reference_number, change, source))
            made += 1
            if made == per_entry:
                break
    return variants
