import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from ethos.audit import triggers
from ethos.audit.services import audit_nodes_backfill


def backfill(apps, schema_editor):
    """Store the subtree hashes of every log written before they were stored at each append."""
    events = apps.get_model("audit", "AuditEvent")
    nodes = apps.get_model("audit", "AuditNode")
    coaches = events._default_manager.order_by().values_list("coach_id", flat=True).distinct()
    for coach_id in coaches.iterator():
        audit_nodes_backfill(coach_id=coach_id, events=events, nodes=nodes)


def guard(apps, schema_editor):
    triggers.install(schema_editor.connection, (triggers.NODES,))


def unguard(apps, schema_editor):
    triggers.remove(schema_editor.connection, (triggers.NODES,))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0002_append_only_triggers"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditNode",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("level", models.PositiveSmallIntegerField()),
                ("index", models.PositiveBigIntegerField()),
                ("hash", models.BinaryField()),
                (
                    "coach",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("coach", "level", "index"), name="audit_node_unique")
                ],
            },
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(guard, unguard),
    ]
