"""The portal's forms. The client's read plainly, at about a twelve-year-old's reading level."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from ethos.accounts.forms import PASSPHRASE_HELP
from ethos.safeguarding.models import RECORD_KINDS
from ethos.standards.facts import DECLINE_REASONS

DATE = {"type": "date"}
YES_NO = [("yes", "Yes"), ("no", "No")]
PASSPHRASES_DIFFER = "The two passphrases are not the same. Please type them again."
NOT_A_DATE = "Please write the date like this: 1990-04-27."
BIRTHDAY_IN_FUTURE = "Your date of birth cannot be in the future."
ANSWER_NEEDED = "Please choose yes or no."


def _yes_no(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=YES_NO,
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
        error_messages={"required": ANSWER_NEEDED, "invalid_choice": ANSWER_NEEDED},
    )


class JoinForm(forms.Form):
    passphrase = forms.CharField(
        max_length=1024,
        strip=False,
        label="Choose a passphrase",
        help_text=PASSPHRASE_HELP,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    passphrase_again = forms.CharField(
        max_length=1024,
        strip=False,
        label="Type it again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        data = super().clean()
        if data.get("passphrase") and data.get("passphrase") != data.get("passphrase_again"):
            self.add_error("passphrase_again", PASSPHRASES_DIFFER)
        return data


class IntakeForm(forms.Form):
    """The screening questions, asked of the client in their own words."""

    name = forms.CharField(max_length=150, label="Your name")
    preferred_name = forms.CharField(max_length=150, required=False, label="The name you like to be called")
    pronouns = forms.CharField(max_length=40, required=False, label="Your pronouns")
    date_of_birth = forms.DateField(
        label="Your date of birth",
        help_text="For example 1990-04-27.",
        widget=forms.DateInput(attrs=DATE),
        error_messages={"invalid": NOT_A_DATE, "required": NOT_A_DATE},
    )
    phone = forms.CharField(max_length=40, required=False, label="Your phone number")
    emergency_name = forms.CharField(
        max_length=150, required=False, label="Someone we can call in an emergency: their name"
    )
    emergency_phone = forms.CharField(max_length=40, required=False, label="Their phone number")
    wants = forms.CharField(
        max_length=5000,
        required=False,
        label="What would you like to get from coaching?",
        help_text="Use your own words. A few lines is fine.",
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    concerns = forms.CharField(
        max_length=2000,
        required=False,
        label="What is going on in your life that brings you here?",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    suicidal_thoughts = _yes_no("In the last month, have you had thoughts of ending your life?")
    intent_or_plan = _yes_no(
        "Have you thought about how you would do it, or do you plan to act on those thoughts?"
    )
    self_harm = _yes_no("In the last month, have you hurt yourself on purpose in a way that needed care?")
    substance_uncontrolled = _yes_no(
        "Is there drinking or drug use in your life right now that you feel you cannot control?"
    )
    current_treatment = _yes_no(
        "Are you seeing a therapist, psychiatrist or doctor for your mental health now?"
    )

    SCREENING = (
        "suicidal_thoughts",
        "intent_or_plan",
        "self_harm",
        "substance_uncontrolled",
        "current_treatment",
    )

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        if value > timezone.localdate():
            raise forms.ValidationError(BIRTHDAY_IN_FUTURE)
        return value

    def screening_fields(self):
        return [self[name] for name in self.SCREENING]

    def about_fields(self):
        return [self[name] for name in self.fields if name not in self.SCREENING]

    def answers(self) -> dict:
        data = self.cleaned_data
        plain = {
            name: data[name].strip() for name in self.fields if name not in (*self.SCREENING, "date_of_birth")
        }
        return {
            **plain,
            "date_of_birth": data["date_of_birth"].isoformat(),
            "screening": {name: bool(data[name]) for name in self.SCREENING},
        }


class GoalAnswerForm(forms.Form):
    words = forms.CharField(
        max_length=1000,
        required=False,
        label="Your goal, in your own words",
        help_text=(
            "Change the words if they do not sound like you. Then press the button to say it is your goal."
        ),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    shown = forms.CharField(max_length=64, widget=forms.HiddenInput)


class SignForm(forms.Form):
    read_it = forms.BooleanField(
        label="I have read all of this, and I agree to it.",
        error_messages={"required": "Please tick the box if you have read it and agree."},
    )
    typed_name = forms.CharField(
        max_length=200,
        label="Type your name to sign",
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Type your name to sign."},
    )
    shown = forms.CharField(max_length=64, widget=forms.HiddenInput)


# -- the coach's forms ----------------------------------------------------------------------


class InviteForm(forms.Form):
    email = forms.EmailField(
        max_length=254,
        label="Their email address",
        help_text="Ethos sends a link that works once, for 72 hours. The email names no one.",
    )


class ConsentAskForm(forms.Form):
    recipient = forms.CharField(max_length=300, label="Who would receive the records")
    purpose = forms.CharField(max_length=1000, label="What for", widget=forms.Textarea(attrs={"rows": 2}))
    record_kinds = forms.MultipleChoiceField(
        label="Which records", choices=list(RECORD_KINDS.items()), widget=forms.CheckboxSelectMultiple
    )
    valid_from = forms.DateField(label="From", widget=forms.DateInput(attrs=DATE))
    valid_until = forms.DateField(label="Until", widget=forms.DateInput(attrs=DATE))


class IntakeRecordForm(forms.Form):
    concern_areas = forms.MultipleChoiceField(
        required=False,
        label="The areas their concerns touch",
        help_text="Ethos compares them with your profile's competence (S5).",
        widget=forms.CheckboxSelectMultiple,
    )
    decline_reason = forms.ChoiceField(
        required=False,
        label="Your decision",
        help_text="Leave as it is to accept. A decline always needs a reason from this list (P3).",
        choices=[("", "Accept as a client"), *DECLINE_REASONS.items()],
    )
    reentry_explanation = forms.CharField(
        max_length=5000,
        required=False,
        label="If Ethos says this person was declined before: why the answers are different now",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, areas: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["concern_areas"].choices = areas

    def concerns(self) -> list[dict[str, str]]:
        return [{"area": area} for area in self.cleaned_data.get("concern_areas", [])]


class MessageForm(forms.Form):
    text = forms.CharField(
        max_length=5000,
        label="Your message",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Please write your message first."},
    )


class EndingForm(forms.Form):
    reason = forms.CharField(
        max_length=5000,
        required=False,
        label="Would you like to tell your coach why?",
        help_text="You do not have to. Your coach will not try to change your mind.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    sure = forms.BooleanField(
        label="Yes, I want to stop coaching.",
        error_messages={"required": "Please tick the box if you want to stop coaching."},
    )


class BoundaryAskForm(forms.Form):
    contact_between = forms.CharField(
        max_length=5000,
        label="How and when you keep in touch between sessions",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    out_of_bounds = forms.CharField(
        max_length=5000,
        label="What is out of bounds",
        help_text="For example: no contact on social media, no meeting outside coaching (P7, P8).",
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class UploadForm(forms.Form):
    file = forms.FileField(
        label="Choose a file",
        help_text="A PDF, a photo (PNG or JPEG) or a plain text file.",
        error_messages={"required": "Please choose a file to send.", "empty": "This file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.png,.jpg,.jpeg,.txt"}),
    )
