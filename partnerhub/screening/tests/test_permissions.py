"""Who may see and load sanctions lists, role by role."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import PERSONAS
from partnerhub.screening.permissions import (
    can_load_sanctions_list,
    can_manage_list_sources,
    can_view_sanctions_lists,
)

pytestmark = pytest.mark.django_db

# persona → (view lists, load a list, manage lists)
EXPECTED = {
    "staff_member": (True, False, False),
    "focal_point": (True, False, False),
    "plgu_officer": (True, True, True),
    "legal_officer": (True, False, False),
    "sgb_officer": (True, False, False),
    "oed_officer": (True, False, False),
    "comms_officer": (True, False, False),
    "administrator": (True, True, True),
    "partner_user": (False, False, False),
}


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_predicates_per_role(persona, request):
    name = request.node.callspec.params["persona"]
    assert (
        can_view_sanctions_lists(persona),
        can_load_sanctions_list(persona),
        can_manage_list_sources(persona),
    ) == EXPECTED[name]


def test_anonymous_and_deactivated_users_may_do_nothing(plgu_officer):
    assert not can_view_sanctions_lists(AnonymousUser())
    plgu_officer.is_active = False
    assert (can_view_sanctions_lists(plgu_officer), can_load_sanctions_list(plgu_officer)) == (False, False)
