"""Portal actions: each one is the only way its change is made.

Each service checks, writes and appends its audit event (to the coach's log: the portal is part of
the coach's practice) in one transaction. Audit details carry ids, kinds and versions, never what
anyone wrote. What the client writes is sealed to the coach's public key before it is stored; what
the coach shares is sealed to the client's (ethos.vault.boxes).
"""

from __future__ import annotations

import base64
import datetime
import functools
import hashlib
import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone

from ethos.accounts.models import User
from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.clients import endings
from ethos.clients import goals as goal_services
from ethos.clients import services as client_services
from ethos.clients.models import Client, Ending, Goal
from ethos.coaching import boundaries as boundary_services
from ethos.coaching.boundary_models import PORTAL_SIGNED, BoundaryAgreement
from ethos.safeguarding import services as safeguarding_services
from ethos.safeguarding.models import RECORD_KINDS, Consent
from ethos.standards.engine import evaluate
from ethos.standards.facts import Facts
from ethos.standards.points import Point
from ethos.standards.services import action
from ethos.vault import boxes, crypto
from ethos.vault import services as vault_services
from ethos.vault.context import Vault, current_vault

from .models import BoundaryDraft, ClientAccount, ConsentDraft, Invitation, Reply, Share, Upload

# -- messages (the client's read plainly; the coach's name the clause) -----------------------

EMAIL_NEEDED = "Enter the client's email address."
SITE_NEEDED = "An invitation link needs ETHOS_BASE_URL or the address of the request."
NOT_YOUR_CLIENT = "This client belongs to another practice."
LINK_UNUSABLE = "This link has already been used or is too old. Please ask your coach for a new one."
NO_ACCOUNT = "This client has no portal account yet. Invite them to the portal first."
GOAL_NOT_AWAITING = "Only a goal that is waiting for the client's confirmation can be shared (P5)."
CLIENT_NOT_ACTIVE = "Coaching with this client is not active, so nothing new can be shared."
RECIPIENT_NEEDED = "Say who would receive the records."
PURPOSE_NEEDED = "Say what the records are for."
KINDS_NEEDED = "Choose at least one kind of record."
KINDS_UNKNOWN = "Choose kinds of record from the list."
DATES_BACKWARDS = "A consent ends on or after the day it starts."
TEXT_CHANGED = (
    "Your coach changed this since you opened it, so nothing was saved. Please read the new version."
)
ALREADY_ANSWERED = "You have already answered this. Nothing was changed."
NAME_TO_SIGN = "Type your name to sign."
NAME_TOO_LONG = "Your name is too long. Please use 200 letters or fewer."
GOAL_TOO_LONG = f"Please keep your goal under {goal_services.WORDS_MAX} letters."
INTAKE_ALREADY_SENT = "You have already sent your answers. Your coach will read them and talk with you."
INTAKE_NOT_NEEDED = "Your coach already has your first answers. There is nothing more to fill in here."
BOX_UNREADABLE = (
    "This was sealed to a key you no longer have (it was made before your key pair changed). "
    "Ask the client to send it again."
)
SHARE_UNREADABLE = "This was locked with your old key. Your coach can share it with you again."
SIGNATURE_TEXT_DIFFERS = (
    "The text the client signed is not the text of this consent as it stands (C1). "
    "Share the consent again and ask the client to sign the new text."
)
ALREADY_HANDLED = "This was already recorded."

NAME_MAX = 200
TEXT_MAX = 5000

INVITE_SUBJECT = "Your invitation to an online coaching portal"
RESET_SUBJECT = "A new link to your coaching portal"
# No name, no practice, no word about coaching beyond the portal: email passes through servers
# nobody in the practice controls.
INVITE_BODY = """Hello,

You have been invited to an online portal where you can read and answer what your coach shares with you.

Open this link to choose your passphrase:
{link}

The link works once, and only for {hours} hours. If you did not expect this email, you can ignore it.
"""
RESET_BODY = """Hello,

Here is a new link to set a new passphrase for your coaching portal:
{link}

The link works once, and only for {hours} hours. If you did not ask for it, you can ignore it.
"""


HOLDER = "holder"  # how the email goes to an address that already has an account
HOLDER_SUBJECT = "About an invitation to a coaching portal"
HOLDER_BODY = """Hello,

Someone invited this email address to an online coaching portal. You already have an account with
this address, so no new account was made, and nothing about you was shared.

If you meant to use your account, sign in as usual:
{link}

If you expected a new portal account, ask the person who invited you to use another email address.
If you did not expect this email, you can ignore it.
"""


def text_sha256(text: str) -> str:
    """The SHA-256 (hex) of a text's UTF-8 bytes: the exact version a client confirmed or signed."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- sealing ---------------------------------------------------------------------------------


def _share_aad(share: Share) -> bytes:
    return (
        f"ethos/portal/share|id={share.pk}|account={share.account_id}|kind={share.kind}"
        f"|subject={share.subject_id}|version={share.version}|key={share.box_key_id}"
    ).encode()


def _reply_aad(reply: Reply) -> bytes:
    return (
        f"ethos/portal/reply|id={reply.pk}|account={reply.account_id}|coach={reply.coach_id}"
        f"|kind={reply.kind}|share={reply.share_id or ''}|key={reply.box_key_id}"
    ).encode()


def _dump(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def share_open(*, share: Share, private_key: bytes, key_id: uuid.UUID) -> dict:
    """Open what the coach shared, with the client's private key (unwrapped for this request)."""
    if share.box_key_id != key_id:
        raise ValidationError(SHARE_UNREADABLE)
    try:
        return json.loads(boxes.open_box(private_key, bytes(share.box), aad=_share_aad(share)))
    except crypto.DecryptionError:
        raise ValidationError(SHARE_UNREADABLE) from None


def reply_open(*, reply: Reply, vault: Vault | None = None) -> dict:
    """Open what a client sent, with the coach's private key (their vault must be open)."""
    vault = vault or current_vault()
    if reply.coach_id != vault.coach_id:
        raise PermissionError(NOT_YOUR_CLIENT)
    private, key_id = boxes.private_key(vault)
    if reply.box_key_id != key_id:
        raise ValidationError(BOX_UNREADABLE)
    try:
        return json.loads(boxes.open_box(private, bytes(reply.box), aad=_reply_aad(reply)))
    except crypto.DecryptionError:
        raise ValidationError(BOX_UNREADABLE) from None


def _reply_write(*, account: ClientAccount, kind: str, payload: dict, share: Share | None = None) -> Reply:
    """Seal what the client sent to the coach, and a copy to the client, so they can read it back."""
    public, key_id = boxes.public_key_of(account.coach_id)
    own_public, own_key_id = boxes.public_key_of(account.user_id)
    reply = Reply(
        coach_id=account.coach_id,
        account=account,
        kind=kind,
        share=share,
        box_key_id=key_id,
        copy_key_id=own_key_id,
    )
    reply.box = boxes.seal(public, _dump(payload), aad=_reply_aad(reply))
    reply.copy = boxes.seal(own_public, _dump(payload), aad=_reply_aad(reply) + b"|copy")
    reply.save(force_insert=True)
    return reply


