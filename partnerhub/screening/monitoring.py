"""Ongoing screening: screen partners and the people at them against every current list, raise alerts for
PLGU to review, and record the decisions.

The rules (issue 4, "Monitoring"):

- every screening writes a `ScreeningCheck` for its subject, clear or not;
- each hit at or above the threshold becomes an open `ScreeningAlert`, unless an open alert for the same
  subject and listed party exists, or a decided one (confirmed or dismissed) for the same entry *content*:
  a changed list entry raises the hit again;
- no previous check is ever consulted to suppress a hit: an older "clear" never hides a new one;
- decisions need a reason, PLGU or an administrator, and the version the reviewer saw.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import logging
import threading
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from django.utils.translation import gettext as _

from partnerhub.core.audit import audit
from partnerhub.core.errors import ConcurrentEdit, NotAllowed, ValidationFailed
from partnerhub.registry.choices import PartnerKind
from partnerhub.registry.models import Contact, ContactRole, Partner
from partnerhub.registry.states import PartnerStatus
from partnerhub.screening.matching.engine import ALGORITHM_VERSION, DEFAULT_THRESHOLD, Matcher
from partnerhub.screening.matching.types import Hit, Kind, Query
from partnerhub.screening.models import ListEntry, ListSnapshot
from partnerhub.screening.models_monitoring import (
    ALERT_TRANSITIONS,
    AlertStatus,
    CheckOutcome,
    RunStatus,
    ScreeningAlert,
    ScreeningCheck,
    ScreeningRun,
    SubjectKind,
    Trigger,
)
from partnerhub.screening.permissions_monitoring import can_decide_screening_alert, can_screen_now

log = logging.getLogger(__name__)

# Sent (sender=ScreeningAlert) after the transaction that raised an alert commits, with `alert`, the new
# open ScreeningAlert. For later apps (due diligence); receivers must be quick and must not raise.
alert_raised = Signal()

# Hits looked at per subject: more than one listed party can match a name.
HIT_LIMIT = 5
# Organisations' acronyms are screened as another name only from this length: "UCLG" can be meaningful,
# "AU" or "HIC" match too many listed names by their initials.
MIN_ACRONYM = 4
# A re-screen writes and commits this many subjects at a time, then reports progress.
CHUNK = 200
ERASED_NAME = "[erased]"


# --- The current lists, as one matcher per process ------------------------------------------------


@dataclass(frozen=True)
class CurrentLists:
    """The matcher over every current snapshot's entries, and which snapshots those are."""

    signature: tuple[tuple[int, str], ...]  # (snapshot id, sha256) of each current snapshot
    matcher: Matcher
    # The engine's entry key ("<snapshot id>:<reference>") → (snapshot id, reference number).
    refs: dict[str, tuple[int, str]]

    @property
    def snapshot_ids(self) -> list[int]:
        return [pk for pk, _sha in self.signature]

    @property
    def key(self) -> str:
        return ",".join(str(pk) for pk in self.snapshot_ids)


_lock = threading.Lock()
_cached: CurrentLists | None = None

_ENTRY_FIELDS = (
    "id",
    "snapshot_id",
    "reference_number",
    "kind",
    "list_type",
    "full_name",
    "aliases",
    "original_script_name",
    "dates_of_birth",
    "nationalities",
    "addresses",
)


def current_lists() -> CurrentLists | None:
    """The matcher for the snapshots current now (all lists), or None when no list is loaded.

    Cached per process and rebuilt when the set of current snapshots changes. The signature includes
    each snapshot's SHA-256, so a reused id (tests roll back) never serves another list's entries.
    """
    global _cached  # noqa: PLW0603 - the per-process cache
    signature = tuple(
        (pk, sha)
        for pk, sha in ListSnapshot.objects.filter(is_current=True).order_by("pk").values_list("pk", "sha256")
    )
    if not signature:
        return None
    with _lock:
        if _cached is not None and _cached.signature == signature:
            return _cached
        entries = []
        refs: dict[str, tuple[int, str]] = {}
        rows = ListEntry.objects.filter(snapshot_id__in=[pk for pk, _sha in signature]).only(*_ENTRY_FIELDS)
        for row in rows.order_by("snapshot_id", "id").iterator(chunk_size=2000):
            key = f"{row.snapshot_id}:{row.reference_number}"
            entries.append(dataclasses.replace(row.to_list_entry(), key=key))
            refs[key] = (row.snapshot_id, row.reference_number)
        _cached = CurrentLists(
            signature=signature, matcher=Matcher(entries, threshold=DEFAULT_THRESHOLD), refs=refs
        )
        return _cached


