from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ethos.accounts"
    label = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from . import evidence  # noqa: F401  (registers the C2 evidence provider)
