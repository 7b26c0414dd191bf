"""Sealed boxes (X25519, HKDF-SHA256, AES-256-GCM): only the recipient's private key opens one, and
only in its place."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ethos.vault import boxes, crypto

RECIPIENT = boxes.new_private_key()
PUBLIC = boxes.public_of(RECIPIENT)


@given(plaintext=st.binary(max_size=2000), aad=st.binary(min_size=1, max_size=64))
def test_it_opens_what_it_sealed(plaintext, aad):
    assert boxes.open_box(RECIPIENT, boxes.seal(PUBLIC, plaintext, aad=aad), aad=aad) == plaintext


def test_each_box_is_new_even_for_the_same_words():
    one, two = (boxes.seal(PUBLIC, b"same words", aad=b"place") for _ in range(2))
    assert one != two and one[1:33] != two[1:33]  # a fresh ephemeral key each time


@given(position=st.integers(min_value=0, max_value=1 + 32 + 12 + 10 + 16 - 1))
def test_a_flipped_bit_anywhere_fails(position):
    box = bytearray(boxes.seal(PUBLIC, b"ten bytes!", aad=b"place"))
    box[position] ^= 0x01
    with pytest.raises(crypto.DecryptionError):
        boxes.open_box(RECIPIENT, bytes(box), aad=b"place")


def test_another_key_or_another_place_does_not_open_it():
    box = boxes.seal(PUBLIC, b"for the coach only", aad=b"reply|1")
    with pytest.raises(crypto.DecryptionError):
        boxes.open_box(boxes.new_private_key(), box, aad=b"reply|1")
    with pytest.raises(crypto.DecryptionError):
        boxes.open_box(RECIPIENT, box, aad=b"reply|2")
    with pytest.raises(crypto.DecryptionError):
        boxes.open_box(RECIPIENT, box[:40], aad=b"reply|1")


def test_it_refuses_empty_associated_data_and_a_bad_public_key():
    with pytest.raises(ValueError):
        boxes.seal(PUBLIC, b"x", aad=b"")
    with pytest.raises(ValueError):
        boxes.seal(PUBLIC[:31], b"x", aad=b"place")
