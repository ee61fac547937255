"""Ongoing screening: each check of a partner or a person against the current lists, the alerts it raises
and the background re-screens of everyone. Imported at the end of `models.py` so Django finds the models.
"""

from __future__ import annotations

from typing import ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from partnerhub.core.models import TrackedModel
from partnerhub.core.states import StateMachine

__all__ = [
    "ALERT_TRANSITIONS",
    "AlertStatus",
    "CheckOutcome",
    "RunStatus",
    "ScreeningAlert",
    "ScreeningCheck",
    "ScreeningRun",
    "SubjectKind",
    "Trigger",
]


class Trigger(models.TextChoices):
    CREATE = "create", _("Partner recorded")  # a new partner
    RENAME = "rename", _("Names or country changed")  # name, acronym, other names, country or kind
    CONTACT = "contact", _("Person added or changed")  # a contact, head, director or other key person
    SNAPSHOT = "snapshot", _("New list snapshot")  # everyone again after a list changed
    MANUAL = "manual", _("Screened on request")  # "Screen now" or "Re-screen everyone" by PLGU
    CATCH_UP = "catch-up", _("Catch-up")  # the periodic job: changed since the last check, or never checked


class SubjectKind(models.TextChoices):
    ORGANISATION = "organisation", _("Organisation")
    PERSON = "person", _("Person")


class CheckOutcome(models.TextChoices):
    CLEAR = "clear", pgettext_lazy("screening outcome", "Clear")  # no hit at or above the alert threshold
    ALERT = "alert", _("Possible match")  # at least one hit at or above the threshold


class AlertStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("screening alert status", "Open")  # raised, waiting for PLGU's review
    CONFIRMED = "confirmed", _("Confirmed match")  # PLGU found that the partner or person is the listed party
    DISMISSED = "dismissed", _("Dismissed")  # PLGU found that they are not (a false positive)


ALERT_TRANSITIONS = StateMachine(
    AlertStatus,
    {
        AlertStatus.OPEN: {AlertStatus.CONFIRMED, AlertStatus.DISMISSED},
        # Decisions are final: a changed list entry raises a new alert instead of reopening this one.
        AlertStatus.CONFIRMED: set(),
        AlertStatus.DISMISSED: set(),
    },
)


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # waiting for the worker
    RUNNING = "running", _("Running")  # the worker is screening; progress is updated per chunk
    DONE = "done", _("Done")  # everyone was screened
    FAILED = "failed", _("Failed")  # stopped with an error; checks already written stay, a retry goes on


class ScreeningRun(models.Model):
    """A background re-screen of every partner and their current contacts, with its progress."""

    snapshot = models.ForeignKey(
        "screening.ListSnapshot",
        verbose_name=_("snapshot"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screening_runs",
    )  # the snapshot whose loading started the run (None: started by hand)
    trigger = models.CharField(_("started by"), max_length=12, choices=Trigger.choices)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total = models.PositiveIntegerField(_("people and organisations to screen"), default=0)
    done = models.PositiveIntegerField(_("screened"), default=0)
    alerts_raised = models.PositiveIntegerField(_("alerts raised"), default=0)
    error = models.TextField(_("error"), blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=RunStatus.values), name="screening_run_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(trigger__in=[Trigger.SNAPSHOT, Trigger.MANUAL]),
                name="screening_run_trigger_valid",
            ),
            # A snapshot re-screens everyone once, however often its signal is delivered.
            models.UniqueConstraint(
                fields=["snapshot"],
                condition=models.Q(trigger="snapshot"),
                name="screening_run_one_per_snapshot",
            ),
        ]
        verbose_name = _("re-screening run")
        verbose_name_plural = _("re-screening runs")

    def __str__(self) -> str:
        return f"run {self.pk} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (RunStatus.DONE, RunStatus.FAILED)


