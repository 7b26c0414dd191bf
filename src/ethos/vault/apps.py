from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "ethos.vault"
    label = "vault"

    def ready(self) -> None:
        from . import evidence  # noqa: F401  (registers the C2 evidence provider)
