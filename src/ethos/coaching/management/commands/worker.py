import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import DatabaseError, connections

from ethos.coaching.tasks import keep_sweeping

logger = logging.getLogger(__name__)
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
