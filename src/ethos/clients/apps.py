from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "ethos.clients"
    label = "clients"

    def ready(self) -> None:
        from . import contributions, evidence  # noqa: F401  (register the client page's own sections and timeline, and the compliance evidence of S1, S2, S9, P3, P5, P11)
