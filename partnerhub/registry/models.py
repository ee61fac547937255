"""The corporate partners database."""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from partnerhub.core.i18n import translated
from partnerhub.core.models import TrackedModel
from partnerhub.registry.choices import (
    Channel,
    EcosocStatus,
    NameKind,
    PartnerKind,
    RelationshipType,
    TagKind,
    UNLanguage,
)
from partnerhub.registry.states import PartnerStatus


def _localised(obj: Any, field_prefix: str) -> str:
    language = (get_language() or "en").lower()
    return str(
        getattr(obj, f"{field_prefix}_{language.replace('-', '_')}", "") or getattr(obj, f"{field_prefix}_en")
    )


class Country(models.Model):
    """A country or area of the UN M49 standard (reference data shipped with the app)."""

    iso2 = models.CharField(_("ISO code"), max_length=2, primary_key=True)
    iso3 = models.CharField(max_length=3, unique=True)
    m49 = models.CharField(max_length=3, unique=True)
    region_code = models.CharField(max_length=3, blank=True, db_index=True)
    subregion_code = models.CharField(max_length=3, blank=True, db_index=True)
    intermediate_code = models.CharField(max_length=3, blank=True)
    ldc = models.BooleanField(default=False)
    lldc = models.BooleanField(default=False)
    sids = models.BooleanField(default=False)
    name_en = models.CharField(max_length=100)
    name_fr = models.CharField(max_length=100)
    name_es = models.CharField(max_length=100)
    name_ar = models.CharField(max_length=100)
    name_ru = models.CharField(max_length=100)
    name_zh_hans = models.CharField(max_length=100)
    region_en = models.CharField(max_length=60, blank=True)
    region_fr = models.CharField(max_length=60, blank=True)
    region_es = models.CharField(max_length=60, blank=True)
    region_ar = models.CharField(max_length=60, blank=True)
    region_ru = models.CharField(max_length=60, blank=True)
    region_zh_hans = models.CharField(max_length=60, blank=True)
    subregion_en = models.CharField(max_length=80, blank=True)
    subregion_fr = models.CharField(max_length=80, blank=True)
    subregion_es = models.CharField(max_length=80, blank=True)
    subregion_ar = models.CharField(max_length=80, blank=True)
    subregion_ru = models.CharField(max_length=80, blank=True)
    subregion_zh_hans = models.CharField(max_length=80, blank=True)

    class Meta:
        ordering = ["name_en"]
        verbose_name = _("country or area")
        verbose_name_plural = _("countries and areas")

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return _localised(self, "name")

    @property
    def region(self) -> str:
        return _localised(self, "region")

    @property
    def subregion(self) -> str:
        return _localised(self, "subregion")


