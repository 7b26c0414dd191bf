from django.apps import AppConfig


class CertificationConfig(AppConfig):
    name = "ethos.certification"
    label = "certification"
    verbose_name = "The association: registry, certificates, complaints and cases"
