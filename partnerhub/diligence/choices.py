"""Vocabularies of due diligence: rating levels, depths, engagements, answers. Ordered where order matters."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Rating(models.TextChoices):
    LOW = "low", pgettext_lazy("risk", "Low")
    MODERATE = "moderate", pgettext_lazy("risk", "Moderate")
    SUBSTANTIAL = "substantial", pgettext_lazy("risk", "Substantial")
    HIGH = "high", pgettext_lazy("risk", "High")


# Lowest first: the rating engine moves up and down this scale.
RATING_SCALE: tuple[str, ...] = (Rating.LOW, Rating.MODERATE, Rating.SUBSTANTIAL, Rating.HIGH)


def rating_index(rating: str) -> int:
    return RATING_SCALE.index(rating)


class Depth(models.TextChoices):
    BASIC = "basic", _("Basic")
    STANDARD = "standard", _("Standard")
    ENHANCED = "enhanced", _("Enhanced")


DEPTH_SCALE: tuple[str, ...] = (Depth.BASIC, Depth.STANDARD, Depth.ENHANCED)


def deeper(a: str, b: str) -> str:
    return a if DEPTH_SCALE.index(a) >= DEPTH_SCALE.index(b) else b


class Engagement(models.TextChoices):
    MOU_NO_FUNDS = "mou_no_funds", _("Memorandum of understanding without funds")
    AGREEMENT_WITH_FUNDS = "agreement_with_funds", _("Agreement with funds")
    EVENT_SPONSORSHIP = "event_sponsorship", _("Event sponsorship")
    EMBLEM_USE = "emblem_use", _("Use of the UN-Habitat name or emblem")
    OTHER = "other", _("Other engagement")


class ExclusionAnswerValue(models.TextChoices):
    NO = "no", _("No")
    YES = "yes", _("Yes")  # stops the case: it can only be rejected
    UNKNOWN = "unknown", _("Unknown")  # blocks approval until answered


class Recency(models.TextChoices):
    RECENT = "recent", _("Within the last year")
    ONE_TO_THREE = "one_to_three", _("One to three years ago")
    OLDER = "older", _("More than three years ago")


class Remediation(models.TextChoices):
    NONE = "none", _("None")
    PARTIAL = "partial", _("Partial")
    FULL = "full", _("Full")


class Section(models.TextChoices):
    IDENTITY = "identity", _("Identity and registration")
    SCREENING = "screening", _("Screening")
    EXCLUSIONS = "exclusions", _("Exclusion criteria")
    RISKS = "risks", _("Risk questions")
    MITIGATION = "mitigation", _("Mitigation measures and conditions")


class SignOffRole(models.TextChoices):
    PLGU = "plgu", _("Partnerships and Local Government Unit")
    LEGAL = "legal", _("Legal Section")


ADVERSE_MEDIA = "adverse-media"
