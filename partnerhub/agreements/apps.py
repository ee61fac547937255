from django.apps import AppConfig


class AgreementsConfig(AppConfig):
    """Legal agreements with partners, from the instrument advice through clearance and signature to closure."""

    name = "partnerhub.agreements"
    label = "agreements"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.agreements import ui  # noqa: F401  (navigation, cards, timeline labels, panel, jobs)
