"""Sanctions lists in the admin site: read-only. Lists are changed, and snapshots loaded, on PartnerHub's own
pages, whose services check permissions and write the audit log."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from partnerhub.screening.models import ListSnapshot, ListSource


class _ReadOnly(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ListSource)
class ListSourceAdmin(_ReadOnly):
    list_display = ["name", "code", "format", "refresh_enabled", "last_refresh_at"]


@admin.register(ListSnapshot)
class ListSnapshotAdmin(_ReadOnly):
    list_display = [
        "source",
        "generated_on",
        "loaded_at",
        "entry_count",
        "is_current",
        "added_count",
        "removed_count",
    ]
    list_filter = ["source", "is_current"]
    exclude = ["warnings"]
