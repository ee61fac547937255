from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """People who sign in to PartnerHub: their roles, sign-in protection and personal API tokens."""

    name = "partnerhub.accounts"
    label = "accounts"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.accounts import ui  # noqa: F401  (registers navigation, cards and periodic jobs)
