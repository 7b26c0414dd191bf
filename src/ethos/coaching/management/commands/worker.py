import contextlib
import logging
import signal
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from ethos.coaching.tasks import keep_sweeping

logger = logging.getLogger(__name__)
# The signals django-tasks takes over to stop its loop.
STOP_SIGNALS = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGQUIT") if hasattr(signal, name)
)
DATABASE_LOST = "The task worker lost the database ({error}); trying again in {seconds:g} s."


class Command(BaseCommand):
    help = "Run Ethos's background jobs (the coaches' session reminders) until stopped."

    def add_arguments(self, parser):
        parser.add_argument(
            "--batch",
            action="store_true",
            help="Run the jobs that are due now, then exit (for cron or a systemd timer).",
        )
        parser.add_argument(
            "--interval", type=float, default=5, help="Seconds between looks at the queue (default: 5)."
        )

    def handle(self, *args, batch: bool, interval: float, verbosity: int, **options):
        # The reminder sweep queues its own successor; this starts the chain if nothing is waiting
        # (a new database, or a chain broken by a crash between a sweep and its successor).
        keep_sweeping()
        with own_stop_signals():
            self.work(batch=batch, interval=interval, verbosity=verbosity)

    def work(self, *, batch: bool, interval: float, verbosity: int) -> None:
        while True:
            try:
                call_command(
                    "db_worker",
                    batch=batch,
                    interval=interval,
                    reload=False,
                    startup_delay=False,
                    verbosity=verbosity,
                    stdout=self.stdout,
                    stderr=self.stderr,
                )
                return
            except DatabaseError as error:
                # A database restart (an upgrade, a failover) kills django-tasks' loop with it;
                # the queue is in the database, so wait for it and go on rather than exit.
                if batch:
                    raise
                logger.warning(DATABASE_LOST.format(error=error, seconds=interval))
                connections.close_all()
                time.sleep(interval)


@contextlib.contextmanager
def own_stop_signals():
    """Take the stop signals back from django-tasks once its loop has ended, however it ended.

    django-tasks answers a first SIGTERM or Ctrl+C by exiting, and a second by `sys.exit(1)` from
    its handler. Left installed, that handler could run while Python was already shutting down
    (with-stack's clean-up sends a TERM just after `timeout` sent one) and printed a traceback into
    the worker's log. So when the loop ends because the process is stopping, a further stop signal
    ends it at once and quietly, as for any other program; otherwise (`--batch`, or a caller in the
    same process such as the tests) the handlers are given back as they were.
    """
    before = {number: signal.getsignal(number) for number in STOP_SIGNALS}
    after = before
    try:
        yield
    except SystemExit:
        after = dict.fromkeys(before, signal.SIG_DFL)
        raise
    finally:
        for number, handler in after.items():
            if handler is not None:  # None: set outside Python, nothing to give back
                signal.signal(number, handler)
