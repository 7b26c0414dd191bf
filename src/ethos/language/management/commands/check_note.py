"""`ethos check-note FILE|-`: the management command around ethos.language.cli."""

import sys

from django.core.management.base import BaseCommand, CommandError

from ethos.language.cli import EXIT_FINDINGS, EXIT_UNREADABLE, NoteUnreadable, run


class Command(BaseCommand):
    """Print the language findings of a note; exit 1 when there are any, 2 if unreadable."""

    help = "Flag note language that may touch the code of ethics (runs offline)."
    requires_system_checks = []
    # call_command(..., stdin=stream) lets a caller feed "-" without touching sys.stdin.
    stealth_options = ("stdin",)

    def add_arguments(self, parser):
        """Declare the note path and the --json switch."""
        parser.add_argument("file", help="the note to check, or - for standard input")
        parser.add_argument("--json", action="store_true", help="print findings as JSON")

    def handle(self, *args, **options):
        """Check the note and print the report."""
        stdin = options.get("stdin") or sys.stdin
        try:
            status, report = run(options["file"], as_json=options["json"], stdin=stdin)
        except NoteUnreadable as exc:
            raise CommandError(str(exc), returncode=EXIT_UNREADABLE) from None
        self.stdout.write(report)
        if status == EXIT_FINDINGS:
            # Findings are prompts, not an error: exit 1 without Django's "CommandError:".
            raise SystemExit(EXIT_FINDINGS)
