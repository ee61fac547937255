from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from partnerhub.accounts.models import User

router = Router(tags=["accounts"])


class OfficeRef(Schema):
    id: int
    code: str
    name: str


class MeOut(Schema):
    id: int
    email: str
    full_name: str
    roles: list[str]
    office: OfficeRef | None
    is_partner_user: bool
    language: str


@router.get("/me", response=MeOut, summary="The caller and their roles")
def me(request: HttpRequest) -> MeOut:
    user = request.user
    assert isinstance(user, User)
    office = user.office
    return MeOut(
        id=user.pk,
        email=user.email,
        full_name=user.full_name,
        roles=sorted(user.role_codes),
        office=OfficeRef(id=office.pk, code=office.code, name=office.name) if office else None,
        is_partner_user=user.is_partner_user,
        language=user.preferred_language or "",
    )
