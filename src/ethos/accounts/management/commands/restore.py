from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

from ethos.accounts.backup import BackupError, restore_read
from ethos.progress import Progress


class Command(BaseCommand):
    help = "Restore an Ethos backup into this database (refused if any of its coaches is already here)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        # A fresh data directory has no tables yet: create them, as `ethos run` would.
        executor = MigrationExecutor(connections["default"])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Bringing the database up to date…")
            call_command("migrate", interactive=False, verbosity=0)
        try:
            counts = restore_read(path=file, progress=Progress(self.stderr))
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {sum(counts.values())} rows; every restored audit log verifies.")
