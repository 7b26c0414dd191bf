from django import forms
from django.utils import timezone

from . import goals
from .models import Goal

NOT_A_DATE = "Enter the day as a date, for example 2025-03-14."


class GoalForm(forms.Form):
    words = forms.CharField(
        max_length=goals.WORDS_MAX,
        label="The goal, in the client's own words",
        help_text="Write it as the client said it (P1). It becomes active once they confirm it (P5).",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": goals.GOAL_WORDS_NEEDED},
    )


class GoalConfirmForm(forms.Form):
    confirmed_by = forms.CharField(
        max_length=goals.CONFIRMED_BY_MAX,
        label="Who confirmed it",
        help_text="For example: “Robin, reading it back in our session”.",
        error_messages={"required": goals.CONFIRMED_BY_NEEDED},
    )
    how = forms.ChoiceField(
        label="How they confirmed it",
        choices=Goal.Confirmation.choices,
        widget=forms.RadioSelect,
        error_messages={"required": goals.CONFIRMATION_UNKNOWN},
    )


class GoalProgressForm(forms.Form):
    recorded_on = forms.DateField(
        label="Day",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": NOT_A_DATE},
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
