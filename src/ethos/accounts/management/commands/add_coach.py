import os

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.urls import reverse

from ethos.accounts import services


class Command(BaseCommand):
    help = "Invite another coach to this server: prints a one-time link, valid for 72 hours."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument(
            "--base-url",
            default=os.environ.get("ETHOS_BASE_URL", "http://127.0.0.1:8000"),
            help="The address coaches use to reach this server.",
        )

    def handle(self, *args, email: str, base_url: str, **options):
        try:
            validate_email(email)
            invitation, token = services.invitation_create(email=email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        link = base_url.rstrip("/") + reverse("accounts:invitation", args=[token])
        until = f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC"
        self.stdout.write(f"Invitation for {invitation.email}, valid until {until}:")
        self.stdout.write(link)
