"""The public complaint form, the screening and case forms of staff, and the coach's response."""

from __future__ import annotations

from django import forms

from ethos.certification.models import Certification
from ethos.standards.catalog import catalog

from .models import Complaint, EthicsCase, Outcome

LONG_TEXT = 20000


def clause_choices() -> list[tuple[str, str]]:
    return [(clause.id, f"{clause.title} ({clause.id})") for clause in catalog()]


class ComplaintForm(forms.Form):
    name = forms.CharField(label="Your name", max_length=200, required=False)
    email = forms.EmailField(
        label="Your email address", required=False, help_text="We send you a receipt here."
    )
    phone = forms.CharField(label="Your phone number", max_length=40, required=False)
    coach_named = forms.CharField(
        label="Which coach is it about?",
        max_length=200,
        required=False,
        help_text="Their certificate number if you have it, or their name.",
    )
    events_on = forms.DateField(
        label="When did it happen?",
        help_text="The date, or your best guess. If it went on for a while, the last time.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    account = forms.CharField(
        label="What happened?",
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text="In your own words. Leave out anything about other people that is not needed.",
    )
    clauses = forms.MultipleChoiceField(
        label="Which parts of the Code of Ethics do you think were broken?",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Optional: pick any that seem to fit. We check this ourselves too.",
    )
    # A honeypot: hidden from people (the `hidden` wrapper), filled in by form-filling robots.
    website = forms.CharField(label="Leave this empty", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clauses"].choices = clause_choices()

    def field_list(self):
        return [
            self[name]
            for name in ("name", "email", "phone", "coach_named", "events_on", "account", "clauses")
        ]


class CloseForm(forms.Form):
    because = forms.ChoiceField(label="Why is it outside our remit?", choices=Complaint.ClosedBecause.choices)
    message = forms.CharField(
        label="Message to the complainant",
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Sent to them by email if they gave an address. Plain and kind.",
    )


class CertificationChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number}: {obj.public_name} ({obj.get_status_display().lower()})"


class OpenCaseForm(forms.Form):
    certification = CertificationChoice(
        label="The coach in the registry", queryset=Certification.objects.all(), required=False
    )
    clauses = forms.MultipleChoiceField(
        label="Clauses the complaint is about", required=False, widget=forms.CheckboxSelectMultiple
    )
    summary = forms.CharField(
        label="The allegations, as the coach will read them",
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Leave out the complainant's contact details.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["clauses"].choices = clause_choices()


class AdvanceForm(forms.Form):
    to = forms.ChoiceField(choices=EthicsCase.Stage.choices)


class PanelForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label="Members of staff", queryset=None, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, staff_members=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["members"].queryset = staff_members
        self.fields["members"].label_from_instance = lambda user: user.name or user.email


class VoteForm(forms.Form):
    outcome = forms.ChoiceField(label="Your vote", choices=Outcome.choices, widget=forms.RadioSelect)


class AppealForm(forms.Form):
    by = forms.ChoiceField(label="Who appeals", choices=EthicsCase.Party.choices)
    grounds = forms.CharField(
        label="Grounds of the appeal", max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 4})
    )


class InterimForm(forms.Form):
    reason = forms.CharField(
        label="Why the coach must stop practising now",
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept in the association's log. Nothing of the case is published.",
    )


class ConflictForm(forms.Form):
    party = forms.ChoiceField(label="I am linked to", choices=EthicsCase.Party.choices)


class ResponseForm(forms.Form):
    text = forms.CharField(
        label="Your response",
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12}),
        help_text="Sent once. Only the association's staff can read it.",
    )
