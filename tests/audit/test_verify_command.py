"""`ethos audit verify --checkpoint FILE` works as the Activity page says, without --coach."""

import io

import pytest
from django.core.management import CommandError, call_command

from ethos.audit.actions import Action
from ethos.audit.selectors import chain_head
from ethos.audit.services import audit_append

pytestmark = pytest.mark.django_db


def kept_checkpoint(coach, tmp_path):
    for number in range(3):
        audit_append(coach=coach, action=Action.CLIENT_VIEWED, target_type="client", target_id=str(number))
    path = tmp_path / "ethos-checkpoint.txt"
    path.write_text(chain_head(coach).checkpoint, encoding="utf-8")
    audit_append(coach=coach, action=Action.AUTH_SIGNED_OUT)
    return path


def test_c2_verify_finds_the_coach_from_the_checkpoints_origin(coach, tmp_path):
    path = kept_checkpoint(coach, tmp_path)
    out = io.StringIO()
    call_command("audit", "verify", "--checkpoint", str(path), stdout=out)
    assert f"OK   {coach.email}" in out.getvalue()


def test_c2_verify_checks_only_the_log_the_checkpoint_names(coach, other_coach, tmp_path):
    path = kept_checkpoint(other_coach, tmp_path)
    out = io.StringIO()
    call_command("audit", "verify", "--checkpoint", str(path), stdout=out)
    assert f"OK   {other_coach.email}" in out.getvalue()
    assert coach.email not in out.getvalue()


def test_c2_verify_says_what_to_do_when_the_checkpoint_names_no_coach(coach, tmp_path):
    path = tmp_path / "stranger.txt"
    path.write_text("ethos/audit/00000000-0000-0000-0000-000000000000\n1\nAAAA\n", encoding="utf-8")
    with pytest.raises(CommandError, match="--coach"):
        call_command("audit", "verify", "--checkpoint", str(path), stdout=io.StringIO())
