"""Errors as RFC 9457 problem details (`application/problem+json`), with the same codes as the services."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse

PROBLEM_TYPE_BASE = "https://partnerhub.unhabitat.org/problems/"


def problem(
    request: HttpRequest, *, status: int, title: str, detail: str = "", code: str = "", **extra: object
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + (code or str(status)),
        "title": title,
        "status": status,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if code:
        body["code"] = code
    body.update(extra)
    return HttpResponse(
        json.dumps(body, cls=DjangoJSONEncoder, ensure_ascii=False),
        status=status,
        content_type="application/problem+json",
    )
