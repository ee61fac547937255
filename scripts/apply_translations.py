"""Copy translations from a filled-in extract into a catalog, clearing their fuzzy marks.

The translation round trip (see docs/core.md, "Translations"): `make messages`; extract what is missing
with `msgattrib --untranslated` and `msgattrib --only-fuzzy --clear-fuzzy --empty --clear-previous`;
translate the extract; then

    python scripts/apply_translations.py locale/fr/LC_MESSAGES/django.po FILLED.po
    python scripts/apply_translations.py --english locale/en/LC_MESSAGES/django.po

Entries of the catalog found in FILLED.po (same msgctxt and msgid) take its msgstr; their "fuzzy" flag and
"#|" previous-msgid lines go. With --english, every untranslated or fuzzy entry of the English catalog gets
its msgid (and msgid_plural) as translation. Finish with `compilemessages` and scripts/check_translations.py.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')
_UNESCAPE = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(1)), text.strip()[1:-1])


def _parse(block: list[str]) -> dict[str, str]:
    """The block's fields: msgctxt, msgid, msgid_plural, msgstr or msgstr[N], each unquoted and joined."""
    fields: dict[str, str] = {}
    current = ""
    for line in block:
        if line.startswith("#"):
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, quoted = match.groups()
            current = f"{keyword}[{index}]" if index is not None else keyword
            fields[current] = _unquote(quoted)
        elif line.startswith('"') and current:
            fields[current] += _unquote(line)
    return fields


def _blocks(text: str) -> list[list[str]]:
    return [block.split("\n") for block in text.strip("\n").split("\n\n")]


def _key(fields: dict[str, str]) -> tuple[str | None, str]:
    return fields.get("msgctxt"), fields.get("msgid", "")


def _quote(text: str) -> str:
    return (
        '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\t", "\\t").replace("\n", "\\n") + '"'
    )


def _rebuild(block: list[str], translations: dict[str, str]) -> list[str]:
    out: list[str] = []
    in_msgstr = False
    for line in block:
        if line.startswith("#|"):
            continue
        if line.startswith("#,"):
            flags = [f.strip() for f in line[2:].split(",") if f.strip() and f.strip() != "fuzzy"]
            if flags:
                out.append("#, " + ", ".join(flags))
            continue
        match = _KEYWORD.match(line)
        if match and match.group(1) == "msgstr":
            in_msgstr = True
            continue
        if in_msgstr and line.startswith('"'):
            continue
        if match:
            in_msgstr = False
        out.append(line)
    for name, value in sorted(translations.items(), key=lambda item: item[0]):
        out.append(f"{name} {_quote(value)}")
    return out


def _translations_of(fields: dict[str, str]) -> dict[str, str]:
    return {name: value for name, value in fields.items() if name.startswith("msgstr")}


def _complete(translations: dict[str, str]) -> bool:
    return bool(translations) and all(translations.values())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("catalog")
    parser.add_argument("filled", nargs="?")
    parser.add_argument("--english", action="store_true", help="translate each English entry as itself")
    args = parser.parse_args()
    catalog = Path(args.catalog)
    filled: dict[tuple[str | None, str], dict[str, str]] = {}
    if args.filled:
        for block in _blocks(Path(args.filled).read_text(encoding="utf-8")):
            fields = _parse(block)
            if fields.get("msgid"):
                found = _translations_of(fields)
                if _complete(found):
                    filled[_key(fields)] = found
    blocks = _blocks(catalog.read_text(encoding="utf-8"))
    applied = 0
    for i, block in enumerate(blocks):
        fields = _parse(block)
        if not fields.get("msgid"):
            continue  # the header
        fuzzy = any(line.startswith("#,") and "fuzzy" in line for line in block)
        translations: dict[str, str] | None = filled.get(_key(fields))
        if translations is None and args.english and (fuzzy or not _complete(_translations_of(fields))):
            if "msgid_plural" in fields:
                translations = {"msgstr[0]": fields["msgid"], "msgstr[1]": fields["msgid_plural"]}
            else:
                translations = {"msgstr": fields["msgid"]}
        if translations is not None:
            blocks[i] = _rebuild(block, translations)
            applied += 1
    catalog.write_text("\n\n".join("\n".join(block) for block in blocks) + "\n", encoding="utf-8")
    print(f"{catalog}: {applied} entries translated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
