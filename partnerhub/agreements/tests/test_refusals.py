"""Every write refused to people who may not make it, and every illegal move, leaves everything unchanged."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from partnerhub.agreements import selectors, services
from partnerhub.agreements.tests.factories import approve_all, fresh, snapshot, today
from partnerhub.core.errors import DomainError, IllegalTransition, NotAllowed
from partnerhub.registry import services as registry

pytestmark = pytest.mark.django_db

WRITES = {
    "submit": lambda u, a, s: services.agreement_submit_for_clearance(actor=u, agreement=a),
    "edit": lambda u, a, s: services.version_update(
        actor=u, version=a.current_version, expected_version=None, data={"title": "x"}
    ),
    "parties": lambda u, a, s: services.parties_set(actor=u, agreement=a, partners=[]),
    "sign": lambda u, a, s: services.agreement_sign(actor=u, agreement=a, signatory=s),
    "activate": lambda u, a, s: services.agreement_activate(actor=u, agreement=a),
    "terminate": lambda u, a, s: services.agreement_terminate(actor=u, agreement=a, reason="r"),
    "close": lambda u, a, s: services.agreement_close(actor=u, agreement=a),
    "amend": lambda u, a, s: services.amendment_start(actor=u, agreement=a, reason="r"),
    "objective": lambda u, a, s: services.objective_add(actor=u, agreement=a, text="t"),
}


@pytest.fixture
def outsiders(focal_point, partner_user, plgu_officer, partner):
    """Another office's staff member and a partner user linked to the party."""
    registry.partner_user_link(actor=plgu_officer, user=partner_user, partner=partner)
    return {"other office": focal_point, "partner user": partner_user}


@pytest.mark.parametrize("who", ["other office", "partner user"])
@pytest.mark.parametrize("write", sorted(WRITES))
def test_outsiders_are_refused_every_write_and_nothing_changes(outsiders, draft, signatory, who, write):
    before = snapshot(draft)

    with pytest.raises(NotAllowed):
        WRITES[write](outsiders[who], fresh(draft), signatory)

    assert snapshot(draft) == before


# Moves the state does not allow, from each state: (state, write).
ILLEGAL = [
    ("draft", "sign"),
    ("draft", "activate"),
    ("draft", "terminate"),
    ("draft", "close"),
    ("draft", "amend"),
    ("in_clearance", "submit"),
    ("in_clearance", "edit"),
    ("in_clearance", "parties"),
    ("in_clearance", "sign"),
    ("cleared", "submit"),
    ("cleared", "activate"),
    ("signed", "submit"),
    ("signed", "sign"),
    ("signed", "close"),
    ("active", "activate"),
    ("active", "close"),
    ("active", "edit"),
    ("terminated", "amend"),
    ("terminated", "terminate"),
]


def _bring_to(state: str, agreement: Any, staff: Any, approvers: list[Any], signatory: Any) -> None:
    if state == "draft":
        return
    services.agreement_submit_for_clearance(actor=staff, agreement=agreement)
    if state == "in_clearance":
        return
    approve_all(agreement, approvers)
    if state == "cleared":
        return
    services.agreement_sign(actor=staff, agreement=agreement, signatory=signatory)
    if state == "signed":
        return
    services.agreement_activate(actor=staff, agreement=agreement)
    if state == "terminated":
        services.agreement_terminate(actor=staff, agreement=agreement, reason="Ended.")


@pytest.mark.parametrize(("state", "write"), ILLEGAL)
def test_illegal_moves_are_refused_with_a_reason_and_nothing_changes(
    draft, staff_member, approvers, signatory, state, write
):
    _bring_to(state, draft, staff_member, approvers, signatory)
    assert fresh(draft).status == state
    before = snapshot(draft)

    with pytest.raises(IllegalTransition) as refusal:
        WRITES[write](staff_member, fresh(draft), signatory)

    assert refusal.value.message
    assert snapshot(draft) == before


def test_amendment_moves_need_an_open_amendment_in_the_right_state(draft, staff_member, approvers, signatory):
    _bring_to("active", draft, staff_member, approvers, signatory)
    before = snapshot(draft)
    for move in (services.amendment_submit, services.amendment_abandon):
        with pytest.raises(IllegalTransition):
            move(actor=staff_member, agreement=fresh(draft))
    with pytest.raises(IllegalTransition):
        services.amendment_sign(actor=staff_member, agreement=fresh(draft), signatory=signatory)
    assert snapshot(draft) == before

    services.amendment_start(actor=staff_member, agreement=fresh(draft), reason="Extend")
    before = snapshot(draft)
    with pytest.raises(IllegalTransition):  # still a draft: not cleared
        services.amendment_sign(actor=staff_member, agreement=fresh(draft), signatory=signatory)
    assert snapshot(draft) == before


def test_a_future_signing_date_changes_nothing(draft, staff_member, approvers, signatory):
    _bring_to("cleared", draft, staff_member, approvers, signatory)
    before = snapshot(draft)

    with pytest.raises(DomainError):
        services.agreement_sign(
            actor=staff_member,
            agreement=fresh(draft),
            signatory=signatory,
            signed_on=today() + dt.timedelta(days=1),
        )

    assert snapshot(draft) == before
    assert selectors.open_version(fresh(draft)).status == "cleared"
