"""The policy data is edited on the admin site by PLGU and administrators; cases only through the pages."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from partnerhub.diligence.models import (
    CategoryRequirement,
    DiligencePolicy,
    ExclusionCriterion,
    RiskArea,
    ValidityPeriod,
)
from partnerhub.diligence.permissions import can_manage_policy


class PolicyAdmin(admin.ModelAdmin[Any]):
    def has_module_permission(self, request: HttpRequest) -> bool:
        return can_manage_policy(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_policy(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_manage_policy(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return can_manage_policy(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # answers refer to criteria and areas: switch them off instead


@admin.register(CategoryRequirement)
class CategoryRequirementAdmin(PolicyAdmin):
    list_display = ("category", "required", "base_depth")
    list_editable = ("required", "base_depth")


@admin.register(ExclusionCriterion)
class ExclusionCriterionAdmin(PolicyAdmin):
    list_display = ("code", "label", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(RiskArea)
class RiskAreaAdmin(PolicyAdmin):
    list_display = ("code", "label", "order", "is_active")
    list_editable = ("order", "is_active")


@admin.register(DiligencePolicy)
class DiligencePolicyAdmin(PolicyAdmin):
    list_display = ("name", "moderate_areas_raise", "mitigation_max_levels", "complex_from", "updated_at")


@admin.register(ValidityPeriod)
class ValidityPeriodAdmin(PolicyAdmin):
    list_display = ("rating", "months")
