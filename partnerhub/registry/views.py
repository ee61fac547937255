from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.core.audit import audit_for
from partnerhub.core.errors import (
    ConcurrentEdit,
    DomainError,
    IllegalTransition,
    NotAllowed,
    ValidationFailed,
)
from partnerhub.core.history import describe
from partnerhub.registry import exporter, selectors, services
from partnerhub.registry.duplicates import candidates_for, mark_not_duplicate
from partnerhub.registry.forms import (
    CategoryForm,
    ContactForm,
    EraseForm,
    PartnerFilterForm,
    PartnerForm,
    RelationshipForm,
    RoleForm,
    StatusForm,
)
from partnerhub.registry.labels import action_label
from partnerhub.registry.models import (
    Contact,
    ContactRole,
    Partner,
    Relationship,
    StakeholderCategory,
)
from partnerhub.registry.panels import render_partner_panels
from partnerhub.registry.permissions import (
    can_archive_partner,
    can_change_partner_status,
    can_create_partner,
    can_edit_contact,
    can_edit_partner,
    can_export_partners,
    can_handle_privacy_requests,
    can_import_partners,
    can_manage_categories,
    can_merge_partners,
    can_use_registry,
)
from partnerhub.registry.states import PARTNER_TRANSITIONS, PartnerStatus

PAGE_SIZE = 50


def _require_registry(request: HttpRequest) -> None:
    if not can_use_registry(request.user):
        raise PermissionDenied(_("The partners database is for UN-Habitat staff."))


def _apply_errors(form: Any, exc: ValidationFailed) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _filters(request: HttpRequest) -> tuple[PartnerFilterForm, selectors.PartnerFilters]:
    form = PartnerFilterForm(request.GET or None)
    filters = selectors.PartnerFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.PartnerFilters(
            q=data.get("q") or "",
            category=[c.pk for c in data.get("category") or []],
            region=data.get("region") or "",
            country=(data.get("country") or "").upper(),
            status=list(data.get("status") or []),
            theme=[t.pk for t in data.get("theme") or []],
            channel=data.get("channel") or "",
            office=data["office"].pk if data.get("office") else None,
            ecosoc=data.get("ecosoc") or "",
            created_year=data.get("created_year"),
            sort=data.get("sort") or "name",
        )
    return form, filters


FILTER_SELECTS = ("channel", "office", "ecosoc", "sort")


def _select_options(form: PartnerFilterForm) -> dict[str, dict[str, Any]]:
    """The filter selects' options as plain (value, label, selected) rows.

    Rendering each option through Django's widget templates cost about 20 ms per list page; the page
    writes these few selects itself.
    """
    selects: dict[str, dict[str, Any]] = {}
    for name in ("theme", *FILTER_SELECTS):
        bound = form[name]
        raw = bound.value()
        chosen = {str(v) for v in raw} if isinstance(raw, list | tuple) else {str(raw or "")}
        field = form.fields[name]
        choices = field.choices  # type: ignore[attr-defined]
        if name == "office":
            choices = [("", _("Any office")), *[(c, label) for c, label in choices if c != ""]]
        selects[name] = {
            "id": bound.id_for_label,
            "label": bound.label,
            "options": [(str(value), str(label), str(value) in chosen) for value, label in choices],
        }
    return selects


def partner_list(request: HttpRequest) -> HttpResponse:
    _require_registry(request)
    form, filters = _filters(request)
    partners = selectors.partner_search(user=request.user, filters=filters)
    facets = selectors.partner_facets(user=request.user, filters=filters)
    paginator = Paginator(partners, PAGE_SIZE)
    if facets.get("total") is not None:
        paginator.count = facets["total"]  # exact: the facet sums, so no second COUNT over the results
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "selects": _select_options(form),
        "page": page,
        "facets": facets,
        "filters": filters,
        "query": query.urlencode(),
        "can_create": can_create_partner(request.user),
        "can_import": can_import_partners(request.user),
        "can_merge": can_merge_partners(request.user),
        "can_export": can_export_partners(request.user),
    }
    template = (
        "registry/partner_list.html#results"
        if request.headers.get("HX-Request")
        else "registry/partner_list.html"
    )
    return render(request, template, context)


