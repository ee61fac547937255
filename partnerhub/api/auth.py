from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth


class BearerToken(HttpBearer):
    """`Authorization: Bearer <personal API token>`."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        from partnerhub.accounts.services import api_token_authenticate

        user = api_token_authenticate(token)
        if user is None:
            return None
        request.user = user
        from partnerhub.core.context import _current, actor_for
        from partnerhub.core.middleware import client_ip

        # The request started anonymous; from here on history and audit rows name the token's owner.
        _current.set(actor_for(user, client_ip(request)))
        return user


class ActiveSession(SessionAuth):
    """The browser session (with CSRF on unsafe methods), for htmx and the interactive docs."""

    def __call__(self, request: HttpRequest) -> Any:
        # Without a signed-in session there is nothing to protect from CSRF: answer 401, not a CSRF 403.
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        return super().__call__(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_active:
            return user
        return None
