from django.apps import AppConfig


class SafeguardingConfig(AppConfig):
    name = "ethos.safeguarding"
    label = "safeguarding"

    def ready(self) -> None:
        # Register the Safeguarding section and timeline of the client page, the evidence of C1 and
        # C3, how open items name a report task or a disclosure, and the pages that resolve them.
        from . import contributions, evidence, subjects  # noqa: F401
