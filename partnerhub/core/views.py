from __future__ import annotations

from django.contrib.auth.decorators import login_not_required
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from partnerhub.core.ui import cards_for


def jobs(request: HttpRequest) -> HttpResponse:
    from django.contrib import messages
    from django.core.exceptions import PermissionDenied
    from django.shortcuts import get_object_or_404, redirect
    from django.utils.translation import gettext as _

    from partnerhub.core import jobs as job_services
    from partnerhub.core.errors import ValidationFailed
    from partnerhub.core.models import PeriodicJob

    if not job_services.can_manage_jobs(request.user):
        raise PermissionDenied(_("Only administrators can see background jobs."))
    if request.method == "POST":
        job = get_object_or_404(PeriodicJob, pk=request.POST.get("job"))
        if request.POST.get("action") == "run":
            job_services.periodic_job_run_now(actor=request.user, job=job)
            messages.success(request, _("“%(name)s” was queued to run now.") % {"name": job.name})
        else:
            try:
                job_services.periodic_job_update(
                    actor=request.user,
                    job=job,
                    schedule=request.POST.get("schedule", ""),
                    enabled=request.POST.get("enabled") == "on",
                )
            except ValidationFailed as exc:
                messages.error(request, exc.errors["schedule"][0])
            else:
                messages.success(request, _("“%(name)s” saved.") % {"name": job.name})
        return redirect("core:jobs")
    from django_tasks_db.models import DBTaskResult

    recent = DBTaskResult.objects.order_by("-enqueued_at")[:25]
    return render(request, "core/jobs.html", {"jobs": PeriodicJob.objects.order_by("name"), "recent": recent})


def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "core/dashboard.html", {"cards": cards_for(request.user)})


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "unavailable", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@login_not_required
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"reason": reason}, status=403)


@login_not_required
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


@login_not_required
def server_error(request: HttpRequest) -> HttpResponse:
    return render(request, "500.html", status=500)
