"""What the portal adds to other apps' workflows (registered from ready()): endings and backups."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ethos.accounts.backup import backup_companions
from ethos.clients.hooks import on_release

from .models import Reply


@on_release
def client_ending_answered(*, coach, client, ending) -> None:
    """The client's wish to end (P12) is answered by the coach's ending: it leaves the inbox."""
    Reply.objects.filter(
        coach=coach, account__client=client, kind=Reply.Kind.ENDING, handled_at__isnull=True
    ).update(handled_at=timezone.now())


@backup_companions
def portal_clients(coach) -> Q:
    """A coach's backup carries their portal clients' accounts, keys and logs.

    Without them, the client accounts it restores would point at people who are not there.
    """
    return Q(portal_account__coach=coach)
