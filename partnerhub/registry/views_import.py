from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partnerhub.registry.models import ImportJob
from partnerhub.registry.permissions import can_import_partners


def import_start(request: HttpRequest) -> HttpResponse:
    if not can_import_partners(request.user):
        raise PermissionDenied
    return render(request, "registry/imports/start.html", {"jobs": ImportJob.objects.all()[:20]})
