"""Due-diligence policy held as data (which categories need it, exclusion criteria, risk areas, rating rules,
validity per rating) and the cases with their answers, evidence and decisions."""

from __future__ import annotations

import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partnerhub.core.i18n import translated
from partnerhub.core.models import TrackedModel
from partnerhub.diligence.choices import (
    Depth,
    Engagement,
    ExclusionAnswerValue,
    Rating,
    Recency,
    Remediation,
    Section,
)
from partnerhub.diligence.states import APPROVALS, CaseStatus, Decision

# --- Policy as data -------------------------------------------------------------------------------


class CategoryRequirement(TrackedModel):
    """Whether partners of a stakeholder category need due diligence, and the depth it starts from."""

    category = models.OneToOneField(
        "registry.StakeholderCategory",
        verbose_name=_("stakeholder category"),
        on_delete=models.CASCADE,
        related_name="diligence_requirement",
    )
    required = models.BooleanField(_("due diligence required"), default=True)
    base_depth = models.CharField(_("base depth"), max_length=10, choices=Depth.choices, default=Depth.BASIC)

    class Meta:
        ordering = ["category__number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(base_depth__in=Depth.values), name="diligence_requirement_depth_valid"
            )
        ]
        verbose_name = _("category requirement")
        verbose_name_plural = _("category requirements")

    def __str__(self) -> str:
        return str(self.category)


class ExclusionCriterion(TrackedModel):
    """A reason the agency does not partner at all (UNSDG Common Approach): a "yes" stops the case."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("question"), max_length=300)
    label_translations = models.JSONField(_("question in other languages"), default=dict, blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("exclusion criterion")
        verbose_name_plural = _("exclusion criteria")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return translated(self.label, self.label_translations)


class RiskArea(TrackedModel):
    """An area rated Low to High on every case: the Global Compact standards and the other risk indicators."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label = models.CharField(_("name"), max_length=200)
    label_translations = models.JSONField(_("name in other languages"), default=dict, blank=True)
    guidance = models.TextField(_("what to look at"), blank=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("risk area")
        verbose_name_plural = _("risk areas")

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        return translated(self.label, self.label_translations)


class DiligencePolicy(TrackedModel):
    """The rating rules, depth rules and reminder days; the newest row is the one in force."""

    name = models.CharField(_("name"), max_length=100, default="Default")
    # Rating rules (see rating.py): the worst area sets the floor, then these adjust it.
    moderate_areas_raise = models.PositiveSmallIntegerField(
        _("Moderate areas that raise the rating a level"),
        default=2,
        help_text=_("When at least this many areas are Moderate the rating rises one level (0: never)."),
    )
    mitigation_max_levels = models.PositiveSmallIntegerField(
        _("levels mitigation may lower the rating"), default=1
    )
    floor_while_high_open = models.CharField(
        _("lowest rating while a High area has no mitigation"),
        max_length=12,
        choices=Rating.choices,
        default=Rating.MODERATE,
    )
    complex_from = models.CharField(
        _("ratings from which a case is complex"),
        max_length=12,
        choices=Rating.choices,
        default=Rating.SUBSTANTIAL,
    )
    # Depth rules: the deepest of the category's base depth, the engagement's and the amount's.
    engagement_depths = models.JSONField(
        _("depth per intended engagement"),
        default=dict,
        blank=True,
        help_text=_('For example {"agreement_with_funds": "standard", "emblem_use": "enhanced"}.'),
    )
    currency = models.CharField(_("currency of the amounts"), max_length=3, default="USD")
    standard_from_amount = models.DecimalField(
        _("standard depth from amount"), max_digits=14, decimal_places=2, default=50_000
    )
    enhanced_from_amount = models.DecimalField(
        _("enhanced depth from amount"), max_digits=14, decimal_places=2, default=250_000
    )
    reminder_days = models.JSONField(
        _("reminders, days before expiry"), default=list, blank=True, help_text=_("For example [60, 30].")
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(floor_while_high_open__in=Rating.values)
                & models.Q(complex_from__in=Rating.values),
                name="diligence_policy_ratings_valid",
            )
        ]
        verbose_name = _("due-diligence policy")
        verbose_name_plural = _("due-diligence policies")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def current(cls) -> DiligencePolicy:
        policy = cls.objects.order_by("-id").first()
        return policy if policy is not None else cls(engagement_depths={}, reminder_days=[60, 30])


class ValidityPeriod(TrackedModel):
    """How long an approval at a rating stays valid."""

    rating = models.CharField(_("rating"), max_length=12, choices=Rating.choices, unique=True)
    months = models.PositiveSmallIntegerField(_("valid for (months)"))

    class Meta:
        ordering = ["months"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__in=Rating.values), name="diligence_validity_rating_valid"
            ),
            models.CheckConstraint(condition=models.Q(months__gt=0), name="diligence_validity_positive"),
        ]
        verbose_name = _("validity period")
        verbose_name_plural = _("validity periods")

    def __str__(self) -> str:
        return f"{self.rating}: {self.months}"


