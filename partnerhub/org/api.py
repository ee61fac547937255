from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import paginate

from partnerhub.api.pagination import Page
from partnerhub.core.errors import ValidationFailed
from partnerhub.org import selectors, services
from partnerhub.org.models import Office
from partnerhub.org.permissions import can_view_offices

router = Router(tags=["offices"])


class OfficeOut(Schema):
    id: int
    code: str
    name: str
    acronym: str
    kind: str
    parent_id: int | None
    email: str
    city: str
    region_served: str
    is_active: bool
    version: int


class OfficeIn(Schema):
    code: str
    name: str
    acronym: str = ""
    kind: str
    parent_id: int | None = None
    email: str = ""
    city: str = ""
    region_served: str = "global"
    is_active: bool = True


class OfficePatch(Schema):
    version: int
    name: str | None = None
    acronym: str | None = None
    kind: str | None = None
    parent_id: int | None = None
    email: str | None = None
    city: str | None = None
    region_served: str | None = None
    is_active: bool | None = None


@router.get("", response=list[OfficeOut], summary="List offices")
@paginate(Page)
def list_offices(request: HttpRequest, q: str = "", kind: str = "") -> QuerySet[Office]:
    if not can_view_offices(request.user):
        raise PermissionDenied(_("Partner users cannot see the agency's offices."))
    return selectors.offices_visible_to(user=request.user, search=q, kind=kind)


def _parent(parent_id: int | None) -> Office | None:
    if parent_id is None:
        return None
    parent = Office.objects.filter(pk=parent_id).first()
    if parent is None:
        raise ValidationFailed({"parent_id": [_("No office has this id.")]})
    return parent


@router.post("", response={201: OfficeOut}, summary="Add an office (administrators)")
def create_office(request: HttpRequest, payload: OfficeIn) -> Status[Office]:
    data: dict[str, Any] = payload.model_dump()
    data["parent"] = _parent(data.pop("parent_id"))
    return Status(201, services.office_create(actor=request.user, data=data))


@router.get("/{int:office_id}", response=OfficeOut, summary="One office")
def get_office(request: HttpRequest, office_id: int) -> Office:
    return selectors.office_get_for(user=request.user, pk=office_id)


@router.patch("/{int:office_id}", response=OfficeOut, summary="Change an office (administrators)")
def patch_office(request: HttpRequest, office_id: int, payload: OfficePatch) -> Office:
    office = selectors.office_get_for(user=request.user, pk=office_id)
    data: dict[str, Any] = payload.model_dump(exclude_unset=True)
    version = data.pop("version")
    if "parent_id" in data:
        data["parent"] = _parent(data.pop("parent_id"))
    return services.office_update(actor=request.user, office=office, data=data, expected_version=version)
