"""Pages for agreements: list with filters and export, the advisor, a new draft, the agreement page (parties,
clearance, versions, documents, results, timeline) and the actions it offers. Thin: a form or the request,
one selector or service, then render or redirect."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from partnerhub.agreements import selectors, services
from partnerhub.agreements.actions import Act, available_actions
from partnerhub.agreements.forms import (
    PARTY_SEARCH_LIMIT,
    AdvisorForm,
    AgreementForm,
    ListFilterForm,
    VersionForm,
    party_ids,
    visible_partners,
)
from partnerhub.agreements.labels import action_label
from partnerhub.agreements.models import Agreement, ClearanceStep, Objective, Output
from partnerhub.agreements.permissions import (
    can_create_agreement,
    can_edit_results,
    can_use_agreements,
)
from partnerhub.core.audit import audit_for
from partnerhub.core.errors import DomainError, NotAllowed, ValidationFailed
from partnerhub.core.uploads import download_response
from partnerhub.registry import selectors as registry_selectors
from partnerhub.registry.exporter import neutralise

EXPORT_MAX_ROWS = 50_000


def _require_staff(request: HttpRequest) -> None:
    if not can_use_agreements(request.user):
        raise PermissionDenied(_("Agreements are managed by UN-Habitat staff."))


def _filters(request: HttpRequest) -> tuple[ListFilterForm, selectors.AgreementFilters]:
    form = ListFilterForm(request.GET or None)
    data: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    return form, selectors.AgreementFilters(
        instrument=data.get("instrument") or "",
        status=data.get("status") or "",
        office=data.get("office") or "",
        category=data.get("category") or "",
        region=data.get("region") or "",
        expiring_within=data.get("expiring_within"),
        q=(data.get("q") or "").strip(),
    )


def _listed(request: HttpRequest) -> tuple[ListFilterForm, QuerySet[Agreement]]:
    form, filters = _filters(request)
    qs = selectors.agreements_visible_to(user=request.user, filters=filters)
    if request.GET.get("waiting") == "me":
        qs = qs.filter(pk__in=[s.agreement_version.agreement_id for s in selectors.waiting_for(request.user)])
    return form, qs


def agreement_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form, qs = _listed(request)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "query": request.GET.urlencode(),
        "can_create": can_create_agreement(request.user),
    }
    template = "agreements/agreement_list.html"
    if request.headers.get("HX-Request") and request.headers.get("HX-Target") == "results":
        template += "#results"
    return render(request, template, context)


def _export_columns() -> list[str]:
    return [
        _("Reference"),
        _("Instrument"),
        _("Status"),
        _("Title"),
        _("Parties"),
        _("Owning office"),
        _("Responsible"),
        _("Start date"),
        _("End date"),
        _("Value"),
        _("Currency"),
    ]


def _export_rows(qs: QuerySet[Agreement]) -> Iterator[list[str]]:
    for a in qs[:EXPORT_MAX_ROWS]:
        v = a.current_version
        yield [
            neutralise(x)
            for x in (
                a.reference,
                a.instrument.code,
                a.get_status_display(),
                v.title if v else "",
                "; ".join(p.partner.name for p in a.parties.all()),
                a.owning_office.code,
                a.responsible.display_name,
                v.start_date.isoformat() if v else "",
                v.end_date.isoformat() if v else "",
                v.value if v and v.value is not None else "",
                v.currency if v else "",
            )
        ]


def agreement_export(request: HttpRequest, fmt: str) -> HttpResponse | StreamingHttpResponse:
    """The filtered list as CSV or XLSX, with formulas neutralised."""
    _require_staff(request)
    _form, qs = _listed(request)
    stamp = timezone.localdate().isoformat()
    if fmt == "csv":

        def lines() -> Iterator[str]:
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for row in [[neutralise(c) for c in _export_columns()], *_export_rows(qs)]:
                writer.writerow(row)
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate(0)

        stream = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        stream["Content-Disposition"] = f'attachment; filename="agreements-{stamp}.csv"'
        return stream
    if fmt == "xlsx":
        from openpyxl import Workbook

        book = Workbook(write_only=True)
        sheet = book.create_sheet(_("Agreements"))
        sheet.append([neutralise(c) for c in _export_columns()])
        for row in _export_rows(qs):
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        response = HttpResponse(
            out.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="agreements-{stamp}.xlsx"'
        return response
    raise Http404


def advisor_page(request: HttpRequest) -> HttpResponse:
    """Ask which instrument, clearance and signatory apply, and why; then start a draft with the answer."""
    _require_staff(request)
    form = AdvisorForm(request.GET or None)
    answer = None
    instrument = None
    if form.is_valid():
        data = form.cleaned_data
        answer = selectors.advise(
            category=data["category"].code,
            purpose=data["purpose"],
            funds_flow=data["funds_flow"],
            amount=data["amount"],
        )
        if answer.rule is not None:
            instrument = selectors.instruments().filter(code=answer.rule.instrument).first()
    return render(
        request,
        "agreements/advisor.html",
        {"form": form, "answer": answer, "instrument": instrument, "query": request.GET.urlencode()},
    )


def _advice_from(data: dict[str, Any]) -> Any:
    if not (data.get("advice_category") and data.get("advice_purpose") and data.get("advice_funds_flow")):
        return None
    return selectors.advise(
        category=data["advice_category"],
        purpose=data["advice_purpose"],
        funds_flow=data["advice_funds_flow"],
        amount=data.get("advice_amount"),
    )


def _form_errors(form: Any, exc: ValidationFailed, renamed: dict[str, str] | None = None) -> None:
    for field, errors in exc.errors.items():
        name = (renamed or {}).get(field, field)
        for error in errors:
            form.add_error(name if name in form.fields else None, error)


# The advisor's question and answer, carried through the party search when the page reloads without htmx.
CARRIED = ("instrument", "purpose", "category", "funds_flow", "amount")


def _chosen(request: HttpRequest) -> list[Any]:
    """Parties chosen so far (GET: `parties`, `partner`, `add`, less `remove`), only partners the user sees."""
    g = request.GET
    ids = party_ids([*g.getlist("parties"), g.get("partner", ""), g.get("add", "")])
    removed = set(party_ids(g.getlist("remove")))
    return visible_partners(request.user, [i for i in ids if i not in removed])


def _party_matches(request: HttpRequest, query: str) -> tuple[list[Any], bool]:
    """At most PARTY_SEARCH_LIMIT partners matching the name or acronym (the registry's list selector)."""
    if not query:
        return [], False
    found = list(
        registry_selectors.partner_search(
            user=request.user, filters=registry_selectors.PartnerFilters(q=query)
        )[: PARTY_SEARCH_LIMIT + 1]
    )
    return found[:PARTY_SEARCH_LIMIT], len(found) > PARTY_SEARCH_LIMIT


def _picker_context(
    request: HttpRequest, chosen: list[Any], carried: list[tuple[str, str]] | None = None
) -> dict[str, Any]:
    query = request.GET.get("q", "").strip()[:200]
    matches, more = _party_matches(request, query)
    return {
        "chosen": chosen,
        "chosen_ids": {p.pk for p in chosen},
        "party_query": query,
        "matches": matches,
        "more_matches": more,
        "carried": carried
        if carried is not None
        else [(k, request.GET[k]) for k in CARRIED if request.GET.get(k)],
    }


def _require_creator(request: HttpRequest) -> None:
    if not can_create_agreement(request.user):
        raise PermissionDenied(_("Only UN-Habitat staff can record agreements."))


def _picker_fragment(request: HttpRequest, partial: str) -> HttpResponse:
    _require_creator(request)
    if not request.headers.get("HX-Request"):
        # Without htmx the same question reloads the whole page.
        query = request.GET.urlencode()
        return redirect(reverse("agreements:create") + (f"?{query}" if query else ""))
    return render(
        request, f"agreements/agreement_form.html#{partial}", _picker_context(request, _chosen(request))
    )


def party_search(request: HttpRequest) -> HttpResponse:
    """htmx: the partners matching `q` (name or acronym, accents and case ignored), each with "Add"."""
    return _picker_fragment(request, "party-results")


def party_choose(request: HttpRequest) -> HttpResponse:
    """htmx: the chosen parties after `add` or `remove`, as chips with their hidden inputs."""
    return _picker_fragment(request, "party-chosen-response")


def agreement_create_page(request: HttpRequest) -> HttpResponse:
    _require_creator(request)
    if request.method == "POST":
        form = AgreementForm(request.POST, user=request.user)
        chosen = visible_partners(request.user, party_ids(request.POST.getlist("parties")))
        if form.is_valid():
            data = form.cleaned_data
            try:
                agreement = services.agreement_create(
                    actor=request.user,
                    instrument=data["instrument"],
                    purpose=data["purpose"],
                    owning_office=data["owning_office"],
                    responsible=request.user,
                    partners=data["parties"],
                    data={
                        k: data[k]
                        for k in ("title", "summary", "start_date", "end_date", "value", "currency")
                    },
                    advice=_advice_from(data),
                )
            except ValidationFailed as exc:
                _form_errors(form, exc, renamed={"partners": "parties"})
            else:
                messages.success(
                    request, _("Draft %(reference)s recorded.") % {"reference": agreement.reference}
                )
                return redirect("agreements:detail", pk=agreement.pk)
    else:
        chosen = _chosen(request)
        initial: dict[str, Any] = {
            "owning_office": getattr(getattr(request.user, "office", None), "code", None),
            "parties": [p.pk for p in chosen],
        }
        g = request.GET
        if g.get("instrument"):
            initial["instrument"] = g["instrument"]
        if g.get("purpose"):
            initial["purpose"] = g["purpose"]
        if g.get("category"):
            initial.update(
                advice_category=g.get("category"),
                advice_purpose=g.get("purpose"),
                advice_funds_flow=g.get("funds_flow"),
                advice_amount=g.get("amount") or None,
                value=g.get("amount") or None,
                currency="USD" if g.get("amount") else "",
            )
        form = AgreementForm(initial=initial, user=request.user)
    carried = None
    if request.method == "POST":
        p = request.POST
        posted = {
            "instrument": p.get("instrument", ""),
            "purpose": p.get("purpose", ""),
            "category": p.get("advice_category", ""),
            "funds_flow": p.get("advice_funds_flow", ""),
            "amount": p.get("advice_amount", ""),
        }
        carried = [(k, v) for k, v in posted.items() if v]
    context = {"form": form, **_picker_context(request, chosen, carried)}
    return render(request, "agreements/agreement_form.html", context)


def _timeline(agreement: Agreement) -> list[dict[str, Any]]:
    return [
        {"at": e.at, "actor": e.actor_label, "title": action_label(e.action), "note": e.note}
        for e in audit_for(agreement)[:100]
    ]


def _rounds(version: Any) -> list[tuple[int, list[ClearanceStep]]]:
    by_round: dict[int, list[ClearanceStep]] = {}
    for step in version.clearance_steps.all():
        by_round.setdefault(step.round, []).append(step)
    return sorted(by_round.items(), reverse=True)


def agreement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    user = request.user
    staff = can_use_agreements(user)
    versions = selectors.versions_of(agreement)
    open_version = next((v for v in versions if v.status in ("draft", "in_clearance", "cleared")), None)
    wanted = open_version or agreement.current_version or versions[-1]
    shown = next(v for v in versions if v.pk == wanted.pk)
    step = selectors.current_step(shown) if shown.status == "in_clearance" else None
    diffs = [
        (older, newer, selectors.version_diff(older, newer)) for older, newer in itertools.pairwise(versions)
    ]
    actions = available_actions(user, agreement) if staff else []
    today = timezone.localdate()
    signatories = (
        selectors.eligible_signatories(
            instrument=agreement.instrument, amount=shown.value, currency=shown.currency, on=today
        )
        if any(a.code in (Act.SIGN, Act.SIGN_AMENDMENT) for a in actions)
        else []
    )
    context = {
        "agreement": agreement,
        "versions": versions,
        "shown": shown,
        "open_version": open_version,
        "rounds": _rounds(shown),
        "current_step": step,
        "approvers": selectors.approvers_of(step) if step is not None and staff else [],
        "diffs": diffs,
        "actions": {a.code: a for a in actions},
        # "What you can do" shows only when it has a button for this user (documents have their own panel).
        "has_panel_actions": any(a.code != Act.ADD_DOCUMENT for a in actions),
        "signatories": signatories,
        "languages": settings.LANGUAGES,
        "documents": list(
            selectors.documents_for(user, agreement).select_related("uploaded_by", "agreement_version")
        ),
        "objectives": list(agreement.objectives.prefetch_related("outputs__indicators__tags")),
        "can_edit_results": staff and can_edit_results(user, agreement),
        "timeline": _timeline(agreement) if staff else [],
        "assessment": getattr(agreement, "assessment_due", None),
        "staff_view": staff,
        "today": today,
    }
    return render(request, "agreements/agreement_detail.html", context)


def version_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    version = selectors.open_version(agreement)
    if version is None:
        raise Http404
    if request.method == "POST":
        form = VersionForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            expected = data.pop("version")
            try:
                services.version_update(
                    actor=request.user, version=version, expected_version=expected, data=data
                )
            except NotAllowed as exc:
                raise PermissionDenied(exc.message) from None
            except ValidationFailed as exc:
                _form_errors(form, exc)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, _("Saved."))
                return redirect("agreements:detail", pk=agreement.pk)
    else:
        form = VersionForm(initial={name: getattr(version, name) for name in (*version.AMENDABLE, "version")})
    return render(
        request, "agreements/version_form.html", {"form": form, "agreement": agreement, "version": version}
    )


