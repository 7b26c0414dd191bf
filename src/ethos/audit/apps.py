from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_triggers(sender, using, **kwargs):
    # Re-assert the append-only triggers after every migrate or flush (a flush of a test
    # database has to lift them first), so no path leaves the table unguarded.
    from django.db import connections

    from . import triggers

    connection = connections[using]
    if "audit_auditevent" in connection.introspection.table_names():
        triggers.install(connection)


class AuditConfig(AppConfig):
    name = "ethos.audit"
    label = "audit"

    def ready(self) -> None:
        from .actions import check_actions

        check_actions()
        post_migrate.connect(_ensure_triggers, sender=self, dispatch_uid="ethos.audit.triggers")
