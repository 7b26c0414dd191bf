"""Find the coach's notes by their words without decrypting the practice: a blind index of words.

The words of a note's current text (every section of the latest version, and each addendum's
reason and text) are folded like names (ethos.vault.blind), common words are left out, and each
distinct word becomes a token: HMAC-SHA256 truncated to 16 bytes under a note-search key that only
the coach's account key derives, with a label of its own (a name token and a note token of the
same word never match). The database keeps the tokens (NoteSearchToken) and answers "the notes
holding every query word's token"; only the notes on the page shown are decrypted, for their
snippets.

Whole words only, no prefixes: a note has a hundred words where a name has two or three, so
prefixes would multiply the rows several times over and show which words of a practice share a
start. Each note's set is padded with random tokens to a multiple of PAD_TO.
docs/security.md ("Searching notes") says what the index still shows to someone holding the
database.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from ethos.vault import blind
from ethos.vault.context import NOT_YOUR_RECORD, VaultLocked

from .models import Addendum, NoteSearchToken, SessionNote

SEARCH_HINT = "Finds the notes that hold every word you type, as whole words: “sleep” does not find “asleep”."
QUERY_EMPTY = "Type a word or two from the notes you are looking for."
QUERY_TOO_LONG = "That search is longer than {limit} characters. Try two or three words from the note."
QUERY_ONLY_COMMON = (
    "Those words are too common to search for (like “the” or “and”). "
    "Try a word that says more about the note."
)
QUERY_CUT = "Only the first {limit} words were searched for."
# A query longer than this is refused whole, not cut: what was cut could change its meaning.
MAX_QUERY_CHARS = 200
MAX_QUERY_WORDS = 8
# A longer word is indexed, and looked up, by its first MAX_WORD characters.
MAX_WORD = 40
# Every note's token set is padded with random tokens to a multiple of this many rows.
PAD_TO = 32
# Notes indexed per transaction by the backfill (ethos.vault.blind.backfill says why in batches).
BACKFILL_BATCH = 200
# Characters of text shown on each side of the first match.
SNIPPET_BEFORE = 70
SNIPPET_AFTER = 110

# Words too common to tell notes apart: left out of the index (fewer rows, and the most frequent
# tokens, the easiest to guess from their counts, are never written) and out of every query.
_COMMON = """
    a about after again all also am an and any are as at be because been before being but by can
    could did do does doing dont for from had has have having he her here hers him his how i if in
    into is it its just me more most my no nor not now of off on once only or other our out over
    own s same she should so some such t than that the their them then there these they this those
    through to too under until up very was we were what when where which while who whom why will
    with would you your
"""
STOP_WORDS = frozenset(_COMMON.split())


class NoteSearchKey(blind.SearchKey):
    """A coach's note-search key: its label differs from the name search's, so tokens never match."""

    __slots__ = ()
    purpose = "note-search"


def _words(text: str) -> Iterable[str]:
    """Yield each folded word of a text and, for "client's", its parts too; common words left out."""
    for match in blind.WORD.findall(blind.fold(text)):
        parts = blind.APOSTROPHES.split(match)
        for word in {"".join(parts), *parts} if len(parts) > 1 else parts:
            if len(word) > 1 and word not in STOP_WORDS:
                yield word[:MAX_WORD]


def note_words(texts: Iterable[str | None]) -> set[str]:
    """Return the distinct words to index from the texts of one note."""
    return {word for text in texts if text for word in _words(text)}


def note_texts(note: SessionNote, addenda: Iterable[Addendum]) -> list[str]:
    """Return the note's current text: every section, then each addendum's reason and text."""
    return [*note.sections.values(), *(part for a in addenda for part in (a.reason, a.text))]


# -- writes --------------------------------------------------------------------------------


def _rows(key: NoteSearchKey, note: SessionNote, addenda: Iterable[Addendum]) -> list[tuple]:
    tokens = blind.padded(key.tokens(note_words(note_texts(note, addenda))), pad_to=PAD_TO)
    return [(note.coach_id, note.pk, token) for token in tokens]


def _insert(rows: list[tuple]) -> None:
    blind.insert_rows(NoteSearchToken, ("coach", "note", "token"), rows)


def note_tokens_write(*, coach, note: SessionNote) -> None:
    """Replace the note's tokens with those of its current text, in the caller's transaction."""
    if note.coach_id != coach.pk:
        raise VaultLocked(NOT_YOUR_RECORD)
    key = NoteSearchKey.for_coach(coach)
    # Only a signed note has addenda: an autosave of a draft reads nothing more.
    addenda = list(Addendum.objects.filter(note=note).order_by("written_at")) if note.is_signed else []
    with transaction.atomic():
        NoteSearchToken.objects.filter(note=note).delete()
        _insert(_rows(key, note, addenda))


def notes_without_tokens(coach) -> QuerySet[SessionNote]:
    """Return the coach's readable notes that have no tokens yet (written before the index)."""
    tokens = NoteSearchToken.objects.filter(note=OuterRef("pk"))
    # A note whose key was destroyed can never be read, so never indexed: leave it out.
    return SessionNote.objects.filter(coach=coach, data_key__wrapped__isnull=False).filter(~Exists(tokens))


