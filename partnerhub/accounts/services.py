from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Iterable
from typing import Any

import pyotp
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.accounts.models import ApiToken, LoginFailure, Role, TOTPDevice, User
from partnerhub.core.audit import audit
from partnerhub.core.errors import DomainError, NotAllowed, ValidationFailed

# --- Users and roles ------------------------------------------------------------------------------


@transaction.atomic
def user_create(
    *,
    email: str,
    full_name: str = "",
    password: str | None = None,
    roles: Iterable[str] = (),
    office: Any = None,
    is_staff: bool = False,
) -> User:
    """Create a user with the given role codes; the password is checked against the validators."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationFailed({"email": [_("A user with this e-mail address already exists.")]})
    user = User(email=email, full_name=full_name, office=office, is_staff=is_staff)
    if password is not None:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed({"password": list(exc.messages)}) from None
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    role_objs = list(Role.objects.filter(code__in=list(roles)))
    user.roles.set(role_objs)
    audit(
        "accounts.user.create",
        target=user,
        after={"email": email, "roles": sorted(r.code for r in role_objs)},
    )
    return user


@transaction.atomic
def user_set_roles(*, actor: Any, user: User, roles: Iterable[str]) -> User:
    """Replace a user's roles (administrators only); the change is audited with before and after."""
    if not actor.is_administrator:
        raise NotAllowed(_("Only administrators can change roles."))
    before = sorted(user.roles.values_list("code", flat=True))
    wanted = sorted(set(roles))
    found = list(Role.objects.filter(code__in=wanted))
    if len(found) != len(wanted):
        raise ValidationFailed({"roles": [_("Unknown role.")]})
    user.roles.set(found)
    user.__dict__.pop("role_codes", None)
    if before != wanted:
        audit("accounts.user.roles", target=user, before={"roles": before}, after={"roles": wanted})
    return user


# --- Sign-in throttling ---------------------------------------------------------------------------

IP_FAILURE_FACTOR = 4  # an address may fail for a few accounts before it is itself held back


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def login_is_locked(*, email: str, ip: str | None) -> bool:
    """True when this account, or this address, failed too often within the lockout window."""
    since = _window_start()
    limit = settings.LOGIN_FAILURE_LIMIT
    if LoginFailure.objects.filter(email=email.strip().lower(), at__gte=since).count() >= limit:
        return True
    return bool(ip and LoginFailure.objects.filter(ip=ip, at__gte=since).count() >= limit * IP_FAILURE_FACTOR)


def login_record_failure(*, email: str, ip: str | None) -> None:
    LoginFailure.objects.create(email=email.strip().lower()[:254], ip=ip)
    since = _window_start()
    if (
        LoginFailure.objects.filter(email=email.strip().lower(), at__gte=since).count()
        == settings.LOGIN_FAILURE_LIMIT
    ):
        audit("accounts.login.locked", after={"email": email.strip().lower(), "ip": ip})


def login_record_success(*, user: User) -> None:
    LoginFailure.objects.filter(email=user.email).delete()


def login_failures_purge(*, older_than: dt.timedelta = dt.timedelta(days=7)) -> int:
    deleted, _ignored = LoginFailure.objects.filter(at__lt=timezone.now() - older_than).delete()
    return deleted


# --- Two-factor (TOTP) ----------------------------------------------------------------------------

TOTP_ISSUER = "PartnerHub UN-Habitat"


@transaction.atomic
def totp_begin(*, user: User) -> TOTPDevice:
    """Start (or restart) enrolment: a fresh secret, not yet required at sign-in."""
    device, _created = TOTPDevice.objects.get_or_create(user=user, defaults={"secret": pyotp.random_base32()})
    if device.confirmed:
        raise DomainError(_("Two-factor sign-in is already on. Turn it off first to enrol a new device."))
    if not _created:
        device.secret = pyotp.random_base32()
        device.save()
    return device


def totp_uri(device: TOTPDevice) -> str:
    return str(pyotp.TOTP(device.secret).provisioning_uri(name=device.user.email, issuer_name=TOTP_ISSUER))


def _totp_matches(device: TOTPDevice, code: str) -> int | None:
    """The time step the code belongs to, or None. One step of clock drift is tolerated."""
    code = "".join(ch for ch in code if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(device.secret)
    now = timezone.now()
    current = int(now.timestamp()) // totp.interval
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


@transaction.atomic
def totp_confirm(*, user: User, code: str) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().filter(user=user).first()
    if device is None:
        raise DomainError(_("Start the set-up first."))
    step = _totp_matches(device, code)
    if step is None:
        raise ValidationFailed(
            {"code": [_("That code is not right. Check your device's clock and try again.")]}
        )
    device.confirmed = True
    device.last_used_step = step
    device.save()
    audit("accounts.totp.enable", target=user)
    return device


@transaction.atomic
def totp_verify(*, user: User, code: str) -> bool:
    """Check a sign-in code; a code can be used once only."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    if device is None:
        return False
    step = _totp_matches(device, code)
    if step is None or (device.last_used_step is not None and step <= device.last_used_step):
        return False
    device.last_used_step = step
    device.save(update_fields=["last_used_step"])
    return True


@transaction.atomic
def totp_disable(*, user: User, code: str) -> None:
    device = TOTPDevice.objects.filter(user=user).first()
    if device is None:
        return
    if device.confirmed and _totp_matches(device, code) is None:
        raise ValidationFailed({"code": [_("That code is not right.")]})
    device.delete()
    audit("accounts.totp.disable", target=user)


def user_has_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


# --- API tokens -----------------------------------------------------------------------------------

MAX_ACTIVE_TOKENS = 20


@transaction.atomic
def api_token_create(*, user: User, name: str, expires_at: dt.datetime | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the plain text, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": [_("Give the token a name so you can recognise it later.")]})
    if not user.is_active:
        raise NotAllowed(_("Inactive users cannot hold API tokens."))
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= MAX_ACTIVE_TOKENS:
        raise DomainError(_("You already have the maximum number of active tokens; revoke one first."))
    if expires_at is not None and expires_at <= timezone.now():
        raise ValidationFailed({"expires_at": [_("The expiry date must be in the future.")]})
    key_id, secret, plain = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        key_id=key_id,
        key_hash=ApiToken.hash_secret(secret),
        expires_at=expires_at,
    )
    audit("accounts.api_token.create", target=user, after={"token": str(token)})
    return token, plain


@transaction.atomic
def api_token_revoke(*, actor: User, token: ApiToken) -> ApiToken:
    if token.user_id != actor.pk and not actor.is_administrator:
        raise NotAllowed(_("You can only revoke your own tokens."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit("accounts.api_token.revoke", target=token.user, after={"token": str(token)})
    return token


def api_token_authenticate(plain: str) -> User | None:
    """The active user behind a bearer token, or None. Constant-time comparison of the hash."""
    parts = plain.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != ApiToken.PREFIX:
        return None
    _prefix, key_id, secret = parts
    token = ApiToken.objects.select_related("user").filter(key_id=key_id).first()
    if token is None or not token.is_usable or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.key_hash, ApiToken.hash_secret(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
