"""Session pages: the agenda, the week, scheduling, the session with its checks, the calendar feed."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ethos.standards.engine import ActionStopped
from ethos.web import apply_errors

from . import selectors, services
from .forms import (
    CancelForm,
    CloseForm,
    FollowUpForm,
    RescheduleForm,
    SafetyPlanForm,
    ScheduleForm,
    StartForm,
)
from .models import Session

SCHEDULED = "Session scheduled for {when:%A %d %B at %H:%M}."
CANCELLED = "Session cancelled."
CANCELLED_NO_FEE = "Session cancelled, without charge to the client."
MOVED = "Session moved to {when:%A %d %B at %H:%M}."
STARTED = "The session has started."
CLOSED = "The session is closed."
FOLLOW_UP_DONE = "Recorded: the follow-up was talked through."
FEED_MADE = "Your new calendar address is below. Copy it now: Ethos keeps only a fingerprint of it."


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _to_session(session: Session) -> HttpResponse:
    return redirect("coaching:detail", pk=session.pk)


@require_GET
def session_list(request: HttpRequest) -> HttpResponse:
    """The agenda: sessions from today on, soonest first, a page at a time."""
    page = selectors.agenda(request.user, page=request.GET.get("page"))
    return render(request, "coaching/list.html", {"page": page, "rows": selectors.agenda_rows(page)})


@require_GET
def week(request: HttpRequest) -> HttpResponse:
    """Seven days of sessions, from the Monday of the week asked for (`?start=YYYY-MM-DD`)."""
    try:
        day = datetime.date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        day = timezone.localdate()
    monday = selectors.week_start(day)
    context = {
        "days": selectors.week(request.user, monday=monday),
        "monday": monday,
        "previous": monday - datetime.timedelta(days=7),
        "next": monday + datetime.timedelta(days=7),
    }
    return render(request, "coaching/week.html", context)


@require_http_methods(["GET", "POST"])
def schedule(request: HttpRequest) -> HttpResponse:
    clients = selectors.active_clients(request.user)
    form = ScheduleForm(_post(request), clients=clients, initial={"client": request.GET.get("client", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            session = services.session_schedule(
                coach=request.user,
                client=form.chosen_client(),
                starts_at=form.starts_at(),
                duration_minutes=data["duration_minutes"],
                modality=data["modality"],
                place=data["place"],
            )
        except ValidationError as error:
            apply_errors(form, _on_time_fields(error))
        else:
            messages.success(request, SCHEDULED.format(when=session.local_start))
            return _to_session(session)
    return render(request, "coaching/schedule.html", {"form": form, "has_clients": bool(clients)})


def _on_time_fields(error: ValidationError) -> ValidationError:
    """Put a service's error about `starts_at` on the form's day field."""
    if hasattr(error, "error_dict") and "starts_at" in error.error_dict:
        errors = dict(error.message_dict)
        errors["day"] = errors.pop("starts_at")
        return ValidationError(errors)
    return error


@require_GET
def detail(request: HttpRequest, pk) -> HttpResponse:
    session = selectors.get_session_page_for_coach(request.user, pk)
    return _session_page(request, session)


def _session_page(request, session, **extra) -> HttpResponse:
    record = selectors.session_record(session)
    context = {
        "session": session,
        "client": session.client,
        "record": record,
        "start_form": StartForm(),
        "close_form": CloseForm(),
        "follow_up_form": FollowUpForm(),
        "grounding_steps": services.GROUNDING_STEPS,
        "note": selectors.note_state(session),
        **extra,
    }
    if record.kept_open and session.status == Session.Status.STARTED:
        context.setdefault("safety_form", SafetyPlanForm())
    return render(request, "coaching/detail.html", context)


@require_POST
def start(request: HttpRequest, pk) -> HttpResponse:
    """The pre-session checks (P14, S3); a stop shows its verdict and the way to move the session."""
    session = selectors.get_session_for_coach(request.user, pk)
    form = StartForm(request.POST)
    if form.is_valid():
        try:
            services.session_start(
                coach=request.user,
                session=session,
                coach_fit=form.cleaned_data["coach_fit"] == "yes",
                presentation=form.cleaned_data["presentation"],
            )
        except ActionStopped as stopped:
            return _session_page(request, session, verdict=stopped.verdict, start_form=form)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, STARTED)
            return _to_session(session)
    return _session_page(request, session, start_form=form)


@require_POST
def close(request: HttpRequest, pk) -> HttpResponse:
    """The close-of-session check (P6, S4); an unsafe client keeps the session open."""
    session = selectors.get_session_for_coach(request.user, pk)
    form = CloseForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        reflection = services.Reflection(
            safety_offered=data["safety_offered"] == "yes",
            choice_offered=data["choice_offered"] == "yes",
            collaboration_offered=data["collaboration_offered"] == "yes",
            words=data["words"],
        )
        try:
            services.session_close(
                coach=request.user, session=session, leaving=data["leaving"], reflection=reflection
            )
        except ActionStopped as stopped:
            return _session_page(request, session, verdict=stopped.verdict)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, CLOSED)
            return _to_session(session)
    return _session_page(request, session, close_form=form)


@require_POST
def safety(request: HttpRequest, pk) -> HttpResponse:
    """Record the grounding or safety plan with an unsafe client (P6); it closes the session."""
    session = selectors.get_session_for_coach(request.user, pk)
    form = SafetyPlanForm(request.POST)
    if form.is_valid():
        try:
            services.safety_plan_record(coach=request.user, session=session, **form.cleaned_data)
        except ActionStopped as stopped:
            return _session_page(request, session, verdict=stopped.verdict, safety_form=form)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, CLOSED)
            return _to_session(session)
    return _session_page(request, session, safety_form=form)


@require_POST
def follow_up(request: HttpRequest, pk, follow_up_pk) -> HttpResponse:
    """Record that an open follow-up was talked through in this session (S3)."""
    session = selectors.get_session_for_coach(request.user, pk)
    item = selectors.get_follow_up_for_coach(request.user, session, follow_up_pk)
    form = FollowUpForm(request.POST)
    if form.is_valid():
        try:
            services.follow_up_resolve(
                coach=request.user, follow_up=item, session=session, how=form.cleaned_data["how"]
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, FOLLOW_UP_DONE)
            return _to_session(session)
    return _session_page(request, session, follow_up_form=form)


@require_http_methods(["GET", "POST"])
def cancel(request: HttpRequest, pk) -> HttpResponse:
    session = selectors.get_session_for_coach(request.user, pk)
    form = CancelForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.session_cancel(coach=request.user, session=session, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, CANCELLED_NO_FEE if session.no_fee else CANCELLED)
            return _to_session(session)
    return render(
        request, "coaching/cancel.html", {"session": session, "client": session.client, "form": form}
    )


@require_http_methods(["GET", "POST"])
def reschedule(request: HttpRequest, pk) -> HttpResponse:
    session = selectors.get_session_for_coach(request.user, pk)
    initial = {
        "duration_minutes": session.duration_minutes,
        "modality": session.modality,
        "place": session.place,
    }
    form = RescheduleForm(_post(request), initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            moved = services.session_reschedule(
                coach=request.user,
                session=session,
                starts_at=form.starts_at(),
                duration_minutes=data["duration_minutes"],
                modality=data["modality"],
                place=data["place"],
                cancelled_by=data["cancelled_by"],
                reason=data["reason"],
            )
        except ValidationError as error:
            apply_errors(form, _on_time_fields(error))
        else:
            messages.success(request, MOVED.format(when=moved.local_start))
            return _to_session(moved)
    return render(
        request, "coaching/reschedule.html", {"session": session, "client": session.client, "form": form}
    )


@require_http_methods(["GET", "POST"])
def calendar_settings(request: HttpRequest) -> HttpResponse:
    """Make or replace the address of the coach's private calendar feed."""
    token = None
    if request.method == "POST":
        token = services.calendar_feed_rotate(coach=request.user)
        messages.success(request, FEED_MADE)
    context = {
        "feed": selectors.feed_exists(request.user),
        "feed_url": request.build_absolute_uri(reverse("coaching:calendar_feed", args=[token]))
        if token
        else "",
    }
    return render(request, "coaching/calendar.html", context)


@login_not_required
@require_GET
def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """The private feed: the long random token in the address is the only credential (404 otherwise).

    It carries the sessions of the last 30 days and of the year ahead (selectors.FEED_PAST and
    FEED_AHEAD), not the whole diary: what a calendar app needs, and bounded however long the
    practice has run. Older sessions stay in Ethos, on the agenda's week pages.
    """
    feed = selectors.feed_for_token(services.token_hash(token))
    if feed is None:
        raise Http404("No such calendar.")
    body, digest = services.calendar_feed_body(feed, selectors.feed_sessions(feed.coach_id))
    etag = f'"{digest}"'
    unchanged = get_conditional_response(request, etag=etag)
    if unchanged is not None:
        return unchanged  # 304: the calendar app already has this document
    response = HttpResponse(body, content_type="text/calendar")
    response["ETag"] = etag
    response["Content-Disposition"] = 'inline; filename="ethos-sessions.ics"'
    return response
