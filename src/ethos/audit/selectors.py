"""Read the audit log: the chain head, events for the Activity page, proofs and verification."""

from __future__ import annotations

import base64
import datetime
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ethos.paging import OpenPage
from ethos.prepared import prepared
from ethos.vault import crypto
from ethos.vault.context import current_vault
from ethos.web import COACH

from . import checkpoint, merkle
from .actions import Action
from .journal import Entry, Journal
from .keys import open_checkpoint, origin_for
from .models import CANONICAL_FIELDS, AuditEvent, AuditHead, AuditNode, canonical_bytes
from .services import sealed_details_aad


@dataclass(frozen=True)
class ChainHead:
    size: int
    root_hex: str
    checkpoint: str


@prepared
def _head_of(coach):
    return AuditHead.objects.filter(coach=coach).order_by("pk")[:1]


def chain_head(coach) -> ChainHead:
    # Every page of a signed-in coach reads it (audit_watch): its SQL is built once (ethos.prepared).
    head = next(iter(_head_of(coach)), None)
    if head is None or head.size == 0:
        return ChainHead(size=0, root_hex=merkle.EMPTY_ROOT.hex(), checkpoint="")
    compact = merkle.CompactRange.from_dict(head.compact)
    return ChainHead(size=head.size, root_hex=compact.root().hex(), checkpoint=head.checkpoint)


def request_chain_head(request) -> ChainHead:
    """Read the signed-in coach's chain head once per request, however many parts of a page ask.

    For pages that read (GET): a request that appends events reads `chain_head` after writing.
    """
    head = getattr(request, "_ethos_chain_head", None)
    if head is None:
        head = request._ethos_chain_head = chain_head(request.user)
    return head


def chain_head_appended(request, event) -> ChainHead:
    """Note the head that an append of this request just wrote, so the page does not read it again.

    The event carries the size, root and signed checkpoint the append left on the head row: the
    same as `chain_head` would read back once the change is committed.
    """
    head = request._ethos_chain_head = head_after(event)
    return head


def head_after(event) -> ChainHead:
    """The chain head that appending `event` left: its size, root and signed checkpoint.

    The same as `chain_head` reads back once the append is committed, without reading it.
    """
    return ChainHead(size=event.seq, root_hex=bytes(event.root_after).hex(), checkpoint=event.checkpoint)


