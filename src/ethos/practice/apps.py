from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "ethos.practice"
    label = "practice"
    verbose_name = "Practice profile"

    def ready(self) -> None:
        from . import evidence  # noqa: F401  (registers the S5 and S10 evidence providers)
