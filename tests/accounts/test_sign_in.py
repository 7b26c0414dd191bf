import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from ethos.accounts import services
from ethos.accounts.models import User
from ethos.vault import services as vault_services
from tests.conftest import PASSPHRASE, make_coach, sign_in_browser

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")


def sign_in(client, email, passphrase=PASSPHRASE, **extra):
    return client.post(SIGN_IN, {"email": email, "passphrase": passphrase, **extra})


def test_it_shows_the_first_run_page_while_no_coach_exists(client):
    response = client.get("/")
    assert response.status_code == 200
    assert b"Set up Ethos" in response.content
    assert b"cannot be recovered by anyone" in response.content


def test_it_creates_the_first_coach_and_signs_them_in(client):
    response = client.post(
        reverse("accounts:first_run"),
        {
            "name": "Alex Rivera",
            "email": "Alex@Example.org",
            "passphrase": PASSPHRASE,
            "passphrase_again": PASSPHRASE,
        },
    )
    assert response.status_code == 302
    coach = User.objects.get()
    assert coach.email == "alex@example.org"
    assert coach.role == User.Role.COACH
    assert coach.has_vault_password()  # checked by the wrapped account key, no hash beside it
    assert client.get("/").context["coach"] == coach


def test_it_closes_the_first_run_page_once_a_coach_exists(client, coach):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    response = client.post(
        reverse("accounts:first_run"),
        {
            "name": "Mallory",
            "email": "m@example.org",
            "passphrase": PASSPHRASE,
            "passphrase_again": PASSPHRASE,
        },
    )
    assert response.status_code == 302
    assert User.objects.count() == 1


@pytest.mark.parametrize(
    ("passphrase", "message"),
    [
        ("short one", "at least 12 characters"),
        ("password1234", "too common"),
        ("123456789012345", "entirely numeric"),
    ],
)
def test_it_refuses_weak_passphrases_with_a_clear_message(client, passphrase, message):
    response = client.post(
        reverse("accounts:first_run"),
        {"name": "Alex", "email": "a@example.org", "passphrase": passphrase, "passphrase_again": passphrase},
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not User.objects.exists()


def test_it_signs_in_with_the_right_passphrase_and_gives_a_new_session_id(client, coach):
    client.get(SIGN_IN)
    client.session.save()
    before = client.session.session_key
    response = sign_in(client, coach.email)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session.session_key != before
    assert str(client.session["_auth_user_id"]) == str(coach.pk)


def test_it_says_clearly_when_the_passphrase_is_wrong(client, coach):
    response = sign_in(client, coach.email, "not my passphrase at all")
    assert response.status_code == 200
    assert services.SIGN_IN_FAILED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_gives_the_same_message_for_an_unknown_email(client, coach):
    response = sign_in(client, "nobody@example.org")
    assert services.SIGN_IN_FAILED in response.content.decode()


def test_it_locks_the_account_after_repeated_failures(client, coach):
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES - 1):
        response = sign_in(client, coach.email, "wrong wrong wrong")
        assert services.SIGN_IN_FAILED in response.content.decode()
    response = sign_in(client, coach.email, "wrong wrong wrong")
    assert "is locked for" in response.content.decode()
    # Even the right passphrase is refused while the lock lasts.
    response = sign_in(client, coach.email)
    assert "is locked for" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_it_lifts_the_lock_when_it_expires(client, coach):
    User.objects.filter(pk=coach.pk).update(locked_until=timezone.now() - timezone.timedelta(seconds=1))
    response = sign_in(client, coach.email)
    assert response.status_code == 302
    coach.refresh_from_db()
    assert coach.locked_until is None
    assert coach.failed_sign_ins == 0


def test_it_resets_the_failure_count_after_a_success(client, coach):
    for _ in range(settings.ETHOS_LOCKOUT_FAILURES - 1):
        sign_in(client, coach.email, "wrong wrong wrong")
    sign_in(client, coach.email)
    coach.refresh_from_db()
    assert coach.failed_sign_ins == 0


def test_it_only_redirects_to_addresses_on_this_site_after_sign_in(client, coach):
    response = sign_in(client, coach.email, next="https://evil.example/steal")
    assert response["Location"] == "/"


def test_it_requires_sign_in_on_every_page_but_the_public_ones(client, coach):
    for url in [reverse("accounts:account"), reverse("accounts:passphrase_change")]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(SIGN_IN)
    assert client.get(SIGN_IN).status_code == 200


def test_it_signs_out_only_by_post(coach_client):
    assert coach_client.get(reverse("accounts:sign_out")).status_code == 405
    response = coach_client.post(reverse("accounts:sign_out"))
    assert response.status_code == 302
    assert "_auth_user_id" not in coach_client.session


def test_it_signs_out_after_the_idle_timeout(coach_client, coach):
    from ethos.accounts.middleware import SESSION_LAST_SEEN

    assert coach_client.get("/").status_code == 200
    session = coach_client.session
    session[SESSION_LAST_SEEN] -= settings.ETHOS_IDLE_MINUTES * 60 + 5
    session.save()
    response = coach_client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert "without activity" in coach_client.get(response["Location"]).content.decode()


def test_it_gives_sessions_an_absolute_lifetime(coach_client):
    coach_client.get("/")
    assert coach_client.session.get_expiry_age() <= settings.ETHOS_SESSION_MAX_HOURS * 3600


def test_it_changes_the_passphrase_and_ends_other_sessions(client, coach):
    from django.test import Client

    other_browser = Client()
    other_browser.force_login(coach)
    assert other_browser.get("/").status_code == 200

    sign_in_browser(client, coach)
    new = "a new and longer passphrase"
    response = client.post(
        reverse("accounts:passphrase_change"),
        {"current_passphrase": PASSPHRASE, "new_passphrase": new, "new_passphrase_again": new},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:account")
    assert client.get("/").status_code == 200  # this browser stays signed in
    assert other_browser.get("/").status_code == 302  # the other one is signed out
    coach.refresh_from_db()
    assert coach.check_password(new)


def test_it_refuses_a_passphrase_change_without_the_current_passphrase(coach_client, coach):
    new = "a new and longer passphrase"
    response = coach_client.post(
        reverse("accounts:passphrase_change"),
        {"current_passphrase": "guess guess guess", "new_passphrase": new, "new_passphrase_again": new},
    )
    assert response.status_code == 200
    assert vault_services.WRONG_PASSPHRASE in response.content.decode()
    coach.refresh_from_db()
    assert coach.check_password(PASSPHRASE)


def test_it_keeps_two_coaches_apart(coach_client, other_client, coach, other_coach):
    mine = coach_client.get(reverse("accounts:account")).content.decode()
    theirs = other_client.get(reverse("accounts:account")).content.decode()
    assert coach.email in mine and other_coach.email not in mine
    assert other_coach.email in theirs and coach.email not in theirs


def test_it_treats_emails_case_insensitively_at_sign_in(client):
    coach = make_coach(email="mixed@example.org")
    assert sign_in(client, "MIXED@example.org").status_code == 302
    assert str(client.session["_auth_user_id"]) == str(coach.pk)


def test_the_account_page_shows_its_sections_once_and_a_plain_title(coach_client):
    body = coach_client.get(reverse("accounts:account")).content.decode()
    assert "<title>Your account · Ethos</title>" in body
    assert body.count('id="backup-heading"') == 1
