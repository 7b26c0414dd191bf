import io

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ethos.accounts import services
from ethos.accounts.models import Invitation, User
from tests.conftest import PASSPHRASE

pytestmark = pytest.mark.django_db


def invite(email="new.coach@example.org") -> str:
    out = io.StringIO()
    call_command("add_coach", email, "--base-url", "https://ethos.example", stdout=out)
    link = out.getvalue().strip().splitlines()[-1]
    assert link.startswith("https://ethos.example/invitation/")
    return link.removeprefix("https://ethos.example")


def accept(client, path, name="Jordan Lee", passphrase=PASSPHRASE):
    return client.post(path, {"name": name, "passphrase": passphrase, "passphrase_again": passphrase})


def test_it_invites_a_coach_with_a_one_time_link(client, coach):
    path = invite()
    page = client.get(path)
    assert page.status_code == 200
    assert "new.coach@example.org" in page.content.decode()

    response = accept(client, path)
    assert response.status_code == 302
    new_coach = User.objects.get(email="new.coach@example.org")
    assert str(client.session["_auth_user_id"]) == str(new_coach.pk)

    # The link is spent.
    client.logout()
    assert client.get(path).status_code == 404
    assert accept(client, path, name="Someone Else").status_code == 404
    assert User.objects.count() == 2


def test_it_refuses_an_expired_invitation(client, coach):
    path = invite()
    Invitation.objects.update(expires_at=timezone.now() - timezone.timedelta(minutes=1))
    response = client.get(path)
    assert response.status_code == 404
    assert services.INVITATION_UNUSABLE in response.content.decode()


def test_it_makes_invitations_valid_for_72_hours(coach):
    invitation, _ = services.invitation_create(email="x@example.org")
    hours = (invitation.expires_at - invitation.created_at).total_seconds() / 3600
    assert 71.9 < hours <= 72


def test_it_stores_only_a_hash_of_the_invitation_token(coach):
    path = invite()
    token = path.rstrip("/").rsplit("/", 1)[-1]
    assert not Invitation.objects.filter(token_hash=token).exists()


@pytest.mark.parametrize("email", ["not-an-email", "", "a@b"])
def test_add_coach_refuses_a_bad_email(coach, email):
    with pytest.raises(CommandError):
        call_command("add_coach", email, stdout=io.StringIO())
    assert not Invitation.objects.exists()


def test_add_coach_refuses_an_existing_coach(coach):
    with pytest.raises(CommandError, match="already exists"):
        call_command("add_coach", coach.email, stdout=io.StringIO())


def test_an_unknown_token_is_a_404(client, coach):
    assert client.get("/invitation/made-up-token/").status_code == 404
