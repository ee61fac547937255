"""Convert the UN M49 tables in the six UN languages into the app's data file.

Source: UN Statistics Division M49 standard, via the public repository datasets/country-codes
(files UNSD-{en,fr,es,ar,ru,cn}.csv, licence PDDL). Run: python scripts/build_m49.py ../shared/testdata/m49
"""

import csv
import sys
from pathlib import Path

LANGS = {"en": "en", "fr": "fr", "es": "es", "ar": "ar", "ru": "ru", "zh-hans": "cn"}
OUT = Path(__file__).resolve().parent.parent / "partnerhub" / "registry" / "data" / "m49.csv"


def read(folder: Path, suffix: str) -> list[dict[str, str]]:
    with (folder / f"UNSD-{suffix}.csv").open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))  # csv keeps "NA" (Namibia) as text


def main(folder: Path) -> None:
    tables = {lang: read(folder, suffix) for lang, suffix in LANGS.items()}
    english = tables["en"]
    fields = [
        "iso2",
        "iso3",
        "m49",
        "region_code",
        "subregion_code",
        "intermediate_code",
        "ldc",
        "lldc",
        "sids",
    ]
    for kind in ("name", "region", "subregion", "intermediate"):
        fields += [f"{kind}_{lang}" for lang in LANGS]
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        for i, row in enumerate(english):
            if not row["ISO-alpha2 Code"]:
                continue  # Sark and similar areas without an ISO code
            out = {
                "iso2": row["ISO-alpha2 Code"],
                "iso3": row["ISO-alpha3 Code"],
                "m49": row["M49 Code"].zfill(3),
                "region_code": row["Region Code"],
                "subregion_code": row["Sub-region Code"],
                "intermediate_code": row["Intermediate Region Code"],
                "ldc": "1" if row["Least Developed Countries (LDC)"] else "",
                "lldc": "1" if row["Land Locked Developing Countries (LLDC)"] else "",
                "sids": "1" if row["Small Island Developing States (SIDS)"] else "",
            }
            for lang in LANGS:
                other = tables[lang][i]
                assert other["M49 Code"] == row["M49 Code"], (lang, row["M49 Code"])
                out[f"name_{lang}"] = other["Country or Area"]
                out[f"region_{lang}"] = other["Region Name"]
                out[f"subregion_{lang}"] = other["Sub-region Name"]
                out[f"intermediate_{lang}"] = other["Intermediate Region Name"]
            writer.writerow(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