# --- Subjects: what is screened for a partner or a person -----------------------------------------


@dataclass(frozen=True)
class Subject:
    """One thing to screen: a partner (contact None) or a person with a current role at that partner."""

    partner: Partner
    contact: Contact | None
    kind: Kind
    is_key_person: bool
    query: Query

    @property
    def names(self) -> list[str]:
        return [self.query.name, *self.query.aliases]

    @property
    def names_hash(self) -> str:
        q = self.query
        payload = [
            q.kind,
            q.name,
            sorted(q.aliases),
            q.country or "",
            q.nationality or "",
            q.birth_date or "",
        ]
        return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def partner_subject(partner: Partner, other_names: Iterable[str] | None = None) -> Subject:
    """The partner as a query: its name, its acronym (from four letters) and other names as aliases, and
    its country. An individual partner is screened as a person, with the country as nationality."""
    if other_names is None:
        other_names = partner.names.values_list("name", flat=True)
    aliases = [n for n in other_names if n and n.strip()]
    country = partner.country_id or None
    if partner.kind == PartnerKind.INDIVIDUAL:
        query = Query(
            name=partner.name, kind="person", nationality=country, aliases=tuple(dict.fromkeys(aliases))
        )
        return Subject(partner=partner, contact=None, kind="person", is_key_person=False, query=query)
    if len(partner.acronym.strip()) >= MIN_ACRONYM:
        aliases.append(partner.acronym.strip())
    query = Query(
        name=partner.name,
        kind="organisation",
        country=country,
        aliases=tuple(a for a in dict.fromkeys(aliases) if a != partner.name),
    )
    return Subject(partner=partner, contact=None, kind="organisation", is_key_person=False, query=query)


def contact_subject(contact: Contact, partner: Partner, *, is_key_person: bool) -> Subject | None:
    """A person as a query: given and family name. No nationality: the partner's country is not theirs.

    None for an erased person, or one with no name left to screen."""
    name = " ".join(p for p in (contact.given_name.strip(), contact.family_name.strip()) if p)
    if contact.erased_at or not name or name == ERASED_NAME:
        return None
    query = Query(name=name, kind="person")
    return Subject(partner=partner, contact=contact, kind="person", is_key_person=is_key_person, query=query)


def _current_roles(partner_ids: Sequence[int] | None = None, contact_id: int | None = None) -> Q:
    today = timezone.localdate()
    q = Q(contact__erased_at__isnull=True) & (Q(end_date__isnull=True) | Q(end_date__gte=today))
    if partner_ids is not None:
        q &= Q(partner_id__in=partner_ids)
    if contact_id is not None:
        q &= Q(contact_id=contact_id)
    return q


def people_subjects(partners: Sequence[Partner], contact_id: int | None = None) -> list[Subject]:
    """The people with a current role at these partners (one subject per person and partner; a key person
    if any of their roles there is)."""
    by_id = {p.pk: p for p in partners}
    key_person: dict[tuple[int, int], bool] = defaultdict(bool)
    contacts: dict[int, Contact] = {}
    roles = ContactRole.objects.filter(_current_roles(list(by_id), contact_id)).select_related("contact")
    for role in roles.order_by("partner_id", "contact_id", "pk"):
        contacts[role.contact_id] = role.contact
        key = (role.partner_id, role.contact_id)
        key_person[key] = key_person[key] or role.is_key_person
    subjects = []
    for (partner_id, cid), is_key in key_person.items():
        subject = contact_subject(contacts[cid], by_id[partner_id], is_key_person=is_key)
        if subject is not None:
            subjects.append(subject)
    return subjects


# --- Screening ------------------------------------------------------------------------------------


@dataclass
class ScreeningResult:
    """What one screening call wrote."""

    checks: list[ScreeningCheck] = field(default_factory=list)
    alerts: list[ScreeningAlert] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return (
            CheckOutcome.ALERT
            if any(c.outcome == CheckOutcome.ALERT for c in self.checks)
            else CheckOutcome.CLEAR
        )


def _subject_filter(subject: Subject) -> Q:
    if subject.contact is None:
        return Q(partner_id=subject.partner.pk, contact__isnull=True)
    return Q(partner_id=subject.partner.pk, contact_id=subject.contact.pk)


