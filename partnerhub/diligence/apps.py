from django.apps import AppConfig


class DiligenceConfig(AppConfig):
    """Due-diligence cases on partners: questionnaires, risk rating, escalation, decisions that expire."""

    name = "partnerhub.diligence"
    label = "diligence"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.diligence import ui  # noqa: F401  (navigation, cards, guard, panel, receiver, jobs)
