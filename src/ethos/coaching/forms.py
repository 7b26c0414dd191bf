"""Forms of the session pages: they parse; the services decide."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone

from .models import BoundaryReview, CloseCheck, SafetyPlan, ScopeReview, Session, StartCheck
from .services import GROUNDING_STEPS

YES_NO = [("yes", "Yes"), ("no", "No")]


class SessionTimeForm(forms.Form):
    day = forms.DateField(label="Day", widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label="Starts at", widget=forms.TimeInput(attrs={"type": "time"}))
    duration_minutes = forms.IntegerField(label="Length in minutes", initial=60, min_value=1, max_value=600)
    modality = forms.ChoiceField(
        label="How you meet", choices=Session.Modality.choices, widget=forms.RadioSelect
    )
    place = forms.CharField(
        label="Place or link",
        required=False,
        max_length=500,
        help_text="The room, address or video link. Kept encrypted; never sent to your calendar.",
    )

    def starts_at(self) -> datetime.datetime:
        data = self.cleaned_data
        naive = datetime.datetime.combine(data["day"], data["time"])
        return timezone.make_aware(naive, timezone.get_current_timezone())


class ScheduleForm(SessionTimeForm):
    field_order = ["client", "day", "time", "duration_minutes", "modality", "place"]
    client = forms.ChoiceField(label="Client")

    def __init__(self, *args, clients=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.clients = {str(c.pk): c for c in clients}
        self.fields["client"].choices = [("", "Choose a client")] + [
            (pk, c.display_name) for pk, c in self.clients.items()
        ]

    def chosen_client(self):
        return self.clients[self.cleaned_data["client"]]


class CancelForm(forms.Form):
    cancelled_by = forms.ChoiceField(
        label="Who cancelled", choices=Session.CancelledBy.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RescheduleForm(SessionTimeForm):
    cancelled_by = forms.ChoiceField(
        label="Who asked to move it",
        choices=[("coach", "I did"), ("client", "The client did")],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason", max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class StartForm(forms.Form):
    coach_fit = forms.ChoiceField(
        label="Are you fit to practise right now: rested enough, clear-headed, not affected by alcohol, "
        "drugs or medication that dulls you? (P14)",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    presentation = forms.ChoiceField(
        label="How does the client present today? (S3)",
        choices=StartCheck.Presentation.choices,
        widget=forms.RadioSelect,
    )


class CloseForm(forms.Form):
    leaving = forms.ChoiceField(
        label="How is the client leaving the session? (P6)",
        choices=CloseCheck.Leaving.choices,
        widget=forms.RadioSelect,
    )
    safety_offered = forms.ChoiceField(
        label="Did the client feel safe enough, and did you check in on it? (S4)",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    choice_offered = forms.ChoiceField(
        label="Were they offered choices about what to work on and how? (S4)",
        choices=YES_NO,
        widget=forms.RadioSelect,
    )
    collaboration_offered = forms.ChoiceField(
        label="Did you work on it together, as equals? (S4)", choices=YES_NO, widget=forms.RadioSelect
    )
    words = forms.CharField(
        label="Anything to add about the session's tone",
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SafetyPlanForm(forms.Form):
    steps = forms.MultipleChoiceField(
        label="What you went through together",
        required=False,
        choices=list(GROUNDING_STEPS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    what_was_done = forms.CharField(
        label="What you did, in a few words", max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    risk_to_life = forms.BooleanField(
        label="There was a risk to the client's life (the crisis protocol was followed)", required=False
    )
    outcome = forms.ChoiceField(
        label="How it ended", choices=SafetyPlan.Outcome.choices, widget=forms.RadioSelect
    )


class FollowUpForm(forms.Form):
    how = forms.CharField(
        label="How you talked it through", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )


# -- Answering what the checker found in a note ----------------------------------------------------


class NotApplicableForm(forms.Form):
    clause = forms.CharField(widget=forms.HiddenInput, max_length=4)
    sentence = forms.CharField(widget=forms.HiddenInput, max_length=20000)
    reason = forms.CharField(
        label="Why it does not apply",
        max_length=2000,
        help_text="Kept with the note and counted in your compliance report.",
    )


class ScopeReviewForm(forms.Form):
    clause = forms.CharField(widget=forms.HiddenInput, max_length=4)
    considered = forms.CharField(
        label="What you considered and decided", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label="Can coaching safely go on?", choices=ScopeReview.Outcome.choices, widget=forms.RadioSelect
    )


class BoundaryReviewForm(forms.Form):
    clause = forms.CharField(widget=forms.HiddenInput, max_length=4)
    what_happened = forms.CharField(
        label="What happened, and what you did", max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label="What you did about it", choices=BoundaryReview.Outcome.choices, widget=forms.RadioSelect
    )
