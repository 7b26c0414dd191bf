"""Write paths of the standards engine: enforce a point, resolve an open item, consult the desk."""

from __future__ import annotations

import contextvars
import dataclasses
import datetime
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.core.exceptions import ImproperlyConfigured
from django.db import connections, router, transaction
from django.db.models import F
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.selectors import ChainHead, chain_head, consistency_proof_for, head_after
from ethos.audit.services import Witness, audit_append, checkpoint_witness
from ethos.prepared import prepared

from .catalog import Strength, catalog
from .engine import ActionStopped, Subject, Verdict, clauses_at, consult, evaluate
from .export import FORMATS, report_fingerprint
from .facts import Facts
from .models import OpenItem, ReportCopy, Tally, WitnessCosignature
from .points import Point
from .selectors import compliance_report
from .witness import WitnessRefused, association_witness

ITEM_NOT_YOURS = "This open item belongs to another practice."
ITEM_ALREADY_RESOLVED = "This open item was already resolved."
ITEM_WRONG_RECORD = "This open item is resolved by {expected}, not by a {given} record."
ITEM_NO_RECORD_ID = "Name the record that resolves this open item."
RECORD_TYPE_UNKNOWN = "{name!r} is not a record type; add it to [record_types] in catalog.toml."


class OpenItemInvalid(ValueError):
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


ENFORCE_OUTSIDE_ACTION = (
    "enforce() stopped {point}, but no standards action() was running to keep the finding: "
    "wrap the service's writes in `with action():`."
)

# How many action() blocks are open in this context; only the outermost records a stop.
_action_depth: contextvars.ContextVar[int] = contextvars.ContextVar("ethos_action_depth", default=0)


def _record(*, coach, verdict: Verdict, subject: Subject, stopped: bool = False) -> list[OpenItem]:
    """Write what a verdict owes: tallies, and for a non-clean one its open items and audit event.

    A stopped action about a record it was going to create opens no items: that record never
    came to exist, so nothing could ever resolve them.
    """
    now = timezone.now()
    opened: list[OpenItem] = []
    with transaction.atomic():
        _tally(coach=coach, verdict=verdict, now=now)
        if not verdict.clean:
            if subject.exists or not stopped:
                opened = _open_items(coach=coach, verdict=verdict, subject=subject, now=now)
            details = verdict.as_dict() | {"opened_items": [str(item.pk) for item in opened]}
            audit_append(
                coach=coach,
                action=Action.STANDARDS_FINDING,
                target_type=subject.type,
                target_id=subject.id,
                clauses=verdict.clauses,
                details=details,
            )
    return opened


@contextmanager
def action() -> Iterator[None]:
    """Run a service's writes as one transaction that the standards engine may stop.

    Inside it, `enforce` raises `ActionStopped` when the verdict stops the action. The block's
    writes are then rolled back, the finding (tally, open items, audit event) is written in
    their place, and `ActionStopped` goes on to the caller, which shows `verdict.panel()`.
    Nested actions (an ending that makes a referral) leave the recording to the outermost one.
    The outermost action must not itself run inside a transaction that the stop will roll back
    (a plain `transaction.atomic()` around a service): the finding would go with it.
    """
    depth = _action_depth.get()
    token = _action_depth.set(depth + 1)
    try:
        with transaction.atomic():
            yield
    except ActionStopped as stopped:
        if depth == 0 and not stopped.recorded and stopped.coach is not None:
            _action_depth.reset(token)
            token = None
            _record(coach=stopped.coach, verdict=stopped.verdict, subject=stopped.subject, stopped=True)
            stopped.recorded = True
        raise
    finally:
        if token is not None:
            _action_depth.reset(token)


