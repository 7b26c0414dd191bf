"""Pages of the practice profile: thin views that parse the form and call one service."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from . import education, selectors, services
from .forms import CompetenceForm, CredentialForm, ProfileForm
from .jurisdictions import COUNTRY_NAMES, is_country, suggestion_for

PROFILE_SAVED = "Your practice profile is saved."
COMPETENCE_SAVED = "Your competence areas are saved."
CREDENTIAL_ADDED = "The credential is added to your profile."
CREDENTIAL_SAVED = "The credential is saved."
CREDENTIAL_REMOVED = "The credential is removed from your profile."


def _posted(request: HttpRequest):
    return request.POST if request.method == "POST" else None


def _custom(coach) -> dict[str, str]:
    return {area.slug: area.custom_label for area in selectors.custom_areas_for(coach)}


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "profile": selectors.profile_for(request.user),
        "competence": selectors.competence_for(request.user),
        "credentials": selectors.credentials_for(request.user),
        "progress": education.progress_for(request.user),
    }
    return render(request, "practice/home.html", context)


@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    current = selectors.profile_for(request.user)
    initial = {name: getattr(current, name) for name in (*services.PROFILE_FIELDS, *services.DETAIL_FIELDS)}
    suggestion = selectors.suggestion_for_profile(current)
    form = ProfileForm(_posted(request), initial=initial, suggestion=suggestion, place=current.jurisdiction)
    if form.is_valid():
        try:
            services.profile_update(coach=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, PROFILE_SAVED)
            return redirect("practice:home")
    return render(request, "practice/profile.html", _profile_context(form, profile=current))


def _profile_context(form: ProfileForm, **extra) -> dict:
    return {
        "form": form,
        "place_fields": [form[name] for name in ("country", "region")],
        "detail_fields": [form[name] for name in services.DETAIL_FIELDS],
        "suggested_fields": [form[name] for name in form.SUGGESTED],
        **extra,
    }


@require_GET
def profile_suggested(request: HttpRequest) -> HttpResponse:
    """Fill the age of majority and emergency numbers for the jurisdiction chosen (htmx fragment).

    Nothing is saved: the coach checks the values, and the form's POST validates them as ever.
    """
    country = request.GET.get("country", "").upper()[:2]
    region = request.GET.get("region", "")[:100]
    if not is_country(country):
        country, region = "", ""
    suggestion = suggestion_for(country, region)
    place = ", ".join(part for part in (COUNTRY_NAMES.get(country, ""), region.strip()) if part)
    initial = {
        "country": country,
        "region": region,
        "age_of_majority": suggestion.age_of_majority,
        # Where Ethos knows no number, what the coach typed stays.
        "crisis_line": suggestion.crisis_line or request.GET.get("crisis_line", "")[:200],
        "emergency_number": suggestion.emergency_number or request.GET.get("emergency_number", "")[:40],
    }
    form = ProfileForm(initial=initial, suggestion=suggestion, place=place)
    return render(request, "practice/profile.html#suggested", _profile_context(form))


@require_http_methods(["GET", "POST"])
def competence(request: HttpRequest) -> HttpResponse:
    coach = request.user
    initial = {"areas": sorted(selectors.competence_for(coach).areas)}
    form = CompetenceForm(_posted(request), initial=initial, custom=_custom(coach))
    if form.is_valid():
        try:
            services.competence_update(
                coach=coach, areas=form.cleaned_data["areas"], new_area=form.cleaned_data["new_area"]
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, COMPETENCE_SAVED)
            return redirect("practice:competence")
    return render(request, "practice/competence.html", {"form": form})


@require_GET
def credentials(request: HttpRequest) -> HttpResponse:
    rows = selectors.credential_rows(request.user)
    return render(request, "practice/credentials.html", {"rows": rows})


@require_http_methods(["GET", "POST"])
def credential_add(request: HttpRequest) -> HttpResponse:
    form = CredentialForm(_posted(request), custom=_custom(request.user))
    if form.is_valid():
        try:
            services.credential_add(coach=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, CREDENTIAL_ADDED)
            return redirect("practice:credentials")
    return render(request, "practice/credential_form.html", {"form": form, "credential": None})


@require_http_methods(["GET", "POST"])
def credential_edit(request: HttpRequest, pk) -> HttpResponse:
    credential = selectors.get_credential_for_coach(request.user, pk)
    initial = {
        name: getattr(credential, name) for name in ("title", "issuer", "awarded_on", "verified_on", "areas")
    }
    form = CredentialForm(
        _posted(request), initial=initial, custom=_custom(request.user), kept=credential.areas
    )
    if form.is_valid():
        try:
            services.credential_update(coach=request.user, credential=credential, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error.messages)
        else:
            messages.success(request, CREDENTIAL_SAVED)
            return redirect("practice:credentials")
    return render(request, "practice/credential_form.html", {"form": form, "credential": credential})


@require_POST
def credential_delete(request: HttpRequest, pk) -> HttpResponse:
    credential = selectors.get_credential_for_coach(request.user, pk)
    services.credential_remove(coach=request.user, credential=credential)
    messages.success(request, CREDENTIAL_REMOVED)
    return redirect("practice:credentials")
