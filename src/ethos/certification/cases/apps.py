from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ethos.certification.cases"
    label = "cases"
    verbose_name = "The association: complaints and ethics cases"

    def ready(self) -> None:
        # The verification page learns of a case only through this registry, and only of a
        # final sanction that the association's publication policy lets it show.
        from . import publication  # noqa: F401
