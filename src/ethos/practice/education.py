"""Continuing education (P13): activities, the coach's yearly target, and the reminder near year end.

The year is the calendar year. From the first of October (`RUNNING_OUT`) a coach still under their
target gets a P13 warning: on the dashboard and in the compliance report (both only read), and once
a day as a finding in the audit log, written by the background sweep (`education_reminders`), so
that opening a page never writes.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, OuterRef, Subquery, Sum
from django.http import Http404
from django.utils import timezone

from ethos.audit.actions import Action
from ethos.audit.services import audit_append
from ethos.prepared import as_decimal, prepared
from ethos.standards.engine import Subject
from ethos.standards.facts import Facts
from ethos.standards.models import Tally
from ethos.standards.points import Point
from ethos.standards.services import action, enforce

from .models import EducationActivity, PracticeProfile
from .selectors import profile_for
from .supervision import practice_key

HOURS_PLACES = EducationActivity._meta.get_field("hours").decimal_places
TARGET_PLACES = PracticeProfile._meta.get_field("education_target_hours").decimal_places

# From this day of the year on, a coach under target is reminded (a quarter of the year is left).
RUNNING_OUT = (10, 1)
HOURS_MAX = Decimal("200")
TARGET_MAX = Decimal("500")
EVIDENCE_MAX_BYTES = 2 * 1024 * 1024
EVIDENCE_TYPES = {
    "application/pdf": ".pdf",
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "text/plain": ".txt",
}

TITLE_NEEDED = "Write the title of the course, reading or event."
PROVIDER_NEEDED = "Write who provided it (an organisation, an author, a conference)."
TOPIC_UNKNOWN = "Choose the topic closest to it."
HOURS_RANGE = "Enter the hours spent, more than 0 and at most 200 (for example 2.5)."
TARGET_RANGE = "Enter a yearly target of more than 0 and at most 500 hours."
IN_FUTURE = "This date is in the future. Enter the day it happened."
EVIDENCE_TOO_BIG = "The evidence file is larger than 2 MB. Attach a smaller scan or a PDF."
EVIDENCE_TYPE = "Attach the evidence as a PDF, a PNG or JPEG picture, or a text file."


def hours_label(hours: Decimal) -> str:
    """Say a number of hours without trailing zeros: 12, 5.5, 2.25."""
    return format(Decimal(hours).normalize(), "f") if hours else "0"


@dataclass(frozen=True)
class Progress:
    """The hours logged this year against the coach's target (P13)."""

    year: int
    hours: Decimal
    target: Decimal
    activities: int
    running_out: bool

    @property
    def hours_label(self) -> str:
        return hours_label(self.hours)

    @property
    def target_label(self) -> str:
        return hours_label(self.target)

    @property
    def remaining_label(self) -> str:
        return hours_label(self.remaining)

    @property
    def met(self) -> bool:
        return self.hours >= self.target

    @property
    def remaining(self) -> Decimal:
        return max(Decimal("0"), self.target - self.hours)

    @property
    def percent(self) -> int:
        return min(100, int(self.hours * 100 / self.target)) if self.target else 100

    @property
    def behind(self) -> bool:
        """Whether the year is running out with the target not met: the P13 warning."""
        return self.running_out and not self.met


def running_out(day: datetime.date) -> bool:
    return (day.month, day.day) >= RUNNING_OUT


@prepared
def _progress_row(coach, first: datetime.date, last: datetime.date) -> list[tuple]:
    year = (
        EducationActivity.objects.filter(coach=OuterRef("coach"), done_on__gte=first, done_on__lte=last)
        .order_by()
        .values("coach")
    )
    return list(
        PracticeProfile.objects.filter(coach=coach)
        .annotate(
            total=Subquery(year.annotate(total=Sum("hours")).values("total")[:1]),
            activities=Subquery(year.annotate(n=Count("pk")).values("n")[:1]),
        )
        .values_list("education_target_hours", "total", "activities")[:1]
    )


def progress_for(coach, *, today: datetime.date | None = None) -> Progress:
    """Return this year's hours against the target: one prepared query once the profile exists."""
    today = today or timezone.localdate()
    rows = _progress_row(coach, datetime.date(today.year, 1, 1), datetime.date(today.year, 12, 31))
    if not rows:
        # No profile yet (it is made on first use): make it, then read again.
        profile_for(coach)
        return progress_for(coach, today=today)
    [(target, total, activities)] = rows
    return Progress(
        year=today.year,
        hours=as_decimal(total, places=HOURS_PLACES) or Decimal(0),
        target=as_decimal(target, places=TARGET_PLACES),
        activities=activities or 0,
        running_out=running_out(today),
    )


def activities_for(coach, *, limit: int = 200) -> list[EducationActivity]:
    # `defer`: the list never opens the evidence files, so it never decrypts or loads them.
    return list(
        EducationActivity.objects.filter(coach=coach)
        .defer("evidence", "evidence_name")
        .order_by("-done_on", "-created_at")[:limit]
    )


