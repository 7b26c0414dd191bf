"""Keys, envelope encryption and encrypted fields: only the coach can read client records.

Models that hold client data subclass `ethos.vault.models.VaultModel` and use the fields of
`ethos.vault.fields`:

    from ethos.vault.fields import EncryptedTextField
    from ethos.vault.models import VaultModel

    class Goal(VaultModel):
        words = EncryptedTextField()

Create each client's data key with `ethos.vault.services.data_key_create` and put it on every
row about that client. Reading or writing while the vault is locked raises
`ethos.vault.context.VaultLocked`, which the middleware turns into the unlock page.
"""
