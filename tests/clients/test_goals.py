import datetime
import json

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client as Browser
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ethos.audit.models import AuditEvent
from ethos.clients import goals
from ethos.clients.models import Goal, GoalProgress
from ethos.standards.engine import ActionStopped
from ethos.standards.models import OpenItem
from ethos.standards.rules import P5_UNCONFIRMED
from ethos.vault.context import unlocked
from tests.conftest import open_vault

from .conftest import client_confirms, intake

pytestmark = pytest.mark.django_db

WORDS = "Sleep through the night without checking the locks"
HOSTILE = "<script>alert('x')</script>'; DROP TABLE clients_goal; --"
TODAY = timezone.localdate


@pytest.fixture
def robin(coach):
    with unlocked(open_vault(coach)):
        return intake(coach, name="Robin Ash").client


def make_goal(coach, client, *, words=WORDS, confirmed=False, scores=()):
    """Write a goal (vault unlocked by the caller); confirm it and record scores if asked."""
    goal = goals.goal_create(coach=coach, client=client, words=words)
    if confirmed or scores:
        client_confirms(coach, goal)
    for score in scores:
        goals.goal_progress_add(coach=coach, goal=goal, recorded_on=TODAY(), score=score)
    return goal


def open_p5_items(coach, goal):
    return OpenItem.objects.for_coach(coach).open().filter(subject_type="goal", subject_id=str(goal.pk))


# -- P5: the client confirms before a goal is active ----------------------------------------


def test_p5_an_unconfirmed_goal_is_not_active(coach, vault, robin):
    goal = goals.goal_create(coach=coach, client=robin, words=WORDS)
    assert goal.status == Goal.Status.AWAITING and goal.client_authored

    with pytest.raises(ActionStopped) as stopped:
        goals.goal_activate(coach=coach, goal=goal)

    assert stopped.value.verdict.clauses == ("P5",)
    goal.refresh_from_db()
    assert goal.status == Goal.Status.AWAITING and goal.confirmed_at is None
    [item] = open_p5_items(coach, goal)
    assert item.clause == "P5" and item.record_type_list == ["goal_confirmation"]
    finding = AuditEvent.objects.filter(coach=coach, action="standards.finding", target_id=str(goal.pk)).get()
    assert finding.clauses == "P5" and finding.target_type == "goal"
    assert not AuditEvent.objects.filter(coach=coach, action="goal.activated").exists()


def test_p5_a_confirmed_goal_is_active_and_answers_the_open_item(coach, vault, robin):
    goal = goals.goal_create(coach=coach, client=robin, words=WORDS)
    with pytest.raises(ActionStopped):
        goals.goal_activate(coach=coach, goal=goal)  # refused: opens the P5 item

    client_confirms(coach, goal)

    goal = Goal.objects.select_related("data_key").get(pk=goal.pk)
    assert goal.status == Goal.Status.ACTIVE
    assert goal.confirmed_at is not None and goal.confirmed_how == "portal"
    assert not open_p5_items(coach, goal).exists()
    item = OpenItem.objects.get(subject_id=str(goal.pk))
    assert item.resolved_record_type == "goal_confirmation" and item.resolved_record_id == str(goal.pk)
    actions = list(
        AuditEvent.objects.filter(coach=coach, target_id=str(goal.pk)).values_list("action", flat=True)
    )
    assert actions == ["goal.created", "standards.finding", "goal.confirmed", "goal.activated"]


def test_p5_a_goal_cannot_be_confirmed_twice(coach, vault, robin):
    goal = make_goal(coach, robin, confirmed=True)
    with pytest.raises(ValidationError) as error:
        client_confirms(coach, goal)
    assert error.value.messages == [goals.GOAL_NOT_AWAITING]


