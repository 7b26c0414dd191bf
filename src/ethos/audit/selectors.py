"""Read the audit log: the chain head, events for the Activity page, proofs and verification."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ethos.vault import crypto
from ethos.vault.context import current_vault
from ethos.web import COACH

from . import checkpoint, merkle
from .actions import Action
from .journal import Entry, Journal
from .keys import open_checkpoint, origin_for
from .models import AuditEvent, AuditHead
from .services import sealed_details_aad


@dataclass(frozen=True)
class ChainHead:
    size: int
    root_hex: str
    checkpoint: str


def chain_head(coach) -> ChainHead:
    head = AuditHead.objects.filter(coach=coach).first()
    if head is None or head.size == 0:
        return ChainHead(size=0, root_hex=merkle.EMPTY_ROOT.hex(), checkpoint="")
    compact = merkle.CompactRange.from_dict(head.compact)
    return ChainHead(size=head.size, root_hex=compact.root().hex(), checkpoint=head.checkpoint)


def events_for(coach, *, action: str | Iterable[str] = "", since=None, until=None):
    """Return the coach's events, newest first; `action` is one action or a list of them."""
    events = AuditEvent.objects.filter(coach=coach).order_by("-seq")
    if isinstance(action, str) and action:
        events = events.filter(action=action)
    elif not isinstance(action, str):
        events = events.filter(action__in=list(action))
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events.defer("leaf_hash", "root_after")


# -- the Activity page, in the coach's words ----------------------------------------------

# What each event says on the Activity page: a sentence to the coach, never a code.
SENTENCES: dict[Action, str] = {
    Action.AUTH_ACCOUNT_CREATED: "Your account was created",
    Action.AUTH_SIGNED_IN: "You signed in",
    Action.AUTH_SIGNED_OUT: "You signed out",
    Action.AUTH_SIGN_IN_FAILED: "Someone tried to sign in to your account with the wrong passphrase",
    Action.AUTH_PASSPHRASE_CHANGED: "You changed your passphrase",
    Action.AUTH_RECOVERY_KEY_USED: "Your recovery kit was used to get back into your account",
    Action.AUTH_TWO_STEP_ENABLED: "You turned on two-step sign-in",
    Action.AUTH_TWO_STEP_DISABLED: "You turned off two-step sign-in",
    Action.AUTH_REAUTH_FAILED: "A wrong passphrase was given when Ethos asked you to confirm it was you",
    Action.VAULT_UNLOCKED: "Your records were unlocked",
    Action.VAULT_LOCKED: "Your records were locked",
    Action.VAULT_RECOVERY_KEY_REPLACED: "You replaced your recovery kit",
    Action.VAULT_RECOVERY_KIT_CONFIRMED: "You confirmed that you have kept your recovery kit",
    Action.VAULT_BACKUP_DOWNLOADED: "You downloaded a backup of your records",
    Action.STANDARDS_FINDING: "Ethos checked what you did against the Code of Ethics and noted a finding",
    Action.STANDARDS_OPEN_ITEM_RESOLVED: "You resolved an open item with its record",
    Action.STANDARDS_DESK_CONSULTED: "You asked the ethics desk a question",
    Action.STANDARDS_REPORT_EXPORTED: "You exported your compliance report",
    Action.PRACTICE_PROFILE_UPDATED: "You changed your practice profile",
    Action.PRACTICE_COMPETENCE_UPDATED: "You changed your areas of competence",
    Action.PRACTICE_CREDENTIAL_ADDED: "You added a credential",
    Action.PRACTICE_CREDENTIAL_UPDATED: "You changed a credential",
    Action.PRACTICE_CREDENTIAL_REMOVED: "You removed a credential",
    Action.PRACTICE_CLOSED: "You closed your practice",
    Action.REFERRALS_RESOURCE_ADDED: "You added a service to your referral directory",
    Action.REFERRALS_RESOURCE_UPDATED: "You changed a service in your referral directory",
    Action.REFERRALS_RESOURCE_DEACTIVATED: "You took a service in your referral directory out of use",
    Action.REFERRALS_RESOURCE_REACTIVATED: "You put a service in your referral directory back in use",
    Action.REFERRALS_VETTED: "You vetted a service in your referral directory",
    Action.REFERRAL_MADE: "You referred a client to another service",
    Action.INTAKE_ACCEPTED: "You accepted a new client at intake",
    Action.INTAKE_DECLINED: "A person was declined at intake",
    Action.INTAKE_CRISIS_PROTOCOL_SHOWN: "You went through the crisis protocol with a client",
    Action.INTAKE_REENTERED: "You took a person declined earlier through a new intake",
    Action.INTAKE_SAFETY_CHECK_RECORDED: "You recorded a safety check",
    Action.INTAKE_SAFETY_FOLLOWED_UP: "You followed up a safety check",
    Action.CLIENT_VIEWED: "You viewed a client's record",
    Action.CLIENT_CONTACT_CHANGED: "You changed a client's contact details",
    Action.CLIENT_ENDED: "You ended coaching with a client",
    Action.CLIENT_PAUSED: "You paused coaching with a client",
    Action.CLIENT_RESUMED: "You resumed coaching with a client",
    Action.CLIENT_LETTER_PRINTED: "You printed a letter to a client about ending or pausing coaching",
    Action.GOAL_CREATED: "You wrote down a client's goal in their own words",
    Action.GOAL_CONFIRMED: "A client confirmed their goal",
    Action.GOAL_ACTIVATED: "You made a client's goal active",
    Action.GOAL_PROGRESS_RECORDED: "You recorded progress on a client's goal",
    Action.GOAL_REACHED: "A client reached their goal",
    Action.GOAL_SET_ASIDE: "A client's goal was set aside",
    Action.GOAL_REOPENED: "A client's goal was reopened",
    Action.SUPERVISION_PLANNED: "You planned to take a concern to supervision",
}
UNKNOWN_SENTENCE = "Something happened that this version of Ethos has no words for"

