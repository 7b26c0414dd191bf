import base64

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import given, settings
from hypothesis import strategies as st

from ethos.audit.checkpoint import (
    CHECKPOINT_BAD_ROOT,
    CHECKPOINT_BAD_SIZE,
    CHECKPOINT_EMPTY_LINE,
    CHECKPOINT_TOO_FEW_LINES,
    CHECKPOINT_WRONG_ORIGIN,
    NOTE_BAD_SIGNATURE_LINE,
    NOTE_CONTROL_CHARACTER,
    NOTE_NO_BLANK_LINE,
    NOTE_NO_FINAL_NEWLINE,
    NOTE_NO_SIGNATURES,
    NOTE_NOT_SIGNED_BY_KEY,
    NOTE_NOT_UTF8,
    NOTE_SIGNATURE_INVALID,
    NOTE_TOO_MANY_SIGNATURES,
    Checkpoint,
    CheckpointError,
    key_id,
    parse_and_verify,
    parse_verifier_key,
    sign,
    sign_note,
    verifier_key_string,
    verify_note,
)
from ethos.audit.merkle import leaf_hash

# Known answers from golang.org/x/mod/sumdb/note (note_test.go), the reference
# implementation of C2SP signed notes: a private key, its verifier key and a signed note.
PETER_SIGNER_KEY = "AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"  # 0x01 || Ed25519 seed
PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
PETER_TEXT = (
    "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
)
PETER_SIG = (
    "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqf"
    "qdngotpRZb6KE6RyyBwJnAM=\n"
)
ENOCH_SIG = (
    "\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGrQ5ovTG01oOTGw"
    "nWLox33WWd1RvMc+QQ=\n"
)

ORIGIN = "ethos.example/audit/5f0c1d2e-3a4b-4c5d-8e6f-708192a3b4c5"
KEY_NAME = ORIGIN
PRIVATE_KEY = Ed25519PrivateKey.from_private_bytes(bytes(range(32)))
PUBLIC_KEY = PRIVATE_KEY.public_key()
ROOT = leaf_hash(b"some root")


def peter_key():
    return Ed25519PrivateKey.from_private_bytes(base64.b64decode(PETER_SIGNER_KEY)[1:])


def a_checkpoint(**overrides):
    fields = {"origin": ORIGIN, "size": 1234, "root": ROOT} | overrides
    return Checkpoint(**fields)


def signed(text=None):
    return (
        sign(a_checkpoint(), PRIVATE_KEY, KEY_NAME)
        if text is None
        else sign_note(text, PRIVATE_KEY, KEY_NAME)
    )


def rejected(note, message=None, *, key_name=KEY_NAME):
    with pytest.raises(CheckpointError) as excinfo:
        parse_and_verify(note, PUBLIC_KEY, key_name)
    if message is not None:
        assert str(excinfo.value) == message
    return excinfo.value


# --------------------------------------------------------------------------- known answers


def test_it_computes_the_reference_key_id_and_verifier_key():
    key = peter_key()
    assert key_id("PeterNeumann", key.public_key()) == bytes.fromhex("c74f20a3")
    assert verifier_key_string("PeterNeumann", key.public_key()) == PETER_VKEY


def test_it_signs_exactly_like_the_reference_implementation():
    # Ed25519 is deterministic, so the whole signed note is a known answer.
    assert sign_note(PETER_TEXT, peter_key(), "PeterNeumann") == PETER_TEXT + "\n" + PETER_SIG


def test_it_verifies_a_reference_note_and_ignores_signatures_by_other_keys():
    note = PETER_TEXT + "\n" + PETER_SIG + ENOCH_SIG
    name, peter = parse_verifier_key(PETER_VKEY)
    assert name == "PeterNeumann"
    assert verify_note(note, peter, "PeterNeumann") == PETER_TEXT
    name, enoch = parse_verifier_key(ENOCH_VKEY)
    assert verify_note(note, enoch, "EnochRoot") == PETER_TEXT


def test_it_rejects_a_reference_note_with_a_corrupted_signature():
    note = PETER_TEXT + "\n" + PETER_SIG[:60] + "ABCD" + PETER_SIG[60:]
    _, peter = parse_verifier_key(PETER_VKEY)
    with pytest.raises(CheckpointError) as excinfo:
        verify_note(note, peter, "PeterNeumann")
    assert str(excinfo.value) == NOTE_SIGNATURE_INVALID.format(key_name="PeterNeumann")


@pytest.mark.parametrize(
    "vkey",
    [
        PETER_VKEY[:-1],
        PETER_VKEY.replace("c74f20a3", "c74f20a4"),
        PETER_VKEY.replace("PeterNeumann", "PeterNeuman"),
        "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
        "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "Peter Neumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW",
        "PeterNeumann+c74f20a3",
    ],
)
def test_it_rejects_mangled_verifier_keys(vkey):
    with pytest.raises(CheckpointError):
        parse_verifier_key(vkey)


def test_it_round_trips_its_own_verifier_key():
    name, public_key = parse_verifier_key(verifier_key_string(KEY_NAME, PUBLIC_KEY))
    assert name == KEY_NAME
    assert public_key.public_bytes_raw() == PUBLIC_KEY.public_bytes_raw()


