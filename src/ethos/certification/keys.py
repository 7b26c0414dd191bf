"""The association's signing key (Ed25519): certificates, status lists and cosignatures.

Read from ETHOS_ASSOCIATION_SIGNING_KEY (base64 of a 32-byte seed) or from the file
ETHOS_DATA_DIR/association_signing_key, created once with mode 600. Like the audit signing key
it lives outside the database: someone who can only write to the database cannot issue a
certificate, clear a revocation bit or cosign a practice's rewritten log.
"""

from __future__ import annotations

import functools
import hashlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from joserfc.jwk import OKPKey

from ethos.secretfile import ed25519_signing_key

# The name the association's cosignatures are made under (C2SP signed-note key name).
WITNESS_NAME = "ethos-association"


@functools.cache
def signing_key() -> Ed25519PrivateKey:
    return ed25519_signing_key("ETHOS_ASSOCIATION_SIGNING_KEY", "association_signing_key")


def public_key() -> Ed25519PublicKey:
    return signing_key().public_key()


def key_id() -> str:
    """Return the `kid` naming the association's key: its name and a fingerprint of the key."""
    fingerprint = hashlib.sha256(public_key().public_bytes_raw()).hexdigest()[:16]
    return f"ethos-association-{fingerprint}"


def jwk(*, private: bool = False) -> OKPKey:
    """Return the key as a JWK (the public half unless `private`), with its `kid`."""
    key = OKPKey.import_key(signing_key() if private else public_key(), {"kid": key_id()})
    return key


def jwks() -> dict:
    """Return the public key set verifiers fetch: one Ed25519 key, named by its `kid`."""
    public = jwk().as_dict(private=False)
    return {"keys": [public | {"kid": key_id(), "alg": "Ed25519", "use": "sig"}]}
