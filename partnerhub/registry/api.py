"""The partners database over HTTP: the same selectors and services as the pages, with explicit schemas."""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from partnerhub.api.pagination import Page
from partnerhub.core.errors import ValidationFailed
from partnerhub.org.models import Office
from partnerhub.registry import selectors, services
from partnerhub.registry.choices import Channel, NameKind
from partnerhub.registry.duplicates import Candidate, candidates_for
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    Country,
    Partner,
    PartnerName,
    Relationship,
    StakeholderCategory,
    Tag,
)
from partnerhub.registry.permissions import can_create_partner, can_edit_partner, can_use_registry
from partnerhub.registry.states import PartnerStatus

router = Router(tags=["partners"])

LANGUAGES = ("en", "fr", "es", "ar", "ru", "zh-hans")


# --- Output schemas -------------------------------------------------------------------------------


class CountryRef(Schema):
    code: str
    name: str
    region_code: str
    subregion_code: str

    @staticmethod
    def resolve_code(obj: Country) -> str:
        return obj.iso2


class CategoryRef(Schema):
    id: int
    number: int
    code: str
    name: str

    @staticmethod
    def resolve_name(obj: StakeholderCategory) -> str:
        return obj.display_name


class OfficeRef(Schema):
    id: int
    code: str
    acronym: str
    name: str

    @staticmethod
    def resolve_name(obj: Office) -> str:
        return obj.display_name


class TagRef(Schema):
    id: int
    kind: str
    code: str
    name: str

    @staticmethod
    def resolve_name(obj: Tag) -> str:
        return obj.display_name


class PartnerRef(Schema):
    id: int
    name: str
    acronym: str
    status: str


class NameOut(Schema):
    name: str
    language: str
    kind: str


class PartnerListOut(Schema):
    id: int
    kind: str
    name: str
    acronym: str
    status: str
    status_label: str
    primary_category: CategoryRef
    country: CountryRef | None
    owning_office: OfficeRef
    identified_channel: str
    ecosoc_status: str
    created_at: dt.datetime
    updated_at: dt.datetime
    version: int

    @staticmethod
    def resolve_status_label(obj: Partner) -> str:
        return str(obj.get_status_display())


class PartnerOut(PartnerListOut):
    legal_status: str
    registration_number: str
    registration_country: CountryRef | None
    website: str
    email: str
    phone: str
    address: str
    preferred_language: str
    parent: PartnerRef | None
    description: str
    expertise: str
    other_categories: list[CategoryRef]
    tags: list[TagRef]
    alternative_names: list[NameOut]
    identified_channel_label: str
    identified_on: dt.date | None
    identified_by_id: int | None
    identification_detail: str
    ecosoc_year: int | None
    relationship_manager_id: int | None
    merged_into_id: int | None

    @staticmethod
    def resolve_other_categories(obj: Partner) -> list[StakeholderCategory]:
        return list(obj.other_categories.all())

    @staticmethod
    def resolve_tags(obj: Partner) -> list[Tag]:
        return list(obj.tags.all())

    @staticmethod
    def resolve_alternative_names(obj: Partner) -> list[PartnerName]:
        return list(obj.names.all())

    @staticmethod
    def resolve_identified_channel_label(obj: Partner) -> str:
        return str(obj.get_identified_channel_display())


class ContactSummary(Schema):
    id: int
    honorific: str
    given_name: str
    family_name: str
    full_name: str
    emails: list[str]
    phones: list[str]
    preferred_language: str
    do_not_contact: bool
    email_on_hold: bool
    may_email: bool
    erased: bool

    @staticmethod
    def resolve_may_email(obj: Contact) -> bool:
        return obj.may_contact("email")

    @staticmethod
    def resolve_erased(obj: Contact) -> bool:
        return obj.erased_at is not None


class PartnerRoleOut(Schema):
    """A contact's role at the partner being listed."""

    id: int
    title: str
    is_key_person: bool
    is_primary: bool
    start_date: dt.date | None
    end_date: dt.date | None
    contact: ContactSummary


