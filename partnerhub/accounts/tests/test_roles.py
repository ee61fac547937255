"""Roles: a fixed set of codes in code, held by users as data, changed only by administrators and audited."""

import json

import pytest
from django.db import IntegrityError, transaction

from conftest import PERSONAS
from partnerhub.accounts import services
from partnerhub.accounts.models import Role, User
from partnerhub.accounts.roles import STAFF_ROLES, RoleCode
from partnerhub.core.errors import NotAllowed, ValidationFailed
from partnerhub.core.models import AuditLog

pytestmark = pytest.mark.django_db

PERSONA_ROLES = {
    "staff_member": {"staff"},
    "focal_point": {"staff", "focal_point"},
    "plgu_officer": {"staff", "plgu"},
    "legal_officer": {"staff", "legal"},
    "sgb_officer": {"staff", "sgb"},
    "oed_officer": {"staff", "oed"},
    "comms_officer": {"staff", "comms"},
    "administrator": {"staff", "admin"},
    "partner_user": {"partner"},
}


def test_every_role_code_is_seeded_with_a_description():
    roles = {r.code: r.description for r in Role.objects.all()}

    assert set(roles) == set(RoleCode.values)
    assert all(description.strip() for description in roles.values())


def test_every_role_except_partner_makes_someone_agency_staff():
    assert frozenset(RoleCode.values) - STAFF_ROLES == {"partner"}


def test_database_refuses_a_role_code_not_in_the_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Role.objects.bulk_create([Role(code="wizard")])

    assert not Role.objects.filter(code="wizard").exists()


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_personas_hold_exactly_their_roles(persona, request):
    name = request.node.callspec.params["persona"]
    expected = PERSONA_ROLES[name]

    assert persona.role_codes == expected
    assert persona.is_partner_user is (expected == {"partner"})
    assert persona.is_agency_staff is (expected != {"partner"})
    assert persona.is_administrator is ("admin" in expected)


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_api_me_lists_the_callers_roles(client_for, persona, request):
    response = client_for(persona).get("/api/v1/me")

    body = json.loads(response.content)
    assert response.status_code == 200
    assert body["roles"] == sorted(PERSONA_ROLES[request.node.callspec.params["persona"]])
    assert body["is_partner_user"] is (body["roles"] == ["partner"])


def test_partner_who_is_also_staff_counts_as_staff_not_as_partner_user(make_user):
    user = make_user("partner", "staff")

    assert user.is_partner_user is False
    assert user.is_agency_staff is True


def test_deactivated_user_holds_no_role_in_effect(administrator):
    administrator.is_active = False
    administrator.save()

    assert administrator.has_role(RoleCode.ADMIN) is False
    assert administrator.is_administrator is False
    assert administrator.is_agency_staff is False


def test_administrator_replaces_a_users_roles_and_the_change_is_audited(administrator, staff_member):
    # when an administrator makes the staff member a focal point
    services.user_set_roles(actor=administrator, user=staff_member, roles=["staff", "focal_point"])

    # then the roles are replaced, the cached codes follow, and the audit shows before and after
    assert set(User.objects.get(pk=staff_member.pk).roles.values_list("code", flat=True)) == {
        "staff",
        "focal_point",
    }
    assert staff_member.role_codes == {"staff", "focal_point"}
    entry = AuditLog.objects.get(action="accounts.user.roles")
    assert (entry.before, entry.after) == ({"roles": ["staff"]}, {"roles": ["focal_point", "staff"]})
    assert entry.target_id == str(staff_member.pk)


def test_setting_the_same_roles_writes_no_audit_entry(administrator, staff_member):
    services.user_set_roles(actor=administrator, user=staff_member, roles=["staff"])

    assert not AuditLog.objects.filter(action="accounts.user.roles").exists()


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "administrator"], indirect=True)
def test_only_administrators_change_roles(persona, staff_member):
    with pytest.raises(NotAllowed, match=r"^Only administrators can change roles\.$"):
        services.user_set_roles(actor=persona, user=staff_member, roles=["staff", "admin"])

    assert set(User.objects.get(pk=staff_member.pk).roles.values_list("code", flat=True)) == {"staff"}
    assert not AuditLog.objects.filter(action="accounts.user.roles").exists()


def test_unknown_role_is_refused_and_nothing_changes(administrator, staff_member):
    with pytest.raises(ValidationFailed) as excinfo:
        services.user_set_roles(actor=administrator, user=staff_member, roles=["staff", "wizard"])

    assert excinfo.value.errors == {"roles": ["Unknown role."]}
    assert set(User.objects.get(pk=staff_member.pk).roles.values_list("code", flat=True)) == {"staff"}
    assert not AuditLog.objects.filter(action="accounts.user.roles").exists()


# --- Creating users ---------------------------------------------------------------------------------


def test_user_is_created_with_a_lower_case_address_and_the_creation_is_audited(db):
    user = services.user_create(
        email=" New.Person@Example.ORG ",
        full_name="New Person",
        password="Long-enough-pass-77",
        roles=["staff", "legal"],
    )

    assert user.email == "new.person@example.org"
    assert user.check_password("Long-enough-pass-77")
    entry = AuditLog.objects.get(action="accounts.user.create")
    assert entry.after == {"email": "new.person@example.org", "roles": ["legal", "staff"]}


def test_address_already_in_use_in_another_case_is_refused(staff_member):
    with pytest.raises(ValidationFailed) as excinfo:
        services.user_create(email="STAFF.member@example.org", password="Long-enough-pass-77")

    assert excinfo.value.errors == {"email": ["A user with this e-mail address already exists."]}
    assert User.objects.filter(email__iexact="staff.member@example.org").count() == 1


def test_weak_password_is_refused_with_the_validators_reasons(db):
    with pytest.raises(ValidationFailed) as excinfo:
        services.user_create(email="weak@example.org", password="12345")

    assert excinfo.value.errors == {
        "password": [
            "This password is too short. It must contain at least 12 characters.",
            "This password is too common.",
            "This password is entirely numeric.",
        ]
    }
    assert not User.objects.filter(email="weak@example.org").exists()


def test_user_invited_without_a_password_cannot_sign_in_with_one(db):
    user = services.user_create(email="invited@example.org")

    assert user.has_usable_password() is False
