"""Seal every TOTP secret stored in plain text (finding 11 of issue 10); unseal on the way back.

In its own migration, between adding the sealed column and dropping the plain one, so that on
PostgreSQL the row updates and the ALTER TABLEs are separate transactions.
"""

from django.db import migrations


def seal(apps, schema_editor):
    # The same function the application uses, so there is one sealed format.
    from ethos.accounts.services import totp_seal

    User = apps.get_model("accounts", "User")
    for user in User.objects.exclude(totp_secret="").only("pk", "totp_secret").iterator():
        User.objects.filter(pk=user.pk).update(
            totp_secret_sealed=totp_seal(user_id=user.pk, secret=user.totp_secret), totp_secret=""
        )


def unseal(apps, schema_editor):
    from ethos.accounts.services import totp_open

    User = apps.get_model("accounts", "User")
    for user in User.objects.filter(totp_secret_sealed__isnull=False).only("pk", "totp_secret_sealed").iterator():
        secret = totp_open(user_id=user.pk, sealed=bytes(user.totp_secret_sealed))
        if secret is None:
            raise RuntimeError(
                f"The TOTP secret of user {user.pk} cannot be unsealed with this SECRET_KEY; "
                "set the key it was sealed with (or add it to SECRET_KEY_FALLBACKS) and try again."
            )
        User.objects.filter(pk=user.pk).update(totp_secret=secret, totp_secret_sealed=None)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0003_totp_secret_sealed_and_sign_in_attempts"),
    ]

    operations = [
        migrations.RunPython(seal, unseal, elidable=False),
    ]
