"""Field-level history and optimistic locking of tracked models (Office and User stand in for any model)."""

import datetime as dt
import decimal
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerhub.core.context import Actor, acting_as
from partnerhub.core.errors import ConcurrentEdit
from partnerhub.core.history import describe
from partnerhub.core.models import HistoryAction, RecordHistory, to_jsonable
from partnerhub.org.models import Office

pytestmark = pytest.mark.django_db

EDITOR = Actor(user_id=None, label="editor@example.org")


def _rows(obj):
    return list(
        RecordHistory.objects.filter(
            content_type=ContentType.objects.get_for_model(type(obj)), object_id=str(obj.pk)
        ).order_by("id")
    )


def _new_office(**fields):
    values = {"code": "test-office", "name": "Test Office", "kind": "unit"}
    values.update(fields)
    with acting_as(EDITOR):
        office = Office(**values)
        office.save()
    return office


def test_creating_a_record_writes_one_create_row_with_every_tracked_field():
    # given a parent office
    parent = Office.objects.get(code="oed")

    # when a new office is saved as the editor
    office = _new_office(parent=parent, city="Nairobi")

    # then one "create" row names the editor and every tracked field with no "before"
    [row] = _rows(office)
    assert row.action == HistoryAction.CREATE
    assert row.actor_label == "editor@example.org"
    assert row.actor_id is None
    assert row.changes == {
        "code": [None, "test-office"],
        "name": [None, "Test Office"],
        "name_translations": [None, {}],
        "acronym": [None, ""],
        "kind": [None, "unit"],
        "parent_id": [None, parent.pk],
        "email": [None, ""],
        "city": [None, "Nairobi"],
        "region_served": [None, "global"],
        "is_active": [None, True],
    }
    assert office.version == 1


def test_changing_a_field_records_only_that_field_with_before_and_after():
    # given a saved office
    office = _new_office()
    office = Office.objects.get(pk=office.pk)

    # when one field changes
    office.city = "Geneva"
    with acting_as(Actor(user_id=None, label="second@example.org")):
        office.save()

    # then the newest row holds exactly that change, by the second actor, and the version moved on
    rows = _rows(office)
    assert [r.action for r in rows] == [HistoryAction.CREATE, HistoryAction.UPDATE]
    assert rows[1].changes == {"city": ["", "Geneva"]}
    assert rows[1].actor_label == "second@example.org"
    assert Office.objects.get(pk=office.pk).version == 2


def test_saving_without_changes_writes_no_history_row():
    # given a saved office, loaded fresh
    office = Office.objects.get(pk=_new_office().pk)

    # when it is saved with nothing changed
    office.save()

    # then only the creation is in its history
    assert [r.action for r in _rows(office)] == [HistoryAction.CREATE]


def test_update_fields_limits_history_to_the_fields_saved():
    # given an office with two fields changed in memory
    office = Office.objects.get(pk=_new_office().pk)
    office.city = "Cairo"
    office.acronym = "TO"

    # when only one of them is saved
    office.save(update_fields=["city"])

    # then history and database agree: only the city changed
    assert _rows(office)[-1].changes == {"city": ["", "Cairo"]}
    stored = Office.objects.get(pk=office.pk)
    assert (stored.city, stored.acronym, stored.version) == ("Cairo", "", 2)


def test_deleting_a_record_writes_a_delete_row_with_the_last_values():
    # given an office
    office = _new_office(city="Brussels")
    pk = office.pk

    # when it is deleted
    with acting_as(EDITOR):
        office.delete()

    # then the delete row keeps what it held
    row = RecordHistory.objects.filter(object_id=str(pk), action=HistoryAction.DELETE).get()
    assert row.changes["city"] == ["Brussels", None]
    assert row.changes["code"] == ["test-office", None]
    assert row.actor_label == "editor@example.org"
    assert not Office.objects.filter(pk=pk).exists()


