from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.core.exceptions import ImproperlyConfigured


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
