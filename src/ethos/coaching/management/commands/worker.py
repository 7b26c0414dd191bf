from django.core.management import call_command
from django.core.management.base import BaseCommand

from ethos.coaching.tasks import keep_sweeping


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
