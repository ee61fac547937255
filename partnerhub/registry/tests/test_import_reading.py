"""Reading import files: encodings, separators, Excel workbooks, refusals by content, column mapping."""

import codecs
import datetime as dt
import io
import zipfile

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from partnerhub.registry import importer, normalize

UTF8_TEXT = "Name;Country;Category\nFundación Hábitat;AR;civil-society\nCités Unies;FR;2\n"


def _xlsx(rows, *, extra_sheet=False):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    if extra_sheet:
        workbook.create_sheet("Other").append(["ignored"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_utf8_file_is_read_with_its_accents_and_semicolons():
    table = importer.read_table(UTF8_TEXT.encode("utf-8"))

    assert (table.file_format, table.encoding, table.delimiter) == ("csv", "utf-8", ";")
    assert table.columns == ["Name", "Country", "Category"]
    assert table.rows == [(2, ["Fundación Hábitat", "AR", "civil-society"]), (3, ["Cités Unies", "FR", "2"])]


def test_utf8_with_bom_is_read_and_the_bom_is_not_part_of_the_first_column():
    table = importer.read_table(codecs.BOM_UTF8 + UTF8_TEXT.encode("utf-8"))

    assert table.encoding == "utf-8-sig"
    assert table.columns[0] == "Name"
    assert table.rows[0][1][0] == "Fundación Hábitat"


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_windows_1252_and_latin1_files_are_read_with_their_accents(encoding):
    table = importer.read_table(UTF8_TEXT.encode(encoding))

    assert table.encoding == "cp1252"
    assert [cells[0] for _n, cells in table.rows] == ["Fundación Hábitat", "Cités Unies"]


def test_windows_1252_only_characters_are_read():
    # 0x80 is € and 0x93/0x94 are curly quotes in Windows-1252 (undefined in Latin-1).
    data = "Name,Description\nEuro Fund,“Finance” in €\n".encode("cp1252")

    table = importer.read_table(data)

    assert table.rows == [(2, ["Euro Fund", "“Finance” in €"])]


def test_bytes_undefined_in_windows_1252_fall_back_to_latin1():
    data = b"Name,Note\nAcme,\x81\x8d\n"

    table = importer.read_table(data)

    assert table.encoding == "latin-1"
    assert table.rows == [(2, ["Acme", "\x81\x8d"])]


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("Name,Country\nAcme, KE\n", ","),
        ("Name;Country\nAcme;KE\n", ";"),
        ("Name\tCountry\nAcme\tKE\n", "\t"),
        ("Name|Country\nAcme|KE\n", "|"),
        ('"Name, full";Country\n"Acme, Ltd";KE\n', ";"),
    ],
)
def test_the_separator_is_found_from_the_header(text, delimiter):
    table = importer.read_table(text.encode())

    assert table.delimiter == delimiter
    assert table.rows[0][1][1] == "KE"


def test_excel_sep_line_sets_the_separator_and_is_not_a_row():
    table = importer.read_table(b"sep=,\r\nName;x,Country\r\nAcme;y,KE\r\n")

    assert table.delimiter == ","
    assert table.columns == ["Name;x", "Country"]
    assert table.rows == [(2, ["Acme;y", "KE"])]


def test_utf16_unicode_text_from_excel_is_read():
    data = "Name\tCountry\r\nМосква Foundation\tRU\r\n".encode("utf-16")

    table = importer.read_table(data)

    assert (table.encoding, table.delimiter) == ("utf-16", "\t")
    assert table.rows == [(2, ["Москва Foundation", "RU"])]


def test_row_numbers_are_the_spreadsheets_and_blank_rows_are_skipped_but_counted():
    table = importer.read_table(b"Name,Country\nA,KE\n\n,\nB,UG\n")

    assert [number for number, _cells in table.rows] == [2, 5]


def test_a_quoted_cell_spanning_lines_stays_one_row():
    table = importer.read_table(b'Name,Address\nA,"1 Road\nNairobi"\nB,x\n')

    assert table.rows == [(2, ["A", "1 Road\nNairobi"]), (3, ["B", "x"])]


