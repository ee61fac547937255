from django.contrib import admin

from partnerhub.org.models import Office


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin[Office]):
    list_display = ["name", "acronym", "kind", "parent", "region_served", "is_active"]
    list_filter = ["kind", "region_served", "is_active"]
    search_fields = ["name", "acronym", "code"]
    readonly_fields = ["version"]
