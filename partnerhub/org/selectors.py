from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from partnerhub.org.models import Office
from partnerhub.org.permissions import can_view_offices


def offices_visible_to(
    *, user: Any, search: str = "", kind: str = "", include_inactive: bool = False
) -> QuerySet[Office]:
    """Offices the user may see, with parent and staff count, filtered by text and kind."""
    if not can_view_offices(user):
        return Office.objects.none()
    qs = Office.objects.select_related("parent").annotate(staff_count=Count("staff", distinct=True))
    if not include_inactive:
        qs = qs.filter(is_active=True)
    if search:
        qs = qs.filter(Q(name__icontains=search) | Q(acronym__icontains=search) | Q(city__icontains=search))
    if kind:
        qs = qs.filter(kind=kind)
    return qs.order_by("name")


def office_get_for(*, user: Any, pk: int) -> Office:
    """The office, or 404 when it does not exist or the user may not see it."""
    if not can_view_offices(user):
        raise Http404
    try:
        return Office.objects.select_related("parent", "parent__parent").get(pk=pk)
    except Office.DoesNotExist:
        raise Http404 from None


def office_by_code(code: str) -> Office | None:
    return Office.objects.filter(code=code).first()
