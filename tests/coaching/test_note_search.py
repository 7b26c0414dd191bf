"""Searching notes through their blind index: what it finds, whose notes, what it keeps, what it costs."""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import hmac
import re
from unittest import mock

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from ethos.clients import search as name_search
from ethos.coaching import note_search, notes
from ethos.coaching.models import NoteSearchToken, SessionNote
from ethos.vault import blind, crypto
from ethos.vault.context import unlocked
from ethos.vault.services import data_key_destroy
from tests.coaching.conftest import PAYLOAD, active_client, schedule, start
from tests.coaching.test_notes import sections
from tests.conftest import make_coach, open_vault, sign_in_browser

pytestmark = pytest.mark.django_db

SEARCH = reverse("coaching:note_search")
RESULT = re.compile(r'href="/sessions/([0-9a-f-]{36})/note/"')


@contextlib.contextmanager
def days_ahead(days: int):
    """Act `days` from now: sessions start only on their day, and never in the past."""
    moved = timezone.now() + datetime.timedelta(days=days)
    with mock.patch("django.utils.timezone.now", return_value=moved):
        yield


def write_note(coach, client, *, days: int = 0, **text) -> SessionNote:
    """Schedule, start and write a session's note through the services, `days` from now."""
    with days_ahead(days):
        session = start(coach, schedule(coach, client))
        return notes.note_save(coach=coach, session=session, sections=sections(**text), version=0).note


def sign(coach, note: SessionNote) -> SessionNote:
    return notes.note_sign(coach=coach, note=note, version=note.version)


def found(browser, query: str, **params) -> list[str]:
    """Return the session ids of the notes a search lists, in order."""
    response = browser.get(SEARCH, {"q": query, **params})
    assert response.status_code == 200
    return RESULT.findall(response.content.decode())


def ids(*found_notes: SessionNote) -> list[str]:
    return [str(note.session_id) for note in found_notes]


@pytest.fixture
def robin(coach, vault):
    return active_client(coach, name="Robin Ash")


# -- what it finds ---------------------------------------------------------------------------


@pytest.mark.parametrize("section", list(notes.NOTE_SECTIONS))
def test_it_finds_a_note_by_a_word_in_any_section(coach, robin, coach_client, section):
    note = write_note(coach, robin, **{section: "We talked about the allotment and her tomatoes."})
    write_note(coach, robin, days=1, focus="Nothing about gardens here.")
    assert found(coach_client, "allotment") == ids(note)
    assert found(coach_client, "Allotment TOMATOES") == ids(note)


def test_it_finds_a_signed_note_by_its_addendum(coach, robin, coach_client):
    note = sign(coach, write_note(coach, robin, focus="Sleep has been better."))
    assert found(coach_client, "grandmother") == []
    notes.note_addendum_add(
        coach=coach, note=note, reason="Remembered later", text="She mentioned her grandmother's garden."
    )
    assert found(coach_client, "grandmother") == ids(note)
    assert found(coach_client, "grandmother's") == ids(note)
    assert found(coach_client, "sleep grandmother") == ids(note)  # section and addendum together
    page = coach_client.get(SEARCH, {"q": "grandmother"}).content.decode()
    assert "Addendum" in page and "<mark>grandmother&#x27;s</mark>" in page


def test_every_word_must_match(coach, robin, coach_client):
    both = write_note(coach, robin, focus="Walking the dog", worked_on="breathing at the bus stop")
    dog = write_note(coach, robin, days=1, focus="Walking the dog in the park")
    bus = write_note(coach, robin, days=2, focus="The bus was late again")
    assert found(coach_client, "dog") == ids(dog, both)
    assert found(coach_client, "bus") == ids(bus, both)
    assert found(coach_client, "dog bus") == ids(both)
    assert found(coach_client, "dog bus swimming") == []


