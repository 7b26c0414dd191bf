"""Goals in the client's own words (P1), active only once the client confirms them (P5).

Services write: each one checks, writes and appends its audit event in one transaction. Audit
details carry ids and statuses only, never the client's words or scores. Selectors read.
"""

from __future__ import annotations

import datetime
import uuid

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.memo import once
from ethos.prepared import Columns, prepared
from ethos.standards.engine import Subject, Verdict
from ethos.standards.facts import Facts
from ethos.standards.points import Point
from ethos.standards.record_types import RecordType
from ethos.standards.services import action, enforce, open_items_resolve_for

from .chart import Series
from .models import Client, Goal, GoalProgress

WORDS_MAX = 1000
NOTE_MAX = 2000
SCORE_MIN, SCORE_MAX = 0, 10

GOAL_WORDS_NEEDED = "Write the goal in the client's own words."
GOAL_WORDS_TOO_LONG = f"Keep the goal under {WORDS_MAX} characters; it can be refined later with the client."
GOAL_CLIENT_NOT_ACTIVE = "Goals can be written only while coaching with this client is active."
GOAL_NOT_AWAITING = "This goal is already confirmed."
# How the coach's goal page says the client confirms (P5): only they can, in their portal.
CONFIRMED_IN_PORTAL_ONLY = (
    "Only the client can confirm this goal (P5), in their own portal. Share it with them there from "
    "the Portal part of their page; if they are not in the portal yet, invite them first."
)
PROGRESS_NEEDS_ACTIVE_GOAL = (
    "Progress can be recorded only on an active goal, once the client has confirmed it."
)
SCORE_OUT_OF_RANGE = f"The score is a whole number from {SCORE_MIN} to {SCORE_MAX}."
PROGRESS_IN_FUTURE = "Progress can only be recorded for today or an earlier day."
PROGRESS_BEFORE_GOAL = "That day is before the goal was written."
STATUS_CHANGE_REFUSED = "A goal can go from {current} to {target} only through its confirmation."
NOT_YOUR_GOAL = "This goal belongs to another practice."
# Paused or ended coaching keeps its records as they were. Addenda would be the one exception,
# and goals have none yet.
GOALS_READ_ONLY = (
    "Coaching with this client is paused or has ended, so their goals are read-only. "
    "Resume a paused client's coaching to change them."
)

# Who may move a goal where, outside confirmation: the client reaches a goal or sets it aside,
# and may pick it up again. An unconfirmed goal only becomes active through the client's own
# confirmation in their portal (goal_confirm_in_portal, P5).
STATUS_MOVES = {
    Goal.Status.ACTIVE: {Goal.Status.REACHED, Goal.Status.SET_ASIDE},
    Goal.Status.REACHED: {Goal.Status.ACTIVE},
    Goal.Status.SET_ASIDE: {Goal.Status.ACTIVE},
}
STATUS_ACTIONS = {
    Goal.Status.REACHED: Action.GOAL_REACHED,
    Goal.Status.SET_ASIDE: Action.GOAL_SET_ASIDE,
    Goal.Status.ACTIVE: Action.GOAL_REOPENED,
}


def _own(coach, goal: Goal) -> None:
    if goal.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_GOAL)


def _locked(goal: Goal) -> Goal:
    """Re-read the goal's plain columns under a row lock, so two requests cannot both move it.

    A goal changes only while its client's coaching is active (GOALS_READ_ONLY).
    """
    status = Client.objects.select_for_update().values_list("status", flat=True).get(pk=goal.client_id)
    if status != Client.Status.ACTIVE:
        raise ValidationError(GOALS_READ_ONLY)
    fresh = Goal.objects.select_for_update().only("status", "confirmed_at").get(pk=goal.pk)
    goal.status, goal.confirmed_at = fresh.status, fresh.confirmed_at
    return goal


def _audit(*, coach, goal: Goal, action: str, details: dict | None = None, actor: str = "coach") -> None:
    audit_append(
        coach=coach,
        actor=actor,
        action=action,
        target_type="goal",
        target_id=str(goal.pk),
        clauses=["P1", "P5"]
        if action in {Action.GOAL_CREATED, Action.GOAL_CONFIRMED, Action.GOAL_ACTIVATED}
        else [],
        details={"client": str(goal.client_id), **(details or {})},
    )


