import datetime
import logging

import pytest
from django.core.exceptions import FieldError
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ethos.vault import crypto
from ethos.vault.context import KeyDestroyed, VaultLocked, unlocked
from ethos.vault.services import data_key_create, data_key_destroy
from tests.conftest import make_coach, open_vault

from .conftest import make_jotting
from .jotting import Jotting

pytestmark = pytest.mark.django_db
CANARY = "Canary-Zebra-7731 told me about her brother"
FIXTURE_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def raw_column(jotting, column="words") -> bytes:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {column} FROM vault_jotting WHERE id = %s",  # noqa: S608 (a test's own column name)
            [jotting.pk.hex if connection.vendor == "sqlite" else jotting.pk],
        )
        return bytes(cursor.fetchone()[0])


def write_raw(jotting, blob: bytes, column="words") -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE vault_jotting SET {column} = %s WHERE id = %s",  # noqa: S608
            [blob, jotting.pk.hex if connection.vendor == "sqlite" else jotting.pk],
        )


def reload(jotting) -> Jotting:
    return Jotting.objects.get(pk=jotting.pk)


def test_c2_text_json_and_dates_round_trip_through_the_database(data_key):
    born = datetime.date(1990, 2, 28)
    jotting = make_jotting(data_key=data_key, words=CANARY, facts={"k": ["v", 1]}, born=born)
    again = reload(jotting)
    assert again.words == CANARY
    assert again.facts == {"k": ["v", 1]}
    assert again.born == born
    stored = raw_column(jotting)
    assert CANARY.encode() not in stored
    assert stored[0] == crypto.FORMAT_VERSION


@FIXTURE_SETTINGS
@given(
    words=st.text(max_size=3000),
    facts=st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
        max_leaves=12,
    ),
    born=st.dates(),
)
def test_c2_any_value_round_trips(data_key, words, facts, born):
    if facts is None:
        facts = []
    jotting = Jotting(data_key=data_key, words=words, facts=facts, born=born)
    for field_name in ("words", "facts", "born"):
        field = Jotting._meta.get_field(field_name)
        from ethos.vault.fields import Sealed

        sealed = Sealed(field.pre_save(jotting, add=True))
        assert field.open(jotting, sealed) == getattr(jotting, field_name)


@FIXTURE_SETTINGS
@given(position=st.integers(min_value=0, max_value=200), bit=st.integers(min_value=0, max_value=7))
def test_c2_a_flipped_bit_anywhere_fails_loudly(data_key, position, bit):
    jotting = make_jotting(data_key=data_key, words="x" * 150)
    blob = bytearray(raw_column(jotting))
    blob[position % len(blob)] ^= 1 << bit
    write_raw(jotting, bytes(blob))
    with pytest.raises(crypto.DecryptionError):
        reload(jotting).words  # noqa: B018


def test_c2_a_ciphertext_moved_to_another_row_fails(data_key):
    first = make_jotting(data_key=data_key, words="first")
    second = make_jotting(data_key=data_key, words="second")
    write_raw(second, raw_column(first))
    with pytest.raises(crypto.DecryptionError):
        reload(second).words  # noqa: B018


def test_c2_a_ciphertext_moved_to_another_column_fails(data_key):
    jotting = make_jotting(data_key=data_key, words="words", facts="words")
    write_raw(jotting, raw_column(jotting, "words"), column="facts")
    with pytest.raises(crypto.DecryptionError):
        reload(jotting).facts  # noqa: B018


def test_c2_a_ciphertext_moved_to_another_client_fails(coach, data_key):
    other_client_key = data_key_create(coach=coach, purpose="client")
    mine = make_jotting(data_key=data_key, words="client one")
    theirs = make_jotting(data_key=other_client_key, words="client two")
    write_raw(theirs, raw_column(mine))
    with pytest.raises(crypto.DecryptionError):
        reload(theirs).words  # noqa: B018


