from django import forms
from django.utils import timezone

from ethos.practice.jurisdictions import COUNTRIES
from ethos.standards.facts import DECLINE_REASONS

from . import services

YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_A_DATE = "Enter the date of birth as a date, for example 1990-04-27."
NOT_A_DAY = "Enter the day as a date, for example 2025-03-14."
FUTURE_DATE = "A date of birth cannot be in the future."
CONTACT_NEEDED = "Give at least one way to reach the person: an email address or a phone number."
OTHER_AREA = "other"


def _yes_no(label: str, help_text: str = "") -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )


class ContactFields(forms.Form):
    preferred_name = forms.CharField(max_length=150, required=False, label="Name they like to be called")
    pronouns = forms.CharField(max_length=40, required=False, label="Pronouns (optional)")
    email = forms.EmailField(max_length=254, required=False)
    phone = forms.CharField(max_length=40, required=False)
    emergency_name = forms.CharField(max_length=150, required=False, label="Emergency contact: name")
    emergency_phone = forms.CharField(max_length=40, required=False, label="Emergency contact: phone")

    def clean(self):
        data = super().clean()
        if not data.get("email") and not data.get("phone") and not self.errors:
            raise forms.ValidationError(CONTACT_NEEDED)
        return data

    def contact(self) -> dict[str, str]:
        return {key: self.cleaned_data[key] for key in ("email", "phone") if self.cleaned_data.get(key)}

    def emergency_contact(self) -> dict[str, str] | None:
        name, phone = self.cleaned_data.get("emergency_name"), self.cleaned_data.get("emergency_phone")
        return {"name": name, "phone": phone} if name or phone else None


class IntakeForm(ContactFields):
    name = forms.CharField(max_length=150, label="Full name")
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": NOT_A_DATE},
    )
    wants = forms.CharField(
        max_length=5000,
        required=False,
        label="What they want from coaching, in their own words",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    concern_areas = forms.MultipleChoiceField(
        required=False,
        label="The concerns they bring",
        help_text=(
            "Tick each area their concerns touch. Ethos compares them with your profile's competence (S5)."
        ),
        widget=forms.CheckboxSelectMultiple,
    )
    other_concern = forms.CharField(
        max_length=300, required=False, label="Another concern, in their words (optional)"
    )
    suicidal_thoughts = _yes_no("In the last month, have you had thoughts of ending your life?")
    intent_or_plan = _yes_no(
        "Have you thought about how you would do it, or do you intend to act on those thoughts?",
        "Ask this whatever the answer above, gently.",
    )
    self_harm = _yes_no("In the last month, have you hurt yourself on purpose in a way that needed care?")
    substance_uncontrolled = _yes_no(
        "Is there drinking or drug use in your life right now that you feel you cannot control?"
    )
    current_treatment = _yes_no(
        "Are you seeing a therapist, psychiatrist or doctor for your mental health now?"
    )
    residence_country = forms.ChoiceField(
        required=False,
        label="Where they live, if not where you practise",
        help_text="The higher age of majority of the two places applies (S9).",
    )
    residence_region = forms.CharField(
        max_length=100,
        required=False,
        label="Their state, province or territory",
        help_text="Where the age of majority differs within a country; left out, the highest there applies.",
    )
    decline_reason = forms.ChoiceField(
        required=False,
        label="Your decision",
        help_text="Leave as it is to accept. A decline always needs a reason from this list (P3).",
        # The one list of reasons (P3), shared with the ethics desk and read by the P3 rule.
        choices=[("", "Accept as a client"), *DECLINE_REASONS.items()],
    )
    reentry_explanation = forms.CharField(
        max_length=5000,
        required=False,
        label="If Ethos says this person was declined before: why the answers are different now",
        help_text="What changed since then, and how you checked it with them (S1, S2, S9).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    field_order = [
        "name",
        "preferred_name",
        "pronouns",
        "date_of_birth",
        "residence_country",
        "residence_region",
        "email",
        "phone",
        "emergency_name",
        "emergency_phone",
        "wants",
        "concern_areas",
        "other_concern",
        "suicidal_thoughts",
        "intent_or_plan",
        "self_harm",
        "substance_uncontrolled",
        "current_treatment",
        "decline_reason",
        "reentry_explanation",
    ]

    def __init__(self, *args, areas: list[tuple[str, str]], jurisdiction: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern_areas"].choices = areas
        same = f"Where I practise ({jurisdiction})" if jurisdiction else "Where I practise"
        self.fields["residence_country"].choices = [("", same), *COUNTRIES]
        self.order_fields(self.field_order)

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError(FUTURE_DATE)
        return value

    def concerns(self) -> list[dict[str, str]]:
        found = [{"area": area} for area in self.cleaned_data.get("concern_areas", [])]
        if self.cleaned_data.get("other_concern"):
            found.append({"area": OTHER_AREA, "words": self.cleaned_data["other_concern"]})
        return found

    def intake_data(self) -> services.IntakeData:
        """Return the answers as the intake service takes them (call after is_valid())."""
        data = self.cleaned_data
        return services.IntakeData(
            name=data["name"],
            date_of_birth=data["date_of_birth"],
            contact=self.contact(),
            screening=services.Screening(
                **{name: data[name] for name in services.Screening.__dataclass_fields__}
            ),
            concerns=self.concerns(),
            wants=data["wants"],
            preferred_name=data["preferred_name"],
            pronouns=data["pronouns"],
            emergency_contact=self.emergency_contact(),
            decline_reason=data["decline_reason"],
            residence_country=data["residence_country"],
            residence_region=data["residence_region"],
            reentry_explanation=data["reentry_explanation"],
        )


class ContactForm(ContactFields):
    pass


class ReferralForm(forms.Form):
    resource = forms.ChoiceField(label="Refer to")
    reason = forms.CharField(
        max_length=2000, label="Why, in a sentence", widget=forms.Textarea(attrs={"rows": 3})
    )
    concern_area = forms.CharField(max_length=100, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["resource"].choices = [("", "Choose a resource")] + [
            (str(r.pk), f"{r.name} ({r.get_kind_display()})") for r in resources
        ]


class SupervisionPlanForm(forms.Form):
    concern_area = forms.CharField(max_length=100, label="The concern to take to supervision")
    supervisor = forms.CharField(max_length=200, label="Supervisor")
    plan = forms.CharField(
        max_length=3000,
        label="The plan",
        help_text="When you will meet, and what you will bring (de-identified).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SafetyCheckForm(forms.Form):
    """A safety check after thoughts of death without intent or plan (S2)."""

    checked_on = forms.DateField(
        label="The day you did the check",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": NOT_A_DAY},
    )
    summary = forms.CharField(
        max_length=5000,
        label="What you asked, and what they told you",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    safety_plan = forms.CharField(
        max_length=5000,
        label="How they will keep safe, and whom they can call",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    follow_up_on = forms.DateField(
        label="The day you will follow it up",
        help_text=f"Within {services.SAFETY_FOLLOW_UP_MAX_DAYS} days of the check.",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": NOT_A_DAY},
    )


class SafetyFollowUpForm(forms.Form):
    """The follow-up of a safety check, on or after the day that was set (S2)."""

    followed_up_on = forms.DateField(
        label="The day you followed it up",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": NOT_A_DAY},
    )
    note = forms.CharField(
        max_length=5000,
        label="How they are, and what you agreed",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
