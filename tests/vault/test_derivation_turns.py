"""Passphrase derivations take turns (vault.services.derivation_turn).

Each is one Argon2id run of 64 MiB spread over two cores; at most ETHOS_PASSPHRASE_CHECKS run at
once in a process, the rest wait in order, so a rush of sign-ins holds that many 64 MiB buffers,
not one per thread, and the first people in the queue are in first (`make bench` times a rush).
"""

import threading
import time

import pytest
from django.contrib.auth.hashers import check_password, make_password

from ethos.vault import crypto
from ethos.vault import services as vault_services
from tests.conftest import PASSPHRASE, at_once


class Watched:
    """Wrap crypto.derive_kek (or anything) to record how many run at once, and how many ran."""

    def __init__(self, real):
        self.real, self.running, self.most, self.calls = real, 0, 0, 0
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.running += 1
            self.most = max(self.most, self.running)
            self.calls += 1
        try:
            time.sleep(0.02)
            return self.real(*args, **kwargs)
        finally:
            with self._lock:
                self.running -= 1


def counted_turns(settings, monkeypatch) -> list:
    """One turn at a time, and a list that grows by one for every turn taken."""
    settings.ETHOS_PASSPHRASE_CHECKS = 1
    turns = []
    real_turn = vault_services.derivation_turn

    def counted_turn():
        turns.append(1)
        return real_turn()

    monkeypatch.setattr(vault_services, "derivation_turn", counted_turn)
    return turns


@pytest.mark.parametrize("slots", [1, 2, 3])
def test_no_more_derivations_run_at_once_than_the_setting(settings, monkeypatch, slots):
    settings.ETHOS_PASSPHRASE_CHECKS = slots
    watched = Watched(crypto.derive_kek)
    monkeypatch.setattr(crypto, "derive_kek", watched)
    params = vault_services.kdf_params()
    keys = at_once(lambda i: vault_services.derive_kek(f"passphrase {i}", b"s" * 16, params), 12)
    assert watched.most == slots
    assert watched.calls == 12
    # Each still gives the key of its own passphrase.
    assert keys[5] == crypto.derive_kek("passphrase 5", b"s" * 16, params)


def test_without_the_turn_they_would_all_run_together(monkeypatch):
    """The test above can fail: the same threads calling crypto.derive_kek directly overlap."""
    watched = Watched(crypto.derive_kek)
    params = vault_services.kdf_params()
    at_once(lambda i: watched(f"passphrase {i}", b"s" * 16, params), 6)
    assert watched.most > 1


def test_a_waiting_derivation_runs_once_the_turn_is_given_back(settings):
    settings.ETHOS_PASSPHRASE_CHECKS = 1
    done = threading.Event()
    with vault_services.derivation_turn():
        waiting = threading.Thread(
            target=lambda: (
                vault_services.derive_kek(PASSPHRASE, b"s" * 16, vault_services.kdf_params()),
                done.set(),
            )
        )
        waiting.start()
        assert not done.wait(0.2), "a derivation ran while another held the only turn"
    assert done.wait(5)
    waiting.join(5)


def test_every_vault_derivation_takes_a_turn(db, settings, monkeypatch):
    """Sign-in, a wrong guess's dummy, a new account, a new passphrase: all through the turn."""
    from tests.conftest import make_coach

    turns = counted_turns(settings, monkeypatch)
    coach = make_coach()
    assert len(turns) == 1
    vault = vault_services.unlock_with_passphrase(coach=coach, passphrase=PASSPHRASE)
    assert vault is not None and len(turns) == 2
    vault_services.unlock_dummy(passphrase="not anyone's passphrase")
    assert len(turns) == 3
    vault_services.passphrase_rewrap(vault=vault, new_passphrase="another long passphrase here")
    assert len(turns) == 4


def test_the_password_hash_of_people_without_a_vault_takes_a_turn_too(settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["ethos.accounts.hashers.VaultCostArgon2PasswordHasher"]
    turns = counted_turns(settings, monkeypatch)
    encoded = make_password(PASSPHRASE)
    assert len(turns) == 1
    assert check_password(PASSPHRASE, encoded)
    assert not check_password("a wrong passphrase", encoded)
    assert len(turns) == 3
