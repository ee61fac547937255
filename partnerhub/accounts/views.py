from __future__ import annotations

import base64
import datetime as dt
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LogoutView, PasswordChangeView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.accounts import services
from partnerhub.accounts.backends import EmailBackend
from partnerhub.accounts.forms import CodeForm, LoginForm, TokenForm
from partnerhub.accounts.models import ApiToken, TOTPDevice, User
from partnerhub.core.errors import DomainError, ValidationFailed
from partnerhub.core.middleware import client_ip

PENDING_2FA = "partnerhub_2fa_user"
BACKEND_PATH = f"{EmailBackend.__module__}.{EmailBackend.__qualname__}"


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return str(reverse_lazy("core:dashboard"))


def _locked_message() -> str:
    from django.conf import settings

    return _(
        "Too many failed sign-in attempts. For your security this account is locked for %(minutes)d minutes."
    ) % {"minutes": settings.LOGIN_LOCKOUT_MINUTES}


@login_not_required
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect(_safe_next(request))
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"].strip().lower()
        ip = client_ip(request)
        if services.login_is_locked(email=email, ip=ip):
            form.add_error(None, _locked_message())
        else:
            user = EmailBackend().authenticate(
                request, username=email, password=form.cleaned_data["password"]
            )
            if user is None:
                services.login_record_failure(email=email, ip=ip)
                if services.login_is_locked(email=email, ip=ip):
                    form.add_error(None, _locked_message())
                else:
                    form.add_error(None, _("The e-mail address or password is not right."))
            elif services.user_has_totp(user):
                request.session[PENDING_2FA] = user.pk
                query = urlencode({"next": _safe_next(request)})
                return redirect(f"{reverse_lazy('accounts:verify')}?{query}")
            else:
                services.login_record_success(user=user)
                login(request, user, backend=BACKEND_PATH)
                return redirect(_safe_next(request))
    return render(request, "accounts/login.html", {"form": form, "next": _safe_next(request)})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def verify_view(request: HttpRequest) -> HttpResponse:
    user_id = request.session.get(PENDING_2FA)
    user = User.objects.filter(pk=user_id, is_active=True).first() if user_id else None
    if user is None:
        return redirect("accounts:login")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        ip = client_ip(request)
        if services.login_is_locked(email=user.email, ip=ip):
            request.session.pop(PENDING_2FA, None)
            messages.error(request, _locked_message())
            return redirect("accounts:login")
        if services.totp_verify(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING_2FA, None)
            services.login_record_success(user=user)
            login(request, user, backend=BACKEND_PATH)
            return redirect(_safe_next(request))
        services.login_record_failure(email=user.email, ip=ip)
        form.add_error("code", _("That code is not right."))
    return render(request, "accounts/verify.html", {"form": form, "next": _safe_next(request)})


class SignOutView(LogoutView):
    pass


class PasswordChange(PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:security")

    def form_valid(self, form):  # type: ignore[no-untyped-def]
        response = super().form_valid(form)
        from partnerhub.core.audit import audit

        audit("accounts.password.change", target=self.request.user)  # type: ignore[arg-type]
        messages.success(self.request, _("Your password was changed."))
        return response


def _qr_data_uri(uri: str) -> str:
    svg = segno.make(uri, error="m").svg_inline(scale=4, dark="#1b2733", light="#ffffff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@never_cache
def security_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    device = TOTPDevice.objects.filter(user=user).first()
    tokens = ApiToken.objects.filter(user=user).order_by("-created_at")
    new_token = request.session.pop("partnerhub_new_token", None)
    context = {
        "device": device,
        "tokens": tokens,
        "new_token": new_token,
        "token_form": TokenForm(),
        "code_form": CodeForm(),
        "qr": _qr_data_uri(services.totp_uri(device)) if device and not device.confirmed else None,
        "totp_secret": device.secret if device and not device.confirmed else None,
        "roles": sorted(str(r) for r in user.roles.all()),
    }
    return render(request, "accounts/security.html", context)


@require_POST
def token_create_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    form = TokenForm(request.POST)
    if form.is_valid():
        expires = form.cleaned_data.get("expires_at")
        expires_at = timezone.make_aware(dt.datetime.combine(expires, dt.time(23, 59))) if expires else None
        try:
            _token, plain = services.api_token_create(
                user=user, name=form.cleaned_data["name"], expires_at=expires_at
            )
        except (ValidationFailed, DomainError) as exc:
            messages.error(
                request,
                exc.message
                if not isinstance(exc, ValidationFailed)
                else "; ".join(m for msgs in exc.errors.values() for m in msgs),
            )
        else:
            request.session["partnerhub_new_token"] = plain
            messages.success(request, _("Token created. Copy it now: it will not be shown again."))
    else:
        messages.error(request, _("Give the token a name."))
    return redirect("accounts:security")


@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    token = get_object_or_404(ApiToken, pk=pk, user=user)
    services.api_token_revoke(actor=user, token=token)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:security")


@require_POST
def totp_begin_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        services.totp_begin(user=user)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect("accounts:security")


@require_POST
def totp_confirm_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        services.totp_confirm(user=user, code=request.POST.get("code", ""))
    except ValidationFailed as exc:
        messages.error(request, exc.errors["code"][0])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Two-factor sign-in is on."))
    return redirect("accounts:security")


@require_POST
def totp_disable_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    try:
        services.totp_disable(user=user, code=request.POST.get("code", ""))
    except ValidationFailed as exc:
        messages.error(request, exc.errors["code"][0])
    else:
        messages.success(request, _("Two-factor sign-in is off."))
    return redirect("accounts:security")
