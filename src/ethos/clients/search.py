"""Find clients by name without decrypting the practice: a blind index of name prefixes.

Each client's `name` and `preferred_name` are folded (casefold, accents stripped), split into
words, and every prefix of every word (1 to MAX_PREFIX characters) becomes a token:
HMAC-SHA256 truncated to TOKEN_BYTES under a search key that only the coach's account key
derives. The database keeps the tokens (ClientNameToken) and answers "the clients holding every
query word's token" itself; only the rows on the page shown are ever decrypted.

Each client's set is padded with random tokens to a multiple of PAD_TO, so the row count does
not give away the length of a name. docs/security.md ("Searching encrypted names") says what
the index still shows to someone holding the database.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from collections.abc import Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, QuerySet

from ethos.vault.context import NOT_YOUR_RECORD, Vault, VaultLocked, current_vault

from .models import Client, ClientNameToken

SEARCH_HINT = "Search by the start of a first or last name."
# Prefixes longer than this are not indexed: a longer query word is matched on its first 12.
MAX_PREFIX = 12
TOKEN_BYTES = 16
# Every client's token set is padded with random tokens to a multiple of this many rows.
PAD_TO = 32
# A search reads at most this many words (one token each); the rest are ignored.
MAX_QUERY_WORDS = 8
_KEY_LEN = 32

# Letters that NFKD does not take apart, written the way a coach would type them without accents.
_PLAIN = str.maketrans(
    {"ø": "o", "æ": "ae", "œ": "oe", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "\u0131": "i"}  # dotless i
)
# A word is a run of letters or digits; an apostrophe inside it (O'Brien, with a typed or a
# typographic apostrophe) joins its parts.
_APOSTROPHE = "['\u2019\u02bc]"
_WORD = re.compile(rf"[^\W_]+(?:{_APOSTROPHE}[^\W_]+)*")
_APOSTROPHES = re.compile(_APOSTROPHE)


def fold(text: str) -> str:
    """Casefold, take accents off and write special letters plainly: "Zoë Ø" -> "zoe o"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    return unicodedata.normalize("NFKC", stripped.translate(_PLAIN)).casefold()


def index_words(text: str) -> set[str]:
    """Return the words of a name to index: each word, and for O'Brien "obrien", "o" and "brien"."""
    words: set[str] = set()
    for match in _WORD.findall(fold(text)):
        parts = _APOSTROPHES.split(match)
        words.add("".join(parts))
        if len(parts) > 1:
            words.update(parts)
    return words


def query_words(query: str) -> list[str]:
    """Return the words of a search, each as the prefix it looks up (no apostrophes, 12 at most)."""
    found: list[str] = []
    for match in _WORD.findall(fold(query)):
        word = _APOSTROPHES.sub("", match)[:MAX_PREFIX]
        if word not in found:
            found.append(word)
    return found[:MAX_QUERY_WORDS]


def name_prefixes(*names: str | None) -> set[str]:
    """Return every prefix (1 to MAX_PREFIX characters) of every word of the given names."""
    return {
        word[:length]
        for name in names
        if name
        for word in index_words(name)
        for length in range(1, min(len(word), MAX_PREFIX) + 1)
    }


class SearchKey:
    """A coach's name-search key: HKDF of the account key with its own label, never stored."""

    __slots__ = ("_key", "coach_id")

    def __init__(self, vault: Vault) -> None:
        self.coach_id = vault.coach_id
        self._key = HKDF(
            algorithm=hashes.SHA256(),
            length=_KEY_LEN,
            salt=None,
            info=f"ethos/client-name-search|coach={vault.coach_id}|v1".encode(),
        ).derive(vault.account_key)

    def __repr__(self) -> str:  # never show the key
        return f"<SearchKey coach={self.coach_id}>"

    def token(self, prefix: str) -> bytes:
        return hmac.new(self._key, prefix.encode(), hashlib.sha256).digest()[:TOKEN_BYTES]

    def tokens(self, prefixes: Iterable[str]) -> list[bytes]:
        return [self.token(prefix) for prefix in prefixes]


