"""The enforcement points: every place in Ethos where an action asks the standards engine first."""

from __future__ import annotations

from enum import StrEnum


class Point(StrEnum):
    """A named moment in a workflow; rules attach to these, workflows call `enforce` at them."""

    INTAKE_SUBMIT = "intake.submit"
    INTAKE_DECLINE = "intake.decline"
    CLIENT_ACTIVATE = "client.activate"
    SESSION_START = "session.start"
    SESSION_CLOSE = "session.close"
    NOTE_SAVE = "note.save"
    NOTE_SIGN = "note.sign"
    GOAL_ACTIVATE = "goal.activate"
    REFERRAL_MAKE = "referral.make"
    CLIENT_RELEASE = "client.release"
    PRACTICE_CLOSE = "practice.close"
    DISCLOSURE_REQUEST = "disclosure.request"
    CONSENT_RECORD = "consent.record"
    REPORT_DUE = "report.due"
    PAYMENT_RECORD = "payment.record"
    PACKAGE_CREATE = "package.create"
    CONTACT_LOG = "contact.log"
    RELATIONSHIP_DECLARE = "relationship.declare"
    SUPERVISION_NEED = "supervision.need"

    @property
    def noun(self) -> str:
        """Say what one evaluation at this point is, for evidence lines ("37 intakes checked")."""
        return _NOUNS[self]

    @property
    def label(self) -> str:
        """Say when this point is reached, in the coach's words ("When a session starts")."""
        return _LABELS[self]


_NOUNS = {
    Point.INTAKE_SUBMIT: "intakes",
    Point.INTAKE_DECLINE: "intake declines",
    Point.CLIENT_ACTIVATE: "client activations",
    Point.SESSION_START: "session starts",
    Point.SESSION_CLOSE: "session closes",
    Point.NOTE_SAVE: "note saves",
    Point.NOTE_SIGN: "note signatures",
    Point.GOAL_ACTIVATE: "goal activations",
    Point.REFERRAL_MAKE: "referrals",
    Point.CLIENT_RELEASE: "client endings",
    Point.PRACTICE_CLOSE: "practice closures",
    Point.DISCLOSURE_REQUEST: "disclosure requests",
    Point.CONSENT_RECORD: "consents",
    Point.REPORT_DUE: "reminders",
    Point.PAYMENT_RECORD: "payments",
    Point.PACKAGE_CREATE: "packages",
    Point.CONTACT_LOG: "contacts logged",
    Point.RELATIONSHIP_DECLARE: "relationship declarations",
    Point.SUPERVISION_NEED: "supervision checks",
}

_LABELS = {
    Point.INTAKE_SUBMIT: "When an intake is submitted",
    Point.INTAKE_DECLINE: "When you decline an intake",
    Point.CLIENT_ACTIVATE: "When a client becomes active",
    Point.SESSION_START: "When a session starts",
    Point.SESSION_CLOSE: "When a session closes",
    Point.NOTE_SAVE: "When a note is saved",
    Point.NOTE_SIGN: "When a note is signed",
    Point.GOAL_ACTIVATE: "When a goal becomes active",
    Point.REFERRAL_MAKE: "When you make a referral",
    Point.CLIENT_RELEASE: "When coaching with a client ends",
    Point.PRACTICE_CLOSE: "When the practice closes",
    Point.DISCLOSURE_REQUEST: "When client information is requested",
    Point.CONSENT_RECORD: "When a consent is recorded",
    Point.REPORT_DUE: "When a report or reminder falls due",
    Point.PAYMENT_RECORD: "When a payment is recorded",
    Point.PACKAGE_CREATE: "When a package is created",
    Point.CONTACT_LOG: "When a contact is logged",
    Point.RELATIONSHIP_DECLARE: "When a relationship is declared",
    Point.SUPERVISION_NEED: "When supervision is considered",
}
