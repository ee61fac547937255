"""Turning a name into comparable tokens, whatever its script, spelling or decorations. Pure Python.

A name goes through these steps:

1. Script handling. Arabic script is pre-processed before transliteration: the article "ال" is cut from
   the word it is glued to, "بن/ابن/بنت/ابو" become the Latin particles, "عبد" is joined to the next word,
   and taa marbuta becomes "a" (so "أسامة" gives "sma" → skeleton "sm", like "Osama"). CJK and Hangul runs
   are split into a surname syllable and a joined given name ("习近平" → "xi jinping"). Everything is then
   folded to lower-case ASCII with `anyascii` (accents stripped, punctuation to spaces).
2. Words that say nothing about identity are dropped: honorifics and titles for people ("Dr", "Sheikh",
   "Haji", "Mullah", "General"), legal forms for organisations ("Ltd", "GmbH", "LLC", "Foundation").
3. Particles ("al", "bin", "abu", "van", "de") and generic organisation words ("Trading", "Group") are kept
   as *weak* tokens: they count little, so a name with or without them still matches.
4. "Abdul Rahman", "Abd al-Rahman" and "Abdulrahman" all become the one token "abdrahman".

Each token also gets two keys used for retrieval and comparison:

- `skeleton`: the consonant skeleton with transliteration-prone letters merged (q/k/g/c → k,
  kh → k, sh → s, th → t, dh → d, ph → f; vowels, y and w dropped; doubled letters collapsed; a final h
  dropped). "Muhammad", "Mohammed", "Mohamed" and Arabic "محمد" (anyascii "mhmd") all give "mhmd".
- `phonetic`: a spelling-normalised form (ou → u, ee → i, y → i, ph → f, ...) for typo distances.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Literal

from anyascii import anyascii
from rapidfuzz.distance import OSA

Form = Literal["person", "organisation"]

_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_SPECIAL = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "þ": "th"})
_APOSTROPHES = str.maketrans("", "", "'`ʿʾ’‘´")

HONORIFICS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "miss",
        "mx",
        "dr",
        "doctor",
        "prof",
        "professor",
        "sir",
        "dame",
        "lord",
        "lady",
        "madam",
        "madame",
        "mme",
        "mlle",
        "monsieur",
        "herr",
        "frau",
        "sheikh",
        "shaikh",
        "shaykh",
        "sheik",
        "shaik",
        "cheikh",
        "sheikha",
        "haji",
        "hajji",
        "hadji",
        "hajj",
        "alhaj",
        "alhaji",
        "alhajji",
        "hajia",
        "mullah",
        "mulla",
        "molla",
        "maulavi",
        "maulvi",
        "mawlawi",
        "moulvi",
        "molvi",
        "maulawi",
        "mawlavi",
        "maulana",
        "mawlana",
        "moulana",
        "qari",
        "imam",
        "ayatollah",
        "hojatoleslam",
        "sayyid",
        "hajee",
        "prasident",
        "praesident",
        "presidente",
        "general",
        "gen",
        "colonel",
        "col",
        "lieutenant",
        "lt",
        "major",
        "maj",
        "captain",
        "capt",
        "brigadier",
        "brig",
        "commander",
        "cmdr",
        "admiral",
        "sergeant",
        "sgt",
        "marshal",
        "president",
        "minister",
        "hon",
        "honourable",
        "honorable",
        "excellency",
        "his",
        "her",
        "eng",
        "engineer",
        "ustad",
        "ustadh",
        "ustaz",
        "rev",
        "reverend",
        "father",
        "pastor",
        "bishop",
        "jr",
        "junior",
        "sr",
        "senior",
    ]
)
# "sayyid" is a title in most lists, but "Sayed"/"El Sayed" also serve as family names; only the title
# spelling is dropped.

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
        "cie",
        "plc",
        "llc",
        "llp",
        "lp",
        "lllp",
        "pllc",
        "gmbh",
        "mbh",
        "ag",
        "kg",
        "ohg",
        "ev",
        "ggmbh",
        "kgaa",
        "aktiengesellschaft",
        "gesellschaft",
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
        "asa",
        "oy",
        "oyj",
        "kft",
        "zrt",
        "pty",
        "pvt",
        "pte",
        "bhd",
        "sdn",
        "tbk",
        "ltda",
        "cv",
        "jsc",
        "ojsc",
        "cjsc",
        "pjsc",
        "pao",
        "oao",
        "zao",
        "ooo",
        "tov",
        "fzco",
        "fze",
        "fzc",
        "fzllc",
        "wll",
        "kk",
        "kabushiki",
        "kaisha",
        "gk",
        "joint",
        "stock",
        "foundation",
        "fundacion",
        "fondation",
        "fundacao",
        "fondazione",
        "stiftung",
        "establishment",
        "est",
        "public",
        "cu",
        "liability",
        "haftung",
        "beschrankter",
        "societatea",
        "raspundere",
        "limitata",
        "spzoo",
        "mv",
        "obshchestvo",
        "ogranichennoy",
        "otvetstvennostyu",
        "aktsionernoe",
        "publichnoe",
        "zakrytoe",
        "otkrytoe",
    ]
)
# Legal forms also dropped from people's names ("Nicolás Maduro LLC" is a data-entry slip).
PERSON_DROPS = HONORIFICS | frozenset(["llc", "ltd", "inc", "gmbh", "plc", "corp"])
# Spellings of one particle, so "ibn" meets "bin" and "el" meets "al".
PARTICLE_FORMS = {
    "ibn": "bin",
    "bn": "bin",
    "el": "al",
    "ul": "al",
    "ad": "al",
    "ar": "al",
    "as": "al",
    "ash": "al",
    "at": "al",
    "az": "al",
    "an": "al",
    "abou": "abu",
    "abo": "abu",
    "bou": "abu",
}
_PATRONYMIC = re.compile(r"^[a-z]{3,}(?:ovich|evich|ovna|evna|ogly|oglu|ovych|ivna|uly|kyzy|qizi)$")
ORG_ABBREVIATIONS = {
    "intl": "international",
    "natl": "national",
    "assn": "association",
    "mfg": "manufacturing",
    "bros": "brothers",
    "govt": "government",
    "univ": "university",
    "dept": "department",
    "ctr": "center",
    "svcs": "services",
}
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
            "thirteen",
            "fourteen",
            "fifteen",
            "sixteen",
            "seventeen",
            "eighteen",
            "nineteen",
        ]
    )
}
_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ORDINALS = {
    "first": 1,
    "second": 2,
    "third": 3,
    "fourth": 4,
    "fifth": 5,
    "sixth": 6,
    "seventh": 7,
    "eighth": 8,
    "ninth": 9,
    "tenth": 10,
}
_ORDINAL_WORDS = {value: word for word, value in _ORDINALS.items()}
_ORDINAL_DIGITS = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_ROMAN = {
    r: i
    for i, r in enumerate(
        [
            "i",
            "ii",
            "iii",
            "iv",
            "v",
            "vi",
            "vii",
            "viii",
            "ix",
            "x",
            "xi",
            "xii",
            "xiii",
            "xiv",
            "xv",
            "xvi",
            "xvii",
            "xviii",
            "xix",
            "xx",
        ],
        start=1,
    )
}

PARTICLES = frozenset(
    [
        "al",
        "el",
        "ul",
        "ad",
        "ar",
        "as",
        "ash",
        "at",
        "az",
        "an",
        "bin",
        "ibn",
        "bint",
        "binti",
        "abu",
        "abou",
        "abo",
        "bou",
        "ould",
        "van",
        "von",
        "de",
        "da",
        "der",
        "den",
        "del",
        "della",
        "di",
        "du",
        "des",
        "la",
        "le",
        "dos",
        "das",
        "do",
        "ter",
        "ten",
        "zu",
        "abd",
    ]
)

STOPWORDS = frozenset(["the", "of", "and", "for", "et", "y", "e", "und"])

# Words so common in organisation names that sharing them says little.
GENERIC_ORG_WORDS = frozenset(
    [
        "international",
        "intl",
        "trading",
        "trade",
        "traders",
        "group",
        "holding",
        "holdings",
        "bank",
        "banking",
        "services",
        "service",
        "general",
        "industries",
        "industrial",
        "industry",
        "import",
        "export",
        "exchange",
        "investment",
        "investments",
        "development",
        "organization",
        "organisation",
        "islamic",
        "global",
        "national",
        "united",
        "enterprises",
        "enterprise",
        "commercial",
        "network",
        "institute",
        "center",
        "centre",
        "society",
        "committee",
        "council",
        "union",
        "front",
        "movement",
        "brigade",
        "brigades",
        "army",
        "battalion",
        "party",
        "relief",
        "charitable",
        "charity",
        "welfare",
        "money",
        "shipping",
        "petroleum",
        "oil",
        "gas",
        "energy",
        "construction",
        "engineering",
        "technology",
        "technologies",
        "solutions",
        "consulting",
        "management",
        "capital",
        "finance",
        "financial",
        "insurance",
        "partners",
        "fund",
        "trust",
        "agency",
        "media",
        "resources",
        "logistics",
        "transport",
        "marine",
        "maritime",
        "airlines",
        "air",
        "association",
        "cooperative",
        "brothers",
        "sons",
        "family",
        "office",
        "world",
        "foreign",
        "affairs",
        "ministry",
    ]
)

ABD_FORMS = frozenset(
    {"abd", "abdul", "abdel", "abdal", "abdoul", "abdil", "abdu", "abdur", "abdus", "abdou"}
)
_ABD_ALLAH = re.compile(r"^abd(?:ul|al|el|ou|u|i)?l?lah?$")
_ABD_GLUED = re.compile(r"^abd(?:oul|ul|al|el|ol|il|ou|u|a|e|i)?(?=[a-z]{3,})")

_ARABIC = re.compile(r"[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff\ufb50-\ufdff\ufe70-\ufeff]")
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff\uac00-\ud7af]+")
# Arabic letters to one Latin consonant each (long vowels, ayn and hamza to nothing), so that a word's
# transliteration is directly its consonant skeleton: "محمد" → "mhmd", like "Muhammad".
_ARABIC_LETTERS = str.maketrans(
    {
        "ا": "",
        "أ": "",
        "إ": "",
        "آ": "",
        "ٱ": "",
        "ء": "",
        "ع": "",
        "ؤ": "w",
        "ئ": "y",
        "ب": "b",
        "ت": "t",
        "ث": "t",
        "ج": "j",
        "ح": "h",
        "خ": "k",
        "د": "d",
        "ذ": "d",
        "ر": "r",
        "ز": "z",
        "س": "s",
        "ش": "s",
        "ص": "s",
        "ض": "d",
        "ط": "t",
        "ظ": "z",
        "غ": "g",
        "ف": "f",
        "ق": "q",
        "ك": "k",
        "ل": "l",
        "م": "m",
        "ن": "n",
        "ه": "h",
        "ة": "",
        "و": "w",
        "ي": "y",
        "ى": "",
        "پ": "b",
        "چ": "j",
        "ژ": "j",
        "گ": "g",
        "ک": "k",
        "ی": "y",
        "ے": "y",
        "ۀ": "",
        "ـ": "",
    }
)
_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_PARTICLES = {
    "بن": "bin",
    "ابن": "bin",
    "إبن": "bin",
    "بنت": "bint",
    "ابو": "abu",
    "أبو": "abu",
    "ولد": "ould",
}
_ARABIC_ABD = "عبد"
_ARABIC_ALLAH = ("الله", "اللہ", "لله")
# Titles written in Arabic script; Latin honorific lists cannot be used on transliterated Arabic, whose
# consonant skeletons collide with them ("عمر" gives "mr").
_ARABIC_TITLES = frozenset(
    {"الشيخ", "شيخ", "الحاج", "حاج", "حاجي", "ملا", "الملا", "مولوي", "المولوي", "الدكتور", "دكتور", "السيد"}
)
_CAMEL = re.compile(r"(?<=[a-z\u00e0-\u024f]{2})(?=[A-Z\u00c0-\u00de][a-z\u00e0-\u024f])")
_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}(?:[^\W\d_]\b\.?)?")
_SP_ZOO = re.compile(r"\bsp\.?\s*z\s*o\.?\s*o\.?", re.IGNORECASE)
_PARENS = re.compile(r"\(([^)]*)\)")
_CAPITAL_INITIALS = re.compile(r"(?<![\w'’.-])([B-DF-HJ-NP-TV-XZ])([B-DF-HJ-NP-TV-XZ])(?![\w'’.-])")
# A legal form run onto the name ("SiemensAG").
_GLUED_LEGAL = re.compile(r"(?<=[a-z]{3})(?=(?:AG|SA|SE|NV|BV|KG|GmbH|LLC|LLP|Ltd|LTD|Inc|INC|PLC|Plc)\b)")


@dataclass(frozen=True, slots=True)
class Token:
    """One word of a name, ready for comparison.

    `weak` tokens (particles, generic organisation words, initials) count for less; `arabic` marks a token
    transliterated from Arabic script, which carries consonants only and is compared by skeleton; `cjk`
    one read from Chinese characters or Hangul (two such tokens are one name only when they read the same).
    """

    text: str
    skeleton: str
    phonetic: str
    weak: bool = False
    arabic: bool = False
    cjk: bool = False
    is_initial: bool = field(init=False, compare=False)
    is_digit: bool = field(init=False, compare=False)
    weight: float = field(init=False, compare=False)

    def __post_init__(self) -> None:
        initial = len(self.text) == 1 and self.text.isalpha() and not self.arabic
        digit = self.text.isdigit()
        object.__setattr__(self, "is_initial", initial)
        object.__setattr__(self, "is_digit", digit)
        object.__setattr__(self, "weight", 0.5 if initial or digit else 0.3 if self.weak else 1.0)


def _fold_latin(text: str) -> str:
    lowered = text.casefold().translate(_SPECIAL)
    # Accents are stripped from alphabetic scripts only: in kana a combining mark is part of the
    # syllable ("バ" is ba, not ha), so those characters are left to anyascii whole.
    if max(lowered, default=" ") < "\u3000":
        decomposed = unicodedata.normalize("NFKD", lowered)
        stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    else:
        stripped = "".join(
            ch
            if ch >= "\u3000"
            else "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
            for ch in unicodedata.normalize("NFC", lowered)
        )
    if not stripped.isascii():
        stripped = anyascii(stripped).lower()
    stripped = stripped.translate(_APOSTROPHES)
    return _NON_ALNUM.sub(" ", stripped).strip()


def fold(text: str) -> str:
    """Lower-case ASCII words separated by single spaces, whatever the script or accents of `text`."""
    if not text:
        return ""
    return _fold_latin(_prepare_scripts(text)[0])


def _arabic_words(text: str) -> str:
    """Arabic-script words as Latin consonant strings, with particles, "عبد" and titles handled."""
    words = _ARABIC_MARKS.sub("", text).replace("ـ", "").split()
    out: list[str] = []
    for word in words:
        if not _ARABIC.search(word):
            out.append(word)
            continue
        if word in _ARABIC_TITLES:
            continue
        if word in _ARABIC_PARTICLES:
            out.append(_ARABIC_PARTICLES[word])
            continue
        if word in _ARABIC_ALLAH and out and out[-1] == "abd":
            out[-1] = "abdallah"
            continue
        if word in _ARABIC_ALLAH and out and out[-1].startswith("~"):
            out[-1] += "lh"  # "هداية الله" is one name, Hidayatullah
            continue
        if word == _ARABIC_ABD:
            out.append("abd")
            continue
        stem = word
        if stem.startswith(_ARABIC_ABD) and len(stem) > 4:
            if stem[3:] in _ARABIC_ALLAH:
                out.append("abdallah")
                continue
            out.append("abd")
            stem = stem[3:]
        if stem.startswith("ال") and len(stem) > 3:
            stem = stem[2:]
        elif stem.startswith(("وال", "بال")) and len(stem) > 4:
            stem = stem[3:]
        latin = stem.translate(_ARABIC_LETTERS)
        # Arabic consonant strings are marked with a leading "~" until tokenised.
        out.append("~" + latin if latin else "")
    return " ".join(w for w in out if w)


def _prepare_scripts(text: str) -> tuple[str, bool]:
    """Rewrite Arabic and CJK runs so that folding gives tokens comparable with Latin spellings."""
    has_arabic = bool(_ARABIC.search(text))
    if has_arabic:
        text = _arabic_words(text)
    if _CJK_RUN.search(text):
        text = _CJK_RUN.sub(_split_cjk, text)
    return text, has_arabic


def _split_cjk(match: re.Match[str]) -> str:
    run = match.group(0)
    syllables = [anyascii(ch).lower() for ch in run]
    if len(syllables) <= 1:
        return " qqcjkqq " + "".join(syllables) + " "
    return " qqcjkqq " + syllables[0] + " qqcjkqq " + "".join(syllables[1:]) + " "


_SKELETON_DIGRAPHS = (
    ("dj", "j"),
    ("kh", "k"),
    ("gh", "k"),
    ("sh", "s"),
    ("ch", "s"),
    ("th", "t"),
    ("dh", "d"),
    ("ph", "f"),
)
_SKELETON_MAP = str.maketrans({"q": "k", "g": "k", "c": "k", "x": "ks", "v": "f", "p": "b"})
_VOWELS = re.compile(r"[aeiouyw]+")
_REPEATS = re.compile(r"(.)\1+")


@lru_cache(maxsize=200_000)
def skeleton(word: str, arabic: bool = False) -> str:
    """Consonant skeleton of a folded word ("mohammed" → "mhmd"); digits are kept as they are.

    Doubled letters are collapsed before the vowels go, so "Aziz" keeps "zz" like Arabic "عزيز".
    Transliterated Arabic already has one letter per consonant, so no digraphs are read in it.
    """
    if word.isdigit():
        return word
    # Transliterated Arabic writes no doubled letters (and two equal consonants it shows were apart).
    out = word if arabic else _REPEATS.sub(r"\1", word)
    if not arabic:
        for digraph, single in _SKELETON_DIGRAPHS:
            out = out.replace(digraph, single)
    out = out.translate(_SKELETON_MAP)
    out = _VOWELS.sub("", out)
    if len(out) > 2 and out.endswith("h"):
        out = out[:-1]
    return out


_PHONETIC_RULES = (
    ("sch", "sh"),
    ("tch", "ch"),
    ("ph", "f"),
    ("ck", "k"),
    ("kh", "h"),
    ("q", "k"),
    ("ou", "u"),
    ("oo", "u"),
    ("ee", "i"),
    ("ie", "i"),
    ("ey", "i"),
    ("ay", "ai"),
    ("y", "i"),
    ("w", "v"),
    ("dh", "d"),
    ("th", "t"),
)


@lru_cache(maxsize=200_000)
def phonetic(word: str) -> str:
    """A spelling-normalised form of a folded word ("youssef" → "usef", "husain" → "husain")."""
    out = word
    for old, new in _PHONETIC_RULES:
        out = out.replace(old, new)
    if "zh" in out[1:]:
        out = out[0] + out[1:].replace("zh", "j")  # "Ahmadinezhad"/"Ahmadinejad" (not Chinese "Zhang")
    out = _REPEATS.sub(r"\1", out)
    if len(out) > 3 and out.endswith("h") and out[-2] in "aeiou":
        out = out[:-1]
    return out


_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


@lru_cache(maxsize=200_000)
def vowel_pattern(word: str) -> str:
    """The first letter of each vowel group ("mohammed" → "oae"), to tell "Hassan" from "Hussein"."""
    return "".join(group[0] for group in _VOWEL_GROUPS.findall(word))


def _split_abd(word: str) -> list[str]:
    """ "abdulrahman" → ["abd", "rahman"]; "abdullah" → ["abdallah"]; other words unchanged."""
    if not word.startswith("abd"):
        return [word]
    if _ABD_ALLAH.match(word):
        return ["abdallah"]
    if word in ABD_FORMS:
        return ["abd"]
    match = _ABD_GLUED.match(word)
    if not match:
        return [word]
    rest = word[match.end() :]
    if not skeleton(rest):
        return [word]  # "Abdoulaye" is one name, not Abd + "aye"
    # Sun-letter assimilation: "abdurrahman", "abdussalam".
    if len(rest) > 3 and rest[0] == rest[1] and rest[0] not in "aeiou":
        rest = rest[1:]
    return ["abd", rest]


def _numbers(words: list[str]) -> list[str]:
    """Number words, ordinals and Roman numerals in organisation names as digits ("Forty-Four" → "44")."""
    out: list[str] = []
    index = 0
    while index < len(words):
        word = words[index]
        if word in _TENS:
            value = _TENS[word]
            if index + 1 < len(words) and (words[index + 1] in _NUMBER_WORDS or words[index + 1].isdigit()):
                nxt = words[index + 1]
                value += _NUMBER_WORDS.get(nxt, int(nxt) if nxt.isdigit() and len(nxt) == 1 else 0)
                index += 1
            out.append(str(value))
        elif word in _NUMBER_WORDS:
            out.append(str(_NUMBER_WORDS[word]))
        elif (match := _ORDINAL_DIGITS.match(word)) is not None:
            # "1st" is written out ("first"), so a typo in the word still meets it.
            out.append(_ORDINAL_WORDS.get(int(match.group(1)), match.group(1)))
        elif word in _ROMAN and word != "i":
            out.append(str(_ROMAN[word]))
        else:
            out.append(ORG_ABBREVIATIONS.get(word, word))
        index += 1
    return out


def _words(text: str, form: Form) -> tuple[list[str], bool]:
    prepared, has_arabic = _prepare_scripts(text)
    prepared = _CAMEL.sub(" ", prepared)
    if form == "organisation":
        prepared = _GLUED_LEGAL.sub(" ", prepared)
        prepared = _SP_ZOO.sub(" spzoo ", prepared)
        prepared = _DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", prepared)
        prepared = prepared.replace("&", " and ").replace("/", " ")
    elif not has_arabic:
        # Two capital consonants are initials ("JC Juncker").
        prepared = _CAPITAL_INITIALS.sub(r"\1 \2", prepared)
        # Hyphenated syllables of one given name ("Myong-Jin", "Jong-Un") are one word.
        prepared = re.sub(
            r"\b([^\W\d_]{1,5})-([^\W\d_]{1,5})\b",
            lambda m: (
                m.group(0)
                if m.group(1).lower() in PARTICLES
                or m.group(2).lower() in PARTICLES
                or m.group(1).lower().startswith("abd")
                else m.group(1) + m.group(2)
            ),
            prepared,
        )
    folded = _fold_latin(prepared.replace("~", " qqarabicqq "))
    words = folded.split()
    marked: list[str] = []
    prefix = ""
    for word in words:
        if word == "qqarabicqq":
            prefix = "~"
            continue
        if word == "qqcjkqq":
            prefix = "^"
            continue
        marked.append(prefix + word)
        prefix = ""
    return marked, has_arabic


_ALLAH_WORDS = frozenset({"allah", "ullah", "ulla", "alla", "ollah"})


# Long legal forms and titles, recognised through one typo (two in words of nine letters or more):
# "Compani", "Corporateeon", "Aktiengeselschaft", "Colone", "Shuaykh".
_FUZZY_LEGAL = tuple(sorted(w for w in LEGAL_FORMS if len(w) >= 5))
_FUZZY_TITLES = tuple(sorted(w for w in HONORIFICS if len(w) >= 6 and w != "sayyid"))
# Spelled-out legal forms whose first word is not a legal form on its own ("Open Joint Stock Company").
_LEGAL_LEADS = frozenset(["open", "closed", "private", "mit"])
_LEGAL_FOLLOWERS = frozenset(["joint", "beschrankter"])


@lru_cache(maxsize=100_000)
def _near_drop(word: str, form: Form) -> bool:
    """Whether `word` is a misspelt legal form (organisations) or title (people)."""
    if len(word) < 5 or word.startswith("~") or word.startswith("^"):
        return False
    allowed = 2 if len(word) >= 9 else 1
    for target in _FUZZY_LEGAL if form == "organisation" else _FUZZY_TITLES:
        if (
            target[0] == word[0]
            and abs(len(target) - len(word)) <= allowed
            and OSA.distance(word, target, score_cutoff=allowed) <= allowed
        ):
            return True
    return False


def _dropped(words: list[str], form: Form) -> list[bool]:
    drop = LEGAL_FORMS if form == "organisation" else PERSON_DROPS
    out = [w in drop or w in STOPWORDS for w in words]
    for index, word in enumerate(words):
        if out[index]:
            continue
        following = words[index + 1] if index + 1 < len(words) else ""
        if (form == "organisation" and word in _LEGAL_LEADS and following in _LEGAL_FOLLOWERS) or (
            (index > 0 or form == "person") and _near_drop(word, form)
        ):
            out[index] = True
    if form == "person" and sum(1 for d in out if not d) < 2:
        # A one-word name next to a title-like word keeps that word ("Generale Ahmed" stays two words).
        return [w in drop or w in STOPWORDS for w in words]
    return out


def _make_tokens(words: list[str], form: Form, weak_all: bool = False) -> list[Token]:
    dropped = _dropped(words, form)
    kept = [w for w, d in zip(words, dropped, strict=True) if not d]
    if not kept:
        kept = [w for w in words if w not in STOPWORDS] or words
    if form == "organisation":
        kept = _numbers(kept)
    tokens: list[Token] = []
    for position, raw in enumerate(kept):
        arabic = raw.startswith("~")
        cjk = raw.startswith("^")
        word = raw.lstrip("~^")
        if (
            word in _ALLAH_WORDS
            and tokens
            and (not tokens[-1].weak or tokens[-1].text == "abd")
            and not tokens[-1].text.endswith(("llah", "ulla", "alla"))
            and not arabic
        ):
            # "Abd Allah", "Sana Ullah": one name written in two words.
            joined = "abdallah" if tokens[-1].text == "abd" else tokens[-1].text + word
            tokens[-1] = Token(joined, skeleton(joined), phonetic(joined))
            continue
        parts = [word] if arabic or cjk else _split_abd(word)
        if word in ("abdu", "abdou") and position == len(kept) - 1 and position > 0:
            # "Abdu", "Abdou" ending a name are a name, not the first half of a compound.
            parts = [word]
        for piece in parts:
            part = PARTICLE_FORMS.get(piece, piece)
            weak = (
                weak_all
                or part in PARTICLES
                or (form == "organisation" and part in GENERIC_ORG_WORDS)
                or (form == "person" and bool(_PATRONYMIC.match(part)))
            )
            tokens.append(
                Token(part, skeleton(part, arabic), phonetic(part), weak=weak, arabic=arabic, cjk=cjk)
            )
    return tokens


@lru_cache(maxsize=100_000)
def tokenize(name: str, form: Form) -> tuple[Token, ...]:
    """The comparable tokens of `name` read as a person's or an organisation's name."""
    extra: list[Token] = []
    if form == "organisation" and "(" in name:
        # A parenthesised qualifier ("Deutsche Bank (Schweiz) AG") counts for little.
        for group in _PARENS.findall(name):
            extra += _make_tokens(_words(group, form)[0], form, weak_all=True)
        name = _PARENS.sub(" ", name)
    if form == "person" and name.count(",") == 1:
        # "SURNAME, Given Names" as lists and spreadsheets write it.
        surname, given = name.split(",")
        if surname.strip() and given.strip():
            name = f"{given} {surname}"
    words, _has_arabic = _words(name, form)
    tokens = _make_tokens(words, form) + extra
    if tokens and all(t.weak for t in tokens):
        tokens = [
            Token(t.text, t.skeleton, t.phonetic, weak=False, arabic=t.arabic, cjk=t.cjk) for t in tokens
        ]
    return tuple(tokens)


def normalize_name(name: str, form: Form = "person") -> str:
    """The normalised form of a name as one string."""
    return " ".join(t.text for t in tokenize(name, form))


def clear_caches() -> None:
    """Empty the per-process caches of words and names normalised so far (for first-pass measurements)."""
    for cached in (skeleton, phonetic, vowel_pattern, _near_drop, tokenize):
        cached.cache_clear()
