import uuid
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from ethos.audit import journal
from ethos.audit.checkpoint import CheckpointError
from ethos.audit.keys import origin_for
from ethos.audit.models import AuditEvent
from ethos.audit.selectors import journal_orphans, verify_log
from ethos.progress import Progress

NO_JOURNAL = "NOTE no checkpoint journal at {path}: nothing outside the database witnesses these logs."
UNREADABLE_LINE = "NOTE line {line} of the checkpoint journal is unreadable and was left out."
CHECKPOINT_NO_COACH = (
    "The checkpoint file names no coach's log in this database (its first line is {origin!r}): "
    "name the coach with --coach."
)


class Command(BaseCommand):
    help = "Work with the tamper-evident audit log. `ethos audit verify` recomputes and checks it."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser(
            "verify",
            help="Recompute every coach's log, check its signatures, check it against the journal.",
        )
        verify.add_argument("--coach", metavar="EMAIL", help="Only this coach's log.")
        verify.add_argument(
            "--checkpoint", metavar="FILE", help="A checkpoint you kept: prove the log still extends it."
        )
        verify.add_argument(
            "--every-signature",
            action="store_true",
            help="Verify the signature of every event's checkpoint, not only the ones that vouch for the "
            "rest (slower; also finds a damaged signature whose checkpoint text is right).",
        )
        verify.add_argument(
            "--journal",
            metavar="FILE",
            help="The checkpoint journal to check against (default: ETHOS_DATA_DIR/audit-journal).",
        )

    def handle(
        self, *args, action, coach=None, checkpoint=None, journal=None, every_signature=False, **options
    ):
        kept = None
        coaches = get_user_model().objects.coaches()
        if checkpoint:
            try:
                kept = Path(checkpoint).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"Cannot read the checkpoint file: {error}") from None
            if coach is None:
                # A checkpoint belongs to one log, and its first line names it: ethos/audit/<coach id>.
                coaches = self._owner_of(kept, coaches)
        witnesses = self._journal(journal)
        if coach:
            coaches = coaches.filter(email__iexact=coach)
            if not coaches.exists():
                raise CommandError(f"No coach has the email {coach}.")
        failed = False
        # How far each log has got, on stderr: the OK and FAIL lines on stdout stay the result.
        progress = Progress(self.stderr)
        for person in coaches:
            total = AuditEvent.objects.filter(coach=person).count()
            what = f"Verifying {person.email}"
            try:
                report = verify_log(
                    person,
                    kept_checkpoint=kept,
                    witnessed=witnesses.for_coach(person.pk),
                    every_signature=every_signature,
                    progress=lambda done, what=what, total=total: progress(what, done, total, "events"),
                )
            except CheckpointError as error:
                raise CommandError(f"The checkpoint file is not a valid Ethos checkpoint: {error}") from None
            finally:
                progress.finish()
            if report.ok:
                seen = (
                    f"journal saw {report.witnessed_size}"
                    if report.witnessed_size
                    else "not in the journal yet"
                )
                self.stdout.write(
                    f"OK   {person.email}: {report.size} events, root {report.root_hex}, {seen}"
                )
            else:
                failed = True
                self.stdout.write(f"FAIL {person.email}: first problem at event {report.first_bad_seq}")
                for problem in report.problems:
                    self.stdout.write(f"     {problem}")
        if not coach and not kept:
            for problem in journal_orphans(witnesses):
                failed = True
                self.stdout.write(f"FAIL {witnesses.path}: {problem}")
        if failed:
            raise SystemExit(1)

    def _owner_of(self, kept: str, coaches):
        origin = kept.split("\n", 1)[0].strip()
        prefix = origin_for("")
        try:
            pk = uuid.UUID(origin.removeprefix(prefix)) if origin.startswith(prefix) else None
        except ValueError:
            pk = None
        owner = coaches.filter(pk=pk) if pk else coaches.none()
        if not owner.exists():
            raise CommandError(CHECKPOINT_NO_COACH.format(origin=origin[:80]))
        return owner

    def _journal(self, given: str | None) -> journal.Journal:
        # Read before the logs: events appended meanwhile only make a log longer than the journal.
        try:
            witnesses = journal.read(Path(given) if given else None)
        except OSError as error:
            raise CommandError(f"Cannot read the checkpoint journal: {error}") from None
        if not witnesses.exists:
            if given:
                raise CommandError(f"There is no checkpoint journal at {given}.")
            self.stdout.write(NO_JOURNAL.format(path=witnesses.path))
        for line in witnesses.unreadable:
            self.stdout.write(UNREADABLE_LINE.format(line=line))
        return witnesses
