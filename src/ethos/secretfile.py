"""Read a secret from a file, creating it once, safely when several processes start at once; and
the 32-byte keys kept outside the database that way (the audit and association keys)."""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
BAD_KEY = "{source} must be base64 of exactly 32 bytes."


def read_or_create(path: Path, make: Callable[[], str]) -> str:
    """Return the file's content; if it does not exist, write `make()` to it with mode 600.

    The content is written to a private temporary file first and linked into place, so another
    process never reads a half-written secret, and only the first writer's secret wins.
    """
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w") as handle:
                handle.write(make())
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(temporary, 0o600)
            # If another process was first, keep its secret.
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


def key_bytes(env_name: str, file_name: str, *, make: Callable[[], bytes] | None = None) -> bytes:
    """Return a 32-byte key: base64 in the environment variable `env_name`, else in the file
    ETHOS_DATA_DIR/`file_name`, created once with mode 600 from `make()` (32 random bytes).

    Anything but base64 of exactly 32 bytes, in the variable or the file, is refused by name.
    """
    given = os.environ.get(env_name, "").strip()
    source = env_name
    if not given:
        path = Path(settings.ETHOS_DATA_DIR) / file_name
        new = make or (lambda: secrets.token_bytes(KEY_BYTES))
        given = read_or_create(path, lambda: base64.b64encode(new()).decode())
        source = str(path)
    try:
        raw = base64.b64decode(given, validate=True)
    except binascii.Error:
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ImproperlyConfigured(BAD_KEY.format(source=source))
    return raw


def ed25519_signing_key(env_name: str, file_name: str) -> Ed25519PrivateKey:
    """Return the Ed25519 key whose 32-byte seed `key_bytes(env_name, file_name)` reads."""
    return Ed25519PrivateKey.from_private_bytes(key_bytes(env_name, file_name))
