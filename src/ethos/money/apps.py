from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "ethos.money"
    label = "money"

    def ready(self) -> None:
        # The Fees section of the client page and its timeline, and the evidence of P2, P9 and P12.
        from . import contributions, evidence  # noqa: F401