def test_masked_fields_never_store_their_values_and_excluded_fields_are_skipped(make_user):
    # given a user (password is masked, last_login excluded)
    user = make_user("staff", email="masked@example.org")
    create_row = _rows(user)[0]
    assert create_row.changes["password"] == [None, "•••"]
    assert "last_login" not in create_row.changes
    assert "version" not in create_row.changes

    # when the password and last login change
    user.set_password("Another-long-passphrase-42")
    user.last_login = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    user.save()

    # then the update row shows only that the password changed, never the hash
    assert _rows(user)[-1].changes == {"password": ["•••", "•••"]}
    assert all(user.password not in str(r.changes) for r in _rows(user))


def test_stale_copy_cannot_overwrite_a_newer_save():
    # given two copies of the same office loaded at version 1
    office_id = _new_office().pk
    first = Office.objects.get(pk=office_id)
    second = Office.objects.get(pk=office_id)

    # when the first is saved and then the second
    first.city = "Nairobi"
    first.save()
    second.city = "Fukuoka"
    with pytest.raises(ConcurrentEdit) as excinfo:
        second.save()

    # then the second is refused, the first's value stands, and no history row was written for the refusal
    assert excinfo.value.code == "concurrent_edit"
    assert excinfo.value.status == 409
    stored = Office.objects.get(pk=office_id)
    assert (stored.city, stored.version) == ("Nairobi", 2)
    assert second.version == 1
    assert [r.changes for r in _rows(stored)[1:]] == [{"city": ["", "Nairobi"]}]


def test_describe_turns_rows_into_readable_labels_with_one_query_per_foreign_key():
    # given an office whose parent, kind, activity and city changed
    oed = Office.objects.get(code="oed")
    gsd = Office.objects.get(code="gsd")
    office = Office.objects.get(pk=_new_office(parent=oed).pk)
    office.parent = gsd
    office.kind = "section"
    office.is_active = False
    office.city = "Rio de Janeiro"
    office.save()
    rows = list(office.history())

    # when the rows are described
    with CaptureQueriesContext(connection) as queries:
        entries = describe(Office, rows)

    # then related records are named, choices use labels, booleans read yes/no; one query found the parents
    assert len(queries) == 1
    newest = entries[0]
    assert newest.actor == "system"
    assert newest.action == "changed"
    assert {(c.label, c.before, c.after) for c in newest.changes} == {
        ("part of", "Office of the Executive Director", "Global Solutions Division"),
        ("kind", "Unit", "Section"),
        ("active", "yes", "no"),
        ("city", "—", "Rio de Janeiro"),
    }
    assert entries[1].action == "created"


def test_describe_keeps_unknown_keys_and_deleted_related_records_readable():
    # given a hand-made row naming a removed field and a parent that no longer exists
    office = _new_office()
    row = RecordHistory(
        content_type=ContentType.objects.get_for_model(Office),
        object_id=str(office.pk),
        action=HistoryAction.UPDATE,
        changes={"retired_field": ["a", "b"], "parent_id": [999999, None]},
        actor_label="someone",
    )

    # when it is described
    [entry] = describe(Office, [row])

    # then nothing breaks: the key is its own label and the missing parent shows its id
    assert [(c.label, c.before, c.after) for c in entry.changes] == [
        ("retired_field", "a", "b"),
        ("part of", "#999999", "—"),
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, True),
        (3, 3),
        (1.5, 1.5),
        ("x", "x"),
        (dt.date(2026, 3, 4), "2026-03-04"),
        (dt.datetime(2026, 3, 4, 5, 6, tzinfo=dt.UTC), "2026-03-04T05:06:00+00:00"),
        (dt.time(7, 30), "07:30:00"),
        (decimal.Decimal("1.10"), "1.10"),
        (uuid.UUID("12345678-1234-5678-1234-567812345678"), "12345678-1234-5678-1234-567812345678"),
        ((1, dt.date(2026, 1, 1)), [1, "2026-01-01"]),
        ({1: decimal.Decimal(2)}, {"1": "2"}),
    ],
)
def test_values_are_made_json_storable(value, expected):
    assert to_jsonable(value) == expected
