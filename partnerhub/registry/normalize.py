"""Name normalisation shared by search and duplicate detection. Pure Python: no Django imports.

`fold` makes text comparable across case, accents, punctuation and scripts ("São Paulo" → "sao paulo",
"UN-Habitat" → "un habitat", "Москва" → "moskva"); `search_terms` builds the text a record is found by.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from anyascii import anyascii

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "þ": "th"})

# Legal-form and filler words that say nothing about which organisation a name denotes.
LEGAL_FORMS = frozenset(
    [
        "ltd",
        "limited",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "plc",
        "llc",
        "llp",
        "lp",
        "gmbh",
        "ag",
        "kg",
        "ohg",
        "ev",
        "e",
        "v",
        "ggmbh",
        "sa",
        "sas",
        "sarl",
        "sl",
        "sau",
        "srl",
        "spa",
        "bv",
        "nv",
        "ab",
        "as",
        "asa",
        "oy",
        "oyj",
        "kft",
        "zrt",
        "sp",
        "zoo",
        "pty",
        "pvt",
        "private",
        "public",
        "foundation",
        "fundacion",
        "fondation",
        "fundacao",
        "fondazione",
        "stiftung",
        "fond",
        "association",
        "asociacion",
        "associacao",
        "associazione",
        "verein",
        "trust",
        "society",
        "sociedad",
        "societe",
        "ngo",
        "ong",
        "nro",
    ]
)
STOPWORDS = frozenset(
    [
        "the",
        "of",
        "and",
        "for",
        "de",
        "del",
        "la",
        "le",
        "les",
        "los",
        "las",
        "el",
        "et",
        "y",
        "e",
        "da",
        "do",
        "das",
        "dos",
        "di",
        "du",
        "des",
        "der",
        "die",
        "das",
        "und",
        "van",
        "von",
        "al",
        "el",
        "in",
        "on",
        "at",
        "to",
        "a",
        "an",
    ]
)


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces, whatever the script or accents of `text`."""
    if not text:
        return ""
    lowered = text.casefold().translate(_SPECIAL)
    decomposed = unicodedata.normalize("NFKD", lowered)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    ascii_text = anyascii(stripped).lower() if not stripped.isascii() else stripped
    ascii_text = ascii_text.replace("'", "")
    return _NON_ALNUM.sub(" ", ascii_text).strip()


def tokens(text: str) -> list[str]:
    return fold(text).split()


def core_tokens(text: str) -> list[str]:
    """Tokens without legal forms and stop words ("Acme Foundation Ltd." → ["acme"])."""
    words = tokens(text)
    kept = [w for w in words if w not in LEGAL_FORMS and w not in STOPWORDS]
    return kept or words


def name_key(text: str) -> str:
    """A canonical key for a name: core tokens, sorted, joined."""
    return " ".join(sorted(core_tokens(text)))


def initials(text: str) -> str:
    """Acronym a name would have: "United Cities and Local Governments" → "uclg"."""
    return "".join(w[0] for w in tokens(text) if w not in STOPWORDS)


def search_terms(texts: Iterable[str]) -> str:
    """Space-separated searchable words for these texts, with each multi-word text also joined up,
    so that "UNHABITAT" finds "UN-Habitat" and "un habitat" finds "UNHabitat"."""
    seen: dict[str, None] = {}
    for text in texts:
        words = tokens(text)
        for word in words:
            seen.setdefault(word, None)
        if len(words) > 1:
            seen.setdefault("".join(words), None)
    return " ".join(seen)


def query_terms(query: str) -> list[str]:
    """The words a search query must all match (each as a substring of the stored search terms)."""
    return [w for w in tokens(query) if w][:8]


def web_domain(url_or_email: str) -> str:
    """The registrable-ish domain of a website or e-mail address, without "www."."""
    text = (url_or_email or "").strip().lower()
    if "@" in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text)
    text = text.split("/", 1)[0].split(":", 1)[0]
    return text.removeprefix("www.")
