import os

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse

from ethos.accounts import services
from ethos.addresses import is_site_address

NO_BASE_URL = (
    "Ethos does not know the address coaches use to reach this server, so it cannot make the link. "
    "In production, pass --base-url (for example --base-url https://ethos.example.org) or set ETHOS_BASE_URL."
)
BAD_BASE_URL = "--base-url must be an address such as https://ethos.example.org, not {value!r}."


def _checked(value: str) -> str:
    if not is_site_address(value):
        raise CommandError(BAD_BASE_URL.format(value=value))
    return value.rstrip("/")


def _local_address() -> str | None:
    if settings.PRODUCTION:
        return None
    host = os.environ.get("ETHOS_HOST", "127.0.0.1")
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{os.environ.get('ETHOS_PORT', '8000')}"


class Command(BaseCommand):
    help = "Invite another coach to this server: prints a one-time link, valid for 72 hours."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--base-url",
            default=None,
            help="The address coaches use to reach this server (default: ETHOS_BASE_URL).",
        )

    def handle(self, *args, email: str, base_url: str | None, **options):
        # Never a guessed address: a link to the wrong port or host is a dead end for the new coach.
        # On a laptop, the address `ethos run` serves (ETHOS_HOST, ETHOS_PORT) is that address.
        base = _checked(base_url) if base_url else settings.ETHOS_BASE_URL or _local_address()
        try:
            validate_email(email)
            # One transaction: an invitation nobody can be sent is not kept.
            with transaction.atomic():
                invitation, token = services.invitation_create(email=email)
                if not base:
                    raise CommandError(NO_BASE_URL)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        link = base + reverse("accounts:invitation", args=[token])
        until = f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(f"Invitation for {invitation.email}, valid until {until}:")
        self.stdout.write(link)
