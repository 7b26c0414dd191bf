import os
import signal
import subprocess
import sys

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


WORKER_STARTED = "Background jobs (session reminders) run alongside, in their own process."
WORKER_SKIPPED = "Not starting the background jobs: run `ethos worker` yourself."


def _die_with_parent() -> None:  # pragma: no cover - runs in the child before exec
    """On Linux, ask the kernel to stop the worker if `ethos run` itself dies (even by SIGKILL)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_worker() -> subprocess.Popen:
    """Start `ethos worker` beside the server; its output (the console e-mails) goes to ours."""
    # A fixed argument list (this interpreter, our own module), no shell, no input: bandit's B603 is moot.
    return subprocess.Popen(  # nosec B603
        [sys.executable, "-m", "ethos", "worker"],
        preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None,
    )


def stop_worker(worker: subprocess.Popen | None) -> None:
    if worker is None or worker.poll() is not None:
        return
    worker.terminate()
    try:
        worker.wait(timeout=10)
    except subprocess.TimeoutExpired:
        worker.kill()


def server_options(*, host: str, port: int, threads: int) -> dict:
    """The waitress options `ethos run` serves with: body cap and the one trusted proxy."""
    options = {
        "host": host,
        "port": port,
        "threads": threads,
        "ident": "Ethos",
        # Refused with 413 from the Content-Length alone, before the body is read (the portal's
        # upload form takes more than other forms: BodyLimitMiddleware keeps the rest to the cap).
        "max_request_body_size": max(
            settings.ETHOS_MAX_BODY_BYTES, settings.ETHOS_UPLOAD_MAX_BYTES + 64 * 1024
        ),
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
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background jobs beside the server (run `ethos worker` yourself).",
        )

    def handle(self, *args, host: str, port: int, threads: int, no_worker: bool, **options):
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
        worker = None if no_worker else start_worker()
        self.stdout.write(WORKER_SKIPPED if no_worker else WORKER_STARTED)
        self.stdout.write("Press Ctrl+C to stop.")
        self.stdout.flush()
        # A polite stop (SIGTERM from systemd or a test) unwinds like Ctrl+C, so the worker stops too.
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            waitress.serve(application, **server_options(host=host, port=port, threads=threads))
        finally:
            stop_worker(worker)
