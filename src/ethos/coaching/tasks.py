"""Background jobs of coaching: the coach's reminder email before a session.

A reminder names no client and carries no detail of the session beyond its time and a link into
Ethos, because email passes through servers nobody in the practice controls. It is sent once:
its `Reminder` row is written in the same transaction as the send, so a second run (a second
worker, a retried job) finds the row and sends nothing, and a failed send leaves no row behind
for the next sweep to find.

The jobs run on django-tasks' database backend (`ethos worker`). A sweep sends every reminder
that has come due and queues the next sweep, so a session booked less than a day ahead, or a
worker that was stopped for a while, still gets its reminder while the session lies ahead.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db.models import DBTaskResult

from ethos.practice.education import education_reminders

from .models import Reminder, Session

REMINDER_SUBJECT = "Coaching session {when}"
REMINDER_BODY = """You have a coaching session {when} ({minutes} minutes).

Open it in Ethos: {link}

This reminder names no one on purpose. Ethos sends it once, {hours} hours before a session.
"""
# How often the sweep looks for reminders that have come due.
SWEEP_EVERY = datetime.timedelta(minutes=5)


def when_words(starts_at: datetime.datetime, *, now: datetime.datetime) -> str:
    """Say when a session is, from now, in the practice's time zone: 'tomorrow at 10:00'."""
    local, today = timezone.localtime(starts_at), timezone.localtime(now).date()
    days = (local.date() - today).days
    day = {0: "today", 1: "tomorrow"}.get(days, f"on {local:%A} {local.day} {local:%B}")
    return f"{day} at {local:%H:%M}"


def session_link(session_id) -> str:
    """The session's page in Ethos, as an address when ETHOS_BASE_URL says where Ethos is."""
    path = reverse("coaching:detail", args=[session_id])
    return f"{settings.ETHOS_BASE_URL}{path}" if settings.ETHOS_BASE_URL else path


def due_reminders(*, now: datetime.datetime) -> list:
    """The ids of scheduled sessions within the reminder window that have had no reminder yet."""
    hours = settings.ETHOS_REMINDER_HOURS
    if not hours:
        return []
    return list(
        Session.objects.filter(
            status=Session.Status.SCHEDULED,
            starts_at__gt=now,
            starts_at__lte=now + datetime.timedelta(hours=hours),
            reminder__isnull=True,
        )
        .order_by("starts_at")
        .values_list("pk", flat=True)
    )


def reminder_send(*, session_id, now: datetime.datetime | None = None) -> bool:
    """Send the coach's reminder of one session unless it was sent, cancelled or has begun."""
    now = now or timezone.now()
    with transaction.atomic():
        # Plain columns only: the worker never holds a coach's key, and needs none.
        session = (
            # Lock the session row only (PostgreSQL refuses to lock the nullable side of a join),
            # and ask for "no reminder yet" as a subquery rather than an outer join.
            Session.objects.select_for_update(of=("self",))
            .filter(pk=session_id, status=Session.Status.SCHEDULED, starts_at__gt=now)
            .filter(~Exists(Reminder.objects.filter(session=OuterRef("pk"))))
            .values("pk", "starts_at", "duration_minutes", "coach__email")
            .first()
        )
        if session is None:
            return False
        Reminder.objects.create(session_id=session["pk"], sent_at=now)
        when = when_words(session["starts_at"], now=now)
        send_mail(
            subject=REMINDER_SUBJECT.format(when=when),
            message=REMINDER_BODY.format(
                when=when,
                minutes=session["duration_minutes"],
                link=session_link(session["pk"]),
                hours=settings.ETHOS_REMINDER_HOURS,
            ),
            from_email=None,
            recipient_list=[session["coach__email"]],
        )
    return True


@task()
def send_due_reminders() -> int:
    """Send every reminder that has come due; return how many went out."""
    now = timezone.now()
    return sum(reminder_send(session_id=pk, now=now) for pk in due_reminders(now=now))


@task()
def reminders_sweep() -> int:
    """Send the reminders that are due, then queue the next sweep (one chain, however often run)."""
    try:
        # P13's daily warning near year end rides on the same sweep (it writes once a day at most).
        education_reminders()
        return send_due_reminders.call()
    finally:
        # Finished sweeps say nothing worth keeping; without this they pile up, 288 a day.
        DBTaskResult.objects.filter(
            task_path=reminders_sweep.module_path,
            status=TaskResultStatus.SUCCESSFUL,
            finished_at__lt=timezone.now() - datetime.timedelta(days=1),
        ).delete()
        keep_sweeping(after=SWEEP_EVERY)


def keep_sweeping(*, after: datetime.timedelta = datetime.timedelta(0)) -> bool:
    """Queue a sweep unless one is already waiting; True when this call queued it."""
    waiting = DBTaskResult.objects.filter(
        task_path=reminders_sweep.module_path, status=TaskResultStatus.READY
    )
    if waiting.exists():
        return False
    reminders_sweep.using(run_after=timezone.now() + after).enqueue()
    return True
