"""The client's own pages (role: client). Thin: find the client's own record, call one service, render.

Every page reads the signed-in client's account first (`account_of`): someone else's share is a
404, and so is every page for a person with no portal account.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from ethos.accounts.middleware import session_signed_in
from ethos.accounts.services import signed_in
from ethos.vault import boxes
from ethos.vault import services as vault_services
from ethos.web import allow_body, apply_errors

from . import selectors, services
from .forms import EndingForm, GoalAnswerForm, IntakeForm, JoinForm, MessageForm, SignForm, UploadForm
from .models import Share

BACKEND = "django.contrib.auth.backends.ModelBackend"
WELCOME = "Welcome. Your passphrase is set. You can add two-step sign-in on your account page."
SIGN_IN_AGAIN = "Please sign in again to open your page."
INTAKE_SENT = "Thank you. Your answers went to your coach, and only your coach can read them."
GOAL_CONFIRMED = "Thank you. This goal is now yours and active."
SIGNED = "Thank you. You signed it. Your coach will see your signature."
MESSAGE_SENT = "Your message is sent. Only your coach can read it."
FILE_SENT = "Your file is sent. Only your coach can open it."
ENDING_SENT = (
    "Your coach knows that you want to stop coaching. They will write to you about what happens next, "
    "and can suggest other coaches if you would like."
)


def _key(request: HttpRequest):
    """The client's private key for this request, or None when this browser no longer holds it."""
    vault = vault_services.session_vault(request, request.user)
    if vault is None:
        return None
    try:
        return boxes.private_key(vault)
    except LookupError:
        return None


def _sign_in_again(request: HttpRequest) -> HttpResponse:
    vault_services.session_close(request)
    logout(request)
    messages.info(request, SIGN_IN_AGAIN)
    response = redirect(f"{reverse('accounts:sign_in')}?next={request.path}")
    return response


