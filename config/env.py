"""Read configuration from environment variables, refusing malformed values loudly."""

from __future__ import annotations

import os
from collections.abc import Mapping
from urllib.parse import urlparse

from django.core.exceptions import ImproperlyConfigured

# The reader's methods are named str/bool/int/list; these aliases keep the annotations unambiguous.
Str = str
Bool = bool
Int = int
StrList = list[str]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


class Env:
    def __init__(self, environ: Mapping[Str, Str] | None = None) -> None:
        self.environ = os.environ if environ is None else environ

    def str(self, name: Str, default: Str | None = None) -> Str:
        value = self.environ.get(name)
        if value is None:
            if default is None:
                raise ImproperlyConfigured(f"Environment variable {name} is required but not set.")
            return default
        return value

    def bool(self, name: Str, default: Bool = False) -> Bool:
        raw = self.environ.get(name)
        if raw is None:
            return default
        lowered = raw.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"Environment variable {name}={raw!r} is not a boolean; use one of 1/0, true/false, yes/no, on/off."
        )

    def int(self, name: Str, default: Int) -> Int:
        raw = self.environ.get(name)
        if raw is None or raw.strip() == "":
            return default
        try:
            return int(raw)
        except ValueError:
            raise ImproperlyConfigured(
                f"Environment variable {name}={raw!r} is not a whole number."
            ) from None

    def list(self, name: Str, default: StrList) -> StrList:
        raw = self.environ.get(name)
        if raw is None:
            return default
        return [item.strip() for item in raw.split(",") if item.strip()]

    def url(self, name: Str, default: Str, schemes: set[Str]) -> Str:
        raw = self.environ.get(name, default)
        parsed = urlparse(raw)
        if parsed.scheme not in schemes:
            allowed = ", ".join(sorted(schemes))
            raise ImproperlyConfigured(
                f"Environment variable {name}={raw!r} has scheme {parsed.scheme!r}; expected one of: {allowed}."
            )
        return raw