# -- invitations and joining -----------------------------------------------------------------


def _absolute(path: str, site: str) -> str:
    """An address the email's reader can open: ETHOS_BASE_URL, else the address the coach used."""
    base = settings.ETHOS_BASE_URL or site.rstrip("/")
    if not base.startswith(("https://", "http://")):
        raise ValueError(SITE_NEEDED)
    return f"{base}{path}"


def _send_link(*, email: str, token: str, purpose: str, site: str) -> None:
    if purpose == HOLDER:
        text = HOLDER_BODY.format(link=_absolute(reverse("accounts:sign_in"), site))
        send_mail(HOLDER_SUBJECT, text, None, [email])
        return
    subject, body = (
        (INVITE_SUBJECT, INVITE_BODY) if purpose == Invitation.Purpose.JOIN else (RESET_SUBJECT, RESET_BODY)
    )
    link = _absolute(reverse("portal:join", args=[token]), site)
    send_mail(subject, body.format(link=link, hours=settings.ETHOS_INVITATION_HOURS), None, [email])


def _invitation_write(
    *, coach, purpose: str, email: str, site: str, client=None, account=None, holder: bool = False
) -> tuple[Invitation, str]:
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = Invitation(
        created_at=now,
        coach=coach,
        purpose=purpose,
        email=email,
        client=client,
        account=account,
        token_hash=_token_hash(token),
        expires_at=now + timedelta(hours=settings.ETHOS_INVITATION_HOURS),
    )
    invitation.save(force_insert=True)
    # The token leaves only in the email, once the invitation is committed; it is never stored
    # (not through django-tasks either: a queued job's arguments are rows in the database).
    # The address belongs to someone with an account already: they are told to sign in instead,
    # and the link (which could never make a second account) goes nowhere.
    sent_as = HOLDER if holder else purpose
    transaction.on_commit(functools.partial(_send_link, email=email, token=token, purpose=sent_as, site=site))
    return invitation, token


def invitation_create(
    *, coach, email: str, site: str = "", client: Client | None = None
) -> tuple[Invitation, str]:
    """Invite a person to the coach's portal by email; return the invitation and its secret token.

    `site` is the address the coach is using (from the request), for the link when ETHOS_BASE_URL
    is unset. Needs the coach's open vault: it makes sure the coach has a key pair that the
    client's words can be sealed to. An address that already has an account is treated the same
    on the coach's side (same answer, same invitation row, same audit event), so the coach cannot
    learn that it exists; its holder gets an email telling them to sign in instead.
    """
    email = User.objects.normalize_email((email or "").strip()).lower()
    if not email:
        raise ValidationError({"email": EMAIL_NEEDED})
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if client is not None and client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    holder = User.objects.filter(email__iexact=email).exists()
    _absolute("/", site)  # refuse before anything is written if the link could not be made
    boxes.box_key_ensure(current_vault())
    with transaction.atomic():
        invitation, token = _invitation_write(
            coach=coach, purpose=Invitation.Purpose.JOIN, email=email, site=site, client=client, holder=holder
        )
        audit_append(
            coach=coach,
            action=Action.PORTAL_INVITED,
            target_type="client" if client else "",
            target_id=str(client.pk) if client else "",
            details={"invitation": str(invitation.pk)},
        )
    return invitation, token


def link_resend(*, coach, account: ClientAccount, site: str = "") -> tuple[Invitation, str]:
    """Send a client who lost their passphrase a new link (their way back goes through the coach)."""
    if account.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    _absolute("/", site)
    with transaction.atomic():
        invitation, token = _invitation_write(
            coach=coach,
            purpose=Invitation.Purpose.RESET,
            email=account.user.email,
            site=site,
            account=account,
        )
        audit_append(
            coach=coach,
            action=Action.PORTAL_LINK_RESENT,
            target_type="client" if account.client_id else "",
            target_id=str(account.client_id or ""),
            details={"invitation": str(invitation.pk)},
        )
    return invitation, token


def invitation_for_token(token: str) -> Invitation | None:
    """Return the usable invitation for a token, or None."""
    invitation = Invitation.objects.filter(token_hash=_token_hash(token)).first()
    return invitation if invitation is not None and invitation.is_usable() else None


def _validate_passphrase(passphrase: str, user: User) -> None:
    try:
        password_validation.validate_password(passphrase, user)
    except ValidationError as error:
        raise ValidationError({"passphrase": error.messages}) from None


def join(*, token: str, passphrase: str) -> tuple[User, Vault]:
    """Spend a link: make the client's account (or give it a new passphrase) and a new key pair.

    The account key is wrapped by the passphrase only (Argon2id, as for coaches); the X25519
    private key is wrapped by the account key. A new passphrase through a reset link means a new
    key pair: what was shared before was sealed to the old key, so it is withdrawn, and the coach
    shares it again.
    """
    invitation = invitation_for_token(token)
    if invitation is None:
        raise ValidationError(LINK_UNUSABLE)
    if invitation.purpose == Invitation.Purpose.JOIN:
        user = User(email=invitation.email, name="", role=User.Role.CLIENT)
    else:
        user = invitation.account.user
    _validate_passphrase(passphrase, user)
    now = timezone.now()
    with transaction.atomic():
        spent = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True, expires_at__gt=now).update(
            used_at=now
        )
        if not spent:
            raise ValidationError(LINK_UNUSABLE)
        if invitation.purpose == Invitation.Purpose.JOIN:
            if User.objects.filter(email__iexact=user.email).exists():
                raise ValidationError(LINK_UNUSABLE)
            user.set_vault_password()
            user.save(force_insert=True)
            account = ClientAccount.objects.create(
                user=user, coach_id=invitation.coach_id, client=invitation.client
            )
            action_name = Action.PORTAL_ACCOUNT_CREATED
        else:
            account = invitation.account
            user.set_vault_password()
            user.failed_sign_ins, user.locked_until = 0, None
            user.save(update_fields=["password", "failed_sign_ins", "locked_until"])
            Share.objects.filter(account=account, withdrawn_at__isnull=True, answered_at__isnull=True).update(
                withdrawn_at=now
            )
            account.keys_reset_at = now
            account.save(update_fields=["keys_reset_at"])
            action_name = Action.PORTAL_PASSPHRASE_RESET
        vault = vault_services.keys_create_without_recovery(owner=user, passphrase=passphrase)
        audit_append(
            coach=account.coach,
            action=action_name,
            actor="client",
            target_type="client" if account.client_id else "",
            target_id=str(account.client_id or ""),
            details={"invitation": str(invitation.pk), "used": True},
        )
    return user, vault


# -- what the coach shares -------------------------------------------------------------------


def account_for_client(*, coach, client: Client) -> ClientAccount:
    account = ClientAccount.objects.filter(coach=coach, client=client).select_related("user").first()
    if account is None:
        raise ValidationError(NO_ACCOUNT)
    return account


