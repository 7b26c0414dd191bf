"""How passphrases are checked: a coach's by their vault key, anyone else's by an Argon2 hash.

Every check at sign-in is one Argon2id run with the vault's parameters, whoever signs in (or
nobody: `services._dummy_check`), so its time tells no account apart from another.
"""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher, BasePasswordHasher
from django.core.exceptions import ImproperlyConfigured

from ethos.vault.crypto import KdfParams

VAULT_ALGORITHM = "ethos_vault"

_VAULT_COST = KdfParams.default()


class VaultCostArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hash at the vault's cost (64 MiB, 3 passes, 4 lanes), for people without a vault.

    Django's own costs (100 MiB, 2 passes, 8 lanes) are about the same work per guess, but not
    the same time: a staff member's or a client's sign-in must take as long as a coach's, or an
    unknown email's. Hashes made at Django's costs still verify (Argon2 reads the costs from the
    hash), and are re-hashed at these on the person's next sign-in.
    """

    time_cost = _VAULT_COST.iterations
    memory_cost = _VAULT_COST.memory_kib
    parallelism = _VAULT_COST.lanes

    # In turn with the vault's own derivations (vault.services.derivation_turn): the same cost.
    def encode(self, password, salt):
        from ethos.vault.services import derivation_turn

        with derivation_turn():
            return super().encode(password, salt)

    def verify(self, password, encoded):
        from ethos.vault.services import derivation_turn

        with derivation_turn():
            return super().verify(password, encoded)


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2 with test-suite costs; refuses to run in production."""

    algorithm = "argon2"
    time_cost = 1
    memory_cost = 64
    parallelism = 1

    def _check(self) -> None:
        if getattr(settings, "PRODUCTION", False):
            raise ImproperlyConfigured("The fast test hasher cannot be used in production.")

    def encode(self, password, salt):
        self._check()
        return super().encode(password, salt)

    def must_update(self, encoded):
        # Hashes made with test costs are fine within the test run.
        return False


def vault_encoded(coach_id) -> str:
    """The password field of a coach whose passphrase is checked by their wrapped account key.

    It names the coach and holds a fresh random nonce, nothing derived from the passphrase: the
    field changes with every new passphrase, so Django's session hash (an HMAC of it) still ends
    the coach's other sessions, and a copy of the database gives no second thing to guess against.
    """
    return f"{VAULT_ALGORITHM}${coach_id}${secrets.token_urlsafe(16)}"


def is_vault_encoded(encoded: str | None) -> bool:
    return bool(encoded) and encoded.startswith(f"{VAULT_ALGORITHM}$")


def vault_check(coach, passphrase: str | None) -> bool:
    """Tell whether `passphrase` unwraps the coach's account key: one Argon2id run, the tag as the check."""
    from ethos.vault import services as vault_services

    if not passphrase:
        return False
    return vault_services.unlock_with_passphrase(coach=coach, passphrase=passphrase) is not None


class VaultKeyHasher(BasePasswordHasher):
    """Check a coach's passphrase by unwrapping their account key; no hash of it is stored.

    `User.check_password` routes a field made by `vault_encoded` to `vault_check` itself (so that
    Django never "upgrades" it to a second, hashed verifier); listed in PASSWORD_HASHERS so that
    Django recognises the field anywhere else. It makes no hashes: `make_password` cannot use it.
    """

    algorithm = VAULT_ALGORITHM

    def encode(self, password, salt):
        raise ValueError("A coach's passphrase is not hashed: set it with User.set_vault_password.")

    def decode(self, encoded):
        algorithm, coach_id, nonce = encoded.split("$", 2)
        # Not an assert (as Django's own hashers have): `python -O` would drop the check.
        if algorithm != self.algorithm:
            raise ValueError(f"Not a {self.algorithm} value: {algorithm!r}.")
        return {"algorithm": algorithm, "coach_id": coach_id, "salt": nonce, "hash": ""}

    def verify(self, password, encoded):
        from .models import User

        try:
            coach_id = uuid.UUID(self.decode(encoded)["coach_id"])
        except ValueError:  # not a field `vault_encoded` made
            return False
        coach = User.objects.filter(pk=coach_id, role=User.Role.COACH).first()
        return coach is not None and vault_check(coach, password)

    def safe_summary(self, encoded):
        return {"algorithm": self.algorithm, "checked by": "the account key wrapped by the passphrase"}

    def must_update(self, encoded):
        return False

    def harden_runtime(self, password, encoded):
        pass
