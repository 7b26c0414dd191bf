"""How hard a new passphrase is to guess, as one of the site's AUTH_PASSWORD_VALIDATORS.

Every path that sets a passphrase (first run, invitations, passphrase change, recovery) calls
`validate_password`, so this one class applies to all of them.
"""

from __future__ import annotations

import threading

from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn
from zxcvbn.matching import RANKED_DICTIONARIES

TOO_GUESSABLE = "This passphrase would be easy for someone else to guess: {reason} {advice}"
ADVICE = (
    "Try a few unrelated words with spaces between them; they are easier to remember and much harder "
    "to guess."
)
HELP_TEXT = "It must not be easy to guess: no repeats, keyboard rows, common passwords or your own name."

# zxcvbn's warnings, said in our own words. A warning not listed here (a newer zxcvbn) falls
# back to GENERAL_REASON rather than showing the estimator's wording.
REASONS = {
    "Straight rows of keys are easy to guess.": "it follows a row of keys on the keyboard.",
    "Short keyboard patterns are easy to guess.": "it follows a pattern of keys on the keyboard.",
    'Repeats like "aaa" are easy to guess.': "it repeats one character.",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        "it repeats a word or a group of characters."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': "it is a sequence, like abc or 6543.",
    "Recent years are easy to guess.": "it contains a recent year.",
    "Dates are often easy to guess.": "it contains a date.",
    "This is a top-10 common password.": "it is one of the passwords people use most.",
    "This is a top-100 common password.": "it is one of the passwords people use most.",
    "This is a very common password.": "it is a password many people use.",
    "This is similar to a commonly used password.": "it is close to a password many people use.",
    "A word by itself is easy to guess.": "a single word on its own is among the first things tried.",
    "Names and surnames by themselves are easy to guess.": (
        "a name on its own is among the first things tried."
    ),
    "Common names and surnames are easy to guess.": "it leans on a common name.",
}
GENERAL_REASON = "it is made of parts that are often tried first."
ONLY_SPACES = "it is only spaces."
REPEATED_WORD = "it repeats a word."

# zxcvbn refuses longer input (its matching grows quickly with length); a longer passphrase is
# judged on its start, which can only make the estimate more cautious.
ESTIMATE_LENGTH = 72

# zxcvbn keeps the user's own words in a module-level dictionary for the length of one call,
# so two threads estimating at once would mix their users' names: one estimate at a time.
_estimating = threading.Lock()


def _estimate(passphrase: str, user_inputs: list[str]) -> dict:
    with _estimating:
        try:
            return zxcvbn(passphrase[:ESTIMATE_LENGTH], user_inputs=user_inputs)
        finally:
            RANKED_DICTIONARIES.pop("user_inputs", None)


def _user_inputs(user) -> list[str]:
    if user is None:
        return []
    words = []
    for value in (getattr(user, "email", ""), getattr(user, "name", "")):
        if value:
            words.append(value)
            words.extend(part for part in value.replace("@", " ").replace(".", " ").split() if len(part) > 2)
    return words


def _reason(passphrase: str, feedback: dict) -> str:
    if not passphrase.strip():
        return ONLY_SPACES
    warning = feedback.get("warning", "")
    if warning.startswith('Repeats like "abcabcabc"') and passphrase.isalpha():
        return REPEATED_WORD
    return REASONS.get(warning, GENERAL_REASON)


class PassphraseStrengthValidator:
    """Refuse a passphrase zxcvbn scores below `min_score` (0 to 4), saying why in plain words.

    Score 4 means an estimated 10^10 guesses or more; score 3, 10^8. Ethos asks for 4 because a
    stolen database lets an attacker guess offline, limited only by Argon2id's cost per guess.
    """

    def __init__(self, min_score: int = 4):
        if min_score not in range(5):
            raise ValueError("min_score is a zxcvbn score, from 0 to 4.")
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        result = _estimate(password, _user_inputs(user))
        if result["score"] >= self.min_score:
            return
        message = TOO_GUESSABLE.format(reason=_reason(password, result["feedback"]), advice=ADVICE)
        raise ValidationError(message, code="passphrase_too_guessable")

    def get_help_text(self) -> str:
        return HELP_TEXT
