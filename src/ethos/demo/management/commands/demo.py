import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from ethos.demo import services

IN_PRODUCTION = (
    "ETHOS_ENV is production: a made-up practice with a passphrase printed on the screen has no "
    "place on a server that holds real clients. Run the demo on your own computer. Nothing was changed."
)
STOPPED = (
    "The demo stopped at step {number} ({what}): {error} What the steps before it built stays; "
    "to start again, use a fresh data directory."
)
FICTIONAL = (
    "Everyone in this practice is made up: the coach, the clients, what they said and the money. "
    "Do not add real clients to it; start a real practice in a fresh data directory."
)


def _sign_in_address() -> str:
    """The address `ethos run` serves on this computer (ETHOS_HOST, ETHOS_PORT), or ETHOS_BASE_URL."""
    if settings.ETHOS_BASE_URL:
        base = settings.ETHOS_BASE_URL.rstrip("/")
    else:
        host = os.environ.get("ETHOS_HOST", "127.0.0.1")
        host = f"[{host}]" if ":" in host else host
        base = f"http://{host}:{os.environ.get('ETHOS_PORT', '8000')}"
    return base + reverse("accounts:sign_in")


class Command(BaseCommand):
    help = "Fill a fresh database with a fictional practice to look around in, and say how to sign in."

    def add_arguments(self, parser):
        parser.add_argument(
            "--passphrase",
            help="The demo coach's passphrase (default: one is made up and printed).",
        )
        parser.add_argument(
            "--alongside",
            action="store_true",
            help="Add the demo practice even though this database already has coaches.",
        )

    def handle(self, *args, passphrase: str | None, alongside: bool, **options):
        if settings.PRODUCTION:
            raise CommandError(IN_PRODUCTION)
        # A fresh data directory has no tables yet: create them, as `ethos run` would.
        executor = MigrationExecutor(connections["default"])
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            self.stderr.write("Setting up the database…", style_func=str)
            call_command("migrate", interactive=False, verbosity=0)
        refusal = services.demo_refusal(alongside=alongside)
        if refusal:
            raise CommandError(refusal)
        if passphrase is not None:
            try:
                services.passphrase_check(passphrase)
            except ValidationError as error:
                raise CommandError("--passphrase: " + " ".join(error.messages)) from None
        coach_passphrase = passphrase or services.passphrase_make()
        client_passphrase = services.passphrase_make()
        steps: list[tuple[int, str]] = []

        def step(number: int, total: int, what: str) -> None:
            steps.append((number, what))
            self.stderr.write(f"[{number}/{total}] {what}", style_func=str)
            self.stderr.flush()

        try:
            demo = services.demo_practice_create(
                passphrase=coach_passphrase, client_passphrase=client_passphrase, step=step
            )
        except Exception as error:
            number, what = steps[-1] if steps else (0, "start")
            raise CommandError(STOPPED.format(number=number, what=what, error=error)) from error
        self.stdout.write(self.style.SUCCESS(f"The demo practice is ready: {demo.summary()}."))
        self.stdout.write("")
        self.stdout.write("Start Ethos with `ethos run` (or `make run`), then sign in:")
        self.stdout.write(f"  address     {_sign_in_address()}")
        self.stdout.write(f"  email       {demo.coach.email}")
        self.stdout.write(f"  passphrase  {demo.passphrase}")
        self.stdout.write("")
        self.stdout.write("Rowan Ashby, one of the clients, can sign in to her portal at the same address:")
        self.stdout.write(f"  email       {demo.client_email}")
        self.stdout.write(f"  passphrase  {demo.client_passphrase}")
        self.stdout.write("")
        self.stdout.write(FICTIONAL)
