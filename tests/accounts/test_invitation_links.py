import io

import pytest
from django.core.management import CommandError, call_command

from ethos.accounts.management.commands.add_coach import NO_BASE_URL
from ethos.accounts.models import Invitation

pytestmark = pytest.mark.django_db


def invite(*args) -> str:
    out = io.StringIO()
    call_command("add_coach", "new.coach@example.org", *args, stdout=out)
    return out.getvalue().strip().splitlines()[-1]


def test_it_uses_the_configured_base_url(coach, settings):
    settings.ETHOS_BASE_URL = "https://practice.example:8443"
    link = invite()
    assert link.startswith("https://practice.example:8443/invitation/")
    assert ":8000" not in link


def test_it_prefers_base_url_given_on_the_command_line(coach, settings):
    settings.ETHOS_BASE_URL = "https://practice.example"
    link = invite("--base-url", "http://127.0.0.1:9000/")
    assert link.startswith("http://127.0.0.1:9000/invitation/")


def test_on_a_laptop_it_uses_the_address_ethos_run_serves(coach, settings, monkeypatch):
    settings.ETHOS_BASE_URL = None
    monkeypatch.setenv("ETHOS_PORT", "8123")
    assert invite().startswith("http://127.0.0.1:8123/invitation/")


def test_in_production_it_refuses_without_an_address_and_keeps_no_invitation(coach, settings):
    settings.ETHOS_BASE_URL = None
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="ETHOS_BASE_URL") as raised:
        invite()
    assert str(raised.value) == NO_BASE_URL
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("value", ["ethos.example.org", "ftp://ethos.example", "https://"])
def test_it_refuses_a_base_url_that_is_not_an_address(coach, value):
    with pytest.raises(CommandError, match="--base-url"):
        invite("--base-url", value)
    assert not Invitation.objects.exists()
