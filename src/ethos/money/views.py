"""Money pages: a client's fees and ledger, payments, gifts, invoices and receipts, the practice summary.

Thin: parse, call one service, render. A form with a problem comes back with status 400 and
nothing changed; a stopped action (P9, P12) shows its verdict with status 409.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ethos import memo
from ethos.clients.selectors import get_client_for_coach
from ethos.standards.engine import ActionStopped
from ethos.web import apply_errors

from . import documents, selectors, services
from .forms import AgreementForm, GiftForm, PackageForm, PaymentForm
from .lines import ledger_lines
from .models import Invoice

AGREEMENT_SAVED = "The fee agreement is kept. The client can stop at any time (P12)."
PACKAGE_SAVED = "The package is recorded. Its sessions never expire; unused ones are refunded pro rata (P12)."
PACKAGE_CLOSED = "The package is closed. The refund of its unused sessions is on the ledger (P12)."
CHARGES_ADDED = "{n} new line(s) from sessions are on the ledger."
CHARGES_NONE = "Every held or cancelled session already has its line."
PAYMENT_SAVED = "The payment is recorded."
GIFT_SAVED = "The gift is recorded as {outcome} (P9)."
INVOICE_SAVED = "Invoice {label} is issued."


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _status(request: HttpRequest, form) -> int:
    return 400 if request.method == "POST" and form.errors else 200


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The coach's own financial summary: income per month, balances owed either way, refunds."""
    context = {"summary": selectors.summary(request.user), "currency": selectors.currency_of(request.user)}
    return render(request, "money/home.html", context)


@require_GET
def documents_list(request: HttpRequest) -> HttpResponse:
    series = request.GET.get("series")
    series = series if series in Invoice.Series.values else ""
    page = selectors.documents_page(request.user, page=request.GET.get("page"), series=series)
    context = {
        "page": page,
        "series": series,
        "kept": urlencode({"series": series}) if series else "",
        "currency": selectors.currency_of(request.user),
    }
    return render(request, "money/documents.html", context)


