"""The matching engine's explanations in the reader's language.

The engine (pure Python, no Django) writes its reasons in English from a small fixed grammar, for
example "given name transliteration variant (mohammed/muhammad); surname exact; birth year matches
(1938)". This module recognises each reason and returns it through gettext, keeping the engine's own
words (names, years) as they are. A reason it does not recognise is shown as the engine wrote it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ROLES = {
    "word": gettext_lazy("word"),
    "particle": gettext_lazy("particle"),
    "name": gettext_lazy("name"),
    "surname": gettext_lazy("surname"),
    "given name": gettext_lazy("given name"),
    "middle name": gettext_lazy("middle name"),
}
HOW = {
    "exact": gettext_lazy("exact"),
    "spelling variant": gettext_lazy("spelling variant"),
    "transliteration variant": gettext_lazy("transliteration variant"),
    "typo": gettext_lazy("typo"),
    "initial": gettext_lazy("initial"),
}
FIXED = {
    "word order differs": gettext_lazy("word order differs"),
    "date of birth matches": gettext_lazy("date of birth matches"),
    "nationality matches": gettext_lazy("nationality matches"),
    "nationality differs": gettext_lazy("nationality differs"),
    "country matches": gettext_lazy("country matches"),
    "country differs": gettext_lazy("country differs"),
    "acronym of the listed name": gettext_lazy("acronym of the listed name"),
    "listed name is the acronym": gettext_lazy("listed name is the acronym"),
}

_ROLE = "|".join(sorted((re.escape(r) for r in ROLES), key=len, reverse=True))
_HOW = "|".join(sorted((re.escape(h) for h in HOW), key=len, reverse=True))


def _token(m: re.Match[str]) -> str:
    text = _("%(role)s: %(how)s") % {"role": ROLES[m["role"]], "how": HOW[m["how"]]}
    return f"{text} ({m['detail']})" if m["detail"] else text


def _missing_many(m: re.Match[str]) -> str:
    return _("%(role)s not given (%(count)s)") % {"role": ROLES[m["role"]], "count": m["count"]}


def _missing(m: re.Match[str]) -> str:
    return _("%(role)s not given") % {"role": ROLES[m["role"]]}


def _extra(m: re.Match[str]) -> str:
    return _("not in the listed name: %(words)s") % {"words": m["words"]}


def _year_matches(m: re.Match[str]) -> str:
    return _("birth year matches (%(year)s)") % {"year": m["year"]}


def _year_near(m: re.Match[str]) -> str:
    return _("birth year one year off (%(year)s; listed %(listed)s)") % {
        "year": m["year"],
        "listed": m["listed"],
    }


def _year_differs(m: re.Match[str]) -> str:
    return _("birth year differs (%(year)s; listed %(listed)s)") % {"year": m["year"], "listed": m["listed"]}


RULES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(rf"^(?P<role>{_ROLE}) (?P<how>{_HOW})(?: \((?P<detail>.+)\))?$"), _token),
    (re.compile(rf"^(?P<count>\d+) (?P<role>{_ROLE})s not given$"), _missing_many),
    (re.compile(rf"^(?P<role>{_ROLE}) not given$"), _missing),
    (re.compile(r"^not in listed name: (?P<words>.+)$"), _extra),
    (re.compile(r"^birth year matches \((?P<year>[^)]*)\)$"), _year_matches),
    (re.compile(r"^birth year one year off \((?P<year>[^;]*); listed (?P<listed>[^)]*)\)$"), _year_near),
    (re.compile(r"^birth year differs \((?P<year>[^;]*); listed (?P<listed>[^)]*)\)$"), _year_differs),
]


def translate_reason(reason: str) -> tuple[str, bool]:
    """One reason in the active language, and whether it was recognised."""
    reason = reason.strip()
    if reason in FIXED:
        return str(FIXED[reason]), True
    for pattern, render in RULES:
        match = pattern.match(reason)
        if match:
            return render(match), True
    return reason, False


def split_reasons(explanation: str) -> list[str]:
    """The reasons of an explanation: separated by "; ", except inside parentheses ("(1945; listed 1950)")."""
    parts: list[str] = []
    depth = 0
    start = 0
    for i, char in enumerate(explanation):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0:
            parts.append(explanation[start:i])
            start = i + 1
    parts.append(explanation[start:])
    return [p.strip() for p in parts if p.strip()]


def translate_explanation(explanation: str) -> str:
    """A whole explanation ("reason; reason; ...") in the active language."""
    return _("; ").join(translate_reason(part)[0] for part in split_reasons(explanation or ""))