def goal_create(*, coach, client: Client, words: str) -> Goal:
    """Write a goal in the client's own words (P1); it waits for the client's confirmation (P5)."""
    if client.coach_id != coach.pk:
        raise PermissionError(NOT_YOUR_GOAL)
    words = words.strip()
    if not words:
        raise ValidationError(GOAL_WORDS_NEEDED)
    if len(words) > WORDS_MAX:
        raise ValidationError(GOAL_WORDS_TOO_LONG)
    with transaction.atomic():
        status = Client.objects.select_for_update().values_list("status", flat=True).get(pk=client.pk)
        if status != Client.Status.ACTIVE:
            raise ValidationError(GOAL_CLIENT_NOT_ACTIVE)
        goal = Goal(
            coach=coach,
            client=client,
            data_key=client.data_key,
            words=words,
            client_authored=True,
            status=Goal.Status.AWAITING,
        )
        goal.save(force_insert=True)
        _audit(coach=coach, goal=goal, action=Action.GOAL_CREATED)
    return goal


def goal_activate(*, coach, goal: Goal) -> Verdict:
    """Make a goal active once the client has confirmed it (P5).

    Unconfirmed, it raises ActionStopped: only the finding and its open item
    ("goal_confirmation") are written, and the goal keeps waiting.
    """
    _own(coach, goal)
    with action():
        _locked(goal)
        verdict = enforce(
            coach=coach,
            point=Point.GOAL_ACTIVATE,
            facts=Facts(goal_client_confirmed=goal.confirmed_at is not None),
            subject=Subject.of(goal),
        )
        if goal.status == Goal.Status.AWAITING:
            goal.status = Goal.Status.ACTIVE
            goal.save(update_fields=["status"])
            _audit(coach=coach, goal=goal, action=Action.GOAL_ACTIVATED)
        open_items_resolve_for(
            coach=coach,
            subject=Subject.of(goal),
            record_type=RecordType.GOAL_CONFIRMATION,
            record_id=str(goal.pk),
        )
    return verdict


def goal_confirm_in_portal(*, coach, goal: Goal) -> Goal:
    """Record the client's own confirmation, given in their portal (P5), then make the goal active.

    The client is signed in, not the coach, so nothing encrypted under the coach's keys is written
    here: the words the client confirmed are sealed to the coach by the portal (ethos.portal).
    """
    _own(coach, goal)
    with transaction.atomic():
        _locked(goal)
        if goal.status != Goal.Status.AWAITING or goal.confirmed_at is not None:
            raise ValidationError(GOAL_NOT_AWAITING)
        goal.confirmed_at = timezone.now()
        goal.confirmed_how = Goal.Confirmation.PORTAL
        goal.save(update_fields=["confirmed_at", "confirmed_how"])
        _audit(
            coach=coach,
            goal=goal,
            action=Action.GOAL_CONFIRMED,
            details={"how": str(Goal.Confirmation.PORTAL)},
            actor="client",
        )
        goal_activate(coach=coach, goal=goal)
    return goal


def goal_reword(*, coach, goal: Goal, words: str) -> Goal:
    """Put the client's own rewording of a goal in place of the words it had (P1)."""
    _own(coach, goal)
    words = words.strip()
    if not words:
        raise ValidationError(GOAL_WORDS_NEEDED)
    if len(words) > WORDS_MAX:
        raise ValidationError(GOAL_WORDS_TOO_LONG)
    with transaction.atomic():
        _locked(goal)
        goal.words = words
        goal.client_authored = True
        goal.save(update_fields=["words", "client_authored"])
        _audit(coach=coach, goal=goal, action=Action.GOAL_REWORDED)
    return goal


def goal_progress_add(
    *, coach, goal: Goal, recorded_on: datetime.date, score: int, note: str = ""
) -> GoalProgress:
    """Record where the client says they are with an active goal, from 0 to 10, on a day."""
    _own(coach, goal)
    if isinstance(score, bool) or not isinstance(score, int) or not SCORE_MIN <= score <= SCORE_MAX:
        raise ValidationError(SCORE_OUT_OF_RANGE)
    if recorded_on > timezone.localdate():
        raise ValidationError(PROGRESS_IN_FUTURE)
    if recorded_on < timezone.localdate(goal.created_at):
        raise ValidationError(PROGRESS_BEFORE_GOAL)
    note = note.strip()[:NOTE_MAX]
    with transaction.atomic():
        _locked(goal)
        if goal.status != Goal.Status.ACTIVE:
            raise ValidationError(PROGRESS_NEEDS_ACTIVE_GOAL)
        progress = GoalProgress(
            goal=goal,
            data_key=goal.data_key,
            recorded_on=recorded_on,
            rating={"score": score},
            note=note or None,
        )
        progress.save(force_insert=True)
        _audit(
            coach=coach,
            goal=goal,
            action=Action.GOAL_PROGRESS_RECORDED,
            details={"progress": str(progress.pk)},
        )
    return progress