def _date(value: str | None) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed({"date": [_("Enter a date.")]}) from None


def _signatory(value: str | None) -> Any:
    from partnerhub.accounts.models import User

    if not value or not value.isdigit():
        raise ValidationFailed({"signatory": [_("Choose the signatory.")]})
    return get_object_or_404(User, pk=int(value), is_active=True)


def _run_act(request: HttpRequest, agreement: Agreement, act: str) -> str:
    user, post = request.user, request.POST
    if act == Act.SUBMIT:
        services.agreement_submit_for_clearance(actor=user, agreement=agreement)
        return _("Submitted for clearance.")
    if act in (Act.APPROVE, Act.RETURN):
        step = get_object_or_404(
            ClearanceStep, pk=post.get("step") or 0, agreement_version__agreement=agreement
        )
        if act == Act.APPROVE:
            services.clearance_approve(actor=user, step=step, comments=post.get("comments", ""))
            return _("Step approved.")
        services.clearance_return(actor=user, step=step, comments=post.get("comments", ""))
        return _("Returned to the drafters with your comments.")
    if act == Act.SIGN:
        services.agreement_sign(
            actor=user,
            agreement=agreement,
            signatory=_signatory(post.get("signatory")),
            signed_on=_date(post.get("signed_on")),
        )
        return _("Signature recorded.")
    if act == Act.ACTIVATE:
        services.agreement_activate(actor=user, agreement=agreement)
        return _("The agreement is in force.")
    if act == Act.TERMINATE:
        services.agreement_terminate(actor=user, agreement=agreement, reason=post.get("reason", ""))
        return _("The agreement is terminated.")
    if act == Act.CLOSE:
        services.agreement_close(actor=user, agreement=agreement)
        return _("The agreement is closed.")
    if act == Act.AMEND:
        version = services.amendment_start(actor=user, agreement=agreement, reason=post.get("reason", ""))
        return _("Amendment %(number)d started.") % {"number": version.number}
    if act == Act.SUBMIT_AMENDMENT:
        services.amendment_submit(actor=user, agreement=agreement)
        return _("Amendment submitted for clearance.")
    if act == Act.SIGN_AMENDMENT:
        services.amendment_sign(
            actor=user,
            agreement=agreement,
            signatory=_signatory(post.get("signatory")),
            signed_on=_date(post.get("signed_on")),
        )
        return _("Amendment signed; it is now the text in force.")
    if act == Act.ABANDON_AMENDMENT:
        services.amendment_abandon(actor=user, agreement=agreement, reason=post.get("reason", ""))
        return _("Amendment abandoned; it is kept for the record.")
    if act == Act.RECORD_ASSESSMENT:
        services.assessment_record_received(actor=user, agreement=agreement, note=post.get("note", ""))
        return _("Assessment recorded as received.")
    raise Http404


