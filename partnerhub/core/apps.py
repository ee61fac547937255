from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Domain-free foundations: tracked models with history, the audit log, state machines and the UI shell."""

    name = "partnerhub.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from partnerhub.core import scheduler

        scheduler.register(
            name="core.prune_finished_tasks",
            task_path="partnerhub.core.tasks.prune_finished_tasks",
            schedule="daily 03:00",
            description="Delete results of background tasks finished more than 30 days ago.",
        )