def _announce(alert: ScreeningAlert) -> None:
    for receiver, response in alert_raised.send_robust(sender=ScreeningAlert, alert=alert):
        if isinstance(response, Exception):
            log.error("alert_raised receiver %r failed: %s", receiver, response, exc_info=response)


def _raise_alerts(
    subject: Subject, check: ScreeningCheck, hits: list[Hit], lists: CurrentLists
) -> list[ScreeningAlert]:
    wanted = [(hit, lists.refs[hit.entry_key]) for hit in hits if hit.entry_key in lists.refs]
    if not wanted:
        return []
    where = Q()
    for _hit, (snapshot_id, reference) in wanted:
        where |= Q(snapshot_id=snapshot_id, reference_number=reference)
    entries = {
        (e.snapshot_id, e.reference_number): e
        for e in ListEntry.objects.filter(where).only("id", "snapshot_id", "reference_number", "content_hash")
    }
    earlier: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for status, reference, entry_hash in ScreeningAlert.objects.filter(
        _subject_filter(subject), reference_number__in=[ref for _h, (_s, ref) in wanted]
    ).values_list("status", "reference_number", "entry_hash"):
        earlier[reference].append((status, entry_hash))
    raised = []
    for hit, (snapshot_id, reference) in wanted:
        entry = entries.get((snapshot_id, reference))
        if entry is None:
            continue
        seen = earlier[reference]
        if any(status == AlertStatus.OPEN for status, _h in seen):
            continue  # already waiting for review
        if any(entry_hash == entry.content_hash for _s, entry_hash in seen):
            continue  # decided for exactly this content of the entry
        alert = ScreeningAlert(
            partner=subject.partner,
            contact=subject.contact,
            subject_name=subject.query.name[:600],
            snapshot_id=snapshot_id,
            entry=entry,
            reference_number=reference,
            entry_hash=entry.content_hash,
            score=max(0.0, min(1.0, round(hit.score, 4))),
            matched_name=hit.matched_name[:600],
            explanation=hit.explanation,
            algorithm_version=hit.algorithm_version,
            raised_by_check=check,
        )
        try:
            with transaction.atomic():
                alert.save()
        except IntegrityError:
            continue  # raised a moment ago by another process: the open-alert constraint kept one
        earlier[reference].append((AlertStatus.OPEN, entry.content_hash))
        audit(
            "screening.alert.raise",
            target=subject.partner,
            after={
                "alert": alert.pk,
                "reference_number": reference,
                "score": alert.score,
                # A person is named by number only: the audit log is append-only (ADR 0007).
                "contact": subject.contact.pk if subject.contact else None,
                "key_person": subject.is_key_person,
            },
        )
        transaction.on_commit(lambda alert=alert: _announce(alert))  # type: ignore[misc]
        raised.append(alert)
    return raised


def _record(
    subject: Subject, hits: list[Hit], lists: CurrentLists, trigger: str, run: ScreeningRun | None
) -> tuple[ScreeningCheck, list[ScreeningAlert]]:
    alert_hits = [h for h in hits if h.decision == "alert"]
    check = ScreeningCheck.objects.create(
        partner=subject.partner,
        contact=subject.contact,
        subject_kind=SubjectKind.PERSON if subject.kind == "person" else SubjectKind.ORGANISATION,
        is_key_person=subject.is_key_person,
        names=subject.names,
        names_hash=subject.names_hash,
        snapshot_ids=lists.snapshot_ids,
        snapshots_key=lists.key,
        algorithm_version=ALGORITHM_VERSION,
        outcome=CheckOutcome.ALERT if alert_hits else CheckOutcome.CLEAR,
        hit_count=len(alert_hits),
        trigger=trigger,
        run=run,
    )
    return check, _raise_alerts(subject, check, alert_hits, lists)


def screen_subjects(
    subjects: Sequence[Subject],
    *,
    trigger: str,
    run: ScreeningRun | None = None,
    lists: CurrentLists | None = None,
) -> ScreeningResult:
    """Screen each subject against the current lists, write its check and raise its alerts (one
    transaction). Nothing is written when no list is loaded."""
    lists = lists or current_lists()
    result = ScreeningResult()
    if lists is None or not subjects:
        return result
    hits_per_subject = list(lists.matcher.screen_many([s.query for s in subjects], limit=HIT_LIMIT))
    with transaction.atomic():
        for subject, hits in zip(subjects, hits_per_subject, strict=True):
            check, alerts = _record(subject, hits, lists, trigger, run)
            result.checks.append(check)
            result.alerts.extend(alerts)
    return result


