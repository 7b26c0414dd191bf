import pytest
from django.urls import reverse

from ethos.audit import views
from ethos.audit.actions import Action
from ethos.audit.models import AuditHead
from ethos.audit.selectors import chain_head
from ethos.audit.services import audit_append, sign_checkpoint

pytestmark = pytest.mark.django_db


def fill(coach, count, action=Action.CLIENT_VIEWED):
    for number in range(count):
        audit_append(
            coach=coach, action=action, target_type="thing", target_id=f"T-{coach.pk.hex[:6]}-{number}"
        )


def test_the_activity_page_lists_events_newest_first(coach_client, coach):
    fill(coach, 3)
    body = coach_client.get(reverse("audit:activity")).content.decode()
    assert body.index("#") >= 0
    page = coach_client.get(reverse("audit:activity")).context["page"]
    seqs = [event.seq for event in page]
    assert seqs == sorted(seqs, reverse=True)
    assert chain_head(coach).root_hex in body


def test_the_activity_page_filters_by_action_and_date(coach_client, coach):
    fill(coach, 2, action=Action.CLIENT_VIEWED)
    fill(coach, 2, action=Action.GOAL_CREATED)
    page = coach_client.get(reverse("audit:activity"), {"action": "goal.created"}).context["page"]
    assert {event.action for event in page} == {"goal.created"}
    response = coach_client.get(reverse("audit:activity"), {"since": "2030-01-02", "until": "2030-01-01"})
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()


@pytest.mark.parametrize(
    "params", [{"action": "<script>x</script>"}, {"since": "'; DROP TABLE x; --"}, {"page": "-1"}]
)
def test_the_activity_page_survives_hostile_input(coach_client, params):
    response = coach_client.get(reverse("audit:activity"), params)
    assert response.status_code == 200
    assert "<script>x</script>" not in response.content.decode()


def test_a_coach_sees_only_their_own_activity(coach_client, other_client, coach, other_coach):
    fill(coach, 2)
    fill(other_coach, 2)
    mine = coach_client.get(reverse("audit:activity")).content.decode()
    theirs = other_client.get(reverse("audit:activity")).content.decode()
    assert f"T-{coach.pk.hex[:6]}" in mine and f"T-{other_coach.pk.hex[:6]}" not in mine
    assert f"T-{other_coach.pk.hex[:6]}" in theirs and f"T-{coach.pk.hex[:6]}" not in theirs
    assert (
        chain_head(other_coach).checkpoint in other_client.get(reverse("audit:checkpoint")).content.decode()
    )
    assert chain_head(coach).checkpoint not in other_client.get(reverse("audit:checkpoint")).content.decode()


@pytest.mark.parametrize("count", [1, 120])
def test_the_activity_page_runs_a_bounded_number_of_queries(
    coach_client, coach, count, django_assert_max_num_queries
):
    fill(coach, count)
    with django_assert_max_num_queries(12):
        coach_client.get(reverse("audit:activity"))


def test_the_checkpoint_downloads_as_a_signed_note(coach_client, coach):
    response = coach_client.get(reverse("audit:checkpoint"))
    assert response["Content-Disposition"].startswith("attachment;")
    assert response.content.decode() == chain_head(coach).checkpoint
    # Signed under the log's own name, as C2SP tlog-checkpoint asks.
    assert f"\n\u2014 ethos/audit/{coach.pk} " in response.content.decode()


def test_consistency_is_proved_against_a_kept_checkpoint(coach_client, coach):
    kept = chain_head(coach).checkpoint
    fill(coach, 5)
    result = coach_client.post(reverse("audit:consistency"), {"checkpoint": kept}).json()
    assert result == {"ok": True, "message": views.CONSISTENT, "checkpoint": chain_head(coach).checkpoint}


def test_a_rewritten_log_is_reported_loudly(coach_client, coach):
    fill(coach, 4)
    kept = chain_head(coach).checkpoint
    # The server rolls its head back to an earlier size: the kept checkpoint is now ahead.
    AuditHead.objects.filter(coach=coach).update(
        size=2, checkpoint=sign_checkpoint(coach.pk, 2, b"\x00" * 32)
    )
    result = coach_client.post(reverse("audit:consistency"), {"checkpoint": kept}).json()
    assert result["ok"] is False and result["message"] == views.INCONSISTENT


@pytest.mark.parametrize("text", ["", "garbage", "<script>", "x" * 5000])
def test_an_unreadable_checkpoint_gets_a_clear_answer(coach_client, text):
    response = coach_client.post(reverse("audit:consistency"), {"checkpoint": text})
    assert response.status_code == 400
    assert response.json()["message"] == views.UNREADABLE


def test_sign_in_asks_the_browser_to_check_its_checkpoint(client, coach):
    from tests.conftest import PASSPHRASE

    client.post(reverse("accounts:sign_in"), {"email": coach.email, "passphrase": PASSPHRASE})
    body = client.get("/").content.decode()
    assert 'id="audit-watch"' in body and "checkpoint.js" in body
    kept = chain_head(coach).checkpoint
    client.post(reverse("audit:consistency"), {"checkpoint": kept})
    assert 'id="audit-watch"' not in client.get("/").content.decode()
