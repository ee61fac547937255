from django.apps import AppConfig


class ScreeningConfig(AppConfig):
    """Sanctions lists (snapshots, differences), the name-matching engine and screening alerts."""

    name = "partnerhub.screening"
    label = "screening"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.screening import (
            jobs,  # noqa: F401  (registers the periodic list refresh)
            ui,  # noqa: F401  (registers navigation and the dashboard card)
            ui_monitoring,  # noqa: F401  (alerts: navigation, labels, partner panel, catch-up, receivers)
        )