def _share(*, coach, account: ClientAccount, kind: str, subject_id, payload: dict) -> Share:
    """Seal one new version of a document to the client's key; earlier open versions are withdrawn."""
    public, key_id = boxes.public_key_of(account.user_id)
    now = timezone.now()
    earlier = Share.objects.filter(account=account, kind=kind, subject_id=subject_id)
    version = (earlier.aggregate(top=Max("version"))["top"] or 0) + 1
    earlier.filter(withdrawn_at__isnull=True, answered_at__isnull=True).update(withdrawn_at=now)
    share = Share(
        coach=coach, account=account, kind=kind, subject_id=subject_id, version=version, box_key_id=key_id
    )
    share.box = boxes.seal(public, _dump(payload), aad=_share_aad(share))
    share.save(force_insert=True)
    audit_append(
        coach=coach,
        action=Action.PORTAL_SHARED,
        target_type="client" if account.client_id else "",
        target_id=str(account.client_id or ""),
        details={"share": str(share.pk), "kind": kind, "version": version},
    )
    return share


def goal_share(*, coach, goal: Goal) -> Share:
    """Share a goal waiting for confirmation with the client, sealed to their key (P5)."""
    if goal.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    if goal.status != Goal.Status.AWAITING:
        raise ValidationError(GOAL_NOT_AWAITING)
    account = account_for_client(coach=coach, client=goal.client)
    with transaction.atomic():
        return _share(
            coach=coach,
            account=account,
            kind=Share.Kind.GOAL,
            subject_id=goal.pk,
            payload={"words": goal.words},
        )


def consent_text(draft: ConsentDraft) -> str:
    """The exact words the client reads and signs: one text, rebuilt the same way every time."""
    terms = draft.terms
    kinds = "\n".join(f"- {RECORD_KINDS.get(kind, kind)}" for kind in terms["record_kinds"])
    return (
        "I agree that my coach may share these records about me:\n"
        f"{kinds}\n"
        f"with: {terms['recipient']}\n"
        f"for this reason: {terms['purpose']}\n"
        f"from {draft.valid_from.isoformat()} until {draft.valid_until.isoformat()}.\n"
        "I know I can say no. I can take this back at any time by telling my coach."
    )


def _consent_payload(draft: ConsentDraft) -> dict:
    text = consent_text(draft)
    return {"draft": str(draft.pk), "text": text, "text_sha256": text_sha256(text)}


def consent_ask(
    *,
    coach,
    client: Client,
    recipient: str,
    purpose: str,
    record_kinds: list[str],
    valid_from: datetime.date,
    valid_until: datetime.date,
) -> ConsentDraft:
    """Ask the client to sign a consent in their portal; it is no consent until they sign it (C1)."""
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    errors: dict[str, list[str]] = {}
    recipient, purpose = " ".join(recipient.split()), " ".join(purpose.split())
    if not recipient:
        errors["recipient"] = [RECIPIENT_NEEDED]
    if not purpose:
        errors["purpose"] = [PURPOSE_NEEDED]
    kinds = list(dict.fromkeys(record_kinds))
    if not kinds:
        errors["record_kinds"] = [KINDS_NEEDED]
    elif any(kind not in RECORD_KINDS for kind in kinds):
        errors["record_kinds"] = [KINDS_UNKNOWN]
    if valid_until < valid_from:
        errors["valid_until"] = [DATES_BACKWARDS]
    if errors:
        raise ValidationError(errors)
    if client.status != Client.Status.ACTIVE:
        raise ValidationError(CLIENT_NOT_ACTIVE)
    draft = ConsentDraft(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        terms={"recipient": recipient[:TEXT_MAX], "purpose": purpose[:TEXT_MAX], "record_kinds": kinds},
        valid_from=valid_from,
        valid_until=valid_until,
    )
    return _draft_and_share(coach=coach, client=client, draft=draft, kind=Share.Kind.CONSENT)


def _draft_and_share(*, coach, client: Client, draft, kind: str):
    """Write a document the client is asked to sign and share its first version, in one transaction."""
    account = account_for_client(coach=coach, client=client)
    payload_of = _consent_payload if kind == Share.Kind.CONSENT else _boundary_payload
    with transaction.atomic():
        draft.save(force_insert=True)
        _share(coach=coach, account=account, kind=kind, subject_id=draft.pk, payload=payload_of(draft))
    return draft


def consent_share_again(*, coach, draft: ConsentDraft) -> Share:
    """Share an unsigned consent again (after the client's new key pair, say)."""
    if draft.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    if draft.consent_id is not None:
        raise ValidationError(ALREADY_HANDLED)
    account = account_for_client(coach=coach, client=draft.client)
    with transaction.atomic():
        return _share(
            coach=coach,
            account=account,
            kind=Share.Kind.CONSENT,
            subject_id=draft.pk,
            payload=_consent_payload(draft),
        )


# -- what the client does --------------------------------------------------------------------


def _open_share_locked(*, account: ClientAccount, share: Share, kind: str) -> None:
    fresh = Share.objects.select_for_update().get(pk=share.pk, account=account, kind=kind)
    if fresh.answered_at is not None:
        raise ValidationError(ALREADY_ANSWERED)
    if fresh.withdrawn_at is not None:
        raise ValidationError(TEXT_CHANGED)


def goal_answer(
    *, account: ClientAccount, share: Share, private_key: bytes, key_id, words: str, shown_sha256: str
) -> Reply:
    """The client confirms a goal, in the words they chose; only this makes the goal active (P5).

    `shown_sha256` is the hash of the words the page showed: if the coach shared a newer version
    meanwhile, nothing is saved. The words the client confirmed are sealed to the coach.
    """
    payload = share_open(share=share, private_key=private_key, key_id=key_id)
    original = payload["words"]
    if not secrets.compare_digest(shown_sha256 or "", text_sha256(original)):
        raise ValidationError(TEXT_CHANGED)
    words = " ".join((words or "").split()) or original
    if len(words) > goal_services.WORDS_MAX:
        raise ValidationError({"words": GOAL_TOO_LONG})
    changed = words != " ".join(original.split())
    goal = Goal.objects.filter(pk=share.subject_id, coach_id=account.coach_id).first()
    if goal is None:
        raise ValidationError(TEXT_CHANGED)
    with transaction.atomic():
        _open_share_locked(account=account, share=share, kind=Share.Kind.GOAL)
        reply = _reply_write(
            account=account,
            kind=Reply.Kind.GOAL,
            share=share,
            payload={
                "goal": str(goal.pk),
                "version": share.version,
                "shared_words": original,
                "words": words,
                "words_sha256": text_sha256(words),
                "changed": changed,
            },
        )
        share.answered_at = timezone.now()
        share.save(update_fields=["answered_at"])
        if changed:
            audit_append(
                coach=account.coach,
                action=Action.PORTAL_GOAL_REWORDED,
                actor="client",
                target_type="goal",
                target_id=str(goal.pk),
                clauses=["P1"],
                details={"reply": str(reply.pk), "version": share.version},
            )
        else:
            reply.handled_at = reply.sent_at  # nothing for the coach to take: the words are theirs already
            reply.save(update_fields=["handled_at"])
        goal_services.goal_confirm_in_portal(coach=account.coach, goal=goal)
    return reply


SIGNABLE = (Share.Kind.CONSENT, Share.Kind.BOUNDARY)


