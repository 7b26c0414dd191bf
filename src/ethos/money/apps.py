from django.apps import AppConfig


class MoneyConfig(AppConfig):
    name = "ethos.money"
    label = "money"

    def ready(self) -> None:
        # The Fees section of the client page and its timeline, the evidence of P2, P9 and P12, and
        # (in services) the refund of unused prepaid sessions when coaching ends.
        from . import contributions, evidence, services  # noqa: F401
