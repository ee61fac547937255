"""Panels other apps add to a partner's page (e.g. sanctions screening), without registry knowing them.

An app registers `fn(request, partner) -> HTML or None` from its `AppConfig.ready()`. The partner page
renders the panels only for staff, in order; a panel decides itself whether the user may see it and
returns None otherwise. Plain strings are escaped; return a rendered template (safe) for markup.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString

log = logging.getLogger(__name__)

PartnerPanel = Callable[[HttpRequest, Any], str | None]

_panels: list[tuple[int, str, PartnerPanel]] = []


def register_partner_panel(fn: PartnerPanel, *, order: int = 100) -> None:
    """Add a panel to the partner page (registering the same function again replaces it)."""
    name = f"{fn.__module__}.{fn.__qualname__}"
    _panels[:] = [p for p in _panels if p[1] != name]
    _panels.append((order, name, fn))
    _panels.sort(key=lambda p: (p[0], p[1]))


def render_partner_panels(request: HttpRequest, partner: Any) -> list[SafeString]:
    """Each registered panel's HTML for this partner, in order, leaving out those that return nothing."""
    rendered: list[SafeString] = []
    for _order, _name, fn in _panels:
        html = fn(request, partner)
        if html:
            rendered.append(conditional_escape(html))
    return rendered