def consent_sign(
    *, account: ClientAccount, share: Share, private_key: bytes, key_id, typed_name: str, shown_sha256: str
) -> Reply:
    """The client signs the exact text shown: typed name, date, the text and its hash, sealed to the coach.

    The coach records the consent from this signature (`consent_from_signature`); until then, and
    without it, there is no consent (C1).
    """
    payload = share_open(share=share, private_key=private_key, key_id=key_id)
    text = payload["text"]
    if not secrets.compare_digest(shown_sha256 or "", text_sha256(text)):
        raise ValidationError(TEXT_CHANGED)
    typed_name = " ".join((typed_name or "").split())
    if not typed_name:
        raise ValidationError({"typed_name": NAME_TO_SIGN})
    if len(typed_name) > NAME_MAX:
        raise ValidationError({"typed_name": NAME_TOO_LONG})
    signed_on = timezone.localdate()
    with transaction.atomic():
        if share.kind not in SIGNABLE:
            raise PermissionError(NOT_YOUR_CLIENT)
        _open_share_locked(account=account, share=share, kind=share.kind)
        reply = _reply_write(
            account=account,
            kind=Reply.Kind.SIGNATURE,
            share=share,
            payload={
                "document": share.kind,
                "draft": payload["draft"],
                "version": share.version,
                "text": text,
                "text_sha256": text_sha256(text),
                "typed_name": typed_name,
                "signed_on": signed_on.isoformat(),
            },
        )
        share.answered_at = timezone.now()
        share.save(update_fields=["answered_at"])
        audit_append(
            coach=account.coach,
            action=Action.PORTAL_SIGNED,
            actor="client",
            target_type="client" if account.client_id else "",
            target_id=str(account.client_id or ""),
            clauses=["C1"] if share.kind == Share.Kind.CONSENT else ["P7"],
            details={"reply": str(reply.pk), "share": str(share.pk), "version": share.version},
        )
    return reply


SCREENING_FIELDS = (
    "suicidal_thoughts",
    "intent_or_plan",
    "self_harm",
    "substance_uncontrolled",
    "current_treatment",
)


def crisis_now(screening: dict[str, bool]) -> bool:
    """Tell whether the answers call for the crisis numbers at once: the S2 rules at intake say so."""
    answers = client_services.Screening(**{name: bool(screening.get(name)) for name in SCREENING_FIELDS})
    verdict = evaluate(
        Point.INTAKE_SUBMIT,
        Facts(suicide_risk=answers.suicide_risk, passive_suicidal_thoughts=answers.passive_thoughts),
    )
    return any(finding.clause == "S2" for finding in verdict.findings)


@dataclass(frozen=True)
class IntakeSent:
    reply: Reply
    crisis: bool


def intake_send(*, account: ClientAccount, answers: dict) -> IntakeSent:
    """The client's own intake answers, sealed to the coach; the S1/S2/S9/S5 rules run when the coach
    records them. Say whether the crisis numbers must be shown now (S2)."""
    if account.client_id is not None:
        raise ValidationError(INTAKE_NOT_NEEDED)
    crisis = crisis_now(answers.get("screening", {}))
    with transaction.atomic():
        ClientAccount.objects.select_for_update().filter(pk=account.pk).first()
        if Reply.objects.filter(account=account, kind=Reply.Kind.INTAKE, handled_at__isnull=True).exists():
            raise ValidationError(INTAKE_ALREADY_SENT)
        reply = _reply_write(account=account, kind=Reply.Kind.INTAKE, payload=answers)
        audit_append(
            coach=account.coach,
            action=Action.PORTAL_INTAKE_SENT,
            actor="client",
            details={"reply": str(reply.pk)},
        )
        if crisis:
            audit_append(
                coach=account.coach,
                action=Action.PORTAL_CRISIS_SHOWN,
                actor="client",
                clauses=["S2"],
                details={"reply": str(reply.pk)},
            )
    return IntakeSent(reply=reply, crisis=crisis)


# -- what the coach does with what came back -------------------------------------------------


def _handled(reply: Reply) -> None:
    fresh = Reply.objects.select_for_update().get(pk=reply.pk)
    if fresh.handled_at is not None:
        raise ValidationError(ALREADY_HANDLED)
    reply.handled_at = timezone.now()
    reply.save(update_fields=["handled_at"])


def intake_data_from(
    answers: dict, *, concerns: list[dict[str, str]], decline_reason: str = "", reentry_explanation: str = ""
) -> client_services.IntakeData:
    """Turn the client's own answers into the intake the coach records (the coach adds the areas)."""
    emergency = None
    if answers.get("emergency_name") or answers.get("emergency_phone"):
        emergency = {"name": answers.get("emergency_name", ""), "phone": answers.get("emergency_phone", "")}
    own_words = answers.get("concerns", "").strip()
    if own_words:
        concerns = [*concerns, {"area": "other", "words": own_words}]
    return client_services.IntakeData(
        name=answers["name"],
        date_of_birth=datetime.date.fromisoformat(answers["date_of_birth"]),
        contact={"email": answers.get("email", ""), "phone": answers.get("phone", "")},
        screening=client_services.Screening(
            **{name: bool(answers["screening"].get(name)) for name in SCREENING_FIELDS}
        ),
        concerns=concerns,
        wants=answers.get("wants", ""),
        preferred_name=answers.get("preferred_name", ""),
        pronouns=answers.get("pronouns", ""),
        emergency_contact=emergency,
        decline_reason=decline_reason,
        reentry_explanation=reentry_explanation,
    )


def intake_record(
    *,
    coach,
    reply: Reply,
    concerns: list[dict[str, str]],
    decline_reason: str = "",
    reentry_explanation: str = "",
) -> client_services.IntakeResult:
    """Record the intake the client wrote: the same S1, S2, S9 and S5 rules as any intake run on it.

    A stop raises ActionStopped, as `intake_submit` does, and leaves the reply waiting.
    """
    if reply.coach_id != coach.pk or reply.kind != Reply.Kind.INTAKE:
        raise PermissionError(NOT_YOUR_CLIENT)
    answers = reply_open(reply=reply)
    answers["email"] = reply.account.user.email
    data = intake_data_from(
        answers, concerns=concerns, decline_reason=decline_reason, reentry_explanation=reentry_explanation
    )
    with action():
        _handled(reply)
        result = client_services.intake_submit(coach=coach, data=data)
        ClientAccount.objects.filter(pk=reply.account_id).update(client=result.client)
        audit_append(
            coach=coach,
            action=Action.PORTAL_INTAKE_RECORDED,
            target_type="client",
            target_id=str(result.client.pk),
            clauses=list(dict.fromkeys(f.clause for f in result.verdict.findings)),
            details={"reply": str(reply.pk), "outcome": result.intake.outcome},
        )
    return result


def goal_words_take(*, coach, reply: Reply) -> Goal:
    """Put the words the client confirmed in place of the goal's (P1): the coach has seen the change."""
    if reply.coach_id != coach.pk or reply.kind != Reply.Kind.GOAL:
        raise PermissionError(NOT_YOUR_CLIENT)
    payload = reply_open(reply=reply)
    goal = Goal.objects.filter(pk=payload["goal"], coach=coach).first()
    if goal is None:
        raise PermissionError(NOT_YOUR_CLIENT)
    with transaction.atomic():
        _handled(reply)
        goal_services.goal_reword(coach=coach, goal=goal, words=payload["words"])
    return goal


