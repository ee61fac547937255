"""Country names and codes to one comparable key. Pure Python.

Lists give nationalities as names ("Iran (Islamic Republic of)", "Russian Federation"); queries may give
an alpha-2 code or a name in any of the six UN languages. Both become the alpha-2 code when the M49 table
the registry ships (`partnerhub/registry/data/m49.csv`) knows the name, and the folded name otherwise.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from partnerhub.screening.matching.normalize import fold

M49_CSV = Path(__file__).resolve().parents[2] / "registry" / "data" / "m49.csv"

# Short forms people write that the M49 table does not contain.
EXTRA_NAMES = {
    "russia": "RU",
    "iran": "IR",
    "syria": "SY",
    "north korea": "KP",
    "dprk": "KP",
    "south korea": "KR",
    "korea": "KR",
    "uk": "GB",
    "britain": "GB",
    "great britain": "GB",
    "england": "GB",
    "united kingdom": "GB",
    "usa": "US",
    "us": "US",
    "united states": "US",
    "america": "US",
    "tanzania": "TZ",
    "vietnam": "VN",
    "laos": "LA",
    "moldova": "MD",
    "palestine": "PS",
    "ivory coast": "CI",
    "cote d ivoire": "CI",
    "drc": "CD",
    "congo kinshasa": "CD",
    "congo brazzaville": "CG",
    "turkey": "TR",
    "czech republic": "CZ",
    "macedonia": "MK",
    "burma": "MM",
    "swaziland": "SZ",
    "cape verde": "CV",
    "vatican": "VA",
    "brunei": "BN",
    "micronesia": "FM",
}


@lru_cache(maxsize=1)
def _table() -> dict[str, str]:
    names: dict[str, str] = {}
    if M49_CSV.exists():
        with M49_CSV.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                code = (row.get("iso2") or "").strip().upper()
                if not code:
                    continue
                names[code.lower()] = code
                if row.get("iso3"):
                    names[row["iso3"].strip().lower()] = code
                for column, value in row.items():
                    if column and column.startswith("name_") and value:
                        names.setdefault(fold(value), code)
                        short = fold(value.split("(")[0])
                        if short:
                            names.setdefault(short, code)
    for name, code in EXTRA_NAMES.items():
        names.setdefault(name, code)
    return names


@lru_cache(maxsize=4096)
def country_key(value: str) -> str:
    """The alpha-2 code for a country code or name when known, else the folded name; "" for nothing."""
    folded = fold(value or "")
    if not folded:
        return ""
    return _table().get(folded, folded)
