"""Finding 7 of issue 10: a session ends ETHOS_SESSION_MAX_HOURS after sign-in, however active."""

import time
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.urls import reverse

from ethos.accounts import middleware
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")


class Clock:
    """The middleware's clock, moved forward by the test."""

    def __init__(self):
        self.now = time.time()

    def time(self) -> float:
        return self.now

    def advance(self, *, minutes: float) -> None:
        self.now += minutes * 60


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(middleware, "time", SimpleNamespace(time=clock.time))
    return clock


def test_f7_an_active_session_ends_twelve_hours_after_sign_in(client, coach, clock):
    assert settings.ETHOS_SESSION_MAX_HOURS == 12
    response = client.post(SIGN_IN, {"email": coach.email, "passphrase": PASSPHRASE})
    assert response.status_code == 302
    # A page every ten minutes: never idle long enough for the idle timeout.
    step = 10
    assert step < settings.ETHOS_IDLE_MINUTES
    for _ in range(12 * 60 // step - 1):
        clock.advance(minutes=step)
        assert client.get(reverse("accounts:account")).status_code == 200
    clock.advance(minutes=step + 1)
    response = client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert "_auth_user_id" not in client.session
    page = client.get(response["Location"]).content.decode()
    assert middleware.SESSION_TOO_OLD.format(hours=12) in page


def test_f7_the_lifetime_counts_from_sign_in_not_from_the_last_page(client, coach, clock):
    client.post(SIGN_IN, {"email": coach.email, "passphrase": PASSPHRASE})
    signed_in_at = client.session[middleware.SESSION_SIGNED_IN_AT]
    clock.advance(minutes=5)
    client.get(reverse("accounts:account"))
    assert client.session[middleware.SESSION_SIGNED_IN_AT] == signed_in_at


def test_f7_a_session_without_a_sign_in_time_gets_one_and_the_same_limit(coach_client, clock):
    assert coach_client.get(reverse("accounts:account")).status_code == 200
    assert coach_client.session[middleware.SESSION_SIGNED_IN_AT] == int(clock.now)
    for _ in range(12 * 6 + 1):
        clock.advance(minutes=10)
        response = coach_client.get(reverse("accounts:account"))
    assert response.status_code == 302
    assert "_auth_user_id" not in coach_client.session
