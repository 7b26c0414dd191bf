import base64
import concurrent.futures
import itertools

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.core.exceptions import ImproperlyConfigured

from ethos.secretfile import ed25519_signing_key, key_bytes, read_or_create


def test_it_creates_a_private_secret_once(tmp_path):
    path = tmp_path / "data" / "secret"
    first = read_or_create(path, lambda: "first")
    assert first == "first" and oct(path.stat().st_mode & 0o777) == "0o600"
    assert read_or_create(path, lambda: "second") == "first"
    assert [p.name for p in path.parent.iterdir()] == ["secret"]  # no temporary files left


def test_racing_processes_all_read_the_same_complete_secret(tmp_path):
    path = tmp_path / "secret"
    counter = itertools.count()

    def make():
        return f"secret-{next(counter)}-" + "x" * 10000

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: read_or_create(path, make), range(32)))
    assert len(set(results)) == 1 and results[0].endswith("x" * 10000)


def test_a_key_comes_from_its_variable_before_any_file(tmp_path, settings, monkeypatch):
    settings.ETHOS_DATA_DIR = tmp_path
    seed = bytes(range(32))
    monkeypatch.setenv("ETHOS_TEST_KEY", base64.b64encode(seed).decode())
    assert key_bytes("ETHOS_TEST_KEY", "test_key") == seed
    public = ed25519_signing_key("ETHOS_TEST_KEY", "test_key").public_key().public_bytes_raw()
    assert public == Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    assert list(tmp_path.iterdir()) == []  # the variable given, no file is made


def test_without_its_variable_a_key_is_made_once_in_a_private_file(tmp_path, settings, monkeypatch):
    settings.ETHOS_DATA_DIR = tmp_path
    monkeypatch.delenv("ETHOS_TEST_KEY", raising=False)
    first = ed25519_signing_key("ETHOS_TEST_KEY", "test_key")
    path = tmp_path / "test_key"
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert base64.b64decode(path.read_text()) == first.private_bytes_raw()
    again = ed25519_signing_key("ETHOS_TEST_KEY", "test_key")
    assert again.private_bytes_raw() == first.private_bytes_raw()
    made = key_bytes("ETHOS_TEST_KEY", "other_key", make=lambda: b"k" * 32)
    assert made == b"k" * 32 and (tmp_path / "other_key").read_text() == base64.b64encode(made).decode()


@pytest.mark.parametrize("value", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_key_that_is_not_32_bytes_of_base64_is_refused_by_name(tmp_path, settings, monkeypatch, value):
    settings.ETHOS_DATA_DIR = tmp_path
    monkeypatch.setenv("ETHOS_TEST_KEY", value)
    with pytest.raises(ImproperlyConfigured) as refused:
        ed25519_signing_key("ETHOS_TEST_KEY", "test_key")
    assert str(refused.value) == "ETHOS_TEST_KEY must be base64 of exactly 32 bytes."
    monkeypatch.delenv("ETHOS_TEST_KEY")
    (tmp_path / "test_key").write_text(value)  # a damaged file is named, not misread
    with pytest.raises(ImproperlyConfigured) as refused:
        key_bytes("ETHOS_TEST_KEY", "test_key")
    assert str(refused.value) == f"{tmp_path / 'test_key'} must be base64 of exactly 32 bytes."
