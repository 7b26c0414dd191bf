"""What the ethics desk starts from in this practice: the profile's age of majority (S9)."""

from __future__ import annotations

from ethos.standards.forms import desk_default

from .selectors import age_of_majority_for


@desk_default
def practice_age_of_majority(coach) -> dict[str, int]:
    """Start the desk from the age of majority the practice applies at intake."""
    return {"age_of_majority": age_of_majority_for(coach)}
