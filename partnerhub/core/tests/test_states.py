"""State machines as data: the transitions table decides, and refusals explain themselves."""

import pytest
from django.db import models

from partnerhub.core.errors import IllegalTransition
from partnerhub.core.states import StateMachine


class Status(models.TextChoices):
    DRAFT = "draft", "Draft"
    SUBMITTED = "submitted", "Submitted"
    APPROVED = "approved", "Approved"
    RETURNED = "returned", "Returned"


TRANSITIONS = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.APPROVED, Status.RETURNED},
    Status.RETURNED: {Status.DRAFT},
}


@pytest.fixture
def machine():
    return StateMachine(Status, TRANSITIONS)


def test_allowed_lists_the_targets_of_a_state(machine):
    assert machine.allowed(Status.SUBMITTED) == frozenset({"approved", "returned"})
    assert machine.allowed(Status.APPROVED) == frozenset()


def test_can_follows_the_table_exactly(machine):
    moves = {(s, t) for s in Status.values for t in Status.values if machine.can(s, t)}
    assert moves == {
        ("draft", "submitted"),
        ("submitted", "approved"),
        ("submitted", "returned"),
        ("returned", "draft"),
    }


def test_check_accepts_a_legal_move(machine):
    assert machine.check(Status.DRAFT, Status.SUBMITTED) is None


def test_illegal_move_is_refused_naming_where_it_can_go(machine):
    with pytest.raises(IllegalTransition) as excinfo:
        machine.check(Status.DRAFT, Status.APPROVED)

    error = excinfo.value
    assert error.message == "Cannot move from “Draft” to “Approved”; from “Draft” it can go to: Submitted."
    assert error.code == "illegal_transition"
    assert error.status == 409
    assert error.context == {"source": "draft", "target": "approved"}


def test_several_allowed_targets_are_listed_alphabetically_by_label(machine):
    with pytest.raises(IllegalTransition) as excinfo:
        machine.check(Status.SUBMITTED, Status.DRAFT)

    assert excinfo.value.message == (
        "Cannot move from “Submitted” to “Draft”; from “Submitted” it can go to: Approved, Returned."
    )


def test_move_out_of_a_final_state_says_it_is_final(machine):
    with pytest.raises(IllegalTransition) as excinfo:
        machine.check(Status.APPROVED, Status.DRAFT)

    assert excinfo.value.message == "Cannot move from “Approved” to “Draft”; “Approved” is a final state."


def test_label_falls_back_to_the_raw_value(machine):
    assert machine.label("approved") == "Approved"
    assert machine.label("archived") == "archived"


@pytest.mark.parametrize(
    "transitions",
    [
        {"draft": {"published"}},
        {"archived": {"draft"}},
    ],
)
def test_table_naming_unknown_states_is_refused_when_defined(transitions):
    with pytest.raises(ValueError, match="Transitions name unknown states"):
        StateMachine(Status, transitions)


def test_table_is_frozen_so_callers_cannot_change_it(machine):
    with pytest.raises(AttributeError):
        machine.allowed(Status.DRAFT).add("approved")  # type: ignore[attr-defined]
    assert machine.allowed(Status.DRAFT) == frozenset({"submitted"})