@login_not_required
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_for_token(token)
    if invitation is None:
        return render(request, "portal/join_unusable.html", {"message": services.LINK_UNUSABLE}, status=404)
    form = JoinForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                user, vault = services.join(token=token, passphrase=form.cleaned_data["passphrase"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if request.user.is_authenticated:
                    vault_services.session_close(request)
                    logout(request)
                login(request, user, backend=BACKEND)
                vault_services.session_open(request, vault)
                signed_in(user=user, method="portal link")
                session_signed_in(request)
                messages.success(request, WELCOME)
                return redirect("portal:home")
    context = {"form": form, "invitation": invitation}
    return render(request, "portal/join.html", context, status=status)


def home(request: HttpRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    context = {
        "account": account,
        "intake": selectors.intake_state(account),
        "active": selectors.coaching_active(account),
        "shares": selectors.shares_for_client(account),
        "crisis": selectors.crisis_numbers(account.coach),
    }
    return render(request, "portal/home.html", context)


@require_http_methods(["GET", "POST"])
def intake(request: HttpRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    state = selectors.intake_state(account)
    if state != "open":
        return render(request, "portal/intake_done.html", {"state": state})
    form = IntakeForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                sent = services.intake_send(account=account, answers=form.answers())
            except ValidationError as error:
                apply_errors(form, error)
            else:
                if sent.crisis:
                    # Before anything else: the crisis numbers, in plain and kind words (S2).
                    crisis = selectors.crisis_numbers(account.coach)
                    return render(request, "portal/crisis.html", {"crisis": crisis})
                messages.success(request, INTAKE_SENT)
                return redirect("portal:home")
    return render(request, "portal/intake.html", {"form": form}, status=status)


def _opened(request, share: Share):
    key = _key(request)
    if key is None:
        return None, None
    private, key_id = key
    try:
        return services.share_open(share=share, private_key=private, key_id=key_id), key
    except ValidationError as error:
        return {"error": error.messages[0]}, key


@require_http_methods(["GET", "POST"])
def goal(request: HttpRequest, pk) -> HttpResponse:
    account = selectors.account_of(request.user)
    share = selectors.get_share_for_client(account, pk, kind=Share.Kind.GOAL)
    payload, key = _opened(request, share)
    if key is None:
        return _sign_in_again(request)
    if "error" in payload:
        return render(request, "portal/unreadable.html", {"message": payload["error"]})
    shown = services.text_sha256(payload["words"])
    form = GoalAnswerForm(
        request.POST if request.method == "POST" else None,
        initial={"words": payload["words"], "shown": shown},
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.goal_answer(
                    account=account,
                    share=share,
                    private_key=key[0],
                    key_id=key[1],
                    words=form.cleaned_data["words"],
                    shown_sha256=form.cleaned_data["shown"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, GOAL_CONFIRMED)
                return redirect("portal:home")
    context = {"form": form, "share": share, "words": payload["words"]}
    return render(request, "portal/goal.html", context, status=status)


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, pk) -> HttpResponse:
    return _sign(request, pk, kind=Share.Kind.CONSENT)


@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, pk) -> HttpResponse:
    return _sign(request, pk, kind=Share.Kind.BOUNDARY)


def _sign(request: HttpRequest, pk, *, kind: str) -> HttpResponse:
    account = selectors.account_of(request.user)
    share = selectors.get_share_for_client(account, pk, kind=kind)
    payload, key = _opened(request, share)
    if key is None:
        return _sign_in_again(request)
    if "error" in payload:
        return render(request, "portal/unreadable.html", {"message": payload["error"]})
    form = SignForm(
        request.POST if request.method == "POST" else None, initial={"shown": payload["text_sha256"]}
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.consent_sign(
                    account=account,
                    share=share,
                    private_key=key[0],
                    key_id=key[1],
                    typed_name=form.cleaned_data["typed_name"],
                    shown_sha256=form.cleaned_data["shown"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, SIGNED)
                return redirect("portal:home")
    context = {"form": form, "share": share, "text": payload["text"]}
    template = "portal/consent.html" if kind == Share.Kind.CONSENT else "portal/agreement.html"
    return render(request, template, context, status=status)


@require_http_methods(["GET", "POST"])
def messages_page(request: HttpRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    key = _key(request)
    if key is None:
        return _sign_in_again(request)
    form = MessageForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.message_send(account=account, text=form.cleaned_data["text"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, MESSAGE_SENT)
                return redirect("portal:messages")
    context = {
        "form": form,
        "thread": services.thread_for_client(account=account, private_key=key[0], key_id=key[1]),
        "crisis": selectors.crisis_numbers(account.coach),
    }
    return render(request, "portal/messages.html", context, status=status)


@require_http_methods(["GET", "POST"])
def end(request: HttpRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    form = EndingForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.ending_ask(account=account, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, ENDING_SENT)
                return redirect("portal:home")
    return render(request, "portal/end.html", {"form": form}, status=status)


def appointments(request: HttpRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    key = _key(request)
    if key is None:
        return _sign_in_again(request)
    share, payload = services.latest_open(
        account=account, kind=Share.Kind.APPOINTMENTS, private_key=key[0], key_id=key[1]
    )
    sessions = [
        {**session, "starts_at": datetime.datetime.fromisoformat(session["starts_at"])}
        for session in payload.get("sessions", [])
    ]
    context = {
        "share": share,
        "sessions": sessions,
        "error": payload.get("error"),
        "active": selectors.coaching_active(account),
    }
    return render(request, "portal/appointments.html", context)


def records(request: HttpRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    key = _key(request)
    if key is None:
        return _sign_in_again(request)
    share, payload = services.latest_open(
        account=account, kind=Share.Kind.ACCOUNTING, private_key=key[0], key_id=key[1]
    )
    context = {
        "accounting": share,
        "rows": payload.get("rows", []),
        "since": payload.get("since"),
        "error": payload.get("error"),
        "documents": selectors.documents_for_client(account),
        "sent": services.sent_for_client(account=account, private_key=key[0], key_id=key[1]),
        "only_for_coach": services.ONLY_FOR_COACH,
    }
    return render(request, "portal/records.html", context)


def attachment(opened) -> HttpResponse:
    """Serve an opened file or document as a download the browser never renders or sniffs."""
    response = HttpResponse(opened.content, content_type=opened.content_type)
    response["Content-Disposition"] = f'attachment; filename="{opened.filename}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_http_methods(["GET"])
def sent_download(request: HttpRequest, pk) -> HttpResponse:
    return _record_download(request, reply_pk=pk)


@require_http_methods(["GET"])
def document_download(request: HttpRequest, pk) -> HttpResponse:
    return _record_download(request, share_pk=pk)


def _record_download(request: HttpRequest, *, reply_pk=None, share_pk=None) -> HttpResponse:
    account = selectors.account_of(request.user)
    reply = selectors.get_reply_for_client(account, reply_pk) if reply_pk else None
    share = selectors.get_document_for_client(account, share_pk) if share_pk else None
    key = _key(request)
    if key is None:
        return _sign_in_again(request)
    try:
        opened = services.record_download(
            account=account, private_key=key[0], key_id=key[1], reply=reply, share=share
        )
    except ValidationError as error:
        return render(request, "portal/unreadable.html", {"message": error.messages[0]})
    return attachment(opened)


@allow_body(lambda: settings.ETHOS_UPLOAD_MAX_BYTES + 64 * 1024)
@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest) -> HttpResponse:
    account = selectors.account_of(request.user)
    key = _key(request)
    if key is None:
        return _sign_in_again(request)
    form = (
        UploadForm(request.POST or None, request.FILES or None) if request.method == "POST" else UploadForm()
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.upload_send(account=account, file=form.cleaned_data["file"])
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, FILE_SENT)
                return redirect("portal:upload")
    sent = [
        {
            "upload": item,
            "name": services.upload_name_for_client(upload=item, private_key=key[0], key_id=key[1]),
        }
        for item in selectors.uploads_of(account)
    ]
    context = {
        "form": form,
        "sent": sent,
        "can_send": account.client_id is not None,
        "not_yet": services.UPLOAD_NOT_YET,
        "limit_mb": settings.ETHOS_UPLOAD_MAX_BYTES // 2**20,
    }
    return render(request, "portal/upload.html", context, status=status)
