"""Drop the events' index on the coach alone: the (coach, seq) and (coach, action, seq) indexes serve it.

Every append wrote three indexes of the events table; the one on the coach alone answers nothing the
two that lead with the coach do not, and its write cost each append (each view of a client) about a
tenth of a millisecond. Only the index goes: an AlterField would rebuild the table on SQLite, copying
every event and dropping the append-only triggers with the old table.
"""

from django.conf import settings
from django.db import migrations, models


def _coach_indexes(schema_editor) -> list[str]:
    connection = schema_editor.connection
    table = "audit_auditevent"
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, table)
    return [
        name
        for name, constraint in constraints.items()
        if constraint["index"]
        and not constraint["unique"]
        and not constraint["primary_key"]
        and constraint["columns"] == ["coach_id"]
    ]


def drop(apps, schema_editor):
    model = apps.get_model("audit", "AuditEvent")
    for name in _coach_indexes(schema_editor):
        schema_editor.execute(schema_editor._delete_index_sql(model, name))


def create(apps, schema_editor):
    model = apps.get_model("audit", "AuditEvent")
    if not _coach_indexes(schema_editor):
        field = model._meta.get_field("coach")
        schema_editor.execute(schema_editor._create_index_sql(model, fields=[field]))


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0004_activity_index"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditevent",
                    name="coach",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(drop, create)],
        ),
    ]
