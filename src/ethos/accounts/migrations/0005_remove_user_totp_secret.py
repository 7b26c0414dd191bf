from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0004_seal_totp_secrets"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="user",
            name="totp_secret",
        ),
    ]
