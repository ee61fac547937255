"""Vocabularies of the agreements app (other than the lifecycle states, which live in states.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class FundsFlow(models.TextChoices):
    NONE = "none", _("No transfer of funds")
    TO_PARTNER = "to_partner", _("UN-Habitat transfers funds to the partner")
    TO_UNHABITAT = "to_unhabitat", _("The partner transfers funds to UN-Habitat")


class Purpose(models.TextChoices):
    FRAMEWORK = "framework", _("Framework cooperation")
    PROJECT = "project", _("Project implementation")
    CONTRIBUTION = "contribution", _("Financial contribution")
    EVENT = "event", _("Event co-organisation")
    DATA_SHARING = "data_sharing", _("Data sharing")
    SECONDMENT = "secondment", _("Secondment")
    HOSTING = "hosting", _("Hosting of an office")
    OTHER = "other", _("Other")


class Decision(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")


class DocumentKind(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SIGNED = "signed", _("Signed copy")
    GENERATED = "generated", _("Generated letter")
    OTHER = "other", _("Other")


class AssessmentStatus(models.TextChoices):
    DUE = "due", _("Due")
    RECEIVED = "received", _("Received")
