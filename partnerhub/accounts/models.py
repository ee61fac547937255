from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.roles import STAFF_ROLES, RoleCode
from partnerhub.core.models import TrackedModel


class Role(TrackedModel):
    """A role users can hold; the set of codes is fixed in code, the assignment is data."""

    code = models.CharField(_("code"), max_length=32, unique=True, choices=RoleCode.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(code__in=RoleCode.values), name="accounts_role_code_valid"
            )
        ]

    def __str__(self) -> str:
        return str(self.get_code_display())


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> User:
        return self.get(email__iexact=username or "")

    def create_user(self, email: str, password: str | None = None, **extra: Any) -> User:
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra: Any) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        user = self.create_user(email, password, **extra)
        admin_role, _created = Role.objects.get_or_create(code=RoleCode.ADMIN)
        user.roles.add(admin_role)
        return user


class User(AbstractBaseUser, PermissionsMixin, TrackedModel):
    """A person who signs in with their e-mail address: agency staff or a partner organisation's user."""

    email = models.EmailField(_("e-mail"), unique=True)
    full_name = models.CharField(_("full name"), max_length=200, blank=True)
    office = models.ForeignKey(
        "org.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)
    roles = models.ManyToManyField(Role, verbose_name=_("roles"), blank=True, related_name="users")
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may use the administration site"), default=False, help_text=_("Administrators only.")
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    history_exclude: ClassVar[set[str]] = {"last_login"}
    history_masked: ClassVar[set[str]] = {"password"}

    class Meta:
        ordering = ["full_name", "email"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = self.email.strip().lower()
        super().save(*args, **kwargs)

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("code", flat=True))

    def has_role(self, *codes: str) -> bool:
        return bool(self.is_active and self.role_codes.intersection(codes))

    @property
    def is_partner_user(self) -> bool:
        """External users: partner role and no staff role. Never decided by e-mail domain."""
        return RoleCode.PARTNER in self.role_codes and not (self.role_codes & STAFF_ROLES)

    @property
    def is_agency_staff(self) -> bool:
        return bool(self.is_active and self.role_codes & STAFF_ROLES)

    @property
    def is_administrator(self) -> bool:
        return self.has_role(RoleCode.ADMIN)


class LoginFailure(models.Model):
    """A failed sign-in, counted to lock an account (and an address) after repeated failures."""

    email = models.CharField(max_length=254, db_index=True)
    ip = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.email} {self.at:%Y-%m-%d %H:%M}"


class TOTPDevice(TrackedModel):
    """A staff member's authenticator app for two-factor sign-in (RFC 6238)."""

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="totp")
    secret = models.CharField(max_length=64)
    confirmed = models.BooleanField(default=False)
    last_used_step = models.BigIntegerField(null=True, blank=True)

    history_masked: ClassVar[set[str]] = {"secret"}
    history_exclude: ClassVar[set[str]] = {"last_used_step"}

    class Meta:
        verbose_name = _("authenticator")

    def __str__(self) -> str:
        return f"authenticator of {self.user_id}"


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(TrackedModel):
    """A personal API token: only its hash is stored; the token is shown once, when created."""

    PREFIX: ClassVar[str] = "phk"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_id = models.CharField(max_length=16, unique=True)
    key_hash = models.CharField(max_length=64)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    history_exclude: ClassVar[set[str]] = {"last_used_at"}
    history_masked: ClassVar[set[str]] = {"key_hash"}

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.PREFIX}_{self.key_id}…)"

    @classmethod
    def generate(cls) -> tuple[str, str, str]:
        """Return (key_id, secret, full token)."""
        key_id = secrets.token_hex(6)
        secret = secrets.token_urlsafe(32)
        return key_id, secret, f"{cls.PREFIX}_{key_id}_{secret}"

    @staticmethod
    def hash_secret(secret: str) -> str:
        return _hash_token(secret)

    @property
    def is_usable(self) -> bool:
        now = timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)