def test_it_matches_whole_words_folded_but_not_parts_of_words(coach, robin, coach_client):
    note = write_note(coach, robin, focus="Zoë felt naïve at the Café; self-harm urges were low.")
    for query in ("zoe", "ZOË", "naive", "cafe", "self-harm", "harm", "Self Harm"):
        assert found(coach_client, query) == ids(note), query
    for query in ("zo", "caf", "har", "urge"):
        assert found(coach_client, query) == [], query


def test_a_redrafted_note_no_longer_matches_a_removed_word(coach, robin, coach_client):
    note = write_note(coach, robin, focus="She spoke about the lighthouse and the harbour.")
    assert found(coach_client, "lighthouse") == ids(note)
    notes.note_save(
        coach=coach, session=note.session, sections=sections(focus="She spoke about the harbour."), version=1
    )
    assert found(coach_client, "lighthouse") == []
    assert found(coach_client, "harbour") == ids(note)


def test_results_show_client_date_status_and_a_snippet_newest_first(coach, robin, coach_client):
    wren = active_client(coach, name="Wren Okafor")
    older = sign(coach, write_note(coach, robin, focus="Chose to phone the housing office on Monday."))
    newer = write_note(
        coach,
        wren,
        days=3,
        worked_on="A long opening about the week, the weather, the trains and the school run, then she "
        "said the housing letter had finally come and she felt relieved, and then more about the weekend "
        "and the long drive to the coast to see her aunt, her cousins and their dog.",
    )
    body = coach_client.get(SEARCH, {"q": "housing"}).content.decode()
    assert RESULT.findall(body) == ids(newer, older)
    assert "Wren Okafor" in body and "Robin Ash" in body
    assert timezone.localtime(newer.session.starts_at).strftime("%-d %B %Y") in body
    assert '<span class="badge">Signed</span>' in body and '<span class="badge">Draft</span>' in body
    assert "<mark>housing</mark> office on Monday" in body
    assert (
        "…week, the weather, the trains and the school run, then she said the <mark>housing</mark> letter"
        in body
    )
    assert "the long drive to the…" in body and "their dog" not in body  # a snippet, not the note
    assert "What we worked on" in body  # where the snippet comes from
    assert "Showing 1\u20132 of 2 notes" in body


def test_results_come_25_to_a_page(coach, robin, coach_client):
    written = [write_note(coach, robin, days=n, focus=f"Kestrel number {n}") for n in range(27)]
    first, second = found(coach_client, "kestrel"), found(coach_client, "kestrel", page=2)
    assert first == ids(*reversed(written[2:]))
    assert second == ids(*reversed(written[:2]))
    body = coach_client.get(SEARCH, {"q": "kestrel", "page": 2}).content.decode()
    assert "Page 2 of 2" in body and "?q=kestrel&amp;page=1" in body


# -- whose notes -----------------------------------------------------------------------------


def test_a_second_coachs_search_never_returns_the_first_coachs_notes(coach, robin, coach_client, other_coach):
    mine = write_note(coach, robin, focus="The marmalade cat came back.")
    theirs_browser = sign_in_browser(Browser(), other_coach)
    with unlocked(open_vault(other_coach)):
        theirs = write_note(other_coach, active_client(other_coach, name="Sam Lee"), focus="A marmalade jar.")
    assert found(theirs_browser, "marmalade") == ids(theirs)
    assert found(coach_client, "marmalade") == ids(mine)
    for name in ("coaching:note", "coaching:note_edit"):
        assert theirs_browser.get(reverse(name, args=[mine.session_id])).status_code == 404
    # The same word gives unrelated tokens in two practices.
    with unlocked(open_vault(other_coach)) as vault:
        their_token = note_search.NoteSearchKey(vault).token("marmalade")
    assert not NoteSearchToken.objects.filter(coach=coach, token=their_token).exists()
    assert NoteSearchToken.objects.filter(coach=other_coach, token=their_token).exists()


def test_a_search_with_another_coachs_vault_open_is_refused(coach, other_coach):
    with unlocked(open_vault(other_coach)), pytest.raises(crypto.VaultError):
        note_search.NoteSearchKey.for_coach(coach)


