"""The code of ethics as data, the rule engine that applies it, and the compliance report."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _ensure_kept_triggers(sender, using, **kwargs):
    # After every migrate or flush, every table a kept count reads bumps its coach's version
    # (a migration that rebuilds a table on SQLite drops the table's triggers with it).
    from django.db import connections

    from .kept import install_triggers

    install_triggers(connections[using])


class StandardsConfig(AppConfig):
    name = "ethos.standards"
    label = "standards"
    verbose_name = "Code of Ethics"

    def ready(self) -> None:
        # Load and validate the catalog now, so a broken catalog stops start-up with its message
        # instead of failing the first action that asks the engine; then register our rules.
        from . import catalog, rules  # noqa: F401
        from .record_types import check_record_types

        catalog.catalog()
        check_record_types()
        post_migrate.connect(_ensure_kept_triggers, sender=self, dispatch_uid="ethos.standards.kept")