def screen_partner(
    *, partner: Partner, trigger: str, actor: Any = None, include_people: bool = False
) -> ScreeningResult:
    """Screen a partner (and, with `include_people`, everyone with a current role there).

    `actor` None is the system (a trigger or a job); a user must be PLGU or an administrator and the
    screening is audited on the partner."""
    if actor is not None and not can_screen_now(actor):
        raise NotAllowed(
            _("Only the Partnerships and Local Government Unit and administrators can screen on request.")
        )
    subjects = [partner_subject(partner)]
    if include_people:
        subjects += people_subjects([partner])
    result = screen_subjects(subjects, trigger=trigger)
    if actor is not None:
        audit(
            "screening.partner.screen",
            target=partner,
            after={
                "outcome": result.outcome if result.checks else "no_list",
                "checks": len(result.checks),
                "alerts_raised": len(result.alerts),
            },
        )
    return result


def screen_contact(*, contact: Contact, partner: Partner, trigger: str = Trigger.CONTACT) -> ScreeningResult:
    """Screen a person with a current role at `partner` (nothing for an erased person or a past role)."""
    subjects = people_subjects([partner], contact_id=contact.pk)
    return screen_subjects(subjects, trigger=trigger)


def _latest_check(subject: Subject) -> ScreeningCheck | None:
    return (
        ScreeningCheck.objects.filter(_subject_filter(subject))
        .only("names_hash", "snapshots_key", "algorithm_version")
        .order_by("-checked_at", "-id")
        .first()
    )


def _unchanged(subject: Subject, lists: CurrentLists) -> bool:
    """Whether the subject's last check screened the same query against the same lists with the same
    engine. Only then may a trigger skip it; a clear result alone never does."""
    last = _latest_check(subject)
    return (
        last is not None
        and last.names_hash == subject.names_hash
        and last.snapshots_key == lists.key
        and last.algorithm_version == ALGORITHM_VERSION
    )


def screen_partner_if_changed(*, partner_id: int, trigger: str) -> ScreeningResult:
    """For triggers: screen a partner whose names, country or kind changed since its last check (or that
    was never checked against the current lists). Merged and archived partners are left alone."""
    lists = current_lists()
    partner = (
        Partner.objects.filter(pk=partner_id, merged_into__isnull=True)
        .exclude(status=PartnerStatus.ARCHIVED)
        .first()
    )
    if lists is None or partner is None:
        return ScreeningResult()
    subject = partner_subject(partner)
    last = _latest_check(subject)
    if _unchanged(subject, lists):
        return ScreeningResult()
    if trigger != Trigger.CREATE and last is None:
        trigger = Trigger.CATCH_UP
    return screen_subjects([subject], trigger=trigger, lists=lists)


def screen_contact_if_changed(*, contact_id: int, partner_id: int | None = None) -> ScreeningResult:
    """For triggers: screen a person at each partner where they hold a current role (or at one partner),
    where their name changed since the last check or the lists did."""
    lists = current_lists()
    if lists is None:
        return ScreeningResult()
    partners = Partner.objects.filter(merged_into__isnull=True).exclude(status=PartnerStatus.ARCHIVED)
    roles = ContactRole.objects.filter(_current_roles(contact_id=contact_id))
    if partner_id is not None:
        roles = roles.filter(partner_id=partner_id)
    chosen = list(partners.filter(pk__in=roles.values("partner_id")))
    subjects = [s for s in people_subjects(chosen, contact_id=contact_id) if not _unchanged(s, lists)]
    return screen_subjects(subjects, trigger=Trigger.CONTACT, lists=lists)


# --- Decisions ------------------------------------------------------------------------------------


