"""Ongoing screening: triggers, alerts, the "dismissed stays dismissed unless the entry changes" rule,
re-screening everyone after a new snapshot, decisions and who may make them, and the catch-up job."""

from __future__ import annotations

import pytest
from django.utils import timezone

from conftest import PERSONAS
from partnerhub.core.errors import ConcurrentEdit, IllegalTransition, NotAllowed, ValidationFailed
from partnerhub.core.models import AuditLog, RecordHistory
from partnerhub.core.scheduler import registered
from partnerhub.registry import services as registry
from partnerhub.registry.models import Contact, Partner
from partnerhub.screening import monitoring
from partnerhub.screening.models_monitoring import (
    AlertStatus,
    RunStatus,
    ScreeningAlert,
    ScreeningCheck,
    ScreeningRun,
    Trigger,
)
from partnerhub.screening.tests.test_lists_support import LIST_2025, sanctions_bytes, un_source
from partnerhub.screening.tests.test_monitoring_support import (
    OTHER,
    PERSON,
    SHIPPING,
    add_person,
    committing,
    csv_source,
    load,
    make_partner,
)

pytestmark = pytest.mark.django_db

DECIDERS = {"plgu_officer", "administrator"}


@pytest.fixture
def cap(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def source():
    return csv_source()


@pytest.fixture
def listed(cap, source):
    """The test list, loaded: a shipping company, a person and an unrelated foundation."""
    return load(cap, source, SHIPPING, PERSON, OTHER)


def alerts_for(partner, contact=None):
    qs = ScreeningAlert.objects.filter(partner=partner, contact=contact).order_by("pk")
    return list(qs.values_list("reference_number", "status"))


def state():
    """Everything a refused decision must leave as it was."""
    return (
        list(ScreeningAlert.objects.order_by("pk").values()),
        AuditLog.objects.count(),
        RecordHistory.objects.count(),
    )


# --- Triggers -------------------------------------------------------------------------------------


def test_recording_a_partner_named_like_a_listed_entity_raises_an_open_alert(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")

    alert = ScreeningAlert.objects.get(partner=partner)
    assert (alert.status, alert.reference_number, alert.contact) == (AlertStatus.OPEN, "TST.001", None)
    assert alert.matched_name == "Example Shipping Company"
    assert alert.score >= 0.85
    assert "exact" in alert.explanation
    assert alert.entry.snapshot == listed
    assert alert.entry_hash == alert.entry.content_hash
    check = ScreeningCheck.objects.get(partner=partner, contact=None)
    assert (check.trigger, check.outcome, check.hit_count) == (Trigger.CREATE, "alert", 1)
    assert check.snapshot_ids == [listed.pk]
    assert check.names == ["Example Shipping Co"]
    assert alert.raised_by_check == check


def test_a_partner_with_an_unlisted_name_is_checked_clear(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Habitat for Humanity Kenya")

    check = ScreeningCheck.objects.get(partner=partner)
    assert (check.outcome, check.hit_count, check.trigger) == ("clear", 0, Trigger.CREATE)
    assert alerts_for(partner) == []


def test_nothing_is_screened_while_no_list_is_loaded(cap, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")

    assert not ScreeningCheck.objects.filter(partner=partner).exists()


def test_renaming_a_clear_partner_to_a_listed_name_screens_it_again(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")
    assert alerts_for(partner) == []

    with committing(cap, plgu_officer):
        registry.partner_update(
            actor=plgu_officer,
            partner=partner,
            data={"name": "Example Shipping Company"},
            expected_version=Partner.objects.get(pk=partner.pk).version,
        )

    assert alerts_for(partner) == [("TST.001", "open")]
    triggers = list(
        ScreeningCheck.objects.filter(partner=partner).order_by("pk").values_list("trigger", flat=True)
    )
    assert triggers == [Trigger.CREATE, Trigger.RENAME]


def test_an_alternative_name_is_screened_as_an_alias(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")

    with committing(cap, plgu_officer):
        registry.partner_set_names(
            actor=plgu_officer, partner=partner, names=[("Example Shipping Company", "en", "former")]
        )

    assert alerts_for(partner) == [("TST.001", "open")]
    assert ScreeningCheck.objects.filter(partner=partner).latest("checked_at").names == [
        "Harbour Logistics",
        "Example Shipping Company",
    ]


def test_saving_a_partner_without_changing_its_names_does_not_screen_it_again(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")

    with committing(cap, plgu_officer):
        registry.partner_change_status(
            actor=plgu_officer, partner=partner, status="under_due_diligence", reason="MoU"
        )
        registry.partner_update(
            actor=plgu_officer,
            partner=partner,
            data={"description": "Port services"},
            expected_version=Partner.objects.get(pk=partner.pk).version,
        )

    assert ScreeningCheck.objects.filter(partner=partner).count() == 1


def test_a_key_person_added_to_a_partner_is_screened(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")

    person = add_person(cap, plgu_officer, partner, "Amina", "Testperson")

    assert alerts_for(partner, person) == [("TST.002", "open")]
    check = ScreeningCheck.objects.get(partner=partner, contact=person)
    assert (check.trigger, check.is_key_person, check.subject_kind) == (Trigger.CONTACT, True, "person")
    assert alerts_for(partner) == []  # the organisation itself is still clear


def test_every_current_contact_is_screened_not_only_key_persons(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")

    person = add_person(cap, plgu_officer, partner, "Amina", "Testperson", key=False)

    assert alerts_for(partner, person) == [("TST.002", "open")]
    assert ScreeningCheck.objects.get(contact=person).is_key_person is False


def test_renaming_a_person_screens_them_again(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")
    person = add_person(cap, plgu_officer, partner, "Amina", "Otherperson")
    assert alerts_for(partner, person) == []

    with committing(cap, plgu_officer):
        registry.contact_update(
            actor=plgu_officer,
            contact=person,
            data={"family_name": "Testperson"},
            expected_version=Contact.objects.get(pk=person.pk).version,
        )

    assert alerts_for(partner, person) == [("TST.002", "open")]


def test_an_ended_role_is_not_screened(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")
    person = add_person(cap, plgu_officer, partner, "Amina", "Otherperson")
    role = person.roles.get()
    with committing(cap, plgu_officer):
        registry.contact_role_end(
            actor=plgu_officer, role=role, end_date=timezone.localdate().replace(year=2020)
        )
        registry.contact_update(
            actor=plgu_officer,
            contact=person,
            data={"family_name": "Testperson"},
            expected_version=Contact.objects.get(pk=person.pk).version,
        )

    assert alerts_for(partner, person) == []


# --- Raising rules --------------------------------------------------------------------------------


def test_an_open_alert_is_not_raised_twice(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")

    with committing(cap, plgu_officer):
        monitoring.screen_partner(partner=partner, trigger=Trigger.MANUAL, actor=plgu_officer)

    assert alerts_for(partner) == [("TST.001", "open")]
    assert ScreeningCheck.objects.filter(partner=partner).count() == 2  # the check itself is always written


def test_a_dismissed_hit_is_not_raised_again_while_the_entry_is_unchanged(cap, source, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    alert = ScreeningAlert.objects.get(partner=partner)
    monitoring.alert_dismiss(alert=alert, actor=plgu_officer, reason="Different company", expected_version=1)

    with committing(cap, plgu_officer):
        monitoring.screen_partner(partner=partner, trigger=Trigger.MANUAL, actor=plgu_officer)
    # A new snapshot whose entry for TST.001 has the same content re-screens everyone: still nothing new.
    load(cap, source, SHIPPING, PERSON)

    assert alerts_for(partner) == [("TST.001", "dismissed")]
    assert ScreeningCheck.objects.filter(partner=partner, outcome="alert").count() == 3


def test_a_changed_list_entry_raises_the_hit_again_after_dismissal(cap, source, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    alert = ScreeningAlert.objects.get(partner=partner)
    monitoring.alert_dismiss(alert=alert, actor=plgu_officer, reason="Different company", expected_version=1)

    changed = SHIPPING.replace("Example Shipping,", "Example Shipping;Example Shipping Co Ltd,")
    newer = load(cap, source, changed, PERSON, OTHER)

    assert alerts_for(partner) == [("TST.001", "dismissed"), ("TST.001", "open")]
    again = ScreeningAlert.objects.get(partner=partner, status=AlertStatus.OPEN)
    assert again.entry.snapshot == newer
    assert again.entry_hash != alert.entry_hash


def test_a_confirmed_match_is_not_raised_again_for_the_same_entry(cap, source, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    alert = ScreeningAlert.objects.get(partner=partner)
    monitoring.alert_confirm(alert=alert, actor=plgu_officer, reason="Same IMO number", expected_version=1)

    load(cap, source, SHIPPING, PERSON)

    assert alerts_for(partner) == [("TST.001", "confirmed")]


def test_an_older_clear_result_never_hides_a_new_hit(cap, source, plgu_officer):
    load(cap, source, OTHER)
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    assert ScreeningCheck.objects.get(partner=partner).outcome == "clear"

    # The list adds the company: the re-screen of everyone raises it, though the partner did not change.
    load(cap, source, OTHER, SHIPPING)
    assert alerts_for(partner) == [("TST.001", "open")]

    # And a trigger never skips a partner whose last (clear) check was against other lists.
    ScreeningAlert.objects.all().delete()
    ScreeningCheck.objects.filter(outcome="alert").delete()
    result = monitoring.screen_partner_if_changed(partner_id=partner.pk, trigger=Trigger.RENAME)
    assert [a.reference_number for a in result.alerts] == ["TST.001"]


def test_alert_raised_is_sent_after_commit_with_the_alert(cap, listed, plgu_officer):
    received = []

    def listener(sender, alert, **kwargs):
        received.append((alert.reference_number, ScreeningAlert.objects.filter(pk=alert.pk).exists()))

    monitoring.alert_raised.connect(listener)
    try:
        make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    finally:
        monitoring.alert_raised.disconnect(listener)

    assert received == [("TST.001", True)]


def test_raising_is_audited_on_the_partner_without_the_persons_name(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")
    person = add_person(cap, plgu_officer, partner, "Amina", "Testperson")

    entry = AuditLog.objects.get(action="screening.alert.raise")
    assert (entry.target_id, entry.actor_label) == (str(partner.pk), "screening")
    assert entry.after["contact"] == person.pk
    assert entry.after["reference_number"] == "TST.002"
    assert "Amina" not in str(entry.after) + entry.note + entry.target_label


def test_erasing_a_person_forgets_their_names_in_screening_records(cap, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Harbour Logistics")
    person = add_person(cap, plgu_officer, partner, "Amina", "Testperson")

    with committing(cap, plgu_officer):
        registry.contact_erase(actor=plgu_officer, contact=person, reason="Request 12")

    assert ScreeningCheck.objects.get(contact=person).names == ["[erased]"]
    alert = ScreeningAlert.objects.get(contact=person)
    assert (alert.subject_name, alert.explanation, alert.status) == ("[erased]", "", "open")
    history = RecordHistory.objects.filter(object_id=str(alert.pk), content_type__model="screeningalert")
    assert "Amina" not in str(list(history.values_list("changes", flat=True)))


# --- Re-screening everyone ------------------------------------------------------------------------


def test_a_new_snapshot_re_screens_everyone_with_progress(cap, source, plgu_officer):
    load(cap, source, OTHER)
    shipping = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    harbour = make_partner(cap, plgu_officer, "Harbour Logistics")
    person = add_person(cap, plgu_officer, harbour, "Amina", "Testperson")
    archived = make_partner(cap, plgu_officer, "Example Shipping Company", country="YE")
    with committing(cap, plgu_officer):
        registry.partner_change_status(
            actor=plgu_officer, partner=archived, status="archived", reason="error"
        )

    newer = load(cap, source, OTHER, SHIPPING, PERSON)

    run = ScreeningRun.objects.get(snapshot=newer)
    assert (run.trigger, run.status, run.total, run.done, run.alerts_raised) == ("snapshot", "done", 3, 3, 2)
    assert run.started_at
    assert run.finished_at
    assert alerts_for(shipping) == [("TST.001", "open")]
    assert alerts_for(harbour, person) == [("TST.002", "open")]
    assert alerts_for(archived) == []
    assert set(ScreeningCheck.objects.filter(run=run).values_list("partner_id", "contact_id")) == {
        (shipping.pk, None),
        (harbour.pk, None),
        (harbour.pk, person.pk),
    }


def test_a_retried_run_screens_nobody_twice_and_raises_nothing_twice(cap, source, listed, plgu_officer):
    partner = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    newer = load(cap, source, SHIPPING.replace(",YE,", ",YE;OM,"), PERSON, OTHER)
    run = ScreeningRun.objects.get(snapshot=newer)
    checks, alerts = ScreeningCheck.objects.count(), ScreeningAlert.objects.count()

    # The worker died after the run's work was written: the task is retried.
    ScreeningRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    assert monitoring.rescreen_run(run_id=run.pk) == 0
    # The snapshot's signal delivered twice: still one run.
    assert monitoring.rescreen_for_snapshot(snapshot=newer) == run

    assert (ScreeningCheck.objects.count(), ScreeningAlert.objects.count()) == (checks, alerts)
    assert ScreeningRun.objects.get(pk=run.pk).status == RunStatus.DONE
    assert alerts_for(partner) == [("TST.001", "open")]


def test_a_failed_run_records_the_error_and_a_retry_finishes_it(
    cap, source, listed, plgu_officer, monkeypatch
):
    make_partner(cap, plgu_officer, "Harbour Logistics")
    run = ScreeningRun.objects.create(trigger=Trigger.MANUAL)

    def broken(*args, **kwargs):
        raise RuntimeError("worker lost")

    monkeypatch.setattr(monitoring, "screen_subjects", broken)
    with pytest.raises(RuntimeError):
        monitoring.rescreen_run(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.error) == (RunStatus.FAILED, "RuntimeError: worker lost")

    monkeypatch.undo()
    monitoring.rescreen_run(run_id=run.pk)
    run.refresh_from_db()
    assert (run.status, run.done, run.error) == (RunStatus.DONE, 1, "")


def test_re_screen_everyone_on_request_is_plgu_only_and_returns_the_run_under_way(
    cap, listed, plgu_officer, staff_member
):
    before = ScreeningRun.objects.count()
    with pytest.raises(NotAllowed):
        monitoring.rescreen_start(actor=staff_member)
    assert ScreeningRun.objects.count() == before

    first = monitoring.rescreen_start(actor=plgu_officer)  # on_commit not run: still queued
    assert monitoring.rescreen_start(actor=plgu_officer) == first
    assert (first.trigger, first.requested_by) == (Trigger.MANUAL, plgu_officer)


# --- Catch-up -------------------------------------------------------------------------------------


def test_catch_up_screens_partners_written_in_bulk_once(cap, listed, plgu_officer):
    template = make_partner(cap, plgu_officer, "Harbour Logistics")
    Partner.objects.bulk_create(  # as the importer does: no signals
        [
            Partner(
                name="Example Shipping Co",
                country_id="YE",
                primary_category=template.primary_category,
                owning_office=template.owning_office,
                identified_channel="event",
            )
        ]
    )
    imported = Partner.objects.get(name="Example Shipping Co")
    assert not ScreeningCheck.objects.filter(partner=imported).exists()

    assert monitoring.catch_up() == 1
    assert alerts_for(imported) == [("TST.001", "open")]
    assert ScreeningCheck.objects.get(partner=imported).trigger == Trigger.CATCH_UP
    assert monitoring.catch_up() == 0


def test_catch_up_is_bounded_and_finds_the_rest_next_time(cap, listed, plgu_officer):
    template = make_partner(cap, plgu_officer, "Harbour Logistics")
    Partner.objects.bulk_create(
        [
            Partner(
                name=f"Imported Partner {n}",
                primary_category=template.primary_category,
                owning_office=template.owning_office,
                identified_channel="event",
            )
            for n in range(5)
        ]
    )

    assert [monitoring.catch_up(batch=2) for _ in range(4)] == [2, 2, 1, 0]


def test_catch_up_job_is_registered_hourly():
    job = registered()["screening.catch_up"]
    assert (job.task_path, job.schedule) == (
        "partnerhub.screening.tasks_monitoring.screening_catch_up",
        "every 1h",
    )


# --- Decisions ------------------------------------------------------------------------------------


@pytest.fixture
def alert(cap, listed, plgu_officer):
    make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    return ScreeningAlert.objects.get()


@pytest.mark.parametrize("persona", PERSONAS, indirect=True)
def test_only_plgu_and_administrators_decide_alerts(persona, alert, request):
    name = request.node.callspec.params["persona"]
    if name in DECIDERS:
        decided = monitoring.alert_dismiss(alert=alert, actor=persona, reason="Not them", expected_version=1)
        assert (decided.status, decided.decided_by, decided.reason) == ("dismissed", persona, "Not them")
        return
    before = state()
    for service in (monitoring.alert_confirm, monitoring.alert_dismiss):
        with pytest.raises(NotAllowed):
            service(alert=alert, actor=persona, reason="Not them", expected_version=1)
    assert state() == before


def test_a_decision_needs_a_reason_and_changes_nothing_without_one(alert, plgu_officer):
    before = state()
    with pytest.raises(ValidationFailed) as refused:
        monitoring.alert_confirm(alert=alert, actor=plgu_officer, reason="  ", expected_version=1)
    assert refused.value.errors == {"reason": ["Give the reason for this decision."]}
    assert state() == before


def test_a_decision_on_a_stale_version_is_refused(alert, plgu_officer, administrator):
    monitoring.alert_confirm(alert=alert, actor=administrator, reason="Same registration", expected_version=1)
    before = state()
    with pytest.raises(ConcurrentEdit):
        monitoring.alert_dismiss(alert=alert, actor=plgu_officer, reason="Not them", expected_version=1)
    assert state() == before


def test_a_decided_alert_is_final(alert, plgu_officer):
    decided = monitoring.alert_confirm(alert=alert, actor=plgu_officer, reason="Same IMO", expected_version=1)
    before = state()
    with pytest.raises(IllegalTransition) as refused:
        monitoring.alert_dismiss(
            alert=alert, actor=plgu_officer, reason="Oops", expected_version=decided.version
        )
    assert "final state" in refused.value.message
    assert state() == before


def test_decisions_are_audited_on_the_partner_with_the_reason(alert, plgu_officer):
    monitoring.alert_dismiss(
        alert=alert, actor=plgu_officer, reason="Registered in Kenya", expected_version=1
    )

    entry = AuditLog.objects.get(action="screening.alert.dismiss")
    assert entry.target_id == str(alert.partner_id)
    assert entry.before == {"status": "open"}
    assert entry.after == {
        "status": "dismissed",
        "alert": alert.pk,
        "reference_number": "TST.001",
        "contact": None,
    }
    assert entry.note == "Registered in Kenya"
    history = RecordHistory.objects.filter(content_type__model="screeningalert", object_id=str(alert.pk))
    assert history.filter(action="update").get().changes["status"] == ["open", "dismissed"]


# --- The real UN list -----------------------------------------------------------------------------


def test_a_partner_named_like_an_entity_on_the_real_un_list_raises_an_alert(cap, plgu_officer):
    from partnerhub.screening import services

    with committing(cap):
        services.sanctions_list_load(source=un_source(), data=sanctions_bytes(LIST_2025), actor=None)
    clear = make_partner(cap, plgu_officer, "Habitat for Humanity International", country="US")
    partner = make_partner(cap, plgu_officer, "Al-Qaida in the Arabian Peninsula", country="YE")

    assert ScreeningCheck.objects.get(partner=clear).outcome == "clear"
    alert = ScreeningAlert.objects.get(partner=partner)
    assert alert.reference_number.startswith("QDe.")
    assert alert.entry.kind == "organisation"
    assert alert.score >= 0.85


# --- Merging partners -----------------------------------------------------------------------------


def test_merging_two_partners_with_open_alerts_on_the_same_entry_keeps_both_alerts(cap, listed, plgu_officer):
    """One open alert per partner and entry: the absorbed record keeps its own, the merge goes through."""
    from partnerhub.registry.duplicates import partners_merge

    survivor = make_partner(cap, plgu_officer, "Example Shipping Co", country="YE")
    absorbed = make_partner(cap, plgu_officer, "Example Shipping Company Ltd", country="YE")
    assert alerts_for(survivor) == [("TST.001", "open")]
    assert alerts_for(absorbed) == [("TST.001", "open")]

    with committing(cap, plgu_officer):
        record = partners_merge(actor=plgu_officer, survivor=survivor, absorbed=absorbed, choices={})

    assert alerts_for(survivor) == [("TST.001", "open")]
    assert alerts_for(absorbed) == [("TST.001", "open")]  # kept with the absorbed record, and listed
    assert any(k["model"] == "screening.screeningalert" for k in record.repointed["kept"])