def _addenda_by_note(notes: list[SessionNote]) -> dict:
    found: dict = {note.pk: [] for note in notes}
    for addendum in Addendum.objects.filter(note__in=notes).select_related("data_key").order_by("written_at"):
        found[addendum.note_id].append(addendum)
    return found


def note_tokens_backfill(*, coach) -> int:
    """Index the coach's notes that have no tokens yet, in batches; return how many (one query if none)."""

    def index(notes: QuerySet[SessionNote]) -> int:
        key = NoteSearchKey.for_coach(coach)
        found = list(notes.select_related("data_key"))
        addenda = _addenda_by_note(found)
        _insert([row for note in found for row in _rows(key, note, addenda[note.pk])])
        return len(found)

    return blind.backfill(lambda: notes_without_tokens(coach), batch=BACKFILL_BATCH, index=index)


# -- reads ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    """A search as the coach typed it: the words looked up, or why nothing is looked up."""

    text: str
    words: tuple[str, ...] = ()
    problem: str = ""
    notice: str = ""


def parse(text: str) -> Query:
    """Read a search: refuse an empty, overlong or all-common one with a message; cut it to 8 words."""
    text = text.strip()
    if not text:
        return Query(text, problem=QUERY_EMPTY)
    if len(text) > MAX_QUERY_CHARS:
        return Query(text[:MAX_QUERY_CHARS], problem=QUERY_TOO_LONG.format(limit=MAX_QUERY_CHARS))
    words = tuple(dict.fromkeys(_words(text)))
    if not words:
        return Query(text, problem=QUERY_ONLY_COMMON)
    notice = QUERY_CUT.format(limit=MAX_QUERY_WORDS) if len(words) > MAX_QUERY_WORDS else ""
    return Query(text, words=words[:MAX_QUERY_WORDS], notice=notice)


def notes_matching(coach, query: Query) -> QuerySet[SessionNote]:
    """The coach's notes holding every word of the query, newest session first, all in SQL."""
    if not query.words:
        return SessionNote.objects.none()
    tokens = NoteSearchKey.for_coach(coach).tokens(query.words)
    rows = NoteSearchToken.objects.filter(coach=coach)
    # Only the coach's own token rows are read, and a note's token rows are its coach's, so the
    # notes found are the coach's. Filtering the notes by coach as well led SQLite to read every
    # note of the coach and test each against the tokens (60 ms at 20,000 notes) instead of
    # looking up the few that hold them.
    return (
        SessionNote.objects.filter(pk__in=blind.holding_every(rows, owner="note_id", tokens=tokens))
        .select_related("data_key", "session", "client", "client__data_key")
        .order_by("-session__starts_at", "-pk")
    )


@dataclass(frozen=True)
class Snippet:
    """A short stretch of a note around the first word searched for; `where` names its section."""

    where: str
    before: str
    match: str
    after: str


_SPACE = re.compile(r"\s+")


def _trimmed(text: str, *, cut_start: bool = False, cut_end: bool = False) -> str:
    """Put a stretch on one line; where it was cut, cut it back to a whole word and mark it with "…"."""
    text = _SPACE.sub(" ", text)
    if cut_start and " " in text:
        text = "…" + text.split(" ", 1)[1]
    if cut_end and " " in text:
        text = text.rsplit(" ", 1)[0] + "…"
    return text


def snippet(places: Iterable[tuple[str, str]], words: Iterable[str]) -> Snippet | None:
    """Find the first word searched for in (where, text) pairs and return the text around it."""
    wanted = set(words)
    for where, text in places:
        for found in blind.WORD.finditer(text or ""):
            if not wanted.intersection(_words(found.group())):
                continue
            start, end = found.span()
            opening = max(0, start - SNIPPET_BEFORE)
            return Snippet(
                where=where,
                before=_trimmed(text[opening:start], cut_start=opening > 0),
                match=found.group(),
                after=_trimmed(text[end : end + SNIPPET_AFTER], cut_end=end + SNIPPET_AFTER < len(text)),
            )
    return None


@dataclass(frozen=True)
class Found:
    """One note on a page of results: its session and client (with their keys) and its snippet."""

    note: SessionNote
    snippet: Snippet | None


def found_on_page(notes: list[SessionNote], query: Query, *, labels: dict[str, str]) -> list[Found]:
    """Decrypt the notes of one page (and their addenda, in one query) for their snippets.

    `labels` names each section, and "addendum", as the coach reads them on the page.
    """
    addenda = _addenda_by_note(notes)
    return [
        Found(
            note=note,
            snippet=snippet(
                [
                    *((labels.get(key, key), text) for key, text in note.sections.items()),
                    *((labels["addendum"], part) for a in addenda[note.pk] for part in (a.text, a.reason)),
                ],
                query.words,
            ),
        )
        for note in notes
    ]