class ScreeningCheck(models.Model):
    """One screening of one subject (a partner, or a person at that partner) against every current list.

    Written once, never changed (except to forget an erased person's names); many are written per run, so
    this is not a `TrackedModel`. The latest check per subject tells when and against what it was screened.
    """

    partner = models.ForeignKey("registry.Partner", on_delete=models.CASCADE, related_name="screening_checks")
    contact = models.ForeignKey(
        "registry.Contact", null=True, blank=True, on_delete=models.CASCADE, related_name="screening_checks"
    )  # None: the partner itself
    subject_kind = models.CharField(_("screened as"), max_length=16, choices=SubjectKind.choices)
    is_key_person = models.BooleanField(_("key person"), default=False)
    names = models.JSONField(_("names screened"), default=list)  # [name, *aliases]
    names_hash = models.CharField(max_length=64)  # of the whole query: names, kind, country
    snapshot_ids = models.JSONField(_("snapshots"), default=list)  # sorted ids of the current snapshots
    snapshots_key = models.CharField(max_length=200)  # the same ids as "3,7", for filtering
    algorithm_version = models.CharField(_("algorithm"), max_length=40)
    outcome = models.CharField(_("outcome"), max_length=8, choices=CheckOutcome.choices)
    hit_count = models.PositiveSmallIntegerField(_("hits"), default=0)
    checked_at = models.DateTimeField(_("checked"), default=timezone.now)
    trigger = models.CharField(_("why"), max_length=12, choices=Trigger.choices)
    run = models.ForeignKey(
        ScreeningRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="checks"
    )

    class Meta:
        ordering = ["-checked_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=CheckOutcome.values), name="screening_check_outcome_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(trigger__in=Trigger.values), name="screening_check_trigger_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(subject_kind__in=SubjectKind.values), name="screening_check_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="clear", hit_count=0) | models.Q(outcome="alert", hit_count__gt=0),
                name="screening_check_outcome_matches_hits",
            ),
            # A retried run screens nobody twice (two constraints: NULL contacts are distinct in SQL).
            models.UniqueConstraint(
                fields=["run", "partner"],
                condition=models.Q(run__isnull=False, contact__isnull=True),
                name="screening_check_once_per_run_partner",
            ),
            models.UniqueConstraint(
                fields=["run", "partner", "contact"],
                condition=models.Q(run__isnull=False, contact__isnull=False),
                name="screening_check_once_per_run_person",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "contact", "-checked_at"], name="screening_check_by_subject"),
            models.Index(fields=["contact", "-checked_at"], name="screening_check_by_contact"),
        ]
        verbose_name = _("screening check")
        verbose_name_plural = _("screening checks")

    def __str__(self) -> str:
        return f"check {self.pk} ({self.outcome})"


class ScreeningAlert(TrackedModel):
    """A hit at or above the threshold, for PLGU to confirm or dismiss with a reason."""

    partner = models.ForeignKey(
        "registry.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="screening_alerts",
    )
    contact = models.ForeignKey(
        "registry.Contact",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screening_alerts",
    )  # None: the alert is about the partner itself
    subject_name = models.CharField(_("name screened"), max_length=600)
    snapshot = models.ForeignKey(
        "screening.ListSnapshot", verbose_name=_("snapshot"), on_delete=models.PROTECT, related_name="+"
    )
    entry = models.ForeignKey(
        "screening.ListEntry", verbose_name=_("list entry"), on_delete=models.PROTECT, related_name="+"
    )
    reference_number = models.CharField(_("reference number"), max_length=64)
    entry_hash = models.CharField(max_length=64)  # the entry's content_hash when the alert was raised
    score = models.FloatField(_("score"))
    matched_name = models.CharField(_("matched name"), max_length=600)
    explanation = models.TextField(_("why it matched"), blank=True)
    algorithm_version = models.CharField(_("algorithm"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=AlertStatus.choices, default=AlertStatus.OPEN
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    raised_by_check = models.ForeignKey(
        ScreeningCheck, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts"
    )

    # The screened and matched names and the explanation can hold a person's name: kept out of the field
    # history so that forgetting an erased person (see monitoring.forget_contact) leaves no copy behind.
    history_exclude: ClassVar[set[str]] = {"subject_name", "matched_name", "explanation", "raised_by_check"}

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AlertStatus.values), name="screening_alert_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(status="open", decided_at__isnull=True)
                | (~models.Q(status="open") & models.Q(decided_at__isnull=False) & ~models.Q(reason="")),
                name="screening_alert_decision_complete",
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0) & models.Q(score__lte=1), name="screening_alert_score_range"
            ),
            # At most one open alert per subject and listed party (NULL contacts are distinct in SQL).
            models.UniqueConstraint(
                fields=["partner", "reference_number"],
                condition=models.Q(status="open", contact__isnull=True),
                name="screening_alert_one_open_partner",
            ),
            models.UniqueConstraint(
                fields=["partner", "contact", "reference_number"],
                condition=models.Q(status="open", contact__isnull=False),
                name="screening_alert_one_open_person",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "-created_at"], name="screening_alert_by_status"),
            models.Index(fields=["partner", "status"], name="screening_alert_by_partner"),
            models.Index(
                fields=["partner", "contact", "reference_number"], name="screening_alert_by_subject"
            ),
        ]
        verbose_name = _("screening alert")
        verbose_name_plural = _("screening alerts")

    def __str__(self) -> str:
        return f"alert {self.pk}: {self.reference_number}"

    @property
    def is_open(self) -> bool:
        return self.status == AlertStatus.OPEN
