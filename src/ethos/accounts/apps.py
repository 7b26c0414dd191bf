from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ethos.accounts"
    label = "accounts"
    verbose_name = "Accounts"
