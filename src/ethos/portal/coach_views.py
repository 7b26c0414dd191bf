"""The coach's side of the portal (role: coach): invite, share, and read what clients sent back."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ethos.clients import endings
from ethos.clients.forms import OTHER_AREA
from ethos.practice.selectors import COMPETENCE_AREAS, area_label, competence_for
from ethos.standards.engine import ActionStopped, evaluate
from ethos.standards.points import Point
from ethos.web import apply_errors

from . import selectors, services
from .forms import BoundaryAskForm, ConsentAskForm, IntakeRecordForm, InviteForm, MessageForm
from .models import Reply
from .views import attachment

INVITED = "The invitation is on its way. The link works once, for 72 hours."
LINK_SENT = "A new link is on its way. Anything shared before must be shared again once they use it."
SHARED = "Shared. Only the client can open it, in their portal."
CONSENT_ASKED = "The consent is in the client's portal. It becomes a consent only once they sign it (C1)."
SIGNATURE_RECORDED = "What the client signed is recorded."
AGREEMENT_ASKED = "The boundary agreement is in the client's portal, waiting for their signature (P7)."
WORDS_TAKEN = "The goal now has the client's words."
MESSAGE_SENT = "Sent. Only the client can read it, in their portal."
APPOINTMENTS_SHARED = (
    "The client's coming sessions are in their portal. Cancelling or moving one updates them; "
    "share again after booking a new one."
)
LETTER_SHARED = "The letter is in the client's portal, where they can read and download it (P11)."
ACCOUNTING_SHARED = "The accounting of disclosures is in the client's portal (C1)."


def _site(request: HttpRequest) -> str:
    """The address the coach reached Ethos at: the invitation link's when ETHOS_BASE_URL is unset."""
    return request.build_absolute_uri("/")


def _areas(coach) -> list[tuple[str, str]]:
    competence = competence_for(coach)
    known = dict(COMPETENCE_AREAS)
    return [
        *COMPETENCE_AREAS,
        *((slug, area_label(slug)) for slug in sorted(competence.all_areas - set(known))),
    ]


@require_http_methods(["GET", "POST"])
def home(request: HttpRequest) -> HttpResponse:
    coach = request.user
    form = InviteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.invitation_create(coach=coach, email=form.cleaned_data["email"], site=_site(request))
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, INVITED)
                return redirect("portal_coach:home")
    context = {
        "form": form,
        "replies": selectors.waiting_replies(coach),
        "accounts": selectors.accounts_page(coach, request.GET.get("page")),
        "invitations": selectors.open_invitations(coach),
    }
    return render(request, "portal/coach_home.html", context, status=status)


@require_http_methods(["GET", "POST"])
def invite_client(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    form = InviteForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.invitation_create(
                    coach=request.user, email=form.cleaned_data["email"], site=_site(request), client=client
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, INVITED)
                return redirect("clients:detail", pk=client.pk)
    return render(request, "portal/coach_invite.html", {"form": form, "client": client}, status=status)


@require_POST
def resend(request: HttpRequest, pk) -> HttpResponse:
    account = selectors.get_account_for_coach(request.user, pk)
    services.link_resend(coach=request.user, account=account, site=_site(request))
    messages.success(request, LINK_SENT)
    return redirect("portal_coach:home")


@require_POST
def goal_share(request: HttpRequest, pk) -> HttpResponse:
    goal = selectors.get_goal_for_coach(request.user, pk)
    try:
        services.goal_share(coach=request.user, goal=goal)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("clients:goal_detail", goal.client_id, goal.pk)
    messages.success(request, SHARED)
    return redirect("clients:goal_detail", goal.client_id, goal.pk)


def _ask(request: HttpRequest, pk, *, form_class, service, template: str, done: str) -> HttpResponse:
    """Ask the client to sign something in their portal: a consent (C1) or a boundary agreement (P7)."""
    client = selectors.get_client_for_coach(request.user, pk)
    form = form_class(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                service(coach=request.user, client=client, **form.cleaned_data)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, done)
                return redirect("clients:detail", pk=client.pk)
    return render(request, template, {"form": form, "client": client}, status=status)


@require_http_methods(["GET", "POST"])
def consent_ask(request: HttpRequest, pk) -> HttpResponse:
    return _ask(
        request,
        pk,
        form_class=ConsentAskForm,
        service=services.consent_ask,
        template="portal/coach_consent_ask.html",
        done=CONSENT_ASKED,
    )


def _shared_then_back(request: HttpRequest, share, *, client_id, done: str) -> HttpResponse:
    """Run one sharing service; say how it went on the client's page."""
    try:
        share()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, done)
    return redirect("clients:detail", pk=client_id)


@require_POST
def consent_share_again(request: HttpRequest, pk) -> HttpResponse:
    draft = selectors.get_draft_for_coach(request.user, pk)
    share = functools.partial(services.consent_share_again, coach=request.user, draft=draft)
    return _shared_then_back(request, share, client_id=draft.client_id, done=SHARED)


