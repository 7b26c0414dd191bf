"""Reminders to the coach: once per session, none for a cancelled one, never a client's name or detail."""

from __future__ import annotations

import datetime
import signal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult

from ethos.coaching import services, tasks
from ethos.coaching.models import Reminder

from .conftest import CANARY, schedule, tomorrow_at

pytestmark = pytest.mark.django_db

PLACE = f"https://video.example.org/room/{CANARY.replace(' ', '-').lower()}"


@pytest.fixture(autouse=True)
def reminder_settings(settings):
    # Two days ahead, so that tomorrow at 10:00 is due whatever the hour the suite runs at.
    settings.ETHOS_REMINDER_HOURS = 48
    settings.ETHOS_BASE_URL = "https://ethos.example.org"
    return settings


@pytest.fixture
def tomorrow(coach, robin):
    return schedule(coach, robin, starts_at=tomorrow_at(10), place=PLACE)


def test_it_reminds_the_coach_of_a_session_with_its_time_and_a_link_only(coach, tomorrow):
    assert tasks.send_due_reminders.call() == 1
    [sent] = mail.outbox
    assert sent.subject == "Coaching session tomorrow at 10:00"
    assert sent.to == [coach.email]
    assert "https://ethos.example.org" + reverse("coaching:detail", args=[tomorrow.pk]) in sent.body
    assert Reminder.objects.filter(session=tomorrow).exists()


def test_it_never_names_the_client_or_the_place_in_a_reminder(coach, robin, tomorrow):
    tasks.send_due_reminders.call()
    [sent] = mail.outbox
    words = f"{sent.subject}\n{sent.body}\n{sent.message()}"
    for secret in (CANARY, *CANARY.split(), PLACE, "video.example.org"):
        assert secret.lower() not in words.lower()


def test_it_sends_nothing_for_a_cancelled_session(coach, tomorrow):
    services.session_cancel(coach=coach, session=tomorrow, cancelled_by="client", reason="Unwell")
    assert tasks.send_due_reminders.call() == 0
    assert mail.outbox == []


def test_it_sends_once_when_the_job_runs_twice(coach, tomorrow):
    assert tasks.send_due_reminders.call() == 1
    assert tasks.send_due_reminders.call() == 0
    assert tasks.reminder_send(session_id=tomorrow.pk) is False
    assert len(mail.outbox) == 1


def test_it_waits_until_the_session_is_within_the_reminder_window(coach, tomorrow, settings):
    settings.ETHOS_REMINDER_HOURS = 24
    day_before = tomorrow.starts_at - datetime.timedelta(hours=25)
    assert tasks.due_reminders(now=day_before) == []
    assert tasks.due_reminders(now=day_before + datetime.timedelta(hours=2)) == [tomorrow.pk]


def test_it_sends_no_reminder_at_all_when_they_are_turned_off(coach, tomorrow, settings):
    settings.ETHOS_REMINDER_HOURS = 0
    assert tasks.send_due_reminders.call() == 0
    assert mail.outbox == []


def test_a_failed_send_keeps_no_record_so_the_next_sweep_tries_again(coach, tomorrow, monkeypatch):
    def refuse(**kwargs):
        raise ConnectionRefusedError("the mail server is down")

    monkeypatch.setattr(tasks, "send_mail", refuse)
    with pytest.raises(ConnectionRefusedError):
        tasks.send_due_reminders.call()
    assert not Reminder.objects.exists()
    monkeypatch.undo()
    assert tasks.send_due_reminders.call() == 1


def test_it_says_today_or_the_day_when_not_tomorrow():
    now = timezone.make_aware(datetime.datetime(2030, 5, 6, 8, 0))  # a Monday
    assert tasks.when_words(now + datetime.timedelta(hours=2), now=now) == "today at 10:00"
    assert tasks.when_words(now + datetime.timedelta(days=3), now=now) == "on Thursday 9 May at 08:00"


def test_the_worker_runs_the_sweep_from_the_database_queue_and_queues_the_next(coach, tomorrow, monkeypatch):
    # Between jobs the worker closes connections as Django does between requests; inside the
    # test's transaction that would close the test database (and a flushed transactional test
    # cannot empty the append-only audit log), so it keeps its connection here.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    call_command("worker", batch=True, verbosity=0)
    assert len(mail.outbox) == 1
    sweeps = DBTaskResult.objects.filter(task_path=tasks.reminders_sweep.module_path)
    assert sweeps.filter(status=TaskResultStatus.SUCCESSFUL).count() == 1
    [waiting] = sweeps.filter(status=TaskResultStatus.READY)
    assert waiting.run_after > timezone.now()
    # A second start finds the chain waiting and adds no second one; nothing more is sent.
    call_command("worker", batch=True, verbosity=0)
    assert sweeps.filter(status=TaskResultStatus.READY).count() == 1
    assert len(mail.outbox) == 1


def test_the_worker_waits_out_a_database_restart_instead_of_exiting(db, monkeypatch):
    # Seen in `make faults`: a PostgreSQL restart raised out of django-tasks' loop and the worker
    # exited, so no reminder went out until someone restarted it by hand.
    from django.db import OperationalError

    from ethos.coaching.management.commands import worker

    runs = []

    def db_worker_command(name, **options):
        runs.append(name)
        if len(runs) == 1:
            raise OperationalError("terminating connection due to administrator command")

    monkeypatch.setattr(worker, "call_command", db_worker_command)
    monkeypatch.setattr(worker.time, "sleep", lambda seconds: None)
    call_command("worker", interval=0.1, verbosity=0)
    assert runs == ["db_worker", "db_worker"]


def test_the_worker_in_batch_mode_still_fails_loudly_on_a_lost_database(db, monkeypatch):
    from django.db import OperationalError

    from ethos.coaching.management.commands import worker

    def db_worker_command(name, **options):
        raise OperationalError("gone")

    monkeypatch.setattr(worker, "call_command", db_worker_command)
    with pytest.raises(OperationalError):
        call_command("worker", batch=True, verbosity=0)


def test_the_worker_gives_back_the_stop_signals_when_its_loop_ends(coach, monkeypatch):
    # django-tasks installs its own SIGINT/SIGTERM handlers; left behind, a second TERM while
    # Python shut down ran its `sys.exit(1)` and printed a traceback into the stack's worker log.
    monkeypatch.setattr(db_worker, "close_old_connections", lambda: None)
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    call_command("worker", batch=True, verbosity=0)
    assert {number: signal.getsignal(number) for number in before} == before


def test_a_worker_stopped_by_a_signal_ends_quietly_on_a_second_one(db, monkeypatch):
    from ethos.coaching.management.commands import worker

    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}

    def stopped_by_a_signal(name, **options):
        # What django-tasks does: installs its handlers, then leaves by sys.exit on the first TERM.
        for number in before:
            signal.signal(number, lambda *args: None)
        raise SystemExit(0)

    monkeypatch.setattr(worker, "call_command", stopped_by_a_signal)
    try:
        with pytest.raises(SystemExit):
            call_command("worker", interval=0.1, verbosity=0)
        # The process is on its way out: another stop signal ends it at once, without a handler.
        assert {number: signal.getsignal(number) for number in before} == dict.fromkeys(
            before, signal.SIG_DFL
        )
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
