"""Mandatory reports (C3): the task a disclosure of abuse opens, the report that alone closes it,
and the recorded reason that closes a checker flag which was never a disclosure.

A task is opened by the coach ("a disclosure of abuse was made") or from a note's C3 flag that
the coach judges a disclosure. It has a deadline (ETHOS_REPORT_DEADLINE_HOURS, or a jurisdiction's
shorter one) and stays on every page until the report is recorded. The report is itself a
disclosure, through the gate, with a mandatory-report basis; recording it resolves the C3 open
items of the task, its note and its client. A flag is dismissed only while no task names its note:
a disclosure is never dismissed.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.clients.models import Client
from ethos.coaching.models import SessionNote
from ethos.coaching.notes import SUBJECT_TYPE as NOTE_SUBJECT
from ethos.practice.jurisdictions import report_deadline_hours
from ethos.practice.models import PracticeProfile
from ethos.standards.engine import Subject
from ethos.standards.facts import AtRisk as AtRiskFact
from ethos.standards.facts import Facts
from ethos.standards.models import OpenItem
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_item_resolve, open_items_resolve_for

from .models import AtRisk, Disclosure, FlagDismissal, MandatoryReport, ReportTask
from .services import NOT_YOUR_CLIENT, Request, _text, confirm_passphrase, disclose

SUBJECT_TYPE = "reporttask"
AT_RISK_UNKNOWN = "Say who is at risk: a child, a disabled person or an older person."
DETAILS_NEEDED = "Write who is at risk and what was disclosed, in a few plain sentences."
LEARNED_IN_FUTURE = "The time you learned of it cannot be in the future."
NOTE_NOT_THIS_CLIENTS = "That note is about another client."
TASK_CLOSED = "This report is already recorded."
AGENCY_NEEDED = "Name the agency you reported to."
HOW_UNKNOWN = "Say how you made the report."
REFERENCE_NEEDED = "Give the reference the agency gave you, or write 'none given'."
TOLD_NEEDED = "Write what you told the client about the report, or why you did not."
REPORTED_IN_FUTURE = "The time of the report cannot be in the future."
REPORTED_BEFORE_LEARNING = "The report cannot have been made before you learned of the abuse."
DISMISS_REASON_NEEDED = "Say why these words are not a disclosure of abuse."
DISMISS_NOT_A_FLAG = "Only a checker's flag on a note can be dismissed; a disclosure is always reported."
DISMISS_TASK_OPEN = (
    "You recorded these words as a disclosure of abuse, so a report is owed: a disclosure is never dismissed."
)
# A report the coach made a few minutes ago may be recorded with the time on their clock.
CLOCK_GRACE = datetime.timedelta(minutes=5)

AT_RISK_FACT = {
    AtRisk.CHILD: AtRiskFact.MINOR,
    AtRisk.DISABLED: AtRiskFact.DISABLED,
    AtRisk.ELDER: AtRiskFact.ELDER,
}


def deadline_hours(coach) -> int:
    """Hours from learning of abuse to the deadline: the setting, or the jurisdiction's if shorter."""
    profile = PracticeProfile.objects.filter(coach=coach).only("country", "region").first()
    default = settings.ETHOS_REPORT_DEADLINE_HOURS
    if profile is None:
        return default
    return report_deadline_hours(profile.country, profile.region, default=default)


def report_task_open(
    *,
    coach,
    client: Client,
    at_risk: str,
    details: str,
    learned_at: datetime.datetime,
    note: SessionNote | None = None,
) -> ReportTask:
    """Open the report a disclosure of abuse calls for; only the report's record will close it."""
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if at_risk not in AtRisk.values:
        errors["at_risk"] = [AT_RISK_UNKNOWN]
    if not _text(details):
        errors["details"] = [DETAILS_NEEDED]
    if learned_at > now + CLOCK_GRACE:
        errors["learned_at"] = [LEARNED_IN_FUTURE]
    if note is not None and (note.client_id != client.pk or note.coach_id != coach.pk):
        errors["note"] = [NOTE_NOT_THIS_CLIENTS]
    if errors:
        raise ValidationError(errors)
    task = ReportTask(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        note=note,
        origin=ReportTask.Origin.CHECKER if note is not None else ReportTask.Origin.COACH,
        at_risk=at_risk,
        details=_text(details),
        learned_at=learned_at,
        deadline=learned_at + datetime.timedelta(hours=deadline_hours(coach)),
        opened_at=now,
    )
    with action():
        # The disclosure is the coach's judgement: the engine opens the item only a report closes.
        enforce(
            coach=coach,
            point=Point.REPORT_DUE,
            facts=Facts(
                abuse_disclosed=frozenset({AT_RISK_FACT[AtRisk(at_risk)]}), mandatory_report_made=False
            ),
            subject=Subject(type=SUBJECT_TYPE, id=str(task.pk)),
        )
        task.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_REPORT_TASK_OPENED,
            target_type=SUBJECT_TYPE,
            target_id=str(task.pk),
            clauses=["C3"],
            details={
                "origin": task.origin,
                "deadline_hours": round((task.deadline - learned_at).total_seconds() / 3600),
            },
        )
    return task


