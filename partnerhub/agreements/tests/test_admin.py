"""The Legal Section's data on the admin site: only Legal, published rules read-only, copy then publish,
delegations recorded and revoked through the audited services."""

from __future__ import annotations

import pytest

from partnerhub.agreements.models import AdvisorRuleSet, DelegationOfAuthority, InstrumentType
from partnerhub.core.models import AuditLog

pytestmark = pytest.mark.django_db


@pytest.fixture
def legal_admin(make_user):
    return make_user("staff", "legal", email="legal.admin@example.org", office_code="legal", is_staff=True)


def test_only_legal_sees_the_legal_data(client_for, administrator, legal_admin):
    assert client_for(administrator).get("/admin/agreements/instrumenttype/").status_code == 403
    page = client_for(legal_admin).get("/admin/agreements/instrumenttype/")
    assert page.status_code == 200
    assert "Memorandum of Understanding" in page.content.decode()


def test_a_published_rule_set_is_copied_edited_and_published(client_for, legal_admin):
    client = client_for(legal_admin)
    current = AdvisorRuleSet.objects.get(is_active=True)

    client.post("/admin/agreements/advisorruleset/", {"action": "copy", "_selected_action": [current.pk]})
    copy = AdvisorRuleSet.objects.get(number=2)
    assert copy.rules.count() == current.rules.count()
    assert copy.published_at is None
    client.post("/admin/agreements/advisorruleset/", {"action": "publish", "_selected_action": [copy.pk]})

    assert list(AdvisorRuleSet.objects.filter(is_active=True)) == [AdvisorRuleSet.objects.get(number=2)]
    assert AuditLog.objects.filter(action="agreements.rule_set.publish").count() == 1


def test_delegations_added_on_the_admin_site_go_through_the_service(client_for, legal_admin, staff_member):
    response = client_for(legal_admin).post(
        "/admin/agreements/delegationofauthority/add/",
        {
            "delegate": staff_member.pk,
            "instruments": [InstrumentType.objects.get(code="MOU").pk],
            "max_amount": "1000",
            "currency": "USD",
            "valid_from": "2026-01-01",
            "delegated_by": legal_admin.pk,
            "reference": "ST/SGB/2019/2",
        },
    )

    assert response.status_code == 302
    delegation = DelegationOfAuthority.objects.get()
    assert list(delegation.instruments.values_list("code", flat=True)) == ["MOU"]
    assert AuditLog.objects.filter(action="agreements.delegation.create").count() == 1
