from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "ethos.clients"
    label = "clients"

    def ready(self) -> None:
        # Register the client page's own sections and timeline, the compliance evidence of S1, S2,
        # S9, P3, P5, P11, and how open items name their clients and link to the resolving forms.
        from . import contributions, evidence, subjects  # noqa: F401
