from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "ethos.referrals"
    label = "referrals"
    verbose_name = "Referral directory"

    def ready(self) -> None:
        from . import evidence  # noqa: F401  (registers the P10 evidence provider)
