"""Import pages: upload → map columns → check (progress) → preview → confirm → import (progress) → done."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from partnerhub.core.errors import DomainError, ValidationFailed
from partnerhub.org.models import Office
from partnerhub.registry import importer
from partnerhub.registry.choices import Channel
from partnerhub.registry.models import ImportJob, ImportStatus, StakeholderCategory
from partnerhub.registry.permissions import can_import_partners

ERRORS_PER_PAGE = 100
RUNNING = (ImportStatus.VALIDATING, ImportStatus.IMPORTING)
ACCEPT = ".csv,.txt,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require(request: HttpRequest) -> None:
    if not can_import_partners(request.user):
        raise PermissionDenied(
            _("Only the Partnerships and Local Government Unit and administrators can import partners.")
        )


def _job(request: HttpRequest, pk: int) -> ImportJob:
    _require(request)
    return get_object_or_404(ImportJob.objects.select_related("created_by"), pk=pk)


def _page_for(job: ImportJob) -> str:
    """The page that shows a job in its current state."""
    if job.status == ImportStatus.UPLOADED:
        return reverse("registry:import_map", args=[job.pk])
    if job.status in (ImportStatus.VALIDATING, ImportStatus.INVALID, ImportStatus.VALID) or (
        job.status == ImportStatus.FAILED and job.summary.get("failed_step") != "import"
    ):
        return reverse("registry:import_preview", args=[job.pk])
    return reverse("registry:import_done", args=[job.pk])


# --- Forms ----------------------------------------------------------------------------------------


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "CSV or Excel (.xlsx), at most 20 MB. The first row must hold the column names."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT, "class": "form-control"}),
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        if upload.size > importer.MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(size)d MB. Split it into smaller files.")
                % {"size": importer.MAX_UPLOAD_BYTES >> 20}
            )
        return upload


POLICY_CHOICES = [
    ("skip", gettext_lazy("Skip the row and leave the existing partner as it is")),
    (
        "update",
        gettext_lazy("Fill in the existing partner's empty fields from the row (nothing is overwritten)"),
    ),
    ("create", gettext_lazy("Add the row as a new partner anyway (and remember that they are different)")),
]


class MappingForm(forms.Form):
    """One choice per column of the file, plus values for every row and the duplicate policy."""

    default_category = forms.ModelChoiceField(
        label=gettext_lazy("Stakeholder category for rows without one"),
        required=False,
        queryset=StakeholderCategory.objects.filter(is_active=True),
    )
    default_channel = forms.ChoiceField(
        label=gettext_lazy("Channel for rows without one"),
        required=False,
        choices=[("", gettext_lazy("— none —")), *Channel.choices],
    )
    default_office = forms.ModelChoiceField(
        label=gettext_lazy("Owning office for rows without one"),
        required=False,
        queryset=Office.objects.filter(is_active=True),
    )
    on_duplicate = forms.ChoiceField(
        label=gettext_lazy("When a row matches a partner already in the database"),
        choices=POLICY_CHOICES,
        widget=forms.RadioSelect,
        initial="skip",
    )

    def __init__(self, job: ImportJob, *args: Any, **kwargs: Any) -> None:
        defaults = importer.Defaults.from_json(job.summary.get("defaults"))
        kwargs.setdefault(
            "initial",
            {
                "on_duplicate": job.on_duplicate,
                "default_category": defaults.category,
                "default_channel": defaults.channel,
                "default_office": defaults.owning_office,
            },
        )
        super().__init__(*args, **kwargs)
        self.job = job
        examples = job.summary.get("examples", {})
        choices = [("", _("— ignore this column —"))] + [
            (key, f"{spec.label}{' *' if spec.required else ''}") for key, spec in importer.FIELDS.items()
        ]
        self.fields["on_duplicate"].widget.attrs["class"] = "form-check-input"
        self.column_fields: list[tuple[str, str]] = []
        for index, column in enumerate(job.columns):
            name = f"col_{index}"
            shown = ", ".join(examples.get(column, [])[:3])
            self.fields[name] = forms.ChoiceField(
                label=column,
                choices=choices,
                required=False,
                initial=job.mapping.get(column, ""),
                help_text=_("Examples: %(values)s") % {"values": shown}
                if shown
                else _("No values in the first rows."),
                widget=forms.Select(attrs={"class": "form-select"}),
            )
            self.column_fields.append((name, column))
        for name in ("default_category", "default_channel", "default_office"):
            self.fields[name].widget.attrs["class"] = "form-select"

    def mapping(self) -> dict[str, str]:
        return {column: self.cleaned_data.get(name) or "" for name, column in self.column_fields}

    def defaults(self) -> importer.Defaults:
        data = self.cleaned_data
        return importer.Defaults(
            category=data["default_category"].pk if data.get("default_category") else None,
            channel=data.get("default_channel") or "",
            owning_office=data["default_office"].pk if data.get("default_office") else None,
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if not self.errors:
            for problem in importer.mapping_problems(
                self.job.columns, self.mapping(), self.defaults().as_json()
            ):
                self.add_error(None, problem)
        return cleaned

    def columns(self) -> list[Any]:
        return [self[name] for name, _column in self.column_fields]

    def settings_fields(self) -> list[Any]:
        return [self["default_category"], self["default_channel"], self["default_office"]]


# --- Pages ----------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def import_start(request: HttpRequest) -> HttpResponse:
    _require(request)
    form = UploadForm(request.POST or None, request.FILES or None)
    too_big = int(request.META.get("CONTENT_LENGTH") or 0) > importer.MAX_UPLOAD_BYTES + 64 * 1024
    if request.method == "POST" and too_big:
        # Refused before Django reads the upload: the form never sees the file.
        form = UploadForm()
        form.add_error(
            None,
            _("The file is larger than %(size)d MB. Split it into smaller files.")
            % {"size": importer.MAX_UPLOAD_BYTES >> 20},
        )
    elif request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            job = importer.job_create(actor=request.user, content=upload.read(), filename=upload.name)
        except importer.ImportFileError as exc:
            form.add_error("file", exc.message)
        else:
            return redirect("registry:import_map", pk=job.pk)
    jobs = [
        (job, _page_for(job))
        for job in ImportJob.objects.select_related("created_by").order_by("-created_at")[:20]
    ]
    return render(request, "registry/imports/start.html", {"form": form, "jobs": jobs})


@require_http_methods(["GET", "POST"])
def import_map(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    if job.status in (ImportStatus.IMPORTING, ImportStatus.DONE):
        return redirect(_page_for(job))
    form = MappingForm(job, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            importer.job_set_mapping(
                actor=request.user,
                job=job,
                mapping=form.mapping(),
                defaults=form.defaults(),
                on_duplicate=form.cleaned_data["on_duplicate"],
            )
        except ValidationFailed as exc:
            for problem in exc.errors.get("mapping", [exc.message]):
                form.add_error(None, problem)
        except DomainError as exc:
            messages.error(request, exc.message)
            return redirect(_page_for(job))
        else:
            return redirect("registry:import_preview", pk=job.pk)
    return render(request, "registry/imports/map.html", {"job": job, "form": form, "step": 2})


@require_GET
def import_preview(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    page_url = _page_for(job)
    if page_url != request.path:
        return redirect(page_url)
    context = _preview_context(request, job)
    return render(request, "registry/imports/preview.html", context)


def _preview_context(request: HttpRequest, job: ImportJob) -> dict[str, Any]:
    summary = job.summary
    errors = Paginator(job.errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    by_row: dict[int, dict[str, Any]] = {}
    for item in job.duplicates:
        entry = by_row.setdefault(
            item["row"], {"row": item["row"], "name": item.get("row_name", ""), "matches": []}
        )
        entry["matches"].append(item)
    categories = dict(StakeholderCategory.objects.values_list("pk", "name"))
    offices = dict(Office.objects.values_list("pk", "name"))
    channels = dict(Channel.choices)
    sample = [
        {
            **row,
            "category": categories.get(row["category"], ""),
            "office": offices.get(row["office"], ""),
            "channel": channels.get(row["channel"], row["channel"]),
        }
        for row in summary.get("sample", [])
    ]
    mapping = [
        (column, importer.field_label(job.mapping[column]) if job.mapping.get(column) else "")
        for column in job.columns
    ]
    return {
        "job": job,
        "summary": summary,
        "errors": errors,
        "duplicates": list(by_row.values()),
        "within": summary.get("within", []),
        "sample": sample,
        "mapping": mapping,
        "policy": dict(POLICY_CHOICES).get(job.on_duplicate, job.on_duplicate),
        "step": 3,
        "encoding": importer.ENCODING_NAMES.get(job.encoding, job.encoding),
        "delimiter": _("tab") if job.delimiter == "\t" else job.delimiter,
        "page_url": _page_for(job),
    }


@require_GET
def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment, polled by htmx every second; once the job has moved on, the page for it."""
    job = _job(request, pk)
    if job.status not in RUNNING:
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = _page_for(job)
            return response
        return HttpResponseRedirect(_page_for(job))
    if not request.headers.get("HX-Request"):
        return redirect(_page_for(job))
    return render(request, "registry/imports/preview.html#progress", {"job": job, "page_url": _page_for(job)})


@require_POST
def import_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        importer.job_confirm(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_page_for(job))
    return redirect("registry:import_done", pk=job.pk)


@require_GET
def import_done(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    page_url = _page_for(job)
    if page_url != request.path:
        return redirect(page_url)
    result = job.summary.get("result", {})
    return render(
        request,
        "registry/imports/done.html",
        {
            "job": job,
            "summary": job.summary,
            "result": result,
            "step": 4,
            "page_url": page_url,
        },
    )


@require_POST
def import_retry(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job(request, pk)
    try:
        job = importer.job_retry(actor=request.user, job=job)
    except DomainError as exc:
        messages.error(request, exc.message)
    return redirect(_page_for(job))