class StakeholderCategory(TrackedModel):
    """One of the SOP's stakeholder categories, with its focal-point office(s). Editable by PLGU."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    number = models.PositiveSmallIntegerField(_("number in the SOP"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_translations = models.JSONField(_("name in other languages"), default=dict, blank=True)
    focal_offices = models.ManyToManyField(
        "org.Office", verbose_name=_("focal-point offices"), related_name="focal_categories", blank=True
    )
    focal_note = models.CharField(
        _("focal point note"),
        max_length=200,
        blank=True,
        help_text=_("Where the SOP names no single office, e.g. “relevant regional and liaison offices”."),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["number"]
        verbose_name = _("stakeholder category")
        verbose_name_plural = _("stakeholder categories")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name, self.name_translations)


class Tag(TrackedModel):
    """A thematic area, an SDG 11 target or a New Urban Agenda commitment."""

    kind = models.CharField(_("kind"), max_length=10, choices=TagKind.choices)
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=200)
    name_translations = models.JSONField(_("name in other languages"), default=dict, blank=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "code"], name="registry_tag_unique_code"),
            models.CheckConstraint(
                condition=models.Q(kind__in=TagKind.values), name="registry_tag_kind_valid"
            ),
        ]
        verbose_name = _("tag")
        verbose_name_plural = _("tags")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return translated(self.name, self.name_translations)


class Partner(TrackedModel):
    """An organisation or individual UN-Habitat works with or may work with."""

    kind = models.CharField(
        _("kind"), max_length=20, choices=PartnerKind.choices, default=PartnerKind.ORGANISATION
    )
    name = models.CharField(_("name"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=40, blank=True)
    legal_status = models.CharField(_("legal status"), max_length=120, blank=True)
    registration_number = models.CharField(_("registration number"), max_length=80, blank=True)
    registration_country = models.ForeignKey(
        Country,
        verbose_name=_("country of registration"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.TextField(_("address"), blank=True)
    country = models.ForeignKey(
        Country,
        verbose_name=_("country"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="partners",
        db_index=False,  # (country, status) below serves every lookup; one index less per import row
    )
    preferred_language = models.CharField(
        _("preferred UN language"), max_length=10, choices=UNLanguage.choices, default=UNLanguage.ENGLISH
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("headquarters (parent organisation)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="branches",
    )
    description = models.TextField(_("description"), blank=True)
    expertise = models.TextField(_("expertise"), blank=True)

    primary_category = models.ForeignKey(
        StakeholderCategory,
        verbose_name=_("stakeholder category"),
        on_delete=models.PROTECT,
        related_name="partners",
        db_index=False,  # served by (primary_category, status) below
    )
    other_categories = models.ManyToManyField(
        StakeholderCategory, verbose_name=_("other categories"), blank=True, related_name="secondary_partners"
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="partners")

    identified_channel = models.CharField(_("identified through"), max_length=30, choices=Channel.choices)
    identified_on = models.DateField(_("identified on"), null=True, blank=True)
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("identified by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    identification_detail = models.CharField(
        _("identification detail"),
        max_length=300,
        blank=True,
        help_text=_(
            "Which call, event, forum, campaign, recommending Member State or partner, or competition."
        ),
    )

    ecosoc_status = models.CharField(
        _("ECOSOC consultative status"), max_length=10, choices=EcosocStatus.choices, blank=True, default=""
    )
    ecosoc_year = models.PositiveSmallIntegerField(_("ECOSOC status since"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=30, choices=PartnerStatus.choices, default=PartnerStatus.PROSPECT
    )
    owning_office = models.ForeignKey(
        "org.Office",
        verbose_name=_("owning office"),
        on_delete=models.PROTECT,
        related_name="partners",
        db_index=False,  # served by (owning_office, status) and (owning_office, created_at) below
    )
    relationship_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_partners",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="absorbed",
    )

    # Maintained by services: normalised names, acronyms, alternative names and contacts for search.
    search_text = models.TextField(editable=False, default="")
    name_key = models.CharField(editable=False, max_length=300, default="", db_index=True)

    history_exclude: ClassVar[set[str]] = {"search_text", "name_key"}

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        indexes = [
            models.Index(fields=["name", "id"]),
            models.Index(fields=["status", "name"]),
            # Covers the facet counts (status, category, country) without reading the table.
            models.Index(
                fields=["status", "primary_category", "country"],
                name="registry_partner_facets",
                condition=models.Q(merged_into__isnull=True),
            ),
            models.Index(fields=["primary_category", "status"]),
            models.Index(fields=["country", "status"]),
            models.Index(fields=["owning_office", "status"]),
            # "New partners this year" per office (the 1 December report) and the office + year filter.
            models.Index(fields=["owning_office", "created_at"], name="registry_partner_office_year"),
            models.Index(fields=["created_at"]),
            models.Index(fields=["updated_at"], name="registry_partner_updated"),
            models.Index(fields=["identified_channel"]),
            models.Index(fields=["ecosoc_status"]),
            models.Index(fields=["registration_number"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=PartnerStatus.values), name="registry_partner_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=PartnerKind.values), name="registry_partner_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(identified_channel__in=Channel.values),
                name="registry_partner_channel_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(ecosoc_status__in=EcosocStatus.values),
                name="registry_partner_ecosoc_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")), name="registry_partner_not_own_parent"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.acronym})" if self.acronym else self.name


class PartnerName(TrackedModel):
    """An alternative or former name of a partner, in a given language."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="names")
    name = models.CharField(_("name"), max_length=300)
    language = models.CharField(_("language"), max_length=10, blank=True)
    kind = models.CharField(_("kind"), max_length=12, choices=NameKind.choices, default=NameKind.ALTERNATIVE)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("partner name")
        verbose_name_plural = _("partner names")

    def __str__(self) -> str:
        return self.name


