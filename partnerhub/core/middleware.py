from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from django.http import HttpRequest, HttpResponse

from partnerhub.core.context import acting_as, actor_for


def client_ip(request: HttpRequest) -> str | None:
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[0].strip() or None
    return request.META.get("REMOTE_ADDR") or None


class ActorMiddleware:
    """Make the signed-in user the actor of every history row and audit entry written during the request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with acting_as(actor_for(getattr(request, "user", None), client_ip(request))):
            return self.get_response(request)


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Every page needs a signed-in user; the API answers 401 itself instead of redirecting."""

    def process_view(
        self, request: HttpRequest, view_func: Callable[..., Any], view_args: Any, view_kwargs: Any
    ) -> HttpResponse | None:
        if request.path_info.startswith("/api/v1/") and not request.path_info.startswith(
            ("/api/v1/docs", "/api/v1/openapi.json")
        ):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)  # type: ignore[return-value]
