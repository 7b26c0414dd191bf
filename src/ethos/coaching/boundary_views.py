"""Boundary pages of a client (P7, P8): the agreement, the contact log, reviews and declarations."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods

from ethos.clients.selectors import get_client_for_coach
from ethos.standards.engine import ActionStopped
from ethos.web import apply_errors

from . import boundaries
from .boundary_forms import AgreementForm, ContactForm, ContactReviewForm, DeclarationForm

AGREEMENT_SAVED = "The boundary agreement is signed and kept."
CONTACT_SAVED = "The contact is logged."
CONTACT_REVIEW_OWED = (
    "The contact is logged. It was not about coaching, so a boundary review is waiting (P7)."
)
REVIEW_SAVED = "The boundary review is recorded."
DECLARED = "Recorded. Coaching with this client now ends (P8): no further session can start."
DECLARED_OTHER = "Recorded. Talk it through in supervision, and consider referring the client on (P7)."


def _post(request: HttpRequest):
    return request.POST if request.method == "POST" else None


@require_GET
def client_boundaries(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    context = {"client": client, "boundaries": boundaries.boundaries_of(client)}
    return render(request, "coaching/boundaries.html", context)


@require_http_methods(["GET", "POST"])
def agreement(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    form = AgreementForm(_post(request))
    if form.is_valid():
        try:
            boundaries.boundary_agreement_sign(coach=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, AGREEMENT_SAVED)
            return redirect("coaching:boundaries", pk=client.pk)
    return render(request, "coaching/boundary_form.html", _form_context(client, form, "agreement"))


@require_http_methods(["GET", "POST"])
def contact(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    form = ContactForm(_post(request))
    if form.is_valid():
        try:
            logged = boundaries.contact_log(coach=request.user, client=client, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            if logged.about_coaching:
                messages.success(request, CONTACT_SAVED)
                return redirect("coaching:boundaries", pk=client.pk)
            messages.warning(request, CONTACT_REVIEW_OWED)
            return redirect("coaching:contact_review", pk=client.pk, contact_pk=logged.pk)
    return render(request, "coaching/boundary_form.html", _form_context(client, form, "contact"))


@require_http_methods(["GET", "POST"])
def contact_review(request: HttpRequest, pk, contact_pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    logged = boundaries.get_contact_for_coach(request.user, client, contact_pk)
    form = ContactReviewForm(_post(request))
    if form.is_valid():
        try:
            boundaries.contact_review(coach=request.user, contact=logged, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, REVIEW_SAVED)
            return redirect("coaching:boundaries", pk=client.pk)
    context = _form_context(client, form, "review") | {"contact": logged}
    return render(request, "coaching/boundary_form.html", context)


@require_http_methods(["GET", "POST"])
def declare(request: HttpRequest, pk) -> HttpResponse:
    client = get_client_for_coach(request.user, pk)
    form = DeclarationForm(_post(request), initial={"kind": request.GET.get("kind", "")})
    if form.is_valid():
        try:
            declaration = boundaries.relationship_declare(
                coach=request.user, client=client, **form.cleaned_data
            )
        except ValidationError as error:
            apply_errors(form, error)
        except ActionStopped as stopped:
            context = _form_context(client, form, "declare") | {"verdict": stopped.verdict}
            return render(request, "coaching/boundary_form.html", context, status=409)
        else:
            if not declaration.ends_coaching:
                messages.warning(request, DECLARED_OTHER)
                return redirect("coaching:boundaries", pk=client.pk)
            messages.warning(request, DECLARED)
            item = boundaries.ending_item(request.user, client)
            query = f"?{urlencode({'item': str(item.pk)})}" if item else ""
            return redirect(reverse("clients:end", args=[client.pk]) + query)
    return render(request, "coaching/boundary_form.html", _form_context(client, form, "declare"))


TITLES = {
    "agreement": (
        "Boundary agreement",
        "How and when you and the client are in touch outside sessions, and what is out of bounds "
        "(P7). The client signs it by typing their name.",
        "Keep the signed agreement",
    ),
    "contact": (
        "Log a contact outside a session",
        "Any contact outside a session is logged (P7): who started it, how, and what it was about. "
        "Contact that is not about coaching opens a boundary review.",
        "Log the contact",
    ),
    "review": (
        "Boundary review",
        "The contact was not about coaching. Record what you did about it (P7).",
        "Record the review",
    ),
    "declare": (
        "Declare a relationship",
        "A relationship with a client other than coaching is declared here. A romantic or sexual "
        "relationship, or attraction, ends coaching (P8): no further session starts, and you end "
        "coaching with a referral to another coach you have vetted, and take it to supervision.",
        "Declare it",
    ),
}


def _form_context(client, form, kind: str) -> dict:
    title, lead, button = TITLES[kind]
    return {"client": client, "form": form, "title": title, "lead": lead, "button": button}
