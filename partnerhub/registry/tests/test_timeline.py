import pytest

from partnerhub.core.context import acting_as, actor_for
from partnerhub.org.models import Office
from partnerhub.registry import services
from partnerhub.registry.models import Country, StakeholderCategory


@pytest.mark.django_db
def test_partner_timeline_names_each_action_in_words_with_who_did_it(client_for, plgu_officer):
    # given a partner that was recorded and then activated by a PLGU officer
    with acting_as(actor_for(plgu_officer)):
        partner = services.partner_create(
            actor=plgu_officer,
            data={
                "name": "Shelter Afrique",
                "primary_category": StakeholderCategory.objects.get(number=4),
                "country": Country.objects.get(iso2="KE"),
                "identified_channel": "event",
                "owning_office": Office.objects.get(code="plgu"),
            },
        )
        services.partner_change_status(
            actor=plgu_officer, partner=partner, status="active", reason="MoU signed"
        )

    # when the officer opens the partner page
    body = client_for(plgu_officer).get(f"/partners/{partner.pk}/").content.decode()

    # then the timeline says what happened, in words, by whom, with the reason
    assert "Partner recorded" in body
    assert "Status changed" in body
    assert "MoU signed" in body
    assert "registry.partner.status" not in body
    assert "plgu.officer@example.org" in body
