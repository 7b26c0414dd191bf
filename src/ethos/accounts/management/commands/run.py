import os

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor

NO_PROXY_IN_PRODUCTION = (
    "ETHOS_ENV is production but ETHOS_TRUSTED_PROXY is not set: every request will be sent to "
    "https and back. Put Ethos behind a TLS reverse proxy and set ETHOS_TRUSTED_PROXY to its address "
    "(see the README)."
)


def server_options(*, host: str, port: int, threads: int) -> dict:
    """The waitress options `ethos run` serves with: body cap and the one trusted proxy."""
    options = {
        "host": host,
        "port": port,
        "threads": threads,
        "ident": "Ethos",
        # Refused with 413 from the Content-Length alone, before the body is read.
        "max_request_body_size": settings.ETHOS_MAX_BODY_BYTES,
        # Forwarded headers from anyone but the trusted proxy are deleted, never believed.
        "clear_untrusted_proxy_headers": True,
    }
    if settings.ETHOS_TRUSTED_PROXY:
        options.update(
            trusted_proxy=settings.ETHOS_TRUSTED_PROXY,
            trusted_proxy_headers=set(settings.ETHOS_TRUSTED_PROXY_HEADERS),
            trusted_proxy_count=settings.ETHOS_TRUSTED_PROXY_COUNT,
        )
    return options


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

        if settings.PRODUCTION and not settings.ETHOS_TRUSTED_PROXY:
            self.stderr.write(NO_PROXY_IN_PRODUCTION)
            self.stderr.flush()
        shown = f"[{host}]" if ":" in host else host
        self.stdout.write(self.style.SUCCESS(f"Ethos is running at http://{shown}:{port}/"))
        if settings.ETHOS_TRUSTED_PROXY:
            self.stdout.write(f"Trusting the reverse proxy at {settings.ETHOS_TRUSTED_PROXY}.")
        self.stdout.write("Press Ctrl+C to stop.")
        self.stdout.flush()
        waitress.serve(application, **server_options(host=host, port=port, threads=threads))
