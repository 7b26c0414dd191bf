"""What the portal adds to other apps' workflows (registered from ready()): endings, sessions, backups."""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from ethos.accounts.backup import backup_companions
from ethos.clients.hooks import on_release
from ethos.coaching.hooks import on_sessions_changed

from .models import ClientAccount, Reply, Share
from .services import appointments_share


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


@on_sessions_changed
def appointments_follow(*, coach, client) -> None:
    """Sessions the coach shared with a client are a snapshot: a cancelled or moved one updates it.

    Re-sealed to the client's key at that moment (the coach is signed in, making the change), as a
    new version; a client whose sessions were never shared is left alone.
    """
    shared = Share.objects.filter(
        account__in=ClientAccount.objects.filter(coach=coach, client=client),
        kind=Share.Kind.APPOINTMENTS,
        withdrawn_at__isnull=True,
    )
    if shared.exists():
        appointments_share(coach=coach, client=client)
