"""Loading sanctions lists: snapshots, differences, refusals, refresh from an address, the job and the command."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from partnerhub.core.context import acting_as, actor_for
from partnerhub.core.errors import NotAllowed
from partnerhub.core.models import AuditLog, PeriodicJob
from partnerhub.screening import services
from partnerhub.screening.models import (
    ChangeKind,
    ImmutableRecord,
    ListChange,
    ListEntry,
    ListSnapshot,
    ListSource,
)
from partnerhub.screening.signals import snapshot_loaded
from partnerhub.screening.sources import parse_un_xml
from partnerhub.screening.tests.test_lists_support import (
    CORRUPT,
    LIST_2018,
    LIST_2020,
    LIST_2025,
    sanctions_bytes,
    sanctions_path,
    small_list_v1,
    small_list_v2,
    un_source,
)

pytestmark = pytest.mark.django_db


def load(data: bytes, actor=None, origin="test.xml"):
    return services.sanctions_list_load(source=un_source(), data=data, actor=actor, origin=origin)


def state():
    """What the database holds for sanctions lists, to show that a refusal changed nothing."""
    current = ListSnapshot.objects.filter(is_current=True).values_list("pk", flat=True).first()
    return (ListSnapshot.objects.count(), ListEntry.objects.count(), ListChange.objects.count(), current)


# --- The real snapshots ---------------------------------------------------------------------------


def test_real_snapshots_loaded_in_order_show_additions_changes_and_delistings(plgu_officer):
    with acting_as(actor_for(plgu_officer)):  # as the middleware does for a request
        first = load(sanctions_bytes(LIST_2018), actor=plgu_officer).snapshot
        second = load(sanctions_bytes(LIST_2020), actor=plgu_officer).snapshot
        third = load(sanctions_bytes(LIST_2025), actor=plgu_officer).snapshot

    assert (first.entry_count, first.person_count, first.organisation_count) == (1093, 703, 390)
    assert (first.previous, first.added_count, first.changed_count, first.removed_count) == (None, 0, 0, 0)
    assert first.warnings == ["KPe.064: no ENTITY_ALIAS element (required by the XSD)"]

    assert second.previous == first
    assert (second.added_count, second.changed_count, second.removed_count) == (23, 596, 102)
    assert second.matching_changed_count == 19
    assert third.previous == second
    assert (third.added_count, third.changed_count, third.removed_count) == (53, 653, 188)
    assert third.matching_changed_count == 134
    # 1093 + 23 - 102 = 1014 and 1014 + 53 - 188 = 879: every entry is accounted for.
    assert (second.entry_count, third.entry_count) == (1014, 879)

    assert list(ListSnapshot.objects.filter(is_current=True)) == [third]
    assert third.loaded_by == plgu_officer
    assert ListEntry.objects.filter(snapshot=third).count() == 879
    assert ListChange.objects.filter(snapshot=third, kind=ChangeKind.REMOVED).count() == 188

    # Resolution 2231's list ended on 18 October 2023 ("Transition Day"): every Iran entry was delisted.
    removed_2025 = set(
        ListChange.objects.filter(snapshot=third, kind=ChangeKind.REMOVED).values_list(
            "reference_number", flat=True
        )
    )
    iran_2020 = set(
        ListEntry.objects.filter(snapshot=second, list_type="Iran").values_list("reference_number", flat=True)
    )
    assert len(iran_2020) == 84
    assert iran_2020 <= removed_2025
    soleimani = ListChange.objects.select_related("previous_entry").get(
        snapshot=third, reference_number="IRi.039"
    )
    assert (soleimani.kind, soleimani.entry, soleimani.previous_entry.full_name) == (
        "removed",
        None,
        "QASEM SOLEIMANI",
    )

    # Lavdrim Muhaxheri (QDi.373) was on the 2018 list and is gone from the 2020 one.
    delisted = ListChange.objects.get(snapshot=second, reference_number="QDi.373")
    assert delisted.kind == ChangeKind.REMOVED

    # A changed entry records which fields changed; both versions stay readable.
    change = ListChange.objects.select_related("entry", "previous_entry").get(
        snapshot=third, reference_number="QDi.306"
    )
    assert change.kind == ChangeKind.CHANGED
    assert "nationalities" in change.changed_fields
    assert change.affects_matching is True
    assert change.previous_entry.nationalities == ["Pakistan", "Saudi Arabian"]
    assert change.entry.nationalities == ["Pakistan", "Saudi Arabia"]

    entries = AuditLog.objects.filter(action="screening.snapshot.load").order_by("id")
    assert [e.after["removed"] for e in entries] == [0, 102, 188]
    assert entries.last().actor == plgu_officer


def test_stored_entry_gives_back_the_engine_entry_the_parser_made():
    parsed = parse_un_xml(sanctions_bytes(LIST_2025))
    snapshot = load(sanctions_bytes(LIST_2025)).snapshot
    stored = {e.reference_number: e.to_list_entry() for e in snapshot.entries.all()}
    assert stored == {entry.key: entry for entry in parsed.entries}


def test_loading_the_same_file_twice_creates_nothing_new():
    first = load(small_list_v1())
    before = state()
    again = load(small_list_v1(), origin="copy.xml")
    assert (first.created, again.created) == (True, False)
    assert again.snapshot == first.snapshot
    assert state() == before
    assert AuditLog.objects.filter(action="screening.snapshot.load").count() == 1


def test_damaged_file_is_refused_and_the_current_snapshot_stays_in_force():
    current = load(sanctions_bytes(LIST_2025)).snapshot
    before = state()
    with pytest.raises(services.ListRefused) as refused:
        load(sanctions_bytes(CORRUPT))
    assert refused.value.code == "not_utf8"
    assert "not valid UTF-8" in refused.value.message
    assert state() == before
    current.refresh_from_db()
    assert current.is_current


def test_list_generated_before_the_current_one_is_refused():
    load(small_list_v2())
    before = state()
    with pytest.raises(services.ListRefused) as refused:
        load(small_list_v1())
    assert refused.value.code == "older_than_current"
    assert state() == before


def test_small_lists_diff_by_reference_number_with_field_changes():
    load(small_list_v1())
    result = load(small_list_v2())
    snapshot = result.snapshot
    changes = {c.reference_number: c for c in snapshot.changes.all()}
    assert {ref: c.kind for ref, c in changes.items()} == {
        "QDi.901": "changed",
        "QDi.902": "removed",
        "QDi.903": "added",
    }
    assert changes["QDi.901"].changed_fields == ["dates_of_birth"]
    assert result.changed_fields == {"dates_of_birth": 1}
    assert (snapshot.added_count, snapshot.changed_count, snapshot.removed_count) == (1, 1, 1)


def test_snapshot_loaded_signal_fires_after_commit_with_the_differences(django_capture_on_commit_callbacks):
    received = []

    def receiver(sender, **kwargs):
        received.append(kwargs)

    snapshot_loaded.connect(receiver)
    try:
        load(small_list_v1())
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            second = load(small_list_v2()).snapshot
        assert received == []  # nothing before commit
        for callback in callbacks:
            callback()
    finally:
        snapshot_loaded.disconnect(receiver)
    assert len(received) == 1
    assert received[0]["snapshot"] == second
    assert received[0]["previous"] == second.previous
    assert (received[0]["added"], received[0]["changed"], received[0]["removed"]) == (
        ["QDi.903"],
        ["QDi.901"],
        ["QDi.902"],
    )
    assert received[0]["matching_changed"] == ["QDi.901"]


def test_failing_signal_receiver_does_not_undo_the_load(django_capture_on_commit_callbacks):
    def broken(sender, **kwargs):
        raise RuntimeError("re-screening is down")

    snapshot_loaded.connect(broken)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            result = load(small_list_v1())
    finally:
        snapshot_loaded.disconnect(broken)
    assert ListSnapshot.objects.get(is_current=True) == result.snapshot


def test_snapshots_and_entries_cannot_be_changed_once_loaded():
    snapshot = load(small_list_v1()).snapshot
    snapshot.entry_count = 1
    with pytest.raises(ImmutableRecord):
        snapshot.save()
    with pytest.raises(ImmutableRecord):
        snapshot.delete()
    entry = snapshot.entries.first()
    entry.full_name = "SOMEONE ELSE"
    with pytest.raises(ImmutableRecord):
        entry.save()
    with pytest.raises(ImmutableRecord):
        ListEntry.objects.filter(snapshot=snapshot).update(full_name="X")
    assert ListEntry.objects.filter(full_name="SOMEONE ELSE").count() == 0


@pytest.mark.parametrize(
    "persona",
    [
        "staff_member",
        "focal_point",
        "legal_officer",
        "sgb_officer",
        "oed_officer",
        "comms_officer",
        "partner_user",
    ],
    indirect=True,
)
def test_only_plgu_and_administrators_may_load_a_list_denied_and_nothing_changed(persona):
    before = state()
    with pytest.raises(NotAllowed):
        load(small_list_v1(), actor=persona)
    assert state() == before


@pytest.mark.parametrize("persona", ["plgu_officer", "administrator"], indirect=True)
def test_plgu_and_administrators_may_load_a_list(persona):
    assert load(small_list_v1(), actor=persona).created


# --- Refresh from the download address ------------------------------------------------------------


class _Server:
    def __init__(self) -> None:
        self.routes: dict[str, tuple[int, bytes]] = {}
        routes = self.routes

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


@pytest.fixture
def list_server() -> Iterator[_Server]:
    with _Server() as server:
        yield server


def point_at(url: str) -> ListSource:
    # Stored directly: the service accepts only https addresses, the test server speaks plain http.
    ListSource.objects.filter(code="un-sc").update(refresh_url=url)
    return un_source()


def test_refresh_downloads_the_list_and_loads_it(list_server, plgu_officer):
    list_server.routes["/consolidated.xml"] = (200, small_list_v1())
    source = point_at(f"{list_server.url}/consolidated.xml")
    result = services.sanctions_list_refresh(source=source, actor=plgu_officer)
    assert result.created
    assert result.snapshot.origin == f"{list_server.url}/consolidated.xml"
    assert result.snapshot.entry_count == 3
    again = services.sanctions_list_refresh(source=source, actor=plgu_officer)
    assert again.created is False
    source.refresh_from_db()
    assert (source.last_refresh_at is not None, source.last_refresh_error) == (True, "")


def test_refresh_of_a_missing_file_is_refused_and_remembered(list_server):
    source = point_at(f"{list_server.url}/gone.xml")
    before = state()
    with pytest.raises(services.ListRefused) as refused:
        services.sanctions_list_refresh(source=source)
    assert refused.value.code == "download_failed"
    assert refused.value.message == "The download failed: the server answered 404 Not Found."
    assert state() == before
    source.refresh_from_db()
    assert source.last_refresh_error == refused.value.message


def test_refresh_of_a_damaged_download_keeps_the_current_snapshot(list_server):
    current = load(sanctions_bytes(LIST_2025)).snapshot
    list_server.routes["/consolidated.xml"] = (200, sanctions_bytes(CORRUPT))
    source = point_at(f"{list_server.url}/consolidated.xml")
    with pytest.raises(services.ListRefused):
        services.sanctions_list_refresh(source=source)
    assert ListSnapshot.objects.get(is_current=True) == current


def test_download_refuses_an_oversized_list(list_server, monkeypatch):
    monkeypatch.setattr(services, "MAX_LIST_BYTES", 100)
    list_server.routes["/big.xml"] = (200, b"x" * 500)
    with pytest.raises(services.ListRefused) as refused:
        services.download_list(f"{list_server.url}/big.xml")
    assert refused.value.code == "too_large"


def test_download_refuses_other_schemes():
    with pytest.raises(services.ListRefused) as refused:
        services.download_list("file:///etc/passwd")
    assert refused.value.code == "bad_url"


def test_refresh_needs_a_download_address():
    ListSource.objects.filter(code="un-sc").update(refresh_url="")
    with pytest.raises(services.ListRefused) as refused:
        services.sanctions_list_refresh(source=un_source())
    assert refused.value.code == "no_url"


def test_refresh_by_staff_member_is_denied_and_nothing_changed(staff_member, list_server):
    list_server.routes["/consolidated.xml"] = (200, small_list_v1())
    source = point_at(f"{list_server.url}/consolidated.xml")
    before = state()
    with pytest.raises(NotAllowed):
        services.sanctions_list_refresh(source=source, actor=staff_member)
    assert state() == before


def test_refresh_job_is_registered_and_switched_off_by_default():
    from partnerhub.core import scheduler
    from partnerhub.screening.jobs import REFRESH_JOB

    assert (
        scheduler.registered()[REFRESH_JOB].task_path == "partnerhub.screening.tasks.refresh_sanctions_lists"
    )
    scheduler.sync_jobs()
    job = PeriodicJob.objects.get(name=REFRESH_JOB)
    assert job.enabled is False
    assert un_source().refresh_enabled is False
    assert REFRESH_JOB not in scheduler.run_due()


def test_refresh_task_loads_only_lists_whose_refresh_is_on(list_server):
    from partnerhub.screening.tasks import refresh_sanctions_lists

    list_server.routes["/consolidated.xml"] = (200, small_list_v1())
    point_at(f"{list_server.url}/consolidated.xml")
    assert refresh_sanctions_lists.call() == {}
    ListSource.objects.filter(code="un-sc").update(refresh_enabled=True)
    outcome = refresh_sanctions_lists.call()
    assert list(outcome) == ["un-sc"]
    assert outcome["un-sc"].startswith("snapshot ")
    assert refresh_sanctions_lists.call() == {"un-sc": outcome["un-sc"] + " (unchanged)"}


# --- Sources --------------------------------------------------------------------------------------


def test_plgu_adds_a_csv_list_and_turns_refresh_on_only_with_an_https_address(plgu_officer):
    source = services.list_source_create(
        actor=plgu_officer, data={"code": "eu-debarred", "name": "Debarred firms", "format": "csv"}
    )
    from partnerhub.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as invalid:
        services.list_source_update(
            actor=plgu_officer,
            source=source,
            data={"refresh_url": "http://example.org/list.csv", "refresh_enabled": True},
            expected_version=source.version,
        )
    assert invalid.value.errors == {"refresh_url": ["Use an https address."]}
    updated = services.list_source_update(
        actor=plgu_officer,
        source=source,
        data={"refresh_url": "https://example.org/list.csv", "refresh_enabled": True},
        expected_version=source.version,
    )
    assert updated.refresh_enabled
    audit = AuditLog.objects.filter(action="screening.source.update").get()
    assert audit.after == {"refresh_url": "https://example.org/list.csv", "refresh_enabled": True}


def test_staff_member_cannot_add_a_list(staff_member):
    with pytest.raises(NotAllowed):
        services.list_source_create(actor=staff_member, data={"code": "x", "name": "X", "format": "csv"})
    assert not ListSource.objects.filter(code="x").exists()


def test_format_of_a_loaded_list_cannot_change(plgu_officer):
    from partnerhub.core.errors import ValidationFailed

    load(small_list_v1())
    source = un_source()
    with pytest.raises(ValidationFailed):
        services.list_source_update(
            actor=plgu_officer, source=source, data={"format": "csv"}, expected_version=source.version
        )


# --- The command ----------------------------------------------------------------------------------


def run(*args: str) -> str:
    out = StringIO()
    call_command("load_sanctions_list", *args, stdout=out)
    return out.getvalue()


def test_command_loads_files_and_prints_the_differences():
    first = run(str(sanctions_path(LIST_2018)))
    assert "1093 entries (703 people, 390 organisations)" in first
    assert "First snapshot of this list" in first
    second = run(str(sanctions_path(LIST_2020)))
    assert "23 added, 596 changed (19 in names, dates of birth or countries), 102 removed." in second
    assert "Changed fields: comments 595," in second
    assert "Nothing new" in run(str(sanctions_path(LIST_2020)))
    snapshot = ListSnapshot.objects.get(is_current=True)
    assert snapshot.loaded_by is None
    assert (
        AuditLog.objects.filter(action="screening.snapshot.load").last().actor_label
        == "manage.py load_sanctions_list"
    )


def test_command_refuses_a_damaged_file_with_a_clear_error():
    with pytest.raises(CommandError, match="The list was not loaded: The file is damaged"):
        run(str(sanctions_path(CORRUPT)))
    assert ListSnapshot.objects.count() == 0


def test_command_lists_row_errors_of_a_csv(tmp_path):
    path = tmp_path / "list.csv"
    path.write_text("name,aliases,kind,birth_date,country,reference\nA,,robot,,,R-1\n", encoding="utf-8")
    with pytest.raises(CommandError) as refused:
        run(str(path), "--source", "local", "--format", "csv")
    assert "Row 2, column “kind”: “robot” is not a kind; use person or organisation." in str(refused.value)


def test_command_adds_a_csv_list_given_its_format(tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(
        b"\xef\xbb\xbfname,aliases,kind,birth_date,country,reference\nACME Ltd,,organisation,,KE,L-1\n"
    )
    out = run(str(path), "--source", "local", "--format", "csv")
    assert "Added the list 'local' (csv)." in out
    assert ListSource.objects.get(code="local").snapshots.get().entry_count == 1


def test_command_needs_a_known_list_or_a_format(tmp_path):
    with pytest.raises(CommandError, match="No list has the code 'nope'"):
        run(str(tmp_path / "x.csv"), "--source", "nope")
    with pytest.raises(CommandError, match="no such file"):
        run(str(tmp_path / "missing.xml"))


def test_command_downloads_from_an_address(list_server):
    list_server.routes["/list.xml"] = (200, small_list_v1())
    assert "3 entries" in run(f"{list_server.url}/list.xml")