def consent_from_signature(*, coach, reply: Reply) -> Consent:
    """Record the consent the client signed, once the signed text is exactly the consent's text (C1)."""
    if reply.coach_id != coach.pk or reply.kind != Reply.Kind.SIGNATURE:
        raise PermissionError(NOT_YOUR_CLIENT)
    payload = reply_open(reply=reply)
    draft = ConsentDraft.objects.select_related("client").filter(pk=payload["draft"], coach=coach).first()
    if draft is None:
        raise PermissionError(NOT_YOUR_CLIENT)
    text = consent_text(draft)
    signed_hash = payload.get("text_sha256", "")
    if not (
        secrets.compare_digest(signed_hash, text_sha256(payload.get("text", "")))
        and secrets.compare_digest(signed_hash, text_sha256(text))
    ):
        raise ValidationError(SIGNATURE_TEXT_DIFFERS)
    with action():
        _handled(reply)
        if ConsentDraft.objects.select_for_update().filter(pk=draft.pk, consent__isnull=False).exists():
            raise ValidationError(ALREADY_HANDLED)
        consent = safeguarding_services.consent_record(
            coach=coach,
            client=draft.client,
            recipient=draft.terms["recipient"],
            purpose=draft.terms["purpose"],
            record_kinds=draft.terms["record_kinds"],
            valid_from=draft.valid_from,
            valid_until=draft.valid_until,
            how_given=Consent.HowGiven.PORTAL,
            signed_on=datetime.date.fromisoformat(payload["signed_on"]),
            signed_name=payload["typed_name"],
        )
        draft.consent = consent
        draft.save(update_fields=["consent"])
    return consent


# -- messages: sealed both ways, not for emergencies ----------------------------------------

MESSAGE_MAX = 5000
MESSAGE_NEEDED = "Please write your message first."
MESSAGE_TOO_LONG = f"Please keep your message under {MESSAGE_MAX} letters."
ENDING_NOT_ACTIVE = "Coaching is not active now, so there is nothing to end."
ENDING_ALREADY_ASKED = "You have already told your coach. They will be in touch about what happens next."


def _message_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": MESSAGE_NEEDED})
    if len(text) > MESSAGE_MAX:
        raise ValidationError({"text": MESSAGE_TOO_LONG})
    return text


def message_send(*, account: ClientAccount, text: str) -> Reply:
    """A message from the client: sealed to the coach, and a copy sealed to the client to read back."""
    text = _message_text(text)
    with transaction.atomic():
        reply = _reply_write(account=account, kind=Reply.Kind.MESSAGE, payload={"text": text})
        audit_append(
            coach=account.coach,
            action=Action.PORTAL_MESSAGE_SENT,
            actor="client",
            target_type="client" if account.client_id else "",
            target_id=str(account.client_id or ""),
            details={"reply": str(reply.pk)},
        )
    return reply


def message_share(*, coach, account: ClientAccount, text: str) -> Share:
    """A message from the coach: sealed to the client, and a copy sealed to the coach to read back."""
    if account.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    text = _message_text(text)
    own_public, own_key_id = boxes.public_key_of(coach.pk)
    with transaction.atomic():
        share = _share(
            coach=coach,
            account=account,
            kind=Share.Kind.MESSAGE,
            subject_id=uuid.uuid4(),
            payload={"text": text},
        )
        share.copy = boxes.seal(own_public, _dump({"text": text}), aad=_share_aad(share) + b"|copy")
        share.copy_key_id = own_key_id
        share.save(update_fields=["copy", "copy_key_id"])
    return share


@dataclass(frozen=True)
class Message:
    mine: bool
    at: datetime.datetime
    text: str


def _open_own(box, key_id, *, private_key: bytes, own_key_id, aad: bytes) -> str:
    if box is None or key_id != own_key_id:
        return ""
    try:
        return json.loads(boxes.open_box(private_key, bytes(box), aad=aad))["text"]
    except crypto.DecryptionError:
        return ""


MESSAGE_UNREADABLE = "(This message was sealed to an earlier key and cannot be opened.)"


def thread_for_client(*, account: ClientAccount, private_key: bytes, key_id) -> list[Message]:
    """The messages between a client and their coach, oldest first, opened with the client's key."""
    thread = []
    for share in Share.objects.filter(account=account, kind=Share.Kind.MESSAGE):
        text = _open_own(
            share.box, share.box_key_id, private_key=private_key, own_key_id=key_id, aad=_share_aad(share)
        )
        thread.append(Message(mine=False, at=share.shared_at, text=text or MESSAGE_UNREADABLE))
    for reply in Reply.objects.filter(account=account, kind=Reply.Kind.MESSAGE):
        aad = _reply_aad(reply) + b"|copy"
        text = _open_own(reply.copy, reply.copy_key_id, private_key=private_key, own_key_id=key_id, aad=aad)
        thread.append(Message(mine=True, at=reply.sent_at, text=text or MESSAGE_UNREADABLE))
    return sorted(thread, key=lambda message: message.at)


def thread_for_coach(*, coach, account: ClientAccount) -> list[Message]:
    """The same thread, opened with the coach's key (their vault must be open)."""
    if account.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    private, key_id = boxes.private_key(current_vault())
    thread = []
    for share in Share.objects.filter(account=account, kind=Share.Kind.MESSAGE):
        aad = _share_aad(share) + b"|copy"
        text = _open_own(share.copy, share.copy_key_id, private_key=private, own_key_id=key_id, aad=aad)
        thread.append(Message(mine=True, at=share.shared_at, text=text or MESSAGE_UNREADABLE))
    for reply in Reply.objects.filter(account=account, kind=Reply.Kind.MESSAGE):
        text = _open_own(
            reply.box, reply.box_key_id, private_key=private, own_key_id=key_id, aad=_reply_aad(reply)
        )
        thread.append(Message(mine=False, at=reply.sent_at, text=text or MESSAGE_UNREADABLE))
    return sorted(thread, key=lambda message: message.at)


def messages_read(*, coach, account: ClientAccount) -> int:
    """Mark the client's messages read (the coach opened the thread); audit how many, never what."""
    if account.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    with transaction.atomic():
        count = Reply.objects.filter(
            account=account, kind=Reply.Kind.MESSAGE, handled_at__isnull=True
        ).update(handled_at=timezone.now())
        if count:
            audit_append(
                coach=coach,
                action=Action.PORTAL_MESSAGES_READ,
                target_type="client" if account.client_id else "",
                target_id=str(account.client_id or ""),
                details={"count": count},
            )
    return count


# -- ending coaching: the client's right, at any time (P12) ----------------------------------


