"""What the portal does when the coach ends or pauses coaching (registered from ready())."""

from __future__ import annotations

from django.utils import timezone

from ethos.clients.hooks import on_release

from .models import Reply


@on_release
def client_ending_answered(*, coach, client, ending) -> None:
    """The client's wish to end (P12) is answered by the coach's ending: it leaves the inbox."""
    Reply.objects.filter(
        coach=coach, account__client=client, kind=Reply.Kind.ENDING, handled_at__isnull=True
    ).update(handled_at=timezone.now())
