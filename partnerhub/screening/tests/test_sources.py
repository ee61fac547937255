"""List parsers on the real UN snapshots and on small, deliberately broken files. No database."""

from __future__ import annotations

import datetime as dt

import pytest

from partnerhub.screening.matching.types import BirthDate, ListName
from partnerhub.screening.sources import ListFormatError, parse, parse_csv_list, parse_un_xml
from partnerhub.screening.sources.records import split_alias
from partnerhub.screening.tests.test_lists_support import (
    CORRUPT,
    LIST_2018,
    LIST_2020,
    LIST_2025,
    entity_xml,
    person_xml,
    sanctions_bytes,
    un_list,
)


@pytest.fixture(scope="module")
def list_2018():
    return parse_un_xml(sanctions_bytes(LIST_2018))


@pytest.fixture(scope="module")
def list_2025():
    return parse_un_xml(sanctions_bytes(LIST_2025))


def by_reference(parsed):
    return {record.reference_number: record for record in parsed.records}


def engine_entries(parsed):
    return {entry.key: entry for entry in parsed.entries}


# --- The real snapshots ---------------------------------------------------------------------------


def test_2018_snapshot_reads_every_record_despite_the_entity_without_an_alias_element(list_2018):
    assert (list_2018.person_count, list_2018.organisation_count) == (703, 390)
    assert list_2018.warnings == ["KPe.064: no ENTITY_ALIAS element (required by the XSD)"]
    assert by_reference(list_2018)["KPe.064"].full_name == "KOREA SAMJONG SHIPPING"
    assert by_reference(list_2018)["KPe.064"].aliases == ()


def test_2020_snapshot_has_the_same_xsd_quirk_and_still_loads():
    parsed = parse_un_xml(sanctions_bytes(LIST_2020))
    assert (parsed.person_count, parsed.organisation_count) == (709, 305)
    assert parsed.warnings == ["KPe.064: no ENTITY_ALIAS element (required by the XSD)"]


def test_2025_snapshot_keeps_original_script_names(list_2025):
    assert (list_2025.person_count, list_2025.organisation_count) == (684, 195)
    assert list_2025.warnings == []
    assert (
        by_reference(list_2025)["QDi.299"].original_script_name == "إبراهيم عواد إبراهيم علي البدري السامرائي"
    )
    names = engine_entries(list_2025)["QDi.299"].names
    assert ListName("إبراهيم عواد إبراهيم علي البدري السامرائي", "original") in names


def test_generated_on_comes_from_the_date_generated_attribute(list_2018, list_2025):
    assert list_2018.generated_on == dt.datetime(2018, 10, 29, 23, 9, 49, 856000, tzinfo=dt.UTC)
    assert list_2025.generated_on == dt.datetime(2025, 8, 2, 23, 0, 0, 935000, tzinfo=dt.UTC)


def test_primary_name_is_joined_from_the_name_parts_with_spaces_trimmed(list_2018):
    record = by_reference(list_2018)[
        "KPi.033"
    ]  # <FIRST_NAME> RI </FIRST_NAME><SECOND_NAME>WON HO</SECOND_NAME>
    assert (record.first_name, record.second_name, record.full_name) == ("RI", "WON HO", "RI WON HO")
    assert engine_entries(list_2018)["KPi.033"].names[0] == ListName("RI WON HO", "primary")


def test_semicolon_separated_aliases_become_separate_names_with_their_quality(list_2018):
    names = engine_entries(list_2018)["IRi.039"].names
    assert ListName("Qasim Soleimani", "good") in names
    assert ListName("Kasim Sulaymani", "good") in names  # wrapped over a line break in the file
    assert ListName("Haj Qasem", "low") in names
    assert ListName("Sardar Soleimani", "low") in names
    assert not [n for n in names if ";" in n.name]


def test_name_with_variants_in_parentheses_is_split_into_the_name_and_each_variant(list_2025):
    names = engine_entries(list_2025)["QDi.306"].names
    for expected in ("حسن غول", "Hassan Ghul", "Hassan Gul", "Hasan Gul"):
        assert ListName(expected, "good") in names
    assert ListName("Abu-Shaima", "low") in names


def test_organisation_aliases_keep_aka_and_fka(list_2025):
    names = engine_entries(list_2025)["QDe.129"].names
    assert ListName("Al-Qaida in Yemen (AQY)", "fka") in names
    assert ListName("Al-Qaida Organization in the Arabian Peninsula (AQAP)", "aka") in names
    assert engine_entries(list_2025)["QDe.129"].kind == "organisation"


def test_empty_placeholder_aliases_are_left_out(list_2018):
    # KPi.033 has only <INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>.
    assert by_reference(list_2018)["KPi.033"].aliases == ()
    assert engine_entries(list_2018)["KPi.033"].names == (ListName("RI WON HO", "primary"),)


def test_same_person_listed_under_two_reference_numbers_stays_two_entries(list_2025):
    records = by_reference(list_2025)
    assert records["QDi.042"].full_name == records["SOi.002"].full_name == "HASSAN DAHIR AWEYS"
    assert records["QDi.042"].list_type == "Al-Qaida"
    assert records["SOi.002"].list_type == "Somalia"