def ending_ask(*, account: ClientAccount, reason: str = "") -> Reply:
    """The client ends coaching, with no reason needed and nothing owed (P12).

    It cannot be refused. The reason, if any, is sealed to the coach, whose ending workflow
    (explanation and a coaching referral, P11) it starts: the coach's inbox shows it first.
    """
    reason = (reason or "").strip()
    if len(reason) > MESSAGE_MAX:
        raise ValidationError({"reason": MESSAGE_TOO_LONG})
    if (
        account.client_id is None
        or not Client.objects.filter(pk=account.client_id, status=Client.Status.ACTIVE).exists()
    ):
        raise ValidationError(ENDING_NOT_ACTIVE)
    with transaction.atomic():
        ClientAccount.objects.select_for_update().filter(pk=account.pk).first()
        if Reply.objects.filter(account=account, kind=Reply.Kind.ENDING, handled_at__isnull=True).exists():
            raise ValidationError(ENDING_ALREADY_ASKED)
        reply = _reply_write(account=account, kind=Reply.Kind.ENDING, payload={"reason": reason})
        audit_append(
            coach=account.coach,
            action=Action.PORTAL_ENDING_ASKED,
            actor="client",
            target_type="client",
            target_id=str(account.client_id),
            clauses=["P12", "P11"],
            details={"reply": str(reply.pk)},
        )
    return reply


def ending_acknowledge(*, coach, reply: Reply) -> None:
    """The coach has recorded the ending the client asked for: the request leaves the inbox."""
    if reply.coach_id != coach.pk or reply.kind != Reply.Kind.ENDING:
        raise PermissionError(NOT_YOUR_CLIENT)
    with transaction.atomic():
        _handled(reply)


# -- boundary agreements (P7): asked, signed by the client, then recorded ---------------------

AGREEMENT_NEEDED = "Write how and when contact between sessions happens."
OUT_OF_BOUNDS_NEEDED = "Write what is out of bounds."


def boundary_text(draft: BoundaryDraft) -> str:
    """The exact words of a boundary agreement the client reads and signs."""
    terms = draft.terms
    return (
        "We agree how we keep in touch between sessions:\n"
        f"{terms['contact_between']}\n"
        "We agree that these are out of bounds:\n"
        f"{terms['out_of_bounds']}\n"
        "This keeps coaching safe and clear for both of us. We can talk about it and change it together."
    )


def _boundary_payload(draft: BoundaryDraft) -> dict:
    text = boundary_text(draft)
    return {"draft": str(draft.pk), "text": text, "text_sha256": text_sha256(text)}


def boundary_ask(*, coach, client: Client, contact_between: str, out_of_bounds: str) -> BoundaryDraft:
    """Ask the client to sign a boundary agreement in their portal (P7); recorded once they sign."""
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    contact_between, out_of_bounds = (contact_between or "").strip(), (out_of_bounds or "").strip()
    errors = {}
    if not contact_between:
        errors["contact_between"] = [AGREEMENT_NEEDED]
    if not out_of_bounds:
        errors["out_of_bounds"] = [OUT_OF_BOUNDS_NEEDED]
    if errors:
        raise ValidationError(errors)
    if client.status != Client.Status.ACTIVE:
        raise ValidationError(CLIENT_NOT_ACTIVE)
    draft = BoundaryDraft(
        coach=coach,
        client=client,
        data_key_id=client.data_key_id,
        terms={"contact_between": contact_between[:TEXT_MAX], "out_of_bounds": out_of_bounds[:TEXT_MAX]},
    )
    return _draft_and_share(coach=coach, client=client, draft=draft, kind=Share.Kind.BOUNDARY)


def boundary_from_signature(*, coach, reply: Reply) -> BoundaryAgreement:
    """Record the boundary agreement the client signed, once the signed text is exactly its text (P7)."""
    if reply.coach_id != coach.pk or reply.kind != Reply.Kind.SIGNATURE:
        raise PermissionError(NOT_YOUR_CLIENT)
    payload = reply_open(reply=reply)
    draft = BoundaryDraft.objects.select_related("client").filter(pk=payload["draft"], coach=coach).first()
    if draft is None:
        raise PermissionError(NOT_YOUR_CLIENT)
    signed_hash = payload.get("text_sha256", "")
    if not (
        secrets.compare_digest(signed_hash, text_sha256(payload.get("text", "")))
        and secrets.compare_digest(signed_hash, text_sha256(boundary_text(draft)))
    ):
        raise ValidationError(SIGNATURE_TEXT_DIFFERS)
    with transaction.atomic():
        _handled(reply)
        if BoundaryDraft.objects.select_for_update().filter(pk=draft.pk, agreement__isnull=False).exists():
            raise ValidationError(ALREADY_HANDLED)
        agreement = boundary_services.boundary_agreement_sign(
            coach=coach,
            client=draft.client,
            contact_between=draft.terms["contact_between"],
            out_of_bounds=draft.terms["out_of_bounds"],
            signed_name=payload["typed_name"],
            signed_on=datetime.date.fromisoformat(payload["signed_on"]),
            signature_kind=PORTAL_SIGNED,
        )
        draft.agreement = agreement
        draft.save(update_fields=["agreement"])
    return agreement


def signature_record(*, coach, reply: Reply):
    """Record what the client signed: a consent (C1) or a boundary agreement (P7)."""
    if reply.coach_id != coach.pk or reply.kind != Reply.Kind.SIGNATURE:
        raise PermissionError(NOT_YOUR_CLIENT)
    kind = Share.objects.filter(pk=reply.share_id).values_list("kind", flat=True).first()
    if kind == Share.Kind.BOUNDARY:
        return boundary_from_signature(coach=coach, reply=reply)
    return consent_from_signature(coach=coach, reply=reply)


# -- appointments and the accounting of disclosures: snapshots the coach shares ----------------


def appointments_share(*, coach, client: Client) -> Share:
    """Share the client's coming sessions with them (time, length, how, where), sealed to their key."""
    from ethos.coaching.models import Session

    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    account = account_for_client(coach=coach, client=client)
    upcoming = Session.objects.filter(
        coach=coach, client=client, status=Session.Status.SCHEDULED, starts_at__gt=timezone.now()
    ).order_by("starts_at", "id")[:50]
    sessions = [
        {
            "starts_at": session.starts_at.isoformat(),
            "minutes": session.duration_minutes,
            "how": session.get_modality_display(),
            "place": session.place or "",
        }
        for session in upcoming
    ]
    with transaction.atomic():
        return _share(
            coach=coach,
            account=account,
            kind=Share.Kind.APPOINTMENTS,
            subject_id=client.pk,
            payload={"sessions": sessions},
        )


def accounting_share(*, coach, client: Client) -> Share:
    """Share the client's accounting of disclosures (C1): to whom, when, which records, why, on what basis."""
    from ethos.safeguarding.selectors import accounting_for, accounting_since

    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    account = account_for_client(coach=coach, client=client)
    rows = [
        {
            "on": timezone.localtime(disclosure.disclosed_at).date().isoformat(),
            "recipient": disclosure.recipient,
            "records": disclosure.record_labels,
            "purpose": disclosure.purpose,
            "basis": disclosure.basis_label,
        }
        for disclosure in accounting_for(client)
    ]
    since = timezone.localtime(accounting_since()).date().isoformat()
    with transaction.atomic():
        # The same PDF the coach prints for the client, sealed with the list: they download it.
        pdf = safeguarding_services.accounting_print(coach=coach, client=client)
        return _share(
            coach=coach,
            account=account,
            kind=Share.Kind.ACCOUNTING,
            subject_id=client.pk,
            payload={"since": since, "rows": rows, "pdf": base64.b64encode(pdf).decode()},
        )