def get_activity_for_coach(coach, pk) -> EducationActivity:
    activity = EducationActivity.objects.filter(coach=coach, pk=pk).select_related("data_key").first()
    if activity is None:
        raise Http404("No such activity.")
    return activity


def _hours(hours: Decimal, maximum: Decimal, message: str, name: str) -> Decimal:
    if not isinstance(hours, Decimal) or not hours.is_finite() or not Decimal("0") < hours <= maximum:
        raise ValidationError({name: [message]})
    return hours.quantize(Decimal("0.01"))


def check_evidence(*, content: bytes, content_type: str) -> None:
    """Refuse an evidence file that is too large or of a kind Ethos does not keep."""
    if len(content) > EVIDENCE_MAX_BYTES:
        raise ValidationError({"evidence": [EVIDENCE_TOO_BIG]})
    if content_type not in EVIDENCE_TYPES:
        raise ValidationError({"evidence": [EVIDENCE_TYPE]})


def education_record(
    *,
    coach,
    title: str,
    provider: str,
    done_on: datetime.date,
    hours: Decimal,
    topic: str,
    evidence: bytes | None = None,
    evidence_name: str = "",
    evidence_type: str = "",
) -> EducationActivity:
    """Log a continuing-education activity (P13), with its evidence file sealed by the practice key."""
    errors = {}
    if not title.strip():
        errors["title"] = [TITLE_NEEDED]
    if not provider.strip():
        errors["provider"] = [PROVIDER_NEEDED]
    if topic not in EducationActivity.Topic.values:
        errors["topic"] = [TOPIC_UNKNOWN]
    if done_on > timezone.localdate():
        errors["done_on"] = [IN_FUTURE]
    if errors:
        raise ValidationError(errors)
    hours = _hours(hours, HOURS_MAX, HOURS_RANGE, "hours")
    if evidence is not None:
        check_evidence(content=evidence, content_type=evidence_type)
    with transaction.atomic():
        activity = EducationActivity(
            coach=coach,
            data_key=practice_key(coach),
            title=title.strip()[:200],
            provider=provider.strip()[:200],
            done_on=done_on,
            hours=hours,
            topic=topic,
            evidence=evidence,
            evidence_name=(evidence_name.strip()[:200] or "evidence") if evidence is not None else None,
            evidence_type=evidence_type if evidence is not None else "",
        )
        activity.save(force_insert=True)
        audit_append(
            coach=coach,
            action=Action.EDUCATION_RECORDED,
            target_type="education_activity",
            target_id=str(activity.pk),
            clauses=["P13"],
            details={"hours": str(hours), "topic": topic, "evidence": evidence is not None},
        )
    return activity


def education_target_set(*, coach, hours: Decimal) -> PracticeProfile:
    """Set the coach's yearly continuing-education target (P13)."""
    hours = _hours(hours, TARGET_MAX, TARGET_RANGE, "hours").quantize(Decimal("0.1"))
    with transaction.atomic():
        profile = PracticeProfile.objects.select_for_update().get(pk=profile_for(coach).pk)
        profile.education_target_hours = hours
        profile.save(update_fields=["education_target_hours"])
        audit_append(
            coach=coach,
            action=Action.EDUCATION_TARGET_SET,
            target_type="practice_profile",
            target_id=str(profile.pk),
            clauses=["P13"],
            details={"hours": str(hours)},
        )
    return profile


def evidence_read(*, coach, activity: EducationActivity) -> tuple[bytes, str, str]:
    """Return (content, type, file name) of an activity's evidence, and audit that it was opened."""
    if activity.coach_id != coach.pk or not activity.has_evidence:
        raise Http404("No evidence file.")
    audit_append(
        coach=coach,
        action=Action.EDUCATION_EVIDENCE_DOWNLOADED,
        target_type="education_activity",
        target_id=str(activity.pk),
    )
    return activity.evidence, activity.evidence_type, activity.evidence_name or "evidence"


def education_reminders(*, today: datetime.date | None = None) -> int:
    """Give every coach who is behind near year end their P13 warning for the day; return how many."""
    from django.contrib.auth import get_user_model

    today = today or timezone.localdate()
    if not running_out(today):
        return 0
    coaches = get_user_model().objects.coaches().filter(is_active=True)
    return sum(education_reminder(coach=coach, today=today).behind for coach in coaches)


def education_reminder(*, coach, today: datetime.date | None = None) -> Progress:
    """Warn (P13, at `report.due`) when the year is running out below target: at most once a day.

    The warning is a finding in the audit log; the day's tally says whether it was given already.
    """
    today = today or timezone.localdate()
    progress = progress_for(coach, today=today)
    if not progress.behind:
        return progress
    start = timezone.make_aware(datetime.datetime.combine(today, datetime.time.min))
    warned = Tally.objects.filter(
        coach=coach, clause="P13", point=Point.REPORT_DUE.value, last_warned_at__gte=start
    ).exists()
    if not warned:
        with action():
            enforce(
                coach=coach,
                point=Point.REPORT_DUE,
                facts=Facts(continuing_education_behind=True),
                subject=Subject(type="practice", id=str(coach.pk)),
            )
    return progress
