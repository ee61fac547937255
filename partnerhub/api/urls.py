"""One NinjaAPI for /api/v1/: auth, error format and the routers of every app."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from partnerhub.api.auth import ActiveSession, BearerToken
from partnerhub.api.problems import problem
from partnerhub.core.errors import DomainError, ValidationFailed

api = NinjaAPI(
    title="PartnerHub API",
    version="1.0.0",
    description="UN-Habitat partnerships and stakeholder engagement. Authenticate with a session or "
    "`Authorization: Bearer <personal API token>`. Errors are `application/problem+json`.",
    auth=[BearerToken(), ActiveSession()],
    docs_decorator=login_required,
    urls_namespace="api-1.0.0",
)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = problem(
        request,
        status=401,
        title=_("Authentication required"),
        code="not_authenticated",
        detail=_("Sign in, or send a valid personal API token as “Authorization: Bearer <token>”."),
    )
    response["WWW-Authenticate"] = 'Bearer realm="partnerhub"'
    return response


@api.exception_handler(AuthorizationError)
def _forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
    return problem(request, status=403, title=_("Not allowed"), code="not_allowed", detail=str(exc.message))


@api.exception_handler(PermissionDenied)
def _permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem(request, status=403, title=_("Not allowed"), code="not_allowed", detail=str(exc) or "")


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, status=404, title=_("Not found"), code="not_found")


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    return problem(
        request,
        status=422,
        title=_("Some values are not valid."),
        detail=_("Some values are not valid."),
        code="validation_failed",
        errors=exc.errors,
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, status=exc.status_code, title=str(exc), code=str(exc.status_code))


@api.exception_handler(DomainError)
def _domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    # The readable reason is both the title and the detail, so clients can always read `detail`.
    if isinstance(exc, ValidationFailed):
        return problem(
            request,
            status=exc.status,
            title=exc.message,
            detail=exc.message,
            code=exc.code,
            errors=exc.errors,
        )
    return problem(request, status=exc.status, title=exc.message, detail=exc.message, code=exc.code)


api.add_router("/", "partnerhub.accounts.api.router")
api.add_router("/offices", "partnerhub.org.api.router")
api.add_router("/", "partnerhub.registry.api.router")
api.add_router("/screening", "partnerhub.screening.api.router")
api.add_router("/screening", "partnerhub.screening.api_monitoring.router")
api.add_router("/diligence", "partnerhub.diligence.api.router")
api.add_router("/agreements", "partnerhub.agreements.api.router")