# Where an event's record lives: (URL name, link text, whether the URL takes the target id).
TARGET_LINKS = {
    "client": ("clients:detail", "Open the client's record", True),
    "resource": ("referrals:detail", "Open the service", True),
    "open_item": ("standards:open_item", "Open the item", True),
    "practice_profile": ("practice:profile", "Open your practice profile", False),
    "credential": ("practice:credentials", "Open your credentials", False),
}


@dataclass(frozen=True)
class ActivityEntry:
    """One event as the Activity page tells it."""

    event: AuditEvent
    sentence: str
    link: str = ""
    link_text: str = ""

    @property
    def day(self) -> datetime.date:
        return timezone.localtime(self.event.created_at).date()


def _link(event: AuditEvent) -> tuple[str, str]:
    if event.target_type == "goal" and isinstance(event.details, dict) and event.details.get("client"):
        name, text, args = "clients:goal_detail", "Open the goal", [event.details["client"], event.target_id]
    elif event.target_type in TARGET_LINKS:
        name, text, with_id = TARGET_LINKS[event.target_type]
        args = [event.target_id] if with_id else []
    else:
        return "", ""
    try:
        return reverse(name, args=args), text
    except NoReverseMatch:
        # An id that is not a record's (an old or a test event): the sentence stands alone.
        return "", ""


def activity_entries(events: Iterable[AuditEvent]) -> list[ActivityEntry]:
    """Tell each event in a sentence, with a link to its record where it has a page (no queries)."""
    entries = []
    for event in events:
        try:
            # An action added without a sentence still reads in words: its filter label.
            known = Action(event.action)
            sentence = SENTENCES.get(known, known.label)
        except (ValueError, KeyError):
            sentence = UNKNOWN_SENTENCE
        link, text = _link(event)
        entries.append(ActivityEntry(event=event, sentence=sentence, link=link, link_text=text))
    return entries


def sealed_details(event: AuditEvent) -> dict | None:
    """Decrypt an event's sealed details with the current vault."""
    if event.sealed is None:
        return None
    vault = current_vault()
    raw = crypto.decrypt(
        vault.account_key, bytes(event.sealed), aad=sealed_details_aad(event.coach_id, event.seq)
    )
    return json.loads(raw)


# -- verification ------------------------------------------------------------------------

