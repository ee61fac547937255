"""Who sees which agreements, the list filters, "waiting for me" and `available_actions` per persona."""

from __future__ import annotations

import datetime as dt

import pytest
from django.http import Http404

from partnerhub.agreements import selectors, services
from partnerhub.agreements.actions import Act, action_codes, available_actions
from partnerhub.agreements.selectors import AgreementFilters
from partnerhub.agreements.tests.factories import approve_all, fresh, make_agreement, make_partner, today
from partnerhub.registry import services as registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def linked_partner_user(partner_user, partner, plgu_officer):
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=partner)
    return partner_user


def test_partner_users_see_only_agreements_their_organisation_is_party_to(
    linked_partner_user, staff_member, partner
):
    other = make_partner(staff_member, "City of Mombasa")
    ours = make_agreement(staff_member, [partner, other])
    theirs = make_agreement(staff_member, [other])

    assert list(selectors.agreements_visible_to(user=linked_partner_user)) == [ours]
    assert selectors.agreement_get_for(user=linked_partner_user, pk=ours.pk) == ours
    with pytest.raises(Http404):
        selectors.agreement_get_for(user=linked_partner_user, pk=theirs.pk)
    with pytest.raises(Http404):
        selectors.agreement_get_for(user=linked_partner_user, pk=999_999)
    assert available_actions(linked_partner_user, ours) == []


def test_unlinked_partner_users_see_nothing(partner_user, draft):
    assert list(selectors.agreements_visible_to(user=partner_user)) == []
    with pytest.raises(Http404):
        selectors.agreement_get_for(user=partner_user, pk=draft.pk)


def test_staff_see_every_agreement(focal_point, draft):
    assert selectors.agreement_get_for(user=focal_point, pk=draft.pk) == draft


def test_list_filters(staff_member, partner, approvers, signatory):
    ngo = make_partner(staff_member, "Youth for Cities", category="intergovernmental", country="BR")
    mou = make_agreement(staff_member, [partner])
    aoc = make_agreement(
        staff_member,
        [ngo],
        code="AOC",
        purpose="project",
        value="1000",
        currency="USD",
        office="plgu",
        end=today() + dt.timedelta(days=20),
    )
    services.agreement_submit_for_clearance(actor=staff_member, agreement=aoc)
    approve_all(aoc, approvers)
    services.agreement_sign(actor=staff_member, agreement=aoc, signatory=signatory)
    services.agreement_activate(actor=staff_member, agreement=aoc)

    def ids(**kwargs):
        return [
            a.pk
            for a in selectors.agreements_visible_to(user=staff_member, filters=AgreementFilters(**kwargs))
        ]

    assert ids(instrument="MOU") == [mou.pk]
    assert ids(status="active") == [aoc.pk]
    assert ids(office="ro-lac") == [mou.pk]
    assert ids(category="intergovernmental") == [aoc.pk]
    assert ids(region="019") == [aoc.pk]  # the Americas
    assert ids(expiring_within=30) == [aoc.pk]
    assert ids(expiring_within=10) == []
    assert ids(q="youth") == [aoc.pk]
    assert ids(partner=partner.pk) == [mou.pk]


def test_list_query_count_does_not_grow_with_rows(staff_member, partner, django_assert_max_num_queries):
    for _ in range(5):
        make_agreement(staff_member, [partner])

    with django_assert_max_num_queries(3):
        rows = list(selectors.agreements_visible_to(user=staff_member))
        for row in rows:
            _ = [p.partner.name for p in row.parties.all()], row.instrument.code, row.current_version.title

    assert len(rows) == 5


def test_available_actions_follow_role_office_and_state(
    draft, staff_member, focal_point, plgu_officer, legal_officer, approvers, signatory
):
    assert action_codes(staff_member, draft) == {Act.EDIT, Act.SUBMIT, Act.ADD_DOCUMENT}
    assert action_codes(focal_point, draft) == set()  # another office
    assert action_codes(legal_officer, draft) == set()

    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    assert action_codes(plgu_officer, fresh(draft)) == {Act.APPROVE, Act.RETURN}
    assert action_codes(legal_officer, fresh(draft)) == set()  # not their step yet
    assert action_codes(staff_member, fresh(draft)) == {Act.ADD_DOCUMENT}

    approve_all(draft, approvers)
    assert action_codes(staff_member, fresh(draft)) == {Act.SIGN, Act.ADD_DOCUMENT}
    assert action_codes(legal_officer, fresh(draft)) == {Act.SIGN}
    sign = next(a for a in available_actions(staff_member, fresh(draft)) if a.code == Act.SIGN)
    assert sign.enabled


def test_sign_button_shows_the_missing_delegation(draft, staff_member, approvers):
    services.agreement_submit_for_clearance(actor=staff_member, agreement=draft)
    approve_all(draft, approvers)

    sign = next(a for a in available_actions(staff_member, fresh(draft)) if a.code == Act.SIGN)

    assert not sign.enabled
    assert sign.blockers == [
        "Nobody holds a delegation of authority to sign this instrument for this amount today."
    ]


def test_submit_button_shows_the_missing_due_diligence(staff_member):
    ngo = make_partner(staff_member, "Slum Dwellers Trust", category="civil-society")
    agreement = make_agreement(staff_member, [ngo])

    submit = next(a for a in available_actions(staff_member, agreement) if a.code == Act.SUBMIT)

    assert len(submit.blockers) == 1
    assert "due-diligence approval" in submit.blockers[0]


def test_waiting_for_lists_only_the_steps_holding_the_ball(
    staff_member, partner, plgu_officer, legal_officer
):
    one = make_agreement(staff_member, [partner])
    two = make_agreement(staff_member, [partner])
    services.agreement_submit_for_clearance(actor=staff_member, agreement=one)
    services.agreement_submit_for_clearance(actor=staff_member, agreement=two)
    services.clearance_approve(actor=plgu_officer, step=selectors.current_step(selectors.open_version(one)))

    assert [s.agreement_version.agreement_id for s in selectors.waiting_for(plgu_officer)] == [two.pk]
    assert [s.agreement_version.agreement_id for s in selectors.waiting_for(legal_officer)] == [one.pk]
    assert selectors.waiting_for(staff_member) == []
