"""Forms of the practice pages: they read and check input; the services write."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.urls import reverse
from django.utils import timezone

from ethos.web import FixedChoicesSelect

from .areas import COMPETENCE_AREAS, area_label, area_slug
from .currencies import CURRENCY_CHOICES
from .jurisdictions import AGE_OF_MAJORITY_MAX, AGE_OF_MAJORITY_MIN, COUNTRIES, Suggestion
from .models import EducationActivity, Supervisor
from .services import AREA_UNREADABLE, jurisdiction_errors

DATE_IN_FUTURE = "This date is in the future. Enter the date it happened."
VERIFIED_BEFORE_AWARD = "A credential cannot be verified before it was awarded."
NO_COUNTRY = ("", "Choose a country")


def date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProfileForm(forms.Form):
    country = forms.ChoiceField(
        label="Country you practise in",
        choices=[NO_COUNTRY, *COUNTRIES],
        required=False,
        widget=FixedChoicesSelect,
    )
    region = forms.CharField(
        label="State, province or region",
        max_length=100,
        required=False,
        help_text="Needed where the age of majority differs within a country (the United States and "
        "Canada): for example Alabama or British Columbia.",
    )
    age_of_majority = forms.IntegerField(
        label="Age of majority",
        min_value=AGE_OF_MAJORITY_MIN,
        max_value=AGE_OF_MAJORITY_MAX,
        help_text="People younger than this are not taken on for coaching (S9). It can be higher than "
        "the legal age where you practise, never lower.",
    )
    crisis_line = forms.CharField(label="Crisis line", max_length=200, required=False)
    emergency_number = forms.CharField(label="Emergency number", max_length=40, required=False)
    practice_name = forms.CharField(
        label="Practice name",
        max_length=150,
        required=False,
        help_text="Printed at the top of letters to clients, with the details below.",
    )
    phone = forms.CharField(label="Practice phone", max_length=40, required=False)
    email = forms.EmailField(label="Practice email", max_length=254, required=False)
    website = forms.URLField(label="Website", max_length=200, required=False, assume_scheme="https")
    currency = forms.ChoiceField(
        label="Currency you charge in",
        choices=CURRENCY_CHOICES,
        widget=FixedChoicesSelect,
        # Left out (an older form, a script), the currency stays as it is.
        required=False,
        help_text="Fees, invoices and receipts are written in this currency.",
    )

    # Choosing a jurisdiction fills these in at once (htmx); without JavaScript the help texts say them.
    SUGGESTED = ("age_of_majority", "crisis_line", "emergency_number")

    def __init__(self, *args, suggestion: Suggestion, place: str = "", **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for name in ("country", "region"):
            self.fields[name].widget.attrs.update(
                {
                    "hx-get": reverse("practice:profile_suggested"),
                    "hx-trigger": "change",
                    "hx-target": "#jurisdiction-suggested",
                    # The place and the numbers typed so far; never the CSRF token in a URL.
                    "hx-include": "#id_country, #id_region, #id_crisis_line, #id_emergency_number",
                }
            )
        # Suggestions are for the jurisdiction already saved; the coach checks and confirms them.
        where = f" for {place}" if place else ""
        self.fields["age_of_majority"].help_text += f" Suggested{where}: {suggestion.age_of_majority}."
        for name in ("crisis_line", "emergency_number"):
            value = getattr(suggestion, name)
            self.fields[name].help_text = (
                f"Suggested{where}: {value}. Check it before you rely on it."
                if value
                else "Shown on the crisis protocol page. Check it before you rely on it."
            )

    def clean(self) -> dict:
        data = super().clean()
        if "country" in data and "region" in data:
            errors = jurisdiction_errors(
                country=data["country"], region=data["region"], age_of_majority=data.get("age_of_majority")
            )
            for name, message in errors.items():
                self.add_error(name, message)
        return data


class CompetenceForm(forms.Form):
    areas = forms.MultipleChoiceField(
        label="Areas you are trained for",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    new_area = forms.CharField(
        label="Add an area of your own (optional)",
        max_length=100,
        required=False,
        help_text="For training the list above does not name, for example “Adoption and fostering”.",
    )

    def __init__(self, *args, custom: dict[str, str], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["areas"].choices = [*COMPETENCE_AREAS, *sorted(custom.items(), key=lambda item: item[1])]

    def clean_new_area(self) -> str:
        value = self.cleaned_data["new_area"].strip()
        if value and not area_slug(value):
            raise forms.ValidationError(AREA_UNREADABLE)
        return value


class CredentialForm(forms.Form):
    title = forms.CharField(label="Title of the credential", max_length=200)
    issuer = forms.CharField(label="Issued by", max_length=200)
    awarded_on = forms.DateField(label="Date awarded", widget=date_input())
    verified_on = forms.DateField(
        label="Date verified (optional)",
        required=False,
        widget=date_input(),
        help_text="When you (or the association) checked it with the issuer. Only a verified "
        "credential widens your competence (S10).",
    )
    areas = forms.MultipleChoiceField(
        label="Competence areas this training adds",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, custom: dict[str, str], kept: list[str] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        extra = {
            slug: custom.get(slug) or area_label(slug) for slug in kept if slug not in dict(COMPETENCE_AREAS)
        }
        extra.update(custom)
        self.fields["areas"].choices = [*COMPETENCE_AREAS, *sorted(extra.items(), key=lambda item: item[1])]

    def clean(self) -> dict:
        data = super().clean()
        today = timezone.localdate()
        awarded, verified = data.get("awarded_on"), data.get("verified_on")
        for name, value in (("awarded_on", awarded), ("verified_on", verified)):
            if isinstance(value, datetime.date) and value > today:
                self.add_error(name, DATE_IN_FUTURE)
        if awarded and verified and verified < awarded and "verified_on" not in self.errors:
            self.add_error("verified_on", VERIFIED_BEFORE_AWARD)
        return data


# -- Supervision (S6) and continuing education (P13) --------------------------------------------

HOURS_HELP = "In hours, with a decimal point for parts of an hour: 1.5 is an hour and a half."


class SupervisorForm(forms.Form):
    name = forms.CharField(label="Supervisor's name", max_length=150)
    qualification = forms.CharField(
        label="Their qualification",
        max_length=200,
        help_text="For example “Clinical supervisor, registered with the national counselling body”.",
    )
    verified_how = forms.ChoiceField(
        label="How you checked the qualification",
        choices=Supervisor.Verified.choices,
        widget=forms.RadioSelect,
    )
    verified_on = forms.DateField(label="Date you checked it", widget=date_input())


class SupervisionEntryForm(forms.Form):
    supervisor = forms.ChoiceField(label="Supervisor")
    held_on = forms.DateField(label="Date of the supervision", widget=date_input())
    hours = forms.DecimalField(
        label="Time spent",
        min_value=Decimal("0.01"),
        max_value=Decimal("24"),
        decimal_places=2,
        help_text=HOURS_HELP,
    )
    items = forms.MultipleChoiceField(
        label="Open items you took to supervision (optional)",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Supervision goes alongside a referral, never in its place: an item that needs a "
        "referral stays open until the referral is made.",
    )
    concerns = forms.CharField(
        label="The concerns you brought",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="Without anyone's name or other details that could identify them: “a client”, “they”.",
    )
    outcome = forms.CharField(
        label="What came out of it", max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )
    actions = forms.CharField(
        label="Actions you will take",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, supervisors, items, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["supervisor"].choices = [
            ("", "Choose a supervisor"),
            *((str(s.pk), str(s)) for s in supervisors),
        ]
        self.fields["items"].choices = [
            (str(item.pk), f"{item.clause}: {item.message} (opened {item.opened_at:%d %b %Y})")
            for item in items
        ]


class EducationForm(forms.Form):
    title = forms.CharField(label="Title", max_length=200)
    provider = forms.CharField(label="Provided by", max_length=200)
    done_on = forms.DateField(label="Date", widget=date_input(), help_text="The day it ended, for a course.")
    hours = forms.DecimalField(
        label="Hours",
        min_value=Decimal("0.01"),
        max_value=Decimal("200"),
        decimal_places=2,
        help_text=HOURS_HELP,
    )
    topic = forms.ChoiceField(
        label="Topic", choices=[("", "Choose a topic"), *EducationActivity.Topic.choices]
    )
    evidence = forms.FileField(
        label="Evidence (optional)",
        required=False,
        help_text="A certificate or notes: PDF, PNG, JPEG or text, up to 2 MB. Kept encrypted.",
    )


class EducationTargetForm(forms.Form):
    hours = forms.DecimalField(
        label="Your yearly target in hours",
        min_value=Decimal("0.1"),
        max_value=Decimal("500"),
        decimal_places=1,
    )