@require_GET
def ledger(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    currency = selectors.currency_of(request.user)
    with memo.scope():  # the ledger's lines and its balance share one look at the kinds of record kept
        ledger = selectors.ledger_of(client)
    context = {
        "client": client,
        "ledger": ledger,
        "lines": ledger_lines(client, ledger, currency),
        "currency": currency,
        "section": {"key": "money", "title": "Balance and next charge"},
    }
    return render(request, "money/ledger.html", context)


def _form_page(request, client, form, kind: str, *, verdict=None, status=None, **extra) -> HttpResponse:
    title, lead, button = TITLES[kind]
    context = {
        "client": client,
        "form": form,
        "title": title,
        "lead": lead,
        "button": button,
        "verdict": verdict,
        "currency": selectors.currency_of(request.user),
        **extra,
    }
    return render(request, "money/form.html", context, status=status or _status(request, form))


@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    current = selectors.ledger_of(client).agreement
    initial = {"agreed_on": timezone.localdate()}
    if current is not None:
        initial |= {
            "fee": current.fee,
            "late_cancel_hours": current.late_cancel_hours,
            "late_cancel_percent": current.late_cancel_percent,
            "terms": current.terms,
        }
    form = AgreementForm(_post(request), initial=initial)
    if form.is_valid():
        try:
            services.agreement_make(coach=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except ActionStopped as stopped:
            return _form_page(request, client, form, "agreement", verdict=stopped.verdict, status=409)
        else:
            messages.success(request, AGREEMENT_SAVED)
            return redirect("money:ledger", pk=client.pk)
    return _form_page(request, client, form, "agreement")


@require_http_methods(["GET", "POST"])
def package_new(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    form = PackageForm(_post(request), initial={"bought_on": timezone.localdate()})
    if form.is_valid():
        try:
            services.package_sell(coach=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        except ActionStopped as stopped:
            return _form_page(request, client, form, "package", verdict=stopped.verdict, status=409)
        else:
            messages.success(request, PACKAGE_SAVED)
            return redirect("money:ledger", pk=client.pk)
    return _form_page(request, client, form, "package")


@require_http_methods(["GET", "POST"])
def package_close(request: HttpRequest, pk, package_pk) -> HttpResponse:
    """Show the computed refund of the unused sessions, and close the package with it (P12)."""
    client = get_client_for_coach(request.user, pk)
    package = selectors.get_package_for_coach(request.user, client, package_pk)
    context = {
        "client": client,
        "package": package,
        "refund": services.refund_due(package),
        "currency": selectors.currency_of(request.user),
    }
    if request.method == "POST":
        try:
            services.package_close(coach=request.user, package=package)
        except ValidationError as error:
            return render(
                request, "money/package_close.html", context | {"errors": error.messages}, status=400
            )
        except ActionStopped as stopped:  # pragma: no cover - the computed refund always passes P12
            return render(
                request, "money/package_close.html", context | {"verdict": stopped.verdict}, status=409
            )
        messages.success(request, PACKAGE_CLOSED)
        return redirect("money:ledger", pk=client.pk)
    return render(request, "money/package_close.html", context)


@require_POST
def charges(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    added = services.charges_bring_up_to_date(coach=request.user, client=client)
    messages.success(request, CHARGES_ADDED.format(n=len(added)) if added else CHARGES_NONE)
    return redirect("money:ledger", pk=client.pk)


@require_http_methods(["GET", "POST"])
def payment_new(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    invoices = selectors.ledger_of(client).invoices
    form = PaymentForm(_post(request), invoices=invoices, initial={"paid_on": timezone.localdate()})
    if form.is_valid():
        data = dict(form.cleaned_data)
        chosen = data.pop("invoice")
        invoice = next((i for i in invoices if str(i.pk) == chosen), None)
        try:
            services.payment_record(coach=request.user, client=client, invoice=invoice, **data)
        except ValidationError as error:
            apply_errors(form, error)
        except ActionStopped as stopped:
            return _form_page(request, client, form, "payment", verdict=stopped.verdict, status=409)
        else:
            messages.success(request, PAYMENT_SAVED)
            return redirect("money:ledger", pk=client.pk)
    return _form_page(request, client, form, "payment")


@require_http_methods(["GET", "POST"])
def gift_new(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    form = GiftForm(_post(request), initial={"offered_on": timezone.localdate()})
    if form.is_valid():
        try:
            gift = services.gift_record(coach=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request, GIFT_SAVED.format(outcome=gift.get_outcome_display().lower().removeprefix("i "))
            )
            return redirect("money:ledger", pk=client.pk)
    return _form_page(request, client, form, "gift")


@require_POST
def invoice_new(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    try:
        invoice = services.invoice_issue(coach=request.user, client=client)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("money:ledger", pk=client.pk)
    messages.success(request, INVOICE_SAVED.format(label=invoice.label))
    return redirect("money:ledger", pk=client.pk)


@require_GET
def document_pdf(request: HttpRequest, pk, document_pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    document = selectors.get_invoice_for_coach(request.user, client, document_pk)
    content = documents.document_pdf(coach=request.user, document=document)
    services.document_printed(coach=request.user, document=document)
    return _pdf(content, f"{document.label}.pdf")


TITLES = {
    "agreement": (
        "Fee agreement",
        "The fee per session and what a cancellation costs. There is no minimum number of sessions, "
        "no minimum period and no set frequency: the client can stop at any time (P12). A session you "
        "cancel, start late or cut short is never charged (P2).",
        "Keep the agreement",
    ),
    "package": (
        "Prepaid package",
        "Sessions paid for in advance. They never expire, and if the client stops, the unused ones are "
        "refunded pro rata (P12, with Ethos's own rule on expiry).",
        "Record the package",
    ),
    "payment": (
        "Record a payment",
        "Only money for coaching goes on the ledger: a fee, a package, or a refund you paid back. A loan, "
        "a sale, an investment, a gift, paid work or barter is refused, whatever its size (P9).",
        "Record the payment",
    ),
    "gift": (
        "A gift the client offered",
        "A gift, however small, can only be declined or returned (P9). Record what it was and what you did.",
        "Record it",
    ),
}