class ContactRoleOut(Schema):
    """One of a contact's roles, naming the organisation."""

    id: int
    partner: PartnerRef
    title: str
    is_key_person: bool
    is_primary: bool
    start_date: dt.date | None
    end_date: dt.date | None


class ContactOut(ContactSummary):
    consent_email: bool
    consent_phone: bool
    consent_post: bool
    consent_recorded_on: dt.date | None
    notes: str
    erased_at: dt.datetime | None
    roles: list[ContactRoleOut]
    version: int

    @staticmethod
    def resolve_roles(obj: Contact) -> list[ContactRole]:
        return list(obj.roles.all())


class RelationshipOut(Schema):
    id: int
    kind: str
    kind_label: str
    source: PartnerRef
    target: PartnerRef
    start_date: dt.date | None
    end_date: dt.date | None
    note: str

    @staticmethod
    def resolve_kind_label(obj: Relationship) -> str:
        return str(obj.get_kind_display())


class CandidatePartner(PartnerRef):
    country_code: str | None
    website: str

    @staticmethod
    def resolve_country_code(obj: Partner) -> str | None:
        return obj.country_id


class CandidateOut(Schema):
    partner: CandidatePartner
    score: float
    codes: list[str] = Field(default_factory=list, description="Reason codes of the duplicate engine")
    reasons: list[str] = Field(description="The same reasons, in words")


class CategoryOut(Schema):
    id: int
    number: int
    code: str
    name: str
    names: dict[str, str]
    focal_offices: list[OfficeRef]
    focal_note: str
    is_active: bool

    @staticmethod
    def resolve_name(obj: StakeholderCategory) -> str:
        return obj.display_name

    @staticmethod
    def resolve_names(obj: StakeholderCategory) -> dict[str, str]:
        return {"en": obj.name, **obj.name_translations}

    @staticmethod
    def resolve_focal_offices(obj: StakeholderCategory) -> list[Office]:
        return list(obj.focal_offices.all())


class CountryOut(Schema):
    code: str
    iso3: str
    m49: str
    name: str
    names: dict[str, str]
    region_code: str
    region: str
    subregion_code: str
    subregion: str
    ldc: bool
    lldc: bool
    sids: bool

    @staticmethod
    def resolve_code(obj: Country) -> str:
        return obj.iso2

    @staticmethod
    def resolve_names(obj: Country) -> dict[str, str]:
        return {lang: getattr(obj, f"name_{lang.replace('-', '_')}") for lang in LANGUAGES}


class TagOut(TagRef):
    names: dict[str, str]

    @staticmethod
    def resolve_names(obj: Tag) -> dict[str, str]:
        return {"en": obj.name, **obj.name_translations}


# --- Input schemas --------------------------------------------------------------------------------


class NameIn(Schema):
    name: str = Field(..., min_length=1, max_length=300)
    language: str = Field("", max_length=10)
    kind: NameKind = NameKind.ALTERNATIVE


class PartnerIn(Schema):
    kind: str = "organisation"
    name: str
    acronym: str = ""
    legal_status: str = ""
    registration_number: str = ""
    registration_country: str | None = Field(None, description="ISO code, e.g. KE")
    website: str = ""
    email: str = ""
    phone: str = ""
    address: str = ""
    country: str | None = Field(None, description="ISO code, e.g. KE")
    preferred_language: str = "en"
    parent_id: int | None = None
    description: str = ""
    expertise: str = ""
    primary_category_id: int
    other_category_ids: list[int] = Field(default_factory=list)
    tag_ids: list[int] = Field(default_factory=list)
    alternative_names: list[NameIn] = Field(default_factory=list)
    identified_channel: str
    identified_on: dt.date | None = None
    identification_detail: str = ""
    ecosoc_status: str = ""
    ecosoc_year: int | None = None
    owning_office_id: int
    relationship_manager_id: int | None = None