def test_dates_of_birth_in_every_form_the_list_uses(list_2025):
    entries = engine_entries(list_2025)
    assert entries["CDi.006"].birth_dates == (BirthDate(1978, 4, 28),)  # EXACT, full date
    assert entries["CDi.001"].birth_dates == (BirthDate(1971),)  # EXACT, year
    assert BirthDate(1966, approximate=True) in entries["CDi.014"].birth_dates  # APPROXIMATELY, year
    assert entries["CDi.030"].birth_dates == (BirthDate(1973, year_to=1974),)  # BETWEEN, from-to years
    assert entries["CDi.004"].birth_dates == (BirthDate(1973, approximate=True),)  # only a note: "Nov. 1973"
    assert entries["LYi.022"].birth_dates == ()  # "30-35 years old" gives no date
    assert by_reference(list_2025)["LYi.022"].dates_of_birth[0].note == "30-35 years old"


def test_between_dates_noted_as_approximate_are_approximate(list_2025):
    assert BirthDate(1955, year_to=1958, approximate=True) in engine_entries(list_2025)["TAi.002"].birth_dates


def test_dates_with_a_time_zone_suffix_are_read_as_calendar_dates(list_2018):
    # The 2018 file writes xs:date with a zone, e.g. <DATE>1960-01-01-05:00</DATE>.
    dated = [d.date for r in list_2018.records for d in r.dates_of_birth if d.date]
    assert dt.date(1960, 1, 1) in dated
    assert all(r.listed_on is not None for r in list_2018.records)


def test_nationalities_and_countries_from_addresses(list_2025):
    entry = engine_entries(list_2025)["QDi.299"]
    assert entry.nationalities == ("Iraq",)
    assert entry.countries == ("Iraq", "Syrian Arab Republic")
    assert engine_entries(list_2025)["CDi.001"].countries == ("Rwanda",)


# --- Refusals -------------------------------------------------------------------------------------


def test_damaged_copy_is_refused_as_not_utf8():
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(sanctions_bytes(CORRUPT))
    assert refused.value.code == "not_utf8"
    assert refused.value.message == (
        "The file is damaged: it is not valid UTF-8 text (the first bad byte is on line 54). "
        "Download the list again from its source."
    )


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES/></CONSOLIDATED_LIST>"""
EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<CONSOLIDATED_LIST><INDIVIDUALS/><ENTITIES>&xxe;</ENTITIES></CONSOLIDATED_LIST>"""


@pytest.mark.parametrize(
    "data", [BILLION_LAUGHS, EXTERNAL_ENTITY], ids=["entity-expansion", "external-entity"]
)
def test_document_type_declarations_are_refused(data):
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(data)
    assert refused.value.code == "doctype"


def test_other_xml_document_is_refused_as_wrong_format():
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(b'<?xml version="1.0"?><sdnList><sdnEntry/></sdnList>')
    assert refused.value.code == "wrong_root"
    assert "<sdnList>" in refused.value.message


def test_csv_given_as_un_xml_is_refused_as_not_xml():
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(b"name,aliases,kind\nA,,person\n")
    assert refused.value.code == "not_xml"


def test_truncated_xml_is_refused_with_its_line():
    data = un_list(person_xml("QDi.901", "AMINA"))[:-30]
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(data)
    assert refused.value.code == "not_xml"
    assert refused.value.params["line"] == 1


def test_list_without_entries_is_refused():
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(un_list())
    assert refused.value.code == "empty"


def test_record_without_reference_number_is_refused():
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(un_list(person_xml("", "AMINA")))
    assert refused.value.code == "missing_field"
    assert refused.value.params == {"position": 1, "element": "INDIVIDUAL", "field": "REFERENCE_NUMBER"}


def test_reference_number_twice_is_refused():
    with pytest.raises(ListFormatError) as refused:
        parse_un_xml(un_list(person_xml("QDi.901", "AMINA"), entity_xml("QDi.901", "ACME")))
    assert refused.value.code == "duplicate_reference"


# --- Alias splitting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("", []),
        ("   ", []),
        ("Abu Muhammad", ["Abu Muhammad"]),
        ("Jin Tiesan (金铁三)", ["Jin Tiesan (金铁三)"]),
        (
            "Mortaza Safari; Morteza Saferi;\n   Murtaza Safari",
            ["Mortaza Safari", "Morteza Saferi", "Murtaza Safari"],
        ),
        ("حسن غول (Hassan Ghul; Hassan Gul)", ["حسن غول", "Hassan Ghul", "Hassan Gul"]),
        (
            "Hay’at Tahrir al-Sham (HTS) (هيئة تحرير الشام (original script); Hayat Tahrir al-Sham)",
            ["Hay’at Tahrir al-Sham (HTS)", "هيئة تحرير الشام", "Hayat Tahrir al-Sham"],
        ),
        (
            "Akhter Mohmad son of Noor Mohmad (اختر محمد ولد نور محمد ), ",
            ["Akhter Mohmad son of Noor Mohmad (اختر محمد ولد نور محمد )"],
        ),
        ("A; A; B", ["A", "B"]),
    ],
)
def test_split_alias(text, names):
    assert split_alias(text) == names


