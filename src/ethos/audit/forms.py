import functools

from django import forms

from ethos.web import FixedChoicesSelect

from .actions import Action

# The Activity page's filter groups actions by the part of the practice they belong to, named by
# the area before the dot in each action's name. An area not listed here falls under "Other".
ACTION_GROUPS = (
    ("signing-in", "Signing in and security", ("auth", "vault")),
    ("clients", "Clients and intake", ("intake", "client")),
    ("goals", "Goals", ("goal",)),
    ("referrals", "Referrals and your directory", ("referral", "referrals")),
    ("practice", "Your practice", ("practice", "supervision")),
    ("standards", "Code of Ethics", ("standards",)),
)
GROUP_PREFIX = "group:"


@functools.cache
def _grouped_actions() -> list[tuple[str, str, list[Action]]]:
    groups = [
        (key, title, [a for a in Action if a.value.split(".")[0] in areas])
        for key, title, areas in ACTION_GROUPS
    ]
    listed = {a for _, _, actions in groups for a in actions}
    other = [a for a in Action if a not in listed]
    return groups + ([("other", "Other", other)] if other else [])


@functools.cache
def _action_choices() -> list:
    """The filter's options: everything, then each group and its actions (fixed while Ethos runs)."""
    choices: list = [("", "Everything")]
    for key, title, actions in _grouped_actions():
        options = [(f"{GROUP_PREFIX}{key}", f"All: {title.lower()}"), *[(a.value, a.label) for a in actions]]
        choices.append((title, options))
    return choices


class ActivityFilterForm(forms.Form):
    action = forms.ChoiceField(required=False, label="What happened", widget=FixedChoicesSelect)
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="Until", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = _action_choices()

    def actions(self) -> str | list[str]:
        """Return the chosen action, or every action of the chosen group ("" for everything)."""
        chosen = self.cleaned_data.get("action", "") if self.is_valid() else ""
        if chosen.startswith(GROUP_PREFIX):
            key = chosen.removeprefix(GROUP_PREFIX)
            return next(([a.value for a in actions] for k, _, actions in _grouped_actions() if k == key), "")
        return chosen

    def clean(self):
        data = super().clean()
        if data.get("since") and data.get("until") and data["since"] > data["until"]:
            self.add_error("until", "The end date is before the start date.")
        return data


class CheckpointForm(forms.Form):
    checkpoint = forms.CharField(max_length=4096, strip=False)