EVENT_MISSING = "Event {seq} is missing: it was removed from the log."
EVENT_OUT_OF_PLACE = "Event {seq} is out of place: events were inserted or reordered here."
EVENT_CHANGED = "Event {seq} was changed after it was written (or events around it were reordered)."
EVENT_SIGNATURE = "Event {seq} does not carry a valid signed checkpoint: it was inserted or forged."
HEAD_MISMATCH = "The log's signed head says {expected} events, but {found} are stored: events were removed."
CHECKPOINT_AHEAD = (
    "The checkpoint you kept covers {expected} events, but the log has only {found}: events were removed."
)
CHECKPOINT_INCONSISTENT = (
    "The log is not consistent with the checkpoint you kept (size {size}): history was rewritten."
)
JOURNAL_AHEAD = (
    "The checkpoint journal saw {expected} events on {when} ({reason}), but the log has only {found}: "
    "events {first}..{expected} are missing."
)
JOURNAL_INCONSISTENT = (
    "The log does not extend the checkpoint the journal saw at {expected} events on {when} ({reason}): "
    "events {first}..{expected} were replaced, history was rewritten."
)
JOURNAL_LINE_FORGED = (
    "Line {line} of the checkpoint journal is not a checkpoint this log signed: the journal was edited."
)
SIGNED_IN_BUT_EMPTY = (
    "This account has signed in (last on {when}) but its log holds no events at all: the log was erased."
)
JOURNAL_ORPHAN = (
    "The checkpoint journal saw {size} events of the log {origin}, but no account with that id is in "
    "the database: the account and its log were erased."
)


@dataclass
class Verification:
    coach_id: str
    size: int = 0
    root_hex: str = merkle.EMPTY_ROOT.hex()
    problems: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None
    # The largest size the checkpoint journal saw, and whether the log falls short of it.
    witnessed_size: int = 0
    behind_witness: bool = False

    @property
    def ok(self) -> bool:
        return not self.problems


def _fail(report: Verification, seq: int, message: str) -> Verification:
    report.first_bad_seq = seq
    report.problems.append(message)
    return report


def verify_log(coach, *, kept_checkpoint: str | None = None, witnessed: Sequence[Entry] = ()) -> Verification:
    """Recompute the coach's tree from the stored events and check every signed checkpoint.

    `witnessed` are the coach's lines of the checkpoint journal (read before the events, so that
    appends made meanwhile only make the log longer): the log must extend every one of them.
    """
    report = Verification(coach_id=str(coach.pk))
    compact = merkle.CompactRange()
    leaves: list[bytes] = []
    roots: dict[int, bytes] = {}
    for position, event in enumerate(
        AuditEvent.objects.filter(coach=coach).order_by("seq", "id").iterator(), 1
    ):
        if event.seq > position:
            return _fail(report, position, EVENT_MISSING.format(seq=position))
        if event.seq < position:
            return _fail(report, position, EVENT_OUT_OF_PLACE.format(seq=position))
        leaf = merkle.leaf_hash(event.canonical_bytes())
        compact.append(leaf)
        leaves.append(leaf)
        try:
            signed = open_checkpoint(event.checkpoint, coach.pk)
        except checkpoint.CheckpointError:
            return _fail(report, position, EVENT_SIGNATURE.format(seq=position))
        if signed.size != position:
            return _fail(report, position, EVENT_SIGNATURE.format(seq=position))
        if signed.root != compact.root():
            return _fail(report, position, EVENT_CHANGED.format(seq=position))
        roots[position] = compact.root()
    report.size = compact.size
    report.root_hex = compact.root().hex()

    head = AuditHead.objects.filter(coach=coach).first()
    if head is not None and head.checkpoint:
        try:
            signed_head = open_checkpoint(head.checkpoint, coach.pk)
        except checkpoint.CheckpointError:
            signed_head = None
        if signed_head is None or signed_head.size != compact.size:
            expected = signed_head.size if signed_head else head.size
            return _fail(
                report, compact.size + 1, HEAD_MISMATCH.format(expected=expected, found=compact.size)
            )

    if witnessed and not _extends_witnessed(report, coach, witnessed, leaves, roots):
        return report
    if compact.size == 0 and getattr(coach, "role", COACH) == COACH and coach.last_login:
        # Creating a coach and every sign-in are events: the empty log of one who signed in was erased.
        when = coach.last_login.date().isoformat()
        return _fail(report, 1, SIGNED_IN_BUT_EMPTY.format(when=when))

    if kept_checkpoint:
        kept = open_checkpoint(kept_checkpoint, coach.pk)
        if kept.size > compact.size:
            return _fail(
                report, compact.size + 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=compact.size)
            )
        proof = merkle.consistency_proof(kept.size, compact.size, leaves.__getitem__)
        if not merkle.verify_consistency(kept.size, compact.size, kept.root, compact.root(), proof):
            bad = next((s for s in range(1, kept.size + 1) if roots.get(s) is None), None)
            report.problems.append(CHECKPOINT_INCONSISTENT.format(size=kept.size))
            report.first_bad_seq = bad or kept.size
    return report


