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
import logging
import re
import time
import uuid
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator, validate_email
from django.db import connection, models, transaction
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from partnerhub.core.audit import audit
from partnerhub.core.context import current_actor
from partnerhub.core.errors import DomainError, IllegalTransition, NotAllowed, ValidationFailed
from partnerhub.core.models import HistoryAction, RecordHistory
from partnerhub.registry import dedupe, duplicates, normalize, services
from partnerhub.registry.choices import Channel, EcosocStatus, NameKind
from partnerhub.registry.models import (
    Country,
    DuplicateKey,
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
    profile: dedupe.Profile  # what the duplicate engine compares
    keys: set[str]  # its blocking keys: the DuplicateKey rows a new partner gets
    matches: list[Match] = field(default_factory=list)
    same_as_row: int | None = None

    @property
    def name(self) -> str:
        return str(self.data["name"])


@dataclass
class Validation:
    total: int
    rows: list[Row]
    errors: list[RowError]
    within_file: list[dict[str, Any]]
    policy: str
    stats: dict[str, float] = field(default_factory=dict)  # how the duplicate search went, for benchmarks

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def duplicate_rows(self) -> list[Row]:
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
        profile = dedupe.profile(
            dedupe.Record(
                id=number,
                name=data["name"],
                acronym=data["acronym"],
                alt_names=tuple(alt_names),
                website=data["website"],
                email=data["email"],
                registration_number=data["registration_number"],
                country=data["country_id"] or "",
            )
        )
        row = Row(
            number=number,
            data=data,
            alt_names=alt_names,
            tag_ids=tag_ids,
            profile=profile,
            keys=dedupe.blocking_keys(profile),
        )
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
    rows: list[Row] = []
    errors: list[RowError] = []
    for done, (number, cells) in enumerate(table.rows, start=1):
        row, row_errors = checker.check(number, cells)
        if row is not None:
            rows.append(row)
        errors.extend(row_errors)
        if progress and done % _PROGRESS_EVERY == 0:
            progress(done)
    return rows, errors, checker.column("name")


def validate(
    table: Table,
    mapping: dict[str, str],
    *,
    defaults: Defaults | None = None,
    on_duplicate: str = "skip",
    progress: Callable[[int, int], None] | None = None,
) -> Validation:
    """Check every row and look for duplicates in the file and in the database. Writes nothing."""
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
    finder.annotate(progress=second)
    if progress:
        progress(2 * total, 2 * total)
    return Validation(
        total=total, rows=rows, errors=errors, within_file=within, policy=on_duplicate, stats=finder.stats
    )


def _within_file_duplicates(rows: Sequence[Row]) -> list[dict[str, Any]]:
    """Rows naming the same organisation as an earlier row: the same name to the duplicate engine (legal
    forms, accents, word order and the like set aside) or the same registration number, in the same or no
    country."""
    found: list[dict[str, Any]] = []
    seen: dict[str, list[Row]] = defaultdict(list)
    for row in rows:
        profile = row.profile
        own = [f"n:{profile.names[0].key}"] if profile.names and profile.names[0].key else []
        if profile.registration:
            own.append(f"r:{profile.registration}")
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
        total = Partner.objects.filter(merged_into__isnull=True).count()
        if not self.rows or not total:
            return
        cap = max(50, min(1000, total // 200))  # as duplicates._blocked_ids
        counts = self._key_counts(sorted(set().union(*(row.keys for row in self.rows))), cap)
        weights = {key: dedupe.key_weight(key, n, total) for key, n in counts.items()}
        strong = {key for key, n in counts.items() if n <= dedupe.RARE_KEY_DF or key[:1] in "ndra"}
        postings = self._postings(sorted(counts))
        plans: list[list[int]] = []
        for row in self.rows:
            shared: dict[int, float] = defaultdict(float)
            sure: set[int] = set()
            for key in row.keys:
                ids = postings.get(key)
                if not ids:
                    continue
                if key in strong:
                    sure.update(ids)
                weight = weights[key]
                for pid in ids:
                    shared[pid] += weight
            others = [pid for pid in shared if pid not in sure]
            ranked = heapq.nlargest(self.pool, others, key=shared.__getitem__)
            plans.append(sorted(sure) + ranked)
        profiles = self._profiles(sorted(set().union(*plans)))
        started = time.process_time()
        for done, (row, ids) in enumerate(zip(self.rows, plans, strict=True), start=1):
            found = []
            for pid in ids:
                other = profiles.get(pid)
                if other is not None:
                    match = dedupe.score(row.profile, other)
                    self.stats["compared"] += 1
                    if match.score >= self.threshold:
                        found.append((match.score, pid, match.reasons))
            found.sort(key=lambda item: (-item[0], item[1]))
            row.matches = [
                Match(
                    pid,
                    profiles[pid].record.name,
                    score,
                    duplicates.reason_labels(codes) or [_("similar name")],
                )
                for score, pid, codes in found[:10]
            ]
            if progress and done % _PROGRESS_EVERY == 0:
                progress(done, len(self.rows))
        self.stats["scoring_seconds"] = time.process_time() - started

    @staticmethod
    def _key_counts(keys: Sequence[str], cap: int) -> dict[str, int]:
        counts: dict[str, int] = {}
        for chunk in _chunks(keys):
            found = (
                DuplicateKey.objects.filter(key__in=chunk).values("key").annotate(n=Count("id")).order_by()
            )
            counts.update((key, n) for key, n in found.values_list("key", "n") if n <= cap)
        return counts

    @staticmethod
    def _postings(keys: Sequence[str]) -> dict[str, list[int]]:
        postings: dict[str, list[int]] = defaultdict(list)
        for chunk in _chunks(keys):
            for key, pid in DuplicateKey.objects.filter(key__in=chunk).values_list("key", "partner_id"):
                postings[key].append(pid)
        return postings

    @staticmethod
    def _profiles(ids: Sequence[int]) -> dict[int, dedupe.Profile]:
        profiles: dict[int, dedupe.Profile] = {}
        for chunk in _chunks(ids):
            names: dict[int, list[str]] = defaultdict(list)
            for pid, alt in PartnerName.objects.filter(partner_id__in=chunk).values_list(
                "partner_id", "name"
            ):
                names[pid].append(alt)
            found = Partner.objects.filter(pk__in=chunk, merged_into__isnull=True).values_list(
                "pk", "name", "acronym", "website", "email", "registration_number", "country_id"
            )
            for pid, name, acronym, website, email, reg, country in found:
                profiles[pid] = dedupe.profile(
                    dedupe.Record(
                        id=pid,
                        name=name,
                        acronym=acronym,
                        alt_names=tuple(names.get(pid, ())),
                        website=website,
                        email=email,
                        registration_number=reg,
                        country=country or "",
                    )
                )
        return profiles


# --- Writing --------------------------------------------------------------------------------------


def _insert(model: type[models.Model], columns: Sequence[str], values: list[tuple[Any, ...]]) -> None:
    """Plain multi-row INSERT for link and key tables, where `bulk_create`'s per-object cost dominates."""
    if not values:
        return
    quote = connection.ops.quote_name
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - quoted names
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    with connection.cursor() as cursor:
        for chunk in _chunks(values, 5_000):
            cursor.executemany(sql, chunk)


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


def _db_value(field: models.Field[Any, Any]) -> Callable[[Any], Any]:
    """How a field's Python value goes to the database: as it is for text, numbers and keys (what
    `get_db_prep_save` does for them, without its per-value cost), dates through the backend's adapters."""
    kind = field.get_internal_type()
    if kind in _AS_IS:
        return lambda value: value
    if kind == "DateField":
        return connection.ops.adapt_datefield_value
    if kind == "DateTimeField":
        return connection.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, connection)


def _insert_returning_ids(objs: Sequence[models.Model], batch_size: int = 400) -> None:
    """`bulk_create` for many new rows of one model without its per-value overhead (most of an import's write
    time): multi-row INSERT … RETURNING id, the ids set on the objects in order."""
    if not objs:
        return
    model = type(objs[0])
    if not connection.features.can_return_rows_from_bulk_insert:
        model._default_manager.bulk_create(objs, batch_size=batch_size)
        return
    quote = connection.ops.quote_name
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = [(f.attname, _db_value(f)) for f in fields]
    now = timezone.now()
    auto_now = [
        f.attname for f in fields if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    ]
    table, names = quote(model._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
    head = f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608 - quoted names, values as parameters
    one = f"({', '.join(['%s'] * len(fields))})"
    tail = f" RETURNING {quote(str(model._meta.pk.column))}"
    with connection.cursor() as cursor:
        for chunk in _chunks(objs, batch_size):
            params: list[Any] = []
            for obj in chunk:
                for attname in auto_now:
                    setattr(obj, attname, now)
                params.extend(to_db(getattr(obj, attname)) for attname, to_db in columns)
            cursor.execute(head + ", ".join([one] * len(chunk)) + tail, params)
            for obj, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                obj.pk = pk
                obj._state.adding = False
                obj._state.db = connection.alias


@transaction.atomic
def write(
    validation: Validation, *, user: Any = None, job: ImportJob | None = None, source: str = ""
) -> dict[str, int]:
    """Write a checked file in one transaction: every row, or nothing. Returns what was done, counted."""
    if not validation.ok:
        raise ValidationFailed(
            {"rows": [e.message for e in validation.errors[:20]]},
            message=_("The file has errors; nothing was written."),
        )
    policy = validation.policy
    user_id = getattr(user, "pk", None)
    now = timezone.now()
    today = timezone.localdate()
    to_create = [r for r in validation.rows if not r.matches or policy == "create"]
    to_update = [r for r in validation.rows if r.matches and policy == "update"]
    skipped = sum(1 for r in validation.rows if r.matches and policy == "skip")

    partners: list[Partner] = []
    for row in to_create:
        partner = Partner(**row.data, status=PartnerStatus.PROSPECT, created_at=now)
        partner.identified_on = partner.identified_on or today
        partner.identified_by_id = user_id
        partner.name_key = name_key(partner.name)[:300]
        partner.search_text = search_terms([partner.name, partner.acronym, *row.alt_names])
        partners.append(partner)
    _insert_returning_ids(partners)
    pairs = list(zip(to_create, partners, strict=True))
    names = [
        PartnerName(partner=partner, name=alt, language="", kind=NameKind.ALTERNATIVE, created_at=now)
        for row, partner in pairs
        for alt in row.alt_names
    ]
    PartnerName.objects.bulk_create(names, batch_size=1000)
    _insert(
        Partner.tags.through, ("partner_id", "tag_id"), [(p.pk, t) for row, p in pairs for t in row.tag_ids]
    )
    # The keys `services.partner_refresh_index` would store: the engine's, from the same values.
    _insert(DuplicateKey, ("partner_id", "key"), [(p.pk, k) for row, p in pairs for k in sorted(row.keys)])
    _write_history([*partners, *names], now)

    remembered = 0
    if policy == "create":
        remembered = _remember_not_duplicates(pairs, user_id, job, source)
    updated = sum(1 for row in to_update if _fill_empty_fields(row, job=job, source=source))
    counts = {
        "created": len(partners),
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
            "first_id": partners[0].pk if partners else None,
            "last_id": partners[-1].pk if partners else None,
        },
        note=source,
    )
    return counts


def _write_history(objects: Sequence[Any], at: dt.datetime) -> None:
    """The "created" history rows `TrackedModel.save` writes, for objects made with bulk_create."""
    actor = current_actor()
    changes_field = RecordHistory._meta.get_field("changes")
    when = connection.ops.adapt_datetimefield_value(at)
    content_types: dict[type, int] = {}
    values = []
    for obj in objects:
        model = type(obj)
        if model not in content_types:
            content_types[model] = ContentType.objects.get_for_model(model, for_concrete_model=False).pk
        changes = {key: [None, value] for key, value in obj._current_values().items()}
        values.append(
            (
                content_types[model],
                str(obj.pk),
                HistoryAction.CREATE.value,
                changes_field.get_db_prep_save(changes, connection),
                actor.user_id,
                actor.label,
                when,
            )
        )
    columns = ("content_type_id", "object_id", "action", "changes", "actor_id", "actor_label", "at")
    _insert(RecordHistory, columns, values)


def _remember_not_duplicates(
    pairs: list[tuple[Row, Partner]], user_id: int | None, job: ImportJob | None, source: str
) -> int:
    by_row = {row.number: partner.pk for row, partner in pairs}
    decided: set[tuple[int, int]] = set()
    for row, partner in pairs:
        others = [m.partner_id for m in row.matches]
        if row.same_as_row in by_row:
            others.append(by_row[row.same_as_row])
        decided.update((min(partner.pk, o), max(partner.pk, o)) for o in others if o != partner.pk)
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


def _fill_empty_fields(row: Row, *, job: ImportJob | None, source: str) -> bool:
    """Policy "update": the row's values go into its best match's empty fields; names and tags are added."""
    partner = Partner.objects.select_for_update().get(pk=row.matches[0].partner_id)
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for attname in _FILLABLE:
        new = row.data.get(attname)
        if new in (None, "") or getattr(partner, attname) not in (None, ""):
            continue
        before[attname], after[attname] = getattr(partner, attname), new
        setattr(partner, attname, new)
    if after:
        try:
            partner.full_clean(
                exclude=["search_text", "name_key"], validate_unique=False, validate_constraints=False
            )
        except ValidationError as exc:
            raise ValidationFailed(
                {
                    "rows": [
                        _("Row %(row)d cannot update “%(name)s”: %(reason)s")
                        % {"row": row.number, "name": partner.name, "reason": " ".join(exc.messages)}
                    ]
                }
            ) from None
        partner.save()
    known_names = {n.casefold() for n in [partner.name, *partner.names.values_list("name", flat=True)]}
    new_names = [n for n in row.alt_names if n.casefold() not in known_names]
    for alt in new_names:
        PartnerName.objects.create(partner=partner, name=alt, language="", kind=NameKind.ALTERNATIVE)
    if new_names:
        after["alternative_names"] = new_names
    new_tags = [t for t in row.tag_ids if t not in set(partner.tags.values_list("pk", flat=True))]
    if new_tags:
        partner.tags.add(*new_tags)
        after["tags"] = new_tags
    if not after:
        return False
    if new_names or {"acronym", "website", "email", "registration_number"} & after.keys():
        services.partner_refresh_index(partner)
    note = _("Filled in from import %(job)s, row %(row)d.") % {
        "job": f"#{job.pk}" if job else source,
        "row": row.number,
    }
    audit("registry.partner.update", target=partner, before=before, after=after, note=note)
    return True


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


def _check(job: ImportJob, token: str) -> Validation:
    table = _job_table(job)
    ImportJob.objects.filter(pk=job.pk, task_id=token).update(total_rows=len(table.rows))
    return validate(
        table,
        job.mapping,
        defaults=Defaults.from_json(job.summary.get("defaults")),
        on_duplicate=job.on_duplicate,
        progress=_progress(job.pk, token, len(table.rows)),
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
            result = _check(job, token)
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
        except (ImportFileError, ValidationFailed) as exc:
            return _refuse_file(job, token, exc)
        except Exception:
            _mark_failed(job.pk, token, "import")
            raise
    return ImportStatus.DONE


# --- A whole file in this process: the command line and the benchmark ------------------------------


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
    result = validate(table, mapping, defaults=defaults, on_duplicate=on_duplicate, progress=progress)
    if dry_run or not result.ok:
        return table, mapping, result, None
    return table, mapping, result, write(result, user=user, source=source)