class Contact(TrackedModel):
    """A person we are in touch with, with consent per channel. Their roles at organisations are dated."""

    honorific = models.CharField(_("title"), max_length=30, blank=True)
    given_name = models.CharField(_("given name"), max_length=120, blank=True)
    family_name = models.CharField(_("family name"), max_length=120)
    emails = models.JSONField(_("e-mail addresses"), default=list, blank=True)
    phones = models.JSONField(_("phone numbers"), default=list, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=10, choices=UNLanguage.choices, default=UNLanguage.ENGLISH
    )
    consent_email = models.BooleanField(_("agrees to e-mail"), default=False)
    consent_phone = models.BooleanField(_("agrees to phone calls"), default=False)
    consent_post = models.BooleanField(_("agrees to post"), default=False)
    consent_recorded_on = models.DateField(_("consent recorded on"), null=True, blank=True)
    do_not_contact = models.BooleanField(_("do not contact"), default=False)
    email_on_hold = models.BooleanField(
        _("e-mail on hold"), default=False, help_text=_("Set when mail bounces.")
    )
    notes = models.TextField(_("notes"), blank=True)
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.honorific, self.given_name, self.family_name) if p)

    def may_contact(self, channel: str) -> bool:
        if self.do_not_contact or self.erased_at:
            return False
        if channel == "email":
            return self.consent_email and not self.email_on_hold and bool(self.emails)
        return bool(getattr(self, f"consent_{channel}", False))


class ContactRole(TrackedModel):
    """A contact's position at a partner over a period; key persons are screened for sanctions."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="roles")
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contact_roles")
    title = models.CharField(_("role or title"), max_length=200, blank=True)
    is_key_person = models.BooleanField(
        _("key person"), default=False, help_text=_("Head, director, board member or signatory.")
    )
    is_primary = models.BooleanField(_("main contact"), default=False)
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        ordering = ["-is_primary", "contact__family_name"]
        verbose_name = _("contact role")
        verbose_name_plural = _("contact roles")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(start_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="registry_contactrole_dates_ordered",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contact} — {self.title} ({self.partner})"


class Relationship(TrackedModel):
    """A typed, dated link between two partners (member of a network, funds, affiliate of...)."""

    source = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="relationships_out")
    kind = models.CharField(_("relationship"), max_length=30, choices=RelationshipType.choices)
    target = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="relationships_in")
    start_date = models.DateField(_("from"), null=True, blank=True)
    end_date = models.DateField(_("until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        ordering = ["kind", "target__name"]
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(source=models.F("target")), name="registry_rel_not_self"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=RelationshipType.values), name="registry_rel_kind_valid"
            ),
            models.UniqueConstraint(
                fields=["source", "kind", "target", "start_date"], name="registry_rel_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.get_kind_display()} {self.target}"


class PartnerMembership(TrackedModel):
    """Links an external partner user to the one organisation they may see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partner_membership"
    )
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="members")

    class Meta:
        verbose_name = _("partner user link")
        verbose_name_plural = _("partner user links")

    def __str__(self) -> str:
        return f"{self.user} → {self.partner}"


class DuplicateKey(models.Model):
    """Blocking keys for duplicate candidates (name tokens, acronym, web domain, registration number)."""

    # The unique (partner, key) constraint below serves look-ups by partner: no index of its own.
    # No foreign-key constraint in the database (ADR 0011): these rows are a derived index, written only
    # with their partner (services, import) and deleted with it (merge; Django's cascade on delete); on
    # PostgreSQL the constraint's check cost an import of 20,000 rows a second at commit, 200,000 checks.
    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="dedupe_keys", db_index=False, db_constraint=False
    )
    key = models.CharField(max_length=120)

    class Meta:
        # (key, partner): the duplicate search reads a key's partners from this index alone, without
        # visiting the table (counting a key's partners, and reading them, for 100,000 keys at a time).
        indexes = [models.Index(fields=["key", "partner"], name="registry_dupkey_key_partner")]
        constraints = [models.UniqueConstraint(fields=["partner", "key"], name="registry_dupkey_unique")]

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.key}"