def mandatory_report_record(
    *,
    coach,
    passphrase: str,
    task: ReportTask,
    agency: str,
    how: str,
    reported_at: datetime.datetime,
    reference: str,
    told_client: str,
) -> MandatoryReport:
    """Record the report made to the agency: the disclosure it was, and the task and C3 items it closes."""
    if task.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    now = timezone.now()
    checks = (
        ("agency", bool(_text(agency)), AGENCY_NEEDED),
        ("how", how in MandatoryReport.How.values, HOW_UNKNOWN),
        ("reference", bool(_text(reference)), REFERENCE_NEEDED),
        ("told_client", bool(_text(told_client)), TOLD_NEEDED),
        ("reported_at", reported_at <= now + CLOCK_GRACE, REPORTED_IN_FUTURE),
        ("reported_at", reported_at >= task.learned_at - CLOCK_GRACE, REPORTED_BEFORE_LEARNING),
    )
    errors: dict[str, list[str]] = {}
    for name, ok, message in checks:
        if not ok and name not in errors:
            errors[name] = [message]
    if not task.is_open:
        raise ValidationError(TASK_CLOSED)
    if errors:
        raise ValidationError(errors)
    request = Request(
        client=task.client,
        recipient=_text(agency),
        record_kinds=("identity", "concern"),
        purpose="Mandatory report of abuse of someone at risk (C3)",
        basis=Disclosure.Basis.MANDATORY_REPORT,
        what=f"{task.at_risk_label}: {task.details}",
        task=task,
    )
    confirm_passphrase(coach=coach, passphrase=passphrase)
    with action():
        locked = ReportTask.objects.select_for_update().get(pk=task.pk)
        if not locked.is_open:
            raise ValidationError(TASK_CLOSED)
        disclosure = disclose(coach=coach, request=request)
        report = MandatoryReport(
            coach=coach,
            task=task,
            disclosure=disclosure,
            data_key_id=task.data_key_id,
            agency=_text(agency),
            how=how,
            reported_at=reported_at,
            reference=_text(reference),
            told_client=_text(told_client),
            on_time=reported_at <= task.deadline,
        )
        report.save()
        task.closed_at = now
        ReportTask.objects.filter(pk=task.pk).update(closed_at=now)
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_REPORT_RECORDED,
            target_type=SUBJECT_TYPE,
            target_id=str(task.pk),
            clauses=["C3"],
            details={"on_time": report.on_time, "how": how, "disclosure": str(disclosure.pk)},
        )
        subjects = [
            Subject(type=SUBJECT_TYPE, id=str(task.pk)),
            Subject(type="client", id=str(task.client_id)),
        ]
        if task.note_id is not None:
            subjects.append(Subject(type=NOTE_SUBJECT, id=str(task.note_id)))
        for subject in subjects:
            open_items_resolve_for(
                coach=coach,
                subject=subject,
                record_type=RecordType.MANDATORY_REPORT,
                record_id=str(report.pk),
            )
    return report


def note_flag_item(coach, item_pk) -> OpenItem | None:
    """Return the coach's open C3 item on a note that a dismissal could answer, or None."""
    return (
        OpenItem.objects.for_coach(coach)
        .open()
        .filter(pk=item_pk, clause="C3", subject_type=NOTE_SUBJECT)
        .first()
    )


def flag_dismiss(*, coach, item: OpenItem, note: SessionNote, reason: str) -> FlagDismissal:
    """Record why a C3 flag on a note is not a disclosure at all, resolving only that flag's item."""
    if item.coach_id != coach.pk or note.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    if not _text(reason):
        raise ValidationError({"reason": [DISMISS_REASON_NEEDED]})
    if (
        item.clause != "C3"
        or item.subject_type != NOTE_SUBJECT
        or item.subject_id != str(note.pk)
        or RecordType.FLAG_DISMISSAL not in item.record_type_list
    ):
        raise ValidationError(DISMISS_NOT_A_FLAG)
    with transaction.atomic():
        if ReportTask.objects.filter(note=note).exists():
            raise ValidationError(DISMISS_TASK_OPEN)
        dismissal = FlagDismissal(
            coach=coach, note=note, data_key_id=note.data_key_id, item_id=item.pk, reason=_text(reason)
        )
        dismissal.save()
        audit_append(
            coach=coach,
            action=Action.SAFEGUARDING_FLAG_DISMISSED,
            target_type="session",
            target_id=str(note.session_id),
            clauses=["C3"],
            details={"item": str(item.pk)},
        )
        open_item_resolve(
            coach=coach, item=item, record_type=RecordType.FLAG_DISMISSAL, record_id=str(dismissal.pk)
        )
    return dismissal
