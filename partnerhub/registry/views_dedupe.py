"""Pages where PLGU reviews duplicates: the scans, a side-by-side comparison with the merge, and merges."""

from __future__ import annotations

from typing import Any

from django import forms
from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from partnerhub.core.errors import ConcurrentEdit, NotAllowed, ValidationFailed
from partnerhub.registry import duplicates, selectors
from partnerhub.registry.models import (
    ContactRole,
    DuplicateScan,
    JobStatus,
    MergeRecord,
    NotDuplicate,
    Partner,
    Relationship,
)
from partnerhub.registry.permissions import can_merge_partners

CLUSTERS_PER_PAGE = 25


def _require_merger(request: HttpRequest) -> None:
    if not can_merge_partners(request.user):
        raise PermissionDenied(
            _("Only the Partnerships and Local Government Unit reviews and merges duplicate partners.")
        )


def _next_url(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=False
    ):
        return target
    return fallback


# --- Scans ----------------------------------------------------------------------------------------


def duplicate_scans(request: HttpRequest) -> HttpResponse:
    _require_merger(request)
    scans = DuplicateScan.objects.select_related("requested_by").order_by("-requested_at")[:20]
    merges = MergeRecord.objects.select_related("survivor", "absorbed").order_by("-merged_at")[:5]
    return render(request, "registry/dedupe/scans.html", {"scans": scans, "merges": merges})


@require_POST
def duplicate_scan_start(request: HttpRequest) -> HttpResponse:
    _require_merger(request)
    try:
        scan = duplicates.duplicate_scan_start(actor=request.user)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    messages.success(request, _("The scan is running. You can leave this page and come back."))
    return redirect("registry:duplicate_scan", pk=scan.pk)


