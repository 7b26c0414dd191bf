"""The client page reads every goal's progress as plain rows: the same days and scores as the records."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ethos.clients import goals
from ethos.clients.models import GoalProgress
from ethos.memo import scope
from tests.coaching.conftest import active_client

pytestmark = pytest.mark.django_db


def _from_the_records(client) -> dict:
    """Each goal's (day, score) pairs, read as records through the ORM, in date order."""
    found = {goal.pk: [] for goal in goals.goals_for_client(client)}
    rows = GoalProgress.objects.filter(goal__client=client).order_by("recorded_on", "created_at")
    for progress in rows:
        found[progress.goal_id].append((progress.recorded_on, goals.progress_score(progress)))
    return {pk: tuple(points) for pk, points in found.items()}


def _goals_with_progress(coach, client, scores: dict[str, list[int]]):
    today = timezone.localdate()
    for words, points in scores.items():
        goal = goals.goal_create(coach=coach, client=client, words=words)
        goals.goal_confirm_in_portal(coach=coach, goal=goal)
        # Progress is recorded from the day the goal was written: all today, in the order recorded.
        for score in points:
            goals.goal_progress_add(coach=coach, goal=goal, recorded_on=today, score=score)


def test_it_reads_each_goals_days_and_scores_as_the_records_say(coach, vault):
    robin, sam = active_client(coach, name="Robin Ash"), active_client(coach, name="Sam Okafor")
    _goals_with_progress(
        coach, robin, {"<script>Sleep</script>": [0, 10, 5], "Swim again": [3], "Call my sister": []}
    )
    _goals_with_progress(coach, sam, {"Walk to the shops": [7, 8]})
    progress = goals.progress_for_client(robin)
    assert progress == _from_the_records(robin)
    assert sorted(len(points) for points in progress.values()) == [0, 1, 3]
    assert [score for _, score in progress[goals.goals_for_client(robin)[0].pk]] == [0, 10, 5]
    assert goals.progress_for_client(sam) == _from_the_records(sam)


def test_a_client_without_goals_reads_no_progress(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    with scope():
        goals.goals_for_client(robin)
        with CaptureQueriesContext(connection) as captured:
            assert goals.progress_for_client(robin) == {}
    assert captured.captured_queries == []


def test_it_reads_the_progress_in_one_query(coach, vault):
    robin = active_client(coach, name="Robin Ash")
    _goals_with_progress(coach, robin, {"Sleep": [1, 2, 3, 4], "Swim": [5, 6]})
    with scope():
        goals.goals_for_client(robin)
        with CaptureQueriesContext(connection) as captured:
            goals.progress_for_client(robin)
    assert len(captured.captured_queries) == 1