def test_p5_progress_only_on_active_goals(coach, vault, robin):
    goal = goals.goal_create(coach=coach, client=robin, words=WORDS)
    with pytest.raises(ValidationError) as error:
        goals.goal_progress_add(coach=coach, goal=goal, recorded_on=TODAY(), score=3)
    assert error.value.messages == [goals.PROGRESS_NEEDS_ACTIVE_GOAL]

    client_confirms(coach, goal)
    progress = goals.goal_progress_add(coach=coach, goal=goal, recorded_on=TODAY(), score=3, note="Better")
    assert progress.rating == {"score": 3}

    goals.goal_set_status(coach=coach, goal=goal, status=Goal.Status.SET_ASIDE)
    with pytest.raises(ValidationError):
        goals.goal_progress_add(coach=coach, goal=goal, recorded_on=TODAY(), score=4)
    assert GoalProgress.objects.filter(goal=goal).count() == 1


@pytest.mark.parametrize("score", [-1, 11, True, 2.5, "5"])
def test_it_refuses_a_score_outside_zero_to_ten(coach, vault, robin, score):
    goal = make_goal(coach, robin, confirmed=True)
    with pytest.raises(ValidationError) as error:
        goals.goal_progress_add(coach=coach, goal=goal, recorded_on=TODAY(), score=score)
    assert error.value.messages == [goals.SCORE_OUT_OF_RANGE]


def test_it_refuses_progress_on_a_future_day(coach, vault, robin):
    goal = make_goal(coach, robin, confirmed=True)
    with pytest.raises(ValidationError):
        goals.goal_progress_add(
            coach=coach, goal=goal, recorded_on=TODAY() + datetime.timedelta(days=1), score=5
        )


def test_status_moves_reach_set_aside_and_reopen_but_never_skip_confirmation(coach, vault, robin):
    goal = make_goal(coach, robin, confirmed=True)
    goals.goal_set_status(coach=coach, goal=goal, status=Goal.Status.REACHED)
    goals.goal_set_status(coach=coach, goal=goal, status=Goal.Status.ACTIVE)
    assert Goal.objects.get(pk=goal.pk).status == Goal.Status.ACTIVE
    waiting = goals.goal_create(coach=coach, client=robin, words="Another")
    for status in (Goal.Status.ACTIVE, Goal.Status.REACHED, Goal.Status.SET_ASIDE):
        with pytest.raises(ValidationError):
            goals.goal_set_status(coach=coach, goal=waiting, status=status)
    actions = set(AuditEvent.objects.filter(coach=coach).values_list("action", flat=True))
    assert {"goal.reached", "goal.reopened"} <= actions


def test_p1_goal_words_are_not_plaintext_in_the_database(coach, vault, robin):
    goal = make_goal(coach, robin, scores=[4])
    table = Goal._meta.db_table
    pk = Goal._meta.pk.get_db_prep_value(goal.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT words FROM {table} WHERE id = %s", [pk])  # noqa: S608
        (words,) = cursor.fetchone()
    assert b"locks" not in bytes(words)


def test_p1_audit_details_hold_no_client_words(coach, vault, robin):
    make_goal(coach, robin, words="My secret goal words", scores=[7])
    events = AuditEvent.objects.filter(coach=coach, action__startswith="goal.")
    assert {"goal.created", "goal.confirmed", "goal.activated", "goal.progress_recorded"} <= {
        e.action for e in events
    }
    for event in events:
        assert "secret" not in json.dumps(event.details) and "Robin" not in json.dumps(event.details)


def test_a_goal_needs_words_and_an_active_client(coach, vault, robin):
    with pytest.raises(ValidationError):
        goals.goal_create(coach=coach, client=robin, words="   ")
    declined = intake(coach, name="Young Person", age=15).client
    with pytest.raises(ValidationError) as error:
        goals.goal_create(coach=coach, client=declined, words=WORDS)
    assert error.value.messages == [goals.GOAL_CLIENT_NOT_ACTIVE]


def test_another_coach_cannot_use_the_services_on_my_goal(coach, other_coach, vault, robin):
    goal = make_goal(coach, robin)
    with pytest.raises(PermissionError):
        goals.goal_activate(coach=other_coach, goal=goal)
    with pytest.raises(PermissionError):
        goals.goal_create(coach=other_coach, client=robin, words=WORDS)


# -- pages --------------------------------------------------------------------------------


@pytest.fixture
def goal(coach, robin):
    with unlocked(open_vault(coach)):
        return make_goal(coach, robin)


def goal_urls(client, goal) -> list[str]:
    names = ("goal_detail", "goal_activate", "goal_progress", "goal_status")
    return [reverse("clients:goal_new", args=[client.pk])] + [
        reverse(f"clients:{name}", args=[client.pk, goal.pk]) for name in names
    ]


def test_every_goal_page_is_a_404_for_another_coach(robin, goal, other_client):
    for url in goal_urls(robin, goal):
        if not url.endswith("/activate/"):
            assert other_client.get(url).status_code == 404, url
        assert other_client.post(url, {"words": "x", "score": 1}).status_code == 404, url
    assert Goal.objects.count() == 1 and not GoalProgress.objects.exists()


def test_a_goal_under_another_client_is_a_404(coach, coach_client, robin, goal):
    with unlocked(open_vault(coach)):
        kim = intake(coach, name="Kim Lowe").client
    assert coach_client.get(reverse("clients:goal_detail", args=[kim.pk, goal.pk])).status_code == 404


def test_every_goal_page_needs_sign_in(robin, goal):
    for url in goal_urls(robin, goal):
        response = Browser().get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))