def enforce(
    *, coach, point: Point | str, facts: Facts, subject: Subject, proceed_despite: Collection[str] = ()
) -> Verdict:
    """Evaluate `facts` at `point` for `coach`; stop the action, or record what it owes and go on.

    Call it first inside the service's `with action():` block. When the verdict stops the action
    (a block, or a requirement the action must wait for), it raises `ActionStopped` carrying the
    verdict; `action()` rolls the block back and writes the finding. Otherwise it writes the
    tallies, the audit event of a non-clean verdict and the open items of follow-up requirements,
    in the caller's transaction, and returns the verdict.

    `proceed_despite` names clauses whose stop is itself the workflow's outcome: an intake that
    S1, S2 or S9 declines is still written, as a declined intake with its referral owed.
    """
    verdict = evaluate(point, facts)
    if any(finding.stops and finding.clause not in proceed_despite for finding in verdict.findings):
        if _action_depth.get() == 0:
            raise ImproperlyConfigured(ENFORCE_OUTSIDE_ACTION.format(point=verdict.point))
        raise ActionStopped(verdict, coach=coach, subject=subject)
    _record(coach=coach, verdict=verdict, subject=subject)
    return verdict


def _known_record_type(name: str) -> None:
    # A misspelt record type would resolve nothing, silently: refuse it as the bug it is.
    if name not in catalog().record_types:
        raise ValueError(RECORD_TYPE_UNKNOWN.format(name=name))


def open_item_resolve(*, coach, item: OpenItem, record_type: str, record_id: str) -> OpenItem:
    """Resolve an open item with the record it named; refuse any other kind of record."""
    _known_record_type(record_type)
    if item.coach_id != coach.pk:
        raise OpenItemInvalid(ITEM_NOT_YOURS)
    if not str(record_id).strip():
        raise OpenItemInvalid(ITEM_NO_RECORD_ID)
    with transaction.atomic():
        item = OpenItem.objects.select_for_update().get(pk=item.pk)
        if not item.is_open:
            raise OpenItemInvalid(ITEM_ALREADY_RESOLVED)
        if record_type not in item.record_type_list:
            expected = " or ".join(item.record_type_list)
            raise OpenItemInvalid(ITEM_WRONG_RECORD.format(expected=expected, given=record_type))
        item.resolved_at = timezone.now()
        item.resolved_record_type = record_type
        item.resolved_record_id = str(record_id)
        item.save(update_fields=["resolved_at", "resolved_record_type", "resolved_record_id"])
        audit_append(
            coach=coach,
            action=Action.STANDARDS_OPEN_ITEM_RESOLVED,
            target_type="open_item",
            target_id=str(item.pk),
            clauses=[item.clause],
            details={"record_type": record_type, "record_id": str(record_id)},
        )
    return item


def open_items_resolve_for(*, coach, subject: Subject, record_type: str, record_id: str) -> list[OpenItem]:
    """Resolve every open item on `subject` that a record of `record_type` answers."""
    _known_record_type(record_type)
    items = OpenItem.objects.for_coach(coach).open().filter(subject_type=subject.type, subject_id=subject.id)
    return [
        open_item_resolve(coach=coach, item=item, record_type=record_type, record_id=record_id)
        for item in items
        if record_type in item.record_type_list
    ]


def desk_consult(*, coach, facts: Facts) -> tuple[Verdict, ...]:
    """Answer an ethics desk question with the workflows' own rules; audit only that it was asked."""
    verdicts = consult(facts)
    audit_append(coach=coach, action=Action.STANDARDS_DESK_CONSULTED)
    return verdicts


def report_exported(*, coach, export_format: str) -> ChainHead:
    """Record that the coach exported the compliance report; return the chain head it left."""
    event = audit_append(
        coach=coach, action=Action.STANDARDS_REPORT_EXPORTED, details={"format": export_format}
    )
    checkpoint_witness(coach=coach, reason=Witness.REPORT)
    return head_after(event)


@dataclass(frozen=True)
class ExportedReport:
    content: bytes
    content_type: str
    generated_at: datetime.datetime


@prepared
def _kept_copy(coach, export_format):
    """The fingerprint and build time of the coach's kept file in `export_format`, as rows (one or none)."""
    return ReportCopy.objects.filter(coach=coach, export_format=export_format).values_list(
        "fingerprint", "built_at"
    )


