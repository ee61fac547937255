from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from partnerhub.registry.models import DuplicateScan
from partnerhub.registry.permissions import can_merge_partners


def duplicate_scans(request: HttpRequest) -> HttpResponse:
    if not can_merge_partners(request.user):
        raise PermissionDenied
    return render(request, "registry/dedupe/scans.html", {"scans": DuplicateScan.objects.all()[:20]})
