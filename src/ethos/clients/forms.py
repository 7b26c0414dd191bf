from django import forms
from django.utils import timezone

from .models import Intake

YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_A_DATE = "Enter the date of birth as a date, for example 1990-04-27."
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
    decline_reason = forms.ChoiceField(
        required=False,
        label="Your decision",
        help_text="Leave as it is to accept. A decline always needs a reason from this list (P3).",
        choices=[("", "Accept as a client"), *Intake.DeclineReason.choices],
    )

    field_order = [
        "name",
        "preferred_name",
        "pronouns",
        "date_of_birth",
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
    ]

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern_areas"].choices = areas
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
