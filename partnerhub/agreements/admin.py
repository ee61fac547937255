"""The Legal Section edits instruments, clearance chains and the advisor's rules on the admin site; a
published rule set is read-only (answers cite its version), so changes go into a copy that is then
published. Delegations are recorded and revoked through the services (audited); agreements only through
the pages and the API."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from partnerhub.agreements import services
from partnerhub.agreements.models import (
    AdvisorRule,
    AdvisorRuleSet,
    ClearanceChain,
    ClearanceChainStep,
    DelegationOfAuthority,
    InstrumentTemplate,
    InstrumentType,
)
from partnerhub.agreements.permissions import can_manage_legal_data
from partnerhub.core.errors import DomainError


class LegalAdmin(admin.ModelAdmin[Any]):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_legal_data(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_legal_data(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_legal_data(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_legal_data(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # agreements and answers refer to these rows: switch them off instead


class TemplateInline(admin.TabularInline[InstrumentTemplate, InstrumentType]):
    model = InstrumentTemplate
    extra = 0


@admin.register(InstrumentType)
class InstrumentTypeAdmin(LegalAdmin):
    inlines = (TemplateInline,)
    list_display = (
        "code",
        "name",
        "binding",
        "funds_flow",
        "needs_end_assessment",
        "is_assumption",
        "is_active",
    )
    list_filter = ("is_assumption", "is_active", "binding")
    list_editable = ("is_assumption", "is_active")


class ChainStepInline(admin.TabularInline[ClearanceChainStep, ClearanceChain]):
    model = ClearanceChainStep
    extra = 0


@admin.register(ClearanceChain)
class ClearanceChainAdmin(LegalAdmin):
    list_display = ("code", "name", "is_active")
    inlines = (ChainStepInline,)


class RuleInline(admin.StackedInline[AdvisorRule, AdvisorRuleSet]):
    model = AdvisorRule
    extra = 0
    filter_horizontal = ("categories",)

    def _editable(self, obj: AdvisorRuleSet | None) -> bool:
        return obj is None or obj.published_at is None

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_legal_data(request.user) and self._editable(obj)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_legal_data(request.user) and self._editable(obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_legal_data(request.user) and self._editable(obj)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_legal_data(request.user)


@admin.register(AdvisorRuleSet)
class AdvisorRuleSetAdmin(LegalAdmin):
    list_display = ("number", "is_active", "published_at", "published_by", "note")
    readonly_fields = ("is_active", "published_at", "published_by")
    inlines = (RuleInline,)
    actions = ("publish", "copy")

    @admin.action(description=_("Publish (put in use)"))
    def publish(self, request: HttpRequest, queryset: QuerySet[AdvisorRuleSet]) -> None:
        for rule_set in queryset:
            try:
                services.rule_set_publish(actor=request.user, rule_set=rule_set)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                self.message_user(request, _("Rules version %(n)d is in use.") % {"n": rule_set.number})

    @admin.action(description=_("Copy into a new, unpublished version"))
    def copy(self, request: HttpRequest, queryset: QuerySet[AdvisorRuleSet]) -> None:
        for rule_set in queryset:
            new = services.rule_set_copy(actor=request.user, rule_set=rule_set)
            self.message_user(
                request, _("Version %(n)d created; edit it, then publish it.") % {"n": new.number}
            )


@admin.register(DelegationOfAuthority)
class DelegationAdmin(LegalAdmin):
    list_display = (
        "delegate",
        "max_amount",
        "currency",
        "valid_from",
        "valid_to",
        "delegated_by",
        "revoked_at",
    )
    list_filter = ("revoked_at",)
    filter_horizontal = ("instruments",)
    readonly_fields = ("revoked_at",)
    actions = ("revoke",)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None and can_manage_legal_data(request.user)  # recorded once; revoked, never edited

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        data = form.cleaned_data
        form.instance = services.delegation_create(
            actor=request.user,
            delegate=data["delegate"],
            instruments=list(data["instruments"]),
            max_amount=data["max_amount"],
            currency=data["currency"],
            valid_from=data["valid_from"],
            valid_to=data["valid_to"],
            delegated_by=data["delegated_by"],
            reference=data.get("reference", ""),
        )

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        return None  # the service has set the instruments

    @admin.action(description=_("Revoke"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[DelegationOfAuthority]) -> None:
        for delegation in queryset:
            try:
                services.delegation_revoke(actor=request.user, delegation=delegation)
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
