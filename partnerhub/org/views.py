from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from partnerhub.core.errors import ConcurrentEdit, ValidationFailed
from partnerhub.core.history import describe
from partnerhub.org import selectors, services
from partnerhub.org.forms import OfficeFilterForm, OfficeForm
from partnerhub.org.models import Office
from partnerhub.org.permissions import can_edit_office, can_manage_offices, can_view_offices


def office_list(request: HttpRequest) -> HttpResponse:
    if not can_view_offices(request.user):
        raise PermissionDenied(_("Partner users cannot see the agency's offices."))
    form = OfficeFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    offices = selectors.offices_visible_to(
        user=request.user,
        search=filters.get("q", ""),
        kind=filters.get("kind", ""),
        include_inactive=bool(filters.get("inactive")),
    )
    page = Paginator(offices, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "org/office_list.html",
        {"form": form, "page": page, "can_manage": can_manage_offices(request.user)},
    )


def office_detail(request: HttpRequest, pk: int) -> HttpResponse:
    office = selectors.office_get_for(user=request.user, pk=pk)
    history = describe(Office, list(office.history()[:50]))
    staff = office.staff.filter(is_active=True).order_by("full_name")[:100]
    return render(
        request,
        "org/office_detail.html",
        {
            "office": office,
            "history": history,
            "staff": staff,
            "children": office.children.filter(is_active=True).order_by("name"),
            "can_edit": can_edit_office(request.user, office),
        },
    )


def _apply_errors(form: OfficeForm, exc: ValidationFailed) -> None:
    for field, errors in exc.errors.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


@require_http_methods(["GET", "POST"])
def office_create(request: HttpRequest) -> HttpResponse:
    if not can_manage_offices(request.user):
        raise PermissionDenied(_("Only administrators can add offices."))
    form = OfficeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            office = services.office_create(actor=request.user, data=form.cleaned_data)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Office “%(name)s” added.") % {"name": office.name})
            return redirect("org:office_detail", pk=office.pk)
    return render(request, "org/office_form.html", {"form": form, "office": None})


@require_http_methods(["GET", "POST"])
def office_edit(request: HttpRequest, pk: int) -> HttpResponse:
    office = selectors.office_get_for(user=request.user, pk=pk)
    if not can_edit_office(request.user, office):
        raise PermissionDenied(_("Only administrators can change offices."))
    form = OfficeForm(request.POST or None, instance=office, initial={"version": office.version})
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        expected = form.cleaned_data.get("version") or 0
        # The form wrote the posted values onto `office`; the service reloads it under lock anyway.
        try:
            office = services.office_update(
                actor=request.user, office=office, data=data, expected_version=expected
            )
        except ConcurrentEdit as exc:
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, _("Office “%(name)s” saved.") % {"name": office.name})
            return redirect("org:office_detail", pk=office.pk)
    return render(request, "org/office_form.html", {"form": form, "office": office})