@require_http_methods(["GET", "POST"])
def reply(request: HttpRequest, pk) -> HttpResponse:
    """What a client sent: their intake (recorded through the intake rules), a goal, a signature."""
    coach = request.user
    found = selectors.get_reply_for_coach(coach, pk)
    try:
        payload = services.reply_open(reply=found)
    except ValidationError as error:
        return render(request, "portal/coach_reply.html", {"reply": found, "unreadable": error.messages[0]})
    if found.kind == Reply.Kind.INTAKE:
        return _intake(request, found, payload)
    if found.kind == Reply.Kind.MESSAGE:
        return redirect("portal_coach:messages", pk=found.account_id)
    context = {"reply": found, "payload": payload}
    if request.method == "POST" and found.handled_at is None and found.kind != Reply.Kind.ENDING:
        try:
            if found.kind == Reply.Kind.GOAL:
                services.goal_words_take(coach=coach, reply=found)
                messages.success(request, WORDS_TAKEN)
            else:
                services.signature_record(coach=coach, reply=found)
                messages.success(request, SIGNATURE_RECORDED)
        except ActionStopped as stopped:
            context["verdict"] = stopped.verdict
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            return render(request, "portal/coach_reply.html", context, status=400)
        else:
            return redirect("portal_coach:home")
    return render(request, "portal/coach_reply.html", context)


def _intake(request: HttpRequest, found: Reply, answers: dict) -> HttpResponse:
    coach = request.user
    form = IntakeRecordForm(request.POST if request.method == "POST" else None, areas=_areas(coach))
    context = {"reply": found, "answers": answers, "form": form, "other_area": OTHER_AREA}
    # What the rules say about these answers, before anything is recorded (a pure evaluation).
    data = services.intake_data_from(answers | {"email": found.account.user.email}, concerns=[])
    facts = services.client_services.intake_facts(coach=coach, data=data, on=found.sent_at.date())
    context["preview"] = evaluate(Point.INTAKE_SUBMIT, facts)
    status = 200
    if request.method == "POST" and found.handled_at is None:
        status = 400
        if form.is_valid():
            try:
                result = services.intake_record(
                    coach=coach,
                    reply=found,
                    concerns=form.concerns(),
                    decline_reason=form.cleaned_data["decline_reason"],
                    reentry_explanation=form.cleaned_data["reentry_explanation"],
                )
            except ActionStopped as stopped:
                context["verdict"] = stopped.verdict
                status = 200
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if result.crisis:
                    return redirect("clients:crisis", pk=result.client.pk)
                return redirect("clients:detail", pk=result.client.pk)
    return render(request, "portal/coach_intake.html", context, status=status)


@require_http_methods(["GET", "POST"])
def messages_page(request: HttpRequest, pk) -> HttpResponse:
    account = selectors.get_account_for_coach(request.user, pk)
    form = MessageForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.message_share(coach=request.user, account=account, text=form.cleaned_data["text"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, MESSAGE_SENT)
                return redirect("portal_coach:messages", pk=account.pk)
    thread = services.thread_for_coach(coach=request.user, account=account)
    services.messages_read(coach=request.user, account=account)
    context = {"form": form, "thread": thread, "account": account}
    return render(request, "portal/coach_messages.html", context, status=status)


@require_http_methods(["GET", "POST"])
def boundary_ask(request: HttpRequest, pk) -> HttpResponse:
    return _ask(
        request,
        pk,
        form_class=BoundaryAskForm,
        service=services.boundary_ask,
        template="portal/coach_boundary_ask.html",
        done=AGREEMENT_ASKED,
    )


@require_POST
def appointments_share(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    share = functools.partial(services.appointments_share, coach=request.user, client=client)
    return _shared_then_back(request, share, client_id=client.pk, done=APPOINTMENTS_SHARED)


@require_POST
def accounting_share(request: HttpRequest, pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    share = functools.partial(services.accounting_share, coach=request.user, client=client)
    return _shared_then_back(request, share, client_id=client.pk, done=ACCOUNTING_SHARED)


@require_POST
def letter_share(request: HttpRequest, pk, ending_pk) -> HttpResponse:
    client = selectors.get_client_for_coach(request.user, pk)
    ending = endings.get_ending_for_coach(request.user, client, ending_pk)
    share = functools.partial(services.letter_share, coach=request.user, ending=ending)
    return _shared_then_back(request, share, client_id=client.pk, done=LETTER_SHARED)


@require_http_methods(["GET"])
def upload_download(request: HttpRequest, pk) -> HttpResponse:
    upload = selectors.get_upload_for_coach(request.user, pk)
    try:
        opened = services.upload_download(coach=request.user, upload=upload)
    except ValidationError as error:
        raise Http404(error.messages[0]) from None
    return attachment(opened)
