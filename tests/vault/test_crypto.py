import json
import re
import unicodedata
import uuid

import pytest
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id
from hypothesis import given, settings
from hypothesis import strategies as st

from ethos.vault.crypto import (
    DECRYPTION_FAILED,
    DECRYPTION_TOO_SHORT,
    DECRYPTION_UNKNOWN_VERSION,
    RECOVERY_KEY_BAD_CHARACTER,
    RECOVERY_KEY_BAD_CHECKSUM,
    RECOVERY_KEY_WRONG_LENGTH,
    DecryptionError,
    FieldCipher,
    KdfParams,
    KdfParamsError,
    RecoveryKeyFormatError,
    VaultError,
    aad_part,
    decrypt,
    derive_kek,
    encrypt,
    field_aad,
    format_recovery_key,
    new_key,
    new_recovery_key,
    new_salt,
    parse_recovery_key,
    unwrap_key,
    wrap_key,
)

TEST_PARAMS = KdfParams.insecure_for_tests()
COACH = uuid.UUID("5f0c1d2e-3a4b-4c5d-8e6f-708192a3b4c5")
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
keys = st.binary(min_size=32, max_size=32)


def an_aad(**overrides):
    parts = {
        "coach_id": COACH,
        "model": "clients.client",
        "field": "full_name",
        "row_id": 42,
        "key_id": 1,
    }
    return field_aad(**(parts | overrides))


# --------------------------------------------------------------------------- field encryption


@settings(max_examples=60)
@given(key=keys, plaintext=st.binary(max_size=2048))
def test_it_round_trips_any_plaintext(key, plaintext):
    assert decrypt(key, encrypt(key, plaintext, aad=an_aad()), aad=an_aad()) == plaintext


