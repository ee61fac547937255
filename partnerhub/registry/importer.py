"""Partner import from CSV or XLSX: read the file, map its columns, check every row, write all or nothing.

No HTTP here. The upload pages, the background tasks (`tasks_import`) and `manage.py import_partners` all use
these functions, so a file gives the same errors, duplicates and result whichever way it comes in.

Duplicate policy (`on_duplicate`), for a row that matches one or more existing partners (the matches are what
`duplicates.candidates_for` would show on the "add partner" form, found for the whole file at once):

- ``skip`` (default): the row is not written; the existing partner is left exactly as it was.
- ``update``: the row is written into its best match (highest score, then lowest number), but only into fields
  that are *empty* on that partner: a value already there is never overwritten. The row's alternative names
  and tags are added to the partner's. Name, category, channel and owning office are never empty, so they
  never change. The partner's history and the audit log record each change.
- ``create``: the row becomes a new partner anyway, and each of its matches is remembered as "not a duplicate"
  of it (`NotDuplicate`), so the pair is not proposed again.

Two rows of one file that name the same organisation (the same core name, or the same registration number, in
the same or an unstated country) are errors, except under ``create``: there they are warnings, both rows are
written and the pair is remembered as not duplicates.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import heapq
import io
import json
import logging
import multiprocessing
import operator
import os
import re
import threading
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import repeat
from operator import add
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_email
from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.core.audit import audit
from partnerhub.core.context import current_actor
from partnerhub.core.errors import DomainError, IllegalTransition, NotAllowed, ValidationFailed
from partnerhub.core.memory import collector_paused, pauses_collector
from partnerhub.core.models import AuditLog, HistoryAction, RecordHistory, to_jsonable
from partnerhub.registry import dedupe, duplicates, normalize, services
from partnerhub.registry.choices import Channel, EcosocStatus, NameKind
from partnerhub.registry.models import (
    Country,
    DuplicateKey,
    DuplicateProfile,
    ImportJob,
    ImportStatus,
    NotDuplicate,
    Partner,
    PartnerName,
    StakeholderCategory,
    Tag,
)
from partnerhub.registry.permissions import can_import_partners
from partnerhub.registry.states import PartnerStatus

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
# An XLSX is a ZIP: refuse one that would unpack to more than this (a "zip bomb").
MAX_XLSX_UNPACKED_BYTES = 400 * 1024 * 1024
# Errors and duplicates kept on a job for the preview; the counts are always exact.
MAX_STORED_ISSUES = 20_000
# Partners sharing only common words with a row that are compared with it (see DuplicateFinder).
IMPORT_CANDIDATE_POOL = 5
POLICIES = ("skip", "update", "create")
_IN_CHUNK = 2_000
_PROGRESS_EVERY = 500


class ImportFileError(DomainError):
    """The file cannot be read as a list of partners at all (wrong type, too big, damaged)."""

    code = "import_file_refused"


# --- Fields and the column names that mean them --------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    key: str
    label: Any
    synonyms: tuple[str, ...]
    required: bool = False
    help: Any = ""


FIELDS: dict[str, FieldSpec] = {
    spec.key: spec
    for spec in (
        FieldSpec(
            "name",
            gettext_lazy("Name"),
            (
                "organisation",
                "organization",
                "organisation name",
                "organization name",
                "name of organisation",
                "name of organization",
                "partner",
                "partner name",
                "legal name",
                "official name",
                "entity",
                "entity name",
                "institution",
                "institution name",
                "company",
                "company name",
                "nom",
                "nombre",
                "nom de l organisation",
                "nombre de la organizacion",
                "raison sociale",
            ),
            required=True,
        ),
        FieldSpec(
            "acronym",
            gettext_lazy("Acronym"),
            (
                "abbreviation",
                "short name",
                "acronyme",
                "sigle",
                "sigla",
                "siglas",
            ),
        ),
        FieldSpec(
            "country",
            gettext_lazy("Country"),
            (
                "country code",
                "country iso",
                "iso",
                "iso2",
                "iso3",
                "iso code",
                "country name",
                "country of headquarters",
                "headquarters country",
                "hq country",
                "pays",
                "pais",
            ),
            help=gettext_lazy("ISO code (KE or KEN) or name in English, French or Spanish"),
        ),
        FieldSpec(
            "category",
            gettext_lazy("Stakeholder category"),
            (
                "stakeholder category",
                "category code",
                "partner category",
                "stakeholder type",
                "stakeholder group",
                "partner type",
                "organisation type",
                "organization type",
                "type",
                "type of organisation",
                "type of organization",
                "major group",
                "categorie",
                "categoria",
            ),
            required=True,
            help=gettext_lazy("code (civil-society), number from 1 to 19 or English name"),
        ),
        FieldSpec(
            "channel",
            gettext_lazy("Identified through"),
            (
                "identified through",
                "identification channel",
                "channel code",
                "how identified",
                "source",
                "canal",
            ),
            required=True,
            help=gettext_lazy("channel code (event) or name"),
        ),
        FieldSpec(
            "website",
            gettext_lazy("Website"),
            (
                "web site",
                "web",
                "url",
                "homepage",
                "home page",
                "web address",
                "site",
                "site web",
                "sitio web",
            ),
        ),
        FieldSpec(
            "email",
            gettext_lazy("E-mail"),
            (
                "e mail",
                "mail",
                "email address",
                "e mail address",
                "courriel",
                "correo",
                "correo electronico",
            ),
        ),
        FieldSpec(
            "phone",
            gettext_lazy("Phone"),
            (
                "telephone",
                "tel",
                "phone number",
                "telephone number",
                "mobile",
                "telefono",
            ),
        ),
        FieldSpec(
            "registration_number",
            gettext_lazy("Registration number"),
            (
                "registration no",
                "registration",
                "reg no",
                "reg number",
                "company number",
                "registration id",
                "numero d enregistrement",
                "numero de registro",
            ),
        ),
        FieldSpec(
            "legal_status",
            gettext_lazy("Legal status"),
            (
                "legal form",
                "statut juridique",
                "forme juridique",
                "forma juridica",
                "estatus juridico",
            ),
        ),
        FieldSpec(
            "address", gettext_lazy("Address"), ("postal address", "street address", "adresse", "direccion")
        ),
        FieldSpec("description", gettext_lazy("Description"), ("about", "profile", "summary", "descripcion")),
        FieldSpec(
            "expertise",
            gettext_lazy("Expertise"),
            (
                "areas of expertise",
                "expertise areas",
                "specialisation",
                "specialization",
                "competences",
            ),
        ),
        FieldSpec(
            "owning_office",
            gettext_lazy("Owning office"),
            (
                "owning office",
                "office",
                "office code",
                "responsible office",
                "lead office",
                "owner",
                "unit",
                "bureau",
                "oficina",
            ),
            required=True,
            help=gettext_lazy("office code (plgu) or acronym (PLGU)"),
        ),
        FieldSpec(
            "identified_on",
            gettext_lazy("Identified on"),
            (
                "identified on",
                "date identified",
                "identification date",
                "date of identification",
                "date",
            ),
            help=gettext_lazy("2024-03-31 or 31/03/2024"),
        ),
        FieldSpec(
            "identification_detail",
            gettext_lazy("Identification detail"),
            (
                "identification detail",
                "identification details",
                "identified at",
                "details of identification",
            ),
        ),
        FieldSpec(
            "alternative_names",
            gettext_lazy("Alternative names"),
            (
                "alternative name",
                "other names",
                "other name",
                "also known as",
                "aka",
                "aliases",
                "alias",
                "former names",
            ),
            help=gettext_lazy("separated by “;”"),
        ),
        FieldSpec(
            "ecosoc_status",
            gettext_lazy("ECOSOC status"),
            (
                "ecosoc",
                "consultative status",
                "ecosoc consultative status",
            ),
            help=gettext_lazy("general, special or roster"),
        ),
        FieldSpec(
            "ecosoc_year",
            gettext_lazy("ECOSOC status since"),
            (
                "ecosoc since",
                "ecosoc status since",
                "year of ecosoc status",
                "ecosoc status year",
            ),
            help=gettext_lazy("year"),
        ),
        FieldSpec(
            "tags",
            gettext_lazy("Tags"),
            (
                "tag codes",
                "themes",
                "thematic areas",
                "topics",
                "keywords",
            ),
            help=gettext_lazy("codes separated by “;”"),
        ),
    )
}
REQUIRED_FIELDS = tuple(k for k, spec in FIELDS.items() if spec.required)
# Required fields the person importing may give one value for, used for every row that has none.
DEFAULTABLE_FIELDS = ("category", "channel", "owning_office")


def field_label(key: str) -> str:
    spec = FIELDS.get(key)
    return str(spec.label) if spec else key


# --- Reading files --------------------------------------------------------------------------------


@dataclass
class Table:
    """A file's first sheet: unique column names and the data rows, each with its spreadsheet row number."""

    file_format: str
    encoding: str
    delimiter: str
    columns: list[str]
    rows: list[tuple[int, list[str]]]


def sniff_format(data: bytes) -> str:
    """ "csv" or "xlsx", decided by the content (never the file name); anything else is refused, in words."""
    head = data[:8192]
    if not head.strip():
        raise ImportFileError(_("The file is empty."))
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = set(archive.namelist())
                unpacked = sum(info.file_size for info in archive.infolist())
        except (zipfile.BadZipFile, ValueError):
            raise ImportFileError(_("The file looks like an Excel workbook but is damaged.")) from None
        if "xl/workbook.xml" in names:
            if unpacked > MAX_XLSX_UNPACKED_BYTES:
                raise ImportFileError(
                    _("The workbook is too large once unpacked. Split it into smaller files.")
                )
            return "xlsx"
        if "mimetype" in names and "content.xml" in names:
            raise ImportFileError(_("This is an OpenDocument spreadsheet. Save it as Excel (.xlsx) or CSV."))
        raise ImportFileError(_("This is a ZIP archive, not a CSV file or an Excel (.xlsx) workbook."))
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            _(
                "This is an old Excel (.xls) file. "
                "Save it as Excel workbook (.xlsx) or CSV and upload it again."
            )
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    controls = sum(1 for byte in head if byte < 9 or 13 < byte < 32)
    if b"\x00" in head or controls > len(head) // 100:
        raise ImportFileError(_("This file is not a CSV file or an Excel (.xlsx) workbook."))
    return "csv"


