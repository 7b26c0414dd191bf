"""Tell the standards engine how to name report tasks and disclosures, and which pages make their records."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.urls import reverse
from django.utils import timezone

from ethos.coaching.models import SessionNote
from ethos.coaching.notes import SUBJECT_TYPE as NOTE_SUBJECT
from ethos.prepared import prepared
from ethos.standards.record_types import RecordType
from ethos.standards.subjects import resolving_page, subject_describer, uuids

from .models import Disclosure, ReportTask
from .reports import SUBJECT_TYPE as TASK_SUBJECT


@prepared
def _named_tasks(coach, ids: list[uuid.UUID]):
    return ReportTask.objects.filter(coach=coach, pk__in=ids).select_related("client", "client__data_key")


@subject_describer(TASK_SUBJECT)
def describe_tasks(coach, ids) -> dict[str, tuple[str, str]]:
    """Name a report task by its client and deadline: one query for the tasks, clients and keys.

    Its SQL is built once per number of tasks (ethos.prepared), as the dashboard names them all.
    """
    tasks = _named_tasks(coach, uuids(ids))
    return {
        str(t.pk): (
            f"Report about {t.client.display_name}, due {timezone.localtime(t.deadline):%d %b %H:%M}",
            reverse("safeguarding:task", args=[t.pk]),
        )
        for t in tasks
    }


@subject_describer("disclosure")
def describe_disclosures(coach, ids) -> dict[str, tuple[str, str]]:
    rows = Disclosure.objects.filter(coach=coach, pk__in=uuids(ids)).select_related(
        "client", "client__data_key"
    )
    return {
        str(d.pk): (
            f"Disclosure about {d.client.display_name} on {timezone.localtime(d.disclosed_at):%d %b %Y}",
            reverse("safeguarding:disclosure", args=[d.client_id, d.pk]),
        )
        for d in rows.defer("bundle")
    }


@resolving_page(RecordType.MANDATORY_REPORT)
def report_page(item) -> str | None:
    """The task's own page records the report; a note's flag or a client's item starts the task first."""
    if item.subject_type == TASK_SUBJECT:
        return reverse("safeguarding:task", args=[item.subject_id])
    if item.subject_type == NOTE_SUBJECT:
        task = ReportTask.objects.filter(coach_id=item.coach_id, note_id__in=uuids([item.subject_id])).first()
        if task is not None:
            return reverse("safeguarding:task", args=[task.pk])
        note = SessionNote.objects.filter(coach_id=item.coach_id, pk__in=uuids([item.subject_id])).first()
        if note is None:
            return None
        query = {"client": note.client_id, "note": note.pk, "item": item.pk}
        return f"{reverse('safeguarding:task_new')}?{urlencode(query)}"
    if item.subject_type == "client":
        return f"{reverse('safeguarding:task_new')}?{urlencode({'client': item.subject_id, 'item': item.pk})}"
    return None


@resolving_page(RecordType.FLAG_DISMISSAL)
def dismissal_page(item) -> str | None:
    """Only a checker's flag on a note can be dismissed, with a reason."""
    if item.subject_type != NOTE_SUBJECT:
        return None
    return reverse("safeguarding:dismiss", args=[item.pk])


@resolving_page(RecordType.EMERGENCY_REVIEW)
def review_page(item) -> str | None:
    if item.subject_type != "disclosure":
        return None
    disclosure = Disclosure.objects.filter(coach_id=item.coach_id, pk__in=uuids([item.subject_id])).first()
    if disclosure is None:
        return None
    return reverse("safeguarding:disclosure", args=[disclosure.client_id, disclosure.pk]) + "#review"
