"""PracticeClosure now lives in practice (practice 0004 copied every row there)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0002_intake_safety"),
        ("practice", "0004_practice_closure_moves_here"),
    ]

    operations = [
        migrations.DeleteModel(name="PracticeClosure"),
    ]