def letter_share(*, coach, ending: Ending) -> Share:
    """Share the letter about an ending or a pause (P11) in the client's portal: the PDF the coach prints."""
    if ending.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    account = account_for_client(coach=coach, client=ending.client)
    with transaction.atomic():
        # The letter is built (and its printing audited) exactly as when the coach prints it.
        pdf = endings.ending_letter(coach=coach, ending=ending)
        return _share(
            coach=coach,
            account=account,
            kind=Share.Kind.LETTER,
            subject_id=ending.pk,
            payload={
                "about": ending.get_kind_display(),
                "on": timezone.localtime(ending.created_at).date().isoformat(),
                "pdf": base64.b64encode(pdf).decode(),
            },
        )


def latest_open(
    *, account: ClientAccount, kind: str, private_key: bytes, key_id
) -> tuple[Share | None, dict]:
    """The newest version of a snapshot the coach shared, opened with the client's key."""
    share = (
        Share.objects.filter(account=account, kind=kind, withdrawn_at__isnull=True)
        .order_by("-version")
        .first()
    )
    if share is None:
        return None, {}
    try:
        return share, share_open(share=share, private_key=private_key, key_id=key_id)
    except ValidationError as error:
        return share, {"error": error.messages[0]}


# -- files a client sends their coach: sealed at upload, checked by their content ------------

UPLOAD_NEEDED = "Please choose a file to send."
UPLOAD_TOO_BIG = "This file is too big. Please send a file smaller than {mb} MB."
UPLOAD_TYPE = "We can only take a PDF, a photo (PNG or JPEG) or a plain text file. Nothing was sent."
UPLOAD_NOT_YET = "You can send files once your coach has your first answers."
UPLOAD_NAME_MAX = 120
# What Ethos takes, known from the first bytes of the file, never from its name or the browser.
UPLOAD_TYPES = {
    b"%PDF-": ("application/pdf", "pdf"),
    b"\x89PNG\r\n\x1a\n": ("image/png", "png"),
    b"\xff\xd8\xff": ("image/jpeg", "jpg"),
}
TEXT_TYPE = ("text/plain", "txt")
EXTENSIONS = dict([*UPLOAD_TYPES.values(), TEXT_TYPE])


def upload_type(content: bytes) -> str | None:
    """The file's type from its content (PDF, PNG, JPEG or UTF-8 text), or None for anything else."""
    for magic, (content_type, _) in UPLOAD_TYPES.items():
        if content.startswith(magic):
            return content_type
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if any(ord(char) < 32 and char not in "\t\n\r\f" for char in text):
        return None  # a binary file that happens to decode
    return TEXT_TYPE[0]


def _upload_aad(upload, part: str) -> bytes:
    return (
        f"ethos/portal/upload|id={upload.pk}|account={upload.account_id}|coach={upload.coach_id}"
        f"|type={upload.content_type}|size={upload.size}|part={part}"
    ).encode()


