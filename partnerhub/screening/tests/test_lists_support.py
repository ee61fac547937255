"""Helpers shared by the sanctions-list tests (no tests here): the real UN snapshots and tiny synthetic lists."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

BASE_DIR = Path(__file__).resolve().parents[3]
SANCTIONS = BASE_DIR.parent / "shared" / "testdata" / "sanctions"
LIST_2018 = "un-consolidated-2018-10-29.xml"
LIST_2020 = "un-consolidated-2020-03-20.xml"
LIST_2025 = "un-consolidated-2025-08-02.xml"
CORRUPT = "corrupt-un-consolidated-2025-08-16.xml"


def sanctions_path(name: str) -> Path:
    path = SANCTIONS / name
    if not path.is_file():
        pytest.skip(f"real test data missing: {path} (../shared/testdata is not present next to the project)")
    return path


def sanctions_bytes(name: str) -> bytes:
    return sanctions_path(name).read_bytes()


def person_xml(
    reference: str,
    first: str,
    second: str = "",
    *,
    aliases: tuple[tuple[str, str], ...] = (),
    dob: str = "<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><YEAR>1970</YEAR>",
    nationality: str = "Somalia",
    comments: str = "",
    list_type: str = "Al-Qaida",
) -> str:
    alias_xml = (
        "".join(
            f"<INDIVIDUAL_ALIAS><QUALITY>{q}</QUALITY><ALIAS_NAME>{n}</ALIAS_NAME></INDIVIDUAL_ALIAS>"
            for q, n in aliases
        )
        or "<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>"
    )
    return (
        f"<INDIVIDUAL><DATAID>1</DATAID><VERSIONNUM>1</VERSIONNUM><FIRST_NAME>{first}</FIRST_NAME>"
        f"<SECOND_NAME>{second}</SECOND_NAME><UN_LIST_TYPE>{list_type}</UN_LIST_TYPE>"
        f"<REFERENCE_NUMBER>{reference}</REFERENCE_NUMBER><LISTED_ON>2010-01-01</LISTED_ON>"
        f"<COMMENTS1>{comments}</COMMENTS1><NATIONALITY><VALUE>{nationality}</VALUE></NATIONALITY>"
        f"<LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>{alias_xml}"
        f"<INDIVIDUAL_ADDRESS><COUNTRY/></INDIVIDUAL_ADDRESS>"
        f"<INDIVIDUAL_DATE_OF_BIRTH>{dob}</INDIVIDUAL_DATE_OF_BIRTH>"
        f"<INDIVIDUAL_PLACE_OF_BIRTH/><INDIVIDUAL_DOCUMENT/><SORT_KEY/><SORT_KEY_LAST_MOD/></INDIVIDUAL>"
    )


def entity_xml(
    reference: str, name: str, *, country: str = "Yemen", aliases: tuple[tuple[str, str], ...] = ()
) -> str:
    alias_xml = "".join(
        f"<ENTITY_ALIAS><QUALITY>{q}</QUALITY><ALIAS_NAME>{n}</ALIAS_NAME></ENTITY_ALIAS>" for q, n in aliases
    )
    return (
        f"<ENTITY><DATAID>2</DATAID><VERSIONNUM>1</VERSIONNUM><FIRST_NAME>{name}</FIRST_NAME>"
        f"<UN_LIST_TYPE>Al-Qaida</UN_LIST_TYPE><REFERENCE_NUMBER>{reference}</REFERENCE_NUMBER>"
        f"<LISTED_ON>2011-02-03</LISTED_ON><COMMENTS1/><LIST_TYPE><VALUE>UN List</VALUE></LIST_TYPE>{alias_xml}"
        f"<ENTITY_ADDRESS><COUNTRY>{country}</COUNTRY></ENTITY_ADDRESS><SORT_KEY/><SORT_KEY_LAST_MOD/></ENTITY>"
    )


def un_list(*records: str, generated: str = "2024-01-01T10:00:00Z") -> bytes:
    people = "".join(r for r in records if r.startswith("<INDIVIDUAL>"))
    entities = "".join(r for r in records if r.startswith("<ENTITY>"))
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<CONSOLIDATED_LIST dateGenerated="{generated}"><INDIVIDUALS>{people}</INDIVIDUALS>'
        f"<ENTITIES>{entities}</ENTITIES></CONSOLIDATED_LIST>"
    ).encode()


def small_list_v1() -> bytes:
    return un_list(
        person_xml("QDi.901", "AMINA", "TESTPERSON", aliases=(("Good", "Amina Test; Aminah Test"),)),
        person_xml("QDi.902", "DELISTED", "PERSON"),
        entity_xml("QDe.901", "EXAMPLE SHIPPING CO", aliases=(("a.k.a.", "Example Shipping"),)),
        generated="2024-01-01T10:00:00Z",
    )


def small_list_v2() -> bytes:
    """v1 with QDi.902 delisted, QDi.901's date of birth corrected, and QDi.903 added."""
    return un_list(
        person_xml(
            "QDi.901",
            "AMINA",
            "TESTPERSON",
            aliases=(("Good", "Amina Test; Aminah Test"),),
            dob="<TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1971-05-04</DATE>",
        ),
        person_xml(
            "QDi.903",
            "NEWLY",
            "LISTED",
            dob="<TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1960</FROM_YEAR><TO_YEAR>1965</TO_YEAR>",
        ),
        entity_xml("QDe.901", "EXAMPLE SHIPPING CO", aliases=(("a.k.a.", "Example Shipping"),)),
        generated="2024-02-01T10:00:00Z",
    )


def un_source() -> Any:
    from partnerhub.screening.models import ListSource

    return ListSource.objects.get(code="un-sc")
