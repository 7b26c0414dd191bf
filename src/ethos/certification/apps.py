from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "ethos.certification"
    label = "certification"
    verbose_name = "The association: registry, certificates, complaints and cases"

    def ready(self) -> None:
        # The practice apps sit below this one: they learn a coach's standing (E1) and send
        # their checkpoints to the association's witness only through standards' registries.
        from ethos.accounts.backup import backup_never, backup_site_only
        from ethos.standards.standing import standing_provider
        from ethos.standards.witness import witness_provider

        from . import standing, witness

        standing_provider(standing.standing_of)
        witness_provider(witness.ASSOCIATION_WITNESS)
        # The registry and its certificates are the association's, never part of one coach's
        # practice backup, even though an entry is linked to the coach's account.
        backup_site_only(
            "certification.certification",
            "certification.statuslist",
            "certification.statusentry",
            "certification.issuedcredential",
            "certification.witnessedcheckpoint",
        )
        backup_never("certification.verificationrequest")
