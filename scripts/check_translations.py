"""Fail when any message in the code is missing, untranslated or fuzzy in one of the six catalogs.

Runs `makemessages -a --no-location --no-obsolete` (the same ignores as `make messages`) on a temporary
copy of the project, so the catalogs in the repository are never touched, then reads the refreshed copies.
A message the catalogs do not have yet comes back from msgmerge as untranslated, or as fuzzy when msgmerge
guessed a translation from a similar message; both are reported. `msgfmt --check` also runs on each
refreshed catalog, catching placeholders that differ between a message and its translation.

Usage: python scripts/check_translations.py   (exit status 0 when every catalog is complete)
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LOCALE_DIR = BASE_DIR / "locale"
# The six official UN languages, as Django names their locale directories.
LANGUAGES = ["ar", "zh_Hans", "en", "fr", "ru", "es"]
# Same as `make messages`, plus what is never source.
IGNORE = [".venv/*", "var/*", "bench/*"]
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "var", "bench", "node_modules", "__pycache__", "*.pyc", ".*_cache", "*.mo"
)


@dataclass
class Entry:
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False

    def label(self) -> str:
        text = self.msgid.replace("\n", "\\n")
        text = text if len(text) <= 120 else text[:117] + "..."
        return text if self.msgctxt is None else f"{text} (context: {self.msgctxt})"


_UNESCAPE = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    text = text.strip()
    if not (text.startswith('"') and text.endswith('"')):
        raise ValueError(f"not a quoted PO string: {text!r}")
    return re.sub(r"\\(.)", lambda m: _UNESCAPE.get(m.group(1), m.group(1)), text[1:-1])


_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")$')


def _add(entry: Entry, name: str, index: int, value: str) -> None:
    if name == "msgctxt":
        entry.msgctxt = (entry.msgctxt or "") + value
    elif name == "msgid":
        entry.msgid += value
    elif name == "msgid_plural":
        entry.msgid_plural = (entry.msgid_plural or "") + value
    else:
        entry.msgstr[index] = entry.msgstr.get(index, "") + value


def _parse_block(block: str, path: Path) -> Entry | None:
    entry = Entry()
    target: tuple[str, int] | None = None
    for raw in block.splitlines():
        line = raw.strip()
        if line.startswith("#~"):
            entry.obsolete = True
        elif line.startswith("#,"):
            entry.flags.update(flag.strip() for flag in line[2:].split(","))
        elif line.startswith('"') and target is not None:
            _add(entry, *target, _unquote(line))
        elif match := _KEYWORD.match(line):
            target = (match.group(1), int(match.group(2) or 0))
            _add(entry, *target, _unquote(match.group(3)))
        elif line and not line.startswith("#"):
            raise ValueError(f"{path}: cannot read line {raw!r}")
    return entry if target is not None or entry.obsolete else None


def parse_po(path: Path) -> list[Entry]:
    """A small PO reader for msgmerge's output: entries separated by blank lines; contexts, plurals, flags."""
    blocks = re.split(r"\n[ \t]*\n", path.read_text(encoding="utf-8"))
    return [entry for block in blocks if (entry := _parse_block(block, path)) is not None]


def problems_in(path: Path) -> list[str]:
    problems = []
    for entry in parse_po(path):
        if entry.obsolete or (entry.msgid == "" and entry.msgctxt is None):
            continue  # obsolete entries and the header
        if "fuzzy" in entry.flags:
            problems.append(f"fuzzy: {entry.label()}")
        elif not entry.msgstr or any(not text for text in entry.msgstr.values()):
            problems.append(f"untranslated: {entry.label()}")
    return problems


def _digest(root: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file():
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def refresh_copy(workdir: Path) -> Path:
    """Copy the project into workdir and run makemessages there; return the refreshed locale directory."""
    mirror = workdir / "project"
    shutil.copytree(BASE_DIR, mirror, ignore=NOT_COPIED, symlinks=True)
    code = (
        "import sys, django\n"
        "from django.conf import settings\n"
        "from django.core.management import call_command\n"
        "django.setup()\n"
        # Only the copy: with the repository's LOCALE_PATHS, makemessages would also look there.
        "settings.LOCALE_PATHS = [sys.argv[1]]\n"
        "call_command('makemessages', all=True, no_location=True, no_obsolete=True,\n"
        "             ignore_patterns=sys.argv[2:], verbosity=0)\n"
    )
    env = dict(os.environ)
    env.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    env.setdefault("SECRET_KEY", "check-translations-only-not-a-real-secret-key-0123456789abcdef")
    env["PARTNERHUB_VAR_DIR"] = str(workdir / "var")
    env["PYTHONPATH"] = str(mirror)
    subprocess.run(  # noqa: S603 - fixed arguments, our own interpreter
        [sys.executable, "-c", code, str(mirror / "locale"), *IGNORE],
        cwd=mirror,
        env=env,
        check=True,
    )
    return mirror / "locale"


def main() -> int:
    if not LOCALE_DIR.is_dir():
        print(f"FAIL: {LOCALE_DIR} does not exist. Create the catalogs with `make messages` first.")
        return 1
    missing = [lang for lang in LANGUAGES if not (LOCALE_DIR / lang / "LC_MESSAGES" / "django.po").is_file()]
    before = _digest(LOCALE_DIR)
    with tempfile.TemporaryDirectory(prefix="partnerhub-messages-") as tmp:
        try:
            refreshed = refresh_copy(Path(tmp))
        except subprocess.CalledProcessError as exc:
            print(f"FAIL: makemessages did not run (exit status {exc.returncode}); see the error above.")
            return 1
        if _digest(LOCALE_DIR) != before:  # pragma: no cover - a guard, not an expected path
            print("FAIL: the repository's locale/ changed while checking; it must not be written to.")
            return 1
        report: dict[str, list[str]] = {}
        for lang in LANGUAGES:
            if lang in missing:
                report[lang] = [f"no catalog: {LOCALE_DIR / lang / 'LC_MESSAGES' / 'django.po'} is missing"]
                continue
            po = refreshed / lang / "LC_MESSAGES" / "django.po"
            problems = problems_in(po)
            check = subprocess.run(  # noqa: S603 - fixed arguments
                ["msgfmt", "--check", "-o", os.devnull, str(po)],  # noqa: S607 - gettext is on PATH
                capture_output=True,
                text=True,
                check=False,
            )
            if check.returncode != 0:
                problems += [
                    f"msgfmt --check: {line.replace(str(po), lang)}"
                    for line in check.stderr.splitlines()
                    if line.strip()
                ]
            report[lang] = problems
    failed = {lang: problems for lang, problems in report.items() if problems}
    for lang, problems in failed.items():
        print(f"{lang}: {len(problems)} problem(s)")
        for problem in problems:
            print(f"  {problem}")
    if failed:
        total = sum(len(problems) for problems in failed.values())
        names = ", ".join(failed)
        print(f"FAIL: {total} problem(s) in {len(failed)} of {len(LANGUAGES)} catalogs ({names}).")
        return 1
    print(f"OK: every message is translated in {', '.join(LANGUAGES)}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