def read_table(data: bytes, *, limit: int | None = None) -> Table:
    """Read a CSV or XLSX file (only its first `limit` data rows if given); refuses it in words if not."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImportFileError(
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": MAX_UPLOAD_BYTES >> 20}
        )
    if sniff_format(data) == "xlsx":
        return _read_xlsx(data, limit)
    return _read_csv(data, limit)


def _decode(data: bytes) -> tuple[str, str]:
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(_("The file says it is UTF-8 but holds characters that are not.")) from None
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), "utf-16"
        except UnicodeDecodeError:
            raise ImportFileError(
                _("The file says it is UTF-16 but holds characters that are not.")
            ) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    # Excel on Windows saves "CSV" in the ANSI code page: Windows-1252, a superset of Latin-1's printables.
    try:
        return data.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "latin-1"


def _count_outside_quotes(line: str, char: str) -> int:
    count, quoted = 0, False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == char and not quoted:
            count += 1
    return count


def _read_csv(data: bytes, limit: int | None) -> Table:
    text, encoding = _decode(data)
    first_line, _newline, rest = text.partition("\n")
    # Excel writes "sep=;" as a first line to say which separator follows; it is not a row of the sheet.
    hint = re.fullmatch(r"\s*sep=(.)\s*", first_line)
    if hint:
        delimiter, text = hint.group(1), rest
    else:
        counts = {d: _count_outside_quotes(first_line, d) for d in (",", ";", "\t", "|")}
        delimiter = max(counts, key=lambda d: (counts[d], d == ","))
        if not counts[delimiter]:
            delimiter = ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    records: list[list[str]] = []
    try:
        for record in reader:
            records.append([cell.strip() for cell in record])
            if limit is not None and len(records) > limit:
                break
    except csv.Error as exc:
        raise ImportFileError(
            _("Row %(row)d cannot be read: %(reason)s.") % {"row": len(records) + 1, "reason": exc}
        ) from None
    return _table("csv", encoding, delimiter, records, check_size=limit is None)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    # Array and data-table formulas: kept as their text, never evaluated.
    return str(getattr(value, "text", None) or value).strip()


def _read_xlsx(data: bytes, limit: int | None) -> Table:
    import openpyxl

    try:
        # data_only=False: a formula cell gives its formula ("=A1*2"), which is kept as text, never evaluated.
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:
        raise ImportFileError(
            _("The Excel workbook cannot be opened; it may be damaged or protected.")
        ) from None
    records: list[list[str]] = []
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The workbook has no sheet."))
        for values in workbook.worksheets[0].iter_rows(values_only=True):
            records.append([_cell_text(v) for v in values])
            if len(records) > (limit if limit is not None else MAX_ROWS + 1):
                break
    finally:
        workbook.close()
    return _table("xlsx", "", "", records, check_size=limit is None)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _table(
    file_format: str, encoding: str, delimiter: str, records: list[list[str]], *, check_size: bool
) -> Table:
    if not records or not any(records[0]):
        raise ImportFileError(_("The first row must hold the column names, and it is empty."))
    header = list(records[0])
    while header and not header[-1]:
        header.pop()
    columns: list[str] = []
    seen: set[str] = set()
    for index, raw in enumerate(header):
        base = " ".join(raw.split()) or _("Column %(letter)s") % {"letter": _column_letter(index)}
        name, n = base, 1
        while name.casefold() in seen:
            n += 1
            name = f"{base} ({n})"
        seen.add(name.casefold())
        columns.append(name)
    width = len(columns)
    rows: list[tuple[int, list[str]]] = []
    # Row numbers are the spreadsheet's: the header is row 1; blank rows are skipped but still counted.
    for number, record in enumerate(records[1:], start=2):
        cells = record[:width]
        if not any(cells):
            continue
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        rows.append((number, cells))
    if check_size and len(rows) > MAX_ROWS:
        raise ImportFileError(
            _("The file has more than %(max)s rows. Split it into smaller files.") % {"max": f"{MAX_ROWS:,}"}
        )
    return Table(file_format=file_format, encoding=encoding, delimiter=delimiter, columns=columns, rows=rows)


ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8 (BOM)",
    "utf-16": "UTF-16",
    "cp1252": "Windows-1252",
    "latin-1": "Latin-1 (ISO-8859-1)",
}


# --- The stored search text and name key (as normalize.py computes them, faster for plain ASCII) ------

_NON_ALNUM = re.compile(r"[^0-9a-z]+")


def fold(text: str) -> str:
    """`normalize.fold`, with a fast path for plain ASCII text that gives the same result."""
    if text.isascii():
        return _NON_ALNUM.sub(" ", text.lower().replace("'", "")).strip()
    return normalize.fold(text)


def name_key(text: str) -> str:
    """`normalize.name_key`, reusing the fast `fold`."""
    words = fold(text).split()
    kept = [w for w in words if w not in normalize.LEGAL_FORMS and w not in normalize.STOPWORDS]
    return " ".join(sorted(kept or words))


def search_terms(texts: Sequence[str]) -> str:
    """`normalize.search_terms`, reusing the fast `fold`."""
    seen: dict[str, None] = {}
    for text in texts:
        words = fold(text).split()
        for word in words:
            seen.setdefault(word, None)
        if len(words) > 1:
            seen.setdefault("".join(words), None)
    return " ".join(seen)


# --- Mapping columns to fields --------------------------------------------------------------------


def _synonym_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, spec in FIELDS.items():
        with translation.override("en"):
            label = str(spec.label)
        for text in (key, label, *spec.synonyms):
            index.setdefault(fold(text), key)
    return index


def propose_mapping(columns: Sequence[str]) -> dict[str, str]:
    """Column → field for every column whose name we recognise; each field is proposed for one column only."""
    index = _synonym_index()
    mapping: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        wanted = index.get(fold(re.sub(r"\(.*?\)", " ", column))) or index.get(fold(column))
        if wanted and wanted not in taken:
            mapping[column] = wanted
            taken.add(wanted)
    by_length = sorted(index.items(), key=lambda item: -len(item[0]))
    for column in columns:  # then "Organisation name in English", "Country ISO code 2"
        if column in mapping:
            continue
        words = fold(column)
        for synonym, wanted in by_length:
            if wanted not in taken and len(synonym) >= 4 and words.startswith(synonym + " "):
                mapping[column] = wanted
                taken.add(wanted)
                break
    return mapping


def mapping_problems(columns: Sequence[str], mapping: dict[str, str], defaults: dict[str, Any]) -> list[str]:
    """What is wrong with a mapping, in words: a required field with no column or default, a field twice."""
    problems: list[str] = []
    used: dict[str, str] = {}
    for column, key in mapping.items():
        if not key:
            continue
        if column not in columns:
            problems.append(_("The file has no column “%(column)s”.") % {"column": column})
        elif key not in FIELDS:
            problems.append(_("“%(field)s” is not a partner field.") % {"field": key})
        elif key in used:
            problems.append(
                _("“%(field)s” is chosen for two columns, “%(first)s” and “%(second)s”; choose one.")
                % {"field": field_label(key), "first": used[key], "second": column}
            )
        else:
            used[key] = column
    for key in REQUIRED_FIELDS:
        if key in used or defaults.get(key):
            continue
        if key in DEFAULTABLE_FIELDS:
            message = _("Choose the column that holds “%(field)s”, or one value for every row.")
        else:
            message = _("Choose the column that holds “%(field)s”.")
        problems.append(message % {"field": field_label(key)})
    return problems


# --- Reference data the rows are looked up in -----------------------------------------------------

_COUNTRY_ALIASES = {
    "uk": "GB",
    "united kingdom": "GB",
    "great britain": "GB",
    "britain": "GB",
    "royaume uni": "GB",
    "united states": "US",
    "united states of america": "US",
    "us": "US",
    "usa": "US",
    "etats unis": "US",
    "estados unidos": "US",
    "russia": "RU",
    "iran": "IR",
    "tanzania": "TZ",
    "bolivia": "BO",
    "venezuela": "VE",
    "vietnam": "VN",
    "south korea": "KR",
    "north korea": "KP",
    "syria": "SY",
    "laos": "LA",
    "moldova": "MD",
    "czech republic": "CZ",
    "ivory coast": "CI",
    "turkey": "TR",
    "palestine": "PS",
    "drc": "CD",
    "dr congo": "CD",
    "democratic republic of congo": "CD",
    "macedonia": "MK",
    "swaziland": "SZ",
    "cape verde": "CV",
    "brunei": "BN",
    "vatican": "VA",
}


@dataclass
class Lookups:
    """Countries, categories, channels, offices and tags by every text a spreadsheet may name them with."""

    countries: dict[str, str] = field(default_factory=dict)
    categories: dict[str, int] = field(default_factory=dict)
    inactive_categories: set[int] = field(default_factory=set)
    channels: dict[str, str] = field(default_factory=dict)
    offices: dict[str, int | None] = field(default_factory=dict)  # None: the text names two offices
    inactive_offices: set[int] = field(default_factory=set)
    tags: dict[str, list[int]] = field(default_factory=dict)
    tag_kinds: dict[int, str] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Lookups:
        from partnerhub.org.models import Office

        lookups = cls()
        rows = Country.objects.values_list("iso2", "iso3", "m49", "name_en", "name_fr", "name_es")
        for iso2, iso3, m49, *names in rows:
            for text in (iso2, iso3, m49):
                lookups.countries[text.lower()] = iso2
            for name in names:
                for variant in (name, name.split("(")[0]):
                    if fold(variant):
                        lookups.countries.setdefault(fold(variant), iso2)
        for alias, iso2 in _COUNTRY_ALIASES.items():
            if iso2.lower() in lookups.countries:
                lookups.countries.setdefault(alias, iso2)
        for category in StakeholderCategory.objects.all():
            if not category.is_active:
                lookups.inactive_categories.add(category.pk)
            for text in (
                category.code,
                str(category.number),
                category.name,
                *category.name_translations.values(),
            ):
                if fold(str(text)):
                    lookups.categories.setdefault(fold(str(text)), category.pk)
        for code, label in Channel.choices:
            texts = [code]
            for language in ("en", "fr", "es", translation.get_language() or "en"):
                with translation.override(language):
                    texts += [str(label), str(label).split("(")[0]]
            for text in texts:
                if fold(text):
                    lookups.channels.setdefault(fold(text), code)
        for office_id, code, acronym, is_active in Office.objects.values_list(
            "pk", "code", "acronym", "is_active"
        ):
            if not is_active:
                lookups.inactive_offices.add(office_id)
            for text in {fold(code), fold(acronym)} - {""}:
                known = lookups.offices.get(text, office_id)
                lookups.offices[text] = office_id if known == office_id else None
        for tag_id, kind, code in Tag.objects.values_list("pk", "kind", "code"):
            lookups.tag_kinds[tag_id] = kind
            lookups.tags.setdefault(code.lower(), []).append(tag_id)
            lookups.tags.setdefault(f"{kind}:{code}".lower(), []).append(tag_id)
        return lookups


# --- Checking rows --------------------------------------------------------------------------------


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Match:
    partner_id: int
    name: str
    score: float
    reasons: list[str]


@dataclass
class Row:
    """A row that passed every check: partner values (ids for relations), names, tags, duplicate profile."""

    number: int
    data: dict[str, Any]
    alt_names: list[str]
    tag_ids: list[int]
    keys: set[str]  # its blocking keys: the DuplicateKey rows a new partner gets
    name_key: str  # the duplicate engine's key of its main name ("" if none)
    registration: str  # and of its registration number
    # What the duplicate engine compares: analysed here, or as `dedupe.profile_to_json` wrote it in the
    # process that checked the row (`profile` reads it back when first needed).
    analysed: dedupe.Profile | None = None
    profile_json: str = ""
    matches: list[Match] = field(default_factory=list)
    same_as_row: int | None = None

    @property
    def name(self) -> str:
        return str(self.data["name"])

    @property
    def profile(self) -> dedupe.Profile:
        if self.analysed is None:
            self.analysed = dedupe.profile_from_json(self.record(), self.profile_json)
        return self.analysed

    def record(self) -> dedupe.Record:
        """The values the duplicate engine analyses, as a new partner made from this row will hold them."""
        data = self.data
        return dedupe.Record(
            id=self.number,
            name=data["name"],
            acronym=data["acronym"],
            alt_names=tuple(self.alt_names),
            website=data["website"],
            email=data["email"],
            registration_number=data["registration_number"],
            country=data["country_id"] or "",
        )

    def profile_text(self) -> str:
        """The profile as `dedupe.profile_to_json` writes it."""
        return self.profile_json or dedupe.profile_to_json(self.profile)

    def stored_profile(self) -> tuple[str, str]:
        """(fingerprint, data) of the `DuplicateProfile` a new partner made from this row gets."""
        return dedupe.profile_fingerprint(self.record()), self.profile_text()

    def compact(self) -> tuple[Any, ...]:
        """This row, cheap to send to another process (`from_compact`): the profile as text."""
        return (
            self.number,
            self.data,
            self.alt_names,
            self.tag_ids,
            tuple(self.keys),
            self.name_key,
            self.registration,
            self.profile_text(),
        )

    @classmethod
    def from_compact(cls, values: tuple[Any, ...]) -> Row:
        number, data, alt_names, tag_ids, keys, name_key, registration, profile_json = values
        return cls(
            number, data, alt_names, tag_ids, set(keys), name_key, registration, profile_json=profile_json
        )


@dataclass
class Validation:
    total: int
    rows: list[Row]
    errors: list[RowError]
    within_file: list[dict[str, Any]]
    policy: str
    stats: dict[str, float] = field(default_factory=dict)  # how the duplicate search went, for benchmarks
    # Scores still being computed in a second process (`validate(..., defer_scoring=True)`).
    pending: PendingScores | None = field(default=None, repr=False)

    @property
    def ok(self) -> bool:
        return not self.errors

    def finish(self) -> None:
        """Wait for scores still being computed, if any, and attach the rows' matches."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.collect()

    def abandon(self) -> None:
        """Stop scores still being computed (the caller gave up)."""
        if self.pending is not None:
            pending, self.pending = self.pending, None
            pending.abandon()

    @property
    def duplicate_rows(self) -> list[Row]:
        self.finish()
        return [row for row in self.rows if row.matches]

    def counts(self) -> dict[str, int]:
        duplicates = len(self.duplicate_rows)
        return {
            "rows": self.total,
            "valid_rows": len(self.rows),
            "error_count": len(self.errors),
            "bad_rows": len({e.row for e in self.errors}),
            "duplicate_rows": duplicates,
            "within_file": len(self.within_file),
            "would_create": len(self.rows) - (duplicates if self.policy in ("skip", "update") else 0),
            "would_update": duplicates if self.policy == "update" else 0,
            "would_skip": duplicates if self.policy == "skip" else 0,
        }


