"""The client page's shared reads: each read once, prepared once per process, and still one coach's.

The page's reads run SQL built once per process (ethos.prepared) and some are shared by several
sections (ethos.memo): these tests make sure a read shared or prepared for one coach's client
never answers for another's, and that each is made once a page.
"""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ethos import memo
from ethos.audit.models import AuditHead
from ethos.audit.views import CHECK_CHECKPOINT
from ethos.clients import goals
from ethos.clients.models import Goal, GoalProgress
from ethos.clients.selectors import get_client_for_coach
from ethos.coaching import selectors as coaching_selectors
from ethos.vault.context import unlocked
from tests.coaching.conftest import schedule, tomorrow_at
from tests.conftest import open_vault
from tests.money.conftest import agree

from .conftest import client_confirms, intake

pytestmark = pytest.mark.django_db

# Every query of the client page of a client with goals, progress, sessions and a fee agreement,
# the session and the signed-in user included: one each, none per goal, session or section (17
# before the next session was read once and the currency by a prepared query). The audit append
# also stores a subtree hash after every second event at this size: not counted.
CLIENT_PAGE_QUERIES = 16


def _queries_on(captured, pattern: str) -> int:
    return sum(1 for query in captured if re.search(pattern, query["sql"]))


def _client_with_records(coach, *, name: str, goal_words: str, hour: int):
    with unlocked(open_vault(coach)):
        client = intake(coach, name=name).client
        goal = goals.goal_create(coach=coach, client=client, words=goal_words)
        client_confirms(coach, goal)
        goals.goal_progress_add(coach=coach, goal=goal, recorded_on=timezone.localdate(), score=6)
        agree(coach, client, fee="70.00")
        schedule(coach, client)  # began five minutes ago: upcoming, but not the next to start
        schedule(coach, client, starts_at=tomorrow_at(hour))
    return client


@pytest.fixture
def two_practices(coach, other_coach):
    robin = _client_with_records(coach, name="Robin Ash", goal_words="Sleep through the night", hour=9)
    kim = _client_with_records(other_coach, name="Kim Lowe", goal_words="Walk the dog each morning", hour=14)
    return robin, kim


def test_each_coach_sees_their_own_client_with_its_own_records_and_not_the_others(
    two_practices, coach_client, other_client
):
    robin, kim = two_practices
    # Both coaches' pages run the same prepared SQL in this process, one after the other.
    mine = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    theirs = other_client.get(reverse("clients:detail", args=[kim.pk])).content.decode()
    assert "Robin Ash" in mine and "Sleep through the night" in mine and "09:00" in mine
    assert "Kim Lowe" not in mine and "Walk the dog" not in mine and "14:00" not in mine
    assert "Kim Lowe" in theirs and "Walk the dog each morning" in theirs and "14:00" in theirs
    assert "Robin Ash" not in theirs and "Sleep through the night" not in theirs
    assert coach_client.get(reverse("clients:detail", args=[kim.pk])).status_code == 404
    assert other_client.get(reverse("clients:detail", args=[robin.pk])).status_code == 404


def test_an_id_that_is_not_a_client_id_is_a_404(coach, robin_of):
    for junk in ("junk", "", None, str(robin_of.pk)[:-1]):
        with pytest.raises(Http404):
            get_client_for_coach(coach, junk)
    # The same id as text finds the same client.
    assert get_client_for_coach(coach, str(robin_of.pk)).pk == robin_of.pk


@pytest.fixture
def robin_of(coach):
    with unlocked(open_vault(coach)):
        return intake(coach, name="Robin Ash").client


def test_the_next_charge_is_the_next_session_to_start_read_with_the_sessions_section(
    two_practices, coach_client
):
    robin, _ = two_practices
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    # The sessions section lists the one under way and tomorrow's; the next charge is tomorrow's.
    assert f"for the session on {tomorrow_at(9):%-d %b %Y}, 09:00" in page
    sessions_read = r'^SELECT "coaching_session"\."id"'
    assert _queries_on(captured.captured_queries, sessions_read) == 1