def partner_export(request: HttpRequest, fmt: str) -> HttpResponse:
    _require_registry(request)
    if not can_export_partners(request.user):
        raise PermissionDenied
    _form, filters = _filters(request)
    partners = selectors.partner_search(user=request.user, filters=filters)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if fmt == "csv":
        chunks = exporter.to_csv(partners)
        streaming = StreamingHttpResponse(
            (chunk.encode("utf-8") for chunk in _with_bom(chunks)), content_type="text/csv; charset=utf-8"
        )
        streaming["Content-Disposition"] = f'attachment; filename="partners-{stamp}.csv"'
        return streaming  # type: ignore[return-value]
    if fmt == "xlsx":
        response = HttpResponse(
            exporter.to_xlsx(partners),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="partners-{stamp}.xlsx"'
        return response
    return render(request, "404.html", status=404)


def _with_bom(chunks: Any) -> Any:
    yield "\ufeff"
    yield from chunks


def _timeline(partner: Partner) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    for entry in describe(Partner, list(partner.history()[:100])):
        entries.append(
            {"at": entry.at, "actor": entry.actor, "title": entry.action, "changes": entry.changes}
        )
    for row in audit_for(partner)[:100]:
        entries.append(
            {
                "at": row.at,
                "actor": row.actor_label,
                "title": action_label(row.action),
                "note": row.note,
                "after": row.after,
                "before": row.before,
                "changes": [],
            }
        )
    entries.sort(key=lambda e: e["at"], reverse=True)
    return entries[:150]


def partner_detail(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    if partner.merged_into_id:
        messages.info(request, _("This record was merged into the one shown here."))
        return redirect("registry:partner_detail", pk=partner.merged_into_id)
    staff_view = can_use_registry(request.user)
    context: dict[str, Any] = {
        "partner": partner,
        **selectors.partner_detail_context(partner=partner),
        "staff_view": staff_view,
        "can_edit": can_edit_partner(request.user, partner),
        "status_targets": [
            (s, PARTNER_TRANSITIONS.label(s))
            for s in sorted(PARTNER_TRANSITIONS.allowed(partner.status))
            if (s == PartnerStatus.ARCHIVED and can_archive_partner(request.user, partner))
            or (s != PartnerStatus.ARCHIVED and can_change_partner_status(request.user, partner))
        ],
        "timeline": _timeline(partner) if staff_view else [],
        # Other apps' panels (e.g. sanctions screening), staff only; each also checks its own predicate.
        "panels": render_partner_panels(request, partner) if staff_view else [],
    }
    return render(request, "registry/partner_detail.html", context)


def _partner_data(form: PartnerForm) -> dict[str, Any]:
    return {k: v for k, v in form.cleaned_data.items() if k in services.PARTNER_FIELDS}


def _duplicate_candidates(
    data: dict[str, Any], names: list[tuple[str, str, str]], exclude_ids: tuple[int, ...] = ()
) -> list[Any]:
    """Existing partners that the record about to be saved may duplicate."""
    return candidates_for(
        name=data["name"],
        acronym=data.get("acronym", ""),
        alt_names=[n for n, _l, _k in names],
        website=data.get("website", ""),
        email=data.get("email", ""),
        registration_number=data.get("registration_number", ""),
        country=data["country"].pk if data.get("country") else None,
        exclude_ids=exclude_ids,
    )


def _remember_not_duplicates(user: Any, partner: Partner, candidates: list[Any], reason: str) -> None:
    for candidate in candidates:
        mark_not_duplicate(actor=user, partner_a=partner, partner_b=candidate.partner, reason=reason)


@require_http_methods(["GET", "POST"])
def partner_create(request: HttpRequest) -> HttpResponse:
    if not can_create_partner(request.user):
        raise PermissionDenied(_("Only UN-Habitat staff can add partners."))
    form = PartnerForm(request.POST or None, initial={"identified_on": timezone.localdate()})
    candidates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = _partner_data(form)
        names = form.cleaned_data["alternative_names"]
        candidates = _duplicate_candidates(data, names)
        if candidates and not form.cleaned_data.get("confirm_not_duplicate"):
            form.add_error(
                None, _("This may already be in the database. Check the possible duplicates below.")
            )
        else:
            try:
                partner = services.partner_create(
                    actor=request.user,
                    data=data,
                    alternative_names=names,
                    other_categories=form.cleaned_data["other_categories"],
                    tags=form.cleaned_data["tags"],
                )
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            else:
                _remember_not_duplicates(request.user, partner, candidates, "confirmed on create")
                messages.success(request, _("Partner “%(name)s” added.") % {"name": partner.name})
                return redirect("registry:partner_detail", pk=partner.pk)
    return render(
        request, "registry/partner_form.html", {"form": form, "partner": None, "candidates": candidates}
    )


@require_http_methods(["GET", "POST"])
def partner_edit(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    if not can_edit_partner(request.user, partner):
        raise PermissionDenied(_("You may not edit this partner."))
    form = PartnerForm(request.POST or None, instance=partner, initial={"version": partner.version})
    candidates: list[Any] = []
    if request.method == "POST" and form.is_valid():
        data = _partner_data(form)
        names = form.cleaned_data["alternative_names"]
        renamed = data["name"] != Partner.objects.values_list("name", flat=True).get(pk=pk)
        if renamed:
            candidates = _duplicate_candidates(data, names, exclude_ids=(pk,))
        if candidates and not form.cleaned_data.get("confirm_not_duplicate"):
            form.add_error(
                None, _("The new name matches other records. Check the possible duplicates below.")
            )
        else:
            try:
                updated = services.partner_update(
                    actor=request.user,
                    partner=partner,
                    data=data,
                    expected_version=form.cleaned_data.get("version") or 0,
                    other_categories=form.cleaned_data["other_categories"],
                    tags=form.cleaned_data["tags"],
                )
                services.partner_set_names(actor=request.user, partner=updated, names=names)
                _remember_not_duplicates(request.user, updated, candidates, "confirmed on rename")
            except ConcurrentEdit as exc:
                form.add_error(None, exc.message)
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Partner “%(name)s” saved.") % {"name": updated.name})
                return redirect("registry:partner_detail", pk=updated.pk)
    return render(
        request, "registry/partner_form.html", {"form": form, "partner": partner, "candidates": candidates}
    )


@require_POST
def partner_status(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("registry:partner_detail", pk=pk)
    try:
        services.partner_change_status(
            actor=request.user,
            partner=partner,
            status=form.cleaned_data["status"],
            reason=form.cleaned_data.get("reason", ""),
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except IllegalTransition as exc:
        url = exc.context.get("url")
        if url:  # a guard from another app links what settles it (e.g. the due-diligence case)
            messages.error(
                request, format_html('{} <a href="{}">{}</a>', exc.message, url, _("See what is needed."))
            )
        else:
            messages.error(request, exc.message)
    else:
        messages.success(request, _("Status changed."))
    return redirect("registry:partner_detail", pk=pk)


def new_partners(request: HttpRequest) -> HttpResponse:
    _require_registry(request)
    this_year = timezone.localdate().year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        year = this_year
    rows = selectors.new_partners_by_office(user=request.user, year=year)
    return render(
        request,
        "registry/new_partners.html",
        {
            "rows": rows,
            "year": year,
            "years": list(range(this_year, this_year - 6, -1)),
            "total": sum(r["total"] for r in rows),
        },
    )


# --- Contacts -------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    if not can_edit_partner(request.user, partner):
        raise PermissionDenied(_("You may not add contacts to this partner."))
    form = ContactForm(request.POST or None)
    role_form = RoleForm(request.POST or None, prefix="role")
    if request.method == "POST" and form.is_valid() and role_form.is_valid():
        try:
            contact = services.contact_create(
                actor=request.user,
                data=form.contact_data(),
                partner=partner,
                title=role_form.cleaned_data["title"],
                is_key_person=role_form.cleaned_data["is_key_person"],
                is_primary=role_form.cleaned_data["is_primary"],
                start_date=role_form.cleaned_data["start_date"],
            )
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Contact “%(name)s” added.") % {"name": contact.full_name})
            return redirect("registry:partner_detail", pk=partner.pk)
    return render(
        request,
        "registry/contact_form.html",
        {"form": form, "role_form": role_form, "partner": partner, "contact": None},
    )


def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, pk=pk)
    return render(
        request,
        "registry/contact_detail.html",
        {
            "contact": contact,
            "roles": list(contact.roles.all()),
            "history": describe(Contact, list(contact.history()[:50])),
            "can_edit": can_edit_contact(request.user, contact),
            "can_privacy": can_handle_privacy_requests(request.user),
            "erase_form": EraseForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, pk=pk)
    if not can_edit_contact(request.user, contact):
        raise PermissionDenied(_("You may not edit this contact."))
    form = ContactForm(request.POST or None, instance=contact, initial={"version": contact.version})
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_update(
                actor=request.user,
                contact=contact,
                data=form.contact_data(),
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except ConcurrentEdit as exc:
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Contact saved."))
            return redirect("registry:contact_detail", pk=contact.pk)
    return render(
        request,
        "registry/contact_form.html",
        {"form": form, "role_form": None, "partner": None, "contact": contact},
    )


@require_POST
def contact_role_end(request: HttpRequest, pk: int) -> HttpResponse:
    _require_registry(request)
    role = get_object_or_404(ContactRole.objects.select_related("partner", "contact"), pk=pk)
    try:
        services.contact_role_end(actor=request.user, role=role)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except ValidationFailed as exc:
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("Role ended today."))
    return redirect("registry:partner_detail", pk=role.partner_id)


def contact_export(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, pk=pk)
    try:
        data = services.contact_export(actor=request.user, contact=contact)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2, default=str),
        content_type="application/json; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="contact-{contact.pk}-personal-data.json"'
    return response


@require_POST
def contact_erase(request: HttpRequest, pk: int) -> HttpResponse:
    contact = selectors.contact_get_for(user=request.user, pk=pk)
    form = EraseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Record the request this erasure answers."))
        return redirect("registry:contact_detail", pk=pk)
    try:
        services.contact_erase(actor=request.user, contact=contact, reason=form.cleaned_data["reason"])
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("The person's data was erased. The record remains, without personal values."))
    return redirect("registry:contact_detail", pk=pk)


# --- Relationships --------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def relationship_create(request: HttpRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get_for(user=request.user, pk=pk)
    if not can_edit_partner(request.user, partner):
        raise PermissionDenied(_("You may not edit this partner."))
    form = RelationshipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        target = Partner.objects.filter(pk=form.cleaned_data["target"], merged_into__isnull=True).first()
        if target is None:
            form.add_error("target", _("There is no partner with this number."))
        else:
            try:
                services.relationship_create(
                    actor=request.user,
                    source=partner,
                    kind=form.cleaned_data["kind"],
                    target=target,
                    start_date=form.cleaned_data["start_date"],
                    end_date=form.cleaned_data["end_date"],
                    note=form.cleaned_data["note"],
                )
            except ValidationFailed as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("Relationship added."))
                return redirect("registry:partner_detail", pk=partner.pk)
    return render(request, "registry/relationship_form.html", {"form": form, "partner": partner})


@require_POST
def relationship_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _require_registry(request)
    relationship = get_object_or_404(Relationship.objects.select_related("source", "target"), pk=pk)
    try:
        services.relationship_delete(actor=request.user, relationship=relationship)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("Relationship removed."))
    return redirect("registry:partner_detail", pk=relationship.source_id)


# --- Categories -----------------------------------------------------------------------------------


def category_list(request: HttpRequest) -> HttpResponse:
    _require_registry(request)
    categories = StakeholderCategory.objects.prefetch_related("focal_offices").order_by("number")
    return render(
        request,
        "registry/category_list.html",
        {"categories": categories, "can_manage": can_manage_categories(request.user)},
    )


@require_http_methods(["GET", "POST"])
def category_edit(request: HttpRequest, pk: int) -> HttpResponse:
    if not can_manage_categories(request.user):
        raise PermissionDenied(_("Only the Partnerships and Local Government Unit can change categories."))
    category = get_object_or_404(StakeholderCategory, pk=pk)
    form = CategoryForm(request.POST or None, instance=category, initial={"version": category.version})
    if request.method == "POST" and form.is_valid():
        try:
            services.category_update(
                actor=request.user,
                category=category,
                data={k: form.cleaned_data[k] for k in ("name", "focal_note", "is_active")},
                focal_offices=form.cleaned_data["focal_offices"],
                expected_version=form.cleaned_data.get("version") or 0,
            )
        except (ConcurrentEdit, DomainError) as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Category saved."))
            return redirect("registry:category_list")
    return render(request, "registry/category_form.html", {"form": form, "category": category})
