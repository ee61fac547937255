"""Export a partner list to CSV or XLSX, neutralising cells a spreadsheet would run as formulas."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from partnerhub.registry.models import Partner

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_ROWS = 200_000


def neutralise(value: Any) -> str:
    """A cell value that a spreadsheet will show as text, never evaluate (CSV/formula injection)."""
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def columns() -> list[tuple[str, str]]:
    return [
        ("id", _("Number")),
        ("name", _("Name")),
        ("acronym", _("Acronym")),
        ("kind", _("Kind")),
        ("category", _("Stakeholder category")),
        ("country", _("Country")),
        ("region", _("Region")),
        ("status", _("Status")),
        ("office", _("Owning office")),
        ("channel", _("Identified through")),
        ("identified_on", _("Identified on")),
        ("website", _("Website")),
        ("email", _("E-mail")),
        ("phone", _("Phone")),
        ("ecosoc", _("ECOSOC status")),
        ("created", _("Created")),
    ]


def rows(partners: QuerySet[Partner]) -> Iterator[list[str]]:
    qs = partners.select_related("country", "primary_category", "owning_office")[:MAX_ROWS]
    for p in qs.iterator(chunk_size=2000):
        yield [
            neutralise(v)
            for v in (
                p.pk,
                p.name,
                p.acronym,
                p.get_kind_display(),
                p.primary_category.display_name,
                p.country.name if p.country else "",
                p.country.region if p.country else "",
                p.get_status_display(),
                p.owning_office.display_name,
                p.get_identified_channel_display(),
                p.identified_on.isoformat() if p.identified_on else "",
                p.website,
                p.email,
                p.phone,
                p.get_ecosoc_status_display() if p.ecosoc_status else "",
                p.created_at.date().isoformat(),
            )
        ]


def to_csv(partners: QuerySet[Partner]) -> Iterable[str]:
    """Yields CSV text in chunks (UTF-8 with BOM added by the view so spreadsheets read accents)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(label) for _key, label in columns()])
    for row in rows(partners):
        writer.writerow(row)
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def to_xlsx(partners: QuerySet[Partner]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Partners")[:31])
    sheet.append([label for _key, label in columns()])
    for row in rows(partners):
        sheet.append(row)  # neutralised strings: openpyxl stores them as text, never as formulas
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