def test_the_agenda_leads_to_the_search(coach_client):
    body = coach_client.get(reverse("coaching:list")).content.decode()
    assert f'href="{SEARCH}"' in body and "Search notes" in body


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("", note_search.QUERY_EMPTY),
        ("    ", note_search.QUERY_EMPTY),
        ("the and of", note_search.QUERY_ONLY_COMMON),
        ("?!… — ;", note_search.QUERY_ONLY_COMMON),
        ("x" * 500, note_search.QUERY_TOO_LONG.format(limit=note_search.MAX_QUERY_CHARS)),
        ("word " * 100, note_search.QUERY_TOO_LONG.format(limit=note_search.MAX_QUERY_CHARS)),
    ],
    ids=["empty", "spaces", "stop words", "punctuation", "500 characters", "100 words"],
)
def test_a_search_without_words_to_look_up_says_why(coach, robin, coach_client, query, message):
    write_note(coach, robin, focus="Something to find")
    response = coach_client.get(SEARCH, {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert message.replace("“", "&ldquo;").replace("”", "&rdquo;") in body or message in body
    assert 'aria-invalid="true"' in body and RESULT.findall(body) == []


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert('x')</script>",
        "Robert'); DROP TABLE coaching_sessionnote;--",
        "' OR 1=1 --",
        "%' OR token LIKE '%",
        "\x00 null \ufeff",
        "one two three four five six seven eight nine ten",
    ],
    ids=["script", "drop table", "or 1=1", "like", "control characters", "ten words"],
)
def test_hostile_searches_are_words_like_any_other(coach, robin, coach_client, query):
    note = write_note(coach, robin, focus=PAYLOAD)
    response = coach_client.get(SEARCH, {"q": query})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in body
    assert SessionNote.objects.filter(pk=note.pk).exists()
    if query.startswith("<script>"):
        # The note's own text holds these words, and its snippet is shown escaped.
        assert RESULT.findall(body) == ids(note) and "&lt;<mark>script</mark>&gt;" in body
    if query.startswith("one two"):
        assert note_search.QUERY_CUT.format(limit=note_search.MAX_QUERY_WORDS) in body


def test_the_page_asks_for_words_before_any_search(coach_client):
    body = coach_client.get(SEARCH).content.decode()
    assert '<label for="note-search">' in body and note_search.QUERY_EMPTY not in body
    assert "aria-describedby" in body and 'role="search"' in body


# -- what the index holds ------------------------------------------------------------------


def test_each_note_has_a_padded_shuffled_number_of_tokens(coach, robin):
    short = write_note(coach, robin, focus="Calm.")
    long = write_note(coach, robin, days=1, focus=" ".join(f"word{n}" for n in range(40)))
    assert NoteSearchToken.objects.filter(note=short).count() == note_search.PAD_TO
    assert NoteSearchToken.objects.filter(note=long).count() == 2 * note_search.PAD_TO


def test_common_words_are_not_indexed(coach, vault, robin):
    note = write_note(coach, robin, focus="The and of she was Kestrel")
    key = note_search.NoteSearchKey(vault)
    held = {bytes(t) for t in NoteSearchToken.objects.filter(note=note).values_list("token", flat=True)}
    assert key.token("kestrel") in held
    assert not {key.token(word) for word in ("the", "and", "of", "she", "was")} & held


def test_a_name_token_and_a_note_token_of_one_word_differ(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    note = write_note(coach, robin, focus="Robin came on time.")
    note_token = note_search.NoteSearchKey(vault).token("robin")
    name_token = name_search.SearchKey(vault).token("robin")
    assert note_token != name_token
    assert NoteSearchToken.objects.filter(note=note, token=note_token).exists()
    assert not NoteSearchToken.objects.filter(token=name_token).exists()
    # Moving the name search's key to ethos.vault.blind kept its label: stored tokens stay valid.
    old_key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=None,
        info=f"ethos/client-name-search|coach={coach.pk}|v1".encode(),
    ).derive(vault.account_key)
    assert name_token == hmac.new(old_key, b"robin", hashlib.sha256).digest()[: blind.TOKEN_BYTES]


