"""The duplicate-detection engine: profiles, blocking keys, pair scores with reasons, and clustering.

Pure Python (no Django imports) so the same code serves the create/edit form, the import, the
background scan of the whole database and `manage.py find_duplicates` on an outside spreadsheet.

How two records are compared:
- every name (main and alternative) is folded by `normalize.fold` (case, accents, scripts,
  punctuation), then legal forms are recognised in many languages and dropped ("Ltd", "Limited",
  "GmbH", "Gesellschaft mit beschränkter Haftung", "S.A.", "Société anonyme", "e.V."...), common
  abbreviations are expanded ("Intl", "Assn", "Univ"), organisation-type words are translated to one
  form ("Fundación", "Fondation", "Stiftung" → foundation) and plural "s" is dropped;
- names are compared token by token with weights (generic words such as "services" or "group"
  weigh less), typo-tolerant for long words, word order ignored;
- conflicts lower the score: different numbers ("Fund II" / "Fund III"), different places
  ("Acme Kenya" / "Acme Uganda"), different kinds of organisation ("X Foundation" / "X Bank"),
  different countries of the records;
- independent evidence can carry a pair on its own: an acronym against the initials of a full name,
  the same website or e-mail domain (public mail providers ignored), the same registration number.

Scores are in [0, 1]. `MATCH_THRESHOLD` is where the engine believes two records are the same
organisation (the command-line tool and the scan); `CANDIDATE_THRESHOLD` is lower: what a person is
shown before saving, to decide.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from rapidfuzz.distance import OSA

from partnerhub.registry import normalize

MATCH_THRESHOLD = 0.85
CANDIDATE_THRESHOLD = 0.7

# Reason codes (translated for people by the Django side).
NAME_SAME = "name_same"  # normalised names are identical
NAME_SIMILAR = "name_similar"  # names differ only a little (typo, word order, abbreviations)
NAME_ALT = "name_alt"  # matched through an alternative or former name
ACRONYM = "acronym"  # an acronym matches the other record's acronym or the initials of its name
WEB_DOMAIN = "web_domain"  # same website domain
EMAIL_DOMAIN = "email_domain"  # same e-mail domain (public mail providers ignored)
REGISTRATION = "registration"  # same registration number
COUNTRY_DIFFERS = "country_differs"  # a caution: the records give different countries


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- Vocabulary ----------------------------------------------------------------------------------

# Multi-word legal forms and their canonical abbreviation (matched on folded, single-letter-joined tokens).
_PHRASES: dict[tuple[str, ...], str] = {
    tuple(k.split()): v
    for k, v in {
        "gesellschaft mit beschrankter haftung": "gmbh",
        "gemeinnutzige gmbh": "ggmbh",
        "eingetragener verein": "ev",
        "eingetragene genossenschaft": "eg",
        "kommanditgesellschaft auf aktien": "kgaa",
        "offene handelsgesellschaft": "ohg",
        "societe anonyme": "sa",
        "sociedad anonima": "sa",
        "sociedade anonima": "sa",
        "societa per azioni": "spa",
        "societe par actions simplifiee": "sas",
        "societe a responsabilite limitee": "sarl",
        "societa a responsabilita limitata": "srl",
        "sociedad de responsabilidad limitada": "srl",
        "sociedad limitada": "sl",
        "sociedade limitada": "ltda",
        "sociedad anonima de capital variable": "sa",
        "s a de c v": "sa",
        "sa de cv": "sa",
        "public limited company": "plc",
        "limited liability company": "llc",
        "limited liability partnership": "llp",
        "limited partnership": "lp",
        "ltd partnership": "lp",
        "private limited": "pvt ltd",
        "pvt ltd": "pvt ltd",
        "proprietary limited": "pty ltd",
        "besloten vennootschap": "bv",
        "naamloze vennootschap": "nv",
        "kabushiki kaisha": "kk",
        "sp zoo": "spzoo",
        "sp z oo": "spzoo",
        "spolka z ograniczona odpowiedzialnoscia": "spzoo",
        "non profit": "nonprofit",
        "not for profit": "nonprofit",
        "co op": "cooperative",
        "de c v": "",
    }.items()
}
_MAX_PHRASE = max(len(k) for k in _PHRASES)

# Legal forms: dropped from the name before comparing.
LEGAL_FORMS = _words(
    """
    ltd inc corp co plc llc llp lp lllp pllc gmbh ggmbh ag kg kgaa ohg ev eg gbr ug mbh sa sas sasu sarl
    eurl sl sau slu srl srls spa sapa snc sca scs scrl sprl bvba cvba bv nv cv vof ab hb as asa aps oy oyj
    kft zrt nyrt spzoo sp zoo ltda eireli me epp pty pvt kk yk se sce ohg ks sro spol dd doo ad ead ood jsc
    ojsc pjsc cjsc ooo zao oao pao nonprofit npo ngo ong nro pbc lc dac clg uc ulc scsp sicav sicaf slp
    """
)

# Organisation-type words: kept, but a name with "foundation" and one with "bank" are different bodies.
SOFT_TYPES = frozenset({"foundation", "association", "society", "trust", "cooperative", "organisation"})
HARD_TYPES = _words(
    """
    bank university institute college school hospital clinic ministry agency commission council committee
    federation union network alliance coalition church club academy museum library fund chamber department
    municipality programme centre party syndicate
    """
)
TYPES = SOFT_TYPES | HARD_TYPES

# Spellings, translations and abbreviations of the same word → one form (applied to single tokens).
_SYNONYMS: dict[str, str] = {}
for _canon, _variants in {
    "ltd": "limited limitada ltda",
    "inc": "incorporated incorporation",
    "corp": "corporation",
    "co": "company compania compagnie compagnia companhia",
    "ag": "aktiengesellschaft",
    "ab": "aktiebolag aktiebolaget",
    "gmbh": "gesmbh",
    "foundation": "fundacion fundacao fondation fondazione stiftung stichting fundacja fundatia foundations",
    "association": (
        "asociacion associacao associazione verein vereniging forening stowarzyszenie asociatia assoc assn"
    ),
    "university": "universidad universidade universite universita universitat universiteit uniwersytet univ",
    "institute": "instituto institut istituto inst",
    "federation": "federacion federacao federazione foderation federatie",
    "bank": "banco banque banca",
    "centre": "center centro zentrum centrum ctr",
    "council": "consejo conseil consiglio conselho",
    "commission": "comision comissao commissione kommission",
    "ministry": "ministerio ministere ministero ministerium",
    "agency": "agencia agence agenzia agentur",
    "international": "internacional internationale internazionale intl internat",
    "national": "nacional nationale nazionale natl",
    "world": "mundial mondiale mondial",
    "cooperative": "cooperativa cooperatieve cooperativo genossenschaft coop",
    "network": "reseau rede netzwerk",
    "society": "sociedad societe societa sociedade gesellschaft",
    "church": "iglesia eglise chiesa igreja kirche",
    "group": "groupe grupo gruppe gruppo grp",
    "service": "servicios servizi servicos svcs svc",
    "development": "desarrollo developpement desenvolvimento sviluppo entwicklung",
    "management": "mgmt mgt",
    "technology": "tech technologies technologie tecnologia tecnologias",
    "holding": "hldgs hldg",
    "manufacturing": "mfg",
    "brother": "bros",
    "laboratory": "labs lab laboratorio laboratoire laboratories",
    "organisation": "organization organizacion organizzazione organizacao",
    "department": "dept",
    "government": "gobierno gouvernement governo regierung",
    "city": "ciudad ville citta cidade stadt",
    "united": "unidos unidas unies unis unite vereinigte",
    "nation": "naciones nations",
    "programme": "program programa programm",
    "school": "escuela ecole scuola escola schule",
    "college": "colegio",
    "hospital": "hopital ospedale krankenhaus",
    "academy": "academia academie akademie",
    "committee": "comite comitato",
    "union": "unione uniao",
    "alliance": "alianza allianz",
    "museum": "museo musee",
    "investment": "inversiones investissements investimentos",
    "housing": "vivienda logement",
    "research": "investigacion recherche ricerca pesquisa forschung",
    "saint": "st ste san santa sao sankt",
    "mount": "mt",
    "and": "und",
}.items():
    for _v in _variants.split():
        _SYNONYMS[_v] = _canon

STOPWORDS = normalize.STOPWORDS | _words(
    """
    and para por pour fur fuer per dell della delle degli dello het een voor och og en au aux sur zu zum zur
    am im vom ve ile
    """
)

# Words shared by many unrelated organisations: they count, but for less.
GENERIC = _words(
    """
    service holding group international global management capital investment partner solution trading
    enterprise consulting consultant industry technology system development national world resource property
    venture associate commercial finance financial asset advisor advisory energy real estate general company
    product project infrastructure construction logistics marketing media health care healthcare education
    research agency network united american european asia pacific africa african
    """
)
_PLURAL_BASE = (
    GENERIC
    | TYPES
    | _words(
        """
        nation brother engineer builder developer trader export import manufacturer supplier distributor store
        market motor farm food equipment material chemical metal communication country government city hotel
        restaurant school leisure sport friend child woman worker farmer citizen community village settlement
        home building ventures
        """
    )
)
_PLURALS = {
    (w[:-1] + "ies" if w.endswith("y") and w[-2:-1] not in "aeiou" else w + "s"): w for w in _PLURAL_BASE
}
_GENERIC_WEIGHT = 0.5
_TYPE_WEIGHT = 0.5
_SOFT_TYPE_ALONE = 0.98  # "X Foundation" vs "X": legal-form-like, nearly free to drop
_HARD_TYPE_ALONE = 0.88  # "X Bank" vs "X"
_TYPE_CONFLICT = 0.65  # "X Foundation" vs "X Bank"
_NUMBER_CONFLICT = 0.4  # "Fund II" vs "Fund III"
_NUMBER_ALONE = 0.8  # "Fund II" vs "Fund"
_PLACE_CONFLICT = 0.5  # "Acme Kenya" vs "Acme Uganda"
_PLACE_ALONE = 0.9  # "Acme Kenya" vs "Acme"
_COUNTRY_CONFLICT = 0.8  # the records give different countries

_ROMAN_NUMERAL = re.compile(r"^(?=[ivxlc]{2,}$)c{0,3}(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")


def _is_roman(token: str) -> bool:
    """Roman numerals of two letters or more ("ii", "xxviii"): parts of a series."""
    return bool(_ROMAN_NUMERAL.match(token))


_NUMBER_WORDS = _words(
    """
    one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen
    seventeen eighteen nineteen twenty thirty forty fifty hundred first second third fourth fifth sixth
    seventh eighth ninth tenth
    """
)

PUBLIC_MAIL_DOMAINS = _words(
    """
    gmail.com googlemail.com yahoo.com yahoo.fr yahoo.co.uk yahoo.es yahoo.de yahoo.it yahoo.co.in ymail.com
    hotmail.com hotmail.fr hotmail.co.uk hotmail.es hotmail.it hotmail.de outlook.com outlook.fr live.com
    live.fr msn.com aol.com icloud.com me.com mac.com mail.ru bk.ru list.ru inbox.ru yandex.ru yandex.com
    qq.com 163.com 126.com sina.com sohu.com gmx.de gmx.net gmx.com web.de t-online.de protonmail.com
    proton.me orange.fr free.fr laposte.net wanadoo.fr sfr.fr libero.it virgilio.it tiscali.it
    rediffmail.com mail.com zoho.com naver.com daum.net hanmail.net btinternet.com sky.com seznam.cz wp.pl
    o2.pl interia.pl rocketmail.com tutanota.com fastmail.com
    """
)
# Shared hosting and umbrella domains: many unrelated bodies live under them.
SHARED_DOMAINS = _words(
    """
    google.com facebook.com linkedin.com twitter.com x.com instagram.com youtube.com wordpress.com
    blogspot.com wixsite.com wix.com squarespace.com weebly.com github.io medium.com jimdo.com business.site
    tripod.com yolasite.com webnode.com site123.me bit.ly linktr.ee sites.google.com canalblog.com over-
    blog.com un.org europa.eu gov.uk gc.ca canada.ca gouv.fr service-public.fr usa.gov gob.es
    """
)
_SECOND_LEVEL = _words(
    """
    co com org net gov go ac edu or ne gob gouv govt nic mil sch ltd plc int nhs web
    """
)

_DATA_DIR = Path(__file__).with_name("data")

# Demonyms, cities and first-level regions that tell branches and namesakes apart.
_EXTRA_PLACES = """
kenyan ugandan tanzanian nigerian ghanaian ethiopian egyptian moroccan algerian tunisian senegalese
cameroonian rwandan somali sudanese zambian zimbabwean malawian mozambican angolan congolese namibian
indian pakistani bangladeshi chinese japanese korean indonesian malaysian filipino vietnamese thai
american canadian mexican brazilian argentinian argentine chilean colombian peruvian venezuelan
british english scottish welsh irish french german italian spanish portuguese dutch belgian swiss
austrian swedish norwegian danish finnish polish czech hungarian romanian bulgarian greek turkish
russian ukrainian australian zealand arab emirati saudi qatari kuwaiti lebanese jordanian syrian iraqi
iranian afghan israeli palestinian
nairobi mombasa kisumu kampala dar salaam dodoma arusha addis ababa kigali lagos abuja accra kumasi
dakar abidjan cairo alexandria casablanca rabat tunis algiers johannesburg pretoria durban cape
harare lusaka lilongwe maputo luanda kinshasa khartoum mogadishu
london manchester birmingham leeds glasgow edinburgh liverpool bristol cardiff belfast dublin
paris lyon marseille toulouse lille berlin hamburg munich munchen frankfurt cologne koln stuttgart
dusseldorf madrid barcelona valencia sevilla seville bilbao lisbon lisboa porto rome roma milan milano
naples napoli turin torino florence firenze amsterdam rotterdam hague utrecht brussels bruxelles antwerp
geneva geneve zurich basel vienna wien prague praha warsaw warszawa krakow budapest bucharest
athens istanbul ankara moscow moskva petersburg kyiv kiev stockholm oslo copenhagen helsinki luxembourg
york angeles chicago houston phoenix philadelphia dallas boston seattle denver
washington miami atlanta detroit toronto montreal vancouver ottawa calgary mexico guadalajara monterrey
bogota medellin lima santiago buenos aires janeiro brasilia caracas quito havana
mumbai bombay delhi bangalore bengaluru chennai madras kolkata calcutta hyderabad pune ahmedabad jaipur
lucknow karachi lahore islamabad dhaka kathmandu colombo beijing shanghai shenzhen guangzhou hong kong
taipei tokyo osaka seoul busan manila jakarta bangkok hanoi saigon singapore kuala lumpur sydney
melbourne brisbane perth adelaide auckland wellington dubai abu dhabi doha riyadh jeddah kuwait
muscat amman beirut baghdad tehran kabul tel aviv jerusalem
texas ohio california florida virginia carolina dakota jersey pennsylvania illinois michigan georgia
arizona nevada oregon colorado utah idaho montana wyoming nebraska kansas oklahoma missouri iowa
minnesota wisconsin indiana kentucky tennessee alabama mississippi louisiana arkansas maryland delaware
massachusetts connecticut vermont maine hampshire rhode island alaska hawaii
ontario quebec alberta manitoba saskatchewan columbia brunswick scotia newfoundland
maharashtra gujarat karnataka kerala tamil nadu punjab rajasthan bengal bihar odisha orissa telangana
andhra pradesh haryana assam goa uttar
bavaria bayern hessen saxony sachsen catalonia catalunya andalucia lombardia lombardy wales scotland
england ireland
"""
_NOT_PLACES = _words(
    """
    republic united kingdom states state islands island democratic people peoples saint south north new
    federated plurinational bolivarian arab islamic union federation equatorial central african west east
    western eastern american virgin british french territory territories outlying minor great northern holy
    see sar and the of part province sint lao city guinea former yugoslav principality grand duchy
    commonwealth cook marshall solomon christmas heard mcdonald turks caicos wallis futuna sao tome principe
    antigua barbuda trinidad tobago herzegovina nevis kitts lucia vincent grenadines helena ascension
    tristan cunha pierre miquelon svalbard jan mayen administrativa administrative aire alejada americaine
    americana arabe australe bajos britanica britanico britannique coast damerique dirlande democratica
    democratique eloignee especial estado estados etat federados federe francaise francesa gran grande
    guinee holandesa iles indico isla isle islamica islamique locean marin marino menore mineure
    neerlandaise nord norte nouvelle nueva occidental ocean oceano paise parte partie pays pedro
    plurinacional populaire popular region reino republica republique royaume sainte santo sede siege
    sandwich septentrionale southern special speciale terre territoire territorio trinite unida unido unie
    verde vicente virgene vierge lucie helene elena maarten martin barthelemy eustache eustaquio leona cabo
    costa jordan chad phoenix florence reunion sierra salvador santiago saba dominique maurice tierra
    """
)


# --- Records and profiles -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Record:
    """What the engine knows about one organisation; `id` is whatever the caller uses (pk, CSV id)."""

    id: Any
    name: str
    acronym: str = ""
    alt_names: tuple[str, ...] = ()
    website: str = ""
    email: str = ""
    registration_number: str = ""
    country: str = ""


class NameForm(NamedTuple):
    """One analysed name. A named tuple rather than a frozen dataclass: an import builds one for each of
    tens of thousands of candidates, and a tuple is built five times faster. The derived fields at the end
    follow from the others, so comparing all fields compares the name's analysis."""

    tokens: tuple[str, ...]  # canonical core tokens, in order (no legal forms, no stop words)
    raw: tuple[str, ...]  # the same tokens as written (folded), for typo tolerance
    weights: tuple[float, ...]  # how much each token counts (generic words and kinds of body less)
    key: str  # tokens sorted and joined: equal keys mean equal names
    joined: str  # tokens in order without spaces ("un habitat" and "unhabitat" agree)
    initials: str  # what the name's acronym would be ("United Nations Development Programme" → "undp")
    numbers: frozenset[str]  # numbers, roman numerals and trailing letters that tell series apart
    places: frozenset[str]
    types: frozenset[str]
    acronym_like: str  # the name itself looks like an acronym ("UNDP", "IBM Corp."): that acronym
    # Derived from the above once, for the scorer's inner loop:
    total: float  # sum of the weights
    token_set: frozenset[str]
    unique: bool  # no token twice
    raw_joined: str  # the raw tokens without spaces
    # Per raw token, `_typo_keys` if it may take a typo (long enough, not a number), else (); and all of them.
    typos: tuple[tuple[str, ...], ...]
    typo_keys: frozenset[str]


