"""Legal instruments, the advisor's rules and clearance chains (data the Legal Section edits), delegations of
authority, and agreements with their versions, clearance steps, results framework and documents."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from partnerhub.accounts.roles import RoleCode
from partnerhub.agreements.choices import AssessmentStatus, Decision, DocumentKind, FundsFlow, Purpose
from partnerhub.agreements.states import AgreementStatus, VersionStatus
from partnerhub.core.i18n import translated
from partnerhub.core.models import TrackedModel


def _default_reminder_days() -> list[int]:
    return [90, 60, 30]


# --- Data the Legal Section edits -----------------------------------------------------------------


class InstrumentType(TrackedModel):
    """A kind of legal instrument (MoU, Agreement of Cooperation…): binding or not, and which way funds flow."""

    code = models.CharField(
        _("code"),
        max_length=12,
        unique=True,
        help_text=_("Short upper-case code used in reference numbers, for example MOU."),
    )
    name = models.CharField(_("name"), max_length=200)
    name_translations = models.JSONField(_("name in other languages"), default=dict, blank=True)
    description = models.TextField(_("when to use it"), blank=True)
    binding = models.BooleanField(_("legally binding"), default=False)
    funds_flow = models.CharField(
        _("funds flow"), max_length=20, choices=FundsFlow.choices, default=FundsFlow.NONE
    )
    needs_end_assessment = models.BooleanField(
        _("end-of-agreement assessment required"),
        default=False,
        help_text=_("The SOP asks for one at the end of every MoU and Agreement of Cooperation."),
    )
    reminder_days = models.JSONField(
        _("expiry reminders, days before the end"),
        default=_default_reminder_days,
        blank=True,
        help_text=_("For example [90, 60, 30]."),
    )
    is_assumption = models.BooleanField(
        _("to be confirmed by Legal"),
        default=True,
        help_text=_("Seeded from public sources; the Legal Section's own table is not public."),
    )
    assumption_note = models.TextField(_("what is assumed"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(funds_flow__in=FundsFlow.values), name="agreements_instrument_funds_flow_valid"
            )
        ]
        verbose_name = _("instrument type")
        verbose_name_plural = _("instrument types")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name, self.name_translations)


def _template_path(instance: Any, filename: str) -> str:
    return f"agreements/templates/{instance.instrument_id}-{instance.language}.docx"


class InstrumentTemplate(TrackedModel):
    """A DOCX letter template (docxtpl / Jinja placeholders) for an instrument in one language."""

    instrument = models.ForeignKey(InstrumentType, on_delete=models.CASCADE, related_name="templates")
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)
    file = models.FileField(_("DOCX template"), upload_to=_template_path)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        ordering = ["instrument", "language"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "language"], name="agreements_template_unique")
        ]
        verbose_name = _("letter template")
        verbose_name_plural = _("letter templates")

    def __str__(self) -> str:
        return f"{self.instrument_id} {self.language}"


class ClearanceChain(TrackedModel):
    """A template of ordered clearance steps an instrument needs before signature."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("clearance chain")
        verbose_name_plural = _("clearance chains")

    def __str__(self) -> str:
        return self.name


class ClearanceChainStep(TrackedModel):
    """One step of a chain: taken by holders of a role, by members of an office, or by both together."""

    chain = models.ForeignKey(ClearanceChain, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("label"), max_length=120)
    role = models.CharField(_("role"), max_length=32, choices=RoleCode.choices, blank=True)
    office = models.ForeignKey(
        "org.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["chain", "order"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "order"], name="agreements_chain_step_order_unique"),
            models.CheckConstraint(
                condition=~Q(role="") | Q(office__isnull=False), name="agreements_chain_step_has_approver"
            ),
            models.CheckConstraint(
                condition=Q(role="") | Q(role__in=RoleCode.values), name="agreements_chain_step_role_valid"
            ),
        ]
        verbose_name = _("clearance chain step")
        verbose_name_plural = _("clearance chain steps")

    def __str__(self) -> str:
        return f"{self.chain_id}.{self.order} {self.label}"


class AdvisorRuleSet(TrackedModel):
    """A published version of the advisor's rules; answers record the version they used."""

    # Not "version": TrackedModel.version is the optimistic-locking counter.
    number = models.PositiveIntegerField(_("version"), unique=True)
    note = models.TextField(_("what changed"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    is_active = models.BooleanField(_("in use"), default=False)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"], condition=Q(is_active=True), name="agreements_one_active_rule_set"
            )
        ]
        verbose_name = _("advisor rule set")
        verbose_name_plural = _("advisor rule sets")

    def __str__(self) -> str:
        return f"v{self.number}"


