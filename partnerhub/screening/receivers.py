"""What starts a screening: a new snapshot, and saves of partners, their names, people and roles.

Receivers only enqueue work after commit (conventions: no domain logic in signals). The tasks decide
whether anything changed by comparing with the subject's last check, so an extra save costs a query, not
a screening. Bulk writes (the importer) send no signals; the periodic catch-up job finds those.
Connected from `ScreeningConfig.ready()` by importing this module.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from partnerhub.registry.models import Contact, ContactRole, Partner, PartnerName
from partnerhub.screening.signals import snapshot_loaded

log = logging.getLogger(__name__)

# Partner fields that change what is screened; other saves (status, search index) are not worth a task.
SCREENED_FIELDS = frozenset({"name", "acronym", "country", "kind", "merged_into"})
CONTACT_FIELDS = frozenset({"given_name", "family_name", "erased_at"})


def _enqueue(task_path: str, **kwargs: Any) -> None:
    from django.utils.module_loading import import_string

    try:
        import_string(task_path).enqueue(**kwargs)
    except Exception:
        # A failed enqueue must not break the save that caused it; the catch-up job will find the subject.
        log.exception("could not enqueue %s(%s)", task_path, kwargs)


def _after_commit(task_path: str, **kwargs: Any) -> None:
    transaction.on_commit(functools.partial(_enqueue, task_path, **kwargs))


def _touches(update_fields: Any, fields: frozenset[str]) -> bool:
    return update_fields is None or bool(set(update_fields) & fields)


@receiver(snapshot_loaded, dispatch_uid="screening.monitoring.snapshot_loaded")
def rescreen_on_new_snapshot(sender: Any, snapshot: Any, **kwargs: Any) -> None:
    from partnerhub.screening.monitoring import rescreen_for_snapshot

    rescreen_for_snapshot(snapshot=snapshot)


@receiver(post_save, sender=Partner, dispatch_uid="screening.monitoring.partner_saved")
def screen_saved_partner(sender: Any, instance: Partner, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw") or not (created or _touches(kwargs.get("update_fields"), SCREENED_FIELDS)):
        return
    _after_commit(
        "partnerhub.screening.tasks_monitoring.screen_partner_task",
        partner_id=instance.pk,
        trigger="create" if created else "rename",
    )


@receiver(post_save, sender=PartnerName, dispatch_uid="screening.monitoring.name_saved")
@receiver(post_delete, sender=PartnerName, dispatch_uid="screening.monitoring.name_deleted")
def screen_renamed_partner(sender: Any, instance: PartnerName, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    _after_commit(
        "partnerhub.screening.tasks_monitoring.screen_partner_task",
        partner_id=instance.partner_id,
        trigger="rename",
    )


@receiver(post_save, sender=Contact, dispatch_uid="screening.monitoring.contact_saved")
def screen_saved_contact(sender: Any, instance: Contact, created: bool, **kwargs: Any) -> None:
    if kwargs.get("raw") or created or not _touches(kwargs.get("update_fields"), CONTACT_FIELDS):
        return  # a new contact has no role yet: the role's save screens them
    if instance.erased_at:
        _after_commit("partnerhub.screening.tasks_monitoring.forget_erased_contact", contact_id=instance.pk)
        return
    _after_commit("partnerhub.screening.tasks_monitoring.screen_contact_task", contact_id=instance.pk)


@receiver(post_save, sender=ContactRole, dispatch_uid="screening.monitoring.role_saved")
def screen_person_in_role(sender: Any, instance: ContactRole, **kwargs: Any) -> None:
    if kwargs.get("raw"):
        return
    _after_commit(
        "partnerhub.screening.tasks_monitoring.screen_contact_task",
        contact_id=instance.contact_id,
        partner_id=instance.partner_id,
    )