def report_export(*, coach, export_format: str) -> ExportedReport:
    """Record the export and return the report file, built anew only when its facts changed.

    A new build carries the chain head including its own export event. While the report's facts
    stay the same on the same day (client pages viewed, sign-ins and downloads only grow the log),
    the file kept from that build is returned as it is: it says when it was generated and which
    checkpoint it rests on, and everything else in it is what a new build would say.
    """
    content_type, build = FORMATS[export_format]
    now = timezone.now()
    report = compliance_report(coach=coach, now=now)
    fingerprint = report_fingerprint(report)
    copies = ReportCopy.objects.filter(coach=coach, export_format=export_format)
    # The file itself is read only when it is the one returned.
    copy = next(iter(_kept_copy(coach, export_format)), None)
    head = report_exported(coach=coach, export_format=export_format)
    if copy is not None and copy[0] == fingerprint and timezone.localdate(copy[1]) == timezone.localdate(now):
        kept = copies.filter(fingerprint=fingerprint).values_list("content", flat=True).first()
        if kept is not None:  # else another download replaced it since: build it anew
            return ExportedReport(bytes(kept), content_type, copy[1])
    report = dataclasses.replace(report, chain=head)
    content = build(report)
    kept = {"fingerprint": fingerprint, "head_size": report.chain.size, "built_at": now, "content": content}
    # One UPDATE when there is a copy to replace; update_or_create settles a first export's race.
    if copy is None or not _copy_replace(coach, export_format, kept):
        ReportCopy.objects.update_or_create(coach=coach, export_format=export_format, defaults=kept)
    return ExportedReport(content, content_type, now)


# The model's table and columns, as tests/test_page_costs.py checks.
_COPY_REPLACE = (
    "UPDATE standards_reportcopy SET fingerprint = %s, head_size = %s, built_at = %s, content = %s "
    "WHERE coach_id = %s AND export_format = %s"
)


def _copy_replace(coach, export_format: str, kept: dict) -> int:
    """Replace the coach's kept file in `export_format` with `kept`; return how many rows changed (0 or 1).

    Written in SQL, as `copies.update(**kept)` would write it: the ORM took longer to build the
    statement than the database to run it, on every new build of the report.
    """
    connection = connections[router.db_for_write(ReportCopy)]
    field = ReportCopy._meta.get_field
    params = [field(name).get_db_prep_save(kept[name], connection) for name in ReportCopy.KEPT]
    params += [field("coach").get_db_prep_save(coach.pk, connection), export_format]
    with connection.cursor() as cursor:
        cursor.execute(_COPY_REPLACE, params)
        return cursor.rowcount


NO_WITNESS = "No association receives compliance reports on this installation, so nothing was sent."
NO_CHECKPOINT = (
    "Your audit log has no signed checkpoint yet, so there is nothing for the association to witness."
)


def report_submit(*, coach) -> WitnessCosignature:
    """Send the coach's signed audit checkpoint to the association's witness; keep its cosignature.

    The submission is the checkpoint (origin, size, root hash, the practice's signature) and, from
    the second report on, the RFC 9162 consistency proof from the size the association last saw,
    built from the stored log. Nothing in it names a client. Raises WitnessRefused, with the
    witness's reason, when the association will not cosign.
    """
    witness = association_witness()
    if witness is None:
        raise WitnessRefused(NO_WITNESS)
    head = chain_head(coach)
    if not head.checkpoint:
        raise WitnessRefused(NO_CHECKPOINT)
    known = witness.known_size(coach)
    # A log smaller than what the association saw has no proof to give: the witness says so.
    proof = consistency_proof_for(coach, known, head.size) if 0 < known <= head.size else []
    cosigned = witness.add_checkpoint(
        coach=coach, old_size=known, proof=proof or [], checkpoint=head.checkpoint
    )
    with transaction.atomic():
        kept = WitnessCosignature.objects.create(
            coach=coach,
            size=cosigned.size,
            witness_name=cosigned.witness_name,
            note=cosigned.note,
            witnessed_at=cosigned.witnessed_at,
        )
        audit_append(
            coach=coach,
            action=Action.REPORT_WITNESSED,
            details={"size": cosigned.size, "witness": cosigned.witness_name},
        )
        checkpoint_witness(coach=coach, reason=Witness.REPORT)
    return kept
