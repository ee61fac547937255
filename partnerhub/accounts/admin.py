from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.models import ApiToken, Role, User


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin[Role]):
    list_display = ["code", "description"]
    readonly_fields = ["code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the set of roles is fixed in code; only their holders are data

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class UserAdmin(BaseUserAdmin):  # type: ignore[type-arg]
    ordering = ["email"]
    list_display = ["email", "full_name", "office", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "roles", "office"]
    search_fields = ["email", "full_name"]
    filter_horizontal = ["roles"]
    readonly_fields = ["last_login", "date_joined", "version"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Profile"), {"fields": ("full_name", "office", "preferred_language")}),
        (_("Access"), {"fields": ("is_active", "is_staff", "is_superuser", "roles")}),
        (_("Dates"), {"fields": ("last_login", "date_joined", "version")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        from partnerhub.core.audit import audit

        before = sorted(form.instance.roles.values_list("code", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(form.instance.roles.values_list("code", flat=True))
        if before != after:
            audit(
                "accounts.user.roles", target=form.instance, before={"roles": before}, after={"roles": after}
            )


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin[ApiToken]):
    list_display = ["name", "user", "key_id", "created_at", "last_used_at", "expires_at", "revoked_at"]
    readonly_fields = ["user", "name", "key_id", "key_hash", "created_at", "last_used_at", "expires_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
