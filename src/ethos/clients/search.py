"""Find clients by name without decrypting the practice: a blind index of name prefixes.

Each client's `name` and `preferred_name` are folded (casefold, accents stripped), split into
words, and every prefix of every word (1 to MAX_PREFIX characters) becomes a token:
HMAC-SHA256 truncated to 16 bytes under a search key that only the coach's account key
derives. The database keeps the tokens (ClientNameToken) and answers "the clients holding every
query word's token" itself; only the rows on the page shown are ever decrypted.

Each client's set is padded with random tokens to a multiple of PAD_TO, so the row count does
not give away the length of a name. docs/security.md ("Searching encrypted names") says what
the index still shows to someone holding the database. What every blind index shares (folding,
the key, padding, the "every token" query) is in ethos.vault.blind.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from ethos.vault import blind
from ethos.vault.blind import APOSTROPHES, WORD, fold, joined
from ethos.vault.context import NOT_YOUR_RECORD, VaultLocked

from .models import Client, ClientNameToken

SEARCH_HINT = "Search by the start of a first or last name."
# Prefixes longer than this are not indexed: a longer query word is matched on its first 12.
MAX_PREFIX = 12
# Every client's token set is padded with random tokens to a multiple of this many rows.
PAD_TO = 32
# A search reads at most this many words (one token each); the rest are ignored.
MAX_QUERY_WORDS = 8


def index_words(text: str) -> set[str]:
    """Return the words of a name to index: each word, and for O'Brien "obrien", "o" and "brien"."""
    words: set[str] = set()
    for match in WORD.findall(fold(text)):
        parts = APOSTROPHES.split(match)
        words.add("".join(parts))
        if len(parts) > 1:
            words.update(parts)
    return words


def query_words(query: str) -> list[str]:
    """Return the words of a search, each as the prefix it looks up (no apostrophes, 12 at most)."""
    found: list[str] = []
    for match in WORD.findall(fold(query)):
        word = joined(match)[:MAX_PREFIX]
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


class SearchKey(blind.SearchKey):
    """A coach's name-search key (its label differs from the intake's keyed hashes and the notes')."""

    __slots__ = ()
    purpose = "client-name-search"


def search_key_for(coach) -> SearchKey:
    """Return the coach's name-search key from the open vault; another coach's vault is refused."""
    return SearchKey.for_coach(coach)


def padded_tokens(key: SearchKey, *names: str | None) -> list[bytes]:
    """Return the tokens of the names and random ones, a multiple of PAD_TO in all, shuffled."""
    return blind.padded(key.tokens(name_prefixes(*names)), pad_to=PAD_TO)


def query_tokens(key: SearchKey, query: str) -> list[bytes]:
    """Return one token per search word."""
    return key.tokens(query_words(query))


def matching(clients: QuerySet[Client], *, coach, tokens: list[bytes]) -> QuerySet[Client]:
    """Keep the clients whose tokens include every one given, in the same SQL query."""
    if not tokens:
        return clients.none()
    rows = ClientNameToken.objects.filter(coach=coach)
    return clients.filter(pk__in=blind.holding_every(rows, owner="client_id", tokens=tokens))


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

    def index(clients: QuerySet[Client]) -> int:
        key = search_key_for(coach)
        found = list(clients.select_related("data_key"))
        ClientNameToken.objects.bulk_create([row for c in found for row in _rows(key, c)], batch_size=500)
        return len(found)

    return blind.backfill(lambda: clients_without_tokens(coach), batch=BACKFILL_BATCH, index=index)