def _extends_witnessed(
    report: Verification, coach, witnessed: Sequence[Entry], leaves: list[bytes], roots: dict[int, bytes]
) -> bool:
    """Check the recomputed log against the journal's checkpoints; record the first problem."""
    size = len(leaves)
    latest = max(witnessed, key=lambda entry: (entry.size, entry.line))
    seen = _witnessed_checkpoint(latest, coach)
    if seen is None:
        _fail(report, min(latest.size, size + 1), JOURNAL_LINE_FORGED.format(line=latest.line))
        return False
    report.witnessed_size = seen.size
    if seen.size > size:
        report.behind_witness = True
        _fail(report, size + 1, JOURNAL_AHEAD.format(found=size, first=size + 1, **_facts(latest)))
        return False
    # RFC 9162 2.1.4: the journal's latest tree must be a prefix of today's.
    proof = merkle.consistency_proof(seen.size, size, leaves.__getitem__)
    current = roots.get(size, merkle.EMPTY_ROOT)
    consistent = merkle.verify_consistency(seen.size, size, seen.root, current, proof)
    # Earlier lines too: events cut and then followed by new ones would hide behind a later line.
    # The recomputation knows the root at every size, so each line is one comparison.
    matching = {e for e in witnessed if e.root_text() == _b64(roots.get(e.size))}
    if consistent and len(matching) == len(witnessed):
        return True
    unmatched = sorted((e for e in witnessed if e not in matching), key=lambda e: (e.size, e.line))
    if not consistent and latest not in unmatched:
        unmatched.append(latest)
    for entry in unmatched:
        if _witnessed_checkpoint(entry, coach) is None:
            _fail(report, min(entry.size, size), JOURNAL_LINE_FORGED.format(line=entry.line))
            return False
        # The first genuine checkpoint the log no longer extends: history is intact up to the
        # largest witnessed size below it that still matches.
        intact = max((e.size for e in matching if e.size < entry.size), default=0)
        report.behind_witness = True
        _fail(report, intact + 1, JOURNAL_INCONSISTENT.format(first=intact + 1, **_facts(entry)))
        return False
    return True


def _witnessed_checkpoint(entry: Entry, coach) -> checkpoint.Checkpoint | None:
    """Return the journal line's checkpoint if this log signed it and the line tells it truly."""
    try:
        signed = open_checkpoint(entry.note, coach.pk)
    except checkpoint.CheckpointError:
        return None
    return signed if signed.size == entry.size else None


def _facts(entry: Entry) -> dict:
    return {"expected": entry.size, "when": entry.written_at, "reason": entry.reason}


def _b64(raw: bytes | None) -> str | None:
    return base64.b64encode(raw).decode("ascii") if raw is not None else None


def journal_orphans(journal: Journal) -> list[str]:
    """Name each log the journal saw whose account is no longer in the database."""
    ids = list(journal.entries)
    known = {str(pk) for pk in get_user_model().objects.filter(pk__in=ids).values_list("pk", flat=True)}
    problems = []
    for coach_id in ids:
        if coach_id not in known:
            size = max(entry.size for entry in journal.entries[coach_id])
            problems.append(JOURNAL_ORPHAN.format(size=size, origin=origin_for(coach_id)))
    return problems


def consistency_with(coach, kept_checkpoint: str) -> Verification:
    """Prove that the current signed head extends a checkpoint the coach's browser kept.

    This is the quick check run at sign-in: it uses the stored leaf hashes and the signed head.
    `verify_log` (the `ethos audit verify` command) recomputes every leaf as well.
    """
    kept = open_checkpoint(kept_checkpoint, coach.pk)
    report = Verification(coach_id=str(coach.pk))
    head = AuditHead.objects.filter(coach=coach).first()
    if head is None or not head.checkpoint:
        return _fail(report, 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=0))
    current = open_checkpoint(head.checkpoint, coach.pk)
    report.size, report.root_hex = current.size, current.root.hex()
    if kept.size > current.size:
        return _fail(
            report, current.size + 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=current.size)
        )
    leaves = [
        bytes(h)
        for h in AuditEvent.objects.filter(coach=coach, seq__lte=current.size)
        .order_by("seq")
        .values_list("leaf_hash", flat=True)
    ]
    if len(leaves) != current.size:
        return _fail(report, len(leaves) + 1, HEAD_MISMATCH.format(expected=current.size, found=len(leaves)))
    proof = merkle.consistency_proof(kept.size, current.size, leaves.__getitem__)
    if not merkle.verify_consistency(kept.size, current.size, kept.root, current.root, proof):
        return _fail(report, kept.size, CHECKPOINT_INCONSISTENT.format(size=kept.size))
    return report
