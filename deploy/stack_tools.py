"""Small helpers deploy/with-stack calls: ports, a throw-away database, a certificate, waiting.

    python deploy/stack_tools.py free-port
    python deploy/stack_tools.py createdb ADMIN_URL NAME      # prints the new database's URL
    python deploy/stack_tools.py dropdb ADMIN_URL NAME
    python deploy/stack_tools.py cert FOLDER                  # writes FOLDER/proxy.crt and .key
    python deploy/stack_tools.py wait URL CA SECONDS          # until URL answers over TLS

Each prints one clear line and exits non-zero on failure, never with a traceback.
"""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")


def fail(message: str) -> None:
    sys.stderr.write(f"stack_tools: {message}\n")
    raise SystemExit(1)


def free_port() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        print(probe.getsockname()[1])


def _admin(url: str):
    try:
        import psycopg
    except ImportError:
        fail("psycopg is not installed: pip install -e '.[postgres]'")
    try:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as error:
        fail(f"cannot reach PostgreSQL as {_hide(url)}: {str(error).strip().splitlines()[0]}")


def _hide(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}:{parts.port or 5432}" if parts.username else parts.netloc
    return urlunsplit(parts._replace(netloc=netloc))


def createdb(url: str, name: str) -> None:
    if not NAME.match(name):
        fail(f"not a database name: {name!r}")
    with _admin(url) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    print(urlunsplit(urlsplit(url)._replace(path=f"/{name}")))


def dropdb(url: str, name: str, *, attempts: int = 10) -> None:
    if not NAME.match(name):
        fail(f"not a database name: {name!r}")
    import psycopg

    with _admin(url) as connection:
        try:
            # FORCE (PostgreSQL 13+) ends a connection a killed process left behind.
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            return
        except psycopg.errors.InsufficientPrivilege:
            # FORCE must be allowed to end every other connection, and an autovacuum worker
            # (busy after a load on the database) belongs to no role this one may signal, so
            # PostgreSQL refuses. A plain DROP stops autovacuum itself and waits for it; the
            # stack's own processes have exited by now, so only stragglers are waited for.
            pass
        except psycopg.Error as error:
            fail(f"could not drop the database {name}: {str(error).strip().splitlines()[0]}")
        for attempt in range(1, attempts + 1):
            try:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
                return
            except psycopg.errors.ObjectInUse as error:
                if attempt == attempts:
                    fail(f"could not drop the database {name}: {str(error).strip().splitlines()[0]}")
                time.sleep(1)
            except psycopg.Error as error:
                fail(f"could not drop the database {name}: {str(error).strip().splitlines()[0]}")


def cert(folder: str | Path) -> tuple[Path, Path]:
    """Write FOLDER/proxy.crt and proxy.key: a self-signed certificate for localhost and 127.0.0.1,
    valid for a day, as a real proxy would hold one. Return the two paths (tests/test_proxy.py)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = Path(folder) / "proxy.crt", Path(folder) / "proxy.key"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def wait(url: str, ca: str, seconds: str) -> None:
    context = ssl.create_default_context(cafile=ca)
    deadline = time.monotonic() + float(seconds)
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5, context=context):  # noqa: S310 (our own proxy)
                return
        except urllib.error.HTTPError as error:
            if error.code not in (502, 503, 504):
                return  # the application answered
            # The proxy answered for an application that is not listening yet.
            last = f"the proxy answered {error.code}"
        except OSError as error:
            last = str(error)
        time.sleep(0.2)
    fail(f"{url} did not answer within {seconds} s ({last})")


COMMANDS = {"free-port": (free_port, 0), "createdb": (createdb, 2), "dropdb": (dropdb, 2), "cert": (cert, 1)}
COMMANDS["wait"] = (wait, 3)

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        fail(f"usage: stack_tools.py {{{','.join(COMMANDS)}}} ...")
    command, count = COMMANDS[sys.argv[1]]
    if len(sys.argv) - 2 != count:
        fail(f"{sys.argv[1]} takes {count} argument(s)")
    command(*sys.argv[2:])
