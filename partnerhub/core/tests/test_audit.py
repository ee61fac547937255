"""The append-only audit log: who did what to which record, with before and after."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import DatabaseError, transaction

from partnerhub.core.audit import audit, audit_for
from partnerhub.core.context import Actor, acting_as, actor_for, current_actor
from partnerhub.core.models import AppendOnlyError, AuditLog
from partnerhub.org.models import Office

pytestmark = pytest.mark.django_db


def test_audit_records_actor_ip_action_target_and_values(staff_member):
    # given a staff member acting from an address
    office = Office.objects.get(code="plgu")

    # when a change is audited
    with acting_as(actor_for(staff_member, "10.0.0.7")):
        entry = audit(
            "org.office.update",
            target=office,
            before={"opened": dt.date(2020, 1, 1)},
            after={"opened": dt.date(2021, 2, 3)},
            note="moved",
        )

    # then the stored entry names all of it, with values made JSON-safe
    stored = AuditLog.objects.get(pk=entry.pk)
    assert stored.actor_id == staff_member.pk
    assert stored.actor_label == "staff.member@example.org"
    assert stored.ip == "10.0.0.7"
    assert stored.action == "org.office.update"
    assert stored.target_type == ContentType.objects.get_for_model(Office)
    assert stored.target_id == str(office.pk)
    assert stored.target_label == "Partnerships and Local Governments Unit"
    assert stored.before == {"opened": "2020-01-01"}
    assert stored.after == {"opened": "2021-02-03"}
    assert stored.note == "moved"


def test_audit_outside_a_request_is_attributed_to_the_system():
    # given no actor has been set
    assert current_actor().label == "system"

    # when something is audited without a target
    entry = audit("core.maintenance.run")

    # then the system is the actor and no target is named
    assert (entry.actor_id, entry.actor_label, entry.ip) == (None, "system", None)
    assert (entry.target_type, entry.target_id, entry.target_label) == (None, "", "")
    assert (entry.before, entry.after) == ({}, {})


def test_anonymous_actor_is_labelled_anonymous():
    from django.contrib.auth.models import AnonymousUser

    assert actor_for(AnonymousUser(), "192.0.2.1") == Actor(user_id=None, label="anonymous", ip="192.0.2.1")
    assert actor_for(None) == Actor(user_id=None, label="anonymous", ip=None)


def test_acting_as_restores_the_previous_actor_even_after_an_error():
    # when an error escapes an acting_as block
    def failing_job():
        with acting_as(Actor(user_id=None, label="job")):
            assert current_actor().label == "job"
            raise RuntimeError

    with pytest.raises(RuntimeError):
        failing_job()

    # then the actor is the system again
    assert current_actor().label == "system"


def test_audit_for_returns_only_the_targets_entries_newest_first():
    # given entries about two offices
    plgu = Office.objects.get(code="plgu")
    legal = Office.objects.get(code="legal")
    first = audit("test.one", target=plgu)
    audit("test.other", target=legal)
    second = audit("test.two", target=plgu)

    # when the log of one office is read
    entries = list(audit_for(plgu))

    # then it holds that office's entries only, newest first
    assert [e.pk for e in entries] == [second.pk, first.pk]


def test_audit_entry_cannot_be_changed_through_the_model():
    # given an entry
    entry = audit("test.created", after={"a": 1})

    # when someone edits and saves it
    entry.action = "test.forged"
    with pytest.raises(AppendOnlyError):
        entry.save()

    # then the stored entry is unchanged
    assert AuditLog.objects.get(pk=entry.pk).action == "test.created"


def test_audit_entry_cannot_be_deleted_through_the_model():
    entry = audit("test.created")

    with pytest.raises(AppendOnlyError):
        entry.delete()

    assert AuditLog.objects.filter(pk=entry.pk).exists()


def test_database_refuses_an_update_that_bypasses_the_model():
    # given an entry
    entry = audit("test.created", after={"a": 1})

    # when a bulk UPDATE goes straight to the database, past the model's own refusal
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditLog._base_manager.filter(pk=entry.pk).update(action="test.forged", after={"a": 2})

    # then the trigger refused it and nothing changed
    stored = AuditLog.objects.get(pk=entry.pk)
    assert (stored.action, stored.after) == ("test.created", {"a": 1})


def test_office_update_service_audits_only_the_fields_that_changed(administrator):
    # given an office
    from partnerhub.org.services import office_update

    office = Office.objects.get(code="youth")
    gender = Office.objects.get(code="gender")

    # when an administrator changes its city and parent, and re-sends its unchanged name
    with acting_as(actor_for(administrator)):
        office_update(
            actor=administrator,
            office=office,
            data={"city": "Kisumu", "parent": gender, "name": office.name},
            expected_version=office.version,
        )

    # then one entry holds exactly those two fields, the parent by name
    [entry] = audit_for(office)
    assert entry.action == "org.office.update"
    assert entry.actor_id == administrator.pk
    assert entry.before == {"city": "Nairobi", "parent": "Human Rights and Social Inclusion Section"}
    assert entry.after == {"city": "Kisumu", "parent": "Gender Unit"}


def test_audit_accepts_the_lazy_request_user_as_target(staff_member):
    # given the target is wrapped lazily, as `request.user` is in every view
    from django.utils.functional import SimpleLazyObject

    lazy_user = SimpleLazyObject(lambda: staff_member)

    # when it is audited and looked up
    entry = audit("accounts.password.change", target=lazy_user)

    # then the entry names the user model and the user
    assert entry.target_type == ContentType.objects.get_for_model(type(staff_member))
    assert entry.target_id == str(staff_member.pk)
    assert [e.action for e in audit_for(lazy_user)] == ["accounts.password.change", "accounts.user.create"]


def test_bulk_update_and_delete_through_the_model_are_refused():
    # given an entry
    from partnerhub.core.models import AppendOnlyError

    entry = audit("test.created", after={"a": 1})

    # when someone tries to rewrite or delete entries in bulk, then both are refused and nothing changed
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).update(action="test.forged")
    with pytest.raises(AppendOnlyError):
        AuditLog.objects.filter(pk=entry.pk).delete()
    assert AuditLog.objects.filter(pk=entry.pk, action="test.created").exists()