def test_c2_another_coach_cannot_read_and_a_moved_ciphertext_fails(data_key, jotting_table):
    mine = make_jotting(data_key=data_key, words="only mine")
    stranger = make_coach()
    with unlocked(open_vault(stranger)):
        with pytest.raises(VaultLocked):
            reload(mine).words  # noqa: B018
        their_key = data_key_create(coach=stranger, purpose="client")
        theirs = make_jotting(data_key=their_key, words="theirs")
        write_raw(theirs, raw_column(mine))
        with pytest.raises(crypto.DecryptionError):
            reload(theirs).words  # noqa: B018


def test_c2_reading_or_writing_while_locked_raises_vault_locked(data_key):
    jotting = make_jotting(data_key=data_key, words="secret")
    from ethos.vault import context

    token = context._current.set(None)
    try:
        loaded = reload(jotting)  # loading by id works while locked
        assert loaded.label == ""
        with pytest.raises(VaultLocked):
            loaded.words  # noqa: B018
        with pytest.raises(VaultLocked):
            Jotting(data_key=data_key, words="new").save()
    finally:
        context._current.reset(token)


def test_c2_destroying_a_client_key_shreds_that_client_only(coach, data_key):
    other_key = data_key_create(coach=coach, purpose="client")
    shredded = make_jotting(data_key=data_key, words="to be forgotten")
    kept = make_jotting(data_key=other_key, words="still here")
    data_key_destroy(data_key=data_key)
    with pytest.raises(KeyDestroyed):
        reload(shredded).words  # noqa: B018
    assert reload(kept).words == "still here"
    data_key.refresh_from_db()
    assert data_key.wrapped is None and data_key.destroyed_at is not None


def test_c2_encrypted_fields_refuse_lookups_and_ordering(data_key):
    make_jotting(data_key=data_key)
    for query in (
        lambda: list(Jotting.objects.filter(words="a note")),
        lambda: list(Jotting.objects.filter(words__icontains="note")),
        lambda: list(Jotting.objects.exclude(born__year=1990)),
        lambda: list(Jotting.objects.order_by("words")),
        lambda: list(Jotting.objects.order_by("-born")),
    ):
        with pytest.raises(FieldError, match="encrypted"):
            query()
    assert Jotting.objects.filter(facts__isnull=True).count() == 1
    assert Jotting.objects.order_by("label").count() == 1


def test_c2_encrypted_fields_refuse_unique_and_indexes_at_definition():
    from django.db import models

    from ethos.vault.fields import EncryptedTextField
    from ethos.vault.models import VaultModel

    class Bad(VaultModel):
        words = EncryptedTextField(unique=True)
        other = EncryptedTextField()

        class Meta:
            app_label = "vault"
            ordering = ["other"]
            indexes = [models.Index(fields=["other"], name="bad_other")]

    ids = {
        error.id
        for field in (Bad._meta.get_field("words"), Bad._meta.get_field("other"))
        for error in field.check()
    }
    assert {"vault.E001", "vault.E002"} <= ids


def test_c2_wrong_types_are_refused(data_key):
    with pytest.raises(TypeError):
        Jotting(data_key=data_key, words=42).save()
    with pytest.raises(TypeError):
        Jotting(data_key=data_key, words="x", born=datetime.datetime(2020, 1, 1)).save()


def test_c2_nothing_plaintext_reaches_the_logs(data_key, caplog):
    caplog.set_level(logging.DEBUG)
    jotting = make_jotting(data_key=data_key, words=CANARY)
    assert reload(jotting).words == CANARY
    assert "Canary-Zebra" not in caplog.text


def test_c2_the_cached_associated_data_is_exactly_field_aad(coach, data_key):
    from ethos.vault.fields import aad_for

    jotting = make_jotting(data_key=data_key)
    expected = crypto.field_aad(
        coach_id=coach.pk, model="vault.jotting", field="words", row_id=jotting.pk, key_id=data_key.pk
    )
    assert aad_for(jotting, Jotting._meta.get_field("words")) == expected


