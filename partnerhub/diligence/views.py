"""Pages for due diligence: the case list, the PLGU/Legal dashboard, opening a case, the case page with its
five sections and workflow buttons, evidence upload and download, and the panel on a partner's page.

A case someone may not see answers 404 (as if absent); partner users are refused everything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.core.audit import audit_for
from partnerhub.core.errors import DomainError, ValidationFailed
from partnerhub.diligence import selectors, services
from partnerhub.diligence.choices import Depth, Engagement, Section
from partnerhub.diligence.forms import (
    ActionForm,
    AttachmentForm,
    CaseEditForm,
    CaseFilterForm,
    DecisionForm,
    ExclusionsForm,
    MitigationForm,
    OpenCaseForm,
    RisksForm,
    styled,
)
from partnerhub.diligence.models import DiligenceCase, DiligencePolicy
from partnerhub.diligence.permissions import (
    can_edit_case,
    can_open_case,
    can_see_all_cases,
    can_view_diligence_status,
)
from partnerhub.diligence.policy import propose_depth, requirement_for
from partnerhub.diligence.rating import describe_step
from partnerhub.diligence.views_support import attachment_response, available_actions, describe_complex_reason
from partnerhub.registry import selectors as registry_selectors
from partnerhub.registry.labels import action_label
from partnerhub.registry.models import Partner

CASES_PER_PAGE = 25


def _require_staff(request: HttpRequest) -> None:
    if not can_open_case(request.user):
        raise PermissionDenied(_("Due diligence is for agency staff."))


def _errors_text(exc: DomainError) -> str:
    if isinstance(exc, ValidationFailed):
        details = [str(m) for messages_ in exc.errors.values() for m in messages_]
        return " ".join([exc.message, *details]) if details else exc.message
    return exc.message


# --- Lists ----------------------------------------------------------------------------------------


def case_list(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    form = styled(CaseFilterForm(request.GET or None))
    filters: dict[str, Any] = form.cleaned_data if form.is_valid() else {}
    cases = selectors.cases_visible_to(
        user=request.user, status=filters.get("status") or "", q=(filters.get("q") or "").strip()
    )
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "sees_all": can_see_all_cases(request.user),
    }
    if request.headers.get("HX-Request"):
        return render(request, "diligence/case_list.html#results", context)
    return render(request, "diligence/case_list.html", context)


def dashboard(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    if not can_see_all_cases(request.user):
        raise PermissionDenied(
            _("The due-diligence dashboard is for PLGU, the Legal Section and administrators.")
        )
    board = selectors.dashboard_for(user=request.user)
    return render(request, "diligence/dashboard.html", {"board": board, "today": timezone.localdate()})


# --- Opening a case -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def case_open(request: HttpRequest, partner_pk: int) -> HttpResponse:
    _require_staff(request)
    partner = registry_selectors.partner_get_for(user=request.user, pk=partner_pk)
    form = styled(OpenCaseForm(request.POST or None))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.case_open(
                actor=request.user,
                partner=partner,
                engagement=data["engagement"],
                purpose=data["purpose"],
                amount=data["amount"],
                currency=data["currency"],
                depth=data["depth"],
                depth_reason=data["depth_reason"],
            )
        except ValidationFailed as exc:
            for field, errors in exc.errors.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Case %(reference)s opened.") % {"reference": case.reference})
            return redirect("diligence:case_detail", pk=case.pk)
    requirement = requirement_for(partner.primary_category_id)
    policy = DiligencePolicy.current()
    engagement = form["engagement"].value() or "mou_no_funds"
    depth, reasons = propose_depth(
        base_depth=requirement.base_depth if requirement else "basic",
        engagement=str(engagement),
        amount=None,
        currency="USD",
        policy=policy,
    )
    return render(
        request,
        "diligence/case_open.html",
        {
            "partner": partner,
            "form": form,
            "required": requirement.required if requirement else True,
            "proposed_depth": depth,
            "depth_reasons": reasons,
            "engagement_depths": [
                (label, Depth((policy.engagement_depths or {}).get(value, Depth.BASIC)).label)
                for value, label in Engagement.choices
            ],
            "policy": policy,
        },
    )


# --- The case page --------------------------------------------------------------------------------


def _timeline(case: DiligenceCase) -> list[dict[str, Any]]:
    rows = audit_for(case).order_by("at", "id")[:100]
    return [
        {"at": r.at, "actor": r.actor_label, "title": action_label(r.action), "note": r.note} for r in rows
    ]


def _screening(request: HttpRequest, case: DiligenceCase) -> Any:
    from partnerhub.screening.selectors_monitoring import screening_summary_for

    return screening_summary_for(user=request.user, partner=case.partner)


def _detail_context(request: HttpRequest, case: DiligenceCase, **bound: Any) -> dict[str, Any]:
    editable = can_edit_case(request.user, case)
    version = {"version": case.version}
    actions = available_actions(request.user, case)
    forms: dict[str, Any] = {}
    if editable:
        forms["edit_form"] = bound.get("edit_form") or styled(CaseEditForm(instance=case, initial=version))
        forms["exclusions_form"] = bound.get("exclusions_form") or styled(
            ExclusionsForm(initial=version, case=case)
        )
        forms["risks_form"] = bound.get("risks_form") or styled(RisksForm(initial=version, case=case))
        forms["mitigation_form"] = bound.get("mitigation_form") or styled(MitigationForm(initial=version))
        forms["attachment_form"] = bound.get("attachment_form") or styled(AttachmentForm())
    action_forms = [
        (action, styled(ActionForm(initial=version, prefix=action.name)))
        for action in actions
        if action.name != "decide"
    ]
    decision_form = None
    if any(a.name == "decide" for a in actions):
        decision_form = bound.get("decision_form") or styled(
            DecisionForm(
                initial={
                    **version,
                    "conditions": "\n".join(m.text for m in case.mitigations.all() if m.is_condition),
                }
            )
        )
    attachments = list(case.attachments.select_related("uploaded_by"))
    key_people = list(
        registry_selectors.partner_roles_for(user=request.user, partner=case.partner)
        .filter(is_key_person=True)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=timezone.localdate()))
    )
    return {
        "case": case,
        "partner": case.partner,
        "editable": editable,
        **forms,
        "action_forms": action_forms,
        "decision_form": decision_form,
        "exclusions": list(case.exclusion_answers.select_related("criterion")),
        "risks": list(case.risk_answers.select_related("area")),
        "mitigations": list(case.mitigations.select_related("area")),
        "attachments": {s: [a for a in attachments if a.section == s] for s in Section.values},
        "sections": Section,
        "screening": _screening(request, case),
        "key_people": key_people,
        "explanation": _explanation(case),
        "complex_reasons": [describe_complex_reason(r) for r in case.complex_reasons],
        "timeline": _timeline(case),
        "today": timezone.localdate(),
    }


def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    return render(request, "diligence/case_detail.html", _detail_context(request, case))


def _rerender(request: HttpRequest, case: DiligenceCase, **bound: Any) -> HttpResponse:
    fresh = selectors.case_get_for(user=request.user, pk=case.pk)
    return render(request, "diligence/case_detail.html", _detail_context(request, fresh, **bound))


def _add_errors(form: Any, exc: DomainError) -> None:
    if isinstance(exc, ValidationFailed):
        for field, errors in exc.errors.items():
            for error in errors:
                form.add_error(field if field in form.fields else None, error)
        if not exc.errors:
            form.add_error(None, exc.message)
    else:
        form.add_error(None, exc.message)


def _require_edit(request: HttpRequest, case: DiligenceCase) -> None:
    if not can_edit_case(request.user, case):
        raise PermissionDenied(
            _(
                "This case can be changed by its requester while it is a draft or back for information, and by PLGU while under review."
            )
        )


@require_POST
def case_edit(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    _require_edit(request, case)
    form = styled(CaseEditForm(request.POST, instance=DiligenceCase.objects.get(pk=case.pk)))
    if form.is_valid():
        data = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            services.case_update(
                actor=request.user, case=case, expected_version=form.cleaned_data["version"], data=data
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Case details saved."))
            return redirect(f"{case_url(case)}#identity")
    return _rerender(request, case, edit_form=form)


def _explanation(case: DiligenceCase) -> list[str]:
    names = selectors.area_names() if case.rating_explanation else {}
    return [describe_step(step, names) for step in case.rating_explanation]


def case_url(case: DiligenceCase) -> str:
    from django.urls import reverse

    return reverse("diligence:case_detail", args=[case.pk])


@require_POST
def case_exclusions(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    _require_edit(request, case)
    form = styled(ExclusionsForm(request.POST, case=case))
    if form.is_valid():
        try:
            services.case_answer_exclusions(
                actor=request.user,
                case=case,
                expected_version=form.cleaned_data["version"],
                answers=form.answers(),
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Exclusion criteria saved."))
            return redirect(f"{case_url(case)}#exclusions")
    return _rerender(request, case, exclusions_form=form)


@require_POST
def case_risks(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    _require_edit(request, case)
    form = styled(RisksForm(request.POST, case=case))
    if form.is_valid():
        try:
            services.case_answer_risks(
                actor=request.user,
                case=case,
                expected_version=form.cleaned_data["version"],
                answers=form.answers(),
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Risk ratings saved."))
            return redirect(f"{case_url(case)}#risks")
    return _rerender(request, case, risks_form=form)


@require_POST
def mitigation_add(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    _require_edit(request, case)
    form = styled(MitigationForm(request.POST))
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.mitigation_add(
                actor=request.user,
                case=case,
                expected_version=data["version"],
                text=data["text"],
                area_code=data["area"],
                is_condition=data["is_condition"],
                lowers_rating=data["lowers_rating"],
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Measure added."))
            return redirect(f"{case_url(case)}#mitigation")
    return _rerender(request, case, mitigation_form=form)


@require_POST
def mitigation_remove(request: HttpRequest, pk: int, mitigation_pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    _require_edit(request, case)
    try:
        services.mitigation_remove(
            actor=request.user,
            case=case,
            expected_version=int(request.POST.get("version") or 0),
            mitigation_id=mitigation_pk,
        )
    except DomainError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _("Measure removed."))
    return redirect(f"{case_url(case)}#mitigation")


@require_POST
def attachment_upload(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    _require_edit(request, case)
    form = styled(AttachmentForm(request.POST, request.FILES))
    if form.is_valid():
        try:
            services.attachment_add(
                actor=request.user,
                case=case,
                section=form.cleaned_data["section"],
                upload=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            )
        except DomainError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("Evidence attached."))
            return redirect(f"{case_url(case)}#evidence")
    return _rerender(request, case, attachment_form=form)


def attachment_download(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    return attachment_response(selectors.attachment_get_for(user=request.user, case_pk=pk, pk=attachment_pk))


_SIMPLE: dict[str, Callable[..., DiligenceCase]] = {
    "submit": services.case_submit,
    "start-review": services.case_start_review,
    "request-info": services.case_request_info,
    "provide-info": services.case_provide_info,
    "escalate": services.case_escalate,
}
_DONE = {
    "submit": _("Case submitted for review."),
    "start-review": _("Review started."),
    "request-info": _("Sent back to the requester for information."),
    "provide-info": _("Case returned to review."),
    "escalate": _("Escalated to PLGU and the Legal Section."),
    "sign-off-plgu": _("Signed off for PLGU."),
    "sign-off-legal": _("Signed off for the Legal Section."),
    "withdraw": _("Case withdrawn."),
}


@require_POST
def case_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    case = selectors.case_get_for(user=request.user, pk=pk)
    if action == "decide":
        form = styled(DecisionForm(request.POST))
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.case_decide(
                    actor=request.user,
                    case=case,
                    expected_version=data["version"],
                    decision=data["decision"],
                    reasons=data["reasons"],
                    conditions=data["conditions"],
                )
            except DomainError as exc:
                _add_errors(form, exc)
            else:
                messages.success(request, _("Decision recorded."))
                return redirect(case_url(case))
        return _rerender(request, case, decision_form=form)
    if action not in (*_SIMPLE, "sign-off-plgu", "sign-off-legal", "withdraw"):
        raise PermissionDenied(_("Unknown action."))
    form_ = ActionForm(request.POST, prefix=action)
    if not form_.is_valid():
        messages.error(request, _("The form was not complete; try again."))
        return redirect(case_url(case))
    version, note = form_.cleaned_data["version"], form_.cleaned_data["note"]
    try:
        if action in _SIMPLE:
            _SIMPLE[action](actor=request.user, case=case, expected_version=version, note=note)
        elif action == "withdraw":
            services.case_withdraw(actor=request.user, case=case, expected_version=version, reason=note)
        else:
            services.case_sign_off(
                actor=request.user,
                case=case,
                expected_version=version,
                role=action.removeprefix("sign-off-"),
                note=note,
            )
    except DomainError as exc:
        messages.error(request, _errors_text(exc))
    else:
        messages.success(request, _DONE[action])
    return redirect(case_url(case))


# --- The panel on a partner's page ----------------------------------------------------------------


def partner_panel(request: HttpRequest, partner: Partner) -> str | None:
    """ "Due diligence" on a partner's page: the cases for those who may see them, otherwise only whether a
    valid approval exists and until when. None for partner users."""
    user = request.user
    if not can_view_diligence_status(user):
        return None
    status = selectors.diligence_status_for(partner)
    # The five latest the user may see (the requester's own, or all for PLGU, Legal and administrators).
    cases = list(selectors.cases_visible_to(user=user, partner_id=partner.pk)[:5])
    open_case = selectors.open_case_for(partner)
    return render_to_string(
        "diligence/_partner_panel.html",
        {
            "partner": partner,
            "status": status,
            "cases": cases,
            "can_open": can_open_case(user) and open_case is None,
        },
        request=request,
    )
