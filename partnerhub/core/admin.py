from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from partnerhub.core.models import AuditLog, PeriodicJob, RecordHistory


class ReadOnlyAdmin(admin.ModelAdmin[Any]):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditLog)
class AuditLogAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "action", "target_label", "ip"]
    list_filter = ["action"]
    search_fields = ["actor_label", "action", "target_label"]
    date_hierarchy = "at"


@admin.register(RecordHistory)
class RecordHistoryAdmin(ReadOnlyAdmin):
    list_display = ["at", "actor_label", "content_type", "object_id", "action"]
    list_filter = ["content_type", "action"]


@admin.register(PeriodicJob)
class PeriodicJobAdmin(admin.ModelAdmin[PeriodicJob]):
    list_display = ["name", "schedule", "enabled", "last_run_at", "next_run_at", "last_error"]
    readonly_fields = ["task_path", "last_run_at", "last_task_id", "last_error", "description"]
    list_editable = ["enabled"]