def test_activation_is_post_only(coach_client, robin, goal):
    assert coach_client.get(reverse("clients:goal_activate", args=[robin.pk, goal.pk])).status_code == 405


def test_it_writes_a_goal_in_the_clients_words(coach, coach_client, robin):
    response = coach_client.post(reverse("clients:goal_new", args=[robin.pk]), {"words": f"  {WORDS}  "})
    goal = Goal.objects.get(client=robin)
    assert response.status_code == 302
    assert response["Location"] == reverse("clients:goal_detail", args=[robin.pk, goal.pk])
    with unlocked(open_vault(coach)):
        assert Goal.objects.select_related("data_key").get(pk=goal.pk).words == WORDS
    page = coach_client.get(response["Location"]).content.decode()
    assert WORDS in page and "Awaiting the client" in page


def test_an_empty_goal_form_explains_and_saves_nothing(coach_client, robin):
    response = coach_client.post(reverse("clients:goal_new", args=[robin.pk]), {"words": "  "})
    assert response.status_code == 200
    assert escape(goals.GOAL_WORDS_NEEDED) in response.content.decode()
    assert not Goal.objects.exists()


def test_p5_the_activate_button_shows_the_verdict_while_unconfirmed(coach, coach_client, robin, goal):
    response = coach_client.post(reverse("clients:goal_activate", args=[robin.pk, goal.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "verdict" in page and escape(P5_UNCONFIRMED) in page
    assert Goal.objects.get(pk=goal.pk).status == Goal.Status.AWAITING
    assert OpenItem.objects.filter(subject_id=str(goal.pk), resolved_at__isnull=True).exists()


def test_p5_the_coach_cannot_type_a_confirmation_and_the_goal_page_says_how_the_client_confirms(
    coach_client, robin, goal
):
    url = f"/clients/{robin.pk}/goals/{goal.pk}/confirm/"  # the coach-typed form is gone
    assert coach_client.post(url, {"confirmed_by": "Robin", "how": "in_session"}).status_code == 404
    assert Goal.objects.get(pk=goal.pk).status == Goal.Status.AWAITING
    page = coach_client.get(reverse("clients:goal_detail", args=[robin.pk, goal.pk])).content.decode()
    assert escape(goals.CONFIRMED_IN_PORTAL_ONLY) in page
    assert "Record the client's confirmation" not in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"recorded_on": "", "score": "5"}, "This field is required."),
        ({"recorded_on": "2025-02-30", "score": "5"}, "Enter the day as a date"),
        ({"recorded_on": "not a date", "score": "5"}, "Enter the day as a date"),
        ({"recorded_on": "TODAY", "score": "11"}, goals.SCORE_OUT_OF_RANGE),
        ({"recorded_on": "TODAY", "score": "-1"}, goals.SCORE_OUT_OF_RANGE),
        ({"recorded_on": "TODAY", "score": "five"}, goals.SCORE_OUT_OF_RANGE),
        ({"recorded_on": "TOMORROW", "score": "5"}, goals.PROGRESS_IN_FUTURE),
    ],
)
def test_bad_progress_input_gives_a_form_error_and_changes_nothing(coach, coach_client, robin, data, message):
    with unlocked(open_vault(coach)):
        goal = make_goal(coach, robin, confirmed=True)
    days = {"TODAY": TODAY(), "TOMORROW": TODAY() + datetime.timedelta(days=1)}
    data = {key: str(days.get(value, value)) for key, value in data.items()}
    response = coach_client.post(reverse("clients:goal_progress", args=[robin.pk, goal.pk]), data)
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not GoalProgress.objects.exists()


