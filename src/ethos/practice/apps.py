from django.apps import AppConfig


class PracticeConfig(AppConfig):
    name = "ethos.practice"
    label = "practice"
    verbose_name = "Practice profile"

    def ready(self) -> None:
        # The desk's defaults; the S5, S6, S10 and P13 evidence; the page that makes a supervision entry.
        from . import desk, evidence, subjects  # noqa: F401
