"""Strings that Django itself shows but ships without translations in some UN languages.

Marking them here puts them in our catalogs; LOCALE_PATHS take precedence over Django's own, so our
translations are used on the pages.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = [
    gettext_noop("- Select an option -"),
]


def translated(default: str, translations: object) -> str:
    """`default` in the current language when `translations` (language code → text) has it."""
    from django.utils.translation import get_language

    language = (get_language() or "en").lower()
    text = translations.get(language) if isinstance(translations, dict) else None
    return str(text or default)