# --------------------------------------------------------------------------- round trip


def test_it_writes_the_checkpoint_body():
    body = a_checkpoint(size=0).body()
    assert body == f"{ORIGIN}\n0\n{base64.b64encode(ROOT).decode()}\n"


def test_it_signs_and_verifies_a_checkpoint():
    note = signed()
    text, signature_line = note.split("\n\n")
    assert text + "\n" == a_checkpoint().body()
    assert signature_line.startswith(f"\u2014 {KEY_NAME} ")
    assert signature_line.endswith("\n")
    assert parse_and_verify(note, PUBLIC_KEY, KEY_NAME) == a_checkpoint()
    assert parse_and_verify(note.encode(), PUBLIC_KEY, KEY_NAME, origin=ORIGIN) == a_checkpoint()


@settings(max_examples=50)
@given(
    origin=st.text(
        st.characters(codec="utf-8", min_codepoint=0x20, exclude_characters="\x7f"), min_size=1, max_size=40
    ),
    size=st.integers(0, 2**64 - 1),
    root=st.binary(min_size=32, max_size=32),
    extensions=st.lists(st.from_regex(r"[ -~]{1,20}", fullmatch=True), max_size=3),
)
def test_it_round_trips_any_checkpoint(origin, size, root, extensions):
    checkpoint = Checkpoint(origin, size, root, tuple(extensions))
    assert parse_and_verify(sign(checkpoint, PRIVATE_KEY, KEY_NAME), PUBLIC_KEY, KEY_NAME) == (checkpoint)


def test_it_refuses_text_that_is_not_utf8():
    with pytest.raises(CheckpointError):
        Checkpoint("\ud800", 1, b"\x00" * 32)
    with pytest.raises(CheckpointError):
        sign_note("\ud800\n", PRIVATE_KEY, KEY_NAME)


def test_it_accepts_extra_signatures_from_witnesses():
    witness = Ed25519PrivateKey.from_private_bytes(b"w" * 32)
    note = signed()
    cosigned = sign_note(a_checkpoint().body(), witness, "witness.example/w1").split("\n\n")[1]
    text, ours = note.split("\n\n")
    assert parse_and_verify(note + cosigned, PUBLIC_KEY, KEY_NAME) == a_checkpoint()
    assert parse_and_verify(f"{text}\n\n{cosigned}{ours}", PUBLIC_KEY, KEY_NAME) == a_checkpoint()


def test_it_checks_the_origin_when_asked():
    with pytest.raises(CheckpointError) as excinfo:
        parse_and_verify(signed(), PUBLIC_KEY, KEY_NAME, origin="ethos.example/audit/other")
    assert str(excinfo.value) == CHECKPOINT_WRONG_ORIGIN.format(
        found=ORIGIN, expected="ethos.example/audit/other"
    )


# --------------------------------------------------------------------------- tampering


def test_it_rejects_a_tampered_size():
    note = signed().replace("\n1234\n", "\n1235\n", 1)
    rejected(note, NOTE_SIGNATURE_INVALID.format(key_name=KEY_NAME))


def test_it_rejects_a_tampered_root():
    other_root = base64.b64encode(leaf_hash(b"other root")).decode()
    note = signed().replace(base64.b64encode(ROOT).decode(), other_root, 1)
    rejected(note, NOTE_SIGNATURE_INVALID.format(key_name=KEY_NAME))


def test_it_rejects_a_tampered_origin():
    note = signed().replace(ORIGIN, ORIGIN[:-1] + "6", 1)
    rejected(note, NOTE_SIGNATURE_INVALID.format(key_name=KEY_NAME))


