"""Parsers that turn a sanctions list file into entries. Pure Python: nothing here imports Django."""

from __future__ import annotations

from collections.abc import Callable

from partnerhub.screening.sources.csv_list import parse_csv_list
from partnerhub.screening.sources.records import ListFormatError, ParsedEntry, ParsedList, RowError
from partnerhub.screening.sources.un_xml import parse_un_xml

PARSERS: dict[str, Callable[[bytes], ParsedList]] = {"un-xml": parse_un_xml, "csv": parse_csv_list}


def parse(list_format: str, data: bytes) -> ParsedList:
    """Parse `data` in the named format ("un-xml" or "csv")."""
    return PARSERS[list_format](data)


__all__ = [
    "PARSERS",
    "ListFormatError",
    "ParsedEntry",
    "ParsedList",
    "RowError",
    "parse",
    "parse_csv_list",
    "parse_un_xml",
]
