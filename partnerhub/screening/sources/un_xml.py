"""The UN Security Council Consolidated List (XML, `sc-sanctions.xsd`). Pure Python: no Django imports.

Parsing is lenient where real releases deviate from the UN's own schema (the 2018 and 2020 snapshots have
an entity without the required alias element) and strict about what matters: well-formed UTF-8, the
right root element, a reference number and a name on every record, no reference number twice, at least
one entry. Document type declarations are refused outright, so neither entity expansion ("billion
laughs") nor external entities can reach the parser.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from typing import Any
from xml.parsers import expat

from partnerhub.screening.sources.records import (
    Address,
    Alias,
    DateOfBirth,
    ListFormatError,
    ParsedEntry,
    ParsedList,
    clean,
    split_alias,
)

ROOT = "CONSOLIDATED_LIST"
_QUALITY = {"good": "good", "low": "low", "a.k.a.": "aka", "aka": "aka", "f.k.a.": "fka", "fka": "fka"}
_DECLARED_ENCODING = re.compile(rb"^<\?xml[^>]*encoding=[\"']([A-Za-z0-9._-]+)[\"']")
_BOM = b"\xef\xbb\xbf"


class _Refused(Exception):
    pass


def _check_utf8(data: bytes) -> None:
    body = data.removeprefix(_BOM)
    declared = _DECLARED_ENCODING.match(body.lstrip()[:200])
    if declared and declared.group(1).lower().replace(b"_", b"-") not in {b"utf-8", b"utf8"}:
        return  # another declared encoding: expat decodes (and rejects) it itself
    try:
        body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ListFormatError("not_utf8", line=body.count(b"\n", 0, exc.start) + 1) from None


def _tree(data: bytes) -> ET.Element:
    """Parse with expat feeding an ElementTree builder, refusing any DOCTYPE or entity declaration."""
    builder = ET.TreeBuilder()
    parser = expat.ParserCreate()

    def refuse(*_args: Any) -> None:
        raise _Refused

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.buffer_text = True
    try:
        parser.Parse(data, True)
    except _Refused:
        raise ListFormatError("doctype") from None
    except expat.ExpatError as exc:
        raise ListFormatError(
            "not_xml", detail=expat.ErrorString(exc.code), line=exc.lineno, column=exc.offset + 1
        ) from None
    return builder.close()


def _text(element: ET.Element, tag: str) -> str:
    return clean(element.findtext(tag))


def _values(element: ET.Element, tag: str) -> tuple[str, ...]:
    values = (clean(value.text) for group in element.findall(tag) for value in group.findall("VALUE"))
    return tuple(dict.fromkeys(v for v in values if v))


def _date(text: str) -> dt.date | None:
    # xs:date may carry a zone ("1960-01-01-05:00"): the calendar date is the first ten characters.
    try:
        return dt.date.fromisoformat(text[:10]) if len(text) >= 10 else None
    except ValueError:
        return None


def _year(text: str) -> int | None:
    return int(text) if re.fullmatch(r"\d{4}", text) else None


def _aliases(element: ET.Element, tag: str) -> tuple[Alias, ...]:
    aliases: list[Alias] = []
    for alias in element.findall(tag):
        quality = _QUALITY.get(_text(alias, "QUALITY").lower(), "")
        for name in split_alias(alias.findtext("ALIAS_NAME")):
            aliases.append(
                Alias(
                    name=name,
                    quality=quality,
                    date_of_birth=_text(alias, "DATE_OF_BIRTH"),
                    note=_text(alias, "NOTE"),
                )
            )
    return tuple(dict.fromkeys(aliases))


def _addresses(element: ET.Element, tag: str) -> tuple[Address, ...]:
    addresses = []
    for node in element.findall(tag):
        address = Address(
            street=_text(node, "STREET"),
            city=_text(node, "CITY"),
            state_province=_text(node, "STATE_PROVINCE"),
            zip_code=_text(node, "ZIP_CODE"),
            country=_text(node, "COUNTRY"),
            note=_text(node, "NOTE"),
        )
        if any(address.as_json().values()):
            addresses.append(address)
    return tuple(dict.fromkeys(addresses))


def _dates_of_birth(element: ET.Element) -> tuple[DateOfBirth, ...]:
    dates = []
    for node in element.findall("INDIVIDUAL_DATE_OF_BIRTH"):
        date = DateOfBirth(
            kind=_text(node, "TYPE_OF_DATE").upper(),
            date=_date(_text(node, "DATE")),
            year=_year(_text(node, "YEAR")),
            from_year=_year(_text(node, "FROM_YEAR")),
            to_year=_year(_text(node, "TO_YEAR")),
            note=_text(node, "NOTE"),
        )
        if date.date or date.year or date.from_year or date.to_year or date.note:
            dates.append(date)
    return tuple(dict.fromkeys(dates))


def _places_of_birth(element: ET.Element) -> tuple[str, ...]:
    places = []
    for node in element.findall("INDIVIDUAL_PLACE_OF_BIRTH"):
        parts = [_text(node, tag) for tag in ("CITY", "STATE_PROVINCE", "COUNTRY")]
        place = ", ".join(p for p in parts if p)
        note = _text(node, "NOTE")
        if note:
            place = f"{place} ({note})" if place else note
        if place:
            places.append(place)
    return tuple(dict.fromkeys(places))


def _entry(element: ET.Element, position: int) -> ParsedEntry:
    person = element.tag == "INDIVIDUAL"
    reference = _text(element, "REFERENCE_NUMBER")
    if not reference:
        raise ListFormatError(
            "missing_field", position=position, element=element.tag, field="REFERENCE_NUMBER"
        )
    names = [_text(element, tag) for tag in ("FIRST_NAME", "SECOND_NAME", "THIRD_NAME", "FOURTH_NAME")]
    full_name = " ".join(n for n in names if n)
    if not full_name:
        raise ListFormatError("missing_field", position=position, element=element.tag, field="FIRST_NAME")
    return ParsedEntry(
        reference_number=reference,
        kind="person" if person else "organisation",
        full_name=full_name,
        list_type=_text(element, "UN_LIST_TYPE"),
        first_name=names[0],
        second_name=names[1],
        third_name=names[2],
        fourth_name=names[3],
        aliases=_aliases(element, "INDIVIDUAL_ALIAS" if person else "ENTITY_ALIAS"),
        original_script_name=_text(element, "NAME_ORIGINAL_SCRIPT"),
        dates_of_birth=_dates_of_birth(element) if person else (),
        places_of_birth=_places_of_birth(element) if person else (),
        nationalities=_values(element, "NATIONALITY") if person else (),
        addresses=_addresses(element, "INDIVIDUAL_ADDRESS" if person else "ENTITY_ADDRESS"),
        listed_on=_date(_text(element, "LISTED_ON")),
        designations=_values(element, "DESIGNATION"),
        titles=_values(element, "TITLE"),
        comments=_text(element, "COMMENTS1"),
    )


def _generated_on(root: ET.Element) -> dt.datetime | None:
    value = (root.get("dateGenerated") or "").strip()
    try:
        moment = dt.datetime.fromisoformat(value) if value else None
    except ValueError:
        return None
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def parse_un_xml(data: bytes) -> ParsedList:
    """Read the UN Security Council Consolidated List; raise `ListFormatError` with a readable reason."""
    stripped = data.removeprefix(_BOM).lstrip()
    if not stripped.startswith(b"<"):
        _check_utf8(data)
        raise ListFormatError("not_xml", detail="no XML markup", line=1, column=1)
    _check_utf8(data)
    root = _tree(data)
    if root.tag != ROOT:
        raise ListFormatError("wrong_root", root=root.tag)
    elements = root.findall("INDIVIDUALS/INDIVIDUAL") + root.findall("ENTITIES/ENTITY")
    records: list[ParsedEntry] = []
    warnings: list[str] = []
    seen: set[str] = set()
    for position, element in enumerate(elements, start=1):
        record = _entry(element, position)
        if record.reference_number in seen:
            raise ListFormatError("duplicate_reference", reference=record.reference_number)
        seen.add(record.reference_number)
        if element.tag == "ENTITY" and element.find("ENTITY_ALIAS") is None:
            warnings.append(f"{record.reference_number}: no ENTITY_ALIAS element (required by the XSD)")
        records.append(record)
    if not records:
        raise ListFormatError("empty")
    return ParsedList(format="un-xml", generated_on=_generated_on(root), records=records, warnings=warnings)