def events_for(coach, *, action: str | Iterable[str] = "", since=None, until=None):
    """Return the coach's events, newest first; `action` is one action or a list of them."""
    events = AuditEvent.objects.filter(coach=coach).order_by("-seq")
    if isinstance(action, str) and action:
        events = events.filter(action=action)
    elif not isinstance(action, str):
        events = events.filter(action__in=list(action))
    # Days are the coach's local days, compared as a time range so the (coach, seq) order stays
    # on the index instead of casting every event's time to a date.
    if since:
        events = events.filter(created_at__gte=_day_start(since))
    if until:
        events = events.filter(created_at__lt=_day_start(until + datetime.timedelta(days=1)))
    return events.defer("leaf_hash", "root_after")


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def activity_page(events, *, number: int, size: int, total: int | None = None) -> OpenPage:
    """Return page `number` of `events` in one query: one row more than a page says if there is more.

    `total` (the chain head's size, when nothing is filtered) gives the number of pages without a
    COUNT over the log; a page past the end shows the last one.
    """
    pages = max(1, -(-total // size)) if total is not None else None
    number = min(max(1, number), pages or number)
    rows = list(events[(number - 1) * size : number * size + 1])
    if not rows and number > 1 and pages is None:
        return activity_page(events, number=1, size=size)
    return OpenPage(items=rows[:size], number=number, has_next=len(rows) > size, pages=pages)


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
    Action.PRACTICE_CLOSURE_OPENED: "The association revoked your certification: close your practice",
    Action.REPORT_WITNESSED: "The association witnessed and cosigned your log checkpoint",
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
    Action.SESSION_SCHEDULED: "You scheduled a session with a client",
    Action.SESSION_RESCHEDULED: "You moved a session to another time",
    Action.SESSION_CANCELLED: "A session was cancelled",
    Action.SESSION_STARTED: "You started a session after the pre-session checks",
    Action.SESSION_NOT_STARTED: "A session could not start after the pre-session checks",
    Action.SESSION_CLOSED: "You closed a session after the close-of-session check",
    Action.SESSION_KEPT_OPEN: "You kept a session open because the client was not yet safe to leave",
    Action.SESSION_SAFETY_PLAN_RECORDED: "You recorded how you helped a client back to safety in a session",
    Action.SESSION_FOLLOW_UP_RESOLVED: "You talked a follow-up through with a client in a session",
    Action.CALENDAR_FEED_CREATED: "You made a new private address for your calendar feed",
    Action.NOTE_SAVED: "You saved a session note",
    Action.NOTE_SIGNED: "You signed a session note",
    Action.NOTE_ADDENDUM_ADDED: "You added a dated addendum to a signed session note",
    Action.NOTE_FINDING_NOT_APPLICABLE: "You recorded why a note checker finding does not apply",
    Action.NOTE_SCOPE_REVIEWED: "You recorded a scope review after risk came up in a session note",
    Action.NOTE_BOUNDARY_REVIEWED: "You recorded a boundary review after a session note touched on one",
    Action.SUPERVISOR_ADDED: "You added a supervisor and how you checked their qualification",
    Action.SUPERVISION_RECORDED: "You logged a supervision",
    Action.EDUCATION_RECORDED: "You logged continuing education",
    Action.EDUCATION_TARGET_SET: "You changed your yearly continuing-education target",
    Action.EDUCATION_EVIDENCE_DOWNLOADED: "You downloaded the evidence of a continuing-education activity",
    Action.BOUNDARY_AGREEMENT_SIGNED: "You kept a boundary agreement a client signed",
    Action.BOUNDARY_CONTACT_LOGGED: "You logged contact with a client outside a session",
    Action.BOUNDARY_REVIEWED: "You recorded a boundary review after contact outside coaching",
    Action.BOUNDARY_RELATIONSHIP_DECLARED: "You declared a relationship with a client other than coaching",
    Action.SAFEGUARDING_REPORT_TASK_OPENED: "A mandatory report became due: a client disclosed abuse",
    Action.SAFEGUARDING_REPORT_RECORDED: "You recorded the report you made to a protective agency",
    Action.SAFEGUARDING_FLAG_DISMISSED: "You recorded why words the checker flagged are not a disclosure",
    Action.SAFEGUARDING_CONSENT_RECORDED: "You recorded a client's written consent to share records",
    Action.SAFEGUARDING_CONSENT_REVOKED: "You recorded that a client withdrew a consent to share",
    Action.SAFEGUARDING_COURT_ORDER_RECORDED: "You recorded a subpoena or court order for a client's records",
    Action.SAFEGUARDING_DISCLOSED: "Client information left your practice, with its basis recorded",
    Action.SAFEGUARDING_DISCLOSURE_ANNOTATED: "You added a note to a disclosure in the accounting",
    Action.SAFEGUARDING_EMERGENCY_REVIEWED: "You reviewed an emergency disclosure afterwards",
    Action.SAFEGUARDING_ACCOUNTING_PRINTED: "You printed a client's accounting of disclosures for them",
    Action.SAFEGUARDING_COPY_DOWNLOADED: "You downloaded your copy of a safeguarding document",
    Action.MONEY_AGREEMENT_MADE: "You made a fee agreement with a client",
    Action.MONEY_PACKAGE_SOLD: "You recorded a prepaid package of sessions",
    Action.MONEY_PACKAGE_CLOSED: "A prepaid package closed, with its unused sessions owed back",
    Action.MONEY_CHARGES_ADDED: "You brought a client's charges up to date from their sessions",
    Action.MONEY_PAYMENT_RECORDED: "You recorded a payment for coaching",
    Action.MONEY_GIFT_RECORDED: "You recorded a client's gift as declined or returned",
    Action.MONEY_INVOICE_ISSUED: "You issued an invoice",
    Action.MONEY_DOCUMENT_PRINTED: "You printed an invoice or receipt for a client",
    Action.GOAL_REWORDED: "You took up a client's own wording of a goal",
    Action.PORTAL_INVITED: "You invited a client to their portal",
    Action.PORTAL_ACCOUNT_CREATED: "A client set up their portal account",
    Action.PORTAL_LINK_RESENT: "You sent a client a new portal sign-in link",
    Action.PORTAL_PASSPHRASE_RESET: "A client set a new portal passphrase, with a new key pair",
    Action.PORTAL_INTAKE_SENT: "A client sent their intake answers through the portal",
    Action.PORTAL_INTAKE_RECORDED: "You recorded a client's intake from their own answers",
    Action.PORTAL_CRISIS_SHOWN: "The portal showed a client the crisis numbers",
    Action.PORTAL_SHARED: "You shared something with a client in their portal",
    Action.PORTAL_GOAL_REWORDED: "A client changed the wording of a goal in their portal",
    Action.PORTAL_SIGNED: "A client signed in their portal",
    Action.PORTAL_MESSAGE_SENT: "A portal message was sent",
    Action.PORTAL_MESSAGES_READ: "You read a client's portal messages",
    Action.PORTAL_ENDING_ASKED: "A client chose to end coaching in their portal",
    Action.CERTIFICATION_REGISTERED: "A certification was added to the registry",
    Action.CERTIFICATION_STATUS_CHANGED: "A certification's standing was changed",
    Action.CERTIFICATION_CONDITIONS_CHANGED: "The conditions of a certification were changed",
    Action.CASE_COMPLAINT_RECEIVED: "A complaint came in through the public form",
    Action.CASE_COMPLAINT_READ: "A member of staff opened a sealed complaint",
    Action.CASE_COMPLAINT_CLOSED: "A complaint was closed at screening as outside the association's remit",
    Action.CASE_OPENED: "An ethics case was opened and the coach was told",
    Action.CASE_COACH_RESPONDED: "The coach sent a written response to an ethics case",
    Action.CASE_STAGE_CHANGED: "An ethics case moved to another stage",
    Action.CASE_CONFLICT_DECLARED: "A member of staff declared a link to a party of an ethics case",
    Action.CASE_PANEL_APPOINTED: "A panel was appointed to an ethics case",
    Action.CASE_VOTE_RECORDED: "A panel member's vote was recorded",
    Action.CASE_DECIDED: "A panel decided an ethics case",
    Action.CASE_APPEAL_LODGED: "An appeal against a decision was lodged",
    Action.CASE_APPEAL_DECIDED: "An appeal panel decided an appeal on the record",
    Action.CASE_INTERIM_SUSPENDED: "A certification was suspended while an ethics case is open",
    Action.CASE_FINALISED: "An ethics case's outcome became final",
    Action.CREDENTIAL_ISSUED: "A verifiable certificate was issued",
    Action.CREDENTIAL_DOWNLOADED: "A verifiable certificate was downloaded",
    Action.STAFF_ADDED: "An association staff account was added",
    Action.CHECKPOINT_WITNESSED: "A practice's log checkpoint was witnessed and cosigned",
    Action.CHECKPOINT_REFUSED: "The association's witness refused a practice's log checkpoint",
    Action.PORTAL_UPLOADED: "A client sent you a file through their portal",
    Action.PORTAL_UPLOAD_DOWNLOADED: "You downloaded a file a client sent you",
    Action.PORTAL_RECORD_DOWNLOADED: "A client downloaded a document from their portal",
}
UNKNOWN_SENTENCE = "Something happened that this version of Ethos has no words for"

# Where an event's record lives: (URL name, link text, whether the URL takes the target id).
TARGET_LINKS = {
    "client": ("clients:detail", "Open the client's record", True),
    "resource": ("referrals:detail", "Open the service", True),
    "open_item": ("standards:open_item", "Open the item", True),
    "practice_profile": ("practice:profile", "Open your practice profile", False),
    "credential": ("practice:credentials", "Open your credentials", False),
    "supervisor": ("practice:supervision", "Open your supervision log", False),
    "supervision_entry": ("practice:supervision_entry", "Open the supervision", True),
    "education_activity": ("practice:education", "Open your continuing education", False),
    "session": ("coaching:detail", "Open the session", True),
    "reporttask": ("safeguarding:task", "Open the report task", True),
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
EVENT_HASHES_CHANGED = (
    "Event {seq} matches its signed checkpoint, but its stored leaf hash or tree root was changed after "
    "it was written."
)
NODE_CHANGED = (
    "The stored hash of events {first}..{last} does not match those events: it was changed after it was "
    "written. The events verify, but the check at sign-in reads this hash and would report a rewritten "
    "history."
)
NODES_PAST_END = (
    "Stored hashes cover events up to {last}, but the log has only {found}: events were removed from its end."
)
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


# Events read per query, and the most checkpoints one verified signature vouches for at a time.
VERIFY_CHUNK = 2000

# What verify_log reads of each event: the canonical fields after the coach, then the proofs.
_VERIFY_FIELDS = (*CANONICAL_FIELDS[1:], "leaf_hash", "root_after", "checkpoint")


def verify_log(
    coach,
    *,
    kept_checkpoint: str | None = None,
    witnessed: Sequence[Entry] = (),
    every_signature: bool = False,
    progress: Callable[[int], None] | None = None,
) -> Verification:
    """Recompute the coach's tree from the stored events and check every signed checkpoint.

    `progress(events read)` is called before the first event, every VERIFY_CHUNK events and after
    the last one.

    `witnessed` are the coach's lines of the checkpoint journal (read before the events, so that
    appends made meanwhile only make the log longer): the log must extend every one of them.

    Rows are read as tuples in chunks, never as models, and stored hashes (leaf, root, subtree
    nodes) are compared with the recomputed ones, never trusted. Not every Ed25519 signature is
    verified, and that proves as much, for this reason. Every event's checkpoint text must name
    exactly its own seq and the root recomputed from the events up to it (string work). The
    signature is verified on the last checkpoint of every VERIFY_CHUNK events, of the log, and on
    the head. A valid signature over (k, R_k), with R_k recomputed from the stored events 1..k,
    shows the server (which signs only trees it has built by appending) held exactly those k events
    in that order: an RFC 9162 root commits to every leaf and its position, and another list of
    events with the same root is a SHA-256 collision. The tree at any size j < k is a prefix of
    that tree, so event j's checkpoint text, checked to say (j, R_j), says what the server signed
    at j. Verifying j's own signature would tell nothing more about the events; it could only
    find damaged bytes in that one signature line, which prove nothing false. That is looked for
    only with `every_signature` (`ethos audit verify --every-signature`, one verification per
    event, about 0.08 ms each).

    The first tampered event is still named exactly: when any check fails, the checkpoints since
    the last verified signature are verified one by one, in order, so the event named is the one
    a verification of every signature names. An event edited along with a checkpoint forged to
    match it is caught there: the next checkpoint (or the head), signed over the original events,
    does not match the recomputed tree, or its signature fails.
    """
    report = Verification(coach_id=str(coach.pk))
    kept = open_checkpoint(kept_checkpoint, coach.pk) if kept_checkpoint else None
    # The recomputed root at the sizes someone outside the database saw.
    wanted = {entry.size for entry in witnessed} | ({kept.size} if kept else set())
    roots: dict[int, bytes] = {}
    origin = origin_for(coach.pk)
    compact = merkle.CompactRange()
    leaves: list[bytes] = []
    nodes = _Nodes(coach)
    # (seq, checkpoint text, recomputed root) of the checkpoints whose signature is not yet verified.
    pending: list[tuple[int, str, bytes]] = []
    batch = 1 if every_signature else VERIFY_CHUNK
    rows = (
        AuditEvent.objects.filter(coach=coach)
        .order_by("seq", "id")
        .values_list(*_VERIFY_FIELDS)
        .iterator(chunk_size=VERIFY_CHUNK)
    )
    if progress is not None:
        progress(0)
    for position, (seq, *fields, stored_leaf, stored_root, note) in enumerate(rows, 1):
        if seq != position:
            if _first_bad_checkpoint(report, pending, coach, every=True):
                return report
            message = EVENT_MISSING if seq > position else EVENT_OUT_OF_PLACE
            return _fail(report, position, message.format(seq=position))
        leaf = merkle.leaf_hash(canonical_bytes(coach.pk, seq, *fields))
        nodes.check(compact.append(leaf))
        root = compact.root()
        leaves.append(leaf)
        if position in wanted:
            roots[position] = root
        pending.append((position, note, root))
        if progress is not None and position % VERIFY_CHUNK == 0:
            progress(position)
        # The checkpoint's text must be "<origin>\n<seq>\n<root>\n" and nothing more: then a blank
        # line and signature lines, with no second blank line (which would make them text).
        text = f"{origin}\n{position}\n{_b64(root)}\n\n{checkpoint.EM_DASH} "
        said = note.startswith(text) and note.endswith("\n") and note.find("\n\n", len(text)) < 0
        kept_hashes = bytes(stored_leaf) == leaf and bytes(stored_root) == root
        if not (said and kept_hashes) or len(pending) >= batch:
            if _first_bad_checkpoint(report, pending, coach, every=not (said and kept_hashes)):
                return report
            pending.clear()
            if not kept_hashes:
                return _fail(report, position, EVENT_HASHES_CHANGED.format(seq=position))
    if pending and _first_bad_checkpoint(report, pending, coach, every=False):
        return report
    if progress is not None:
        progress(compact.size)
    report.size = compact.size
    report.root_hex = compact.root().hex()
    roots[compact.size] = compact.root()

    head = AuditHead.objects.filter(coach=coach).values_list("size", "checkpoint").first()
    if head is not None and head[1]:
        try:
            signed_head = open_checkpoint(head[1], coach.pk)
        except checkpoint.CheckpointError:
            signed_head = None
        if signed_head is None or signed_head.size != compact.size:
            expected = signed_head.size if signed_head else head[0]
            return _fail(
                report, compact.size + 1, HEAD_MISMATCH.format(expected=expected, found=compact.size)
            )

    if witnessed and not _extends_witnessed(report, coach, witnessed, leaves, roots, nodes.recomputed):
        return report
    if compact.size == 0 and getattr(coach, "role", COACH) == COACH and coach.last_login:
        # Creating a coach and every sign-in are events: the empty log of one who signed in was erased.
        when = coach.last_login.date().isoformat()
        return _fail(report, 1, SIGNED_IN_BUT_EMPTY.format(when=when))

    if kept is not None:
        if kept.size > compact.size:
            return _fail(
                report, compact.size + 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=compact.size)
            )
        proof = merkle.consistency_proof(kept.size, compact.size, leaves.__getitem__, cache=nodes.recomputed)
        if not merkle.verify_consistency(kept.size, compact.size, kept.root, compact.root(), proof):
            report.problems.append(CHECKPOINT_INCONSISTENT.format(size=kept.size))
            report.first_bad_seq = kept.size
            return report

    # Last: the events verify, so a wrong stored subtree hash is damage to derived data (or what a
    # cut history left behind), which the events' own problems above explain better when present.
    nodes.report(report, compact.size)
    return report


def _first_bad_checkpoint(
    report: Verification, pending: Sequence[tuple[int, str, bytes]], coach, *, every: bool
) -> bool:
    """Verify the pending checkpoints (the last one, or each in order); record the first bad one."""
    for seq, note, root in pending if every else pending[-1:]:
        try:
            signed = open_checkpoint(note, coach.pk)
        except checkpoint.CheckpointError:
            problem = EVENT_SIGNATURE
        else:
            problem = (
                EVENT_SIGNATURE if signed.size != seq else EVENT_CHANGED if signed.root != root else None
            )
        if problem is not None:
            if not every:
                # Name the first one: verify every pending checkpoint, in order.
                return _first_bad_checkpoint(report, pending, coach, every=True)
            _fail(report, seq, problem.format(seq=seq))
            return True
    return False


class _Nodes:
    """The coach's stored subtree hashes, checked against the ones recomputed from the events."""

    def __init__(self, coach) -> None:
        stored = AuditNode.objects.filter(coach=coach).values_list("level", "index", "hash")
        self.stored = {(level, index): bytes(h) for level, index, h in stored.iterator(VERIFY_CHUNK)}
        self.recomputed: dict[tuple[int, int], bytes] = {}
        self.changed: tuple[int, int] | None = None

    def check(self, completed: Sequence[merkle.Node]) -> None:
        for node in completed:
            slot = (node.level, node.index)
            self.recomputed[slot] = node.hash
            # A missing one is not a problem: proofs compute it from the leaves (a log restored
            # from a backup older than the stored nodes has none).
            stored = self.stored.pop(slot, None)
            if stored is not None and stored != node.hash and self.changed is None:
                self.changed = slot

    def report(self, report: Verification, size: int) -> None:
        if self.changed is not None:
            level, index = self.changed
            first = (index << level) + 1
            _fail(report, first, NODE_CHANGED.format(first=first, last=first - 1 + (1 << level)))
        elif self.stored:
            # What is left covers events past the end: a node for every complete subtree was popped.
            last = max((index + 1) << level for level, index in self.stored)
            _fail(report, size + 1, NODES_PAST_END.format(last=last, found=size))


def _extends_witnessed(
    report: Verification,
    coach,
    witnessed: Sequence[Entry],
    leaves: list[bytes],
    roots: dict[int, bytes],
    cache: merkle.SubtreeCache,
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
    proof = merkle.consistency_proof(seen.size, size, leaves.__getitem__, cache=cache)
    current = roots.get(size, merkle.EMPTY_ROOT)
    consistent = merkle.verify_consistency(seen.size, size, seen.root, current, proof)
    # Earlier lines too: events cut and then followed by new ones would hide behind a later line.
    # The recomputation kept the root at every size a line names, so each line is one comparison.
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

    This is the quick check run at sign-in: the signed head, then the RFC 9162 consistency proof
    built from the stored subtree hashes, in at most three queries and O(log n) rows whatever the
    log's size. Stored hashes need no trust: a proof built from a wrong one does not verify
    against the two signed roots. `verify_log` (`ethos audit verify`) recomputes every leaf.
    """
    kept = open_checkpoint(kept_checkpoint, coach.pk)
    report = Verification(coach_id=str(coach.pk))
    note = AuditHead.objects.filter(coach=coach).values_list("checkpoint", flat=True).first()
    if not note:
        return _fail(report, 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=0))
    current = open_checkpoint(note, coach.pk)
    report.size, report.root_hex = current.size, current.root.hex()
    if kept.size > current.size:
        return _fail(
            report, current.size + 1, CHECKPOINT_AHEAD.format(expected=kept.size, found=current.size)
        )
    proof = consistency_proof_for(coach, kept.size, current.size)
    if proof is None:
        found = AuditEvent.objects.filter(coach=coach, seq__lte=current.size).count()
        return _fail(report, found + 1, HEAD_MISMATCH.format(expected=current.size, found=found))
    if not merkle.verify_consistency(kept.size, current.size, kept.root, current.root, proof):
        return _fail(report, kept.size, CHECKPOINT_INCONSISTENT.format(size=kept.size))
    return report


def consistency_proof_for(coach, old_size: int, new_size: int) -> list[bytes] | None:
    """Return the consistency proof between two sizes of the coach's log, from stored hashes.

    None when a leaf hash it needs is not stored (events were removed).
    """
    return _stored_proof(
        coach, lambda get, cache: merkle.consistency_proof(old_size, new_size, get, cache=cache)
    )


def inclusion_proof_for(coach, seq: int, size: int) -> list[bytes] | None:
    """Return the inclusion proof of event `seq` in the coach's log at `size`, from stored hashes.

    None when a leaf hash it needs is not stored (events were removed).
    """
    return _stored_proof(coach, lambda get, cache: merkle.inclusion_proof(seq - 1, size, get, cache=cache))


def _stored_proof(coach, build: Callable[[merkle.GetLeafHash, merkle.SubtreeCache], list[bytes]]):
    """Run a proof over the stored nodes it needs (one query) and the leaf hashes below them (one)."""
    reads = merkle.proof_reads(build)
    cache: dict[tuple[int, int], bytes] = {}
    if reads.nodes:
        by_level: dict[int, list[int]] = {}
        for level, index in reads.nodes:
            by_level.setdefault(level, []).append(index)
        # The coach in every term, not around the OR: then each term is one seek in the unique
        # (coach, level, index) index (SQLite would otherwise scan all the coach's nodes).
        wanted = Q()
        for level, indexes in by_level.items():
            wanted |= Q(coach=coach, level=level, index__in=indexes)
        node_rows = AuditNode.objects.filter(wanted).order_by().values_list("level", "index", "hash")
        cache.update(((level, index), bytes(h)) for level, index, h in node_rows)
    # A node that is not stored (a log restored from a backup made before nodes were) is computed
    # from its leaves: still right, only slower.
    spans = [(i, i + 1) for i in reads.leaves]
    spans += [(index << level, (index + 1) << level) for level, index in reads.nodes - cache.keys()]
    leaves: dict[int, bytes] = {}
    if spans:
        wanted = Q()
        for begin, end in _merged(spans):
            wanted |= Q(coach=coach, seq__gt=begin, seq__lte=end)
        leaf_rows = AuditEvent.objects.filter(wanted).order_by().values_list("seq", "leaf_hash")
        # A damaged leaf hash (not 32 bytes) makes the proof fail to verify, as a damaged node does.
        leaves = {
            seq - 1: bytes(h) if len(h) == merkle.HASH_LEN else bytes(merkle.HASH_LEN) for seq, h in leaf_rows
        }
    try:
        return build(leaves.__getitem__, cache)
    except KeyError:
        return None


def _merged(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """Merge half-open ranges that touch or overlap."""
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((begin, end))
    return merged