class DuplicateProfile(models.Model):
    """A partner's names as the duplicate engine analysed them (`dedupe.profile_to_json`), kept so that an
    import comparing a file with tens of thousands of partners need not analyse their names again. Read
    only while `fingerprint` equals `dedupe.profile_fingerprint` of the partner's current values: a profile
    stored before a change to the partner, or to the engine, is never used; it is analysed afresh instead.
    """

    # A derived cache like `DuplicateKey`: no foreign-key constraint in the database (ADR 0011).
    partner = models.OneToOneField(
        Partner, on_delete=models.CASCADE, primary_key=True, related_name="+", db_constraint=False
    )
    fingerprint = models.CharField(max_length=32)
    data = models.TextField()

    def __str__(self) -> str:
        return f"{self.partner_id}: {self.fingerprint}"


class NotDuplicate(models.Model):
    """A remembered decision that two partners are different organisations."""

    partner_a = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    partner_b = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="+")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["partner_a", "partner_b"], name="registry_notdup_unique"),
            models.CheckConstraint(
                condition=models.Q(partner_a__lt=models.F("partner_b")), name="registry_notdup_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_a_id} ≠ {self.partner_b_id}"


class MergeRecord(models.Model):
    """One merge of an absorbed partner into a survivor: what was chosen, what was re-pointed, how to undo it."""

    survivor = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="merges_in")
    absorbed = models.ForeignKey(Partner, on_delete=models.PROTECT, related_name="merges_out")
    chosen_fields = models.JSONField(default=dict, help_text="field → 'survivor' or 'absorbed'")
    survivor_before = models.JSONField(default=dict)
    absorbed_before = models.JSONField(default=dict)
    repointed = models.JSONField(
        default=dict, help_text="model label → list of primary keys moved to the survivor"
    )
    merged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    merged_at = models.DateTimeField(auto_now_add=True)
    reverted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reverted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-merged_at"]
        verbose_name = _("merge")
        verbose_name_plural = _("merges")

    def __str__(self) -> str:
        return f"{self.absorbed_id} → {self.survivor_id}"


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")  # waiting for the worker
    RUNNING = "running", _("Running")  # the worker is processing it; progress is updated
    DONE = "done", _("Done")  # finished successfully
    FAILED = "failed", _("Failed")  # stopped with an error; nothing partial was written


class DuplicateScan(models.Model):
    """A background scan of the whole database for clusters of likely duplicates, for PLGU to review."""

    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    requested_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    clusters = models.JSONField(
        default=list, blank=True, help_text="[{ids: [...], score: float, reasons: [...]}]"
    )
    error = models.TextField(blank=True)
    task_id = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=JobStatus.values), name="registry_scan_status_valid"
            )
        ]

    def __str__(self) -> str:
        return f"scan {self.pk} ({self.status})"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Uploaded")  # file stored, columns not yet mapped
    VALIDATING = "validating", _("Validating")  # rows being checked in the background
    INVALID = "invalid", _("Has errors")  # at least one bad row: nothing can be written
    VALID = "valid", _("Ready to import")  # every row passed; waiting for the user's confirmation
    IMPORTING = "importing", _("Importing")  # writing, all-or-nothing, in the background
    DONE = "done", _("Imported")  # every row written
    FAILED = "failed", _("Failed")  # stopped with an error; nothing was written


class ImportJob(models.Model):
    """An upload of partners from CSV or XLSX: mapped, validated row by row, then written all-or-nothing."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    file = models.FileField(upload_to="imports/%Y/%m/")
    original_name = models.CharField(max_length=255)
    file_format = models.CharField(max_length=10)
    encoding = models.CharField(max_length=20, blank=True)
    delimiter = models.CharField(max_length=2, blank=True)
    columns = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="file column → partner field")
    on_duplicate = models.CharField(max_length=10, default="skip")
    status = models.CharField(max_length=12, choices=ImportStatus.choices, default=ImportStatus.UPLOADED)
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}]")
    duplicates = models.JSONField(default=list, blank=True, help_text="[{row, partner_id, name, score}]")
    summary = models.JSONField(default=dict, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=ImportStatus.values), name="registry_import_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(on_duplicate__in=["skip", "update", "create"]),
                name="registry_import_ondup_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.status})"
