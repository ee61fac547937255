from django.apps import AppConfig


class OrgConfig(AppConfig):
    """The agency's own structure: offices from divisions down to units, regional and liaison offices."""

    name = "partnerhub.org"
    label = "org"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.org import ui  # noqa: F401  (registers navigation and dashboard cards)