def _decide(
    *, alert: ScreeningAlert, actor: Any, reason: str, expected_version: int, status: str, action: str
) -> ScreeningAlert:
    if not can_decide_screening_alert(actor):
        raise NotAllowed(
            _(
                "Only the Partnerships and Local Government Unit and administrators can decide screening alerts."
            )
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed({"reason": [_("Give the reason for this decision.")]})
    current = ScreeningAlert.objects.select_for_update().select_related("partner").get(pk=alert.pk)
    if current.version != expected_version:
        raise ConcurrentEdit()
    ALERT_TRANSITIONS.check(current.status, status)
    before = current.status
    current.status = status
    current.decided_by = actor if getattr(actor, "pk", None) else None
    current.decided_at = timezone.now()
    current.reason = reason[:2000]
    current.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    audit(
        action,
        target=current.partner,
        before={"status": before},
        after={
            "status": status,
            "alert": current.pk,
            "reference_number": current.reference_number,
            "contact": current.contact_id,
        },
        note=current.reason,
    )
    return current


@transaction.atomic
def alert_confirm(*, alert: ScreeningAlert, actor: Any, reason: str, expected_version: int) -> ScreeningAlert:
    """Record that the partner or person is the listed party (PLGU and administrators; reason required)."""
    return _decide(
        alert=alert,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        status=AlertStatus.CONFIRMED,
        action="screening.alert.confirm",
    )


@transaction.atomic
def alert_dismiss(*, alert: ScreeningAlert, actor: Any, reason: str, expected_version: int) -> ScreeningAlert:
    """Record that the hit is a false positive; it is not raised again unless the list entry changes."""
    return _decide(
        alert=alert,
        actor=actor,
        reason=reason,
        expected_version=expected_version,
        status=AlertStatus.DISMISSED,
        action="screening.alert.dismiss",
    )


# --- Re-screening everyone ------------------------------------------------------------------------

# A queued or running run older than this is taken to have died with its worker.
RUN_STALE_AFTER = dt.timedelta(hours=6)


def _enqueue_run(run_id: int) -> None:
    from partnerhub.screening.tasks_monitoring import rescreen_everyone

    result = rescreen_everyone.enqueue(run_id=run_id)
    ScreeningRun.objects.filter(pk=run_id, task_id="").update(task_id=str(result.id)[:64])


def rescreen_for_snapshot(*, snapshot: ListSnapshot) -> ScreeningRun:
    """The run that re-screens everyone after `snapshot` became current; created and enqueued once."""
    with transaction.atomic():
        run, created = ScreeningRun.objects.get_or_create(snapshot=snapshot, trigger=Trigger.SNAPSHOT)
        if created:
            audit("screening.run.start", target=run, after={"snapshot": snapshot.pk, "trigger": run.trigger})
            transaction.on_commit(lambda: _enqueue_run(run.pk))
    return run


@transaction.atomic
def rescreen_start(*, actor: Any) -> ScreeningRun:
    """Re-screen everyone now (PLGU and administrators), or return the run already under way."""
    if not can_screen_now(actor):
        raise NotAllowed(
            _("Only the Partnerships and Local Government Unit and administrators can re-screen everyone.")
        )
    active = (
        ScreeningRun.objects.select_for_update()
        .filter(
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING],
            requested_at__gte=timezone.now() - RUN_STALE_AFTER,
        )
        .first()
    )
    if active is not None:
        return active
    run = ScreeningRun.objects.create(
        trigger=Trigger.MANUAL, requested_by=actor if getattr(actor, "pk", None) else None
    )
    audit("screening.run.start", target=run, after={"trigger": run.trigger})
    transaction.on_commit(lambda: _enqueue_run(run.pk))
    return run


def _everyone() -> Any:
    return (
        Partner.objects.filter(merged_into__isnull=True)
        .exclude(status=PartnerStatus.ARCHIVED)
        .select_related(None)
        .only("id", "name", "acronym", "kind", "country_id", "status", "merged_into_id")
        .order_by("pk")
    )


def _names_by_partner(partner_ids: Sequence[int]) -> dict[int, list[str]]:
    from partnerhub.registry.models import PartnerName

    names: dict[int, list[str]] = defaultdict(list)
    for pid, name in PartnerName.objects.filter(partner_id__in=partner_ids).values_list("partner_id", "name"):
        names[pid].append(name)
    return names