class Profile(NamedTuple):
    """What the engine compares of one record (a named tuple, as `NameForm`)."""

    record: Record
    names: tuple[NameForm, ...]  # main name first
    acronyms: frozenset[str]  # the acronym field and names that are acronyms
    initials: frozenset[str]  # initials of the multi-word names
    web_domain: str
    email_domain: str
    registration: str
    country: str


@dataclass(frozen=True, slots=True)
class Match:
    score: float
    reasons: tuple[str, ...]


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    words: set[str] = set()
    path = _DATA_DIR / "m49.csv"
    if path.exists():
        with path.open(encoding="utf-8", newline="") as fh:
            for row in csv.DictReader(fh):
                for column in ("name_en", "name_fr", "name_es"):
                    words.update(normalize.fold(row.get(column) or "").split())
    words.update(_EXTRA_PLACES.split())
    canonical = {_canon_token(w) for w in words if len(w) >= 4 and w not in _NOT_PLACES}
    return frozenset(canonical - _NOT_PLACES - GENERIC - TYPES - LEGAL_FORMS - STOPWORDS)


def _canon_token(token: str) -> str:
    return _SYNONYMS.get(token) or _PLURALS.get(token) or token


_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def _fold(text: str) -> str:
    if text.isascii():  # the common case, much faster than the full fold; same result
        return _NON_ALNUM.sub(" ", text.lower().replace("'", "")).strip()
    return normalize.fold(text)


