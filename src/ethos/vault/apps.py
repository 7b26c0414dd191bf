from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "ethos.vault"
    label = "vault"