def test_blank_and_repeated_headers_get_unique_names():
    table = importer.read_table(b"Name,,name,Name\nA,b,c,d\n")

    assert table.columns == ["Name", "Column B", "name (2)", "Name (3)"]


def test_short_rows_are_padded_and_extra_cells_ignored():
    table = importer.read_table(b"Name,Country,Website\nA\nB,KE,x,extra\n")

    assert table.rows == [(2, ["A", "", ""]), (3, ["B", "KE", "x"])]


def test_xlsx_first_sheet_is_read_with_dates_numbers_formulas_and_blank_rows():
    data = _xlsx(
        [
            ["Name", "Identified on", "ECOSOC year", "Phone", "Note"],
            ["Acme", dt.datetime(2024, 3, 31), 1998, 254207623120, '=HYPERLINK("http://x")'],
            [None, None, None, None, None],
            ["Beta", dt.date(2023, 1, 2), 2001.0, "+254 20 762 3120", 1.5],
        ],
        extra_sheet=True,
    )

    table = importer.read_table(data)

    assert (table.file_format, table.encoding, table.delimiter) == ("xlsx", "", "")
    assert table.columns == ["Name", "Identified on", "ECOSOC year", "Phone", "Note"]
    assert table.rows == [
        (2, ["Acme", "2024-03-31", "1998", "254207623120", '=HYPERLINK("http://x")']),
        (4, ["Beta", "2023-01-02", "2001", "+254 20 762 3120", "1.5"]),
    ]


def test_an_xlsx_named_csv_is_read_as_a_workbook():
    data = _xlsx([["Name"], ["Acme"]])

    assert importer.sniff_format(data) == "xlsx"
    assert importer.read_table(data).rows == [(2, ["Acme"])]


def _zip(names):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "x")
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "This file is not a CSV file or an Excel (.xlsx) workbook."),
        (
            b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\x00",
            "This file is not a CSV file or an Excel (.xlsx) workbook.",
        ),
        (b"\x7fELF\x02\x01\x01\x00\x00\x00\x00", "This file is not a CSV file or an Excel (.xlsx) workbook."),
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64,
            "This is an old Excel (.xls) file. Save it as Excel workbook (.xlsx) or CSV and upload it again.",
        ),
        (
            _zip(["word/document.xml", "[Content_Types].xml"]),
            "This is a ZIP archive, not a CSV file or an Excel (.xlsx) workbook.",
        ),
        (
            _zip(["mimetype", "content.xml"]),
            "This is an OpenDocument spreadsheet. Save it as Excel (.xlsx) or CSV.",
        ),
        (b"PK\x03\x04broken", "The file looks like an Excel workbook but is damaged."),
    ],
    ids=["empty", "png", "pdf", "elf", "xls", "docx", "ods", "broken-zip"],
)
def test_files_are_refused_by_their_content_with_a_reason(data, message):
    with pytest.raises(importer.ImportFileError) as refused:
        importer.read_table(data)

    assert refused.value.message == message


def test_a_file_larger_than_the_limit_is_refused(monkeypatch):
    monkeypatch.setattr(importer, "MAX_UPLOAD_BYTES", 1024 * 1024)

    with pytest.raises(importer.ImportFileError) as refused:
        importer.read_table(b"Name\n" + b"A\n" * (600 * 1024))

    assert refused.value.message == "The file is larger than 1 MB. Split it into smaller files."


def test_a_file_with_too_many_rows_is_refused(monkeypatch):
    monkeypatch.setattr(importer, "MAX_ROWS", 3)

    with pytest.raises(importer.ImportFileError) as refused:
        importer.read_table(b"Name\nA\nB\nC\nD\n")

    assert refused.value.message == "The file has more than 3 rows. Split it into smaller files."


def test_an_empty_header_row_is_refused():
    with pytest.raises(importer.ImportFileError) as refused:
        importer.read_table(b",,\nA,B,C\n")

    assert refused.value.message == "The first row must hold the column names, and it is empty."


