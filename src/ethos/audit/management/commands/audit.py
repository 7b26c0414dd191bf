from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ethos.audit.checkpoint import CheckpointError
from ethos.audit.selectors import verify_log


class Command(BaseCommand):
    help = "Work with the tamper-evident audit log. `ethos audit verify` recomputes and checks it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="Recompute every coach's log and check its signatures.")
        verify.add_argument("--coach", metavar="EMAIL", help="Only this coach's log.")
        verify.add_argument(
            "--checkpoint", metavar="FILE", help="A checkpoint you kept: prove the log still extends it."
        )

    def handle(self, *args, action, coach=None, checkpoint=None, **options):
        kept = None
        if checkpoint:
            if coach is None:
                raise CommandError("--checkpoint belongs to one coach's log: name the coach with --coach.")
            try:
                kept = Path(checkpoint).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"Cannot read the checkpoint file: {error}") from None
        coaches = get_user_model().objects.coaches()
        if coach:
            coaches = coaches.filter(email__iexact=coach)
            if not coaches.exists():
                raise CommandError(f"No coach has the email {coach}.")
        failed = False
        for person in coaches:
            try:
                report = verify_log(person, kept_checkpoint=kept)
            except CheckpointError as error:
                raise CommandError(f"The checkpoint file is not a valid Ethos checkpoint: {error}") from None
            if report.ok:
                self.stdout.write(f"OK   {person.email}: {report.size} events, root {report.root_hex}")
            else:
                failed = True
                self.stdout.write(f"FAIL {person.email}: first problem at event {report.first_bad_seq}")
                for problem in report.problems:
                    self.stdout.write(f"     {problem}")
        if failed:
            raise SystemExit(1)
