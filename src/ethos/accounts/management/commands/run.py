import os

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor


class Command(BaseCommand):
    help = "Apply any pending migrations, then serve Ethos with a production WSGI server."

    def add_arguments(self, parser):
        parser.add_argument("--host", default=os.environ.get("ETHOS_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("ETHOS_PORT", "8000")))
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host: str, port: int, threads: int, **options):
        if not 0 < port < 65536:
            raise CommandError(f"--port must be between 1 and 65535, not {port}.")
        executor = MigrationExecutor(connections["default"])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stdout.write("Bringing the database up to date…")
            call_command("migrate", interactive=False, verbosity=0)
        import waitress

        from ethos.wsgi import application

        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(self.style.SUCCESS(f"Ethos is running at http://{shown}:{port}/"))
        self.stdout.write("Press Ctrl+C to stop.")
        self.stdout.flush()
        waitress.serve(application, host=host, port=port, threads=threads, ident="Ethos")