# -- notes from before the index -----------------------------------------------------------


def test_the_search_indexes_notes_written_before_the_index_once_a_session(client, coach, robin):
    written = [write_note(coach, robin, days=n, focus=f"Heron walk {n}") for n in range(3)]
    NoteSearchToken.objects.filter(coach=coach).delete()  # as they were before this change
    assert note_search.notes_without_tokens(coach).count() == 3
    browser = sign_in_browser(client, coach)
    assert found(browser, "heron") == ids(*reversed(written))
    assert note_search.notes_without_tokens(coach).count() == 0
    # Later searches in the session do not look again.
    NoteSearchToken.objects.filter(note=written[0]).delete()
    with CaptureQueriesContext(connection) as queries:
        assert found(browser, "heron") == ids(written[2], written[1])
    assert not [q for q in queries.captured_queries if "NOT EXISTS" in q["sql"].upper()]
    # The next sign-in does.
    assert found(sign_in_browser(Browser(), coach), "heron") == ids(*reversed(written))


def test_the_backfill_works_in_batches_and_leaves_out_a_destroyed_key(coach, vault, robin, monkeypatch):
    monkeypatch.setattr(note_search, "BACKFILL_BATCH", 2)
    wren = active_client(coach, name="Wren Okafor")
    signed = sign(coach, write_note(coach, wren, focus="Otter"))
    notes.note_addendum_add(coach=coach, note=signed, reason="later", text="Badger too")
    for n in range(4):
        write_note(coach, robin, days=n + 1, focus="Otter")
    NoteSearchToken.objects.filter(coach=coach).delete()
    data_key_destroy(data_key=robin.data_key)
    assert note_search.note_tokens_backfill(coach=coach) == 1
    assert note_search.note_tokens_backfill(coach=coach) == 0
    key = note_search.NoteSearchKey(vault)
    assert NoteSearchToken.objects.filter(note=signed, token=key.token("badger")).exists()
    assert not NoteSearchToken.objects.filter(note__client=robin).exists()


# -- what it costs ---------------------------------------------------------------------------


def test_the_search_page_reads_the_same_number_of_queries_at_1_and_50_matching_notes(
    coach, robin, coach_client
):
    write_note(coach, robin, focus="Swallow")
    coach_client.get(SEARCH, {"q": "swallow"})  # the first visit of the session looks for old notes
    with CaptureQueriesContext(connection) as one:
        assert len(found(coach_client, "swallow")) == 1

    busy = make_coach(name="Busy Coach")
    with unlocked(open_vault(busy)):
        clients = [active_client(busy, name=f"Client {n}") for n in range(3)]
        written = [write_note(busy, clients[n % 3], days=n, focus="Swallow") for n in range(50)]
        notes.note_addendum_add(
            coach=busy, note=sign(busy, written[-1]), reason="later", text="Swallow again"
        )
    browser = sign_in_browser(Browser(), busy)
    browser.get(SEARCH, {"q": "swallow"})
    with CaptureQueriesContext(connection) as fifty:
        assert len(found(browser, "swallow")) == 25
    assert len(fifty.captured_queries) == len(one.captured_queries)


def test_the_open_items_panel_names_only_the_coachs_own_notes_and_sessions(coach, robin, other_coach):
    """The describers look records up by id alone (for SQLite's sake) and keep the coach's own."""
    from ethos.coaching.subjects import describe_notes, describe_sessions

    mine = write_note(coach, robin, focus="Her own words.")
    with unlocked(open_vault(other_coach)):
        theirs = write_note(other_coach, active_client(other_coach, name="Sam Lee"), focus="Other words.")
    both = [str(mine.pk), str(theirs.pk)]
    assert list(describe_notes(coach, both)) == [str(mine.pk)]
    sessions = [str(mine.session_id), str(theirs.session_id)]
    assert list(describe_sessions(coach, sessions)) == [str(mine.session_id)]
    with unlocked(open_vault(other_coach)):
        assert list(describe_notes(other_coach, both)) == [str(theirs.pk)]
