from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "ethos.practice"
    label = "practice"
    verbose_name = "Practice profile"

    def ready(self) -> None:
        from . import desk, evidence  # noqa: F401  (the desk's defaults; the S5 and S10 evidence providers)
