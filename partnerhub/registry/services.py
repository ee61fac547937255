"""Writes to the partners database. Every function checks permission, validates, saves and audits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, cast

import phonenumbers
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.core.audit import audit
from partnerhub.core.errors import ConcurrentEdit, NotAllowed, ValidationFailed
from partnerhub.registry import dedupe, normalize
from partnerhub.registry.choices import NameKind
from partnerhub.registry.guards import require_status_allowed
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    DuplicateKey,
    DuplicateProfile,
    Partner,
    PartnerMembership,
    PartnerName,
    Relationship,
    StakeholderCategory,
    Tag,
)
from partnerhub.registry.permissions import (
    can_archive_partner,
    can_change_partner_status,
    can_create_partner,
    can_edit_contact,
    can_edit_partner,
    can_handle_privacy_requests,
    can_link_partner_users,
    can_manage_categories,
)
from partnerhub.registry.selectors import facets_invalidate
from partnerhub.registry.states import PARTNER_TRANSITIONS, PartnerStatus

PARTNER_FIELDS = (
    "kind",
    "name",
    "acronym",
    "legal_status",
    "registration_number",
    "registration_country",
    "website",
    "email",
    "phone",
    "address",
    "country",
    "preferred_language",
    "parent",
    "description",
    "expertise",
    "primary_category",
    "identified_channel",
    "identified_on",
    "identified_by",
    "identification_detail",
    "ecosoc_status",
    "ecosoc_year",
    "owning_office",
    "relationship_manager",
)


# --- Validation helpers ---------------------------------------------------------------------------


def normalise_phone(raw: str, country_code: str | None) -> str:
    """E.164 form of a phone number, or a ValidationFailed naming the problem."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    try:
        number = phonenumbers.parse(raw, (country_code or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationFailed(
            {"phone": [_("Enter a valid phone number with its country code, e.g. +254 20 762 3120.")]}
        )
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def _full_clean(obj: Any, exclude: Sequence[str] = ()) -> None:
    try:
        obj.full_clean(exclude=list(exclude))
    except ValidationError as exc:
        raise ValidationFailed(exc.message_dict) from None


def _check_parent_cycle(partner: Partner) -> None:
    """Refuse a headquarters chain that leads back to the partner (checked before full_clean, whose
    not-own-parent constraint would otherwise answer with a raw constraint name)."""
    if not (partner.parent_id and partner.pk):
        return
    # Walk the stored chain, not in-memory `.parent` objects, which may be stale copies.
    node_id: int | None = partner.parent_id
    seen: set[int] = set()
    while node_id is not None and node_id not in seen:
        if node_id == partner.pk:
            raise ValidationFailed(
                {"parent": [_("A partner cannot be its own headquarters, directly or through others.")]}
            )
        seen.add(node_id)
        node_id = Partner.objects.filter(pk=node_id).values_list("parent_id", flat=True).first()


def _check_partner_rules(partner: Partner) -> None:
    errors: dict[str, list[str]] = {}
    if partner.ecosoc_year and not partner.ecosoc_status:
        errors["ecosoc_status"] = [_("Give the ECOSOC status that was granted in that year.")]
    if partner.ecosoc_year and not (1946 <= partner.ecosoc_year <= timezone.now().year):
        errors["ecosoc_year"] = [_("The year must be between 1946 and this year.")]
    if partner.identified_on and partner.identified_on > timezone.localdate():
        errors["identified_on"] = [_("The identification date cannot be in the future.")]
    if errors:
        raise ValidationFailed(errors)


# --- Search index and duplicate keys --------------------------------------------------------------


def duplicate_keys_for(
    *,
    name: str,
    acronym: str = "",
    alt_names: Iterable[str] = (),
    website: str = "",
    email: str = "",
    registration_number: str = "",
) -> set[str]:
    """Blocking keys (see `dedupe.blocking_keys`) for these values: name words, whole-name key, name ends,
    acronyms and initials, web/e-mail domain and registration number (the list benchmark's loader)."""
    return dedupe.blocking_keys(
        dedupe.profile(
            dedupe.Record(
                id=None,
                name=name,
                acronym=acronym,
                alt_names=tuple(n for n in alt_names if n),
                website=website,
                email=email,
                registration_number=registration_number,
            )
        )
    )


def _dedupe_profile(partner: Partner, alt_names: Sequence[str]) -> dedupe.Profile:
    """What the duplicate engine compares of a partner: the same values `duplicates.record_rows` reads."""
    return dedupe.profile(
        dedupe.Record(
            id=partner.pk,
            name=partner.name,
            acronym=partner.acronym,
            alt_names=tuple(n for n in alt_names if n),
            website=partner.website,
            email=partner.email,
            registration_number=partner.registration_number,
            country=partner.country_id or "",
        )
    )


def duplicate_profiles_store(profiles: Sequence[dedupe.Profile]) -> None:
    """Store these analysed profiles (`DuplicateProfile`), each under its record's partner id, replacing
    what was stored; one statement per 500."""
    DuplicateProfile.objects.bulk_create(
        [
            DuplicateProfile(
                partner_id=p.record.id,
                fingerprint=dedupe.profile_fingerprint(p.record),
                data=dedupe.profile_to_json(p),
            )
            for p in profiles
        ],
        batch_size=500,
        update_conflicts=True,
        unique_fields=["partner"],
        update_fields=["fingerprint", "data"],
    )


def partner_refresh_index(partner: Partner) -> None:
    """Recompute the partner's search text, name key and duplicate keys (after any change to them)."""
    alt_names = list(partner.names.values_list("name", flat=True))
    contact_bits: list[str] = []
    for given, family, emails in Contact.objects.filter(
        roles__partner=partner, erased_at__isnull=True
    ).values_list("given_name", "family_name", "emails"):
        contact_bits.append(f"{given} {family}")
        contact_bits.extend(emails or [])
    search_text = normalize.search_terms([partner.name, partner.acronym, *alt_names, *contact_bits])
    name_key = normalize.name_key(partner.name)[:300]
    Partner.objects.filter(pk=partner.pk).update(search_text=search_text, name_key=name_key)
    partner.search_text, partner.name_key = search_text, name_key
    profile = _dedupe_profile(partner, alt_names)
    keys = dedupe.blocking_keys(profile)
    existing = set(DuplicateKey.objects.filter(partner=partner).values_list("key", flat=True))
    DuplicateKey.objects.filter(partner=partner, key__in=existing - keys).delete()
    DuplicateKey.objects.bulk_create([DuplicateKey(partner=partner, key=k) for k in keys - existing])
    duplicate_profiles_store([profile])


def partner_index_values(
    *, name: str, acronym: str = "", alt_names: Iterable[str] = (), contact_bits: Iterable[str] = ()
) -> tuple[str, str]:
    """The (search_text, name_key) that `partner_refresh_index` stores for these values."""
    search_text = normalize.search_terms([name, acronym, *alt_names, *contact_bits])
    return search_text, normalize.name_key(name)[:300]


def partner_refresh_index_bulk(partners: Sequence[Partner], *, batch_size: int = 500) -> None:
    """`partner_refresh_index` for many partners at once: a few queries per batch instead of per partner."""
    for start in range(0, len(partners), batch_size):
        batch = list(partners[start : start + batch_size])
        ids = [p.pk for p in batch]
        alt_names: dict[int, list[str]] = {pk: [] for pk in ids}
        for pid, alt in PartnerName.objects.filter(partner_id__in=ids).values_list("partner_id", "name"):
            alt_names[pid].append(alt)
        contact_bits: dict[int, list[str]] = {pk: [] for pk in ids}
        for pid, given, family, emails in Contact.objects.filter(
            roles__partner_id__in=ids, erased_at__isnull=True
        ).values_list("roles__partner_id", "given_name", "family_name", "emails"):
            contact_bits[pid].append(f"{given} {family}")
            contact_bits[pid].extend(emails or [])
        stale_rows: list[Partner] = []
        wanted: dict[int, set[str]] = {}
        profiles: list[dedupe.Profile] = []
        for partner in batch:
            search_text, name_key = partner_index_values(
                name=partner.name,
                acronym=partner.acronym,
                alt_names=alt_names[partner.pk],
                contact_bits=contact_bits[partner.pk],
            )
            if (partner.search_text, partner.name_key) != (search_text, name_key):
                partner.search_text, partner.name_key = search_text, name_key
                stale_rows.append(partner)
            profiles.append(_dedupe_profile(partner, alt_names[partner.pk]))
            wanted[partner.pk] = dedupe.blocking_keys(profiles[-1])
        if stale_rows:
            Partner.objects.bulk_update(stale_rows, ["search_text", "name_key"])
        existing: dict[int, set[str]] = {pk: set() for pk in ids}
        obsolete: list[int] = []
        for key_id, pid, key in DuplicateKey.objects.filter(partner_id__in=ids).values_list(
            "id", "partner_id", "key"
        ):
            existing[pid].add(key)
            if key not in wanted[pid]:
                obsolete.append(key_id)
        if obsolete:
            DuplicateKey.objects.filter(pk__in=obsolete).delete()
        DuplicateKey.objects.bulk_create(
            [DuplicateKey(partner_id=pid, key=k) for pid in ids for k in sorted(wanted[pid] - existing[pid])]
        )
        duplicate_profiles_store(profiles)


# --- Partners -------------------------------------------------------------------------------------


def _snapshot(partner: Partner) -> dict[str, Any]:
    return {f: getattr(partner, f"{f}_id" if f in _FK_FIELDS else f) for f in PARTNER_FIELDS}


_FK_FIELDS = {
    "registration_country",
    "country",
    "parent",
    "primary_category",
    "identified_by",
    "owning_office",
    "relationship_manager",
}


@transaction.atomic
def partner_create(
    *,
    actor: Any,
    data: dict[str, Any],
    alternative_names: Iterable[tuple[str, str, str]] = (),
    other_categories: Iterable[StakeholderCategory] = (),
    tags: Iterable[Tag] = (),
    refresh_index: bool = True,
) -> Partner:
    """Record a new partner as a prospect; names are (name, language, kind) tuples."""
    if not can_create_partner(actor):
        raise NotAllowed(_("Only UN-Habitat staff can add partners."))
    partner = Partner(**{k: v for k, v in data.items() if k in PARTNER_FIELDS})
    partner.status = PartnerStatus.PROSPECT
    if partner.identified_by_id is None and getattr(actor, "pk", None):
        partner.identified_by = actor
    if partner.identified_on is None:
        partner.identified_on = timezone.localdate()
    partner.phone = normalise_phone(partner.phone, partner.country_id)
    _full_clean(partner, exclude=["search_text", "name_key"])
    _check_partner_rules(partner)
    partner.save()
    for name, language, kind in alternative_names:
        if name.strip():
            PartnerName.objects.create(
                partner=partner, name=name.strip(), language=language, kind=kind or NameKind.ALTERNATIVE
            )
    partner.other_categories.set([c for c in other_categories if c.pk != partner.primary_category_id])
    partner.tags.set(list(tags))
    if refresh_index:
        partner_refresh_index(partner)
    audit("registry.partner.create", target=partner, after={"name": partner.name, "status": partner.status})
    transaction.on_commit(facets_invalidate)
    return partner


@transaction.atomic
def partner_update(
    *,
    actor: Any,
    partner: Partner,
    data: dict[str, Any],
    expected_version: int,
    other_categories: Iterable[StakeholderCategory] | None = None,
    tags: Iterable[Tag] | None = None,
) -> Partner:
    """Change a partner's fields; a stale `expected_version` is refused so no edit is silently lost."""
    if not can_edit_partner(actor, partner):
        raise NotAllowed(_("You may not edit this partner."))
    current = Partner.objects.select_for_update().get(pk=partner.pk)
    if current.version != expected_version:
        raise ConcurrentEdit()
    before = _snapshot(current)
    for key, value in data.items():
        if key in PARTNER_FIELDS:
            setattr(current, key, value)
    current.phone = normalise_phone(current.phone, current.country_id)
    _check_parent_cycle(current)
    _full_clean(current, exclude=["search_text", "name_key"])
    _check_partner_rules(current)
    current.save()
    before["other_categories"] = sorted(current.other_categories.values_list("pk", flat=True))
    before["tags"] = sorted(current.tags.values_list("pk", flat=True))
    if other_categories is not None:
        current.other_categories.set([c for c in other_categories if c.pk != current.primary_category_id])
    if tags is not None:
        current.tags.set(list(tags))
    after = _snapshot(current)
    after["other_categories"] = sorted(current.other_categories.values_list("pk", flat=True))
    after["tags"] = sorted(current.tags.values_list("pk", flat=True))
    changed = {k for k in after if before[k] != after[k]}
    if changed & {"name", "acronym", "website", "email", "registration_number"}:
        partner_refresh_index(current)
    if changed:
        transaction.on_commit(facets_invalidate)
        audit(
            "registry.partner.update",
            target=current,
            before={k: before[k] for k in sorted(changed)},
            after={k: after[k] for k in sorted(changed)},
        )
        many: dict[str, list[Any]] = {
            k: [before[k], after[k]] for k in ("other_categories", "tags") if k in changed
        }
        if many:
            # Many-to-many changes are not seen by save(); record them in the field history as well.
            current._write_history("update", many)
    return current


@transaction.atomic
def partner_set_names(*, actor: Any, partner: Partner, names: Iterable[tuple[str, str, str]]) -> Partner:
    """Replace the partner's alternative and former names."""
    if not can_edit_partner(actor, partner):
        raise NotAllowed(_("You may not edit this partner."))
    before = sorted(partner.names.values_list("name", "language", "kind"))
    wanted = sorted({(n.strip(), lang, kind) for n, lang, kind in names if n.strip()})
    if before != wanted:
        partner.names.all().delete()
        for name, language, kind in wanted:
            PartnerName.objects.create(partner=partner, name=name, language=language, kind=kind)
        partner_refresh_index(partner)
        audit("registry.partner.names", target=partner, before={"names": before}, after={"names": wanted})
    return partner


@transaction.atomic
def partner_change_status(*, actor: Any, partner: Partner, status: str, reason: str = "") -> Partner:
    """Move a partner along its lifecycle; refuses illegal moves and moves blocked by other apps' rules."""
    if status == PartnerStatus.ARCHIVED:
        allowed = can_archive_partner(actor, partner)
    else:
        allowed = can_change_partner_status(actor, partner)
    if not allowed:
        raise NotAllowed(_("You may not change this partner's status."))
    current = Partner.objects.select_for_update().get(pk=partner.pk)
    PARTNER_TRANSITIONS.check(current.status, status)
    require_status_allowed(current, status)
    before = current.status
    current.status = status
    current.save(update_fields=["status"])
    transaction.on_commit(facets_invalidate)
    audit(
        "registry.partner.status",
        target=current,
        before={"status": before},
        after={"status": status},
        note=reason,
    )
    return current


# --- Categories -----------------------------------------------------------------------------------


@transaction.atomic
def category_update(
    *,
    actor: Any,
    category: StakeholderCategory,
    data: dict[str, Any],
    focal_offices: Iterable[Any],
    expected_version: int,
) -> StakeholderCategory:
    """Change a category's name or focal-point offices (PLGU and administrators)."""
    if not can_manage_categories(actor):
        raise NotAllowed(_("Only the Partnerships and Local Government Unit can change categories."))
    current = StakeholderCategory.objects.select_for_update().get(pk=category.pk)
    if current.version != expected_version:
        raise ConcurrentEdit()
    before = {
        "name": current.name,
        "focal_note": current.focal_note,
        "is_active": current.is_active,
        "focal_offices": sorted(current.focal_offices.values_list("code", flat=True)),
    }
    for key in ("name", "focal_note", "is_active", "name_translations"):
        if key in data:
            setattr(current, key, data[key])
    _full_clean(current)
    current.save()
    current.focal_offices.set(list(focal_offices))
    after = {
        "name": current.name,
        "focal_note": current.focal_note,
        "is_active": current.is_active,
        "focal_offices": sorted(current.focal_offices.values_list("code", flat=True)),
    }
    if before != after:
        audit("registry.category.update", target=current, before=before, after=after)
    return current


# --- Contacts -------------------------------------------------------------------------------------


class _ContactInAudit:
    """Names a contact in the audit log by number only: the log is append-only, so an erasure could not
    remove a name written there (the default label is the person's full name)."""

    def __init__(self, contact: Contact) -> None:
        self.pk = contact.pk
        self._meta = contact._meta

    def __str__(self) -> str:
        return f"contact #{self.pk}"


def _audit_contact(action: str, contact: Contact, **kwargs: Any) -> None:
    audit(action, target=cast(Any, _ContactInAudit(contact)), **kwargs)


CONTACT_FIELDS = (
    "honorific",
    "given_name",
    "family_name",
    "emails",
    "phones",
    "preferred_language",
    "consent_email",
    "consent_phone",
    "consent_post",
    "consent_recorded_on",
    "do_not_contact",
    "email_on_hold",
    "notes",
)


def _clean_contact(contact: Contact, country_code: str | None) -> None:
    contact.emails = [e.strip().lower() for e in contact.emails or [] if e and e.strip()]
    phones = []
    for raw in contact.phones or []:
        if raw and raw.strip():
            try:
                phones.append(normalise_phone(raw, country_code))
            except ValidationFailed:
                raise ValidationFailed(
                    {"phones": [_("“%(phone)s” is not a valid phone number.") % {"phone": raw}]}
                ) from None
    contact.phones = phones
    from django.core.validators import validate_email

    for email in contact.emails:
        try:
            validate_email(email)
        except ValidationError:
            raise ValidationFailed(
                {"emails": [_("“%(email)s” is not a valid e-mail address.") % {"email": email}]}
            ) from None
    if (
        contact.consent_email or contact.consent_phone or contact.consent_post
    ) and not contact.consent_recorded_on:
        contact.consent_recorded_on = timezone.localdate()
    _full_clean(contact)


@transaction.atomic
def contact_create(
    *,
    actor: Any,
    data: dict[str, Any],
    partner: Partner | None = None,
    title: str = "",
    is_key_person: bool = False,
    is_primary: bool = False,
    start_date: dt.date | None = None,
) -> Contact:
    """Record a person, optionally with their current role at a partner."""
    if partner is not None and not can_edit_partner(actor, partner):
        raise NotAllowed(_("You may not add contacts to this partner."))
    if not getattr(actor, "is_agency_staff", False):
        raise NotAllowed(_("Only UN-Habitat staff can add contacts."))
    contact = Contact(**{k: v for k, v in data.items() if k in CONTACT_FIELDS})
    _clean_contact(contact, partner.country_id if partner else None)
    contact.save()
    if partner is not None:
        ContactRole.objects.create(
            contact=contact,
            partner=partner,
            title=title,
            is_key_person=is_key_person,
            is_primary=is_primary,
            start_date=start_date,
        )
        partner_refresh_index(partner)
    _audit_contact("registry.contact.create", contact, after={"partner": partner.pk if partner else None})
    return contact


@transaction.atomic
def contact_update(*, actor: Any, contact: Contact, data: dict[str, Any], expected_version: int) -> Contact:
    if not can_edit_contact(actor, contact):
        raise NotAllowed(_("You may not edit this contact."))
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    if current.version != expected_version:
        raise ConcurrentEdit()
    before = {k: getattr(current, k) for k in CONTACT_FIELDS}
    for key, value in data.items():
        if key in CONTACT_FIELDS:
            setattr(current, key, value)
    first_role = current.roles.select_related("partner").first()
    _clean_contact(current, first_role.partner.country_id if first_role else None)
    current.save()
    after = {k: getattr(current, k) for k in CONTACT_FIELDS}
    changed = sorted(k for k in CONTACT_FIELDS if before[k] != after[k])
    if changed:
        # Field names only: the audit log is append-only and must never hold personal values that an
        # erasure request would have to remove. The values are in the record's (erasable) history.
        _audit_contact("registry.contact.update", current, after={"fields": changed})
        for role in current.roles.select_related("partner"):
            partner_refresh_index(role.partner)
    return current


@transaction.atomic
def contact_role_add(
    *,
    actor: Any,
    contact: Contact,
    partner: Partner,
    title: str = "",
    is_key_person: bool = False,
    is_primary: bool = False,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
) -> ContactRole:
    """Record that a person holds (or held) a role at an organisation, for a period."""
    if not can_edit_partner(actor, partner):
        raise NotAllowed(_("You may not add contacts to this partner."))
    if contact.erased_at:
        raise ValidationFailed({"contact": [_("This person's data was erased.")]})
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed({"end_date": [_("The end date cannot be before the start date.")]})
    role = ContactRole(
        contact=contact,
        partner=partner,
        title=title,
        is_key_person=is_key_person,
        is_primary=is_primary,
        start_date=start_date,
        end_date=end_date,
    )
    _full_clean(role)
    role.save()
    partner_refresh_index(partner)
    audit("registry.contact.role_add", target=partner, after={"contact": contact.pk, "title": title})
    return role


@transaction.atomic
def contact_role_end(*, actor: Any, role: ContactRole, end_date: dt.date | None = None) -> ContactRole:
    if not can_edit_partner(actor, role.partner):
        raise NotAllowed(_("You may not change contacts of this partner."))
    end_date = end_date or timezone.localdate()
    if role.start_date and end_date < role.start_date:
        raise ValidationFailed({"end_date": [_("The end date cannot be before the start date.")]})
    role.end_date = end_date
    role.save(update_fields=["end_date"])
    audit(
        "registry.contact.role_end",
        target=role.partner,
        after={"contact": role.contact_id, "until": end_date},
    )
    return role


def contact_export(*, actor: Any, contact: Contact) -> dict[str, Any]:
    """Everything PartnerHub holds about a person, for a data-subject request (PLGU only)."""
    if not can_handle_privacy_requests(actor):
        raise NotAllowed(_("Only the Partnerships and Local Government Unit handles personal-data requests."))
    data = {k: getattr(contact, k) for k in CONTACT_FIELDS}
    data["consent_recorded_on"] = (
        contact.consent_recorded_on.isoformat() if contact.consent_recorded_on else None
    )
    data["roles"] = [
        {
            "organisation": role.partner.name,
            "title": role.title,
            "key_person": role.is_key_person,
            "from": role.start_date.isoformat() if role.start_date else None,
            "until": role.end_date.isoformat() if role.end_date else None,
        }
        for role in contact.roles.select_related("partner")
    ]
    data["history"] = [
        {"at": row.at.isoformat(), "by": row.actor_label, "action": row.action, "changes": row.changes}
        for row in contact.history()
    ]
    _audit_contact("registry.contact.export", contact)
    return data


ERASED = "[erased]"


@transaction.atomic
def contact_erase(*, actor: Any, contact: Contact, reason: str) -> Contact:
    """Anonymise a person on request: personal values go, also from their history; the fact of change stays."""
    if not can_handle_privacy_requests(actor):
        raise NotAllowed(_("Only the Partnerships and Local Government Unit handles personal-data requests."))
    if not reason.strip():
        raise ValidationFailed({"reason": [_("Record the request this erasure answers.")]})
    current = Contact.objects.select_for_update().get(pk=contact.pk)
    if current.erased_at:
        return current
    current.honorific = ""
    current.given_name = ""
    current.family_name = ERASED
    current.emails = []
    current.phones = []
    current.notes = ""
    current.consent_email = current.consent_phone = current.consent_post = False
    current.do_not_contact = True
    current.erased_at = timezone.now()
    current.save()
    # History rows keep who and when, not the personal values.
    for row in current.history():
        row.changes = {field: [ERASED, ERASED] for field in row.changes}
        row.save(update_fields=["changes"])
    for role in current.roles.select_related("partner"):
        partner_refresh_index(role.partner)
    _audit_contact("registry.contact.erase", current, note=reason.strip())
    return current


# --- Relationships --------------------------------------------------------------------------------


@transaction.atomic
def relationship_create(
    *,
    actor: Any,
    source: Partner,
    kind: str,
    target: Partner,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    note: str = "",
) -> Relationship:
    if not can_edit_partner(actor, source):
        raise NotAllowed(_("You may not edit this partner."))
    if source.pk == target.pk:
        raise ValidationFailed({"target": [_("A partner cannot be related to itself.")]})
    if start_date and end_date and end_date < start_date:
        raise ValidationFailed({"end_date": [_("The end date cannot be before the start date.")]})
    relationship = Relationship(
        source=source, kind=kind, target=target, start_date=start_date, end_date=end_date, note=note
    )
    _full_clean(relationship)
    relationship.save()
    audit("registry.relationship.create", target=source, after={"kind": kind, "target": target.pk})
    return relationship


@transaction.atomic
def relationship_delete(*, actor: Any, relationship: Relationship) -> None:
    if not can_edit_partner(actor, relationship.source):
        raise NotAllowed(_("You may not edit this partner."))
    audit(
        "registry.relationship.delete",
        target=relationship.source,
        before={"kind": relationship.kind, "target": relationship.target_id},
    )
    relationship.delete()


# --- Partner users --------------------------------------------------------------------------------


@transaction.atomic
def partner_user_link(*, actor: Any, user: Any, partner: Partner) -> PartnerMembership:
    """Give an external partner user access to their organisation (and only that one)."""
    if not can_link_partner_users(actor):
        raise NotAllowed(_("Only the Partnerships and Local Government Unit can link partner users."))
    if not user.is_partner_user:
        raise ValidationFailed(
            {"user": [_("Only users with the partner-user role (and no staff role) can be linked.")]}
        )
    membership, _created = PartnerMembership.objects.update_or_create(
        user=user, defaults={"partner": partner}
    )
    audit("registry.partner_user.link", target=partner, after={"user": user.email})
    return membership