def _join_letters(words: list[str]) -> list[str]:
    """ "s a" → "sa", "u s a" → "usa": spaced abbreviations become one word."""
    if not any(len(w) == 1 for w in words):
        return words
    out: list[str] = []
    run: list[str] = []
    for w in words:
        if len(w) == 1 and w.isalpha():
            run.append(w)
            continue
        if run:
            out.extend(["".join(run)] if len(run) > 1 else run)
            run = []
        out.append(w)
    if run:
        out.extend(["".join(run)] if len(run) > 1 else run)
    return out


_PHRASE_STARTS: dict[str, list[tuple[tuple[str, ...], str]]] = defaultdict(list)
for _phrase, _replacement in sorted(_PHRASES.items(), key=lambda kv: -len(kv[0])):
    _PHRASE_STARTS[_phrase[0]].append((_phrase, _replacement))


def _apply_phrases(words: list[str]) -> list[str]:
    if not any(w in _PHRASE_STARTS for w in words):
        return words
    out: list[str] = []
    i = 0
    while i < len(words):
        for phrase, replacement in _PHRASE_STARTS.get(words[i], ()):
            if tuple(words[i : i + len(phrase)]) == phrase:
                out.extend(replacement.split())
                i += len(phrase)
                break
        else:
            out.append(words[i])
            i += 1
    return out