class AdvisorRule(TrackedModel):
    """If the partner category, purpose, funds flow and amount match, advise this instrument, chain and signatory.

    Empty conditions match anything; the first matching rule (lowest order) wins."""

    rule_set = models.ForeignKey(AdvisorRuleSet, on_delete=models.CASCADE, related_name="rules")
    order = models.PositiveSmallIntegerField(_("order"))
    name = models.CharField(_("name"), max_length=200)
    categories = models.ManyToManyField(
        "registry.StakeholderCategory", verbose_name=_("partner categories"), blank=True, related_name="+"
    )
    purposes = models.JSONField(_("purposes"), default=list, blank=True)
    funds_flows = models.JSONField(_("funds flows"), default=list, blank=True)
    min_amount = models.DecimalField(_("from amount"), null=True, blank=True, max_digits=14, decimal_places=2)
    max_amount = models.DecimalField(
        _("up to amount"), null=True, blank=True, max_digits=14, decimal_places=2
    )
    instrument = models.ForeignKey(
        InstrumentType, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="+"
    )
    clearance_chain = models.ForeignKey(
        ClearanceChain, verbose_name=_("clearance chain"), on_delete=models.PROTECT, related_name="+"
    )
    signatory_role = models.CharField(
        _("designated signatory (role)"), max_length=32, choices=RoleCode.choices, blank=True
    )
    signatory_office = models.ForeignKey(
        "org.Office",
        verbose_name=_("designated signatory (office)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    signatory_note = models.CharField(_("designated signatory"), max_length=200, blank=True)
    explanation = models.TextField(_("why"), blank=True)

    class Meta:
        ordering = ["rule_set", "order"]
        constraints = [
            models.UniqueConstraint(fields=["rule_set", "order"], name="agreements_rule_order_unique"),
            models.CheckConstraint(
                condition=Q(min_amount__isnull=True)
                | Q(max_amount__isnull=True)
                | Q(min_amount__lte=models.F("max_amount")),
                name="agreements_rule_amount_range",
            ),
        ]
        verbose_name = _("advisor rule")
        verbose_name_plural = _("advisor rules")

    def __str__(self) -> str:
        return f"{self.rule_set_id}.{self.order} {self.name}"


class DelegationOfAuthority(TrackedModel):
    """Who may sign which instruments up to which amount, between two dates, and who delegated it."""

    delegate = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("delegate"),
        on_delete=models.PROTECT,
        related_name="signing_delegations",
    )
    instruments = models.ManyToManyField(InstrumentType, verbose_name=_("instruments"), related_name="+")
    max_amount = models.DecimalField(
        _("up to amount"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit."),
        max_digits=14,
        decimal_places=2,
    )
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    valid_from = models.DateField(_("from"))
    valid_to = models.DateField(_("until"), null=True, blank=True)
    delegated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("delegated by"), on_delete=models.PROTECT, related_name="+"
    )
    reference = models.CharField(
        _("instrument of delegation"), max_length=120, blank=True, help_text=_("For example ST/SGB/2019/2.")
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["delegate", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
                name="agreements_delegation_dates",
            ),
            models.CheckConstraint(
                condition=Q(max_amount__isnull=True) | Q(max_amount__gte=0),
                name="agreements_delegation_amount",
            ),
        ]
        verbose_name = _("delegation of authority")
        verbose_name_plural = _("delegations of authority")

    def __str__(self) -> str:
        return f"{self.delegate} ({self.valid_from}–{self.valid_to or '…'})"


# --- Agreements -----------------------------------------------------------------------------------


class ReferenceSequence(models.Model):
    """The last sequence number handed out per instrument, office and year (locked while allocating)."""

    instrument_code = models.CharField(max_length=12)
    office_code = models.CharField(max_length=40)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["instrument_code", "office_code", "year"], name="agreements_sequence_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.instrument_code}/{self.office_code}/{self.year}: {self.last}"


class Agreement(TrackedModel):
    """A legal agreement with one or more partners; its amendable text lives in versions."""

    reference = models.CharField(_("reference"), max_length=80, unique=True)
    instrument = models.ForeignKey(
        InstrumentType, verbose_name=_("instrument"), on_delete=models.PROTECT, related_name="agreements"
    )
    purpose = models.CharField(_("purpose"), max_length=20, choices=Purpose.choices)
    owning_office = models.ForeignKey(
        "org.Office", verbose_name=_("owning office"), on_delete=models.PROTECT, related_name="agreements"
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible staff member"),
        on_delete=models.PROTECT,
        related_name="responsible_agreements",
    )
    partners = models.ManyToManyField(
        "registry.Partner", through="AgreementParty", verbose_name=_("parties"), related_name="agreements"
    )
    status = models.CharField(
        _("status"), max_length=20, choices=AgreementStatus.choices, default=AgreementStatus.DRAFT
    )
    current_version = models.ForeignKey(
        "AgreementVersion",
        verbose_name=_("version in force"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    clearance_chain = models.ForeignKey(
        ClearanceChain, verbose_name=_("clearance chain"), on_delete=models.PROTECT, related_name="+"
    )
    advice = models.JSONField(_("advisor's answer"), default=dict, blank=True)
    advice_rule_set_version = models.PositiveIntegerField(_("advisor rule version"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    terminated_on = models.DateField(_("terminated on"), null=True, blank=True)
    termination_reason = models.TextField(_("reason for termination"), blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AgreementStatus.values), name="agreements_agreement_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=Purpose.values), name="agreements_agreement_purpose_valid"
            ),
        ]
        indexes = [models.Index(fields=["status", "owning_office"])]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")

    def __str__(self) -> str:
        title = self.current_version.title if self.current_version_id and self.current_version else ""
        return f"{self.reference} {title}".strip()


class AgreementParty(TrackedModel):
    """A partner that is party to an agreement (multi-party MoUs have several)."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    partner = models.ForeignKey(
        "registry.Partner",
        verbose_name=_("partner"),
        on_delete=models.PROTECT,
        related_name="agreement_parties",
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["agreement", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "partner"], name="agreements_party_unique")
        ]
        verbose_name = _("party")
        verbose_name_plural = _("parties")

    def __str__(self) -> str:
        return f"{self.agreement_id}: {self.partner_id}"


class AgreementVersion(TrackedModel):
    """The amendable text of an agreement: number 1 is the original, every amendment is a new row."""

    AMENDABLE: ClassVar[tuple[str, ...]] = (
        "title",
        "summary",
        "start_date",
        "end_date",
        "value",
        "currency",
    )

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveSmallIntegerField(_("version"))
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus.choices, default=VersionStatus.DRAFT
    )
    title = models.CharField(_("title"), max_length=300)
    summary = models.TextField(_("summary"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    value = models.DecimalField(_("value"), null=True, blank=True, max_digits=14, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, blank=True)
    amendment_reason = models.TextField(_("reason for the amendment"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    clearance_round = models.PositiveSmallIntegerField(default=0)
    submitted_at = models.DateTimeField(_("submitted"), null=True, blank=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    signed_on = models.DateField(_("signed on"), null=True, blank=True)
    signatory = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("signatory"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegation = models.ForeignKey(
        DelegationOfAuthority,
        verbose_name=_("delegation used"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    abandoned_at = models.DateTimeField(_("abandoned"), null=True, blank=True)

    class Meta:
        ordering = ["agreement", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agreement", "number"], name="agreements_version_number_unique"),
            models.UniqueConstraint(
                fields=["agreement"],
                condition=Q(status__in=["draft", "in_clearance", "cleared"]),
                name="agreements_one_open_version",
            ),
            models.UniqueConstraint(
                fields=["agreement"], condition=Q(status="in_force"), name="agreements_one_version_in_force"
            ),
            models.CheckConstraint(
                condition=Q(status__in=VersionStatus.values), name="agreements_version_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="agreements_version_dates"
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=0), name="agreements_version_value"
            ),
        ]
        verbose_name = _("agreement version")
        verbose_name_plural = _("agreement versions")

    def __str__(self) -> str:
        return f"{self.agreement_id} v{self.number}"

    @property
    def is_amendment(self) -> bool:
        return self.number > 1


class ClearanceStep(TrackedModel):
    """One clearance step of a version in one round; a return ends the round, a resubmission starts another."""

    # Not "version": TrackedModel.version is the optimistic-locking counter.
    agreement_version = models.ForeignKey(
        AgreementVersion, on_delete=models.CASCADE, related_name="clearance_steps"
    )
    round = models.PositiveSmallIntegerField(_("round"))
    order = models.PositiveSmallIntegerField(_("order"))
    label = models.CharField(_("step"), max_length=120)
    role = models.CharField(_("role"), max_length=32, choices=RoleCode.choices, blank=True)
    office = models.ForeignKey(
        "org.Office",
        verbose_name=_("office"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decision = models.CharField(
        _("decision"), max_length=10, choices=Decision.choices, default=Decision.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    comments = models.TextField(_("comments"), blank=True)

    class Meta:
        ordering = ["agreement_version", "round", "order"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement_version", "round", "order"], name="agreements_step_unique"
            ),
            models.CheckConstraint(
                condition=Q(decision__in=Decision.values), name="agreements_step_decision_valid"
            ),
            models.CheckConstraint(
                condition=Q(decision="pending") | Q(decided_at__isnull=False),
                name="agreements_step_decided_at",
            ),
        ]
        verbose_name = _("clearance step")
        verbose_name_plural = _("clearance steps")

    def __str__(self) -> str:
        return f"{self.agreement_version_id} r{self.round}.{self.order} {self.label}"


# --- Results framework ----------------------------------------------------------------------------


class Objective(TrackedModel):
    """What the agreement sets out to achieve."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="objectives")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("objective"), max_length=500)

    class Meta:
        ordering = ["agreement", "order", "id"]
        verbose_name = _("objective")
        verbose_name_plural = _("objectives")

    def __str__(self) -> str:
        return self.text


class Output(TrackedModel):
    """A deliverable that serves an objective."""

    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="outputs")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("output"), max_length=500)

    class Meta:
        ordering = ["objective", "order", "id"]
        verbose_name = _("output")
        verbose_name_plural = _("outputs")

    def __str__(self) -> str:
        return self.text


class Indicator(TrackedModel):
    """How an output is measured: baseline, target and actual, tagged with SDG 11 targets and NUA commitments."""

    output = models.ForeignKey(Output, on_delete=models.CASCADE, related_name="indicators")
    text = models.CharField(_("indicator"), max_length=500)
    unit = models.CharField(_("unit"), max_length=60, blank=True)
    baseline = models.DecimalField(_("baseline"), null=True, blank=True, max_digits=16, decimal_places=4)
    target = models.DecimalField(_("target"), null=True, blank=True, max_digits=16, decimal_places=4)
    actual = models.DecimalField(_("actual"), null=True, blank=True, max_digits=16, decimal_places=4)
    tags = models.ManyToManyField(
        "registry.Tag", verbose_name=_("SDG 11 targets and NUA commitments"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["output", "id"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    def __str__(self) -> str:
        return self.text


# --- Documents, reminders and what is owed at the end ---------------------------------------------


def _document_path(instance: Any, filename: str) -> str:
    extension = "docx" if instance.content_type == DOCX_TYPE else "pdf"
    return f"agreements/{instance.agreement_id}/{instance.sha256[:16]}.{extension}"


PDF_TYPE = "application/pdf"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class Document(TrackedModel):
    """A PDF attached to an agreement (a draft or the signed copy), or a letter generated from a DOCX template;
    served only through a checked view."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="documents")
    agreement_version = models.ForeignKey(
        AgreementVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="documents"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=DocumentKind.choices)
    file = models.FileField(upload_to=_document_path)
    content_type = models.CharField(
        max_length=100, default=PDF_TYPE, choices=[(PDF_TYPE, "PDF"), (DOCX_TYPE, "DOCX")]
    )
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agreement", "-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=DocumentKind.values), name="agreements_document_kind")
        ]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name


class ExpiryReminder(models.Model):
    """A reminder sent before an agreement's end date; recorded before sending so a rerun sends none twice."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="reminders")
    days_before = models.PositiveSmallIntegerField()
    end_date = models.DateField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "days_before", "end_date"], name="agreements_reminder_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.agreement_id} -{self.days_before}d"


class AssessmentDue(TrackedModel):
    """The end-of-agreement assessment the SOP asks for; the reporting app will hold the assessment itself."""

    agreement = models.OneToOneField(Agreement, on_delete=models.CASCADE, related_name="assessment_due")
    due_on = models.DateField(_("due on"))
    status = models.CharField(
        _("status"), max_length=10, choices=AssessmentStatus.choices, default=AssessmentStatus.DUE
    )
    received_on = models.DateField(_("received on"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AssessmentStatus.values), name="agreements_assessment_status_valid"
            )
        ]
        verbose_name = _("end-of-agreement assessment")
        verbose_name_plural = _("end-of-agreement assessments")

    def __str__(self) -> str:
        return f"{self.agreement_id} {self.status}"
