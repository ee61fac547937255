from django.apps import AppConfig


class RegistryConfig(AppConfig):
    """The corporate partners database: partners, their contacts, categories and relationships."""

    name = "partnerhub.registry"
    label = "registry"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.registry import ui  # noqa: F401  (registers navigation, cards, jobs and seeders)