@settings(max_examples=50)
@given(data=st.data())
def test_it_rejects_any_flipped_signature_bit(data):
    note = signed()
    text, line = note.split("\n\n")
    prefix, encoded = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    bit = data.draw(st.integers(4 * 8, len(raw) * 8 - 1))  # past the key ID
    raw[bit // 8] ^= 1 << (bit % 8)
    rejected(f"{text}\n\n{prefix} {base64.b64encode(bytes(raw)).decode()}\n")


def test_it_rejects_a_signature_by_another_key_under_the_same_name():
    impostor = Ed25519PrivateKey.from_private_bytes(b"i" * 32)
    note = sign(a_checkpoint(), impostor, KEY_NAME)
    rejected(note, NOTE_NOT_SIGNED_BY_KEY.format(key_name=KEY_NAME))


def test_it_rejects_a_good_signature_next_to_a_bad_one_from_the_same_key():
    note = signed()
    text, line = note.split("\n\n")
    forged = sign(a_checkpoint(size=9999), PRIVATE_KEY, KEY_NAME).split("\n\n")[1]
    rejected(f"{text}\n\n{line}{forged}", NOTE_SIGNATURE_INVALID.format(key_name=KEY_NAME))


def test_it_rejects_a_note_verified_with_the_wrong_key_name():
    rejected(signed(), NOTE_NOT_SIGNED_BY_KEY.format(key_name="ethos.example/other"),
             key_name="ethos.example/other")  # fmt: skip


# --------------------------------------------------------------------------- malformed notes


def test_it_rejects_a_note_without_the_blank_line():
    rejected(signed().replace("\n\n", "\n"), NOTE_NO_BLANK_LINE)


def test_it_rejects_a_note_without_signatures():
    rejected(a_checkpoint().body() + "\n", NOTE_NO_SIGNATURES)


def test_it_rejects_a_note_without_the_final_newline():
    rejected(signed()[:-1], NOTE_NO_FINAL_NEWLINE)


def test_it_rejects_windows_line_endings():
    rejected(signed().replace("\n", "\r\n"), NOTE_CONTROL_CHARACTER)


def test_it_rejects_a_note_that_is_not_utf8():
    rejected(b"\xff" + signed().encode(), NOTE_NOT_UTF8)


@pytest.mark.parametrize(
    "line",
    [
        "-- {name} {sig}",
        "\u2014{name} {sig}",
        "\u2014 {name}  {sig}",
        "\u2014 {name} {sig} extra",
        "\u2014 {name} {sig_unpadded}",
        "\u2014 {name} !{sig}",
        "\u2014 {name} AAAA",
        "\u2014  {sig}",
        "Unexpected line.",
    ],
)
def test_it_rejects_malformed_signature_lines(line):
    note = signed()
    text, good = note.split("\n\n")
    sig = good.rsplit(" ", 1)[1][:-1]
    bad = line.format(name=KEY_NAME, sig=sig, sig_unpadded=sig.rstrip("="))
    rejected(f"{text}\n\n{good}{bad}\n", NOTE_BAD_SIGNATURE_LINE.format(number=2))


def test_it_rejects_too_many_signatures():
    text, line = signed().split("\n\n")
    rejected(f"{text}\n\n{line * 101}", NOTE_TOO_MANY_SIGNATURES.format(limit=100))
    assert parse_and_verify(f"{text}\n\n{line * 16}", PUBLIC_KEY, KEY_NAME) == a_checkpoint()


@pytest.mark.parametrize(
    "size",
    ["12a", "012", "00", "-1", "+5", " 5", "5 ", "1_000", "\uff11\uff12", "\u0661", "1e3", "",
     str(2**64)],
)  # fmt: skip
def test_it_rejects_a_tree_size_that_is_not_plain_decimal(size):
    body = f"{ORIGIN}\n{size}\n{base64.b64encode(ROOT).decode()}\n"
    error = rejected(signed(body))
    assert str(error) in (CHECKPOINT_BAD_SIZE, CHECKPOINT_EMPTY_LINE)


@pytest.mark.parametrize(
    "root",
    [
        base64.b64encode(ROOT).decode().rstrip("="),
        base64.b64encode(ROOT[:31]).decode(),
        base64.b64encode(ROOT + b"\x00").decode(),
        base64.urlsafe_b64encode(b"\xff" * 32).decode(),
        "not base64 at all",
        ROOT.hex(),
    ],
)
def test_it_rejects_a_root_that_is_not_base64_of_32_bytes(root):
    rejected(signed(f"{ORIGIN}\n1234\n{root}\n"), CHECKPOINT_BAD_ROOT)


def test_it_rejects_non_canonical_base64():
    # "...=" with non-zero unused bits decodes to the same bytes but is not canonical.
    canonical = base64.b64encode(ROOT).decode()
    last = canonical[-2]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    twin = canonical[:-2] + alphabet[alphabet.index(last) ^ 1] + "="
    assert base64.b64decode(twin) == ROOT
    rejected(signed(f"{ORIGIN}\n1234\n{twin}\n"), CHECKPOINT_BAD_ROOT)


def test_it_rejects_a_body_with_too_few_or_empty_lines():
    rejected(signed(f"{ORIGIN}\n1234\n"), CHECKPOINT_TOO_FEW_LINES)
    body = a_checkpoint().body()
    rejected(signed(body.replace("\n1234\n", "\n\n1234\n")), CHECKPOINT_EMPTY_LINE)
    rejected(signed(body + "extension\n\n"), CHECKPOINT_EMPTY_LINE)


def test_it_keeps_extension_lines():
    checkpoint = a_checkpoint(extensions=("timestamp 1700000000",))
    note = sign(checkpoint, PRIVATE_KEY, KEY_NAME)
    assert parse_and_verify(note, PUBLIC_KEY, KEY_NAME).extensions == ("timestamp 1700000000",)


@pytest.mark.parametrize(
    "overrides",
    [
        {"origin": ""},
        {"origin": "two\nlines"},
        {"size": -1},
        {"size": 2**64},
        {"size": True},
        {"root": b"\x00" * 31},
        {"extensions": ("",)},
        {"extensions": ["list is not a tuple"]},
    ],
)
def test_it_refuses_to_build_an_invalid_checkpoint(overrides):
    with pytest.raises(CheckpointError):
        a_checkpoint(**overrides)


@pytest.mark.parametrize("name", ["", "has space", "has+plus", "tab\tname"])
def test_it_refuses_invalid_key_names(name):
    with pytest.raises(CheckpointError):
        sign(a_checkpoint(), PRIVATE_KEY, name)