@pytest.mark.parametrize("size", [0, 1, 15, 16, 17, 64 * 1024])
def test_it_round_trips_edge_sizes(size):
    key, plaintext = new_key(), bytes(range(256)) * (size // 256) + b"x" * (size % 256)
    blob = encrypt(key, plaintext, aad=an_aad())
    assert len(blob) == 1 + 12 + size + 16
    assert blob[0] == 0x01
    assert decrypt(key, blob, aad=an_aad()) == plaintext


def test_it_uses_a_fresh_nonce_every_time():
    key = new_key()
    blobs = {encrypt(key, b"same", aad=an_aad()) for _ in range(50)}
    assert len(blobs) == 50
    assert len({blob[1:13] for blob in blobs}) == 50


@settings(max_examples=80)
@given(key=keys, plaintext=st.binary(max_size=64), data=st.data())
def test_it_rejects_any_flipped_bit(key, plaintext, data):
    blob = bytearray(encrypt(key, plaintext, aad=an_aad()))
    bit = data.draw(st.integers(0, len(blob) * 8 - 1))
    blob[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        decrypt(key, bytes(blob), aad=an_aad())


@settings(max_examples=60)
@given(key=keys, plaintext=st.binary(max_size=64), data=st.data())
def test_it_rejects_any_truncation(key, plaintext, data):
    blob = encrypt(key, plaintext, aad=an_aad())
    cut = data.draw(st.integers(0, len(blob) - 1))
    with pytest.raises(DecryptionError):
        decrypt(key, blob[:cut], aad=an_aad())


def test_it_rejects_extra_bytes():
    key = new_key()
    with pytest.raises(DecryptionError):
        decrypt(key, encrypt(key, b"note", aad=an_aad()) + b"\x00", aad=an_aad())


def test_it_explains_short_and_unknown_version_blobs():
    key = new_key()
    blob = encrypt(key, b"note", aad=an_aad())
    with pytest.raises(DecryptionError) as short:
        decrypt(key, blob[:20], aad=an_aad())
    assert str(short.value) == DECRYPTION_TOO_SHORT
    with pytest.raises(DecryptionError) as version:
        decrypt(key, b"\x02" + blob[1:], aad=an_aad())
    assert str(version.value) == DECRYPTION_UNKNOWN_VERSION


def _outcome(open_, blob, aad):
    try:
        return open_(blob, aad=aad)
    except Exception as error:  # the outcome compared is the error itself
        return type(error), str(error)


@settings(max_examples=200)
@given(key=keys, plaintext=st.binary(max_size=300), data=st.data())
def test_a_field_cipher_opens_and_refuses_exactly_as_decrypt_does(key, plaintext, data):
    """FieldCipher checks a well-formed value inline; every other blob must meet decrypt's checks."""
    blob = encrypt(key, plaintext, aad=an_aad())
    damage = data.draw(
        st.sampled_from(["none", "flip", "cut", "extend", "version", "empty aad", "other aad"])
    )
    aad = an_aad()
    if damage == "flip":
        mutable = bytearray(blob)
        bit = data.draw(st.integers(0, len(blob) * 8 - 1))
        mutable[bit // 8] ^= 1 << (bit % 8)
        blob = bytes(mutable)
    elif damage == "cut":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif damage == "extend":
        blob += data.draw(st.binary(min_size=1, max_size=8))
    elif damage == "version":
        blob = bytes([data.draw(st.integers(0, 255).filter(lambda v: v != 1))]) + blob[1:]
    elif damage == "empty aad":
        aad = b""
    elif damage == "other aad":
        aad = an_aad(row_id=43)
    form = data.draw(st.sampled_from([bytes, bytearray, memoryview]))
    cipher = FieldCipher(key)
    expected = _outcome(lambda b, aad: decrypt(key, b, aad=aad), form(blob), aad)
    assert _outcome(cipher.decrypt, form(blob), aad) == expected
    if damage == "none" and aad:
        assert expected == plaintext


def test_a_field_cipher_refuses_what_is_not_bytes():
    cipher = FieldCipher(new_key())
    blob = cipher.encrypt(b"note", aad=an_aad())
    with pytest.raises(TypeError):
        cipher.decrypt(blob.hex(), aad=an_aad())
    with pytest.raises(ValueError):
        cipher.decrypt(blob, aad=an_aad().decode("latin-1"))
    assert cipher.decrypt(blob, aad=an_aad()) == b"note"


@settings(max_examples=30)
@given(key=keys, other=keys, plaintext=st.binary(max_size=64))
def test_it_rejects_a_wrong_key(key, other, plaintext):
    if key == other:
        return
    with pytest.raises(DecryptionError) as excinfo:
        decrypt(other, encrypt(key, plaintext, aad=an_aad()), aad=an_aad())
    assert str(excinfo.value) == DECRYPTION_FAILED
    assert isinstance(excinfo.value, VaultError)


@pytest.mark.parametrize(
    "override",
    [
        {"coach_id": uuid.UUID("00000000-0000-4000-8000-000000000001")},
        {"model": "clients.intake"},
        {"field": "date_of_birth"},
        {"row_id": 43},
        {"key_id": 2},
    ],
    ids=["other coach", "other model", "other column", "other row", "other key id"],
)
def test_it_rejects_ciphertext_moved_to_another_place(override):
    key = new_key()
    blob = encrypt(key, b"Jane Doe", aad=an_aad())
    with pytest.raises(DecryptionError):
        decrypt(key, blob, aad=an_aad(**override))


def test_it_refuses_empty_aad_and_bad_key_lengths():
    with pytest.raises(ValueError):
        encrypt(new_key(), b"x", aad=b"")
    with pytest.raises(ValueError):
        encrypt(b"k" * 16, b"x", aad=b"a")
    with pytest.raises(ValueError):
        decrypt(b"k" * 31, b"x" * 40, aad=b"a")


# --------------------------------------------------------------------------- field aad


def test_it_encodes_the_field_aad_canonically():
    assert an_aad() == (
        b"ethos/field-aad\x00\x01"
        + b"\x00\x00\x00\x24" + str(COACH).encode()
        + b"\x00\x00\x00\x0eclients.client"
        + b"\x00\x00\x00\x09full_name"
        + b"\x00\x00\x00\x0242"
        + b"\x00\x00\x00\x011"
    )  # fmt: skip


def test_it_gives_the_same_aad_for_a_uuid_or_its_string_and_an_int_or_its_digits():
    assert an_aad() == an_aad(coach_id=str(COACH), row_id="42", key_id="1")


@settings(max_examples=300)
@given(value=st.uuids(version=None) | st.uuids(version=4))
def test_it_encodes_any_uuid_as_its_canonical_text(value):
    text = str(value).encode()
    assert aad_part("row_id", value) == len(text).to_bytes(4, "big") + text
    assert aad_part("row_id", value) == aad_part("row_id", str(value))


def test_it_encodes_the_extreme_uuids_canonically():
    for value in (uuid.UUID(int=0), uuid.UUID(int=2**128 - 1), uuid.UUID(int=1)):
        assert aad_part("key_id", value) == b"\x00\x00\x00\x24" + str(value).encode()


def test_it_keeps_the_field_aad_unambiguous_whatever_the_parts_contain():
    assert an_aad(model="a|b", field="c") != an_aad(model="a", field="b|c")
    assert an_aad(model="a\x00\x00\x00\x01b", field="c") != an_aad(model="a", field="b")


@pytest.mark.parametrize("bad", [None, True, "", 1.5, b"bytes"])
def test_it_refuses_unusable_aad_parts(bad):
    with pytest.raises((TypeError, ValueError)):
        an_aad(row_id=bad)


# --------------------------------------------------------------------------- key wrapping


def test_it_wraps_and_unwraps_a_key():
    kek, key = new_key(), new_key()
    aad = f"ethos/account-key|coach={COACH}|by=passphrase".encode()
    wrapped = wrap_key(kek, key, aad=aad)
    assert len(wrapped) == 1 + 12 + 32 + 16
    assert wrapped[0] == 0x01
    assert unwrap_key(kek, wrapped, aad=aad) == key


@settings(max_examples=40)
@given(kek=keys, key=keys, data=st.data())
def test_it_rejects_a_tampered_wrapped_key(kek, key, data):
    wrapped = bytearray(wrap_key(kek, key, aad=b"ethos/account-key|by=passphrase"))
    bit = data.draw(st.integers(0, len(wrapped) * 8 - 1))
    wrapped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(DecryptionError):
        unwrap_key(kek, bytes(wrapped), aad=b"ethos/account-key|by=passphrase")


def test_it_rejects_unwrapping_with_a_wrong_kek_or_aad():
    kek, key = new_key(), new_key()
    wrapped = wrap_key(kek, key, aad=b"ethos/account-key|by=passphrase")
    with pytest.raises(DecryptionError):
        unwrap_key(new_key(), wrapped, aad=b"ethos/account-key|by=passphrase")
    with pytest.raises(DecryptionError):
        unwrap_key(kek, wrapped, aad=b"ethos/account-key|by=recovery")


def test_it_keeps_wrapped_keys_and_field_values_apart():
    # Same key and aad: a wrapped key must not decrypt as a field value, nor the reverse.
    kek, key, aad = new_key(), new_key(), b"ethos/same-aad"
    with pytest.raises(DecryptionError):
        decrypt(kek, wrap_key(kek, key, aad=aad), aad=aad)
    with pytest.raises(DecryptionError):
        unwrap_key(kek, encrypt(kek, key, aad=aad), aad=aad)


# --------------------------------------------------------------------------- key derivation


def test_it_derives_the_same_kek_from_the_same_passphrase_and_salt():
    salt = new_salt()
    kek = derive_kek("correct horse battery staple", salt, TEST_PARAMS)
    assert len(kek) == 32
    assert derive_kek("correct horse battery staple", salt, TEST_PARAMS) == kek


def test_it_derives_different_keks_for_a_different_salt_passphrase_or_params():
    salt = b"s" * 16
    kek = derive_kek("passphrase", salt, TEST_PARAMS)
    assert derive_kek("passphrase", b"t" * 16, TEST_PARAMS) != kek
    assert derive_kek("passphrasf", salt, TEST_PARAMS) != kek
    assert derive_kek("passphrase", salt, KdfParams(memory_kib=2048, iterations=1, lanes=1)) != kek


def test_it_derives_exactly_argon2id():
    # Cross-check against the other Argon2id implementation we have (cryptography's).
    expected = Argon2id(salt=b"s" * 16, length=32, iterations=1, lanes=1, memory_cost=1024)
    assert derive_kek("pässword", b"s" * 16, TEST_PARAMS) == expected.derive("pässword".encode())


def test_it_treats_composed_and_decomposed_accents_alike():
    composed = "café crème"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert derive_kek(composed, b"s" * 16, TEST_PARAMS) == derive_kek(decomposed, b"s" * 16, TEST_PARAMS)


def test_it_refuses_a_short_salt_or_empty_passphrase():
    with pytest.raises(ValueError):
        derive_kek("passphrase", b"short", TEST_PARAMS)
    with pytest.raises(ValueError):
        derive_kek("", b"s" * 16, TEST_PARAMS)


def test_it_sets_the_production_floor():
    params = KdfParams.default()
    assert (params.algorithm, params.memory_kib, params.iterations, params.lanes) == (
        "argon2id",
        64 * 1024,
        3,
        4,
    )
    assert params.meets_production_floor()
    assert not TEST_PARAMS.meets_production_floor()
    assert KdfParams(memory_kib=256 * 1024, iterations=4, lanes=8).meets_production_floor()


def test_it_serialises_kdf_params():
    params = KdfParams(memory_kib=128 * 1024, iterations=4, lanes=4)
    assert KdfParams.from_dict(json.loads(json.dumps(params.to_dict()))) == params
    assert KdfParams.from_json(params.to_json()) == params
    assert json.loads(params.to_json()) == {
        "algorithm": "argon2id",
        "memory_kib": 131072,
        "iterations": 4,
        "lanes": 4,
    }


@pytest.mark.parametrize(
    "data",
    [
        {"algorithm": "argon2i", "memory_kib": 65536, "iterations": 3, "lanes": 4},
        {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 0, "lanes": 4},
        {"algorithm": "argon2id", "memory_kib": 16, "iterations": 3, "lanes": 4},
        {"algorithm": "argon2id", "memory_kib": 2**40, "iterations": 3, "lanes": 4},
        {"algorithm": "argon2id", "memory_kib": "65536", "iterations": 3, "lanes": 4},
        {"algorithm": "argon2id", "memory_kib": 65536, "iterations": True, "lanes": 4},
        {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 3},
        {"algorithm": "argon2id", "memory_kib": 65536, "iterations": 3, "lanes": 4, "x": 1},
        ["argon2id"],
    ],
)
def test_it_refuses_invalid_kdf_params(data):
    with pytest.raises(KdfParamsError):
        KdfParams.from_dict(data)


def test_it_refuses_kdf_params_that_are_not_json():
    with pytest.raises(KdfParamsError):
        KdfParams.from_json("{not json")


# --------------------------------------------------------------------------- recovery key


@settings(max_examples=100)
@given(key=keys)
def test_it_round_trips_a_recovery_key(key):
    text = format_recovery_key(key)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){13}", text)
    assert parse_recovery_key(text) == key


def test_it_makes_random_recovery_keys():
    assert len(new_recovery_key()) == 32
    assert new_recovery_key() != new_recovery_key()


def test_it_parses_a_sloppily_typed_recovery_key():
    key = bytes(range(32))
    text = format_recovery_key(key)
    assert parse_recovery_key(text.lower()) == key
    assert parse_recovery_key(text.replace("-", " ")) == key
    assert parse_recovery_key(text.replace("-", "")) == key
    assert parse_recovery_key("  " + text.replace("-", " \u2013 ") + "\n") == key
    # Crockford: I and L are read as 1, O as 0.
    confused = text.replace("1", "l").replace("0", "O")
    assert confused != text
    assert parse_recovery_key(confused) == key
    assert parse_recovery_key(text.replace("1", "I").replace("0", "o")) == key


@settings(max_examples=60)
@given(key=keys, data=st.data())
def test_it_detects_any_single_character_substitution(key, data):
    chars = list(format_recovery_key(key).replace("-", ""))
    position = data.draw(st.integers(0, len(chars) - 1))
    chars[position] = data.draw(st.sampled_from(CROCKFORD.replace(chars[position], "")))
    with pytest.raises(RecoveryKeyFormatError) as excinfo:
        parse_recovery_key("".join(chars))
    assert str(excinfo.value) == RECOVERY_KEY_BAD_CHECKSUM


def test_it_detects_every_single_substitution_and_neighbour_swap_exhaustively():
    for key in (bytes(32), b"\xff" * 32, bytes(range(32))):
        chars = format_recovery_key(key).replace("-", "")
        for position, original in enumerate(chars):
            for replacement in CROCKFORD.replace(original, ""):
                typo = chars[:position] + replacement + chars[position + 1 :]
                with pytest.raises(RecoveryKeyFormatError):
                    parse_recovery_key(typo)
            if position + 1 < len(chars) and chars[position + 1] != original:
                swapped = chars[:position] + chars[position + 1] + original + chars[position + 2 :]
                with pytest.raises(RecoveryKeyFormatError):
                    parse_recovery_key(swapped)


def test_it_explains_a_recovery_key_of_the_wrong_length():
    text = format_recovery_key(bytes(range(32)))
    with pytest.raises(RecoveryKeyFormatError) as short:
        parse_recovery_key(text[5:])
    assert str(short.value) == RECOVERY_KEY_WRONG_LENGTH.format(expected=56, found=52)
    with pytest.raises(RecoveryKeyFormatError) as long:
        parse_recovery_key(text + "-0000")
    assert str(long.value) == RECOVERY_KEY_WRONG_LENGTH.format(expected=56, found=60)


def test_it_explains_a_character_that_recovery_keys_do_not_use():
    text = format_recovery_key(bytes(range(32)))
    with pytest.raises(RecoveryKeyFormatError) as excinfo:
        parse_recovery_key("U" + text[1:])
    assert str(excinfo.value) == RECOVERY_KEY_BAD_CHARACTER.format(position=1)


def test_it_refuses_nonzero_padding_bits_even_with_a_matching_checksum():
    from ethos.vault.crypto import _check_values

    text = format_recovery_key(bytes(32)).replace("-", "")
    values = [CROCKFORD.index(c) for c in text[:52]]
    values[-1] = 1  # one of the four padding bits
    forged = "".join(CROCKFORD[v] for v in values + _check_values(values))
    with pytest.raises(RecoveryKeyFormatError):
        parse_recovery_key(forged)
