"""`manage.py screen_names`: a spreadsheet screened against a list file, without the database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from partnerhub.screening.tests.test_lists_support import LIST_2025, sanctions_path


def write_csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_spreadsheet_screened_against_the_real_un_list(tmp_path: Path) -> None:
    names = write_csv(
        tmp_path / "names.csv",
        [
            ["id", "name", "kind", "birth_date", "nationality"],
            ["1", "Saddam Hussein al-Tikriti", "person", "1937", "Iraq"],
            ["2", "طه ياسين رمضان الجزراوي", "person", "", ""],
            ["3", "Maria Fernanda Lopez", "person", "1980", "MX"],
            ["4", "Al-Qaida", "organisation", "", ""],
            ["5", "Nairobi Slum Upgrading Trust", "", "", ""],
        ],
    )
    output = tmp_path / "results.csv"

    call_command("screen_names", list=sanctions_path(LIST_2025), input=names, output=output)

    rows = {row["id"]: row for row in read_csv(output)}
    assert list(read_csv(output)[0]) == [
        "id",
        "decision",
        "score",
        "reference_number",
        "matched_name",
        "explanation",
    ]
    assert (rows["1"]["decision"], rows["1"]["reference_number"]) == ("alert", "IQi.001")
    assert "birth year matches (1937)" in rows["1"]["explanation"]
    assert (rows["2"]["decision"], rows["2"]["reference_number"]) == ("alert", "IQi.020")
    assert rows["3"] == {
        "id": "3",
        "decision": "clear",
        "score": "0",
        "reference_number": "",
        "matched_name": "",
        "explanation": "",
    }
    assert (rows["4"]["decision"], rows["4"]["reference_number"]) == ("alert", "QDe.004")
    assert rows["5"]["decision"] == "clear"


def test_generic_csv_list_and_threshold(tmp_path: Path) -> None:
    listing = write_csv(
        tmp_path / "list.csv",
        [
            ["name", "aliases", "kind", "birth_date", "country", "reference"],
            ["Muhammad Hamza Zubaidi", "Abu Hamza", "person", "1938", "Iraq", "L-1"],
            ["Sunrise Trading Company Limited", "", "organisation", "", "Kenya", "L-2"],
        ],
    )
    names = write_csv(
        tmp_path / "names.csv",
        [["name", "id"], ["Mohammed Hamza Zubaidi", "a"], ["Sunrise Trading Ltd", "b"]],
    )
    output = tmp_path / "out.csv"

    call_command("screen_names", list=listing, input=names, output=output, threshold=0.99)

    rows = read_csv(output)
    assert [(r["id"], r["reference_number"], r["decision"]) for r in rows] == [
        ("a", "L-1", "clear"),  # a transliteration variant scores below 0.99
        ("b", "L-2", "alert"),
    ]


def test_missing_columns_are_refused(tmp_path: Path) -> None:
    names = write_csv(tmp_path / "names.csv", [["identifier", "full_name"], ["1", "X"]])
    listing = write_csv(
        tmp_path / "list.csv",
        [
            ["name", "aliases", "kind", "birth_date", "country", "reference"],
            ["A B", "", "person", "", "", "R1"],
        ],
    )
    with pytest.raises(CommandError, match="missing: id, name"):
        call_command("screen_names", list=listing, input=names, output=tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()


def test_unreadable_and_damaged_lists_are_refused(tmp_path: Path) -> None:
    names = write_csv(tmp_path / "names.csv", [["id", "name"], ["1", "X"]])
    with pytest.raises(CommandError, match="Cannot read the list file"):
        call_command("screen_names", list=tmp_path / "absent.xml", input=names, output=tmp_path / "out.csv")
    damaged = tmp_path / "damaged.xml"
    damaged.write_bytes(b"<CONSOLIDATED_LIST><INDIVIDUALS>")
    with pytest.raises(CommandError, match="not well-formed XML"):
        call_command("screen_names", list=damaged, input=names, output=tmp_path / "out.csv")