_DOTTED = re.compile(r"\b(?:[^\W\d_]\.){2,}(?:[^\W\d_]\b)?")
_SHOUTED = re.compile(r"^[A-Z][A-Z0-9&.\-]{1,9}$")
# "Private", "Pvt", "Pty" are part of the legal form when they end the name or precede one.
_LEGAL_PREFIXES = frozenset({"private", "pvt", "pty", "proprietary", "public"})
# A misspelt legal form at the end of a name is still a legal form ("Lmited").
_LONG_LEGAL = {
    "limited": "ltd",
    "incorporated": "inc",
    "corporation": "corp",
    "company": "co",
    "limitada": "ltd",
}


def _private_typo(word: str) -> bool:
    limit = 2 if len(word) >= 6 else 1
    return (
        5 <= len(word) <= 8 and word[0] == "p" and OSA.distance(word, "private", score_cutoff=limit) <= limit
    )


def _legal_typo(word: str) -> bool:
    return len(word) >= 6 and any(
        abs(len(word) - len(legal)) <= 1 and OSA.distance(word, legal, score_cutoff=1) <= 1
        for legal in _LONG_LEGAL
    )


_PHRASE_FIRST_WORDS = frozenset(_PHRASE_STARTS)


def _has_digit(token: str) -> bool:
    # Tokens are folded to [0-9a-z]: one that is not all letters holds a digit.
    return not token.isalpha()


@lru_cache(maxsize=250_000)
def analyse_name(text: str) -> NameForm:
    """The comparable form of one organisation name."""
    text = text or ""
    if "&" in text or "+" in text:
        text = text.replace("&", " and ").replace("+", " and ")
    if "." in text:
        text = _DOTTED.sub(lambda m: m.group(0).replace(".", "") + " ", text)  # "S.A." → "SA", "e.V." → "eV"
    words = _fold(text).split()
    if any(len(w) == 1 for w in words):
        words = _join_letters(words)
    if not _PHRASE_FIRST_WORDS.isdisjoint(words):
        words = _apply_phrases(words)
    n = len(words)
    # A legal-form word opening the name is part of the name ("AD Investment", "SA Water").
    legal = [False] + [(_SYNONYMS.get(w) or w) in LEGAL_FORMS for w in words[1:]] if n else []
    for i in range(n - 1, 0, -1):  # trailing "Private", "Pvt Ltd", a misspelt "Limted"
        w = words[i]
        if legal[i]:
            continue
        if ((w in _LEGAL_PREFIXES or _private_typo(w)) and (i == n - 1 or legal[i + 1])) or (
            i >= n - 2 and _legal_typo(w)
        ):
            legal[i] = True
        else:
            break
    # A single letter closing the name is a series mark ("Fund C", "Twenty Seven B"), not an article.
    last = max((i for i in range(n) if not legal[i]), default=-1)
    series = words[last] if last > 0 and len(words[last]) == 1 else None
    pre = [w for i, w in enumerate(words) if not legal[i] and (w not in STOPWORDS or w == series)]
    if not pre:  # a name made only of legal forms or small words: keep what there is
        pre = list(words)
    tokens = [_SYNONYMS.get(w) or _PLURALS.get(w) or w for w in pre]
    acronym_like = ""
    if len(pre) == 1 and 2 <= len(pre[0]) <= 8 and pre[0].isalnum():
        token = pre[0]
        shouted = any(_SHOUTED.match(w) and _fold(w).replace(" ", "") == token for w in text.split())
        if shouted or (len(token) <= 4 and not any(c in "aeiou" for c in token)):
            acronym_like = token
    initials = "".join(w[0] for w in pre if not w.isdigit() and w != series)
    return _name_form(tokens, pre, initials, acronym_like)


def _name_form(tokens: Sequence[str], raw: Sequence[str], initials: str, acronym_like: str) -> NameForm:
    """The rest of a `NameForm`, derived from its tokens, raw words, initials and acronym: what
    `analyse_name` ends with, and what a stored profile is read back with (`profile_from_json`)."""
    places = _places()
    weights = tuple(_TYPE_WEIGHT if t in TYPES else _GENERIC_WEIGHT if t in GENERIC else 1.0 for t in tokens)
    typos = tuple(_typo_keys(w) if len(w) >= 4 and not w.isdigit() and not _is_roman(w) else () for w in raw)
    token_set = frozenset(tokens)
    return NameForm(
        tokens=tuple(tokens),
        raw=tuple(raw),
        weights=weights,
        key=" ".join(sorted(tokens)),
        joined="".join(tokens),
        initials=initials,
        numbers=frozenset(
            t for t in tokens if len(t) == 1 or _has_digit(t) or t in _NUMBER_WORDS or _is_roman(t)
        ),
        places=frozenset(t for t in tokens if t in places),
        types=frozenset(t for t in tokens if t in TYPES),
        acronym_like=acronym_like,
        total=sum(weights),
        token_set=token_set,
        unique=len(token_set) == len(tokens),
        raw_joined="".join(raw),
        typos=typos,
        typo_keys=frozenset(k for keys in typos for k in keys),
    )


def _typo_keys(word: str) -> tuple[str, ...]:
    """Keys that two words `_fuzzy_equal` allows always share (so names sharing none have no typo match).

    One edit (a change, insertion, deletion or swap of neighbours) leaves either the first or the last k
    letters of a word of 2k + 1 letters or more as they were: words up to eight letters give their first and
    last two (a pair with a word of five or six letters is compared on those), words of seven or more their
    first and last three. Words of nine or more may take two edits: they all share "#".
    """
    n = len(word)
    keys: tuple[str, ...] = ("a" + word[:2], "b" + word[-2:]) if n <= 8 else ()
    if n >= 7:
        keys += ("c" + word[:3], "d" + word[-3:])
    if n >= 9:
        keys += ("#",)
    return keys


