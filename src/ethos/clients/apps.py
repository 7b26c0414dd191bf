from django.apps import AppConfig


class ClientsConfig(AppConfig):
    name = "ethos.clients"
    label = "clients"

    def ready(self) -> None:
        from . import evidence  # noqa: F401  (registers the compliance evidence of S1, S2, S9, P3, P5, P11)
