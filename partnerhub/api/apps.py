from django.apps import AppConfig


class ApiConfig(AppConfig):
    """The HTTP API: mounts each app's `api.py` router under /api/v1/ with one auth and error convention."""

    name = "partnerhub.api"
    label = "api"
    default_auto_field = "django.db.models.BigAutoField"