def registrable_domain(url_or_email: str) -> str:
    """ "https://www.en.unesco.org/x" → "unesco.org"; "a@lands.go.ke" → "lands.go.ke"; public mail → ""."""
    if not url_or_email:
        return ""
    domain = normalize.web_domain(url_or_email).strip(".")
    if not domain or "." not in domain or domain.replace(".", "").isdigit():
        return ""
    labels = domain.split(".")
    keep = 3 if len(labels) >= 3 and (labels[-2] in _SECOND_LEVEL or len(labels[-2]) <= 2) else 2
    short = ".".join(labels[-keep:])
    if domain in PUBLIC_MAIL_DOMAINS or short in PUBLIC_MAIL_DOMAINS:
        return ""
    if domain in SHARED_DOMAINS or short in SHARED_DOMAINS:
        return ""
    return short


def _registration(value: str) -> str:
    if not value:
        return ""
    reg = normalize.fold(value).replace(" ", "")
    return reg if len(reg) >= 4 else ""


def profile(record: Record) -> Profile:
    names = [analyse_name(n) for n in (record.name, *record.alt_names) if n and n.strip()]
    if len(names) > 1:
        names = list(dict.fromkeys(names))  # drop repeats, keep order
    acronyms: set[str] = set()
    acr = _fold(record.acronym).replace(" ", "") if record.acronym else ""
    if acr:
        acronyms.add(acr)
    acronyms.update(n.acronym_like for n in names if n.acronym_like)
    initials = {n.initials for n in names if len(n.tokens) >= 2 and len(n.initials) >= 2}
    return Profile(
        record=record,
        names=tuple(names),
        acronyms=frozenset(acronyms),
        initials=frozenset(initials),
        web_domain=registrable_domain(record.website),
        email_domain=registrable_domain(record.email),
        registration=_registration(record.registration_number),
        country=(record.country or "").upper(),
    )


# --- Stored profiles ------------------------------------------------------------------------------
#
# Analysing a name is the dearest step of a comparison; an import compares each row with tens of thousands
# of partners. The registry therefore stores each partner's analysed profile (`profile_to_json`) beside a
# fingerprint of what it was computed from, and reads it back (`profile_from_json`) instead of analysing the
# names again — only when the fingerprint still matches (`profile_fingerprint`). The fingerprint covers the
# record's values and this engine's own source and data, so a stored profile can never be used after either
# changed: it is analysed afresh instead.


@lru_cache(maxsize=1)
def analysis_version() -> str:
    """A digest of everything a profile's analysis depends on besides the record: this module, the
    folding in `normalize`, the place names, and the transliteration package's version."""
    import anyascii

    digest = hashlib.blake2b(digest_size=8)
    for path in (Path(__file__), Path(normalize.__file__), _DATA_DIR / "m49.csv"):
        digest.update(path.read_bytes() if path.exists() else b"")
    digest.update(str(getattr(anyascii, "__version__", "")).encode())
    return digest.hexdigest()