def test_the_next_session_is_read_again_only_when_all_those_read_have_started(coach, robin_of, monkeypatch):
    with unlocked(open_vault(coach)):
        under_way = schedule(coach, robin_of)
        later = schedule(coach, robin_of, starts_at=tomorrow_at(9))
        # As if the page listed one upcoming session: the one under way fills it.
        monkeypatch.setattr(coaching_selectors, "UPCOMING_SHOWN", 1)
        monkeypatch.setattr(coaching_selectors, "_upcoming", lambda client, now: [under_way])
        with memo.scope():
            upcoming = coaching_selectors.upcoming_of(robin_of)
            assert upcoming.sessions[0].starts_at < upcoming.now
            assert coaching_selectors.next_session_of(robin_of).pk == later.pk


def test_the_page_shows_the_chain_head_its_own_read_wrote_without_reading_it_again(
    coach, coach_client, robin_of
):
    session = coach_client.session
    session[CHECK_CHECKPOINT] = True
    session.save()
    with CaptureQueriesContext(connection) as captured:
        page = coach_client.get(reverse("clients:detail", args=[robin_of.pk])).content.decode()
    head = AuditHead.objects.get(coach=coach)
    assert f'data-checkpoint="{escape(head.checkpoint)}"' in page
    # The append's own read of the head row, and no other.
    assert _queries_on(captured.captured_queries, r'FROM "?audit_audithead"?\b') == 1


def test_the_client_page_reads_in_a_fixed_number_of_queries(two_practices, coach, coach_client):
    robin, _ = two_practices
    with unlocked(open_vault(coach)):
        for words in ("Call my sister on Sundays", "Cook dinner twice a week"):
            goal = goals.goal_create(coach=coach, client=robin, words=words)
            client_confirms(coach, goal)
            for score in (3, 4, 5):
                goals.goal_progress_add(coach=coach, goal=goal, recorded_on=timezone.localdate(), score=score)
    page = reverse("clients:detail", args=[robin.pk])
    coach_client.get(page)  # the first page of the process builds its prepared queries
    with CaptureQueriesContext(connection) as captured:
        assert coach_client.get(page).status_code == 200
    queries = [q["sql"] for q in captured if not q["sql"].startswith("INSERT INTO audit_auditnode")]
    assert len(queries) <= CLIENT_PAGE_QUERIES, "\n".join(sql[:120] for sql in queries)


def test_the_goals_the_page_reads_carry_each_score_and_day_and_leave_the_words_sealed(coach, robin_of):
    with unlocked(open_vault(coach)):
        goal = goals.goal_create(coach=coach, client=robin_of, words="Sleep through the night")
        client_confirms(coach, goal)
        for score, note in ((3, "A rough week"), (6, "Better")):
            goals.goal_progress_add(
                coach=coach, goal=goal, recorded_on=timezone.localdate(), score=score, note=note
            )
        with memo.scope(), CaptureQueriesContext(connection) as captured:
            [found] = goals.goals_for_client(robin_of)
            progress = goals.progress_for_client(robin_of)
        assert progress == {found.pk: ((timezone.localdate(), 3), (timezone.localdate(), 6))}
    # The goals, then each entry's day and sealed score as plain rows: the notes were never read.
    assert len(captured.captured_queries) == 2
    assert '"note"' not in captured.captured_queries[1]["sql"]
    assert '"rating"' in captured.captured_queries[1]["sql"]


def test_the_goals_of_a_client_are_found_by_the_client_not_by_walking_the_coachs_goals(coach, robin_of):
    # Filtered by client and coach, with an index on each column alone, SQLite read every goal
    # of the practice for one client's page: a cost that grew with the number of clients.
    goal_sql, params = (
        Goal.objects.filter(coach_id=coach.pk, client=robin_of)
        .order_by("created_at", "id")
        .query.sql_with_params()
    )
    progress_sql, progress_params = (
        GoalProgress.objects.filter(goal__coach_id=coach.pk, goal__client=robin_of)
        .order_by("recorded_on", "created_at")
        .query.sql_with_params()
    )
    with connection.cursor() as cursor:
        indexes = connection.introspection.get_constraints(cursor, Goal._meta.db_table)
        assert any(
            index["index"] and index["columns"][:2] == ["client_id", "coach_id"] for index in indexes.values()
        )
        if connection.vendor == "sqlite":
            for sql, values in ((goal_sql, params), (progress_sql, progress_params)):
                cursor.execute(f"EXPLAIN QUERY PLAN {sql}", values)
                plan = " ".join(str(row[-1]) for row in cursor.fetchall())
                assert "goal_client_coach_created (client_id=? AND coach_id=?)" in plan, plan
