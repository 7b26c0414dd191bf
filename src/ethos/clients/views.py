"""Client pages: the list, intake, the crisis protocol, safety checks, the client page, referrals,
goals (P1, P5), and ending or pausing coaching with the letter and the practice closure (P11)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_http_methods, require_POST

from ethos.audit.selectors import chain_head_appended
from ethos.paging import OpenPage
from ethos.practice.selectors import (
    COMPETENCE_AREAS,
    age_of_majority_for,
    area_label,
    competence_for,
    profile_for,
    suggestion_for_profile,
)
from ethos.referrals.models import Resource
from ethos.referrals.selectors import (
    crisis_resources,
    get_resource_for_coach,
    resources_for,
    usable_resources,
)
from ethos.standards.catalog import catalog
from ethos.standards.engine import ActionStopped, Subject
from ethos.standards.facts import age_on
from ethos.standards.record_types import RecordType
from ethos.standards.rules import S1_AT_RISK, S2_CRISIS, S9_MINOR
from ethos.standards.selectors import get_open_item_for_coach, open_items_for
from ethos.web import apply_errors

from . import endings, goals, pages, search, selectors, services
from .about import about_html
from .chart import progress_chart
from .forms import (
    ContactForm,
    EndingForm,
    GoalForm,
    GoalProgressForm,
    GoalStatusForm,
    IntakeForm,
    ReferralForm,
    SafetyCheckForm,
    SafetyFollowUpForm,
    SupervisionPlanForm,
)
from .models import Client, Ending

INTAKE_ACCEPTED = "The intake is recorded and {name} is now your client."
INTAKE_DECLINED = "The intake is recorded as declined. Now make sure {name} has somewhere to go."
# Why the code declined a person the coach may have chosen to accept (S1, S2, S9).
DECLINED_WHY = {"S1": S1_AT_RISK, "S2": S2_CRISIS, "S9": S9_MINOR}
DECLINED_S9_WHY = (
    "{name} was {age} on the day of the intake, and the age of majority that applies is {majority}. "
    "Coaching is for adults."
)
CONTACT_SAVED = "Contact details saved. The previous ones are kept in the record's history."
REFERRAL_SAVED = "Referral recorded."
SUPERVISION_SAVED = "Supervision plan recorded."
CRISIS_RECORDED = "Recorded: you went through the crisis protocol with {name}."
SAFETY_CHECK_SAVED = "Safety check recorded. The follow-up is on {day}; record it here once it has happened."
SAFETY_FOLLOWED_UP = "Follow-up recorded."
# The deepest page of a client's history that is read (each page reads every newer event again):
# 10,000 events, more than a lifetime of weekly sessions.
HISTORY_PAGES_MOST = 200
# Set once the client list has indexed any names from before the name search (search.py).
NAME_INDEX_CHECKED = "ethos_name_index_checked"


def _back_to_item(request: HttpRequest) -> HttpResponse | None:
    """Go back to the open item the form was opened from (`?item=`, the coach's own), if any."""
    item_pk = request.GET.get("item", "")
    if item_pk:
        try:
            item = get_open_item_for_coach(request.user, uuid.UUID(item_pk))
        except (Http404, ValueError):
            return None
        return redirect("standards:open_item", pk=item.pk)
    return None


def _done(request: HttpRequest, client: Client) -> HttpResponse:
    """Go back to the open item the form was opened from, else to the client."""
    return _back_to_item(request) or redirect("clients:detail", pk=client.pk)


def _fitting_resource(coach, record: str, resources) -> str:
    """Return the first usable resource whose kind answers `record` (to preselect it), or ''."""
    # A plain referral fits every kind of service: nothing to choose for the coach.
    if record == RecordType.REFERRAL or record not in {t.value for t in RecordType}:
        return ""
    usable = {r.pk for r in usable_resources(coach)}
    return next((str(r.pk) for r in resources if r.pk in usable and record in r.record_types), "")


def _areas(coach) -> list[tuple[str, str]]:
    competence = competence_for(coach)
    known = dict(COMPETENCE_AREAS)
    extra = sorted(competence.all_areas - set(known))
    return [*COMPETENCE_AREAS, *((slug, area_label(slug)) for slug in extra)]


def client_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in [*Client.Status.values, selectors.OWED]:
        status = ""
    query = request.GET.get("q", "")[:100]
    # Clients taken on before the name index existed get their tokens at the first visit of a
    # session; after that every new name is indexed as it is written, so one check is enough.
    if not request.session.get(NAME_INDEX_CHECKED):
        search.name_tokens_backfill(coach=request.user)
        request.session[NAME_INDEX_CHECKED] = True
    page = selectors.client_page(request.user, status=status, query=query, page=request.GET.get("page"))
    # Page links keep the filter and the search, and nothing else from the address.
    kept = urlencode({name: value for name, value in (("status", status), ("q", query)) if value})
    context = {
        "page": page,
        "clients": page.object_list,
        "status": status,
        "query": query,
        "kept": kept,
        "statuses": [*Client.Status.choices, (selectors.OWED, selectors.OWED_LABEL)],
        "search_hint": search.SEARCH_HINT,
    }
    return render(request, "clients/list.html", context)


@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    coach = request.user
    data = request.POST if request.method == "POST" else None
    form = IntakeForm(data, areas=_areas(coach), jurisdiction=profile_for(coach).jurisdiction)
    if request.method == "POST" and form.is_valid():
        answers = form.intake_data()
        try:
            result = services.intake_submit(coach=coach, data=answers)
        except ActionStopped as stopped:
            # Show the earlier decline this person has, and its clause (S1, S2, S9).
            earlier = services.earlier_decline_of(
                coach=coach, name=answers.name, date_of_birth=answers.date_of_birth
            )
            if earlier is not None and not answers.reentry_explanation.strip():
                form.add_error("reentry_explanation", services.reentry_message(earlier))
            context = {"form": form, "verdict": stopped.verdict, "earlier": earlier}
            return render(request, "clients/intake.html", context)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if result.crisis:
                return redirect("clients:crisis", pk=result.client.pk)
            if any(finding.clause in services.DECLINING_CLAUSES for finding in result.verdict.blocks):
                # The code decided (S1, S9): say which clause, why, and what is owed next.
                return redirect("clients:intake_declined", pk=result.client.pk)
            declined = result.client.status == Client.Status.DECLINED
            message = INTAKE_DECLINED if declined else INTAKE_ACCEPTED
            messages.success(request, message.format(name=result.client.display_name))
            return redirect("clients:detail", pk=result.client.pk)
    return render(request, "clients/intake.html", {"form": form})


def _concern_names(intake) -> list[str]:
    """The concerns the person brought, by their names (their own words for "other")."""
    concerns = intake.concerns if intake else []
    return [concern.get("words") or area_label(concern.get("area", "")) for concern in concerns]


def _why_declined(coach, client, intake) -> str:
    """Say why the code declined the person, from the answers kept; "" when the coach chose it."""
    clause, answers = intake.decline_reason, intake.screening or {}
    if clause == "S9":
        day = timezone.localtime(intake.submitted_at).date()
        majority = (intake.residence or {}).get("age_of_majority") or age_of_majority_for(coach)
        age = age_on(date_of_birth=client.date_of_birth, day=day)
        if age >= majority:
            return ""
        return DECLINED_S9_WHY.format(name=client.display_name, age=age, majority=majority)
    if clause == "S1" and not (answers.get("self_harm") or answers.get("substance_uncontrolled")):
        return ""
    if clause == "S2" and not (answers.get("suicidal_thoughts") and answers.get("intent_or_plan")):
        return ""
    return DECLINED_WHY.get(clause, "")


def intake_declined(request: HttpRequest, pk) -> HttpResponse:
    """What the code decided at intake (S1, S2, S9), why, and the referral still owed."""
    client = selectors.get_client_for_coach(request.user, pk)
    intake = getattr(client, "intake", None)
    why = _why_declined(request.user, client, intake) if intake is not None else ""
    if not why:  # accepted, or declined by the coach's own choice: their page says so
        return redirect("clients:detail", pk=client.pk)
    owed = [
        item
        for item in open_items_for(request.user, subject=Subject.of(client))
        if item.clause == intake.decline_reason
    ]
    context = {
        "client": client,
        "intake": intake,
        "clause": catalog()[intake.decline_reason],
        "why": why,
        "owed": owed,
        "concerns": _concern_names(intake),
    }
    return render(request, "clients/intake_declined.html", context)


def crisis(request: HttpRequest, pk) -> HttpResponse:
    """The crisis protocol (S2): what to do now, with this jurisdiction's numbers. Reading writes nothing."""
    client = selectors.get_client_for_coach(request.user, pk)
    profile = profile_for(request.user)
    context = {
        "client": client,
        "intake": getattr(client, "intake", None),
        "profile": profile,
        # The jurisdiction's numbers stand in for any the coach has not set on their profile yet.
        "suggested": suggestion_for_profile(profile),
        "resources": crisis_resources(request.user),
        "sections": pages.sections_for(client, page="crisis", request=request),
    }
    return render(request, "clients/crisis.html", context)


@require_POST
def crisis_shown(request: HttpRequest, pk) -> HttpResponse:
    """Record that the coach went through the crisis protocol with the person (S2)."""
    client = selectors.get_client_for_coach(request.user, pk)
    services.crisis_protocol_shown(coach=request.user, client=client)
    messages.success(request, CRISIS_RECORDED.format(name=client.display_name))
    return redirect("clients:crisis", pk=client.pk)


@require_http_methods(["GET", "POST"])
def safety_check(request: HttpRequest, pk) -> HttpResponse:
    """Record a safety check and its follow-up day (S2: thoughts of death without intent or plan)."""
    client = selectors.get_client_for_coach(request.user, pk)
    form = SafetyCheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.safety_check_record(coach=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            day = record.follow_up_on
            messages.success(request, SAFETY_CHECK_SAVED.format(day=f"{day.day} {day:%B %Y}"))
            return _done(request, client)
    return render(request, "clients/safety_check.html", {"client": client, "form": form})


@require_http_methods(["GET", "POST"])
def safety_follow_up(request: HttpRequest, pk, check_pk) -> HttpResponse:
    """Record the follow-up of a safety check; only this closes the S2 item (S2)."""
    client = selectors.get_client_for_coach(request.user, pk)
    check = selectors.get_safety_check_for_coach(request.user, client, check_pk)
    form = SafetyFollowUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.safety_follow_up_record(coach=request.user, check=check, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, SAFETY_FOLLOWED_UP)
            return _done(request, client)
    return render(request, "clients/safety_follow_up.html", {"client": client, "check": check, "form": form})


def safety_checks(request: HttpRequest) -> HttpResponse:
    """The people waiting for a safety check (S2), each linked to the page that records it."""
    clients = selectors.safety_checks_due(coach=request.user)
    return render(request, "clients/safety_checks.html", {"clients": clients})


def detail(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    # The page shows the chain head this read's own event left: no second read of the head row.
    chain_head_appended(request, services.client_viewed(coach=request.user, client=client))
    subject_items = open_items_for(request.user, subject=Subject.of(client))

    def build(context) -> dict:
        # One more than is shown, to know whether to say the history page has more.
        timeline = pages.timeline_for(client, limit=pages.TIMELINE_READ)
        shown = timeline[: pages.TIMELINE_SHOWN]
        return {
            "client": client,
            # The panels about the person and their intake, written in Python (clients/about.py).
            "about": about_html(client, getattr(client, "intake", None)),
            "sections": pages.sections_for(client, context=context),
            "timeline": shown,
            "timeline_rows": pages.timeline_rows(shown),
            "timeline_more": len(timeline) > len(shown),
            "open_items": subject_items,
            "needs_safety_check": any(
                RecordType.SAFETY_FOLLOW_UP in item.record_type_list for item in subject_items
            ),
            "area_label": area_label,
        }

    return pages.render_page(request, "clients/detail.html", build)


def history(request: HttpRequest, pk) -> HttpResponse:
    """Every event of the client's timeline, newest first, HISTORY_PAGE at a time."""
    client = selectors.get_client_for_coach(request.user, pk)
    number = _history_page_number(request.GET.get("page", ""))
    chain_head_appended(request, services.client_viewed(coach=request.user, client=client))

    def build(context) -> dict:
        start = (number - 1) * pages.HISTORY_PAGE
        # Each source reads its newest events down to this page's end, and one more to know of the next.
        found = pages.timeline_for(client, limit=start + pages.HISTORY_PAGE + 1)
        shown = found[start : start + pages.HISTORY_PAGE]
        return {
            "client": client,
            "page": OpenPage(items=shown, number=number, has_next=len(found) > start + pages.HISTORY_PAGE),
            "timeline": shown,
            "timeline_rows": pages.timeline_rows(shown),
        }

    return pages.render_page(request, "clients/history.html", build)


def _history_page_number(value: str) -> int:
    """The page of the history asked for: 1 for anything that is not a page number."""
    # Each page reads every newer event again, so an address cannot ask for an unbounded read.
    # (ASCII digits only: "²" is a digit to str.isdigit, and not a number to int.)
    number = int(value) if value.isascii() and value.isdigit() else 1
    return min(max(number, 1), HISTORY_PAGES_MOST)


@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    initial = {
        **client.contact,
        "preferred_name": client.preferred_name or "",
        "pronouns": client.pronouns or "",
        "emergency_name": (client.emergency_contact or {}).get("name", ""),
        "emergency_phone": (client.emergency_contact or {}).get("phone", ""),
    }
    form = ContactForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.client_contact_update(
                coach=request.user,
                client=client,
                contact=form.contact(),
                preferred_name=form.cleaned_data["preferred_name"],
                pronouns=form.cleaned_data["pronouns"],
                emergency_contact=form.emergency_contact(),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, CONTACT_SAVED)
            return redirect("clients:detail", pk=client.pk)
    return render(request, "clients/contact.html", {"client": client, "form": form})


@require_http_methods(["GET", "POST"])
def refer(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    resources = resources_for(request.user)
    form = ReferralForm(
        request.POST if request.method == "POST" else None,
        resources=resources,
        initial={
            "concern_area": request.GET.get("area", "")[:100],
            "resource": _fitting_resource(request.user, request.GET.get("record", ""), resources),
        },
    )
    verdict = None
    if request.method == "POST" and form.is_valid():
        resource = get_resource_for_coach(request.user, form.cleaned_data["resource"])
        try:
            services.referral_make(
                coach=request.user,
                client=client,
                resource=resource,
                reason=form.cleaned_data["reason"],
                concern_area=form.cleaned_data["concern_area"],
            )
        except ActionStopped as stopped:
            verdict = stopped.verdict
        else:
            messages.success(request, REFERRAL_SAVED)
            return _done(request, client)
    context = {"client": client, "form": form, "verdict": verdict, "has_resources": bool(resources)}
    return render(request, "clients/refer.html", context)


@require_http_methods(["GET", "POST"])
def supervision_plan(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    form = SupervisionPlanForm(
        request.POST if request.method == "POST" else None,
        initial={
            "concern_area": area_label(request.GET.get("area", "")[:100]) if request.GET.get("area") else ""
        },
    )
    if request.method == "POST" and form.is_valid():
        services.supervision_plan_record(coach=request.user, client=client, **form.cleaned_data)
        messages.success(request, SUPERVISION_SAVED)
        return _done(request, client)
    return render(request, "clients/supervision.html", {"client": client, "form": form})


# -- goals: written in the client's words, confirmed by them (P1, P5) --------------------------------


GOAL_SAVED = "Goal recorded in the client's words. It becomes active once they confirm it."
GOAL_ACTIVE = "The goal is active."
PROGRESS_SAVED = "Progress recorded."
STATUS_SAVED = "Goal status changed."
GOAL_CHART_TITLE = "Progress on this goal, scored 0 to 10"


def _goal(request: HttpRequest, pk, goal_pk):
    client = selectors.get_client_for_coach(request.user, pk)
    return client, goals.get_goal_for_coach(request.user, client, goal_pk)


def _goal_page(request: HttpRequest, client, goal, **extra) -> HttpResponse:
    progress = list(goal.progress.all())
    context = {
        "client": client,
        "goal": goal,
        "progress": progress,
        "chart": progress_chart(goals.chart_series([goal]), title=GOAL_CHART_TITLE),
        "read_only": client.status != Client.Status.ACTIVE,
        "confirm_how": goals.CONFIRMED_IN_PORTAL_ONLY,
        **extra,
    }
    return render(request, "clients/goal_detail.html", context)


def _read_only(request: HttpRequest, client, goal=None) -> HttpResponse | None:
    """Refuse a change to a paused or ended client's goals, back on the page it came from."""
    if client.status == Client.Status.ACTIVE:
        return None
    messages.error(request, goals.GOALS_READ_ONLY)
    if goal is None:
        return redirect("clients:detail", pk=client.pk)
    return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)


@require_http_methods(["GET", "POST"])
def goal_new(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    if refused := _read_only(request, client):
        return refused
    form = GoalForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            goal = goals.goal_create(coach=request.user, client=client, words=form.cleaned_data["words"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, GOAL_SAVED)
            return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    return render(request, "clients/goal_new.html", {"client": client, "form": form})


def goal_detail(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    return _goal_page(request, client, goal)


@require_POST
def goal_activate(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    if refused := _read_only(request, client, goal):
        return refused
    try:
        goals.goal_activate(coach=request.user, goal=goal)
    except ActionStopped as stopped:
        return _goal_page(request, client, goal, verdict=stopped.verdict)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    messages.success(request, GOAL_ACTIVE)
    return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)


@require_http_methods(["GET", "POST"])
def goal_progress(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    if refused := _read_only(request, client, goal):
        return refused
    form = GoalProgressForm(request.POST if request.method == "POST" else None, goal=goal)
    if request.method == "POST" and form.is_valid():
        try:
            goals.goal_progress_add(coach=request.user, goal=goal, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, PROGRESS_SAVED)
            return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    return render(request, "clients/goal_progress.html", {"client": client, "goal": goal, "form": form})


@require_http_methods(["GET", "POST"])
def goal_status(request: HttpRequest, pk, goal_pk) -> HttpResponse:
    client, goal = _goal(request, pk, goal_pk)
    if refused := _read_only(request, client, goal):
        return refused
    form = GoalStatusForm(request.POST if request.method == "POST" else None, goal=goal)
    if request.method == "POST" and form.is_valid():
        try:
            goals.goal_set_status(coach=request.user, goal=goal, status=form.cleaned_data["status"])
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, STATUS_SAVED)
            return redirect("clients:goal_detail", pk=client.pk, goal_pk=goal.pk)
    return render(request, "clients/goal_status.html", {"client": client, "goal": goal, "form": form})


# -- ending or pausing coaching, the letter, closing the practice (P11) ------------------------------


ENDED = "Coaching with {name} has ended. The letter to them is ready to print."
RESUMED = "Coaching with {name} has resumed."
RESUMED_WITH_ITEMS = (
    "Coaching with {name} has resumed. Ethos checked your competence again: see what is owed."
)
PAUSED = "Coaching with {name} is paused. The letter to them is ready to print."
PRACTICE_CLOSED = "Your practice is closed. Every client's coaching ended with care."


@require_POST
def client_resume(request: HttpRequest, pk) -> HttpResponse:
    """Resume a paused client's coaching, with the competence check that applies on return (S5)."""
    client = selectors.get_client_for_coach(request.user, pk)
    try:
        endings.client_resume(coach=request.user, client=client)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        owed = any(item.clause == "S5" for item in open_items_for(request.user, subject=Subject.of(client)))
        messages.success(request, (RESUMED_WITH_ITEMS if owed else RESUMED).format(name=client.display_name))
    return redirect("clients:detail", pk=client.pk)


@require_http_methods(["GET", "POST"])
def client_end(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    resources = usable_resources(request.user, kinds=[Resource.Kind.COACHING])
    form = EndingForm(request.POST if request.method == "POST" else None, resources=resources)
    verdict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            ending = endings.client_release(
                coach=request.user,
                client=client,
                kind=data["kind"],
                initiated_by=data["initiated_by"],
                explanation=data["explanation"],
                explained_on=data["explained_on"],
                explained_how=data["explained_how"],
                client_reason=data["client_reason"],
                referral_resources=form.chosen_resources(),
                referral_reason=data["referral_reason"],
                referral_declined=data["referral_declined"],
            )
        except ActionStopped as stopped:
            verdict = stopped.verdict
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            message = ENDED if ending.kind == Ending.Kind.END else PAUSED
            messages.success(request, message.format(name=client.display_name))
            return _done(request, client)
    context = {
        "client": client,
        "form": form,
        "verdict": verdict,
        "has_resources": bool(resources),
        "open": client.status in endings.OPEN_STATUSES,
    }
    return render(request, "clients/ending_form.html", context)


def ending_letter(request: HttpRequest, pk, ending_pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    ending = endings.get_ending_for_coach(request.user, client, ending_pk)
    response = HttpResponse(
        endings.ending_letter(coach=request.user, ending=ending), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{endings.letter_filename(ending)}"'
    response["Cache-Control"] = "no-store"
    return response


CLOSURE_PAGE_SIZE = 25


@require_http_methods(["GET", "POST"])
def closure(request: HttpRequest) -> HttpResponse:
    verdict = None
    if request.method == "POST":
        try:
            endings.practice_close(coach=request.user)
        except ActionStopped as stopped:
            verdict = stopped.verdict
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("clients:closure")
        else:
            messages.success(request, PRACTICE_CLOSED)
            return _back_to_item(request) or redirect("clients:closure")
    # One page of the clients still to handle, oldest first: a closing practice may have hundreds.
    page = Paginator(endings.open_clients(request.user).select_related("data_key"), CLOSURE_PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": endings.closure_rows(request.user, page.object_list),
        "closed": endings.practice_closure_for(request.user),
        "verdict": verdict,
    }
    return render(request, "clients/closure.html", context)