# --- Cases ----------------------------------------------------------------------------------------


class DiligenceCase(TrackedModel):
    """One due-diligence check of a partner for an intended engagement, from draft to a decision."""

    partner = models.ForeignKey(
        "registry.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="diligence_cases",
    )
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT, related_name="+"
    )
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )  # the partner's when the case was opened: receives the expiry reminders
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )

    engagement = models.CharField(_("intended engagement"), max_length=24, choices=Engagement.choices)
    purpose = models.TextField(_("purpose of the engagement"), blank=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2, null=True, blank=True)
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    proposed_depth = models.CharField(_("proposed depth"), max_length=10, choices=Depth.choices)
    depth = models.CharField(_("depth"), max_length=10, choices=Depth.choices)
    depth_reason = models.TextField(_("why the depth was raised"), blank=True)

    # Section 1: identity and registration.
    registration_certificate_expiry = models.DateField(
        _("registration certificate valid until"), null=True, blank=True
    )
    governing_body = models.TextField(_("governing body"), blank=True)
    beneficial_owners = models.TextField(_("beneficial owners"), blank=True)
    key_persons = models.TextField(_("key persons"), blank=True)

    # The officer may make any case complex.
    override_complex = models.BooleanField(_("treat as complex"), default=False)
    override_reason = models.TextField(_("why it is treated as complex"), blank=True)

    # Kept up to date by the services on every change of answers (see rating.py and services.py).
    rating = models.CharField(_("risk rating"), max_length=12, choices=Rating.choices, blank=True)
    rating_explanation = models.JSONField(_("why this rating"), default=list, blank=True)
    is_complex = models.BooleanField(_("complex"), default=False)
    complex_reasons = models.JSONField(_("why it is complex"), default=list, blank=True)

    info_request = models.TextField(_("information requested"), blank=True)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated"), null=True, blank=True)
    reopened_at = models.DateTimeField(_("reopened"), null=True, blank=True)

    plgu_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off for PLGU by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    plgu_signed_at = models.DateTimeField(_("PLGU sign-off"), null=True, blank=True)
    plgu_note = models.TextField(_("PLGU sign-off note"), blank=True)
    legal_signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signed off for the Legal Section by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    legal_signed_at = models.DateTimeField(_("Legal Section sign-off"), null=True, blank=True)
    legal_note = models.TextField(_("Legal Section sign-off note"), blank=True)

    decision = models.CharField(_("decision"), max_length=28, choices=Decision.choices, blank=True)
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    conditions = models.TextField(_("conditions"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CaseStatus.values), name="diligence_case_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(decision__in=[*Decision.values, ""]), name="diligence_case_decision_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(rating__in=[*Rating.values, ""]), name="diligence_case_rating_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(depth__in=Depth.values) & models.Q(proposed_depth__in=Depth.values),
                name="diligence_case_depth_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(engagement__in=Engagement.values), name="diligence_case_engagement_valid"
            ),
            # A decided case has a decision with reasons; an approval has a validity date.
            models.CheckConstraint(
                condition=~models.Q(status__in=["decided", "expired"])
                | (
                    ~models.Q(decision="")
                    & ~models.Q(decision_reasons="")
                    & models.Q(decided_at__isnull=False)
                ),
                name="diligence_case_decision_complete",
            ),
            models.CheckConstraint(
                condition=~models.Q(decision__in=sorted(APPROVALS)) | models.Q(valid_until__isnull=False),
                name="diligence_case_approval_has_validity",
            ),
            # One open case per partner at a time.
            models.UniqueConstraint(
                fields=["partner"],
                condition=models.Q(
                    status__in=["draft", "submitted", "under_review", "info_requested", "escalated"]
                ),
                name="diligence_case_one_open_per_partner",
            ),
            # The two sign-offs of a complex case are by two different people.
            models.CheckConstraint(
                condition=models.Q(plgu_signed_by__isnull=True)
                | models.Q(legal_signed_by__isnull=True)
                | ~models.Q(plgu_signed_by=models.F("legal_signed_by")),
                name="diligence_case_two_signers",
            ),
        ]
        indexes = [
            models.Index(fields=["partner", "status"], name="diligence_case_by_partner"),
            models.Index(fields=["status", "valid_until"], name="diligence_case_by_validity"),
            models.Index(fields=["status", "created_at"], name="diligence_case_by_age"),
        ]
        verbose_name = _("due-diligence case")
        verbose_name_plural = _("due-diligence cases")

    def __str__(self) -> str:
        return f"{self.reference}"

    @property
    def reference(self) -> str:
        return f"DD-{self.pk or 0:05d}"

    @property
    def is_open(self) -> bool:
        return self.status in {
            CaseStatus.DRAFT,
            CaseStatus.SUBMITTED,
            CaseStatus.UNDER_REVIEW,
            CaseStatus.INFO_REQUESTED,
            CaseStatus.ESCALATED,
        }

    @property
    def is_approved(self) -> bool:
        return self.status == CaseStatus.DECIDED and self.decision in APPROVALS

    def is_valid_on(self, day: Any) -> bool:
        return self.is_approved and self.valid_until is not None and self.valid_until >= day


