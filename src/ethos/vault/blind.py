"""Blind indexes: keyed word tokens that let the database find rows without holding their words.

One place for what every blind index shares (the client-name search, the note search): folding
text the way a coach types it, a search key derived from the unlocked account key with its own
label, HMAC tokens of a fixed length, random padding, and the "rows holding every token" query.
Each index keeps its own label, so the same word gives unrelated tokens in two indexes and in
two practices. docs/security.md says what each index shows to someone holding the database.
"""

from __future__ import annotations

import hmac
import re
import secrets
import unicodedata
from collections.abc import Callable, Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connections, router, transaction
from django.db.models import Count, Model, QuerySet

from .context import NOT_YOUR_RECORD, Vault, VaultLocked, current_vault

TOKEN_BYTES = 16
_KEY_LEN = 32

# Letters that NFKD does not take apart, written the way a coach would type them without accents.
_PLAIN = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}  # dotless i
)
# A word is a run of letters or digits; an apostrophe inside it (O'Brien, don't, with a typed or
# a typographic apostrophe) joins its parts.
APOSTROPHE = "['\u2019\u02bc]"
WORD = re.compile(rf"[^\W_]+(?:{APOSTROPHE}[^\W_]+)*")
APOSTROPHES = re.compile(APOSTROPHE)


def fold(text: str) -> str:
    """Casefold, take accents off and write special letters plainly: "Zoë Ø" -> "zoe o"."""
    if text.isascii():
        # Nothing to take apart: the same result, without a pass over each character (a note
        # has thousands of them).
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped.translate(_PLAIN)).casefold()


def joined(word: str) -> str:
    """Return a folded word with its apostrophes taken out: "o'brien" -> "obrien"."""
    return APOSTROPHES.sub("", word)


class SearchKey:
    """A coach's key for one blind index: HKDF of the account key with the index's label, never stored."""

    __slots__ = ("_key", "coach_id")

    # Each index names itself here; the label is part of every token, so changing it orphans them.
    purpose = ""

    def __init__(self, vault: Vault) -> None:
        if not self.purpose:
            raise TypeError("a search key names the index it is for (purpose)")
        self.coach_id = vault.coach_id
        self._key = HKDF(
            algorithm=hashes.SHA256(),
            length=_KEY_LEN,
            salt=None,
            info=f"ethos/{self.purpose}|coach={vault.coach_id}|v1".encode(),
        ).derive(vault.account_key)

    def __repr__(self) -> str:  # never show the key
        return f"<{type(self).__name__} coach={self.coach_id}>"

    def token(self, word: str) -> bytes:
        return hmac.digest(self._key, word.encode(), "sha256")[:TOKEN_BYTES]

    def tokens(self, words: Iterable[str]) -> list[bytes]:
        return [self.token(word) for word in words]

    @classmethod
    def for_coach(cls, coach):
        """Return the coach's key from the open vault; another coach's vault is refused."""
        vault = current_vault()
        if vault.coach_id != coach.pk:
            raise VaultLocked(NOT_YOUR_RECORD)
        return cls(vault)


def padded(tokens: list[bytes], *, pad_to: int) -> list[bytes]:
    """Return the tokens and random ones, a multiple of `pad_to` in all (at least one), in byte order."""
    missing = max(pad_to, -(-len(tokens) // pad_to) * pad_to) - len(tokens)
    noise = secrets.token_bytes(TOKEN_BYTES * missing)
    tokens = [*tokens, *(noise[i : i + TOKEN_BYTES] for i in range(0, len(noise), TOKEN_BYTES))]
    # Rows get ids in the order they are written. In the order of their bytes (keyed hashes and
    # random bytes alike look random), the ids do not tell the real tokens from the padding, nor
    # which word came before which, and no random shuffle is drawn for each of them.
    return sorted(tokens)


def holding_every(rows: QuerySet, *, owner: str, tokens: list[bytes]) -> QuerySet:
    """Return the `owner` ids among `rows` (token rows) that hold every token: one SQL subquery."""
    return (
        rows.filter(token__in=tokens)
        .values(owner)
        .annotate(found=Count("token", distinct=True))
        .filter(found=len(set(tokens)))
        .values(owner)
    )


def insert_rows(model: type[Model], fields: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert token rows (values in the order of `fields`) with one executemany.

    An index is written in bulk: a backfill of 20,000 notes is two and a half million rows. The
    ORM's bulk_create builds a model object and compiles every field of every row, which took
    minutes for that; this prepares each value with its field (as bulk_create would) and sends
    the rows in one statement, in the caller's transaction.
    """
    if not rows:
        return
    connection = connections[router.db_for_write(model)]
    columns = [model._meta.get_field(name) for name in fields]
    quote = connection.ops.quote_name
    # Only the model's own table and column names, quoted, go into the text; values are parameters.
    sql = "INSERT INTO {table} ({columns}) VALUES ({values})".format(  # noqa: S608  # nosec B608
        table=quote(model._meta.db_table),
        columns=", ".join(quote(column.column) for column in columns),
        values=", ".join(["%s"] * len(columns)),
    )
    # The owner's ids repeat on every row of one owner: each distinct value is prepared once.
    cache: list[dict] = [{} for _ in columns]

    def prepare(index: int, value):
        found = cache[index].get(value)
        if found is None:
            found = cache[index][value] = columns[index].get_db_prep_save(value, connection)
        return found

    prepared = [tuple(prepare(index, value) for index, value in enumerate(row)) for row in rows]
    with connection.cursor() as cursor:
        cursor.executemany(sql, prepared)


def backfill(missing: Callable[[], QuerySet], *, batch: int, index: Callable[[QuerySet], int]) -> int:
    """Index what `missing()` returns (rows written before their index), `batch` at a time.

    Returns how many `index` wrote (one query when nothing is missing). Each batch locks its rows,
    then looks again in a new statement (a new snapshot): a write that indexed one of them at the
    same moment has committed by then, so nothing is indexed twice. Batches keep locks short and
    lists of ids within SQLite's limits (one list of 5,000 broke them).
    """
    if not missing().exists():
        return 0
    waiting = list(missing().values_list("pk", flat=True))
    indexed = 0
    for start in range(0, len(waiting), batch):
        ids = waiting[start : start + batch]
        with transaction.atomic():
            model = missing().model
            list(model.objects.select_for_update().filter(pk__in=ids).values_list("pk", flat=True))
            indexed += index(missing().filter(pk__in=ids))
    return indexed
