"""The association's pages: public verification and status lists, staff registry, the coach's certificate.

Staff pages show the registry and the association's own log, never anything of a practice's
clients: no model of this app points at client data, and staff have no vault key.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ethos.web import apply_errors

from . import credentials, keys, selectors, services
from .forms import ConditionsForm, RegisterForm, StandingForm, VerifyForm
from .models import StatusList

# Certifications on a page of the registry: an association of a thousand coaches has twenty pages.
REGISTRY_PAGE = 50
TOO_MANY = "Too many look-ups from your address in the last minute. Please wait a minute and try again."
NO_CREDENTIAL = "No certificate has been issued for this certification yet."
NOT_LINKED = (
    "No certification in the association's registry is linked to your account yet. "
    "The association links it when it registers your certificate with your email address."
)


# -- public -------------------------------------------------------------------------------


@login_not_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The public verification page: a number or a pasted certificate -> its standing."""
    form = VerifyForm(request.POST or request.GET or None)
    answer, status = None, 200
    if form.is_bound and form.is_valid():
        if not selectors.verification_allowed(request.META.get("REMOTE_ADDR")):
            return render(
                request, "certification/verify.html", {"form": form, "too_many": TOO_MANY}, status=429
            )
        answer = selectors.verify(form.cleaned_data["q"])
    elif form.is_bound:
        status = 400
    return render(request, "certification/verify.html", {"form": form, "answer": answer}, status=status)


@login_not_required
@csrf_exempt  # a machine endpoint: it changes nothing and reads no session
@require_http_methods(["GET", "POST"])
def verify_json(request: HttpRequest) -> JsonResponse:
    """The JSON answer: `?number=` or `?credential=` (or a JSON body with either)."""
    given = request.GET
    if request.method == "POST":
        try:
            given = json.loads(request.body or b"{}")
        except ValueError:
            given = None
        if not isinstance(given, dict):
            return JsonResponse({"error": "The body must be a JSON object."}, status=400)
    text = str(given.get("credential") or given.get("number") or "")[:20_000]
    if not text.strip():
        return JsonResponse({"error": "Give a certificate number or a credential."}, status=400)
    if not selectors.verification_allowed(request.META.get("REMOTE_ADDR")):
        return JsonResponse({"error": TOO_MANY}, status=429)
    response = JsonResponse(selectors.verify(text).as_dict())
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_GET
def status_list(request: HttpRequest, purpose: str) -> HttpResponse:
    """The signed status list credential of one purpose, cacheable for a few minutes."""
    if purpose not in StatusList.Purpose.values:
        raise Http404("No such status list.")
    response = HttpResponse(credentials.status_list_credential(purpose), content_type="application/vc+jwt")
    response["Cache-Control"] = f"public, max-age={credentials.STATUS_LIST_MAX_AGE}"
    return response


@login_not_required
@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    """The association's public key, for anyone verifying a certificate or a cosignature."""
    response = JsonResponse(keys.jwks())
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _credential_response(issued) -> HttpResponse:
    response = HttpResponse(issued.token, content_type="application/vc+jwt")
    number = issued.certification.number
    response["Content-Disposition"] = f'attachment; filename="certificate-{number}.jwt"'
    response["Cache-Control"] = "no-store"
    return response


# -- the coach ----------------------------------------------------------------------------


@require_GET
def my_certificate(request: HttpRequest) -> HttpResponse:
    certification = selectors.certification_of_coach(request.user)
    if certification is None:
        # The practice page links here for every coach: say so plainly rather than answer 404.
        return render(request, "certification/my_certificate.html", {"not_linked": NOT_LINKED})
    if request.GET.get("download"):
        issued = services.credential_download(person=request.user, certification=certification)
        if issued is None:
            raise Http404(NO_CREDENTIAL)
        return _credential_response(issued)
    context = {"certification": certification, "issued": certification.credentials.first()}
    return render(request, "certification/my_certificate.html", context)


# -- staff --------------------------------------------------------------------------------


@require_GET
def registry(request: HttpRequest) -> HttpResponse:
    """The registry, REGISTRY_PAGE certifications to a page, by number; `?q=` narrows it."""
    query = request.GET.get("q", "")[:200]
    page = Paginator(selectors.registry_search(query), REGISTRY_PAGE).get_page(request.GET.get("page"))
    context = {"certifications": page.object_list, "page": page, "q": query, "kept": urlencode({"q": query})}
    return render(request, "certification/registry.html", context)


@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            certification = services.certification_register(
                staff=request.user,
                number=data["number"],
                public_name=data["public_name"],
                issued_on=data["issued_on"],
                renews_on=data["renews_on"],
                coach=data["coach_email"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, f"{certification.number} is in the registry.")
            return redirect("certification:detail", pk=certification.pk)
    return render(request, "certification/register.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    certification = selectors.get_certification(pk)
    context = {
        "certification": certification,
        "answer": selectors.verify_number(certification.number),
        "issued": certification.credentials.first(),
        "entries": selectors.log_entries_for(certification),
        "form": StandingForm(),
        "conditions_form": ConditionsForm(
            initial={"conditions": certification.conditions}, prefix="conditions"
        ),
    }
    return render(request, "certification/detail.html", context)


@require_POST
def conditions(request: HttpRequest, pk: int) -> HttpResponse:
    certification = selectors.get_certification(pk)
    form = ConditionsForm(request.POST, prefix="conditions")
    if form.is_valid():
        try:
            services.certification_set_conditions(
                staff=request.user,
                certification=certification,
                conditions=form.cleaned_data["conditions"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The conditions are saved, and the reason is in the association's log.")
    else:
        messages.error(request, "Write the conditions (or leave them empty) and say why.")
    return redirect("certification:detail", pk=certification.pk)


@require_POST
def standing(request: HttpRequest, pk: int) -> HttpResponse:
    certification = selectors.get_certification(pk)
    form = StandingForm(request.POST)
    if form.is_valid():
        try:
            services.certification_set_status(
                staff=request.user,
                certification=certification,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, "The standing is changed, and the reason is in the association's log.")
    else:
        messages.error(request, "Choose a standing and say why.")
    return redirect("certification:detail", pk=certification.pk)


@require_POST
def issue(request: HttpRequest, pk: int) -> HttpResponse:
    certification = selectors.get_certification(pk)
    try:
        services.credential_issue(staff=request.user, certification=certification)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "The certificate is issued and signed.")
    return redirect("certification:detail", pk=certification.pk)


@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    certification = selectors.get_certification(pk)
    issued = services.credential_download(person=request.user, certification=certification)
    if issued is None:
        raise Http404(NO_CREDENTIAL)
    return _credential_response(issued)