def rescreen_run(*, run_id: int) -> int:
    """Screen every partner that is not merged or archived, and their current people, in chunks, updating
    the run's progress. Safe to run twice: subjects already checked in this run are skipped, and the
    open-alert constraint keeps alerts single. Returns the alerts raised by this call."""
    run = ScreeningRun.objects.filter(pk=run_id).first()
    if run is None or run.status == RunStatus.DONE:
        return 0
    lists = current_lists()
    partners = _everyone()
    total = (
        partners.count()
        + ContactRole.objects.filter(_current_roles(), partner__in=partners.values("pk"))
        .values("partner_id", "contact_id")
        .distinct()
        .count()
    )
    ScreeningRun.objects.filter(pk=run_id).update(
        status=RunStatus.RUNNING, started_at=run.started_at or timezone.now(), total=total, error=""
    )
    raised = 0
    try:
        if lists is not None:
            done_before = set(
                ScreeningCheck.objects.filter(run_id=run_id).values_list("partner_id", "contact_id")
            )
            last_pk = 0
            while True:
                chunk = list(partners.filter(pk__gt=last_pk)[:CHUNK])
                if not chunk:
                    break
                last_pk = chunk[-1].pk
                names = _names_by_partner([p.pk for p in chunk])
                subjects = [partner_subject(p, names.get(p.pk, [])) for p in chunk]
                subjects += people_subjects(chunk)
                todo = [
                    s
                    for s in subjects
                    if (s.partner.pk, s.contact.pk if s.contact else None) not in done_before
                ]
                result = screen_subjects(todo, trigger=run.trigger, run=run, lists=lists)
                raised += len(result.alerts)
                done = ScreeningCheck.objects.filter(run_id=run_id).count()
                alerts = ScreeningAlert.objects.filter(raised_by_check__run_id=run_id).count()
                ScreeningRun.objects.filter(pk=run_id).update(done=done, alerts_raised=alerts)
        done = ScreeningCheck.objects.filter(run_id=run_id).count()
        ScreeningRun.objects.filter(pk=run_id).update(
            status=RunStatus.DONE, done=done, total=max(total, done), finished_at=timezone.now()
        )
    except Exception as exc:
        ScreeningRun.objects.filter(pk=run_id).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    return raised


# --- Catch-up: subjects the triggers did not see (bulk imports, lost tasks) -----------------------

CATCH_UP_BATCH = 500


def catch_up(*, batch: int = CATCH_UP_BATCH) -> int:
    """Screen up to `batch` partners and `batch` people changed since their last check, never checked,
    or last checked against other lists. Returns the number of subjects screened."""
    from django.db.models import F, OuterRef, Subquery

    lists = current_lists()
    if lists is None:
        return 0
    last_partner = ScreeningCheck.objects.filter(partner_id=OuterRef("pk"), contact__isnull=True).order_by(
        "-checked_at", "-id"
    )
    partners = list(
        _everyone()
        .annotate(
            last_at=Subquery(last_partner.values("checked_at")[:1]),
            last_key=Subquery(last_partner.values("snapshots_key")[:1]),
        )
        .filter(Q(last_at__isnull=True) | Q(updated_at__gt=F("last_at")) | ~Q(last_key=lists.key))[:batch]
    )
    names = _names_by_partner([p.pk for p in partners])
    subjects = [partner_subject(p, names.get(p.pk, [])) for p in partners]

    last_person = ScreeningCheck.objects.filter(
        partner_id=OuterRef("partner_id"), contact_id=OuterRef("contact_id")
    ).order_by("-checked_at", "-id")
    roles = list(
        ContactRole.objects.filter(_current_roles(), partner__in=_everyone().values("pk"))
        .annotate(
            last_at=Subquery(last_person.values("checked_at")[:1]),
            last_key=Subquery(last_person.values("snapshots_key")[:1]),
        )
        .filter(
            Q(last_at__isnull=True)
            | Q(updated_at__gt=F("last_at"))
            | Q(contact__updated_at__gt=F("last_at"))
            | ~Q(last_key=lists.key)
        )
        .order_by("partner_id", "contact_id")
        .values_list("partner_id", "contact_id")
        .distinct()[:batch]
    )
    if roles:
        people_partners = list(_everyone().filter(pk__in={pid for pid, _c in roles}))
        wanted = set(roles)
        subjects += [
            s
            for s in people_subjects(people_partners)
            if s.contact is not None and (s.partner.pk, s.contact.pk) in wanted
        ]
    return len(screen_subjects(subjects, trigger=Trigger.CATCH_UP, lists=lists).checks)


# --- Erasure --------------------------------------------------------------------------------------


def forget_contact(*, contact_id: int) -> int:
    """Blank an erased person's names in their checks and alerts (the decisions and dates stay).

    Bookkeeping after the registry's erasure, so it writes with `update()`: `subject_name` and
    `explanation` are not in the alerts' history. Returns the rows changed."""
    changed = ScreeningCheck.objects.filter(contact_id=contact_id).update(names=[ERASED_NAME])
    changed += (
        ScreeningAlert.objects.filter(contact_id=contact_id)
        .exclude(subject_name=ERASED_NAME)
        .update(subject_name=ERASED_NAME, explanation="")
    )
    return changed
