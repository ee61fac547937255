from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Domain-free foundations: tracked models with history, the audit log, state machines and the UI shell."""

    name = "partnerhub.core"
    label = "core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _
        from django.utils.translation import gettext_noop

        from partnerhub.core import scheduler
        from partnerhub.core.jobs import can_manage_jobs
        from partnerhub.core.ui import NavItem, register_nav

        register_nav(
            NavItem(label=_("Background jobs"), url_name="core:jobs", visible=can_manage_jobs, order=200)
        )

        scheduler.register(
            name="core.prune_finished_tasks",
            task_path="partnerhub.core.tasks.prune_finished_tasks",
            schedule="daily 03:00",
            description=gettext_noop("Delete results of background tasks finished more than 30 days ago."),
        )