def upload_send(*, account: ClientAccount, file) -> Upload:
    """A client sends their coach a file: checked by size and content, then sealed to the coach.

    The name (sealed to the coach, and a copy to the client) and the bytes (to the coach only) are
    sealed before anything is stored; a refused file leaves nothing behind.
    """
    if account.client_id is None:
        raise ValidationError(UPLOAD_NOT_YET)
    if file is None or not file.size:
        raise ValidationError({"file": [UPLOAD_NEEDED]})
    if file.size > settings.ETHOS_UPLOAD_MAX_BYTES:
        raise ValidationError({"file": [UPLOAD_TOO_BIG.format(mb=settings.ETHOS_UPLOAD_MAX_BYTES // 2**20)]})
    content = file.read()
    content_type = upload_type(content)
    if content_type is None:
        raise ValidationError({"file": [UPLOAD_TYPE]})
    name = " ".join((file.name or "").split())[:UPLOAD_NAME_MAX] or "file"
    public, key_id = boxes.public_key_of(account.coach_id)
    own_public, own_key_id = boxes.public_key_of(account.user_id)
    upload = Upload(
        coach_id=account.coach_id,
        account=account,
        content_type=content_type,
        size=len(content),
        box_key_id=key_id,
        copy_key_id=own_key_id,
    )
    label = _dump({"name": name})
    upload.box = boxes.seal(public, content, aad=_upload_aad(upload, "file"))
    upload.label = boxes.seal(public, label, aad=_upload_aad(upload, "label"))
    upload.label_copy = boxes.seal(own_public, label, aad=_upload_aad(upload, "label-copy"))
    with transaction.atomic():
        upload.save(force_insert=True)
        audit_append(
            coach=account.coach,
            action=Action.PORTAL_UPLOADED,
            actor="client",
            target_type="client",
            target_id=str(account.client_id),
            details={"upload": str(upload.pk), "type": content_type, "size": upload.size},
        )
    return upload


def upload_name_for_client(*, upload: Upload, private_key: bytes, key_id) -> str:
    """The name of a file the client sent, opened with the client's own key."""
    if upload.label_copy is None or upload.copy_key_id != key_id:
        return ""
    try:
        aad = _upload_aad(upload, "label-copy")
        return json.loads(boxes.open_box(private_key, bytes(upload.label_copy), aad=aad))["name"]
    except crypto.DecryptionError:
        return ""


@dataclass(frozen=True)
class UploadSeen:
    upload: Upload
    name: str


def uploads_for_coach(*, coach_id, uploads: list[Upload]) -> list[UploadSeen]:
    """The names of a client's files, opened with the coach's key (their vault open)."""
    if not uploads:
        return []
    private, key_id = boxes.private_key(current_vault())
    seen = []
    for upload in uploads:
        if upload.coach_id != coach_id:
            raise PermissionError(NOT_YOUR_CLIENT)
        name = BOX_UNREADABLE
        if upload.box_key_id == key_id:
            try:
                label = boxes.open_box(private, bytes(upload.label), aad=_upload_aad(upload, "label"))
                name = json.loads(label)["name"]
            except crypto.DecryptionError:
                pass
        seen.append(UploadSeen(upload=upload, name=name))
    return seen


@dataclass(frozen=True)
class FileOpened:
    content: bytes
    content_type: str
    filename: str


def _safe_filename(name: str, content_type: str) -> str:
    stem = name.rsplit(".", 1)[0] if "." in name else name
    stem = "".join(char if char.isascii() and (char.isalnum() or char in "-_") else "-" for char in stem)
    return f"{stem.strip('-')[:60] or 'file'}.{EXTENSIONS[content_type]}"


def upload_download(*, coach, upload: Upload) -> FileOpened:
    """Open a client's file with the coach's key for download; the download is audited."""
    if upload.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_CLIENT)
    private, key_id = boxes.private_key(current_vault())
    if upload.box_key_id != key_id:
        raise ValidationError(BOX_UNREADABLE)
    try:
        content = boxes.open_box(private, bytes(upload.box), aad=_upload_aad(upload, "file"))
        name = json.loads(boxes.open_box(private, bytes(upload.label), aad=_upload_aad(upload, "label")))[
            "name"
        ]
    except crypto.DecryptionError:
        raise ValidationError(BOX_UNREADABLE) from None
    with transaction.atomic():
        audit_append(
            coach=coach,
            action=Action.PORTAL_UPLOAD_DOWNLOADED,
            target_type="client",
            target_id=str(upload.account.client_id or ""),
            details={"upload": str(upload.pk)},
        )
    return FileOpened(
        content=content, content_type=upload.content_type, filename=_safe_filename(name, upload.content_type)
    )


# -- the client's own record: what they sent, and what was shared with them, to keep ---------

SENT_KINDS = (Reply.Kind.INTAKE, Reply.Kind.GOAL, Reply.Kind.SIGNATURE, Reply.Kind.ENDING)
ONLY_FOR_COACH = "You sent this before Ethos kept a copy for you. Only your coach can open it."
INTAKE_LABELS = {
    "name": "Name",
    "preferred_name": "Name you like to be called",
    "pronouns": "Pronouns",
    "date_of_birth": "Date of birth",
    "phone": "Phone",
    "wants": "What you want from coaching",
    "concerns": "What you want to work on",
    "emergency_name": "Emergency contact",
    "emergency_phone": "Emergency contact's phone",
}


@dataclass(frozen=True)
class Sent:
    reply: Reply
    payload: dict | None  # None: sealed to the coach only


def sent_for_client(*, account: ClientAccount, private_key: bytes, key_id) -> list[Sent]:
    """What the client sent (not messages, which have their own page), opened with their own key."""
    found = []
    for reply in Reply.objects.filter(account=account, kind__in=SENT_KINDS).order_by("-sent_at", "id"):
        found.append(Sent(reply=reply, payload=_open_copy(reply, private_key=private_key, key_id=key_id)))
    return found


def _open_copy(reply: Reply, *, private_key: bytes, key_id) -> dict | None:
    if reply.copy is None or reply.copy_key_id != key_id:
        return None
    try:
        return json.loads(boxes.open_box(private_key, bytes(reply.copy), aad=_reply_aad(reply) + b"|copy"))
    except crypto.DecryptionError:
        return None


def sent_text(kind: str, payload: dict, *, sent_at: datetime.datetime) -> str:
    """What the client sent, as plain text to keep."""
    when = timezone.localtime(sent_at).strftime("%d %B %Y, %H:%M")
    lines = [f"{dict(Reply.Kind.choices)[kind]}, sent to your coach on {when}", ""]
    if kind == Reply.Kind.INTAKE:
        for field, label in INTAKE_LABELS.items():
            if payload.get(field):
                lines.append(f"{label}: {payload[field]}")
        for name, answer in payload.get("screening", {}).items():
            lines.append(f"{name.replace('_', ' ').capitalize()}: {'yes' if answer else 'no'}")
    elif kind == Reply.Kind.GOAL:
        lines += [f"Your goal: {payload['words']}", f"SHA-256 of these words: {payload['words_sha256']}"]
        if payload.get("changed"):
            lines.append(f"Your coach's words before you changed them: {payload['shared_words']}")
    elif kind == Reply.Kind.SIGNATURE:
        lines += [
            f"You signed as: {payload['typed_name']}",
            f"On: {payload['signed_on']}",
            f"SHA-256 of the text you signed: {payload['text_sha256']}",
            "",
            "The text you signed:",
            payload["text"],
        ]
    else:
        lines.append(f"Your reason: {payload.get('reason') or '(none given)'}")
    return "\n".join(lines) + "\n"


LETTER_TEXT = "A letter from your coach about this: {about}. Download it to read it as a PDF."


def shared_text(share: Share, payload: dict) -> str:
    """What the coach shared, as plain text to keep."""
    when = timezone.localtime(share.shared_at).strftime("%d %B %Y")
    lines = [f"{share.kind_label}, shared by your coach on {when} (version {share.version})", ""]
    if share.kind == Share.Kind.GOAL:
        lines.append(payload["words"])
    elif share.kind in SIGNABLE:
        lines += [payload["text"], "", f"SHA-256 of this text: {payload['text_sha256']}"]
    elif share.kind == Share.Kind.APPOINTMENTS:
        for session in payload.get("sessions", []):
            starts = timezone.localtime(datetime.datetime.fromisoformat(session["starts_at"]))
            place = f", {session['place']}" if session.get("place") else ""
            lines.append(f"{starts:%d %B %Y, %H:%M}: {session['minutes']} minutes, {session['how']}{place}")
        if not payload.get("sessions"):
            lines.append("No sessions booked.")
    elif share.kind == Share.Kind.MESSAGE:
        lines.append(payload["text"])
    elif share.kind == Share.Kind.LETTER:
        lines.append(LETTER_TEXT.format(about=payload.get("about", "our coaching").lower()))
    else:
        for row in payload.get("rows", []):
            records = ", ".join(row["records"])
            lines.append(
                f"{row['on']}: to {row['recipient']}; {records}; why: {row['purpose']}; {row['basis']}"
            )
        if not payload.get("rows"):
            lines.append("Your records have not been shared with anyone.")
    return "\n".join(lines) + "\n"


def record_download(
    *,
    account: ClientAccount,
    private_key: bytes,
    key_id,
    reply: Reply | None = None,
    share: Share | None = None,
) -> FileOpened:
    """One thing from the client's own record, opened with their key, to download; audited (ids only).

    The accounting of disclosures comes as the PDF the coach prints; everything else as plain text.
    """
    day = timezone.localdate().isoformat()
    if reply is not None:
        if reply.account_id != account.pk:
            raise PermissionError(NOT_YOUR_CLIENT)
        payload = _open_copy(reply, private_key=private_key, key_id=key_id)
        if payload is None:
            raise ValidationError(ONLY_FOR_COACH)
        opened = FileOpened(
            content=sent_text(reply.kind, payload, sent_at=reply.sent_at).encode(),
            content_type="text/plain; charset=utf-8",
            filename=f"sent-{reply.kind}-{timezone.localdate(reply.sent_at).isoformat()}.txt",
        )
        details = {"reply": str(reply.pk)}
    else:
        if share.account_id != account.pk:
            raise PermissionError(NOT_YOUR_CLIENT)
        payload = share_open(share=share, private_key=private_key, key_id=key_id)
        if share.kind in (Share.Kind.ACCOUNTING, Share.Kind.LETTER) and payload.get("pdf"):
            content, content_type, extension = base64.b64decode(payload["pdf"]), "application/pdf", "pdf"
        else:
            content, content_type = shared_text(share, payload).encode(), "text/plain; charset=utf-8"
            extension = "txt"
        filename = f"{share.kind}-{share.version}-{day}.{extension}"
        opened = FileOpened(content=content, content_type=content_type, filename=filename)
        details = {"share": str(share.pk)}
    with transaction.atomic():
        audit_append(
            coach=account.coach,
            action=Action.PORTAL_RECORD_DOWNLOADED,
            actor="client",
            target_type="client" if account.client_id else "",
            target_id=str(account.client_id or ""),
            details=details,
        )
    return opened