def test_progress_on_an_awaiting_goal_is_refused_in_the_form(coach_client, robin, goal):
    url = reverse("clients:goal_progress", args=[robin.pk, goal.pk])
    response = coach_client.post(url, {"recorded_on": str(TODAY()), "score": "5"})
    assert escape(goals.PROGRESS_NEEDS_ACTIVE_GOAL) in response.content.decode()
    assert not GoalProgress.objects.exists()


def test_progress_and_status_through_the_pages(coach, coach_client, robin):
    with unlocked(open_vault(coach)):
        goal = make_goal(coach, robin, confirmed=True)
    url = reverse("clients:goal_progress", args=[robin.pk, goal.pk])
    response = coach_client.post(url, {"recorded_on": str(TODAY()), "score": "6", "note": "Slept well twice"})
    assert response.status_code == 302
    status_url = reverse("clients:goal_status", args=[robin.pk, goal.pk])
    assert coach_client.post(status_url, {"status": "awaiting"}).status_code == 200  # not a valid move
    assert coach_client.post(status_url, {"status": "reached"}).status_code == 302
    assert Goal.objects.get(pk=goal.pk).status == Goal.Status.REACHED
    page = coach_client.get(reverse("clients:goal_detail", args=[robin.pk, goal.pk])).content.decode()
    assert "Slept well twice" in page and "Reached" in page


def test_hostile_goal_words_are_shown_escaped(coach, coach_client, robin):
    with unlocked(open_vault(coach)):
        goal = make_goal(coach, robin, words=HOSTILE, scores=[3])
    for url in (
        reverse("clients:detail", args=[robin.pk]),
        reverse("clients:goal_detail", args=[robin.pk, goal.pk]),
        reverse("clients:goal_progress", args=[robin.pk, goal.pk]),
    ):
        page = coach_client.get(url).content.decode()
        assert "<script>alert" not in page, url
        assert "&lt;script&gt;alert" in page, url
    assert Goal.objects.count() == 1


def test_the_client_page_shows_goals_and_an_accessible_chart(coach, coach_client, robin):
    with unlocked(open_vault(coach)):
        make_goal(coach, robin, words="Walk to the shop alone", scores=[2, 5])
        make_goal(coach, robin, words="Call my sister")
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "Walk to the shop alone" in page and "Call my sister" in page
    assert 'role="img"' in page and "<title id=" in page
    assert '<table class="visually-hidden">' in page
    assert "confirm it in their portal" in page and "Record progress" in page


def test_the_client_page_without_goals_says_so(coach_client, robin):
    page = coach_client.get(reverse("clients:detail", args=[robin.pk])).content.decode()
    assert "No goals yet" in page and "<svg" not in page


def test_the_goals_section_has_the_same_query_bound_for_one_and_twenty_goals(
    coach, coach_client, robin, django_assert_max_num_queries
):
    url = reverse("clients:detail", args=[robin.pk])
    with unlocked(open_vault(coach)):
        make_goal(coach, robin, scores=[3])
    coach_client.get(url)  # warm up the session and caches
    with CaptureQueriesContext(connection) as one:
        assert coach_client.get(url).status_code == 200
    with unlocked(open_vault(coach)):
        for number in range(19):
            make_goal(coach, robin, words=f"Goal {number}", scores=[number % 11, (number + 3) % 11])
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = coach_client.get(url).content.decode()
    assert "Goal 18" in page