def test_it_reads_many_rows_under_one_key_with_one_key_query(coach, data_key, django_assert_num_queries):
    for number in range(20):
        make_jotting(data_key=data_key, words=f"note {number}")
    fresh = open_vault(coach)  # no key cached yet
    with unlocked(fresh), django_assert_num_queries(2):  # the rows, then their data key once
        words = [jotting.words for jotting in Jotting.objects.all()]
    assert sorted(words) == sorted(f"note {number}" for number in range(20))


def _plain_rows(field="words"):
    return list(Jotting.objects.order_by("label").values_list("pk", "data_key_id", field))


def test_c2_a_value_opened_from_a_plain_row_is_the_records_value(data_key):
    make_jotting(data_key=data_key, words=CANARY, facts={"score": 7, "said": "<script>"}, label="a")
    make_jotting(data_key=data_key, words="second", facts=[1, "two"], label="b")
    words, facts = Jotting._meta.get_field("words"), Jotting._meta.get_field("facts")
    opened = [words.open_row(sealed, pk=pk, data_key_id=key) for pk, key, sealed in _plain_rows()]
    assert opened == [CANARY, "second"]
    opened = [facts.open_row(sealed, pk=pk, data_key_id=key) for pk, key, sealed in _plain_rows("facts")]
    assert opened == [{"score": 7, "said": "<script>"}, [1, "two"]]


def test_c2_a_plain_row_opened_as_another_row_or_column_fails(data_key):
    first = make_jotting(data_key=data_key, words="first", facts={"a": 1}, label="a")
    second = make_jotting(data_key=data_key, words="second", label="b")
    words, facts = Jotting._meta.get_field("words"), Jotting._meta.get_field("facts")
    [(_, key, sealed), _] = _plain_rows()
    with pytest.raises(crypto.DecryptionError):
        words.open_row(sealed, pk=second.pk, data_key_id=key)
    with pytest.raises(crypto.DecryptionError):
        facts.open_row(sealed, pk=first.pk, data_key_id=key)


def test_c2_another_coach_cannot_open_a_plain_row(data_key, jotting_table):
    make_jotting(data_key=data_key, words="only mine")
    [(pk, key, sealed)] = _plain_rows()
    with unlocked(open_vault(make_coach())), pytest.raises(VaultLocked):
        Jotting._meta.get_field("words").open_row(sealed, pk=pk, data_key_id=key)


def test_c2_a_plain_row_cannot_be_opened_while_locked(data_key):
    make_jotting(data_key=data_key, words="secret")
    [(pk, key, sealed)] = _plain_rows()
    from ethos.vault import context

    token = context._current.set(None)
    try:
        with pytest.raises(VaultLocked):
            Jotting._meta.get_field("words").open_row(sealed, pk=pk, data_key_id=key)
    finally:
        context._current.reset(token)


def test_a_data_key_named_by_its_text_is_the_same_key_and_anything_else_names_none(coach, data_key):
    jotting = make_jotting(data_key=data_key, words="one key")
    fresh = open_vault(coach)
    with unlocked(fresh):
        by_text = fresh.field_key(str(data_key.pk))
        assert fresh.field_key(data_key.pk) is by_text  # one entry, however the id is given
        assert reload(jotting).words == "one key"
        for wrong in (None, "", "not-a-key", "<script>", 42):
            with pytest.raises(VaultLocked):
                fresh.field_key(wrong)
        fresh.forget(str(data_key.pk))
        assert fresh.field_keys == {}
        assert reload(jotting).words == "one key"  # fetched and unwrapped again


def test_c2_a_value_from_a_buffer_opens_as_one_from_bytes(data_key):
    # PostgreSQL's driver hands a memoryview, SQLite's bytes: both open the same.
    jotting = make_jotting(data_key=data_key, words=CANARY)
    field = Jotting._meta.get_field("words")
    blob = raw_column(jotting)
    for value in (blob, memoryview(blob), bytearray(blob)):
        sealed = field.from_db_value(value, None, connection)
        assert type(sealed.blob) is bytes
        assert field.open(jotting, sealed) == CANARY
    assert field.from_db_value(None, None, connection) is None
