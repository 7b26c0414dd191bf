"""The code of ethics as data, the rule engine that applies it, and the compliance report."""

from django.apps import AppConfig


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
