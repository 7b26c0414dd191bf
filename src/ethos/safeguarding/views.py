"""Safeguarding pages: reports owed and recorded (C3), consents, court orders, disclosures and
their accounting (C1). Thin: parse, call one service, render; a stopped action shows its verdict."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from ethos.clients.selectors import get_client_for_coach
from ethos.coaching.models import SessionNote
from ethos.practice.selectors import profile_for
from ethos.standards.engine import ActionStopped
from ethos.web import apply_errors

from . import reports, selectors, services
from .forms import (
    AnnotationForm,
    ConsentForm,
    CourtOrderForm,
    DisclosureForm,
    DismissForm,
    EmergencyForm,
    ReportForm,
    ReportTaskForm,
    ReviewForm,
    RevokeForm,
)
from .models import Disclosure

TASK_OPENED = "The report is now on your list until it is recorded. It is due by {due:%H:%M on %d %b}."
REPORT_RECORDED = "The report is recorded. The task is closed, and the report is in the client's accounting."
FLAG_DISMISSED = "Recorded why these words are not a disclosure. The flag is closed."
CONSENT_RECORDED = "The consent is recorded."
CONSENT_REVOKED = "The consent is revoked: from now on it covers nothing."
ORDER_RECORDED = "The order is recorded. Seek legal advice before you share anything."
DISCLOSED = "The disclosure is recorded in the client's accounting. Download the bundle below."
ANNOTATED = "Your note is added to the disclosure."
REVIEWED = "The review is recorded."
EMERGENCY_RECORDED = "The emergency disclosure is recorded. Review it once the emergency is over."


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "tasks": selectors.open_tasks(request.user),
        "page": selectors.recent_disclosures(request.user, page=request.GET.get("page")),
        "now": timezone.now(),
    }
    return render(request, "safeguarding/home.html", context)


@require_http_methods(["GET", "POST"])
def task_new(request: HttpRequest) -> HttpResponse:
    """'A disclosure of abuse was made': open the report task, from the client page or a note's flag."""
    client = get_client_for_coach(request.user, _uuid(request.GET.get("client")))
    note = None
    if request.GET.get("note"):
        note = SessionNote.objects.filter(
            coach=request.user, client=client, pk=_uuid(request.GET["note"])
        ).first()
        if note is None:
            raise Http404("No such note.")
    form = ReportTaskForm(
        _post(request), initial={"learned_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            task = reports.report_task_open(coach=request.user, client=client, note=note, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, TASK_OPENED.format(due=timezone.localtime(task.deadline)))
            return redirect("safeguarding:task", pk=task.pk)
    return render(request, "safeguarding/task_new.html", {"client": client, "note": note, "form": form})


@require_http_methods(["GET", "POST"])
def task(request: HttpRequest, pk) -> HttpResponse:
    """A report owed, its countdown, and the form that alone closes it: the report's record."""
    task = selectors.get_task_for_coach(request.user, pk)
    form = ReportForm(
        _post(request), initial={"reported_at": timezone.localtime().replace(second=0, microsecond=0)}
    )
    verdict = None
    if request.method == "POST" and task.is_open and form.is_valid():
        try:
            reports.mandatory_report_record(coach=request.user, task=task, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except ActionStopped as stopped:
            verdict = stopped.verdict
        else:
            messages.success(request, REPORT_RECORDED)
            return redirect("safeguarding:task", pk=task.pk)
    report = getattr(task, "report", None) if not task.is_open else None
    context = {"task": task, "form": form, "report": report, "verdict": verdict, "now": timezone.now()}
    return render(request, "safeguarding/task.html", context)


@require_http_methods(["GET", "POST"])
def dismiss(request: HttpRequest, item_pk) -> HttpResponse:
    """Record why words the checker flagged are not a disclosure at all (never for a disclosure)."""
    item = reports.note_flag_item(request.user, item_pk)
    if item is None:
        raise Http404("No such flag.")
    note = (
        SessionNote.objects.select_related("data_key", "session")
        .filter(coach=request.user, pk=_uuid(item.subject_id))
        .first()
    )
    if note is None:
        raise Http404("No such note.")
    form = DismissForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            reports.flag_dismiss(coach=request.user, item=item, note=note, reason=form.cleaned_data["reason"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, FLAG_DISMISSED)
            return redirect("coaching:note", pk=note.session_id)
    return render(request, "safeguarding/dismiss.html", {"item": item, "note": note, "form": form})


@require_http_methods(["GET", "POST"])
def consent_new(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    form = ConsentForm(_post(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            data["document"] = services.upload_read(data.pop("document"))
            services.consent_record(coach=request.user, client=client, **data)
        except ValidationError as error:
            apply_errors(form, error)
        except ActionStopped as stopped:
            return render(
                request,
                "safeguarding/consent_new.html",
                {"client": client, "form": form, "verdict": stopped.verdict},
            )
        else:
            messages.success(request, CONSENT_RECORDED)
            return redirect("clients:detail", pk=client.pk)
    return render(request, "safeguarding/consent_new.html", {"client": client, "form": form})


@require_http_methods(["GET", "POST"])
def consent(request: HttpRequest, pk, consent_pk) -> HttpResponse:
    """A consent as recorded, with the way to record its revocation."""
    client = get_client_for_coach(request.user, pk)
    consent = selectors.get_consent_for_coach(request.user, client, consent_pk)
    form = RevokeForm(_post(request))
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_revoke(coach=request.user, consent=consent, note=form.cleaned_data["note"])
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, CONSENT_REVOKED)
            return redirect("safeguarding:consent", pk=client.pk, consent_pk=consent.pk)
    context = {
        "client": client,
        "consent": consent,
        "form": form,
        "in_force": consent.in_force(timezone.localdate()),
    }
    return render(request, "safeguarding/consent.html", context)


def _copy(request, client, record, what: str) -> HttpResponse:
    services.copy_downloaded(coach=request.user, client_id=client.pk, what=what)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        record.document_type, "bin"
    )
    response = HttpResponse(record.document, content_type=record.document_type or "application/octet-stream")
    response["Content-Disposition"] = (
        f'attachment; filename="{what}-{record.recorded_at:%Y-%m-%d}.{extension}"'
    )
    return response


@require_GET
def consent_copy(request: HttpRequest, pk, consent_pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    consent = selectors.get_consent_for_coach(request.user, client, consent_pk)
    if consent.document is None:
        raise Http404("No uploaded copy.")
    return _copy(request, client, consent, "consent")


@require_http_methods(["GET", "POST"])
def order_new(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    form = CourtOrderForm(_post(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data["may_tell_client"] = data["may_tell_client"] == "yes"
        try:
            data["document"] = services.upload_read(data.pop("document"))
            order = services.court_order_record(coach=request.user, client=client, **data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, ORDER_RECORDED)
            return redirect("safeguarding:order", pk=client.pk, order_pk=order.pk)
    return render(request, "safeguarding/order_new.html", {"client": client, "form": form})


@require_GET
def order(request: HttpRequest, pk, order_pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    order = selectors.get_order_for_coach(request.user, client, order_pk)
    return render(request, "safeguarding/order.html", {"client": client, "order": order})


@require_GET
def order_copy(request: HttpRequest, pk, order_pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    order = selectors.get_order_for_coach(request.user, client, order_pk)
    return _copy(request, client, order, "court-order")


@require_http_methods(["GET", "POST"])
def disclosure_new(request: HttpRequest, pk) -> HttpResponse:
    """The one gate for sharing a client's records on a consent or a court order (C1)."""
    client = get_client_for_coach(request.user, pk)
    records = selectors.records_of(client)
    form = DisclosureForm(_post(request), consents=records.consents, orders=records.orders)
    verdict = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        request_ = services.Request(
            client=client,
            recipient=data["recipient"],
            record_kinds=tuple(data["record_kinds"]),
            purpose=data["purpose"],
            basis=data["basis"],
            consent=form.chosen_consent() if data["basis"] == Disclosure.Basis.CONSENT else None,
            order=form.chosen_order() if data["basis"] == Disclosure.Basis.SUBPOENA else None,
        )
        try:
            made = services.disclosure_request(
                coach=request.user, passphrase=data["passphrase"], request=request_
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ActionStopped as stopped:
            verdict = stopped.verdict
        else:
            messages.success(request, DISCLOSED)
            return redirect("safeguarding:disclosure", pk=client.pk, disclosure_pk=made.pk)
    context = {"client": client, "form": form, "verdict": verdict}
    return render(request, "safeguarding/disclosure_new.html", context)


@require_http_methods(["GET", "POST"])
def emergency(request: HttpRequest, pk) -> HttpResponse:
    """Record information given to emergency services when a life was at risk (reviewed afterwards)."""
    client = get_client_for_coach(request.user, pk)
    form = EmergencyForm(_post(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = services.emergency_disclose(
                coach=request.user,
                passphrase=data["passphrase"],
                client=client,
                recipient=data["recipient"],
                what=data["what"],
                record_kinds=("identity",),
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, EMERGENCY_RECORDED)
            return redirect("safeguarding:disclosure", pk=client.pk, disclosure_pk=made.pk)
    context = {"client": client, "form": form, "profile": profile_for(request.user)}
    return render(request, "safeguarding/emergency.html", context)


@require_http_methods(["GET", "POST"])
def disclosure(request: HttpRequest, pk, disclosure_pk) -> HttpResponse:
    """One disclosure as it left: never changed; notes are added below it, and an emergency is reviewed."""
    client = get_client_for_coach(request.user, pk)
    made = selectors.get_disclosure_for_coach(request.user, client, disclosure_pk)
    review = selectors.review_of(made)
    note_form, review_form = AnnotationForm(prefix="note"), ReviewForm(prefix="review")
    if request.method == "POST":
        try:
            if "review-what_happened" in request.POST:
                review_form = ReviewForm(request.POST, prefix="review")
                if review_form.is_valid():
                    services.emergency_review(coach=request.user, disclosure=made, **review_form.cleaned_data)
                    messages.success(request, REVIEWED)
                    return redirect("safeguarding:disclosure", pk=client.pk, disclosure_pk=made.pk)
            else:
                note_form = AnnotationForm(request.POST, prefix="note")
                if note_form.is_valid():
                    services.disclosure_annotate(
                        coach=request.user, disclosure=made, text=note_form.cleaned_data["text"]
                    )
                    messages.success(request, ANNOTATED)
                    return redirect("safeguarding:disclosure", pk=client.pk, disclosure_pk=made.pk)
        except ValidationError as error:
            apply_errors(review_form if "review-what_happened" in request.POST else note_form, error)
    context = {
        "client": client,
        "disclosure": made,
        "annotations": list(made.annotations.select_related("data_key").order_by("written_at")),
        "review": review,
        "note_form": note_form,
        "review_form": review_form,
        "needs_review": made.basis == Disclosure.Basis.EMERGENCY and review is None,
    }
    return render(request, "safeguarding/disclosure.html", context)


@require_GET
def bundle(request: HttpRequest, pk, disclosure_pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    made = selectors.get_disclosure_for_coach(request.user, client, disclosure_pk)
    services.copy_downloaded(coach=request.user, client_id=client.pk, what="disclosure bundle")
    return _pdf(made.bundle, f"disclosure-{timezone.localtime(made.disclosed_at):%Y-%m-%d}.pdf")


@require_GET
def accounting(request: HttpRequest, pk) -> HttpResponse:
    """Every disclosure of the client in the last six years: when, to whom, what, why, on what basis."""
    client = get_client_for_coach(request.user, pk)
    entries = selectors.accounting_for(client)
    context = {"client": client, "entries": entries, "since": selectors.accounting_since()}
    return render(request, "safeguarding/accounting.html", context)


@require_GET
def accounting_print(request: HttpRequest, pk) -> HttpResponse:
    """The accounting as a PDF for the client to keep: their own copy, not a disclosure."""
    client = get_client_for_coach(request.user, pk)
    content = services.accounting_print(coach=request.user, client=client)
    return _pdf(content, f"accounting-of-disclosures-{timezone.localdate():%Y-%m-%d}.pdf")
