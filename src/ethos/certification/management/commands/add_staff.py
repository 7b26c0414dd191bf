"""`ethos add-staff EMAIL --name NAME`: create an association staff account, asking for a passphrase."""

from __future__ import annotations

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email

from ethos.certification.services import staff_add

MISMATCH = "The two passphrases differ; nothing was created."


class Command(BaseCommand):
    help = "Create an association staff account (the registry and cases); it has no vault and no client data."

    def add_arguments(self, parser):
        parser.add_argument("email")
        parser.add_argument("--name", default="", help="The name shown in the association's log.")

    def handle(self, *args, email: str, name: str, **options):
        try:
            validate_email(email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if get_user_model().objects.filter(email__iexact=email).exists():
            raise CommandError(f"An account with the email {email} already exists.")
        passphrase = getpass.getpass("Passphrase: ")
        if passphrase != getpass.getpass("The same passphrase again: "):
            raise CommandError(MISMATCH)
        try:
            validate_password(passphrase)
            staff = staff_add(email=email, name=name or email, passphrase=passphrase)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(f"Staff account {staff.email} created. It signs in at the usual sign-in page.")