class PartnerPatch(Schema):
    version: int
    kind: str | None = None
    name: str | None = None
    acronym: str | None = None
    legal_status: str | None = None
    registration_number: str | None = None
    registration_country: str | None = None
    website: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    country: str | None = None
    preferred_language: str | None = None
    parent_id: int | None = None
    description: str | None = None
    expertise: str | None = None
    primary_category_id: int | None = None
    other_category_ids: list[int] | None = None
    tag_ids: list[int] | None = None
    alternative_names: list[NameIn] | None = None
    identified_channel: str | None = None
    identified_on: dt.date | None = None
    identification_detail: str | None = None
    ecosoc_status: str | None = None
    ecosoc_year: int | None = None
    owning_office_id: int | None = None
    relationship_manager_id: int | None = None


class StatusIn(Schema):
    status: PartnerStatus
    reason: str = Field("", max_length=500)


class PartnerFilterIn(Schema):
    q: str = ""
    category: list[int] = Field(default_factory=list, description="Stakeholder category ids")
    region: str = Field("", description="M49 region or sub-region code, e.g. 002")
    country: str = Field("", description="ISO code, e.g. KE")
    status: list[PartnerStatus] = Field(default_factory=list)
    theme: list[int] = Field(default_factory=list, description="Tag ids; a partner must have all of them")
    channel: Channel | None = None
    office: int | None = Field(None, description="Owning office id")
    ecosoc: Literal["general", "special", "roster"] | None = None
    created_year: int | None = Field(None, ge=1978, le=2100)
    sort: Literal["name", "-name", "created", "-created", "country", "status"] = "name"


class ContactFields(Schema):
    honorific: str = ""
    given_name: str = ""
    family_name: str
    emails: list[str] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    preferred_language: str = "en"
    consent_email: bool = False
    consent_phone: bool = False
    consent_post: bool = False
    consent_recorded_on: dt.date | None = None
    do_not_contact: bool = False
    email_on_hold: bool = False
    notes: str = ""


class RoleIn(Schema):
    title: str = Field("", max_length=200)
    is_key_person: bool = False
    is_primary: bool = False
    start_date: dt.date | None = None


class ContactIn(ContactFields):
    role: RoleIn | None = None


class ContactPatch(Schema):
    version: int
    honorific: str | None = None
    given_name: str | None = None
    family_name: str | None = None
    emails: list[str] | None = None
    phones: list[str] | None = None
    preferred_language: str | None = None
    consent_email: bool | None = None
    consent_phone: bool | None = None
    consent_post: bool | None = None
    consent_recorded_on: dt.date | None = None
    do_not_contact: bool | None = None
    email_on_hold: bool | None = None
    notes: str | None = None


class EraseIn(Schema):
    reason: str = Field(..., max_length=500)


class RelationshipIn(Schema):
    kind: str
    target_id: int
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    note: str = ""


class DuplicateQueryIn(Schema):
    name: str = Field(..., min_length=1, max_length=300)
    acronym: str = ""
    alternative_names: list[str] = Field(default_factory=list)
    website: str = ""
    email: str = ""
    registration_number: str = ""
    country: str | None = Field(None, description="ISO code, e.g. KE")


# --- Payload references ---------------------------------------------------------------------------

# Model field → payload field, so the services' field errors name what the caller sent.
API_FIELD = {
    "parent": "parent_id",
    "primary_category": "primary_category_id",
    "owning_office": "owning_office_id",
    "relationship_manager": "relationship_manager_id",
    "other_categories": "other_category_ids",
    "tags": "tag_ids",
    "target": "target_id",
}
REQUIRED_REFS = {"primary_category_id", "owning_office_id"}


@contextmanager
def _payload_errors() -> Iterator[None]:
    try:
        yield
    except ValidationFailed as exc:
        raise ValidationFailed({API_FIELD.get(k, k): v for k, v in exc.errors.items()}, exc.message) from None


def _one(qs: QuerySet[Any], pk: Any) -> Any:
    return qs.filter(pk=pk).first()


