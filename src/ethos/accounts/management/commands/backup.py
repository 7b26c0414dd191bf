from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from ethos.accounts.backup import BackupError, backup_write
from ethos.accounts.models import User
from ethos.progress import Progress

NOT_SET_UP = (
    "The database {database} is not set up for this version of Ethos. Check ETHOS_DATA_DIR (or "
    "DATABASE_URL); after an upgrade, run `ethos migrate` first. Nothing was written."
)


class Command(BaseCommand):
    help = "Write an encrypted backup of one coach's practice (--coach) or of the whole site."

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, metavar="FILE", help="Where to write the backup.")
        parser.add_argument("--coach", metavar="EMAIL", help="Only this coach's practice.")

    def handle(self, *args, out: str, coach: str | None = None, **options):
        executor = MigrationExecutor(connections["default"])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            # Most often ETHOS_DATA_DIR (or DATABASE_URL) points at the wrong place.
            raise CommandError(NOT_SET_UP.format(database=connections["default"].settings_dict["NAME"]))
        person = None
        if coach:
            person = User.objects.filter(email__iexact=coach).first()
            if person is None:
                raise CommandError(f"No coach has the email {coach}.")
        path = Path(out)
        if not path.parent.is_dir():
            raise CommandError(f"The folder {path.parent} does not exist.")
        try:
            result = backup_write(out=path, coach=person, progress=Progress(self.stderr))
        except (BackupError, OSError) as error:
            raise CommandError(str(error)) from None
        total = sum(result.counts.values())
        self.stdout.write(f"Backup written to {result.path}: {total} rows, payload SHA-256 {result.sha256}")
        self.stdout.write(
            "Keep the audit signing key (ETHOS_DATA_DIR/audit_signing_key) with your backups: "
            "a restore checks the audit log against it."
        )