class ExclusionAnswer(TrackedModel):
    """The answer to one exclusion criterion on a case: blank until answered."""

    case = models.ForeignKey(DiligenceCase, on_delete=models.CASCADE, related_name="exclusion_answers")
    criterion = models.ForeignKey(ExclusionCriterion, on_delete=models.PROTECT, related_name="+")
    answer = models.CharField(_("answer"), max_length=8, choices=ExclusionAnswerValue.choices, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["criterion__order", "criterion__code"]
        constraints = [
            models.UniqueConstraint(fields=["case", "criterion"], name="diligence_exclusion_once"),
            models.CheckConstraint(
                condition=models.Q(answer__in=[*ExclusionAnswerValue.values, ""]),
                name="diligence_exclusion_answer_valid",
            ),
        ]
        verbose_name = _("exclusion answer")
        verbose_name_plural = _("exclusion answers")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.criterion_id}={self.answer}"


class RiskAnswer(TrackedModel):
    """The level found in one risk area on a case, with the officer's notes (adverse media: its details)."""

    case = models.ForeignKey(DiligenceCase, on_delete=models.CASCADE, related_name="risk_answers")
    area = models.ForeignKey(RiskArea, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=12, choices=Rating.choices, blank=True)
    notes = models.TextField(_("findings"), blank=True)
    # Adverse media only: how serious, how recent and how far remedied.
    severity = models.CharField(_("severity"), max_length=12, choices=Rating.choices, blank=True)
    recency = models.CharField(_("recency"), max_length=12, choices=Recency.choices, blank=True)
    remediation = models.CharField(_("remediation"), max_length=8, choices=Remediation.choices, blank=True)

    class Meta:
        ordering = ["area__order", "area__code"]
        constraints = [
            models.UniqueConstraint(fields=["case", "area"], name="diligence_risk_once"),
            models.CheckConstraint(
                condition=models.Q(level__in=[*Rating.values, ""])
                & models.Q(severity__in=[*Rating.values, ""])
                & models.Q(recency__in=[*Recency.values, ""])
                & models.Q(remediation__in=[*Remediation.values, ""]),
                name="diligence_risk_values_valid",
            ),
        ]
        verbose_name = _("risk answer")
        verbose_name_plural = _("risk answers")

    def __str__(self) -> str:
        return f"{self.case_id}:{self.area_id}={self.level}"


class Mitigation(TrackedModel):
    """A measure that lowers a risk, or a condition the partner must meet; may address one risk area."""

    case = models.ForeignKey(DiligenceCase, on_delete=models.CASCADE, related_name="mitigations")
    area = models.ForeignKey(
        RiskArea,
        verbose_name=_("risk area"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    text = models.TextField(_("measure"))
    is_condition = models.BooleanField(_("condition of approval"), default=False)
    lowers_rating = models.BooleanField(_("lowers the rating"), default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("mitigation measure")
        verbose_name_plural = _("mitigation measures")

    def __str__(self) -> str:
        return self.text[:60]


def _attachment_path(instance: Any, filename: str) -> str:
    # Never the uploaded name: a random one, so files cannot be guessed or collide.
    return f"diligence/{timezone.now():%Y/%m}/{secrets.token_urlsafe(24)}.bin"


class Attachment(TrackedModel):
    """Evidence for a section of a case: a PDF or an image, served only through a permission check."""

    case = models.ForeignKey(DiligenceCase, on_delete=models.CASCADE, related_name="attachments")
    section = models.CharField(_("section"), max_length=12, choices=Section.choices)
    file = models.FileField(_("file"), upload_to=_attachment_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    description = models.CharField(_("description"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    history_exclude: ClassVar[set[str]] = {"file"}

    class Meta:
        ordering = ["section", "created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(section__in=Section.values), name="diligence_attachment_section_valid"
            )
        ]
        verbose_name = _("evidence file")
        verbose_name_plural = _("evidence files")

    def __str__(self) -> str:
        return self.original_name


class ReminderSent(models.Model):
    """An expiry reminder that went out, so a retried job never sends it twice."""

    case = models.ForeignKey(DiligenceCase, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    valid_until = models.DateField()  # the validity the reminder was about
    sent_at = models.DateTimeField(default=timezone.now)
    recipient = models.EmailField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "valid_until", "days_before"], name="diligence_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.days_before} days"