def _single_lookups(user: Any) -> dict[str, tuple[str, QuerySet[Any], str]]:
    """Payload field → (model field, where to look, message when nothing is found)."""
    from partnerhub.accounts.models import User

    return {
        "primary_category_id": (
            "primary_category",
            StakeholderCategory.objects.filter(is_active=True),
            _("No active stakeholder category has this id."),
        ),
        "owning_office_id": (
            "owning_office",
            Office.objects.filter(is_active=True),
            _("No active office has this id."),
        ),
        "relationship_manager_id": (
            "relationship_manager",
            User.objects.filter(is_active=True).exclude(roles__code="partner"),
            _("No active staff user has this id."),
        ),
        "parent_id": ("parent", selectors.partners_visible_to(user=user), _("No partner has this number.")),
        "country": ("country", Country.objects.all(), _("No country has this ISO code.")),
        "registration_country": (
            "registration_country",
            Country.objects.all(),
            _("No country has this ISO code."),
        ),
    }


def _many(
    qs: QuerySet[Any], ids: list[int], message: str, errors: dict[str, list[str]], key: str
) -> list[Any]:
    found = list(qs.filter(pk__in=ids))
    missing = sorted(set(ids) - {record.pk for record in found})
    if missing:
        errors[key] = [message % {"ids": ", ".join(map(str, missing))}]
    return found


