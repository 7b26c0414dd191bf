"""The client list at practice scale: one page of rows, and name search through the blind index.

Clients are taken on through the real intake service, so names are encrypted and indexed as in
use. Nothing here may decrypt a name the page does not show.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from ethos.clients import search, services
from ethos.clients.models import Client, ClientNameToken
from ethos.clients.selectors import PAGE_SIZE
from ethos.vault import blind, crypto
from ethos.vault.context import unlocked
from ethos.vault.services import data_key_destroy
from tests.clients.conftest import NO_RISK, years_ago
from tests.conftest import open_vault, sign_in_browser

pytestmark = pytest.mark.django_db

ROW = re.compile(r'<td><a href="/clients/([0-9a-f-]{36})/">')
MANY = 60
DASH = "\u2013"  # the en dash of "Showing 26-50 of 512"


def take_on(coach, name: str, *, preferred_name: str = "") -> Client:
    """Take a person on through the intake service, as a coach does."""
    data = services.IntakeData(
        name=name,
        preferred_name=preferred_name,
        date_of_birth=years_ago(30),
        contact={"email": "someone@example.org"},
        screening=services.Screening(**NO_RISK),
    )
    return services.intake_submit(coach=coach, data=data).client


def take_on_many(coach, names: list[str]) -> list[Client]:
    with unlocked(open_vault(coach)):
        return [take_on(coach, name) for name in names]


def rows(response) -> list[str]:
    """The client ids of the rows on the page, in order."""
    assert response.status_code == 200
    return ROW.findall(response.content.decode())


def listing(browser, **params):
    return browser.get(reverse("clients:list"), params)


def found(browser, query: str, **params) -> str:
    return listing(browser, q=query, **params).content.decode()


# -- one page, in a fixed number of queries --------------------------------------------------


def test_it_runs_the_same_queries_for_the_list_and_a_search_at_one_client_and_at_sixty(
    coach_client, coach, django_assert_num_queries
):
    take_on_many(coach, ["Robin Ash"])
    listing(coach_client)  # the session's once-a-minute touch, out of the way
    counts = {}
    for params in ({}, {"q": "rob"}, {"q": "robin ash"}, {"status": "active", "q": "ash", "page": "1"}):
        with CaptureQueriesContext(connection) as queries:
            assert len(rows(listing(coach_client, **params))) == 1
        counts[str(params)] = len(queries)

    take_on_many(coach, [f"Robin Ash{number}" for number in range(MANY - 1)])
    listing(coach_client)
    for params in ({}, {"q": "rob"}, {"q": "robin ash"}, {"status": "active", "q": "ash", "page": "1"}):
        with django_assert_num_queries(counts[str(params)]):
            shown = rows(listing(coach_client, **params))
        assert len(shown) == PAGE_SIZE  # at most one page of rows, however many match


def test_it_counts_and_slices_in_the_database(coach_client, coach):
    take_on_many(coach, [f"Kim Number{n}" for n in range(MANY)])
    listing(coach_client)
    for params in ({}, {"q": "kim"}):
        with CaptureQueriesContext(connection) as queries:
            listing(coach_client, page="2", **params)
        sql = [q["sql"] for q in queries.captured_queries if 'FROM "clients_client"' in q["sql"]]
        assert any("COUNT(*)" in s for s in sql)
        page_rows = [s for s in sql if s.startswith('SELECT "clients_client"."id"')]
        assert len(page_rows) == 1 and f"LIMIT {PAGE_SIZE} OFFSET {PAGE_SIZE}" in page_rows[0]
        # The data keys come with the page's rows only: no query reads every key of the practice.
        keys = [q["sql"] for q in queries.captured_queries if 'FROM "vault_datakey"' in q["sql"]]
        assert keys == []


def test_it_decrypts_only_the_names_it_shows(coach_client, coach, monkeypatch):
    take_on_many(coach, [*(f"Kim Number{n}" for n in range(MANY - 1)), "Wren Solo"])
    listing(coach_client)
    calls = {"decrypt": 0, "unwrap": 0}
    decrypt, unwrap = crypto.FieldCipher.decrypt, crypto.unwrap_key

    def counting_decrypt(self, blob, *, aad):
        calls["decrypt"] += 1
        return decrypt(self, blob, aad=aad)

    def counting_unwrap(kek, wrapped, *, aad):
        calls["unwrap"] += 1
        return unwrap(kek, wrapped, aad=aad)

    monkeypatch.setattr(crypto.FieldCipher, "decrypt", counting_decrypt)
    monkeypatch.setattr(crypto, "unwrap_key", counting_unwrap)
    assert len(rows(listing(coach_client))) == PAGE_SIZE
    # A name (and a preferred name, when there is one) per row shown; the account key and a data key each.
    assert calls["decrypt"] <= 2 * PAGE_SIZE and calls["unwrap"] <= PAGE_SIZE + 2
    calls.update(decrypt=0, unwrap=0)
    page = found(coach_client, "wren")
    assert "Wren Solo" in page and len(ROW.findall(page)) == 1
    assert calls["decrypt"] <= 2 and calls["unwrap"] <= 3


# -- pages -------------------------------------------------------------------------------------


def test_it_shows_one_page_with_where_it_is_and_links_to_the_others(coach_client, coach):
    take_on_many(coach, [f"Kim Number{n}" for n in range(MANY)])
    first = listing(coach_client)
    page = first.content.decode()
    assert len(rows(first)) == PAGE_SIZE
    assert f"Showing 1{DASH}{PAGE_SIZE} of {MANY}" in page
    assert '<nav class="pager" aria-label="Pages of clients">' in page
    assert '<span aria-current="page">Page 1 of 3</span>' in page
    assert 'href="?page=2" rel="next"' in page and 'rel="prev"' not in page
    second = listing(coach_client, page="2")
    assert f"Showing {PAGE_SIZE + 1}{DASH}{2 * PAGE_SIZE} of {MANY}" in second.content.decode()
    assert 'href="?page=1" rel="prev"' in second.content.decode()
    last = listing(coach_client, page="3")
    assert len(rows(last)) == MANY - 2 * PAGE_SIZE
    assert f"Showing {2 * PAGE_SIZE + 1}{DASH}{MANY} of {MANY}" in last.content.decode()
    assert 'rel="next"' not in last.content.decode()
    # Every client appears exactly once across the pages, newest first.
    shown = rows(first) + rows(second) + rows(last)
    newest_first = Client.objects.filter(coach=coach).order_by("-created_at", "-id")
    assert shown == [str(pk) for pk in newest_first.values_list("pk", flat=True)]


def test_page_links_keep_the_status_and_the_search(coach_client, coach):
    take_on_many(coach, [f"Robin Number{n}" for n in range(MANY)])
    page = found(coach_client, "rob num", status="active", page="2")
    assert f"Showing {PAGE_SIZE + 1}{DASH}{2 * PAGE_SIZE} of {MANY}" in page
    assert 'href="?status=active&amp;q=rob+num&amp;page=3" rel="next"' in page
    assert 'href="?status=active&amp;q=rob+num&amp;page=1" rel="prev"' in page
    # Nothing else in the address is carried into the links.
    page = listing(coach_client, extra="<b>", page="1").content.decode()
    assert 'href="?page=2" rel="next"' in page and "extra" not in page


def test_a_single_page_has_no_page_links(coach_client, coach):
    take_on_many(coach, ["Robin Ash"])
    page = listing(coach_client).content.decode()
    assert f"Showing 1{DASH}1 of 1" in page and 'class="pager"' not in page


JUNK_PAGES = [
    ("", 1),
    ("abc", 1),
    ("0", 3),
    ("-1", 3),
    ("2.5", 1),
    ("1e3", 1),
    ("99999", 3),
    ("9" * 5000, 1),
    ("<script>", 1),
    ("2", 2),
]


def test_a_junk_page_number_gives_a_page_not_an_error(coach_client, coach):
    take_on_many(coach, [f"Kim Number{n}" for n in range(MANY)])
    for number, shown in JUNK_PAGES:
        response = listing(coach_client, page=number)
        assert response.status_code == 200 and rows(response), number
        assert f'<span aria-current="page">Page {shown} of 3</span>' in response.content.decode(), number


# -- search ------------------------------------------------------------------------------------


@pytest.fixture
def people(coach):
    with unlocked(open_vault(coach)):
        return {
            "zoe": take_on(coach, "Zoë Smith-Jones", preferred_name="Zed"),
            "robin": take_on(coach, "Robin Ash"),
            "ashley": take_on(coach, "Ashley Robinson"),
            "soren": take_on(coach, "Søren O'Brien"),
            "muller": take_on(coach, "Hans Müller", preferred_name="Straße"),
        }


def names_found(browser, query: str, people) -> set[str]:
    ids = set(ROW.findall(found(browser, query)))
    return {key for key, client in people.items() if str(client.pk) in ids}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("rob", {"robin", "ashley"}),  # the start of a first name or of a last name
        ("robin", {"robin", "ashley"}),
        ("robins", {"ashley"}),
        ("ash", {"robin", "ashley"}),
        ("ashl", {"ashley"}),
        ("robin ash", {"robin", "ashley"}),  # every word must match the start of some word
        ("ash robin", {"robin", "ashley"}),
        ("robin ashl", {"ashley"}),
        ("ro as", {"robin", "ashley"}),
        ("robin smith", set()),
        ("zed", {"zoe"}),  # the preferred name
        ("zoe", {"zoe"}),  # accents and case do not matter, either way round
        ("ZOË", {"zoe"}),
        ("ZOÉ", {"zoe"}),
        ("jones", {"zoe"}),  # hyphenated names are two words
        ("smith-jones", {"zoe"}),
        ("soren", {"soren"}),
        ("SØR", {"soren"}),
        ("obrien", {"soren"}),  # O'Brien is found as obrien, o'brien and brien
        ("o'brien", {"soren"}),
        ("O\u2019Brien", {"soren"}),
        ("brien", {"soren"}),
        ("muller", {"muller"}),
        ("strasse", {"muller"}),
        ("STRAẞE", {"muller"}),
        ("  hans   müller  ", {"muller"}),
        ("bin", set()),  # the middle of a word is not the start of one
        ("obin", set()),
        ("shley", set()),
        ("ith", set()),
        ("!!!", set()),  # nothing to look up finds nobody, rather than everybody
    ],
)
def test_search_finds_by_the_start_of_a_word(coach_client, people, query, expected):
    assert names_found(coach_client, query, people) == expected


def test_search_says_how_it_works_and_keeps_the_words(coach_client, people):
    page = found(coach_client, "bin")
    assert search.SEARCH_HINT in page and "No clients match." in page
    assert 'value="bin"' in page


def test_a_long_search_word_matches_on_its_first_twelve_letters(coach_client, coach):
    with unlocked(open_vault(coach)):
        client = take_on(coach, "Alexandrina Featherstonehaugh")
    for query in ("featherstone", "featherstoneh", "featherstonehaugh", "alexandrina feathers"):
        assert ROW.findall(found(coach_client, query)) == [str(client.pk)], query


def test_search_works_with_the_status_filter(coach_client, coach, people):
    with unlocked(open_vault(coach)):
        declined = services.intake_submit(
            coach=coach,
            data=services.IntakeData(
                name="Robin Young",
                date_of_birth=years_ago(16),
                contact={},
                screening=services.Screening(**NO_RISK),
            ),
        ).client
    assert names_found(coach_client, "robin", people) == {"robin", "ashley"}
    assert str(declined.pk) in ROW.findall(found(coach_client, "robin"))  # a referral is owed (S9)
    assert ROW.findall(found(coach_client, "robin", status="declined")) == [str(declined.pk)]
    assert ROW.findall(found(coach_client, "robin y", status="owed")) == [str(declined.pk)]
    assert ROW.findall(found(coach_client, "robin", status="ended")) == []


@pytest.mark.parametrize(
    "query",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "' OR 1=1; DROP TABLE clients_client; --",
        "robin' OR '1'='1",
        "%",
        "_",
        "\\",
        "\x00",
        "\U0001d52f\U0001d52c\U0001d51f\U0001d526\U0001d52b",  # "robin" in fraktur letters
    ],
)
def test_hostile_search_input_is_harmless(coach_client, people, query):
    response = listing(coach_client, q=query)
    page = response.content.decode()
    assert response.status_code == 200
    assert "<script>alert" not in page and "<img src=x" not in page
    assert Client.objects.count() == len(people)
    if "<script>" in query:
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    if query == "robin' OR '1'='1":
        # Read as the words robin, or, 1, 1: nobody has all of them.
        assert ROW.findall(page) == []


def test_a_rename_replaces_the_tokens(coach_client, coach, people):
    robin = people["robin"]
    before = ClientNameToken.objects.filter(client=robin).count()
    response = coach_client.post(
        reverse("clients:contact", args=[robin.pk]),
        {"email": "robin@example.org", "preferred_name": "Birdie"},
    )
    assert response.status_code == 302
    assert names_found(coach_client, "birdie", people) == {"robin"}
    response = coach_client.post(
        reverse("clients:contact", args=[robin.pk]), {"email": "robin@example.org", "preferred_name": "Wren"}
    )
    assert response.status_code == 302
    assert names_found(coach_client, "birdie", people) == set()
    assert names_found(coach_client, "bir", people) == set()
    assert names_found(coach_client, "wren", people) == {"robin"}
    assert names_found(coach_client, "robin ash", people) == {"robin", "ashley"}  # the name stays
    assert ClientNameToken.objects.filter(client=robin).count() == before  # replaced, not added to


# -- what the index holds --------------------------------------------------------------------


def test_the_index_holds_no_name_in_any_form(coach, people):
    names = [
        "Zoë Smith-Jones",
        "Zed",
        "Robin Ash",
        "Ashley Robinson",
        "Søren O'Brien",
        "Hans Müller",
        "Straße",
    ]
    words = {word for name in names for word in re.split(r"[\s'-]+", name)}
    words |= {search.fold(word) for word in words}
    needles = set()
    for word in words:
        for length in range(2, len(word) + 1):
            prefix = word[:length]
            for text in {prefix, prefix.upper(), prefix.title()}:
                for encoding in ("utf-8", "latin-1", "utf-16-le", "utf-16-be", "utf-32-le"):
                    raw = text.encode(encoding, errors="ignore")
                    if len(raw) >= 4:  # shorter strings turn up in random bytes by chance
                        needles.add(raw)
    tokens = [
        bytes(token) for token in ClientNameToken.objects.filter(coach=coach).values_list("token", flat=True)
    ]
    assert tokens and all(len(token) == blind.TOKEN_BYTES for token in tokens)
    blob = b"|".join(tokens)
    assert not [needle for needle in needles if needle in blob]
    # Nor an unkeyed hash of a prefix: without the coach's key, nobody can recompute a token.
    prefixes = search.name_prefixes(*names)
    unkeyed = {hashlib.sha256(prefix.encode()).digest()[: blind.TOKEN_BYTES] for prefix in prefixes}
    assert not unkeyed & set(tokens)


def test_each_client_has_a_padded_number_of_tokens(coach, people):
    for client in people.values():
        count = ClientNameToken.objects.filter(client=client).count()
        assert count % search.PAD_TO == 0 and count > 0
    # A short name and a long one take the same number of rows.
    with unlocked(open_vault(coach)) as vault:
        short, long = take_on(coach, "Al Bo"), take_on(coach, "Maximiliana Featherstonehaugh")
        real = set(search.SearchKey(vault).tokens(search.name_prefixes("Al Bo")))
        others = [take_on(coach, "Al Bo") for _ in range(2)]
    assert (
        ClientNameToken.objects.filter(client=short).count()
        == ClientNameToken.objects.filter(client=long).count()
        == search.PAD_TO
    )
    # Nor does the order rows were written in (their ids) tell the name's tokens from the padding.
    first_written = [
        {
            bytes(t)
            for t in ClientNameToken.objects.filter(client=c)
            .order_by("id")
            .values_list("token", flat=True)[:4]
        }
        for c in (short, *others)
    ]
    assert any(written != real for written in first_written)


def test_a_second_coachs_key_finds_nothing_in_the_first_coachs_index(coach, other_coach, people):
    with unlocked(open_vault(other_coach)) as theirs:
        take_on(other_coach, "Robin Ash")
        their_tokens = search.SearchKey(theirs).tokens(search.name_prefixes("Robin Ash", "Zoë Smith-Jones"))
    assert ClientNameToken.objects.filter(coach=coach, token__in=their_tokens).count() == 0
    assert ClientNameToken.objects.filter(token__in=their_tokens).exclude(coach=other_coach).count() == 0
    with unlocked(open_vault(coach)) as mine:
        my_tokens = search.SearchKey(mine).tokens(search.name_prefixes("Robin Ash"))
    assert not set(my_tokens) & set(their_tokens)
    assert ClientNameToken.objects.filter(coach=coach, token__in=my_tokens).exists()


def test_a_second_coachs_search_never_returns_the_first_coachs_clients(coach_client, other_client, people):
    mine = {str(client.pk) for client in people.values()}
    for query in ("robin", "r", "zoe", "a", "s", "h"):
        assert not mine & set(ROW.findall(found(other_client, query)))
    assert not mine & set(rows(listing(other_client)))
    for client in people.values():
        assert other_client.get(reverse("clients:detail", args=[client.pk])).status_code == 404


def test_a_search_with_another_coachs_vault_open_is_refused(coach, other_coach):
    with unlocked(open_vault(other_coach)), pytest.raises(crypto.VaultError):
        search.search_key_for(coach)


# -- clients from before the index ---------------------------------------------------------


def test_the_list_indexes_clients_taken_on_before_the_index(coach_client, coach, people):
    ClientNameToken.objects.filter(coach=coach).delete()  # as they were before this change
    assert search.clients_without_tokens(coach).count() == len(people)
    assert names_found(coach_client, "robin", people) == {"robin", "ashley"}
    assert search.clients_without_tokens(coach).count() == 0
    for client in people.values():
        assert ClientNameToken.objects.filter(client=client).count() % search.PAD_TO == 0
    with unlocked(open_vault(coach)):
        assert search.name_tokens_backfill(coach=coach) == 0


def test_the_list_looks_for_unindexed_clients_once_a_session(client, coach, people):
    ClientNameToken.objects.filter(coach=coach).delete()
    browser = sign_in_browser(client, coach)
    assert names_found(browser, "robin", people) == {"robin", "ashley"}
    ClientNameToken.objects.filter(client=people["zoe"]).delete()
    with CaptureQueriesContext(connection) as queries:
        listing(browser)
    assert not [q for q in queries.captured_queries if "clients_clientnametoken" in q["sql"]]
    assert names_found(browser, "zoe", people) == set()
    # The next sign-in looks again.
    assert names_found(sign_in_browser(Browser(), coach), "zoe", people) == {"zoe"}


def test_the_backfill_leaves_out_a_client_whose_key_was_destroyed(coach, people):
    ClientNameToken.objects.filter(coach=coach).delete()
    with unlocked(open_vault(coach)):
        data_key_destroy(data_key=people["robin"].data_key)
        assert search.name_tokens_backfill(coach=coach) == len(people) - 1
        assert search.name_tokens_backfill(coach=coach) == 0
    assert not ClientNameToken.objects.filter(client=people["robin"]).exists()


def test_the_backfill_indexes_a_large_practice_in_batches(coach, people, monkeypatch):
    # A practice of thousands of clients is indexed BACKFILL_BATCH at a time (one list of 5,000
    # ids in SQL broke SQLite's limits); a batch of 2 makes the people here several batches.
    monkeypatch.setattr(search, "BACKFILL_BATCH", 2)
    ClientNameToken.objects.filter(coach=coach).delete()
    with unlocked(open_vault(coach)):
        assert search.name_tokens_backfill(coach=coach) == len(people)
        assert search.name_tokens_backfill(coach=coach) == 0
    assert search.clients_without_tokens(coach).count() == 0


# -- the normalisation, for any name --------------------------------------------------------

_NAME_CHARS = st.sampled_from("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèëÉøØßñÑçÇåÅæÆœłŁüÜ")
_WORDS = st.lists(st.text(_NAME_CHARS, min_size=1, max_size=16), min_size=1, max_size=4)
_SEPARATORS = st.sampled_from([" ", "  ", "-", "'", "\u2019", " - "])


@settings(max_examples=200, deadline=None)
@given(words=_WORDS, separators=st.lists(_SEPARATORS, min_size=3, max_size=3), data=st.data())
def test_the_start_of_any_word_as_typed_finds_the_name(words, separators, data):
    name = "".join(word + separators[i % 3] for i, word in enumerate(words)).strip(" -'\u2019")
    indexed = search.name_prefixes(name)
    word = data.draw(st.sampled_from(words))
    typed = word[: data.draw(st.integers(min_value=1, max_value=len(word)))]
    for query in (typed, typed.upper(), typed.lower()):
        looked_up = search.query_words(query)
        assert looked_up and set(looked_up) <= indexed