@dataclass
class Defaults:
    """One value for every row whose cell is empty, or whose file has no such column (ids and codes)."""

    category: int | None = None
    channel: str = ""
    owning_office: int | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any] | None) -> Defaults:
        data = data or {}
        return cls(
            category=data.get("category") or None,
            channel=data.get("channel") or "",
            owning_office=data.get("owning_office") or None,
        )

    def as_json(self) -> dict[str, Any]:
        return {"category": self.category, "channel": self.channel, "owning_office": self.owning_office}


_URL = URLValidator(schemes=["http", "https"])
_DATE_DMY = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")
_WS = re.compile(r"\s+")
_MAX_LENGTHS: dict[str, int] = {
    f.name: size for f in Partner._meta.concrete_fields if (size := getattr(f, "max_length", None))
}
_TEXT_FIELDS = (
    "acronym",
    "registration_number",
    "legal_status",
    "address",
    "description",
    "expertise",
    "identification_detail",
)
_NO_ECOSOC = frozenset({"none", "no", "n a", "na", "aucun", "ninguno"})
Fail = Callable[[str, str], None]


class _RowChecker:
    """Turns one row's cells into partner values, collecting every problem with its row number and column."""

    def __init__(
        self, columns: Sequence[str], mapping: dict[str, str], defaults: Defaults, lookups: Lookups
    ) -> None:
        self.plan = [(columns.index(col), key) for col, key in mapping.items() if key and col in columns]
        self.columns_for = {key: col for col, key in mapping.items() if key}
        self.defaults = defaults
        self.lookups = lookups
        self.today = timezone.localdate()
        self.ecosoc = {}
        for value, label in EcosocStatus.choices:
            if value:
                for language in ("en", "fr", "es", translation.get_language() or "en"):
                    with translation.override(language):
                        self.ecosoc[fold(str(label))] = str(value)
                self.ecosoc[str(value)] = str(value)

    def column(self, key: str) -> str:
        return self.columns_for.get(key) or field_label(key)

    def check(self, number: int, cells: Sequence[str]) -> tuple[Row | None, list[RowError]]:
        raw = {key: cells[index] for index, key in self.plan}
        errors: list[RowError] = []

        def fail(key: str, message: str) -> None:
            errors.append(RowError(number, self.column(key), message))

        data: dict[str, Any] = {"name": _WS.sub(" ", raw.get("name", ""))}
        if not data["name"]:
            fail("name", _("The name is missing."))
        for key in _TEXT_FIELDS:
            value = raw.get(key, "")
            data[key] = _WS.sub(" ", value) if key in ("acronym", "registration_number") else value
        for key in ("name", *_TEXT_FIELDS):
            limit = _MAX_LENGTHS.get(key)
            if limit and len(data[key]) > limit:
                fail(
                    key,
                    _("This is %(length)d characters long; at most %(max)d are allowed.")
                    % {"length": len(data[key]), "max": limit},
                )
        self._country(raw.get("country", ""), data, fail)
        self._category(raw.get("category", ""), data, fail)
        self._channel(raw.get("channel", ""), data, fail)
        self._office(raw.get("owning_office", ""), data, fail)
        self._contact(raw, data, fail)
        self._date(raw.get("identified_on", ""), data, fail)
        self._ecosoc(raw.get("ecosoc_status", ""), raw.get("ecosoc_year", ""), data, fail)
        alt_names = self._alt_names(raw.get("alternative_names", ""), data["name"], fail)
        tag_ids = self._tags(raw.get("tags", ""), fail)
        if errors:
            return None, errors
        row = Row(
            number=number,
            data=data,
            alt_names=alt_names,
            tag_ids=tag_ids,
            keys=set(),
            name_key="",
            registration="",
        )
        profile = row.analysed = dedupe.profile(row.record())
        row.keys = dedupe.blocking_keys(profile)
        row.name_key = profile.names[0].key if profile.names else ""
        row.registration = profile.registration
        return row, []

    def _country(self, text: str, data: dict[str, Any], fail: Fail) -> None:
        data["country_id"] = None
        if text:
            iso2 = self.lookups.countries.get(text.lower()) or self.lookups.countries.get(fold(text))
            if iso2 is None:
                fail(
                    "country",
                    _(
                        "“%(value)s” is not a country we know. Use its two- or three-letter ISO code "
                        "or its name in English, French or Spanish."
                    )
                    % {"value": text},
                )
            data["country_id"] = iso2

    def _category(self, text: str, data: dict[str, Any], fail: Fail) -> None:
        data["primary_category_id"] = self.defaults.category
        if not text:
            if not self.defaults.category:
                fail("category", _("The stakeholder category is missing."))
            return
        category = self.lookups.categories.get(fold(text))
        if category is None:
            fail(
                "category",
                _(
                    "“%(value)s” is not a stakeholder category. Use its code (such as civil-society), "
                    "its number from 1 to 19 or its English name."
                )
                % {"value": text},
            )
        elif category in self.lookups.inactive_categories:
            fail("category", _("The category “%(value)s” is no longer in use.") % {"value": text})
        data["primary_category_id"] = category

    def _channel(self, text: str, data: dict[str, Any], fail: Fail) -> None:
        data["identified_channel"] = self.defaults.channel
        if not text:
            if not self.defaults.channel:
                fail("channel", _("The channel through which the partner was identified is missing."))
            return
        channel = self.lookups.channels.get(fold(text))
        if channel is None:
            fail(
                "channel",
                _(
                    "“%(value)s” is not one of the channels. Use a code such as event, urban_forum or "
                    "request, or the channel's name."
                )
                % {"value": text},
            )
        data["identified_channel"] = channel or ""

    def _office(self, text: str, data: dict[str, Any], fail: Fail) -> None:
        data["owning_office_id"] = self.defaults.owning_office
        if not text:
            if not self.defaults.owning_office:
                fail("owning_office", _("The owning office is missing."))
            return
        key = fold(text)
        office = self.lookups.offices.get(key)
        if key not in self.lookups.offices:
            fail("owning_office", _("“%(value)s” is not an office code or acronym.") % {"value": text})
        elif office is None:
            fail(
                "owning_office",
                _("“%(value)s” names more than one office; use the office code.") % {"value": text},
            )
        elif office in self.lookups.inactive_offices:
            fail("owning_office", _("The office “%(value)s” is no longer active.") % {"value": text})
        data["owning_office_id"] = office

    def _contact(self, raw: dict[str, str], data: dict[str, Any], fail: Fail) -> None:
        website = raw.get("website", "")
        if website and "://" not in website:
            website = f"https://{website}"
        if website:
            try:
                _URL(website)
            except ValidationError:
                fail("website", _("“%(value)s” is not a web address.") % {"value": raw["website"]})
            if len(website) > _MAX_LENGTHS["website"]:
                fail(
                    "website",
                    _("The web address is longer than %(max)d characters.")
                    % {"max": _MAX_LENGTHS["website"]},
                )
        data["website"] = website
        email = raw.get("email", "")
        if email:
            try:
                validate_email(email)
            except ValidationError:
                fail("email", _("“%(value)s” is not an e-mail address.") % {"value": email})
            else:
                if len(email) > _MAX_LENGTHS["email"]:
                    fail(
                        "email",
                        _("The e-mail address is longer than %(max)d characters.")
                        % {"max": _MAX_LENGTHS["email"]},
                    )
        data["email"] = email
        phone = raw.get("phone", "")
        data["phone"] = ""
        if phone:
            try:
                data["phone"] = services.normalise_phone(phone, data.get("country_id"))
            except ValidationFailed:
                fail(
                    "phone",
                    _(
                        "“%(value)s” is not a valid phone number. Give it with its country code, "
                        "e.g. +254 20 762 3120."
                    )
                    % {"value": phone},
                )

    def _date(self, text: str, data: dict[str, Any], fail: Fail) -> None:
        data["identified_on"] = None
        if not text:
            return
        day = _parse_date(text)
        if day is None:
            fail(
                "identified_on",
                _("“%(value)s” is not a date. Write it as 2024-03-31 or 31/03/2024.") % {"value": text},
            )
        elif day > self.today:
            fail("identified_on", _("The identification date cannot be in the future."))
        data["identified_on"] = day

    def _ecosoc(self, status_text: str, year_text: str, data: dict[str, Any], fail: Fail) -> None:
        data["ecosoc_status"] = ""
        data["ecosoc_year"] = None
        if status_text and fold(status_text) not in _NO_ECOSOC:
            status = self.ecosoc.get(fold(status_text)) or self.ecosoc.get(fold(status_text).split(" ")[0])
            if status is None:
                fail(
                    "ecosoc_status",
                    _("“%(value)s” is not an ECOSOC status. Use general, special or roster.")
                    % {"value": status_text},
                )
            data["ecosoc_status"] = status or ""
        if not year_text:
            return
        if not re.fullmatch(r"\d{4}", year_text):
            fail("ecosoc_year", _("“%(value)s” is not a year.") % {"value": year_text})
        elif not 1946 <= int(year_text) <= self.today.year:
            fail("ecosoc_year", _("The year must be between 1946 and this year."))
        elif not data["ecosoc_status"] and not (status_text and fold(status_text) not in _NO_ECOSOC):
            fail("ecosoc_year", _("Give the ECOSOC status that was granted in that year."))
        else:
            data["ecosoc_year"] = int(year_text)

    def _alt_names(self, text: str, name: str, fail: Fail) -> list[str]:
        names: list[str] = []
        seen = {name.casefold()}
        for part in text.split(";"):
            alt = _WS.sub(" ", part).strip()
            if alt and alt.casefold() not in seen:
                seen.add(alt.casefold())
                if len(alt) > 300:
                    fail(
                        "alternative_names",
                        _("The alternative name “%(value)s…” is longer than 300 characters.")
                        % {"value": alt[:40]},
                    )
                names.append(alt)
        return names

    def _tags(self, text: str, fail: Fail) -> list[int]:
        tag_ids: list[int] = []
        for part in text.split(";"):
            code = part.strip()
            if not code:
                continue
            found = self.lookups.tags.get(code.lower()) or self.lookups.tags.get(
                code.lower().replace(" ", "-")
            )
            if not found:
                fail("tags", _("“%(value)s” is not a tag code.") % {"value": code})
            elif len(found) > 1:
                choices = _(" or ").join(sorted(f"{self.lookups.tag_kinds[t]}:{code}" for t in found))
                fail(
                    "tags",
                    _("“%(value)s” is the code of more than one tag; write %(choices)s.")
                    % {"value": code, "choices": choices},
                )
            elif found[0] not in tag_ids:
                tag_ids.append(found[0])
        return tag_ids


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        pass
    match = _DATE_DMY.fullmatch(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return dt.date(year, month, day)
        except ValueError:
            return None
    return None


def check_rows(
    table: Table,
    mapping: dict[str, str],
    *,
    defaults: Defaults | None = None,
    progress: Callable[[int], None] | None = None,
) -> tuple[list[Row], list[RowError], str]:
    """Check each row on its own; returns the good rows, every error, and the name column's title."""
    defaults = defaults or Defaults()
    problems = mapping_problems(table.columns, mapping, defaults.as_json())
    if problems:
        raise ValidationFailed({"mapping": problems}, message=problems[0])
    checker = _RowChecker(table.columns, mapping, defaults, Lookups.load())
    items = table.rows
    if len(items) < PARALLEL_MIN_ROWS or not _can_fork():
        rows, errors = _check_some(checker, items, progress)
        return rows, errors, checker.column("name")
    # A long file: a forked child checks the second half (the look-up tables are loaded; no database),
    # and sends its rows back with their profiles as text, cheaper to send and read than the objects.
    half = len(items) // 2
    child = _fork(_check_child, checker, items[half:])
    try:
        # Both halves advance together: report this one's progress for both.
        rows, errors = _check_some(
            checker, items[:half], (lambda done: progress(2 * done)) if progress else None
        )
    except BaseException:
        child.stop()
        raise
    theirs = child.result(lambda: None)
    if theirs is None:  # the child died: check its half here
        more, more_errors = _check_some(checker, items[half:], None)
    else:
        more, more_errors = [Row.from_compact(values) for values in theirs[0]], theirs[1]
    rows.extend(more)
    errors.extend(more_errors)
    return rows, errors, checker.column("name")


def _check_some(
    checker: _RowChecker, items: Sequence[tuple[int, Sequence[str]]], progress: Callable[[int], None] | None
) -> tuple[list[Row], list[RowError]]:
    rows: list[Row] = []
    errors: list[RowError] = []
    for done, (number, cells) in enumerate(items, start=1):
        row, row_errors = checker.check(number, cells)
        if row is not None:
            rows.append(row)
        errors.extend(row_errors)
        if progress and done % _PROGRESS_EVERY == 0:
            progress(done)
    return rows, errors


def _check_child(
    checker: _RowChecker, items: Sequence[tuple[int, Sequence[str]]]
) -> tuple[list[tuple[Any, ...]], list[RowError]]:
    rows, errors = _check_some(checker, items, None)
    return [row.compact() for row in rows], errors


@pauses_collector
def validate(
    table: Table,
    mapping: dict[str, str],
    *,
    defaults: Defaults | None = None,
    on_duplicate: str = "skip",
    progress: Callable[[int, int], None] | None = None,
    defer_scoring: bool = False,
) -> Validation:
    """Check every row and look for duplicates in the file and in the database. Writes nothing.

    With `defer_scoring`, for policy "create" (every good row is written whatever its matches), a long file's
    candidates are scored in a second process while the caller writes the rows (`write` waits for them
    before it records the "not a duplicate" decisions); progress then stops at the end of the row checks.
    """
    if on_duplicate not in POLICIES:
        raise ValueError(on_duplicate)
    total = len(table.rows)
    # Progress: checking rows is the first half of the work, looking for duplicates the second.
    first = (lambda done: progress(done, 2 * total)) if progress else None
    rows, errors, name_column = check_rows(table, mapping, defaults=defaults, progress=first)
    within = _within_file_duplicates(rows)
    if on_duplicate != "create":
        for item in within:
            errors.append(
                RowError(
                    item["row"],
                    name_column,
                    _(
                        "This row names the same organisation as row %(other)d (“%(name)s”). "
                        "Keep one row per organisation, or choose to add duplicates anyway."
                    )
                    % {"other": item["other_row"], "name": item["other_name"]},
                )
            )
    errors.sort(key=lambda e: e.row)
    second = (lambda done, _total: progress(total + done, 2 * total)) if progress else None
    finder = DuplicateFinder(rows)
    pending = None
    if defer_scoring and on_duplicate == "create" and not errors:
        pending = finder.start()
    else:
        finder.annotate(progress=second)
    if progress and pending is None:
        progress(2 * total, 2 * total)
    return Validation(
        total=total,
        rows=rows,
        errors=errors,
        within_file=within,
        policy=on_duplicate,
        stats=finder.stats,
        pending=pending,
    )


def _within_file_duplicates(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Rows naming the same organisation as an earlier row: the same name to the duplicate engine (legal
    forms, accents, word order and the like set aside) or the same registration number, in the same or no
    country."""
    found: list[dict[str, Any]] = []
    seen: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        own = [f"n:{row.name_key}"] if row.name_key else []
        if row.registration:
            own.append(f"r:{row.registration}")
        country = row.data["country_id"]
        earlier = next(
            (
                other
                for key in own
                for other in seen.get(key, ())
                if not country or not other.data["country_id"] or other.data["country_id"] == country
            ),
            None,
        )
        if earlier is not None:
            row.same_as_row = earlier.number
            found.append(
                {"row": row.number, "name": row.name, "other_row": earlier.number, "other_name": earlier.name}
            )
        for key in own:
            seen[key].append(row)
    return found


# --- Duplicates in the database, for many rows at once --------------------------------------------


def _chunks(items: Sequence[Any], size: int = _IN_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class DuplicateFinder:
    """`duplicates.candidates_for` for every row of a file at once: the same blocking keys, the same engine
    score and threshold, and every partner sharing a rare or strong key (same name, acronym, domain,
    registration) is compared, as on the form; but a few queries in all, each partner profiled once, and of
    the partners sharing only common words, the `pool` sharing the most weight are compared rather than
    duplicates.CANDIDATE_POOL (60): on the benchmark's rows, those 60 cost 40% of the comparisons and found
    one match in 14,690.
    """

    def __init__(
        self,
        rows: Sequence[Row],
        *,
        threshold: float = dedupe.CANDIDATE_THRESHOLD,
        pool: int = IMPORT_CANDIDATE_POOL,
    ) -> None:
        self.rows = rows
        self.threshold = threshold
        self.pool = pool
        self.stats: dict[str, float] = {"compared": 0, "scoring_seconds": 0.0}

    def annotate(self, progress: Callable[[int, int], None] | None = None) -> None:
        """Find each row's candidates now (two processes for a long file when a second core is free)."""
        started = time.process_time()
        found, compared, names = self.find(progress)
        self._attach(found, compared, names, time.process_time() - started)

    def find(self, progress: Callable[[int, int], None] | None = None) -> _Found:
        """Each row's candidates (score, partner id, reasons), the comparisons made, the candidates' names."""
        work = self._prepare()
        if work is None:
            return [[] for _row in self.rows], 0, {}
        found, compared = _score_in_parts(work, self.threshold, progress)
        return found, compared, _names(work, found)

    def start(self) -> PendingScores | None:
        """Find the candidates in other processes while the caller goes on (`write`, for policy "create");
        `PendingScores.collect` attaches them. None, and the rows annotated already, for a short file or
        where no second process can be started.

        When the database holds nothing uncommitted by this connection (outside a transaction) and another
        connection can open it, a child reads what the search needs through a connection of its own and
        scores with a second child, so that the reading, too, runs beside the caller's writing; otherwise
        this process reads first and a child scores."""
        if len(self.rows) < PARALLEL_MIN_ROWS or not _can_fork():
            self.annotate()
            return None
        if _child_can_read():
            # Its second child scores half (`_score_in_parts`): a daemonic process may not have children.
            return PendingScores(self, _fork(_find_child, self, daemon=False), fallback=self._find_apart)
        work = self._prepare()
        if work is None:
            return None
        return PendingScores(
            self,
            _fork(_score_child, work, work.records, self.threshold),
            fallback=lambda: self._found_here(work),
        )

    def _find_apart(self) -> _Found:
        """`find` through a connection of its own: what a child would have found, from this process while
        its own connection holds uncommitted rows (the ones being written)."""
        with _own_connection():
            return self.find()

    def _found_here(self, work: _Work) -> _Found:
        found, compared = _score_in_parts(work, self.threshold)
        return found, compared, _names(work, found)

    def _attach(self, found: list[Found], compared: int, names: dict[int, str], seconds: float) -> None:
        self.stats["compared"] = compared
        self.stats["scoring_seconds"] = seconds
        labels: dict[tuple[str, ...], list[str]] = {}  # a few distinct reason sets, translated once each
        for row, row_found in zip(self.rows, found, strict=True):
            row_found.sort(key=lambda item: (-item[0], item[1]))
            matches = []
            for score, pid, codes in row_found[:10]:
                if codes not in labels:
                    labels[codes] = duplicates.reason_labels(codes) or [str(_("similar name"))]
                matches.append(Match(pid, names[pid], score, list(labels[codes])))
            row.matches = matches

    def _prepare(self) -> _Work | None:
        """Each row's plan (the partners to compare it with) and what is needed to compare them."""
        total = Partner.objects.filter(merged_into__isnull=True).count()
        if not self.rows or not total:
            return None
        cap = max(50, min(1000, total // 200))  # as duplicates._blocked_ids
        counts = self._key_counts(sorted(set().union(*(row.keys for row in self.rows))), cap)
        weights = {key: dedupe.key_weight(key, n, total) for key, n in counts.items()}
        # As on the add form (`dedupe.is_sure_key`): an acronym held by hundreds of partners says little
        # on its own; it still ranks them for the pool below.
        strong = {key for key, n in counts.items() if dedupe.is_sure_key(key, n)}
        postings = self._postings(sorted(counts))
        plans: list[list[int]] = []
        for row in self.rows:
            shared: dict[int, float] = {}
            sure: set[int] = set()
            for key in row.keys:
                ids = postings.get(key)
                if not ids:
                    continue
                if key in strong:  # all compared: no need to rank them
                    sure.update(ids)
                    continue
                # shared[pid] += weight for each partner holding the key, looped in C (a key's partners are
                # distinct, so each is read before it is written).
                shared.update(
                    zip(ids, map(add, map(shared.get, ids, repeat(0.0)), repeat(weights[key])), strict=True)
                )
            for pid in sure:
                shared.pop(pid, None)
            ranked = heapq.nlargest(self.pool, shared, key=shared.__getitem__)
            plans.append(sorted(sure) + ranked)
        wanted = sorted(set().union(*plans))
        records, stored = duplicates.records_with_profiles(wanted, chunk_size=_IN_CHUNK)
        return _Work([row.profile for row in self.rows], plans, records, stored)

    @staticmethod
    def _key_counts(keys: Sequence[str], cap: int) -> dict[str, int]:
        """How many partners hold each key, for the keys some partner holds and at most `cap` do. Each count
        stops at `cap` + 1: the tens of thousands of partners holding a common word are not all counted."""
        table = DuplicateKey._meta.db_table
        rows = duplicates.rows_for_each_text(
            f'SELECT e.v, (SELECT COUNT(*) FROM (SELECT 1 FROM {table} d WHERE d."key" = e.v '  # noqa: S608
            f"LIMIT {int(cap) + 1}) AS s) FROM {{each}}",
            keys,
        )
        return {key: int(n) for key, n in rows if 1 <= n <= cap}

    @staticmethod
    def _postings(keys: Sequence[str]) -> dict[str, list[int]]:
        postings: dict[str, list[int]] = defaultdict(list)
        table = DuplicateKey._meta.db_table
        for key, pid in duplicates.rows_for_each_text(
            f'SELECT d."key", d.partner_id FROM {{each}} JOIN {table} d ON d."key" = e.v',  # noqa: S608
            keys,
        ):
            postings[key].append(pid)
        return postings


# Files at least this long are scored in a second process when a second core is there: half of the
# partners each (`_score_in_parts`), or all of them while this process writes (`DuplicateFinder.start`).
PARALLEL_MIN_ROWS = 2_000
Found = list[tuple[float, int, tuple[str, ...]]]


@dataclass
class _Work:
    """What scoring a file needs, read from the database beforehand (a scoring child reads nothing)."""

    probes: list[dedupe.Profile]  # the rows'
    plans: list[list[int]]  # per row, the partner ids to compare it with
    records: list[dedupe.Record]  # those partners
    stored: dict[int, tuple[str, str]]  # their stored profiles (`duplicates.records_with_profiles`)


def _score_part(
    work: _Work,
    threshold: float,
    progress: Callable[[int, int], None] | None = None,
    records: Sequence[dedupe.Record] | None = None,
) -> tuple[list[Found], int]:
    """Score each row against the partners of its plan found in `records` (all by default), each profiled
    once: read back from its stored profile when that is current, else analysed."""
    profiles = {
        p.record.id: p
        for p in duplicates.profiles_of(work.records if records is None else records, work.stored)
    }
    found: list[Found] = []
    compared = 0
    for done, (probe, ids) in enumerate(zip(work.probes, work.plans, strict=True), start=1):
        row_found: Found = []
        for pid in ids:
            other = profiles.get(pid)
            if other is not None:
                compared += 1
                # Most pairs fall well short of the threshold; `score_at_least` sees that cheaply.
                match = dedupe.score_at_least(probe, other, threshold)
                if match is not None:
                    row_found.append((match.score, pid, match.reasons))
        found.append(row_found)
        if progress and done % _PROGRESS_EVERY == 0:
            progress(done, len(work.probes))
    return found, compared


_Found = tuple[list[Found], int, dict[int, str]]


def _names(work: _Work, found: list[Found]) -> dict[int, str]:
    """The names of the partners found (what a row's matches show)."""
    wanted = {pid for row_found in found for _score, pid, _codes in row_found}
    return {record.id: record.name for record in work.records if record.id in wanted}


class _Child:
    """A forked process computing something for this one; `result` waits for its answer."""

    def __init__(self, process: Any, receiver: Any) -> None:
        self.process, self.receiver = process, receiver

    def result(self, fallback: Callable[[], Any]) -> Any:
        """The child's answer; if it died without one, `fallback()` computed here."""
        try:
            return self.receiver.recv()
        except EOFError:
            logger.warning(
                "Import duplicate search child %s exited with %s; doing its part here",
                self.process.pid,
                self.process.exitcode,
            )
            return fallback()
        finally:
            self.receiver.close()
            self.process.join()

    def stop(self) -> None:
        self.receiver.close()
        if self.process.is_alive():
            self.process.terminate()
        self.process.join()


def _fork(target: Callable[..., Any], *args: Any, daemon: bool = True) -> _Child:
    """Start `target(*args)` in a forked child and hand back what it returns (sent through a pipe)."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child_main, args=(sender, target, args), daemon=daemon)
    process.start()
    sender.close()
    return _Child(process, receiver)


def _child_main(sender: Any, target: Callable[..., Any], args: tuple[Any, ...]) -> None:
    with collector_paused():
        sender.send(target(*args))
    sender.close()


def _score_child(work: _Work, records: Sequence[dedupe.Record], threshold: float) -> _Found:
    """In a child: score the rows against `records` (some or all of the candidates)."""
    found, compared = _score_part(work, threshold, records=records)
    return found, compared, _names(work, found)


def _child_can_read() -> bool:
    """Can another connection read what this connection reads? Not inside a transaction (its uncommitted
    rows would be invisible there; tests run in one), nor in SQLite's memory."""
    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())  # type: ignore[attr-defined]


@contextmanager
def _own_connection() -> Iterator[None]:
    """Run the block with a new connection to the default database, then put the previous one back.

    In a forked child the previous one is the parent's session: it is never used or closed there (closing
    it would end the parent's session on PostgreSQL, or release its locks on SQLite); the child leaves
    without clean-up (`os._exit`)."""
    from django.db import connections

    previous = connections[DEFAULT_DB_ALIAS]
    fresh = connections.create_connection(DEFAULT_DB_ALIAS)
    connections[DEFAULT_DB_ALIAS] = fresh
    try:
        yield
    finally:
        fresh.close()
        connections[DEFAULT_DB_ALIAS] = previous


def _find_child(finder: DuplicateFinder) -> _Found:
    """In a child: the whole duplicate search, through a database connection of its own."""
    with _own_connection():
        return finder.find()


def _score_in_parts(
    work: _Work, threshold: float, progress: Callable[[int, int], None] | None = None
) -> tuple[list[Found], int]:
    """`_score_part` over all partners, split in two by partner when the file is long and a second core is
    free to take half: a forked child profiles and scores every other partner (pure Python, no database)
    while this process does the rest; each row's matches are the union, so the result is the same."""
    if len(work.probes) < PARALLEL_MIN_ROWS or not _can_fork():
        return _score_part(work, threshold, progress)
    theirs_records = work.records[1::2]
    child = _fork(_score_child, work, theirs_records, threshold)
    try:
        found, compared = _score_part(work, threshold, progress, records=work.records[0::2])
    except BaseException:
        child.stop()
        raise
    # If the child died, its half is scored here (names are not needed: `work` has them all).
    theirs, their_count, _names_found = child.result(
        lambda: (*_score_part(work, threshold, records=theirs_records), {})
    )
    for mine, other in zip(found, theirs, strict=True):
        mine.extend(other)
    return found, compared + their_count


class PendingScores:
    """A duplicate search running in other processes (`DuplicateFinder.start`)."""

    def __init__(self, finder: DuplicateFinder, child: _Child, *, fallback: Callable[[], _Found]) -> None:
        self.finder, self.child, self.fallback = finder, child, fallback
        self.started = time.perf_counter()

    def collect(self) -> None:
        """Wait for the search and attach each row's matches."""
        found, compared, names = self.child.result(self.fallback)
        # The children's CPU time is not this process's: report the time from the start to the answer.
        self.finder._attach(found, compared, names, time.perf_counter() - self.started)

    def abandon(self) -> None:
        self.child.stop()


def _can_fork() -> bool:
    # Forking a process that runs other threads can deadlock them; fork does not exist everywhere.
    return (
        (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


# --- Writing --------------------------------------------------------------------------------------


# Bind parameters per statement: under SQLite's limit (32,766) and PostgreSQL's (65,535).
_MAX_PARAMS = 30_000


def _insert(model: type[models.Model], columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERTs for link, key and history tables, where `bulk_create`'s per-object cost
    dominates; many rows per statement, since one statement per row costs a round trip each on PostgreSQL."""
    if not values:
        return
    if connection.vendor == "postgresql":
        _copy_rows(model, columns, values, returning=False)
        return
    quote = connection.ops.quote_name
    head = f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) VALUES "  # noqa: S608 - quoted names
    one = f"({', '.join(['%s'] * len(columns))})"
    size = max(1, min(1_000, _MAX_PARAMS // len(columns)))
    with connection.cursor() as cursor:
        for chunk in _chunks(values, size):
            cursor.execute(head + ", ".join([one] * len(chunk)), [value for row in chunk for value in row])


def _copy_rows(
    model: type[models.Model], columns: Sequence[str], values: Sequence[Sequence[Any]], *, returning: bool
) -> list[int]:
    """PostgreSQL: COPY … FROM STDIN, the server's bulk load, with new ids taken from the table's sequence
    beforehand when they are wanted (in the order of the rows). An INSERT of the same rows made the driver
    render every value into the statement's text, which cost more than the server's work."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            pk = str(model._meta.pk.column)
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [model._meta.db_table, pk, len(values)],
            )
            ids = sorted(int(n) for (n,) in cursor.fetchall())
            columns = [pk, *columns]
            values = [(pid, *row) for pid, row in zip(ids, values, strict=True)]
        sql = f"COPY {table} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
        # As Django's own statements: the driver's errors raised as django.db's (IntegrityError, …).
        with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
            for row in values:
                copy.write_row(row)
    return ids


_AS_IS = frozenset(
    {
        "CharField",
        "TextField",
        "SlugField",
        "EmailField",
        "URLField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "BigIntegerField",
        "BooleanField",
    }
)


def _db_value(field: models.Field[Any, Any]) -> Callable[[Any], Any] | None:
    """How a field's Python value goes to the database: None where it goes as it is (text, numbers and
    keys: what `get_db_prep_save` does for them, without its per-value cost), else the backend's adapter."""
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return None
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, connection)


_UNSEEN = object()


def _row_values(
    columns: Sequence[tuple[str, Callable[[Any], Any] | None, Any]], rows: Sequence[dict[str, Any]]
) -> list[list[Any]]:
    """Each row's values in the order of `columns` (attname, adapter or None, default where the row has
    no value), adapted for the database; each distinct value of an adapted column (an import's dates and
    times are few) is adapted once."""
    defaults = {attname: default for attname, _adapt, default in columns}
    pick = operator.itemgetter(*defaults)
    adapted: list[tuple[int, Callable[[Any], Any], dict[Any, Any]]] = [
        (i, adapt, {}) for i, (_attname, adapt, _default) in enumerate(columns) if adapt is not None
    ]
    out: list[list[Any]] = []
    for row in rows:
        values = list(pick({**defaults, **row}))
        for i, adapt, seen in adapted:
            value = values[i]
            done = seen.get(value, _UNSEEN)
            if done is _UNSEEN:
                done = seen[value] = adapt(value)
            values[i] = done
        out.append(values)
    return out


def _insert_returning_ids(
    model: type[models.Model], rows: Sequence[dict[str, Any]], *, batch_size: int = 400
) -> list[int]:
    """`bulk_create` for many new rows of one model, from plain values (attname → value, the field's default
    where absent) instead of model instances, whose construction was most of an import's write time:
    multi-row INSERT … RETURNING id. Returns the new ids in order."""
    if not rows:
        return []
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    if not connection.features.can_return_rows_from_bulk_insert:  # pragma: no cover - SQLite, PostgreSQL can
        objs = model._default_manager.bulk_create([model(**row) for row in rows], batch_size=batch_size)
        return [int(obj.pk) for obj in objs]
    values = _row_values([(f.attname, _db_value(f), f.get_default()) for f in fields], rows)
    if connection.vendor == "postgresql":
        return _copy_rows(model, [str(f.column) for f in fields], values, returning=True)
    quote = connection.ops.quote_name
    table, names = quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 - quoted names, values as parameters
    one = f"({', '.join(['%s'] * len(fields))})"
    tail = f" RETURNING {quote(str(model._meta.pk.column))}"
    ids: list[int] = []
    with connection.cursor() as cursor:
        for chunk in _chunks(values, batch_size):
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, [v for row in chunk for v in row])
            ids.extend(int(pk) for (pk,) in cursor.fetchall())
    return ids


def _partner_row(row: Row, *, user_id: int | None, now: dt.datetime, today: dt.date) -> dict[str, Any]:
    """The values `partner_create` would save for a checked row (its checks are the row checker's)."""
    values = dict(row.data)
    values["status"] = PartnerStatus.PROSPECT
    values["identified_on"] = values.get("identified_on") or today
    values["identified_by_id"] = user_id
    # What `services.partner_refresh_index` stores (contacts come later, and refresh the index themselves).
    values["name_key"] = name_key(values["name"])[:300]
    values["search_text"] = search_terms([values["name"], values["acronym"], *row.alt_names])
    values.update(version=1, created_at=now, updated_at=now)
    return values


@pauses_collector
@transaction.atomic
def write(
    validation: Validation, *, user: Any = None, job: ImportJob | None = None, source: str = ""
) -> dict[str, int]:
    """Write a checked file in one transaction: every row, or nothing. Returns what was done, counted.

    New partners, their names, tags, duplicate keys, field history and "not a duplicate" decisions go in with a
    few multi-row INSERTs per kind, whatever the number of rows (see docs/registry.md, "Import")."""
    if not validation.ok:
        raise ValidationFailed(
            {"rows": [e.message for e in validation.errors[:20]]},
            message=_("The file has errors; nothing was written."),
        )
    try:
        return _write(validation, user=user, job=job, source=source)
    except BaseException:
        validation.abandon()
        raise


def _write(validation: Validation, *, user: Any, job: ImportJob | None, source: str) -> dict[str, int]:
    policy = validation.policy
    if policy != "create":
        validation.finish()  # which rows are written depends on their matches
    with _references_checked_per_statement(policy == "create"):
        return _write_rows(validation, user=user, job=job, source=source)


@contextmanager
def _references_checked_per_statement(wanted: bool) -> Iterator[None]:
    """PostgreSQL: within the block, foreign keys are checked as each statement ends rather than all at
    commit (Django declares them deferred), so that they run while the duplicate search still runs beside
    the write, not alone after it. A bad reference fails the write the same way, and nothing is written.
    Afterwards the rest of the transaction (an import job's, which marks the job done) defers them again, as
    Django's constraints are declared (the project declares no other deferrable constraint)."""
    if not wanted or connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def _write_rows(validation: Validation, *, user: Any, job: ImportJob | None, source: str) -> dict[str, int]:
    policy = validation.policy
    user_id = getattr(user, "pk", None)
    now = timezone.now()
    today = timezone.localdate()
    to_create = [r for r in validation.rows if not r.matches or policy == "create"]
    to_update = [r for r in validation.rows if r.matches and policy == "update"]
    skipped = sum(1 for r in validation.rows if r.matches and policy == "skip")

    partner_rows = [_partner_row(row, user_id=user_id, now=now, today=today) for row in to_create]
    partner_ids = _insert_returning_ids(Partner, partner_rows)
    pairs = list(zip(to_create, partner_ids, strict=True))
    name_rows = [_name_row(pid, alt, now) for row, pid in pairs for alt in row.alt_names]
    name_ids = _insert_returning_ids(PartnerName, name_rows, batch_size=1000)
    _insert(
        Partner.tags.through, ("partner_id", "tag_id"), [(pid, t) for row, pid in pairs for t in row.tag_ids]
    )
    # The keys and analysed profile `services.partner_refresh_index` would store: the engine's, from the same
    # values.
    # In key order: the (key, partner) index then grows page by page rather than at 200,000 random places
    # (a third less time on the benchmark); the new partners' ids ascend within each key.
    _insert(
        DuplicateKey,
        ("partner_id", "key"),
        sorted([(pid, k) for row, pid in pairs for k in row.keys], key=operator.itemgetter(1)),
    )
    _insert(
        DuplicateProfile,
        ("partner_id", "fingerprint", "data"),
        [(pid, *row.stored_profile()) for row, pid in pairs],
    )
    _write_history(
        [
            *((Partner, pid, values) for pid, values in zip(partner_ids, partner_rows, strict=True)),
            *((PartnerName, nid, values) for nid, values in zip(name_ids, name_rows, strict=True)),
        ],
        now,
    )

    remembered = 0
    if policy == "create":
        validation.finish()  # the matches, scored meanwhile in a second process
        remembered = _remember_not_duplicates(pairs, user_id, job, source)
    updated = _fill_empty_fields(to_update, job=job, source=source, now=now)
    counts = {
        "created": len(partner_ids),
        "updated": updated,
        "unchanged": len(to_update) - updated,
        "skipped": skipped,
        "not_duplicate": remembered,
    }
    audit(
        "registry.partner.import",
        target=job,
        after={
            "file": job.original_name if job else source,
            "rows": validation.total,
            "policy": policy,
            **counts,
            "first_id": partner_ids[0] if partner_ids else None,
            "last_id": partner_ids[-1] if partner_ids else None,
        },
        note=source,
    )
    return counts


def _name_row(partner_id: int, name: str, now: dt.datetime) -> dict[str, Any]:
    return {
        "partner_id": partner_id,
        "name": name,
        "language": "",
        "kind": NameKind.ALTERNATIVE,
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


@dataclass(frozen=True)
class _Tracking:
    """What `TrackedModel` keeps history of for a model: attnames in its order, masked ones, defaults."""

    attnames: tuple[str, ...]
    masked: frozenset[str]
    defaults: dict[str, Any]
    pick: Callable[[dict[str, Any]], tuple[Any, ...]]  # the values of `attnames`, in order, from a dict

    @classmethod
    def of(cls, model: type[models.Model]) -> _Tracking:
        found = _TRACKING.get(model)
        if found is None:
            attnames: tuple[str, ...] = model()._tracked_attnames()  # type: ignore[attr-defined]
            masked: set[str] = getattr(model, "history_masked", set())
            defaults = {
                f.attname: f.get_default() for f in model._meta.concrete_fields if f.attname in attnames
            }
            found = cls(
                attnames,
                frozenset(a for a in attnames if a in masked or a.removesuffix("_id") in masked),
                defaults,
                operator.itemgetter(*attnames),
            )
            _TRACKING[model] = found
        return found


_TRACKING: dict[type[models.Model], _Tracking] = {}


def _write_history(
    entries: Sequence[tuple[type[models.Model], int, dict[str, Any]]], at: dt.datetime
) -> None:
    """The "created" history rows `TrackedModel.save` writes (every tracked field: [None, value], masked
    ones as •••; the current actor, the time), for records inserted in bulk from these values."""
    _insert_history(
        [
            (model, pk, HistoryAction.CREATE.value, _created_changes(model, values))
            for model, pk, values in entries
        ],
        at,
    )


def _created_changes(model: type[models.Model], values: dict[str, Any]) -> dict[str, list[Any]]:
    tracking = _Tracking.of(model)
    plain = _PLAIN_JSON  # most values are already str, int, bool or None
    changes = {
        attname: [None, value if type(value) in plain else to_jsonable(value)]
        for attname, value in zip(
            tracking.attnames, tracking.pick({**tracking.defaults, **values}), strict=True
        )
    }
    for attname in tracking.masked:
        change = changes[attname]
        change[1] = "•••" if change[1] else None
    return changes


_PLAIN_JSON = frozenset({str, int, bool, float, type(None)})


def _insert_history(
    entries: Sequence[tuple[type[models.Model], Any, str, dict[str, Any]]], at: dt.datetime
) -> None:
    actor = current_actor()
    when = connection.ops.adapt_datetimefield_value(at)
    content_types: dict[type, int] = {}
    values = []
    for model, pk, action, changes in entries:
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
        values.append(
            (
                content_types[model],
                str(pk),
                action,
                # The JSON text `RecordHistory.changes` stores (Django's JSONField: `json.dumps`, no encoder).
                json.dumps(changes),
                actor.user_id,
                actor.label,
                when,
            )
        )
    columns = ("content_type_id", "object_id", "action", "changes", "actor_id", "actor_label", "at")
    _insert(RecordHistory, columns, values)


def _remember_not_duplicates(
    pairs: list[tuple[Row, int]], user_id: int | None, job: ImportJob | None, source: str
) -> int:
    by_row = {row.number: pid for row, pid in pairs}
    decided: set[tuple[int, int]] = set()
    for row, pid in pairs:
        others = [m.partner_id for m in row.matches]
        if row.same_as_row in by_row:
            others.append(by_row[row.same_as_row])
        decided.update((min(pid, o), max(pid, o)) for o in others if o != pid)
    reason = _("Added as a different organisation by import %(job)s.") % {
        "job": f"#{job.pk}" if job else source
    }
    # New partners' pairs cannot exist yet, so a plain INSERT is enough.
    when = connection.ops.adapt_datetimefield_value(timezone.now())
    _insert(
        NotDuplicate,
        ("partner_a_id", "partner_b_id", "decided_by_id", "decided_at", "reason"),
        [(a, b, user_id, when, reason[:300]) for a, b in sorted(decided)],
    )
    return len(decided)


_FILLABLE = (
    "acronym",
    "country_id",
    "website",
    "email",
    "phone",
    "registration_number",
    "legal_status",
    "address",
    "description",
    "expertise",
    "identified_on",
    "identification_detail",
    "ecosoc_status",
    "ecosoc_year",
)
_INDEXED = frozenset({"acronym", "website", "email", "registration_number"})
# Foreign keys `full_clean` would look up one by one; stored ones are kept valid by the database, and filled
# ones are looked up for all rows at once (`_check_filled_keys`).
_PARTNER_FKS = tuple(f.name for f in Partner._meta.concrete_fields if f.is_relation)


@dataclass
class _Updates:
    """What policy "update" writes, gathered row by row and written at the end in a few statements."""

    now: dt.datetime
    changed: dict[int, Partner] = field(default_factory=dict)
    reindex: dict[int, Partner] = field(default_factory=dict)
    history: list[tuple[type[models.Model], Any, str, dict[str, Any]]] = field(default_factory=list)
    name_rows: list[dict[str, Any]] = field(default_factory=list)
    tag_links: list[tuple[int, int]] = field(default_factory=list)
    entries: list[AuditLog] = field(default_factory=list)
    filled_keys: list[tuple[Row, Partner, str, Any]] = field(default_factory=list)

    def save(self) -> None:
        _check_filled_keys(self.filled_keys)
        if self.changed:
            fields = {f for _model, _pk, _action, changes in self.history for f in changes}
            for partner in self.changed.values():
                partner.updated_at = self.now
            Partner.objects.bulk_update(
                list(self.changed.values()),
                sorted({f.removesuffix("_id") for f in fields} | {"version", "updated_at"}),
                batch_size=500,
            )
        name_ids = _insert_returning_ids(PartnerName, self.name_rows, batch_size=1000)
        self.history.extend(
            (PartnerName, nid, HistoryAction.CREATE.value, _created_changes(PartnerName, values))
            for nid, values in zip(name_ids, self.name_rows, strict=True)
        )
        _insert(Partner.tags.through, ("partner_id", "tag_id"), self.tag_links)
        _insert_history(self.history, self.now)
        if self.reindex:
            services.partner_refresh_index_bulk(list(self.reindex.values()))
        AuditLog.objects.bulk_create(self.entries, batch_size=500)


def _fill_empty_fields(rows: Sequence[Row], *, job: ImportJob | None, source: str, now: dt.datetime) -> int:
    """Policy "update": each row's values go into its best match's empty fields, and its names and tags are
    added; returns how many rows changed something.

    Row by row, in file order, as one `partner_update` after another would (a later row sees what an earlier
    one filled in), with the same checks, field history and audit entry per row; but the partners, their
    names and tags are read in a few queries, and the changes written in a few."""
    if not rows:
        return 0
    target_ids = sorted({row.matches[0].partner_id for row in rows})
    partners: dict[int, Partner] = {}
    known_names: dict[int, set[str]] = defaultdict(set)
    known_tags: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(target_ids):
        locked = Partner.objects.select_for_update().in_bulk(list(chunk))
        partners.update(locked)
        for pid, partner in locked.items():
            known_names[pid].add(partner.name.casefold())
        for pid, alt in PartnerName.objects.filter(partner_id__in=chunk).values_list("partner_id", "name"):
            known_names[pid].add(alt.casefold())
        for pid, tag_id in Partner.tags.through.objects.filter(partner_id__in=chunk).values_list(
            "partner_id", "tag_id"
        ):
            known_tags[pid].add(tag_id)
    updates = _Updates(now=now)
    updated = 0
    for row in rows:
        partner = partners[row.matches[0].partner_id]
        before, after = _fill_row(row, partner, updates)
        new_names = [n for n in row.alt_names if n.casefold() not in known_names[partner.pk]]
        for alt in new_names:
            known_names[partner.pk].add(alt.casefold())
            updates.name_rows.append(_name_row(partner.pk, alt, now))
        if new_names:
            after["alternative_names"] = new_names
        new_tags = [t for t in row.tag_ids if t not in known_tags[partner.pk]]
        if new_tags:
            known_tags[partner.pk].update(new_tags)
            updates.tag_links.extend((partner.pk, t) for t in new_tags)
            after["tags"] = new_tags
        if not after:
            continue
        updated += 1
        if new_names or _INDEXED & after.keys():
            updates.reindex[partner.pk] = partner
        note = _("Filled in from import %(job)s, row %(row)d.") % {
            "job": f"#{job.pk}" if job else source,
            "row": row.number,
        }
        updates.entries.append(_audit_entry("registry.partner.update", partner, before, after, note))
    updates.save()
    return updated


def _fill_row(row: Row, partner: Partner, updates: _Updates) -> tuple[dict[str, Any], dict[str, Any]]:
    """Fill the partner's empty fields from the row (as a save would: checked, versioned, with history)."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attname in _FILLABLE:
        new = row.data.get(attname)
        if new in (None, "") or getattr(partner, attname) not in (None, ""):
            continue
        before[attname], after[attname] = getattr(partner, attname), new
        setattr(partner, attname, new)
    if after:
        _check_filled(row, partner)
        updates.filled_keys.extend(
            (row, partner, attname, after[attname]) for attname in after if attname.endswith("_id")
        )
        partner.version += 1
        updates.changed[partner.pk] = partner
        updates.history.append(
            (
                Partner,
                partner.pk,
                HistoryAction.UPDATE.value,
                {k: [to_jsonable(before[k]), to_jsonable(after[k])] for k in after},
            )
        )
    return before, after


def _refuse_update(row: Row, partner: Partner, exc: ValidationError) -> ValidationFailed:
    return ValidationFailed(
        {
            "rows": [
                _("Row %(row)d cannot update “%(name)s”: %(reason)s")
                % {"row": row.number, "name": partner.name, "reason": " ".join(exc.messages)}
            ]
        }
    )


def _check_filled(row: Row, partner: Partner) -> None:
    """`full_clean` of the partner after filling (without uniqueness and constraints, as before), less the
    foreign-key lookups, which `_check_filled_keys` makes for all rows at once."""
    try:
        partner.full_clean(
            exclude=["search_text", "name_key", *_PARTNER_FKS],
            validate_unique=False,
            validate_constraints=False,
        )
    except ValidationError as exc:
        raise _refuse_update(row, partner, exc) from None


def _check_filled_keys(filled: Sequence[tuple[Row, Partner, str, Any]]) -> None:
    """The foreign-key part of `full_clean` for filled fields: one query per related model."""
    wanted: dict[str, set[Any]] = defaultdict(set)
    for _row, _partner, attname, value in filled:
        wanted[attname].add(value)
    for attname, values in wanted.items():
        model_field = next(f for f in Partner._meta.concrete_fields if f.attname == attname)
        assert isinstance(model_field, models.ForeignKey)
        related = model_field.remote_field.model
        target = model_field.target_field.attname
        found = set(related._base_manager.filter(**{f"{target}__in": values}).values_list(target, flat=True))
        for row, partner, name, value in filled:
            if name == attname and value not in found:
                try:
                    model_field.validate(value, partner)  # the message `full_clean` gives
                except ValidationError as exc:
                    raise _refuse_update(row, partner, exc) from None


def _audit_entry(
    action: str, target: Partner, before: dict[str, Any], after: dict[str, Any], note: str
) -> AuditLog:
    """The entry `core.audit.audit` appends, built so that all of an import's go in with one INSERT."""
    actor = current_actor()
    return AuditLog(
        actor_id=actor.user_id,
        actor_label=actor.label,
        ip=actor.ip,
        action=action,
        target_type=ContentType.objects.get_for_model(Partner, for_concrete_model=False),
        target_id=str(target.pk),
        target_label=str(target)[:300],
        before=to_jsonable(before),
        after=to_jsonable(after),
        note=note,
    )


# --- Import jobs: upload, map, check, confirm, import ---------------------------------------------


def _require(actor: Any) -> None:
    if not can_import_partners(actor):
        raise NotAllowed(
            _("Only the Partnerships and Local Government Unit and administrators can import partners.")
        )


def job_create(*, actor: Any, content: bytes, filename: str) -> ImportJob:
    """Keep an uploaded file and propose a column mapping from its first row; the rows are read later."""
    _require(actor)
    head = read_table(content, limit=5)
    examples = {
        column: [cells[i] for _n, cells in head.rows if cells[i]][:3] for i, column in enumerate(head.columns)
    }
    job = ImportJob(
        created_by=actor,
        original_name=(filename or "upload")[:255],
        file_format=head.file_format,
        encoding=head.encoding,
        delimiter=head.delimiter,
        columns=head.columns,
        mapping=propose_mapping(head.columns),
        status=ImportStatus.UPLOADED,
        summary={"language": translation.get_language() or "en", "examples": examples},
    )
    job.file.save(f"{uuid.uuid4().hex}.{head.file_format}", ContentFile(content), save=False)
    with transaction.atomic():
        job.save()
        audit(
            "registry.import.upload", target=job, after={"file": job.original_name, "format": job.file_format}
        )
    return job


@transaction.atomic
def job_set_mapping(
    *, actor: Any, job: ImportJob, mapping: dict[str, str], defaults: Defaults, on_duplicate: str
) -> ImportJob:
    """Record what each column means and the duplicate policy, then check every row in the background."""
    _require(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status in (ImportStatus.IMPORTING, ImportStatus.DONE):
        raise IllegalTransition(_("This import has started; its columns can no longer be changed."))
    mapping = {column: key for column, key in mapping.items() if key}
    problems = mapping_problems(job.columns, mapping, defaults.as_json())
    if on_duplicate not in POLICIES:
        problems.append(_("Choose what to do with rows that match existing partners."))
    if problems:
        raise ValidationFailed({"mapping": problems}, message=problems[0])
    job.mapping, job.on_duplicate = mapping, on_duplicate
    job.summary = {
        "language": translation.get_language() or "en",
        "examples": job.summary.get("examples", {}),
        "defaults": defaults.as_json(),
    }
    job.errors, job.duplicates = [], []
    job.processed_rows = 0
    job.status = ImportStatus.VALIDATING
    job.task_id = f"validate:{uuid.uuid4().hex}"
    job.finished_at = None
    job.save()
    audit(
        "registry.import.check",
        target=job,
        after={"mapping": mapping, "on_duplicate": on_duplicate, "defaults": defaults.as_json()},
    )
    _enqueue_on_commit("validate", job.pk, job.task_id)
    return job


@transaction.atomic
def job_confirm(*, actor: Any, job: ImportJob) -> ImportJob:
    """Start writing a checked file in the background; only a file without errors can be imported."""
    _require(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.VALID:
        raise IllegalTransition(_("Only a checked file without errors can be imported."))
    job.status = ImportStatus.IMPORTING
    job.processed_rows = 0
    job.task_id = f"import:{uuid.uuid4().hex}"
    job.save()
    audit(
        "registry.import.confirm",
        target=job,
        after={"rows": job.total_rows, "on_duplicate": job.on_duplicate},
    )
    _enqueue_on_commit("import", job.pk, job.task_id)
    return job


@transaction.atomic
def job_retry(*, actor: Any, job: ImportJob) -> ImportJob:
    """Run a failed job's step again. The failed attempt wrote nothing, so nothing can be written twice."""
    _require(actor)
    job = ImportJob.objects.select_for_update().get(pk=job.pk)
    if job.status != ImportStatus.FAILED:
        raise IllegalTransition(_("Only a failed import can be tried again."))
    step = "import" if job.summary.get("failed_step") == "import" else "validate"
    job.status = ImportStatus.IMPORTING if step == "import" else ImportStatus.VALIDATING
    job.processed_rows = 0
    job.task_id = f"{step}:{uuid.uuid4().hex}"
    job.finished_at = None
    job.save()
    audit("registry.import.retry", target=job, after={"step": step})
    _enqueue_on_commit(step, job.pk, job.task_id)
    return job


def _enqueue_on_commit(step: str, job_id: int, token: str) -> None:
    from partnerhub.registry import tasks_import

    task = tasks_import.validate_import if step == "validate" else tasks_import.run_import
    transaction.on_commit(lambda: task.enqueue(job_id, token))


def _progress(job_id: int, token: str, total_rows: int) -> Callable[[int, int], None]:
    def update(done: int, total: int) -> None:
        processed = round(total_rows * done / total) if total else total_rows
        ImportJob.objects.filter(pk=job_id, task_id=token).update(processed_rows=processed)

    return update


def _issues(validation: Validation) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    validation.finish()
    errors = [e.as_dict() for e in validation.errors[:MAX_STORED_ISSUES]]
    duplicates = [
        {
            "row": row.number,
            "row_name": row.name,
            "partner_id": m.partner_id,
            "name": m.name,
            "score": m.score,
            "reasons": m.reasons,
        }
        for row in validation.duplicate_rows[:MAX_STORED_ISSUES]
        for m in row.matches[:3]
    ]
    return errors, duplicates


def _results(job: ImportJob, validation: Validation) -> dict[str, Any]:
    sample = [
        {
            "row": r.number,
            "name": r.name,
            "acronym": r.data["acronym"],
            "country": r.data["country_id"] or "",
            "category": r.data["primary_category_id"],
            "channel": r.data["identified_channel"],
            "office": r.data["owning_office_id"],
        }
        for r in validation.rows[:20]
    ]
    return {
        **job.summary,
        **validation.counts(),
        "within": validation.within_file[:MAX_STORED_ISSUES],
        "sample": sample,
    }


def _job_table(job: ImportJob) -> Table:
    with job.file.open("rb") as handle:
        return read_table(handle.read())


def _check(job: ImportJob, token: str, *, then_write: bool = False) -> Validation:
    table = _job_table(job)
    ImportJob.objects.filter(pk=job.pk, task_id=token).update(total_rows=len(table.rows))
    return validate(
        table,
        job.mapping,
        defaults=Defaults.from_json(job.summary.get("defaults")),
        on_duplicate=job.on_duplicate,
        progress=_progress(job.pk, token, len(table.rows)),
        defer_scoring=then_write,
    )


def _refuse_file(job: ImportJob, token: str, exc: DomainError) -> str:
    ImportJob.objects.filter(pk=job.pk, task_id=token).update(
        status=ImportStatus.INVALID, errors=[{"row": 0, "column": "", "message": exc.message}]
    )
    return ImportStatus.INVALID


def _mark_failed(job_id: int, token: str, step: str) -> None:
    logger.exception(
        "Import job %s failed while %s", job_id, "checking" if step == "validate" else "importing"
    )
    job = ImportJob.objects.filter(pk=job_id, task_id=token).first()
    if job is not None:
        ImportJob.objects.filter(pk=job_id, task_id=token).update(
            status=ImportStatus.FAILED,
            finished_at=timezone.now(),
            summary={**job.summary, "failed_step": step},
        )


def job_validate(job_id: int, token: str) -> str:
    """Background step 1: check every row of a mapped job. Running it again for its token does nothing."""
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.VALIDATING or job.task_id != token:
        return "nothing to do"
    with translation.override(job.summary.get("language") or "en"):
        try:
            result = _check(job, token)
        except (ImportFileError, ValidationFailed) as exc:
            return _refuse_file(job, token, exc)
        except Exception:
            _mark_failed(job.pk, token, "validate")
            raise
        errors, duplicates = _issues(result)
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.VALIDATING or locked.task_id != token:
                return "superseded"
            locked.errors, locked.duplicates, locked.summary = errors, duplicates, _results(locked, result)
            locked.total_rows = locked.processed_rows = result.total
            locked.status = ImportStatus.VALID if result.ok else ImportStatus.INVALID
            locked.save()
            return str(locked.status)


def job_run_import(job_id: int, token: str) -> str:
    """Background step 2: check the rows again (the database may have changed) and write them all or none.

    The job is marked done in the transaction that writes the rows, so running this again, or after a crash,
    never writes a row twice.
    """
    job = ImportJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None or job.status != ImportStatus.IMPORTING or job.task_id != token:
        return "nothing to do"
    with translation.override(job.summary.get("language") or "en"):
        try:
            # One pause of the garbage collector for the checks and the write (each pauses it on its own
            # too): its pass over the rows' objects, a fifth of a second for 20,000 rows, then runs once,
            # after the commit, rather than also between the checks and the write.
            with collector_paused():
                return _check_and_write(job, token)
        except (ImportFileError, ValidationFailed) as exc:
            return _refuse_file(job, token, exc)
        except Exception:
            _mark_failed(job.pk, token, "import")
            raise


def _check_and_write(job: ImportJob, token: str) -> str:
    result: Validation | None = None
    try:
        result = _check(job, token, then_write=True)
        if not result.ok:
            errors, duplicates = _issues(result)
            ImportJob.objects.filter(pk=job.pk, task_id=token, status=ImportStatus.IMPORTING).update(
                status=ImportStatus.INVALID,
                errors=errors,
                duplicates=duplicates,
                summary={**_results(job, result), "changed_since_check": True},
            )
            return ImportStatus.INVALID
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.status != ImportStatus.IMPORTING or locked.task_id != token:
                return "superseded"
            counts = write(result, user=job.created_by, job=locked)
            locked.errors, locked.duplicates = _issues(result)
            locked.summary = {**_results(locked, result), "result": counts}
            locked.status = ImportStatus.DONE
            locked.processed_rows = locked.total_rows = result.total
            locked.finished_at = timezone.now()
            locked.save()
    finally:
        if result is not None:
            result.abandon()  # nothing, unless the scores were not needed after all
    return ImportStatus.DONE


# --- A whole file in this process: the command line and the benchmark ------------------------------


@pauses_collector  # once for the checks and the write (see `job_run_import`)
def run_file(
    data: bytes,
    *,
    mapping: dict[str, str] | None = None,
    defaults: Defaults | None = None,
    on_duplicate: str = "skip",
    dry_run: bool = False,
    user: Any = None,
    source: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> tuple[Table, dict[str, str], Validation, dict[str, int] | None]:
    """Read, map (the proposal, overridden by `mapping`), check and, unless `dry_run` or a bad row, write."""
    table = read_table(data)
    mapping = {
        column: key for column, key in {**propose_mapping(table.columns), **(mapping or {})}.items() if key
    }
    result = validate(
        table,
        mapping,
        defaults=defaults,
        on_duplicate=on_duplicate,
        progress=progress,
        defer_scoring=not dry_run,
    )
    if dry_run or not result.ok:
        return table, mapping, result, None
    return table, mapping, result, write(result, user=user, source=source)