# --- The generic CSV ------------------------------------------------------------------------------

GOOD_CSV = (
    "name,aliases,kind,birth_date,country,reference\n"
    "Amina Testperson,Amina Test; Aminah Test,person,1970-05-04;~1971,Somalia,CSV-1\n"
    'Example Shipping Co,"Example Shipping",organisation,,Yemen;Oman,CSV-2\n'
    "Range Person,,Person,1960-1965,,CSV-3\n"
    "\n"
)


def test_csv_list_with_byte_order_mark_is_read():
    parsed = parse_csv_list(b"\xef\xbb\xbf" + GOOD_CSV.encode())
    entries = engine_entries(parsed)
    assert parsed.format == "csv"
    assert parsed.generated_on is None
    assert list(entries) == ["CSV-1", "CSV-2", "CSV-3"]
    assert entries["CSV-1"].names == (
        ListName("Amina Testperson", "primary"),
        ListName("Amina Test", ""),
        ListName("Aminah Test", ""),
    )
    assert entries["CSV-1"].birth_dates == (BirthDate(1970, 5, 4), BirthDate(1971, approximate=True))
    assert entries["CSV-1"].nationalities == ("Somalia",)
    assert entries["CSV-2"].kind == "organisation"
    assert entries["CSV-2"].countries == ("Yemen", "Oman")
    assert entries["CSV-3"].birth_dates == (BirthDate(1960, year_to=1965),)


def test_csv_list_without_bom_is_read_the_same():
    assert (
        parse_csv_list(GOOD_CSV.encode()).entries
        == parse_csv_list(b"\xef\xbb\xbf" + GOOD_CSV.encode()).entries
    )


def test_csv_bad_rows_are_each_reported_with_row_and_column():
    data = (
        b"name,aliases,kind,birth_date,country,reference\n"
        b"Good Row,,person,1970,,R-1\n"
        b",,person,1970,,R-2\n"
        b"Bad Kind,,company,1970,,R-3\n"
        b"Bad Date,,person,31/12/1970,,R-4\n"
        b"Twice,,person,,,R-1\n"
        b"Short,row\n"
    )
    with pytest.raises(ListFormatError) as refused:
        parse_csv_list(data)
    assert refused.value.code == "invalid_rows"
    assert refused.value.params == {"count": 5}
    assert [(e.row, e.column, e.message) for e in refused.value.row_errors] == [
        (3, "name", "A value is required."),
        (4, "kind", "“company” is not a kind; use person or organisation."),
        (
            5,
            "birth_date",
            "“31/12/1970” is not a date of birth; use 1970-12-31, 1970 or a range such as 1970-1975.",
        ),
        (6, "reference", "The reference R-1 is also used on row 2."),
        (7, "", "This row has 2 cells; the first row has 6."),
    ]


def test_csv_without_the_columns_is_refused_as_wrong_format():
    with pytest.raises(ListFormatError) as refused:
        parse_csv_list(b"Organisation,Country\nACME,KE\n")
    assert refused.value.code == "missing_columns"
    assert refused.value.message.endswith("; missing: name, aliases, kind, birth_date, reference.")


def test_xml_given_as_csv_is_refused_with_a_hint():
    with pytest.raises(ListFormatError) as refused:
        parse_csv_list(sanctions_bytes(LIST_2025)[:2000])
    assert refused.value.code == "looks_like_xml"


def test_csv_with_only_a_header_is_refused_as_empty():
    with pytest.raises(ListFormatError) as refused:
        parse_csv_list(b"name,aliases,kind,birth_date,country,reference\r\n")
    assert refused.value.code == "empty"


def test_csv_in_latin1_is_refused_as_not_utf8():
    with pytest.raises(ListFormatError) as refused:
        parse_csv_list(
            "name,aliases,kind,birth_date,country,reference\nJosé,,person,,,R-1\n".encode("latin-1")
        )
    assert refused.value.code == "not_utf8"
    assert refused.value.params == {"line": 2}


def test_parse_dispatches_on_the_format():
    assert parse("csv", GOOD_CSV.encode()).format == "csv"
    assert parse("un-xml", un_list(person_xml("QDi.901", "AMINA"))).format == "un-xml"


def test_content_hash_ignores_rewrapping_of_long_values():
    one = parse_un_xml(un_list(person_xml("QDi.901", "AMINA", comments="Listed for\n      supporting   X.")))
    two = parse_un_xml(un_list(person_xml("QDi.901", "AMINA", comments="Listed for supporting X.")))
    other = parse_un_xml(un_list(person_xml("QDi.901", "AMINA", comments="Listed for supporting Y.")))
    assert one.records[0].content_hash() == two.records[0].content_hash() != other.records[0].content_hash()