def goal_set_status(*, coach, goal: Goal, status: Goal.Status | str) -> Goal:
    """Mark a goal reached or set aside, or pick it up again; never activate an unconfirmed goal."""
    _own(coach, goal)
    with transaction.atomic():
        _locked(goal)
        current = Goal.Status(goal.status)
        if status not in STATUS_MOVES.get(current, set()):
            target = Goal.Status(status).label if status in Goal.Status.values else str(status)
            raise ValidationError(STATUS_CHANGE_REFUSED.format(current=current.label, target=target))
        goal.status = status
        goal.save(update_fields=["status"])
        _audit(
            coach=coach,
            goal=goal,
            action=STATUS_ACTIONS[Goal.Status(status)],
            details={"status": str(status)},
        )
    return goal


# -- selectors ------------------------------------------------------------------------------


def get_goal_for_coach(coach, client: Client, pk) -> Goal:
    """Return the coach's goal for this client; anyone else's (or another client's) is a 404."""
    goal = (
        Goal.objects.select_related("data_key")
        .prefetch_related(_progress_prefetch())
        .filter(coach=coach, client=client, pk=pk)
        .first()
    )
    if goal is None:
        raise Http404("No such goal.")
    return goal


def _progress_prefetch() -> Prefetch:
    return Prefetch(
        "progress",
        # Every record of a client is sealed under the client's one data key, which the vault
        # unwraps once per request: joining it to each of dozens of rows only costs time.
        queryset=GoalProgress.objects.order_by("recorded_on", "created_at"),
    )


@once
def goals_for_client(client: Client) -> list[Goal]:
    """Return the client's goals, oldest first (one query); their progress is `progress_for_client`."""
    return _goals_of(client.coach_id, client)


@once
def progress_for_client(client: Client) -> dict:
    """Return each of the client's goals' progress as (day, score) pairs in date order (one query).

    Read as plain rows and each score opened from its row (`EncryptedField.open_row`): the page
    needs two values of each entry, and building a record per entry cost more than opening it.
    The words the client gave with each score are not read (they are on the goal's own page).
    """
    found = goals_for_client(client)
    points: dict = {goal.pk: [] for goal in found}
    if found:
        # A row's goal and key are ids the page already has (the goals', the client's key): found
        # by the column's own value rather than made into a UUID again for each of dozens of rows.
        goals = {Goal._meta.pk.get_db_prep_value(goal.pk, connection): goal.pk for goal in found}
        keys: dict = {}
        for pk, data_key, goal, recorded_on, rating in _progress_rows(client):
            if data_key not in keys:
                keys[data_key] = _as_uuid(data_key)
            goal_id = goals.get(goal) or _as_uuid(goal)
            score = _score(_RATING.open_row(rating, pk=_as_uuid(pk), data_key_id=keys[data_key]))
            points[goal_id].append((recorded_on, score))
    return {pk: tuple(entries) for pk, entries in points.items()}


def _as_uuid(value) -> uuid.UUID:
    # An id as the database driver hands it back: a UUID (PostgreSQL) or its text (SQLite).
    return value if isinstance(value, uuid.UUID) else uuid.UUID(value)


# The day and the sealed score only, the ids as the driver gives them: the chart and its table show
# nothing else. The day and the score go through their fields' converters; the ids stay as they are.
_PROGRESS = Columns(
    None, None, None, GoalProgress._meta.get_field("recorded_on"), GoalProgress._meta.get_field("rating")
)


def _progress_rows(client: Client) -> list[list]:
    return _PROGRESS.read(_progress_of(client.coach_id, client))


# The client page reads these on every view: their SQL is built once per process (ethos.prepared).
@prepared
def _goals_of(coach_id, client: Client):
    return Goal.objects.filter(coach_id=coach_id, client=client).order_by("created_at", "id")


# Evaluated here, so that `prepared` hands back the driver's rows as they are (ids not made into
# UUIDs: see progress_for_client) rather than through the ORM's converters.
@prepared
def _progress_of(coach_id, client: Client) -> list[tuple]:
    return list(
        GoalProgress.objects.filter(goal__coach_id=coach_id, goal__client=client)
        .order_by("recorded_on", "created_at")
        .values_list("id", "data_key_id", "goal_id", "recorded_on", "rating")
    )


_RATING = GoalProgress._meta.get_field("rating")


def _score(rating: dict) -> int:
    return int(rating.get("score", 0))


def progress_score(progress: GoalProgress) -> int:
    return _score(progress.rating)


def chart_series(goals: list[Goal]) -> list[Series]:
    """Turn goals (with prefetched progress) into chart lines; goals without progress draw nothing."""
    return [
        Series(
            label=goal.words, points=tuple((p.recorded_on, progress_score(p)) for p in goal.progress.all())
        )
        for goal in goals
    ]