def _resolve_partner_refs(user: Any, data: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Turn ids in a partner payload into records: (model fields, {other_categories, tags, names})."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    lookups = _single_lookups(user)
    for key, value in data.items():
        if key in lookups:
            field, qs, message = lookups[key]
            if value is None or value == "":
                if key in REQUIRED_REFS:
                    errors[key] = [_("This field is required.")]
                fields[field] = None
                continue
            fields[field] = _one(qs, value.upper() if isinstance(value, str) else value)
            if fields[field] is None:
                errors[key] = [message]
        elif key == "other_category_ids":
            extra["other_categories"] = _many(
                StakeholderCategory.objects.filter(is_active=True),
                value,
                _("No active stakeholder category has the id(s) %(ids)s."),
                errors,
                key,
            )
        elif key == "tag_ids":
            extra["tags"] = _many(Tag.objects.all(), value, _("No tag has the id(s) %(ids)s."), errors, key)
        elif key == "alternative_names":
            extra["names"] = [
                (n["name"], n.get("language", ""), str(n.get("kind", NameKind.ALTERNATIVE))) for n in value
            ]
        elif key != "version":
            fields[key] = value
    if errors:
        raise ValidationFailed(errors)
    return fields, extra


def _partner_out(user: Any, pk: int) -> Partner:
    return selectors.partner_get_for(user=user, pk=pk)


def _require_registry(user: Any) -> None:
    if not can_use_registry(user):
        raise PermissionDenied(_("The partners database is for UN-Habitat staff."))


# --- Partners -------------------------------------------------------------------------------------


@router.get("/partners", response=list[PartnerListOut], summary="Search and filter partners")
@paginate(Page)
def list_partners(request: HttpRequest, filters: Query[PartnerFilterIn]) -> QuerySet[Partner]:
    wanted = selectors.PartnerFilters(
        q=filters.q,
        category=filters.category,
        region=filters.region,
        country=filters.country.upper(),
        status=[str(s) for s in filters.status],
        theme=filters.theme,
        channel=str(filters.channel or ""),
        office=filters.office,
        ecosoc=filters.ecosoc or "",
        created_year=filters.created_year,
        sort=filters.sort,
    )
    return selectors.partner_search(user=request.user, filters=wanted)


@router.post("/partners", response={201: PartnerOut}, summary="Add a partner (as a prospect)")
def create_partner(request: HttpRequest, payload: PartnerIn) -> Status[Partner]:
    if not can_create_partner(request.user):
        raise PermissionDenied(_("Only UN-Habitat staff can add partners."))
    fields, extra = _resolve_partner_refs(request.user, payload.model_dump())
    with _payload_errors():
        partner = services.partner_create(
            actor=request.user,
            data=fields,
            alternative_names=extra.get("names", []),
            other_categories=extra.get("other_categories", []),
            tags=extra.get("tags", []),
        )
    return Status(201, _partner_out(request.user, partner.pk))


@router.post(
    "/partners/duplicate-candidates",
    response=list[CandidateOut],
    summary="Existing partners that may be the same as a record not yet saved",
)
def duplicate_candidates(request: HttpRequest, payload: DuplicateQueryIn) -> list[Candidate]:
    if not can_create_partner(request.user):
        raise PermissionDenied(_("Only UN-Habitat staff can check for duplicates."))
    return candidates_for(
        name=payload.name,
        acronym=payload.acronym,
        alt_names=payload.alternative_names,
        website=payload.website,
        email=payload.email,
        registration_number=payload.registration_number,
        country=payload.country.upper() if payload.country else None,
    )


@router.get("/partners/{int:partner_id}", response=PartnerOut, summary="One partner")
def get_partner(request: HttpRequest, partner_id: int) -> Partner:
    return _partner_out(request.user, partner_id)


@router.patch(
    "/partners/{int:partner_id}", response=PartnerOut, summary="Change a partner (send its `version`)"
)
def patch_partner(request: HttpRequest, partner_id: int, payload: PartnerPatch) -> Partner:
    partner = selectors.partner_get_for(user=request.user, pk=partner_id)
    if not can_edit_partner(request.user, partner):
        raise PermissionDenied(_("You may not edit this partner."))
    data = payload.model_dump(exclude_unset=True)
    fields, extra = _resolve_partner_refs(request.user, data)
    with _payload_errors(), transaction.atomic():
        updated = services.partner_update(
            actor=request.user,
            partner=partner,
            data=fields,
            expected_version=payload.version,
            other_categories=extra.get("other_categories"),
            tags=extra.get("tags"),
        )
        if "names" in extra:
            services.partner_set_names(actor=request.user, partner=updated, names=extra["names"])
    return _partner_out(request.user, partner_id)


@router.post(
    "/partners/{int:partner_id}/status",
    response=PartnerOut,
    summary="Move a partner along its lifecycle (archiving: PLGU and administrators)",
)
def change_status(request: HttpRequest, partner_id: int, payload: StatusIn) -> Partner:
    partner = selectors.partner_get_for(user=request.user, pk=partner_id)
    services.partner_change_status(
        actor=request.user, partner=partner, status=str(payload.status), reason=payload.reason
    )
    return _partner_out(request.user, partner_id)


@router.get(
    "/partners/{int:partner_id}/duplicates",
    response=list[CandidateOut],
    summary="Other partners that may be the same organisation",
)
def partner_duplicates(request: HttpRequest, partner_id: int) -> list[Candidate]:
    partner = selectors.partner_get_for(user=request.user, pk=partner_id)
    _require_registry(request.user)
    return candidates_for(
        name=partner.name,
        acronym=partner.acronym,
        alt_names=partner.names.values_list("name", flat=True),
        website=partner.website,
        email=partner.email,
        registration_number=partner.registration_number,
        country=partner.country_id,
        exclude_ids=[partner.pk],
    )


# --- Contacts -------------------------------------------------------------------------------------


@router.get(
    "/partners/{int:partner_id}/contacts", response=list[PartnerRoleOut], summary="A partner's contacts"
)
@paginate(Page)
def list_partner_contacts(request: HttpRequest, partner_id: int) -> QuerySet[ContactRole]:
    partner = selectors.partner_get_for(user=request.user, pk=partner_id)
    return selectors.partner_roles_for(user=request.user, partner=partner)


@router.post(
    "/partners/{int:partner_id}/contacts",
    response={201: ContactOut},
    summary="Add a contact with their role at this partner",
)
def create_contact(request: HttpRequest, partner_id: int, payload: ContactIn) -> Status[Contact]:
    partner = selectors.partner_get_for(user=request.user, pk=partner_id)
    data = payload.model_dump(exclude={"role"})
    role = (payload.role or RoleIn.model_validate({})).model_dump()
    contact = services.contact_create(
        actor=request.user,
        data=data,
        partner=partner,
        title=role["title"],
        is_key_person=role["is_key_person"],
        is_primary=role["is_primary"],
        start_date=role["start_date"],
    )
    return Status(201, selectors.contact_get_for(user=request.user, pk=contact.pk))


@router.get("/contacts/{int:contact_id}", response=ContactOut, summary="One contact (staff)")
def get_contact(request: HttpRequest, contact_id: int) -> Contact:
    return selectors.contact_get_for(user=request.user, pk=contact_id)


@router.patch(
    "/contacts/{int:contact_id}", response=ContactOut, summary="Change a contact (send its `version`)"
)
def patch_contact(request: HttpRequest, contact_id: int, payload: ContactPatch) -> Contact:
    contact = selectors.contact_get_for(user=request.user, pk=contact_id)
    data = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    services.contact_update(actor=request.user, contact=contact, data=data, expected_version=version)
    return selectors.contact_get_for(user=request.user, pk=contact_id)


@router.get(
    "/contacts/{int:contact_id}/export",
    response=dict[str, Any],
    summary="Everything held about a person, for a data-subject request (PLGU)",
)
def export_contact(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    contact = selectors.contact_get_for(user=request.user, pk=contact_id)
    return services.contact_export(actor=request.user, contact=contact)


@router.post(
    "/contacts/{int:contact_id}/erase",
    response=ContactOut,
    summary="Erase a person's personal data on request (PLGU)",
)
def erase_contact(request: HttpRequest, contact_id: int, payload: EraseIn) -> Contact:
    contact = selectors.contact_get_for(user=request.user, pk=contact_id)
    services.contact_erase(actor=request.user, contact=contact, reason=payload.reason)
    return selectors.contact_get_for(user=request.user, pk=contact_id)


# --- Relationships --------------------------------------------------------------------------------


@router.get(
    "/partners/{int:partner_id}/relationships",
    response=list[RelationshipOut],
    summary="Relationships from and to a partner",
)
@paginate(Page)
def list_relationships(request: HttpRequest, partner_id: int) -> QuerySet[Relationship]:
    partner = selectors.partner_get_for(user=request.user, pk=partner_id)
    return selectors.partner_relationships_for(user=request.user, partner=partner)


@router.post(
    "/partners/{int:partner_id}/relationships",
    response={201: RelationshipOut},
    summary="Link this partner to another",
)
def create_relationship(
    request: HttpRequest, partner_id: int, payload: RelationshipIn
) -> Status[Relationship]:
    source = selectors.partner_get_for(user=request.user, pk=partner_id)
    if not can_edit_partner(request.user, source):
        raise PermissionDenied(_("You may not edit this partner."))
    target = _one(selectors.partners_visible_to(user=request.user), payload.target_id)
    if target is None:
        raise ValidationFailed({"target_id": [_("No partner has this number.")]})
    with _payload_errors():
        relationship = services.relationship_create(
            actor=request.user,
            source=source,
            kind=payload.kind,
            target=target,
            start_date=payload.start_date,
            end_date=payload.end_date,
            note=payload.note,
        )
    return Status(201, relationship)


@router.delete("/relationships/{int:relationship_id}", response={204: None}, summary="Remove a relationship")
def delete_relationship(request: HttpRequest, relationship_id: int) -> Status[None]:
    relationship = selectors.relationship_get_for(user=request.user, pk=relationship_id)
    services.relationship_delete(actor=request.user, relationship=relationship)
    return Status(204, None)


# --- Reference data -------------------------------------------------------------------------------


@router.get("/categories", response=list[CategoryOut], summary="The SOP's stakeholder categories")
def list_categories(request: HttpRequest) -> QuerySet[StakeholderCategory]:
    return StakeholderCategory.objects.prefetch_related("focal_offices").order_by("number")


@router.get("/countries", response=list[CountryOut], summary="Countries and areas (UN M49)")
def list_countries(request: HttpRequest, region: str = "") -> QuerySet[Country]:
    countries = Country.objects.order_by("name_en")
    if region:
        countries = countries.filter(region_code=region) | countries.filter(subregion_code=region)
    return countries


@router.get("/tags", response=list[TagOut], summary="Thematic areas, SDG 11 targets and NUA commitments")
def list_tags(request: HttpRequest, kind: Literal["theme", "sdg", "nua"] | None = None) -> QuerySet[Tag]:
    tags = Tag.objects.order_by("kind", "code")
    return tags.filter(kind=kind) if kind else tags