def profile_fingerprint(record: Record) -> str:
    """Identifies the values `profile(record)` is analysed from (all but the country, which callers read
    with the record) together with `analysis_version()`."""
    digest = hashlib.blake2b(analysis_version().encode(), digest_size=12)
    # Alternative names in any order: their order changes no score (the best pair of names counts).
    values = (
        record.name,
        record.acronym,
        record.website,
        record.email,
        record.registration_number,
        *sorted(record.alt_names),
    )
    digest.update("\x1f".join(values).encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def profile_to_json(p: Profile) -> str:
    """What `profile_from_json` needs to rebuild `p` without analysing its names again."""
    return json.dumps(
        [
            [
                [
                    n.tokens,
                    n.raw,
                    n.weights,
                    n.initials,
                    sorted(n.numbers),
                    sorted(n.places),
                    sorted(n.types),
                    n.acronym_like,
                    n.typos,
                ]
                for n in p.names
            ],
            sorted(p.acronyms),
            sorted(p.initials),
            p.web_domain,
            p.email_domain,
            p.registration,
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )


_NO_WORDS: frozenset[str] = frozenset()
_new_tuple = tuple.__new__


def _stored_form(
    tokens: list[str],
    raw: list[str],
    weights: list[float],
    initials: str,
    numbers: list[str],
    places: list[str],
    types: list[str],
    acronym_like: str,
    typos: list[list[str]],
) -> NameForm:
    # Fields by position (`NameForm._fields`), an empty set shared: an import reads back tens of thousands.
    token_set = frozenset(tokens)
    return _new_tuple(
        NameForm,
        (
            tuple(tokens),
            tuple(raw),
            tuple(weights),
            " ".join(sorted(tokens)),
            "".join(tokens),
            initials,
            frozenset(numbers) if numbers else _NO_WORDS,
            frozenset(places) if places else _NO_WORDS,
            frozenset(types) if types else _NO_WORDS,
            acronym_like,
            sum(weights),
            token_set,
            len(token_set) == len(tokens),
            "".join(raw),
            tuple(map(tuple, typos)),
            frozenset([k for keys in typos for k in keys]),
        ),
    )


def profile_from_json(record: Record, text: str) -> Profile:
    """The profile `profile_to_json` stored for `record` (equal to `profile(record)` when the fingerprint
    matches); the country is the record's."""
    names, acronyms, initials, web_domain, email_domain, registration = _json_loads(text)
    return _new_tuple(
        Profile,
        (
            record,
            tuple([_stored_form(*name) for name in names]),
            frozenset(acronyms),
            frozenset(initials),
            web_domain,
            email_domain,
            registration,
            (record.country or "").upper(),
        ),
    )


_json_loads = json.loads


# --- Blocking keys --------------------------------------------------------------------------------


def blocking_keys(p: Profile) -> set[str]:
    """Keys two possible duplicates are likely to share: name tokens, whole-name key, prefix and
    suffix of the joined name (typos), acronyms and initials, domains, registration number."""
    keys: set[str] = set()
    for n in p.names:
        for token in n.tokens:
            if len(token) >= 3 or token.isdigit():
                keys.add(f"t:{token}"[:120])
        if n.key:
            keys.add(f"n:{n.key}"[:120])
        if len(n.joined) >= 6:
            keys.add(f"p:{n.joined[:5]}")
            keys.add(f"s:{n.joined[-5:]}")
        if len(n.joined) >= 7:  # a typo in the middle keeps both ends
            keys.add(f"e:{n.joined[:3]}{n.joined[-3:]}")
    for acronym in p.acronyms | p.initials:
        if len(acronym) >= 2:
            keys.add(f"a:{acronym}"[:120])
    for domain in {p.web_domain, p.email_domain} - {""}:
        keys.add(f"d:{domain}"[:120])
    if p.registration:
        keys.add(f"r:{p.registration}"[:120])
    return keys


RARE_KEY_DF = 8


def key_weight(key: str, df: int, total: int) -> float:
    """How much sharing this key says (inverse document frequency, strong kinds count more)."""
    idf = math.log((total + 1) / (df + 0.5))
    kind = key[:1]
    if kind in "drn":
        return idf + 4.0
    if kind == "a":
        return idf + 2.0
    if kind in "pse":  # overlaps the word keys; worth less on its own
        return idf * 0.6
    return idf


# --- Scoring --------------------------------------------------------------------------------------


def _weight(token: str) -> float:
    if token in TYPES:
        return _TYPE_WEIGHT
    if token in GENERIC:
        return _GENERIC_WEIGHT
    return 1.0


def _fuzzy_equal(a: str, b: str) -> bool:
    """One typo apart (two in long words), for words of five letters or more, not numbers."""
    la, lb = len(a), len(b)
    shortest = la if la < lb else lb
    if shortest < 4 or (la < 5 and lb < 5) or abs(la - lb) > 2:
        return False
    if a[0] != b[0] and shortest < 7:
        return False
    if a.isdigit() or b.isdigit() or _is_roman(a) or _is_roman(b):
        return False
    limit = 2 if shortest >= 9 else 1
    return OSA.distance(a, b, score_cutoff=limit) <= limit


def _without(
    form: NameForm, ignore: frozenset[str]
) -> tuple[Sequence[str], Sequence[str], Sequence[float], Sequence[tuple[str, ...]]]:
    if not ignore:
        return form.tokens, form.raw, form.weights, form.typos
    keep = [i for i, t in enumerate(form.tokens) if t not in ignore]
    return (
        [form.tokens[i] for i in keep],
        [form.raw[i] for i in keep],
        [form.weights[i] for i in keep],
        [form.typos[i] for i in keep],
    )


def _common(
    left: Sequence[str], wl: Sequence[float], right: Sequence[str]
) -> tuple[float, list[int], list[int]]:
    """Exact matches; of equal tokens on the right, the last one is taken first."""
    where: dict[str, list[int]] = {}
    for j, token in enumerate(right):
        where.setdefault(token, []).append(j)
    used = [False] * len(right)
    matched = 0.0
    rest: list[int] = []
    for i, token in enumerate(left):
        spots = where.get(token)
        if spots:
            used[spots.pop()] = True
            matched += 2 * wl[i]
        else:
            rest.append(i)
    return matched, rest, [j for j, taken in enumerate(used) if not taken]


def _aligned_dice(a: NameForm, b: NameForm, ignore: frozenset[str] = frozenset()) -> float:
    """Weighted Dice coefficient over tokens: exact matches, then typos, then words run together."""
    if ignore:
        left, lraw, wl, ltypos = _without(a, ignore)
        right, rraw, wr, rtypos = _without(b, ignore)
        total = sum(wl) + sum(wr)
        if total == 0:
            return 0.0
        matched, rest, free = _common(left, wl, right)
    else:
        common = a.token_set & b.token_set
        if not common and a.typo_keys.isdisjoint(b.typo_keys):
            # No word in common and no typo possible (see `_typo_keys`): only the words run together can
            # match, all of them or none.
            if a.total + b.total == 0:
                return 0.0
            return 1.0 if a.raw_joined == b.raw_joined else 0.0
        left, lraw, wl, ltypos = a.tokens, a.raw, a.weights, a.typos
        right, rraw, wr, rtypos = b.tokens, b.raw, b.weights, b.typos
        total = a.total + b.total
        if total == 0:
            return 0.0
        if a.unique and b.unique:
            # Each common token matches its one twin (inlined: most comparisons come here).
            if common:
                matched = 0.0
                rest = []
                for i, token in enumerate(left):
                    if token in common:
                        matched += 2 * wl[i]
                    else:
                        rest.append(i)
                free = [j for j, token in enumerate(right) if token not in common]
            else:
                matched, rest, free = 0.0, list(range(len(left))), list(range(len(right)))
        else:
            matched, rest, free = _common(left, wl, right)
    if not rest or not free:
        return matched / total
    return _typos_then_joined(matched, total, rest, free, (lraw, wl, ltypos), (rraw, wr, rtypos))


def _typos_then_joined(
    matched: float,
    total: float,
    rest: list[int],
    free: list[int],
    left: tuple[Sequence[str], Sequence[float], Sequence[tuple[str, ...]]],
    right: tuple[Sequence[str], Sequence[float], Sequence[tuple[str, ...]]],
) -> float:
    """`_aligned_dice` after the exact matches: the words left on each side (`rest`, `free`: positions in
    the raw words, weights and typo keys of `left` and `right`) matched as typos, then run together."""
    lraw, wl, ltypos = left
    rraw, wr, rtypos = right
    # Typos (`_fuzzy_equal`, inlined): each left word takes the first free word it matches; a word sharing no
    # typo key with the free words has none among them.
    theirs = {k for j in free for k in rtypos[j]} if len(rest) * len(free) > 2 else None
    still: list[int] = []
    for i in rest:
        hit = -1
        if ltypos[i] and (theirs is None or not theirs.isdisjoint(ltypos[i])):
            x = lraw[i]
            lx = len(x)
            for j in free:
                if not rtypos[j]:
                    continue
                y = rraw[j]
                ly = len(y)
                shortest = lx if lx < ly else ly
                if (lx < 5 and ly < 5) or abs(lx - ly) > 2 or (x[0] != y[0] and shortest < 7):
                    continue
                limit = 2 if shortest >= 9 else 1
                if OSA.distance(x, y, score_cutoff=limit) <= limit:
                    hit = j
                    break
        if hit >= 0:
            free.remove(hit)
            matched += 0.9 * (wl[i] + wr[hit])
        else:
            still.append(i)
    if still and free and "".join([lraw[i] for i in still]) == "".join([rraw[j] for j in free]):
        matched += sum(wl[i] for i in still) + sum(wr[j] for j in free)
    return matched / total


def _unconflicted(a: NameForm, b: NameForm, lone_soft: frozenset[str] | None) -> float:
    """`name_similarity` before its conflicts: the words aligned (without `lone_soft`, a soft kind word on one
    side only), or the joined names when they are nearly the same string."""
    score = 0.97 if a.joined == b.joined else _aligned_dice(a, b, ignore=lone_soft or frozenset())
    if score < 0.9:
        la, lb = len(a.joined), len(b.joined)
        # The edit distance is at least the difference in length: skip the comparison when that alone
        # keeps the similarity under 0.9 (with a margin of one character against rounding).
        if la >= 10 and lb >= 10 and 10 * abs(la - lb) <= max(la, lb) + 1:
            joined = OSA.normalized_similarity(a.joined, b.joined)
            if joined >= 0.9:
                score = max(score, joined - 0.03)
    return score


def _conflicts(a: NameForm, b: NameForm) -> tuple[float, float, float, frozenset[str] | None]:
    """What conflicting numbers, places and kinds of body leave of a name score (each factor 1.0 where there
    is no conflict), and the soft kind word on one side only ("X Foundation" / "X", nearly a legal form) that
    the words are compared without, if any."""
    f_number = f_place = f_type = 1.0
    if a.numbers != b.numbers:
        f_number = _NUMBER_CONFLICT if a.numbers and b.numbers else _NUMBER_ALONE
    if a.places != b.places:
        f_place = _PLACE_CONFLICT if (a.places - b.places) and (b.places - a.places) else _PLACE_ALONE
    lone_soft = None
    if a.types != b.types:
        if a.types and b.types and not (a.types & b.types):
            f_type = _TYPE_CONFLICT
        elif not (a.types and b.types):
            lone = a.types or b.types
            if lone <= SOFT_TYPES:
                f_type, lone_soft = _SOFT_TYPE_ALONE, lone
            else:
                f_type = _HARD_TYPE_ALONE
    return f_number, f_place, f_type, lone_soft


def name_similarity(a: NameForm, b: NameForm) -> float:
    """How alike two names are, in [0, 1], conflicts (numbers, places, kinds of body) included."""
    if not a.tokens or not b.tokens:
        return 0.0
    if a.key == b.key:
        return 1.0
    f_number, f_place, f_type, lone_soft = _conflicts(a, b)
    # The conflicts multiply in this order, as they always have (the same floating-point result).
    return _unconflicted(a, b, lone_soft) * f_number * f_place * f_type


def _acronym_score(a: Profile, b: Profile) -> float:
    best = 0.0
    for acr in a.acronyms:
        if len(acr) < 2:
            continue
        if acr in b.acronyms and a.record.acronym and b.record.acronym:
            best = max(best, 0.75)  # same declared acronym: worth a look, not proof
        if acr in b.initials:
            best = max(best, 0.92 if len(acr) >= 4 else 0.9 if len(acr) == 3 else 0.8)
    return best


def _shared_domains(a: Profile, b: Profile) -> list[str]:
    codes: list[str] = []
    if a.web_domain and a.web_domain == b.web_domain:
        codes.append(WEB_DOMAIN)
    if (a.email_domain and a.email_domain in (b.web_domain, b.email_domain)) or (
        b.email_domain and b.email_domain in (a.web_domain, a.email_domain)
    ):
        codes.append(EMAIL_DOMAIN)
    return codes


def score(a: Profile, b: Profile) -> Match:
    """How likely two profiles are the same organisation, with the reasons."""
    reasons: list[str] = []
    best_name = 0.0
    via_alt = False
    for i, na in enumerate(a.names):
        for j, nb in enumerate(b.names):
            s = name_similarity(na, nb)
            if s > best_name:
                best_name, via_alt = s, bool(i or j)
    country_conflict = bool(a.country and b.country and a.country != b.country)
    country_factor = _COUNTRY_CONFLICT if country_conflict else 1.0
    total = best_name * country_factor
    if best_name >= 0.999:
        reasons.append(NAME_ALT if via_alt else NAME_SAME)
    elif best_name >= 0.75:
        reasons.append(NAME_ALT if via_alt else NAME_SIMILAR)

    acronym = max(_acronym_score(a, b), _acronym_score(b, a))
    if acronym:
        if not (a.country and b.country):
            acronym -= 0.05
        total = max(total, acronym * country_factor)
        reasons.append(ACRONYM)
    for code in _shared_domains(a, b):
        total = max(total, (0.93 if best_name >= 0.3 else 0.9) * (0.92 if country_conflict else 1.0))
        reasons.append(code)
    if a.registration and a.registration == b.registration:
        total = max(total, 0.7 if country_conflict else 0.99)
        reasons.append(REGISTRATION)
    strong = {ACRONYM, WEB_DOMAIN, EMAIL_DOMAIN, REGISTRATION} & set(reasons)
    if strong and best_name >= 0.6 and not country_conflict:
        total = max(total, 0.95)
    if country_conflict and total > 0:
        reasons.append(COUNTRY_DIFFERS)
    return Match(score=round(min(total, 1.0), 4), reasons=tuple(reasons))


def _may_have_evidence(a: Profile, b: Profile) -> bool:
    """False when the pair certainly has no acronym, domain or registration reason (see `score`)."""
    if a.acronyms and not (a.acronyms.isdisjoint(b.initials) and a.acronyms.isdisjoint(b.acronyms)):
        return True
    if b.acronyms and not b.acronyms.isdisjoint(a.initials):
        return True
    if (a.web_domain or a.email_domain) and (b.web_domain or b.email_domain):
        theirs = (b.web_domain, b.email_domain)
        if (a.web_domain and a.web_domain in theirs) or (a.email_domain and a.email_domain in theirs):
            return True
    return bool(a.registration and a.registration == b.registration)


# `score` rounds to four decimals: a pair can reach a threshold from this little below it.
_ROUNDING = 0.0001


def score_at_least(a: Profile, b: Profile, threshold: float) -> Match | None:
    """`score(a, b)` if it reaches `threshold`, else None; the same result, found faster for the many pairs
    (most of a search's) that have neither a shared acronym, domain nor registration number nor a close name.

    Without such evidence the score is the best name similarity, lowered for differing countries; a pair of
    names is skipped when its conflicts (numbers, places, kinds of body) alone keep it under the threshold.
    """
    if _may_have_evidence(a, b):
        match = score(a, b)
        return match if match.score >= threshold else None
    factor = _COUNTRY_CONFLICT if a.country and b.country and a.country != b.country else 1.0
    need = (threshold - _ROUNDING) / factor
    for na in a.names:
        for nb in b.names:
            if not na.tokens or not nb.tokens:
                continue
            if na.key != nb.key and not _name_reaches(na, nb, need):
                continue
            match = score(a, b)
            return match if match.score >= threshold else None
    return None


def _name_reaches(a: NameForm, b: NameForm, need: float) -> bool:
    """`name_similarity(a, b) >= need` for two names with words and different keys, skipping what cannot
    reach it: names with no word match whose lengths rule out the joined comparison, and names whose
    conflicts alone keep them under `need`. The same arithmetic as `name_similarity`, in the same order
    (the same result)."""
    if _no_word_match(a, b):
        # Only the joined names' edit distance is left to compare (see `name_similarity`).
        la, lb = len(a.joined), len(b.joined)
        if la < 10 or lb < 10 or 10 * abs(la - lb) > max(la, lb) + 1:
            return False
    f_number, f_place, f_type, lone_soft = _conflicts(a, b)
    if 1.0 * f_number * f_place * f_type < need:
        return False
    return _unconflicted(a, b, lone_soft) * f_number * f_place * f_type >= need


def _no_word_match(a: NameForm, b: NameForm) -> bool:
    """True when `_aligned_dice` of the two names is 0: no word in common, none a typo of another, the words
    not the same run together, and no lone soft kind word whose omission could change that."""
    if not (a.token_set.isdisjoint(b.token_set) and a.typo_keys.isdisjoint(b.typo_keys)):
        return False
    if a.raw_joined == b.raw_joined or a.joined == b.joined:
        return False
    return not (bool(a.types) != bool(b.types) and (a.types | b.types) <= SOFT_TYPES)


# --- Whole collections: candidate pairs and clusters ---------------------------------------------


@dataclass
class Pair:
    a: Any
    b: Any
    score: float
    reasons: tuple[str, ...]


@dataclass
class Cluster:
    ids: list[Any]
    score: float  # the strongest link inside the cluster
    pairs: list[Pair] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        seen: dict[str, None] = {}
        for pair in self.pairs:
            for reason in pair.reasons:
                seen.setdefault(reason, None)
        return list(seen)


# Per record, the rarest keys it shares with others are used to find its candidates ("prefix filtering"):
# two records of one organisation nearly always share one of their rarer keys.
PROBE_KEYS = 6
MIN_LINKS = 2
# Strong keys (same whole name, domain, registration number, acronym) held by few records always count.
_STRONG_DF = {"n": 50, "d": 50, "r": 50, "a": 20}


def is_sure_key(key: str, df: int) -> bool:
    return df <= RARE_KEY_DF or df <= _STRONG_DF.get(key[:1], 0)


def probe_keys(keys: Iterable[str], df: Callable[[str], int], cap: int) -> list[str]:
    """The keys used to look for a record's candidates: every rare or strong one, and the rarest others."""
    usable = sorted((k for k in keys if 1 <= df(k) <= cap), key=lambda k: (df(k), k))
    chosen = [k for k in usable if is_sure_key(k, df(k))]
    for key in usable:
        if len(chosen) >= PROBE_KEYS:
            break
        if key not in chosen:
            chosen.append(key)
    return chosen


def find_pairs(
    records: Sequence[Record | Profile],
    *,
    threshold: float = MATCH_THRESHOLD,
    skip: Callable[[Any, Any], bool] | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_key_df: int | None = None,
    per_record: int = 12,
) -> list[Pair]:
    """Every pair of records scoring at least `threshold`, best first.

    Blocking: records are compared only when they share a key; keys held by very many records (common
    words) are not used; each record looks for candidates through its rarest keys (and every strong key),
    and is compared with those sharing the most, at most `per_record` besides the strong ones.
    """
    total = len(records)
    profiles = [r if isinstance(r, Profile) else profile(r) for r in records]
    postings: dict[str, list[int]] = defaultdict(list)
    record_keys: list[set[str]] = []  # every key of each record
    for index, p in enumerate(profiles):
        keys = blocking_keys(p)
        record_keys.append(keys)
        for key in keys:
            postings[key].append(index)
    cap = max_key_df or max(50, min(500, total // 200))
    df = {k: len(v) for k, v in postings.items()}
    chosen = [
        frozenset(k for k in probe_keys(keys, df.__getitem__, cap) if df[k] > 1) for keys in record_keys
    ]
    weights = {k: key_weight(k, n, total) for k, n in df.items() if 1 < n <= cap}
    found: list[Pair] = []
    compared: set[int] = set()
    step = max(1, total // 100)
    for index, probe in enumerate(chosen):
        mine = profiles[index]
        for other in _shortlist(
            index, probe, postings=postings, weights=weights, df=df, per_record=per_record
        ):
            first, second = (index, other) if index < other else (other, index)
            if first * total + second in compared:
                continue
            compared.add(first * total + second)
            theirs = profiles[other]
            if skip is not None and skip(mine.record.id, theirs.record.id):
                continue
            match = score_at_least(mine, theirs, threshold)
            if match is not None:
                found.append(
                    Pair(profiles[first].record.id, profiles[second].record.id, match.score, match.reasons)
                )
        if progress is not None and (index % step == 0 or index == total - 1):
            progress(index + 1, total)
    found.sort(key=lambda p: (-p.score, str(p.a), str(p.b)))
    return found


def _shortlist(
    index: int,
    keys: frozenset[str],
    *,
    postings: dict[str, list[int]],
    weights: dict[str, float],
    df: dict[str, int],
    per_record: int,
) -> list[int]:
    """The records one record is compared with: all sharing a rare or strong key with it, then those
    sharing the most weight (and at least two of its probe keys), at most `per_record` of them."""
    shared: dict[int, float] = defaultdict(float)
    links: dict[int, int] = defaultdict(int)
    sure: set[int] = set()
    for key in keys:
        weight = weights[key]
        strong = is_sure_key(key, df[key])
        for other in postings[key]:
            if other != index:
                shared[other] += weight
                links[other] += 1
                if strong:
                    sure.add(other)
    need = min(MIN_LINKS, len(keys))
    ranked = sorted((o for o in shared if o not in sure and links[o] >= need), key=lambda o: -shared[o])
    return sorted(sure) + ranked[:per_record]


def clusters_from_pairs(pairs: Iterable[Pair]) -> list[Cluster]:
    """Connected groups of records linked by pairs (union-find), strongest first."""
    parent: dict[Any, Any] = {}

    def find(x: Any) -> Any:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    pair_list = list(pairs)
    for pair in pair_list:
        ra, rb = find(pair.a), find(pair.b)
        if ra != rb:
            parent[rb] = ra
    groups: dict[Any, Cluster] = {}
    for pair in pair_list:
        root = find(pair.a)
        cluster = groups.setdefault(root, Cluster(ids=[], score=0.0))
        cluster.pairs.append(pair)
        cluster.score = max(cluster.score, pair.score)
    for root, cluster in groups.items():
        members = {m for m in parent if find(m) == root}
        cluster.ids = sorted(members, key=_sort_key)
    return sorted(groups.values(), key=lambda c: (-c.score, _sort_key(c.ids[0])))


def _sort_key(value: Any) -> tuple[int, Any]:
    return (0, value) if isinstance(value, int) else (1, str(value))


def ordered(a: Any, b: Any) -> tuple[Any, Any]:
    """A pair in a stable order: numbers numerically, anything else as text."""
    return (a, b) if _sort_key(a) <= _sort_key(b) else (b, a)


# --- Spreadsheets ---------------------------------------------------------------------------------

CSV_REQUIRED = ("id", "name", "country")
CSV_OPTIONAL = ("acronym", "website", "email", "registration_number", "alt_names")


def read_csv(lines: Iterable[str], *, delimiter: str = ",") -> Iterator[Record]:
    """Records from CSV text with at least id, name, country (header names are case-insensitive).

    `alt_names` may hold several names separated by "|"."""
    reader = csv.DictReader(lines, delimiter=delimiter)
    header = {h.strip().lower(): h for h in reader.fieldnames or []}
    missing = [c for c in CSV_REQUIRED if c not in header]
    if missing:
        raise ValueError("missing column(s): " + ", ".join(missing))
    for row in reader:

        def get(column: str, row: dict[str, Any] = row) -> str:
            source = header.get(column)
            return str(row.get(source) or "").strip() if source else ""

        if not get("id") or not get("name"):
            continue
        yield Record(
            id=get("id"),
            name=get("name"),
            acronym=get("acronym"),
            alt_names=tuple(n.strip() for n in get("alt_names").split("|") if n.strip()),
            website=get("website"),
            email=get("email"),
            registration_number=get("registration_number"),
            country=get("country").upper()[:2],
        )
