"""Write paths of the standards engine: enforce a point, resolve an open item, consult the desk."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from ethos.audit.services import audit_append

from .catalog import Strength
from .engine import Subject, Verdict, clauses_at, consult, evaluate
from .facts import Facts
from .models import OpenItem, Tally
from .points import Point

ITEM_NOT_YOURS = "This open item belongs to another practice."
ITEM_ALREADY_RESOLVED = "This open item was already resolved."
ITEM_WRONG_RECORD = "This open item is resolved by {expected}, not by a {given} record."
ITEM_NO_RECORD_ID = "Name the record that resolves this open item."


class OpenItemRefused(ValueError):
    """An open item cannot be resolved this way; the message says why."""


def _tally(*, coach, verdict: Verdict, now) -> None:
    for clause in clauses_at(verdict.point):
        strengths = {finding.strength for finding in verdict.findings if finding.clause == clause}
        Tally.objects.get_or_create(coach=coach, clause=clause, point=verdict.point.value)
        # int(): PostgreSQL has no integer + boolean, where SQLite quietly adds 1 or 0.
        changes = {
            "checked": F("checked") + 1,
            "blocked": F("blocked") + int(Strength.BLOCK in strengths),
            "required": F("required") + int(Strength.REQUIRE in strengths),
            "warned": F("warned") + int(Strength.WARN in strengths),
            "recorded": F("recorded") + int(Strength.RECORD in strengths),
        }
        if Strength.WARN in strengths:
            changes["last_warned_at"] = now
        Tally.objects.filter(coach=coach, clause=clause, point=verdict.point.value).update(**changes)


def _open_items(*, coach, verdict: Verdict, subject: Subject, now) -> list[OpenItem]:
    opened = []
    for finding in verdict.requires:
        item, created = OpenItem.objects.get_or_create(
            coach=coach,
            clause=finding.clause,
            subject_type=subject.type,
            subject_id=subject.id,
            record_types=",".join(finding.records),
            resolved_at=None,
            defaults={
                "point": verdict.point.value,
                "message": finding.message,
                "resolution": finding.resolution,
                "follow_up": finding.follow_up,
                "opened_at": now,
            },
        )
        if created:
            opened.append(item)
    return opened


def enforce(*, coach, point: Point | str, facts: Facts, subject: Subject) -> Verdict:
    """Evaluate `facts` at `point` for `coach`; audit a non-clean verdict and open unmet requirements.

    It joins the caller's transaction and never raises for a stopped action: the caller writes
    nothing when `not verdict.allowed`, lets its transaction commit (so the audit event and the
    open items are kept), and then calls `verdict.raise_if_stopped()` or renders `verdict.panel()`.
    """
    verdict = evaluate(point, facts)
    now = timezone.now()
    with transaction.atomic():
        _tally(coach=coach, verdict=verdict, now=now)
        if not verdict.clean:
            opened = _open_items(coach=coach, verdict=verdict, subject=subject, now=now)
            details = verdict.as_dict() | {"opened_items": [str(item.pk) for item in opened]}
            audit_append(
                coach=coach,
                action="standards.finding",
                target_type=subject.type,
                target_id=subject.id,
                clauses=verdict.clauses,
                details=details,
            )
    return verdict


def open_item_resolve(*, coach, item: OpenItem, record_type: str, record_id: str) -> OpenItem:
    """Resolve an open item with the record it named; refuse any other kind of record."""
    if item.coach_id != coach.pk:
        raise OpenItemRefused(ITEM_NOT_YOURS)
    if not str(record_id).strip():
        raise OpenItemRefused(ITEM_NO_RECORD_ID)
    with transaction.atomic():
        item = OpenItem.objects.select_for_update().get(pk=item.pk)
        if not item.is_open:
            raise OpenItemRefused(ITEM_ALREADY_RESOLVED)
        if record_type not in item.record_type_list:
            expected = " or ".join(item.record_type_list)
            raise OpenItemRefused(ITEM_WRONG_RECORD.format(expected=expected, given=record_type))
        item.resolved_at = timezone.now()
        item.resolved_record_type = record_type
        item.resolved_record_id = str(record_id)
        item.save(update_fields=["resolved_at", "resolved_record_type", "resolved_record_id"])
        audit_append(
            coach=coach,
            action="standards.open_item_resolved",
            target_type="open_item",
            target_id=str(item.pk),
            clauses=[item.clause],
            details={"record_type": record_type, "record_id": str(record_id)},
        )
    return item


def open_items_resolve_for(*, coach, subject: Subject, record_type: str, record_id: str) -> list[OpenItem]:
    """Resolve every open item on `subject` that a record of `record_type` answers."""
    items = OpenItem.objects.for_coach(coach).open().filter(subject_type=subject.type, subject_id=subject.id)
    return [
        open_item_resolve(coach=coach, item=item, record_type=record_type, record_id=record_id)
        for item in items
        if record_type in item.record_type_list
    ]


def desk_consult(*, coach, facts: Facts) -> tuple[Verdict, ...]:
    """Answer an ethics desk question with the workflows' own rules; audit only that it was asked."""
    verdicts = consult(facts)
    audit_append(coach=coach, action="standards.desk_consulted")
    return verdicts


def report_exported(*, coach, export_format: str) -> None:
    """Record that the coach exported the compliance report."""
    audit_append(coach=coach, action="standards.report_exported", details={"format": export_format})
