from django.core.management.base import BaseCommand, CommandError

from ethos.accounts.backup import BackupError, restore_read


class Command(BaseCommand):
    help = "Restore an Ethos backup into this database (refused if any of its coaches is already here)."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            counts = restore_read(path=file)
        except BackupError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Restored {sum(counts.values())} rows; every restored audit log verifies.")