def _cluster_rows(clusters: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Clusters with their partners (one query), without pairs decided or merged since the scan."""
    ids = {pid for cluster in clusters for pid in cluster["ids"]}
    partners = Partner.objects.select_related("country").in_bulk(ids)
    decided = set(
        NotDuplicate.objects.filter(Q(partner_a__in=ids) | Q(partner_b__in=ids)).values_list(
            "partner_a", "partner_b"
        )
    )
    rows = []
    for cluster in clusters:
        pairs = []
        for a, b, score, reasons in cluster.get("pairs", []):
            pa, pb = partners.get(a), partners.get(b)
            if (
                pa is None
                or pb is None
                or pa.merged_into_id
                or pb.merged_into_id
                or tuple(sorted((a, b))) in decided
            ):
                continue
            pairs.append({"a": pa, "b": pb, "score": score, "reasons": duplicates.reason_labels(reasons)})
        if pairs:
            members = [partners[pid] for pid in cluster["ids"] if pid in partners]
            rows.append({"members": members, "score": cluster["score"], "pairs": pairs})
    return rows


def duplicate_scan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_merger(request)
    scan = get_object_or_404(DuplicateScan.objects.select_related("requested_by"), pk=pk)
    finished = scan.status in (JobStatus.DONE, JobStatus.FAILED)
    context: dict[str, Any] = {"scan": scan, "finished": finished}
    if request.headers.get("HX-Request") and not finished:
        return render(request, "registry/dedupe/scan_detail.html#progress", context)
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    if scan.status == JobStatus.DONE:
        page = Paginator(scan.clusters or [], CLUSTERS_PER_PAGE).get_page(request.GET.get("page"))
        context["page"] = page
        context["clusters"] = _cluster_rows(list(page.object_list))
    return render(request, "registry/dedupe/scan_detail.html", context)


# --- Compare and merge ----------------------------------------------------------------------------

SIDES = [("a", gettext_lazy("left")), ("b", gettext_lazy("right"))]


class MergeForm(forms.Form):
    """Which record survives, and for each differing field which value it keeps."""

    survivor = forms.ChoiceField(
        label=gettext_lazy("Record to keep"), choices=SIDES, widget=forms.RadioSelect
    )
    version_a = forms.IntegerField(widget=forms.HiddenInput)
    version_b = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, differing: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.differing = differing
        for name in differing:
            self.fields[f"field_{name}"] = forms.ChoiceField(choices=SIDES, widget=forms.RadioSelect)

    def choices(self) -> dict[str, str]:
        survivor = self.cleaned_data["survivor"]
        return {
            name: "survivor" if self.cleaned_data[f"field_{name}"] == survivor else "absorbed"
            for name in self.differing
        }


def _display(partner: Partner, name: str) -> str:
    model_field = duplicates.partner_field(name)
    value = getattr(partner, name)
    if value in (None, ""):
        return ""
    if getattr(model_field, "choices", None):
        return str(getattr(partner, f"get_{name}_display")())
    return str(value)


def _side(partner: Partner) -> dict[str, Any]:
    roles = (
        ContactRole.objects.filter(partner=partner)
        .select_related("contact")
        .order_by("end_date", "-is_primary")
    )
    linked = []
    for model, fk in duplicates._generic_relations():
        if model in (ContactRole,) or (model is Partner and fk.name in ("parent", "merged_into")):
            continue
        count = model._base_manager.filter(**{fk.attname: partner.pk}).count()
        if count:
            linked.append((str(model._meta.verbose_name_plural), count))
    return {
        "partner": partner,
        "names": list(partner.names.all()),
        "roles": list(roles),
        "relationships": list(
            Relationship.objects.filter(Q(source=partner) | Q(target=partner)).select_related(
                "source", "target"
            )
        ),
        "branches": list(partner.branches.filter(merged_into__isnull=True).only("id", "name")),
        "categories": list(partner.other_categories.all()),
        "tags": list(partner.tags.all()),
        "linked": linked,
    }


def _field_rows(left: Partner, right: Partner) -> list[dict[str, Any]]:
    rows = []
    for name in duplicates.MERGE_FIELDS:
        model_field = duplicates.partner_field(name)
        rows.append(
            {
                "name": name,
                "label": model_field.verbose_name,
                "a": _display(left, name),
                "b": _display(right, name),
                "differs": getattr(left, model_field.attname) != getattr(right, model_field.attname),
            }
        )
    return rows


@require_http_methods(["GET", "POST"])
def duplicate_compare(request: HttpRequest, a: int, b: int) -> HttpResponse:
    _require_merger(request)
    left = selectors.partner_get_for(user=request.user, pk=a)
    right = selectors.partner_get_for(user=request.user, pk=b)
    if left.pk == right.pk:
        messages.error(request, _("Choose two different partners to compare."))
        return redirect("registry:duplicate_scans")
    for partner in (left, right):
        if partner.merged_into_id:
            messages.info(
                request, _("“%(name)s” was already merged into another record.") % {"name": partner.name}
            )
            return redirect("registry:partner_detail", pk=partner.merged_into_id)
    rows = _field_rows(left, right)
    differing = [row["name"] for row in rows if row["differs"]]
    initial: dict[str, Any] = {"survivor": "a", "version_a": left.version, "version_b": right.version}
    for row in rows:  # keep the left value unless it is empty
        initial[f"field_{row['name']}"] = "b" if not row["a"] and row["b"] else "a"
    form = MergeForm(request.POST or None, initial=initial, differing=differing)
    if request.method == "POST" and form.is_valid():
        survivor, absorbed = (left, right) if form.cleaned_data["survivor"] == "a" else (right, left)
        versions = (form.cleaned_data["version_a"], form.cleaned_data["version_b"])
        if form.cleaned_data["survivor"] == "b":
            versions = versions[::-1]
        try:
            merge = duplicates.partners_merge(
                actor=request.user,
                survivor=survivor,
                absorbed=absorbed,
                choices=form.choices(),
                expected_versions=versions,
            )
        except NotAllowed as exc:
            raise PermissionDenied(exc.message) from None
        except ConcurrentEdit as exc:
            form.add_error(None, exc.message)
        except ValidationFailed as exc:
            form.add_error(None, "; ".join(m for ms in exc.errors.values() for m in ms))
        else:
            messages.success(
                request,
                _("“%(absorbed)s” was merged into “%(survivor)s”. You can undo it here.")
                % {"absorbed": absorbed.name, "survivor": survivor.name},
            )
            return redirect("registry:merge_detail", pk=merge.pk)
    match = duplicates.pair_match(left, right)
    field_rows = [{**row, "field": form[f"field_{row['name']}"] if row["differs"] else None} for row in rows]
    context = {
        "left": _side(left),
        "right": _side(right),
        "rows": field_rows,
        "form": form,
        "score": match.score,
        "reasons": duplicates.reason_labels(match.reasons),
        "decided": duplicates.is_not_duplicate(left.pk, right.pk),
        "next": _next_url(request, ""),
    }
    return render(request, "registry/dedupe/compare.html", context)


@require_POST
def duplicate_not_duplicate(request: HttpRequest, a: int, b: int) -> HttpResponse:
    _require_merger(request)
    left = selectors.partner_get_for(user=request.user, pk=a)
    right = selectors.partner_get_for(user=request.user, pk=b)
    try:
        duplicates.mark_not_duplicate(
            actor=request.user, partner_a=left, partner_b=right, reason=request.POST.get("reason", "")
        )
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except ValidationFailed as exc:
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(
            request,
            _("Recorded: “%(a)s” and “%(b)s” are different organisations.")
            % {"a": left.name, "b": right.name},
        )
    return redirect(_next_url(request, "registry:duplicate_scans"))


# --- Merges ---------------------------------------------------------------------------------------


def merge_list(request: HttpRequest) -> HttpResponse:
    _require_merger(request)
    merges = MergeRecord.objects.select_related("survivor", "absorbed", "merged_by", "reverted_by")
    page = Paginator(merges.order_by("-merged_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(request, "registry/dedupe/merges.html", {"page": page})


def merge_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _require_merger(request)
    merge = get_object_or_404(
        MergeRecord.objects.select_related("survivor", "absorbed", "merged_by", "reverted_by"), pk=pk
    )
    log = merge.repointed or {}
    moved = []
    for entry in log.get("moved", []):
        try:
            model = apps.get_model(entry["model"])
        except LookupError:  # an app removed since
            moved.append((entry["model"], entry["field"], len(entry["pks"])))
            continue
        link = model._meta.get_field(entry["field"].removesuffix("_id"))
        moved.append(
            (model._meta.verbose_name_plural, getattr(link, "verbose_name", link.name), len(entry["pks"]))
        )
    labels = {name: duplicates.partner_field(name).verbose_name for name in duplicates.MERGE_FIELDS}
    taken = [labels[name] for name, side in sorted(merge.chosen_fields.items()) if side == "absorbed"]
    context = {
        "merge": merge,
        "moved": moved,
        "taken": taken,
        "relationships_moved": len(log.get("relationships", {}).get("moved", [])),
        "relationships_dropped": len(log.get("relationships", {}).get("dropped", [])),
        "names_added": len(log.get("created_names", [])),
        "can_revert": merge.reverted_at is None
        and merge.absorbed.merged_into_id == merge.survivor_id
        and merge.survivor.merged_into_id is None,
    }
    return render(request, "registry/dedupe/merge_detail.html", context)


@require_POST
def merge_revert(request: HttpRequest, pk: int) -> HttpResponse:
    _require_merger(request)
    merge = get_object_or_404(MergeRecord, pk=pk)
    try:
        duplicates.merge_revert(actor=request.user, merge=merge)
    except NotAllowed as exc:
        raise PermissionDenied(exc.message) from None
    except ValidationFailed as exc:
        messages.error(request, "; ".join(m for ms in exc.errors.values() for m in ms))
    else:
        messages.success(request, _("The merge was undone: both records are back as they were."))
    return redirect("registry:merge_detail", pk=pk)
