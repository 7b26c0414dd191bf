from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "ethos.certification.cases"
    label = "cases"
    verbose_name = "The association: complaints and ethics cases"

    def ready(self) -> None:
        # The verification page learns of a case only through this registry, and only of a
        # final sanction that the association's publication policy lets it show.
        from ethos.accounts.backup import backup_never, backup_site_only

        from . import publication  # noqa: F401

        # The association's records are the site's, never part of one coach's practice backup.
        backup_site_only(
            "cases.complaint", "cases.ethicscase", "cases.panelseat", "cases.conflictdeclaration"
        )
        backup_never("cases.submissionmark")