def search_key_for(coach) -> SearchKey:
    """Return the coach's search key from the open vault; another coach's vault is refused."""
    vault = current_vault()
    if vault.coach_id != coach.pk:
        raise VaultLocked(NOT_YOUR_RECORD)
    return SearchKey(vault)


def padded_tokens(key: SearchKey, *names: str | None) -> list[bytes]:
    """Return the tokens of the names and random ones, a multiple of PAD_TO in all, shuffled."""
    tokens = key.tokens(name_prefixes(*names))
    total = max(PAD_TO, -(-len(tokens) // PAD_TO) * PAD_TO)
    tokens += [secrets.token_bytes(TOKEN_BYTES) for _ in range(total - len(tokens))]
    # Rows get ids in the order they are written: shuffled, the ids do not tell the real
    # tokens from the padding, nor which prefix came before which.
    secrets.SystemRandom().shuffle(tokens)
    return tokens


def query_tokens(key: SearchKey, query: str) -> list[bytes]:
    """Return one token per search word."""
    return key.tokens(query_words(query))


def matching(clients: QuerySet[Client], *, coach, tokens: list[bytes]) -> QuerySet[Client]:
    """Keep the clients whose tokens include every one given, in the same SQL query."""
    if not tokens:
        return clients.none()
    holding = (
        ClientNameToken.objects.filter(coach=coach, token__in=tokens)
        .values("client_id")
        .annotate(found=Count("token", distinct=True))
        .filter(found=len(set(tokens)))
        .values("client_id")
    )
    return clients.filter(pk__in=holding)


# -- writes --------------------------------------------------------------------------------


def _rows(key: SearchKey, client: Client) -> list[ClientNameToken]:
    return [
        ClientNameToken(coach_id=client.coach_id, client_id=client.pk, token=token)
        for token in padded_tokens(key, client.name, client.preferred_name)
    ]


def name_tokens_write(*, coach, client: Client) -> None:
    """Replace the client's name tokens with those of their current names, in the caller's transaction."""
    if client.coach_id != coach.pk:
        raise VaultLocked(NOT_YOUR_RECORD)
    key = search_key_for(coach)
    with transaction.atomic():
        ClientNameToken.objects.filter(client=client).delete()
        ClientNameToken.objects.bulk_create(_rows(key, client))


def clients_without_tokens(coach) -> QuerySet[Client]:
    """Return the coach's readable clients that have no name tokens yet (from before the index)."""
    tokens = ClientNameToken.objects.filter(client=OuterRef("pk"))
    # A client whose key was destroyed can never be read, so never indexed: leave them out.
    return Client.objects.filter(coach=coach, data_key__wrapped__isnull=False).filter(~Exists(tokens))


# Clients indexed per statement by the backfill: a list of ids far longer than this breaks
# SQLite's limits (a practice of 5,000 clients did), and smaller batches keep locks short.
BACKFILL_BATCH = 500


def name_tokens_backfill(*, coach) -> int:
    """Index the names of the coach's clients that have no tokens yet; return how many (one query if none)."""
    if not clients_without_tokens(coach).exists():
        return 0
    key = search_key_for(coach)
    waiting = list(clients_without_tokens(coach).values_list("pk", flat=True))
    indexed = 0
    for start in range(0, len(waiting), BACKFILL_BATCH):
        batch = waiting[start : start + BACKFILL_BATCH]
        with transaction.atomic():
            # Lock the clients, then look again in a new statement (a new snapshot): a page opened
            # at the same moment that indexed them first has committed by then, so nobody is
            # indexed twice.
            list(Client.objects.select_for_update().filter(pk__in=batch).values_list("pk", flat=True))
            clients = list(clients_without_tokens(coach).filter(pk__in=batch).select_related("data_key"))
            rows = [row for client in clients for row in _rows(key, client)]
            ClientNameToken.objects.bulk_create(rows, batch_size=500)
        indexed += len(clients)
    return indexed
