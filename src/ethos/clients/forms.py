"""Client forms: intake and contact details, safety checks, referrals, goals and endings."""

from django import forms
from django.utils import timezone

from ethos.practice.jurisdictions import COUNTRIES
from ethos.standards.facts import DECLINE_REASONS

from . import endings, goals, services
from .models import Ending, Goal

YES_NO = [("yes", "Yes"), ("no", "No")]
NOT_A_DATE = "Enter the date of birth as a date, for example 1990-04-27."
NOT_A_DAY = "Enter the day as a date, for example 2025-03-14."
FUTURE_DATE = "A date of birth cannot be in the future."
CONTACT_NEEDED = "Give at least one way to reach the person: an email address or a phone number."
OTHER_AREA = "other"


def date_input() -> forms.DateInput:
    # A date input reads only ISO dates: a locale format ("2 Dec 2026") leaves it empty.
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


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
        widget=date_input(),
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
        widget=date_input(),
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
        widget=date_input(),
        error_messages={"invalid": NOT_A_DAY},
    )


class SafetyFollowUpForm(forms.Form):
    """The follow-up of a safety check, on or after the day that was set (S2)."""

    followed_up_on = forms.DateField(
        label="The day you followed it up",
        widget=date_input(),
        error_messages={"invalid": NOT_A_DAY},
    )
    note = forms.CharField(
        max_length=5000,
        label="How they are, and what you agreed",
        widget=forms.Textarea(attrs={"rows": 4}),
    )


# -- goals (P1, P5) ----------------------------------------------------------------------------------


class GoalForm(forms.Form):
    words = forms.CharField(
        max_length=goals.WORDS_MAX,
        label="The goal, in the client's own words",
        help_text="Write it as the client said it (P1). It becomes active once they confirm it (P5).",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": goals.GOAL_WORDS_NEEDED},
    )


class GoalProgressForm(forms.Form):
    recorded_on = forms.DateField(
        label="Day",
        widget=date_input(),
        error_messages={"invalid": NOT_A_DAY},
    )
    score = forms.IntegerField(
        label="Where the client says they are, from 0 to 10",
        min_value=goals.SCORE_MIN,
        max_value=goals.SCORE_MAX,
        error_messages={
            "min_value": goals.SCORE_OUT_OF_RANGE,
            "max_value": goals.SCORE_OUT_OF_RANGE,
            "invalid": goals.SCORE_OUT_OF_RANGE,
        },
    )
    note = forms.CharField(
        max_length=goals.NOTE_MAX,
        required=False,
        label="Their words about it (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, goal: Goal, **kwargs):
        super().__init__(*args, **kwargs)
        self.goal = goal
        self.fields["recorded_on"].initial = timezone.localdate()

    def clean_recorded_on(self):
        day = self.cleaned_data["recorded_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(goals.PROGRESS_IN_FUTURE)
        if day < timezone.localdate(self.goal.created_at):
            raise forms.ValidationError(goals.PROGRESS_BEFORE_GOAL)
        return day


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(label="The goal is now", widget=forms.RadioSelect)

    def __init__(self, *args, goal: Goal, **kwargs):
        super().__init__(*args, **kwargs)
        moves = goals.STATUS_MOVES.get(Goal.Status(goal.status), set())
        self.fields["status"].choices = [
            (value, label) for value, label in Goal.Status.choices if value in moves
        ]


# -- ending or pausing coaching (P11) ----------------------------------------------------------------


class EndingForm(forms.Form):
    """Both sets of fields on one page (no JavaScript); the labels say which set applies."""

    initiated_by = forms.ChoiceField(
        label="Who is ending or pausing coaching",
        choices=Ending.InitiatedBy.choices,
        widget=forms.RadioSelect,
    )
    kind = forms.ChoiceField(label="End or pause", choices=Ending.Kind.choices, widget=forms.RadioSelect)
    explanation = forms.CharField(
        max_length=endings.TEXT_MAX,
        required=False,
        label="If you end or pause it: the explanation you gave the client",
        help_text="What you told them and why (P11). It goes into the letter to the client.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    explained_on = forms.DateField(
        required=False,
        label="If you end or pause it: the day you explained it",
        widget=date_input(),
        error_messages={"invalid": NOT_A_DAY},
    )
    explained_how = forms.ChoiceField(
        required=False,
        label="If you end or pause it: how you explained it",
        choices=[("", "Choose how"), *Ending.Channel.choices],
    )
    client_reason = forms.CharField(
        max_length=endings.TEXT_MAX,
        required=False,
        label="If the client is ending it: their reason, in their own words",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referral_resources = forms.MultipleChoiceField(
        required=False,
        label="Refer them to other coaching providers you have vetted",
        help_text=(
            "Needed when you end or pause coaching. When the client ends it, offer them too: "
            "the ending is complete once the referral is made or the client declines it (P11)."
        ),
        widget=forms.CheckboxSelectMultiple,
    )
    referral_declined = forms.BooleanField(
        required=False,
        label="If the client is ending it: I offered the providers ticked above, and they declined",
    )
    referral_reason = forms.CharField(
        max_length=2000,
        required=False,
        label="Why these referrals, in a sentence (optional)",
    )

    def __init__(self, *args, resources, **kwargs):
        super().__init__(*args, **kwargs)
        self.resources = {str(resource.pk): resource for resource in resources}
        self.fields["referral_resources"].choices = [
            (pk, f"{resource.name} ({resource.get_kind_display()})")
            for pk, resource in self.resources.items()
        ]

    def clean_explained_on(self):
        day = self.cleaned_data["explained_on"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(endings.EXPLAINED_IN_FUTURE)
        return day

    def clean(self):
        data = super().clean()
        if (
            data.get("initiated_by") == Ending.InitiatedBy.CLIENT
            and not (data.get("client_reason") or "").strip()
        ):
            self.add_error("client_reason", endings.CLIENT_REASON_NEEDED)
        return data

    def chosen_resources(self) -> list:
        return [self.resources[pk] for pk in self.cleaned_data.get("referral_resources", [])]