@require_POST
def agreement_act(request: HttpRequest, pk: int, act: str) -> HttpResponse:
    """One button of the agreement page; a refusal is shown in words on the page."""
    _require_staff(request)
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    try:
        done = _run_act(request, agreement, act)
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, done)
    return redirect("agreements:detail", pk=pk)


@require_POST
def results_add(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    post, user = request.POST, request.user
    kind = post.get("kind")
    try:
        if kind == "objective":
            services.objective_add(actor=user, agreement=agreement, text=post.get("text", ""))
        elif kind == "output":
            objective = get_object_or_404(Objective, pk=post.get("objective") or 0, agreement=agreement)
            services.output_add(actor=user, objective=objective, text=post.get("text", ""))
        elif kind == "indicator":
            output = get_object_or_404(Output, pk=post.get("output") or 0, objective__agreement=agreement)
            services.indicator_add(
                actor=user,
                output=output,
                text=post.get("text", ""),
                unit=post.get("unit", ""),
                baseline=post.get("baseline") or None,
                target=post.get("target") or None,
                tags=[t for t in post.getlist("tags") if t],
            )
        elif kind == "actual":
            from partnerhub.agreements.models import Indicator

            indicator = get_object_or_404(
                Indicator, pk=post.get("indicator") or 0, output__objective__agreement=agreement
            )
            services.indicator_update(
                actor=user, indicator=indicator, data={"actual": post.get("actual") or None}
            )
        else:
            raise Http404
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Results saved."))
    return redirect(reverse("agreements:detail", args=[pk]) + "#results-heading")


@require_POST
def letter_generate(request: HttpRequest, pk: int) -> HttpResponse:
    """Fill the instrument's DOCX template in the chosen language and attach the letter (DOCX and PDF)."""
    _require_staff(request)
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    try:
        letter = services.letter_generate_documents(
            actor=request.user, agreement=agreement, language=request.POST.get("language", "en")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if letter.pdf is not None:
            messages.success(request, _("Letter generated as DOCX and PDF; both are listed under Documents."))
        else:
            messages.warning(
                request,
                _(
                    "Letter generated as DOCX only; it is listed under Documents. "
                    "PDF letters cannot be made on this server (WeasyPrint is not installed)."
                ),
            )
    return redirect("agreements:detail", pk=pk)


@require_POST
def document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    _require_staff(request)
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a PDF file."))
        return redirect("agreements:detail", pk=pk)
    try:
        services.document_add(
            actor=request.user, agreement=agreement, kind=request.POST.get("kind", ""), upload=upload
        )
    except ValidationFailed as exc:
        messages.error(request, " ".join(m for ms in exc.errors.values() for m in ms))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Document added."))
    return redirect("agreements:detail", pk=pk)


def document_download(request: HttpRequest, pk: int, doc: int) -> FileResponse:
    """Serve a document only to someone who may see the agreement and the document (404 otherwise)."""
    agreement = selectors.agreement_get_for(user=request.user, pk=pk)
    document = get_object_or_404(selectors.documents_for(request.user, agreement), pk=doc)
    return download_response(
        document.file, filename=document.original_name, content_type=document.content_type
    )


def partner_panel(request: Any, partner: Any) -> str | None:
    """ "Agreements" on a partner's page: the agreements it is party to, and a link to start one."""
    if not can_use_agreements(request.user):
        return None
    agreements = list(
        selectors.agreements_visible_to(
            user=request.user, filters=selectors.AgreementFilters(partner=partner.pk)
        )[:10]
    )
    return render_to_string(
        "agreements/_partner_panel.html",
        {"partner": partner, "agreements": agreements, "can_create": can_create_agreement(request.user)},
        request=request,
    )
