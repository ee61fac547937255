"""Pages for screening results (staff only): alerts and their review, re-screening runs, "Screen now",
and the panel on a partner's page."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.core.audit import audit_for
from partnerhub.core.errors import ConcurrentEdit, IllegalTransition, NotAllowed, ValidationFailed
from partnerhub.registry import selectors as registry_selectors
from partnerhub.registry.labels import action_label
from partnerhub.registry.models import ContactRole, Partner
from partnerhub.screening import monitoring
from partnerhub.screening import selectors as list_selectors
from partnerhub.screening import selectors_monitoring as selectors
from partnerhub.screening.forms_monitoring import AlertDecisionForm, AlertFilterForm
from partnerhub.screening.models import ListEntry
from partnerhub.screening.models_monitoring import AlertStatus, ScreeningAlert
from partnerhub.screening.permissions_monitoring import (
    can_decide_screening_alert,
    can_screen_now,
    can_view_screening_results,
)

ALERTS_PER_PAGE = 25
RUNS_PER_PAGE = 20
DECIDERS_ONLY = (
    "Only the Partnerships and Local Government Unit and administrators can decide screening alerts."
)


def _require_view(request: HttpRequest) -> None:
    if not can_view_screening_results(request.user):
        raise PermissionDenied(_("Screening results are for agency staff."))


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


# --- Alerts ---------------------------------------------------------------------------------------


def alert_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    form = AlertFilterForm(request.GET or None)
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    partner_id = filters.get("partner")
    alerts = selectors.alerts_visible_to(
        user=request.user,
        status=filters.get("status") or "",
        partner_id=partner_id,
        q=(filters.get("q") or "").strip(),
    )
    page = Paginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "partner": Partner.objects.filter(pk=partner_id).only("id", "name").first() if partner_id else None,
        "query": query.urlencode(),
        "open_count": selectors.open_alert_count(user=request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "screening/monitoring/alert_list.html#results", context)
    return render(request, "screening/monitoring/alert_list.html", context)


def _entry_context(entry: ListEntry) -> dict[str, Any]:
    return {
        "dates_of_birth": [list_selectors.describe_date_of_birth(d) for d in entry.dates_of_birth],
        "addresses": [list_selectors.describe_address(a) for a in entry.addresses],
    }


def _entry_now(alert: ScreeningAlert) -> str:
    """Whether the listed entry is still on the list as it was: "same", "changed" or "removed"."""
    current = (
        ListEntry.objects.filter(
            snapshot__source_id=alert.snapshot.source_id,
            snapshot__is_current=True,
            reference_number=alert.reference_number,
        )
        .only("content_hash")
        .first()
    )
    if current is None:
        return "removed"
    return "same" if current.content_hash == alert.entry_hash else "changed"


def _decision_history(alert: ScreeningAlert) -> list[dict[str, Any]]:
    rows = audit_for(alert.partner).filter(action__startswith="screening.alert.", after__alert=alert.pk)
    return [
        {"at": row.at, "actor": row.actor_label, "title": action_label(row.action), "note": row.note}
        for row in rows.order_by("at", "id")[:20]
    ]


@require_http_methods(["GET", "POST"])
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    alert = selectors.alert_get_for(user=request.user, pk=pk)
    can_decide = can_decide_screening_alert(request.user, alert)
    form = AlertDecisionForm(request.POST or None, initial={"version": alert.version})
    if request.method == "POST":
        if not can_decide_screening_alert(request.user):
            raise PermissionDenied(
                _(
                    "Only the Partnerships and Local Government Unit and administrators can decide "
                    "screening alerts."
                )
            )
        if form.is_valid():
            service = (
                monitoring.alert_confirm
                if form.cleaned_data["decision"] == "confirm"
                else monitoring.alert_dismiss
            )
            try:
                service(
                    alert=alert,
                    actor=request.user,
                    reason=form.cleaned_data["reason"],
                    expected_version=form.cleaned_data["version"],
                )
            except (ConcurrentEdit, IllegalTransition, NotAllowed) as exc:
                form.add_error(None, exc.message)
            except ValidationFailed as exc:
                for field, errors in exc.errors.items():
                    for error in errors:
                        form.add_error(field if field in form.fields else None, error)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect("screening:alert_detail", pk=alert.pk)
    partner = alert.partner
    roles = (
        list(
            ContactRole.objects.filter(partner=partner, contact=alert.contact).order_by("-start_date", "-pk")
        )
        if alert.contact_id
        else []
    )
    context = {
        "alert": alert,
        "partner": partner,
        "other_names": list(partner.names.all()),
        "roles": roles,
        "entry": alert.entry,
        **_entry_context(alert.entry),
        "entry_now": _entry_now(alert),
        "form": form,
        "can_decide": can_decide,
        "history": _decision_history(alert),
        "related": selectors.alert_history_for(user=request.user, alert=alert),
    }
    return render(request, "screening/monitoring/alert_detail.html", context)


# --- Screen now and re-screening runs -------------------------------------------------------------


@require_POST
def partner_screen_now(request: HttpRequest, pk: int) -> HttpResponse:
    partner = registry_selectors.partner_get_for(user=request.user, pk=pk)
    if not can_screen_now(request.user):
        raise PermissionDenied(
            _("Only the Partnerships and Local Government Unit and administrators can screen on request.")
        )
    result = monitoring.screen_partner(
        partner=partner, trigger="manual", actor=request.user, include_people=True
    )
    if not result.checks:
        messages.warning(request, _("No sanctions list is loaded, so nothing was screened."))
    elif result.alerts:
        messages.warning(
            request,
            ngettext(
                "Screened %(count)d names; %(alerts)d new alert to review.",
                "Screened %(count)d names; %(alerts)d new alerts to review.",
                len(result.alerts),
            )
            % {"count": len(result.checks), "alerts": len(result.alerts)},
        )
    else:
        messages.success(
            request, _("Screened %(count)d names; no new alert.") % {"count": len(result.checks)}
        )
    return redirect(_next_url(request, reverse("registry:partner_detail", args=[partner.pk])))


def run_list(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    page = Paginator(selectors.runs_visible_to(user=request.user), RUNS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "screening/monitoring/run_list.html",
        {"page": page, "can_start": can_screen_now(request.user)},
    )


@require_POST
def run_start(request: HttpRequest) -> HttpResponse:
    _require_view(request)
    try:
        run = monitoring.rescreen_start(actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("Re-screening everyone. You can leave this page and come back."))
    return redirect("screening:run_detail", pk=run.pk)


def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get_for(user=request.user, pk=pk)
    context: dict[str, Any] = {"run": run, "finished": run.finished}
    if request.headers.get("HX-Request") and not run.finished:
        return render(request, "screening/monitoring/run_detail.html#progress", context)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    context["alerts"] = list(
        ScreeningAlert.objects.filter(raised_by_check__run=run)
        .select_related("partner", "contact")
        .order_by("-score", "-id")[:50]
    )
    return render(request, "screening/monitoring/run_detail.html", context)


# --- The panel on a partner's page ----------------------------------------------------------------


def partner_panel(request: HttpRequest, partner: Partner) -> str | None:
    """The "Sanctions screening" panel for a partner's page (staff only; None for anyone else)."""
    if not can_view_screening_results(request.user):
        return None
    summary = selectors.screening_summary_for(user=request.user, partner=partner)
    return render_to_string(
        "screening/monitoring/_partner_panel.html",
        {
            "summary": summary,
            "partner": partner,
            "can_screen": can_screen_now(request.user),
            "OPEN": AlertStatus.OPEN,
        },
        request=request,
    )
