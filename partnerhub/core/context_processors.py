from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from partnerhub.core.ui import nav_for


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    items = nav_for(user) if user is not None and user.is_authenticated else []
    return {"nav_items": items, "site_languages": settings.LANGUAGES}