def test_reading_only_the_first_rows_for_the_mapping_step():
    table = importer.read_table(b"Name\n" + b"".join(f"P{i}\n".encode() for i in range(100)), limit=5)

    assert [cells[0] for _n, cells in table.rows] == ["P0", "P1", "P2", "P3", "P4"]


# --- Mapping --------------------------------------------------------------------------------------


def test_mapping_is_proposed_from_field_names_and_common_synonyms():
    columns = [
        "Organisation",
        "Acronym",
        "Country",
        "Stakeholder category",
        "Channel",
        "Website",
        "E-mail",
        "Phone",
        "registration_number",
        "Legal status",
        "Address",
        "Description",
        "Expertise",
        "Office",
        "Identified on",
        "Identification detail",
        "Other names",
        "ECOSOC status",
        "ECOSOC year",
        "Tags",
        "Internal notes",
    ]

    assert importer.propose_mapping(columns) == {
        "Organisation": "name",
        "Acronym": "acronym",
        "Country": "country",
        "Stakeholder category": "category",
        "Channel": "channel",
        "Website": "website",
        "E-mail": "email",
        "Phone": "phone",
        "registration_number": "registration_number",
        "Legal status": "legal_status",
        "Address": "address",
        "Description": "description",
        "Expertise": "expertise",
        "Office": "owning_office",
        "Identified on": "identified_on",
        "Identification detail": "identification_detail",
        "Other names": "alternative_names",
        "ECOSOC status": "ecosoc_status",
        "ECOSOC year": "ecosoc_year",
        "Tags": "tags",
    }


def test_mapping_understands_other_spellings_and_proposes_each_field_once():
    columns = ["Organization name", "Nom", "Pays", "Type of organisation", "Web site", "Country ISO code (2)"]

    assert importer.propose_mapping(columns) == {
        "Organization name": "name",
        "Pays": "country",
        "Type of organisation": "category",
        "Web site": "website",
    }


def test_mapping_problems_name_missing_required_fields_and_fields_chosen_twice():
    problems = importer.mapping_problems(
        ["A", "B", "C"], {"A": "name", "B": "name", "C": "country"}, {"owning_office": 3}
    )

    assert problems == [
        "“Name” is chosen for two columns, “A” and “B”; choose one.",
        "Choose the column that holds “Stakeholder category”, or one value for every row.",
        "Choose the column that holds “Identified through”, or one value for every row.",
    ]


def test_a_mapping_without_a_name_column_is_refused_even_with_defaults():
    problems = importer.mapping_problems(["A"], {}, {"category": 1, "channel": "event", "owning_office": 2})

    assert problems == ["Choose the column that holds “Name”."]


# --- The stored name key and search text are exactly those of normalize.py ------------------------

NAMES = [
    "United Cities and Local Governments",
    "UN-Habitat",
    "São Paulo Foundation Ltd.",
    "Москва Housing e.V.",
    "جمعية الإسكان التعاوني",
    "L'Association des Villes",
    "  spaces  and\ttabs ",
    "ACME",
    "The Trust",
    "",
    "Straße & Co. KG",
    "Œuvre d'Orient",
    "北京城市规划",
    "Ærø Kommune",
    "Ünited Çities",
    "a b c d e f",
]


@pytest.mark.parametrize("name", NAMES)
def test_fast_fold_gives_the_same_as_normalize(name):
    assert importer.fold(name) == normalize.fold(name)
    assert importer.name_key(name) == normalize.name_key(name)
    assert importer.search_terms([name, "UN-H"]) == normalize.search_terms([name, "UN-H"])


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60), st.lists(st.text(max_size=30), max_size=3))
def test_fast_forms_equal_normalize_for_any_text(name, others):
    assert importer.fold(name) == normalize.fold(name)
    assert importer.name_key(name) == normalize.name_key(name)
    assert importer.search_terms([name, *others]) == normalize.search_terms([name, *others])
