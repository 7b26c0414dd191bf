"""A test-only model with every kind of encrypted field (the product has no demo model)."""

from django.db import models

from ethos.vault.fields import EncryptedDateField, EncryptedJSONField, EncryptedTextField
from ethos.vault.models import VaultModel


class Jotting(VaultModel):
    words = EncryptedTextField()
    facts = EncryptedJSONField(null=True)
    born = EncryptedDateField(null=True)
    label = models.CharField(max_length=200, blank=True)  # a plain column, for contrast

    class Meta:
        app_label = "vault"

    def __str__(self) -> str:
        return f"jotting {self.pk}"
