"""PracticeClosure moves from clients to practice: a fact about the whole practice.

The new table is created here and every row is copied; clients 0003 then drops the old table.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.core.management.color import no_style
from django.db import migrations, models


def _copy(source, target, schema_editor):
    # Ids are kept: resolved open items name the closure by its id.
    rows = [target(id=row.id, coach_id=row.coach_id, closed_at=row.closed_at) for row in source.objects.all()]
    target.objects.bulk_create(rows)
    if rows:
        # Explicit ids leave PostgreSQL's sequence behind; move it past them.
        connection = schema_editor.connection
        for statement in connection.ops.sequence_reset_sql(no_style(), [target]):
            schema_editor.execute(statement)


def copy_closures(apps, schema_editor):
    _copy(apps.get_model("clients", "PracticeClosure"), apps.get_model("practice", "PracticeClosure"), schema_editor)


def copy_back(apps, schema_editor):
    _copy(apps.get_model("practice", "PracticeClosure"), apps.get_model("clients", "PracticeClosure"), schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("practice", "0003_age_of_majority_never_below_the_legal_age"),
        ("clients", "0002_intake_safety"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="PracticeClosure",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("closed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "coach",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_closures, copy_back),
    ]
