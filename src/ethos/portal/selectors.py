"""Reads, and the access helpers that answer 404 for anything that is not the person's own."""

from __future__ import annotations

from django.core.paginator import Page, Paginator
from django.db.models import Count, OuterRef, Subquery
from django.http import Http404

from ethos.clients.models import Client, Goal
from ethos.practice.jurisdictions import suggestion_for
from ethos.practice.models import PracticeProfile
from ethos.prepared import prepared

from .models import ClientAccount, ConsentDraft, Invitation, Reply, Share, Upload


def account_of(user) -> ClientAccount:
    """Return the signed-in client's portal account; a client without one has no portal pages."""
    account = ClientAccount.objects.select_related("coach").filter(user_id=user.pk).first()
    if account is None:
        raise Http404("No such page.")
    return account


def get_share_for_client(account: ClientAccount, pk, *, kind: str) -> Share:
    """Return one of the client's own shares; anyone else's (or a missing one) is a 404."""
    share = Share.objects.filter(account=account, pk=pk, kind=kind).first()
    if share is None:
        raise Http404("No such page.")
    return share


def shares_for_client(account: ClientAccount) -> list[Share]:
    """What the client has been shared and can still see, newest first."""
    # Messages, appointments and the accounting of disclosures have pages of their own.
    shown = Share.objects.filter(account=account, withdrawn_at__isnull=True, kind__in=TO_READ)
    return list(shown.order_by("-shared_at", "id"))


TO_READ = (Share.Kind.GOAL, Share.Kind.CONSENT, Share.Kind.BOUNDARY)


KEPT = (*TO_READ, Share.Kind.APPOINTMENTS, Share.Kind.ACCOUNTING, Share.Kind.LETTER)


def documents_for_client(account: ClientAccount) -> list[Share]:
    """Every document ever shared with the client (not messages), with what became of it."""
    return list(Share.objects.filter(account=account, kind__in=KEPT).order_by("-shared_at", "id"))


def get_reply_for_client(account: ClientAccount, pk) -> Reply:
    """Return one of the things the client sent; anyone else's (or a missing one) is a 404."""
    reply = Reply.objects.filter(account=account, pk=pk).first()
    if reply is None:
        raise Http404("No such page.")
    return reply


def get_document_for_client(account: ClientAccount, pk) -> Share:
    """Return one of the documents shared with the client; anyone else's is a 404."""
    share = Share.objects.filter(account=account, pk=pk, kind__in=KEPT).first()
    if share is None:
        raise Http404("No such page.")
    return share


def uploads_of(account: ClientAccount) -> list[Upload]:
    """The files the client sent, newest first (their bytes left behind: only names are shown)."""
    return list(Upload.objects.filter(account=account).defer("box").order_by("-sent_at", "id"))


def intake_state(account: ClientAccount) -> str:
    """Say "done" once the coach has the client's intake, "sent" while it waits, else "open"."""
    if account.client_id is not None:
        return "done"
    if Reply.objects.filter(account=account, kind=Reply.Kind.INTAKE).exists():
        return "sent"
    return "open"


def coaching_active(account: ClientAccount) -> bool:
    """Whether the client's coaching is active now: only then is there coaching to end."""
    return (
        account.client_id is not None
        and Client.objects.filter(pk=account.client_id, status=Client.Status.ACTIVE).exists()
    )


def crisis_numbers(coach) -> dict[str, str]:
    """The practice's crisis line and emergency number, with the national ones where it set none."""
    profile = PracticeProfile.objects.filter(coach=coach).first() or PracticeProfile(coach=coach)
    suggestion = suggestion_for(profile.country, profile.region)
    return {
        "jurisdiction": profile.jurisdiction,
        "crisis_line": profile.crisis_line.strip() or suggestion.crisis_line,
        # Never empty: whatever the practice set, there is always an emergency number to call.
        "emergency_number": profile.emergency_number.strip() or suggestion.emergency_number or "112",
    }


# -- the coach's side -----------------------------------------------------------------------


def get_reply_for_coach(coach, pk) -> Reply:
    reply = Reply.objects.select_related("account__user").filter(coach=coach, pk=pk).first()
    if reply is None:
        raise Http404("No such reply.")
    return reply


def get_account_for_coach(coach, pk) -> ClientAccount:
    account = ClientAccount.objects.select_related("user").filter(coach=coach, pk=pk).first()
    if account is None:
        raise Http404("No such account.")
    return account


def get_goal_for_coach(coach, pk) -> Goal:
    goal = Goal.objects.select_related("client").filter(coach=coach, pk=pk).first()
    if goal is None:
        raise Http404("No such goal.")
    return goal


def get_client_for_coach(coach, pk) -> Client:
    client = Client.objects.filter(coach=coach, pk=pk).first()
    if client is None:
        raise Http404("No such client.")
    return client


def get_draft_for_coach(coach, pk) -> ConsentDraft:
    draft = ConsentDraft.objects.select_related("client").filter(coach=coach, pk=pk).first()
    if draft is None:
        raise Http404("No such consent.")
    return draft


def waiting_replies(coach) -> list[Reply]:
    """The clients' answers the coach has not taken yet, oldest first: what the list shows of each.

    Not their sealed boxes, which the list never opens: an answer with a file in it is as large
    as the file.
    """
    return list(
        Reply.objects.filter(coach=coach, handled_at__isnull=True)
        .select_related("account__user")
        .only("kind", "sent_at", "account", "account__user__email")
        .order_by("sent_at")
    )


# Portal accounts listed on a page of the coach's portal home: a practice's list grows with every
# client who joins, and the page reads and shows one page of it.
ACCOUNTS_PAGE_SIZE = 25


def accounts_page(coach, page: str | int | None = None) -> Page:
    """One page of the coach's portal accounts, oldest first, counted and sliced in SQL.

    A page number that is not a number gives the first page; one past the end, the last.
    """
    accounts = ClientAccount.objects.filter(coach=coach).select_related("user").order_by("created_at", "pk")
    return Paginator(accounts, ACCOUNTS_PAGE_SIZE).get_page(page)


def open_invitations(coach) -> list[Invitation]:
    from django.utils import timezone

    return list(
        Invitation.objects.filter(coach=coach, used_at__isnull=True, expires_at__gt=timezone.now()).order_by(
            "-created_at"
        )
    )


# Read on every client page of a client in the portal (its section in contributions.py): SQL built once
# per process. The account comes with its user and `replies_waiting`, the client's answers the coach
# has not taken yet (None for none: a count of its own was a query more on the page).
@prepared
def client_page_account(coach_id, client: Client):
    waiting = (
        Reply.objects.filter(account=OuterRef("pk"), handled_at__isnull=True)
        .order_by()
        .values("account")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    return (
        ClientAccount.objects.filter(coach_id=coach_id, client=client)
        .select_related("user")
        .annotate(replies_waiting=Subquery(waiting))[:1]
    )


def get_upload_for_coach(coach, pk) -> Upload:
    upload = Upload.objects.select_related("account").filter(coach=coach, pk=pk).first()
    if upload is None:
        raise Http404("No such file.")
    return upload


def uploads_for_client(client: Client) -> list[Upload]:
    return list(
        Upload.objects.filter(coach_id=client.coach_id, account__client=client)
        .defer("box")
        .order_by("-sent_at", "id")
    )
