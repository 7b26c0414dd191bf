"""Every kind of event the activity log can hold, named once.

`audit_append` takes only these, so an event's name is never a free string that drifts from the
Activity page's filter or from what `ethos audit verify` reports. A new workflow adds its actions
here (area, then what happened, in the past tense) with the label the coach reads.
"""

from __future__ import annotations

import re
from enum import StrEnum

from django.core.exceptions import ImproperlyConfigured

ACTION_NAME = re.compile(r"^[a-z]+(_[a-z]+)*\.[a-z]+(_[a-z]+)*$")
ACTION_BADLY_NAMED = "Audit action {value!r} must be 'area.what_happened' in lower case."
ACTION_NO_LABEL = "Audit action {value!r} has no label for the Activity page."
ACTION_UNKNOWN = "{value!r} is not an audit action; add it to ethos.audit.actions.Action."


class Action(StrEnum):
    """An event in the coach's activity log."""

    AUTH_ACCOUNT_CREATED = "auth.account_created"
    AUTH_SIGNED_IN = "auth.signed_in"
    AUTH_SIGNED_OUT = "auth.signed_out"
    AUTH_SIGN_IN_FAILED = "auth.sign_in_failed"
    AUTH_PASSPHRASE_CHANGED = "auth.passphrase_changed"
    AUTH_RECOVERY_KEY_USED = "auth.recovery_key_used"
    AUTH_TWO_STEP_ENABLED = "auth.two_step_enabled"
    AUTH_TWO_STEP_DISABLED = "auth.two_step_disabled"
    AUTH_REAUTH_FAILED = "auth.reauth_failed"
    VAULT_UNLOCKED = "vault.unlocked"
    VAULT_LOCKED = "vault.locked"
    VAULT_RECOVERY_KEY_REPLACED = "vault.recovery_key_replaced"
    VAULT_RECOVERY_KIT_CONFIRMED = "vault.recovery_kit_confirmed"
    VAULT_BACKUP_DOWNLOADED = "vault.backup_downloaded"
    STANDARDS_FINDING = "standards.finding"
    STANDARDS_OPEN_ITEM_RESOLVED = "standards.open_item_resolved"
    STANDARDS_DESK_CONSULTED = "standards.desk_consulted"
    STANDARDS_REPORT_EXPORTED = "standards.report_exported"
    PRACTICE_PROFILE_UPDATED = "practice.profile_updated"
    PRACTICE_COMPETENCE_UPDATED = "practice.competence_updated"
    PRACTICE_CREDENTIAL_ADDED = "practice.credential_added"
    PRACTICE_CREDENTIAL_UPDATED = "practice.credential_updated"
    PRACTICE_CREDENTIAL_REMOVED = "practice.credential_removed"
    PRACTICE_CLOSED = "practice.closed"
    PRACTICE_CLOSURE_OPENED = "practice.closure_opened"
    REPORT_WITNESSED = "standards.report_witnessed"
    REFERRALS_RESOURCE_ADDED = "referrals.resource_added"
    REFERRALS_RESOURCE_UPDATED = "referrals.resource_updated"
    REFERRALS_RESOURCE_DEACTIVATED = "referrals.resource_deactivated"
    REFERRALS_RESOURCE_REACTIVATED = "referrals.resource_reactivated"
    REFERRALS_VETTED = "referrals.vetted"
    REFERRAL_MADE = "referral.made"
    INTAKE_ACCEPTED = "intake.accepted"
    INTAKE_DECLINED = "intake.declined"
    INTAKE_CRISIS_PROTOCOL_SHOWN = "intake.crisis_protocol_shown"
    INTAKE_REENTERED = "intake.reentered"
    INTAKE_SAFETY_CHECK_RECORDED = "intake.safety_check_recorded"
    INTAKE_SAFETY_FOLLOWED_UP = "intake.safety_followed_up"
    CLIENT_VIEWED = "client.viewed"
    CLIENT_CONTACT_CHANGED = "client.contact_changed"
    CLIENT_ENDED = "client.ended"
    CLIENT_PAUSED = "client.paused"
    CLIENT_RESUMED = "client.resumed"
    CLIENT_LETTER_PRINTED = "client.letter_printed"
    GOAL_CREATED = "goal.created"
    GOAL_CONFIRMED = "goal.confirmed"
    GOAL_ACTIVATED = "goal.activated"
    GOAL_PROGRESS_RECORDED = "goal.progress_recorded"
    GOAL_REACHED = "goal.reached"
    GOAL_SET_ASIDE = "goal.set_aside"
    GOAL_REOPENED = "goal.reopened"
    GOAL_REWORDED = "goal.reworded"
    PORTAL_INVITED = "portal.invited"
    PORTAL_ACCOUNT_CREATED = "portal.account_created"
    PORTAL_LINK_RESENT = "portal.link_resent"
    PORTAL_PASSPHRASE_RESET = "portal.passphrase_reset"
    PORTAL_INTAKE_SENT = "portal.intake_sent"
    PORTAL_INTAKE_RECORDED = "portal.intake_recorded"
    PORTAL_CRISIS_SHOWN = "portal.crisis_shown"
    PORTAL_SHARED = "portal.shared"
    PORTAL_GOAL_REWORDED = "portal.goal_reworded"
    PORTAL_SIGNED = "portal.signed"
    PORTAL_MESSAGE_SENT = "portal.message_sent"
    PORTAL_MESSAGES_READ = "portal.messages_read"
    CERTIFICATION_REGISTERED = "certification.registered"
    CERTIFICATION_STATUS_CHANGED = "certification.status_changed"
    CERTIFICATION_CONDITIONS_CHANGED = "certification.conditions_changed"
    PORTAL_ENDING_ASKED = "portal.ending_asked"
    PORTAL_UPLOADED = "portal.uploaded"
    PORTAL_UPLOAD_DOWNLOADED = "portal.upload_downloaded"
    PORTAL_RECORD_DOWNLOADED = "portal.record_downloaded"
    SUPERVISION_PLANNED = "supervision.planned"
    SESSION_SCHEDULED = "session.scheduled"
    SESSION_RESCHEDULED = "session.rescheduled"
    SESSION_CANCELLED = "session.cancelled"
    SESSION_STARTED = "session.started"
    SESSION_NOT_STARTED = "session.not_started"
    SESSION_CLOSED = "session.closed"
    SESSION_KEPT_OPEN = "session.kept_open"
    SESSION_SAFETY_PLAN_RECORDED = "session.safety_plan_recorded"
    SESSION_FOLLOW_UP_RESOLVED = "session.follow_up_resolved"
    CALENDAR_FEED_CREATED = "calendar.feed_created"
    NOTE_SAVED = "note.saved"
    NOTE_SIGNED = "note.signed"
    NOTE_ADDENDUM_ADDED = "note.addendum_added"
    NOTE_FINDING_NOT_APPLICABLE = "note.finding_not_applicable"
    NOTE_SCOPE_REVIEWED = "note.scope_reviewed"
    NOTE_BOUNDARY_REVIEWED = "note.boundary_reviewed"
    SUPERVISOR_ADDED = "supervision.supervisor_added"
    SUPERVISION_RECORDED = "supervision.recorded"
    EDUCATION_RECORDED = "education.recorded"
    EDUCATION_TARGET_SET = "education.target_set"
    EDUCATION_EVIDENCE_DOWNLOADED = "education.evidence_downloaded"
    CREDENTIAL_ISSUED = "certification.credential_issued"
    CREDENTIAL_DOWNLOADED = "certification.credential_downloaded"
    STAFF_ADDED = "certification.staff_added"
    CHECKPOINT_WITNESSED = "certification.checkpoint_witnessed"
    CHECKPOINT_REFUSED = "certification.checkpoint_refused"
    BOUNDARY_AGREEMENT_SIGNED = "boundary.agreement_signed"
    BOUNDARY_CONTACT_LOGGED = "boundary.contact_logged"
    BOUNDARY_REVIEWED = "boundary.reviewed"
    BOUNDARY_RELATIONSHIP_DECLARED = "boundary.relationship_declared"
    SAFEGUARDING_REPORT_TASK_OPENED = "safeguarding.report_task_opened"
    SAFEGUARDING_REPORT_RECORDED = "safeguarding.report_recorded"
    SAFEGUARDING_FLAG_DISMISSED = "safeguarding.flag_dismissed"
    SAFEGUARDING_CONSENT_RECORDED = "safeguarding.consent_recorded"
    SAFEGUARDING_CONSENT_REVOKED = "safeguarding.consent_revoked"
    SAFEGUARDING_COURT_ORDER_RECORDED = "safeguarding.court_order_recorded"
    SAFEGUARDING_DISCLOSED = "safeguarding.disclosed"
    SAFEGUARDING_DISCLOSURE_ANNOTATED = "safeguarding.disclosure_annotated"
    SAFEGUARDING_EMERGENCY_REVIEWED = "safeguarding.emergency_reviewed"
    SAFEGUARDING_ACCOUNTING_PRINTED = "safeguarding.accounting_printed"
    SAFEGUARDING_COPY_DOWNLOADED = "safeguarding.copy_downloaded"
    MONEY_AGREEMENT_MADE = "money.agreement_made"
    MONEY_PACKAGE_SOLD = "money.package_sold"
    MONEY_PACKAGE_CLOSED = "money.package_closed"
    MONEY_CHARGES_ADDED = "money.charges_added"
    MONEY_PAYMENT_RECORDED = "money.payment_recorded"
    MONEY_GIFT_RECORDED = "money.gift_recorded"
    MONEY_INVOICE_ISSUED = "money.invoice_issued"
    MONEY_DOCUMENT_PRINTED = "money.document_printed"
    CASE_COMPLAINT_RECEIVED = "case.complaint_received"
    CASE_COMPLAINT_READ = "case.complaint_read"
    CASE_COMPLAINT_CLOSED = "case.complaint_closed"
    CASE_OPENED = "case.opened"
    CASE_COACH_RESPONDED = "case.coach_responded"
    CASE_STAGE_CHANGED = "case.stage_changed"
    CASE_CONFLICT_DECLARED = "case.conflict_declared"
    CASE_PANEL_APPOINTED = "case.panel_appointed"
    CASE_VOTE_RECORDED = "case.vote_recorded"
    CASE_DECIDED = "case.decided"
    CASE_APPEAL_LODGED = "case.appeal_lodged"
    CASE_APPEAL_DECIDED = "case.appeal_decided"
    CASE_INTERIM_SUSPENDED = "case.interim_suspended"
    CASE_FINALISED = "case.finalised"

    @property
    def label(self) -> str:
        """Say what happened, in the coach's words (the Activity page's filter)."""
        return _LABELS[self]


_LABELS = {
    Action.AUTH_ACCOUNT_CREATED: "Account created",
    Action.AUTH_SIGNED_IN: "Signed in",
    Action.AUTH_SIGNED_OUT: "Signed out",
    Action.AUTH_SIGN_IN_FAILED: "Failed sign-in",
    Action.AUTH_PASSPHRASE_CHANGED: "Passphrase changed",
    Action.AUTH_RECOVERY_KEY_USED: "Recovery kit used",
    Action.AUTH_TWO_STEP_ENABLED: "Two-step sign-in turned on",
    Action.AUTH_TWO_STEP_DISABLED: "Two-step sign-in turned off",
    Action.AUTH_REAUTH_FAILED: "Wrong passphrase when asked to confirm",
    Action.VAULT_UNLOCKED: "Records unlocked",
    Action.VAULT_LOCKED: "Records locked",
    Action.VAULT_RECOVERY_KEY_REPLACED: "Recovery kit replaced",
    Action.VAULT_RECOVERY_KIT_CONFIRMED: "Recovery kit confirmed",
    Action.VAULT_BACKUP_DOWNLOADED: "Backup downloaded",
    Action.STANDARDS_FINDING: "Code of Ethics finding",
    Action.STANDARDS_OPEN_ITEM_RESOLVED: "Open item resolved",
    Action.STANDARDS_DESK_CONSULTED: "Ethics desk consulted",
    Action.STANDARDS_REPORT_EXPORTED: "Compliance report exported",
    Action.PRACTICE_PROFILE_UPDATED: "Practice profile changed",
    Action.PRACTICE_COMPETENCE_UPDATED: "Competence areas changed",
    Action.PRACTICE_CREDENTIAL_ADDED: "Credential added",
    Action.PRACTICE_CREDENTIAL_UPDATED: "Credential changed",
    Action.PRACTICE_CREDENTIAL_REMOVED: "Credential removed",
    Action.PRACTICE_CLOSED: "Practice closed",
    Action.PRACTICE_CLOSURE_OPENED: "Practice closure opened by the association",
    Action.REPORT_WITNESSED: "Compliance report checkpoint cosigned by the association",
    Action.REFERRALS_RESOURCE_ADDED: "Directory resource added",
    Action.REFERRALS_RESOURCE_UPDATED: "Directory resource changed",
    Action.REFERRALS_RESOURCE_DEACTIVATED: "Directory resource taken out of use",
    Action.REFERRALS_RESOURCE_REACTIVATED: "Directory resource back in use",
    Action.REFERRALS_VETTED: "Resource vetted",
    Action.REFERRAL_MADE: "Referral made",
    Action.INTAKE_ACCEPTED: "Intake accepted",
    Action.INTAKE_DECLINED: "Intake declined",
    Action.INTAKE_CRISIS_PROTOCOL_SHOWN: "Crisis protocol shown",
    Action.INTAKE_REENTERED: "Declined person taken through a new intake",
    Action.INTAKE_SAFETY_CHECK_RECORDED: "Safety check recorded",
    Action.INTAKE_SAFETY_FOLLOWED_UP: "Safety check followed up",
    Action.CLIENT_VIEWED: "Client record viewed",
    Action.CLIENT_CONTACT_CHANGED: "Client contact details changed",
    Action.CLIENT_ENDED: "Coaching ended",
    Action.CLIENT_PAUSED: "Coaching paused",
    Action.CLIENT_RESUMED: "Coaching resumed after a pause",
    Action.CLIENT_LETTER_PRINTED: "Ending letter printed",
    Action.GOAL_CREATED: "Goal written",
    Action.GOAL_CONFIRMED: "Goal confirmed by the client",
    Action.GOAL_ACTIVATED: "Goal made active",
    Action.GOAL_PROGRESS_RECORDED: "Goal progress recorded",
    Action.GOAL_REACHED: "Goal reached",
    Action.GOAL_SET_ASIDE: "Goal set aside",
    Action.GOAL_REOPENED: "Goal reopened",
    Action.GOAL_REWORDED: "Goal reworded in the client's words",
    Action.PORTAL_INVITED: "Client invited to the portal",
    Action.PORTAL_ACCOUNT_CREATED: "Client's portal account created",
    Action.PORTAL_LINK_RESENT: "New portal sign-in link sent",
    Action.PORTAL_PASSPHRASE_RESET: "Client set a new portal passphrase (new key pair)",
    Action.PORTAL_INTAKE_SENT: "Intake answers sent by the client",
    Action.PORTAL_INTAKE_RECORDED: "Client's own intake answers recorded",
    Action.PORTAL_CRISIS_SHOWN: "Crisis numbers shown to the client",
    Action.PORTAL_SHARED: "Shared with the client in their portal",
    Action.PORTAL_GOAL_REWORDED: "Goal wording changed by the client",
    Action.PORTAL_SIGNED: "Signed by the client in their portal",
    Action.PORTAL_MESSAGE_SENT: "Message sent by the client",
    Action.PORTAL_MESSAGES_READ: "Client's messages read",
    Action.PORTAL_ENDING_ASKED: "Client chose to end coaching in their portal",
    Action.CERTIFICATION_REGISTERED: "Certification added to the registry",
    Action.CERTIFICATION_STATUS_CHANGED: "Certification standing changed",
    Action.CERTIFICATION_CONDITIONS_CHANGED: "Certification conditions changed",
    Action.PORTAL_UPLOADED: "File sent by the client",
    Action.PORTAL_UPLOAD_DOWNLOADED: "Client's file downloaded",
    Action.PORTAL_RECORD_DOWNLOADED: "Client downloaded a document from their portal",
    Action.SUPERVISION_PLANNED: "Supervision planned",
    Action.SESSION_SCHEDULED: "Session scheduled",
    Action.SESSION_RESCHEDULED: "Session moved",
    Action.SESSION_CANCELLED: "Session cancelled",
    Action.SESSION_STARTED: "Session started",
    Action.SESSION_NOT_STARTED: "Session could not start",
    Action.SESSION_CLOSED: "Session closed",
    Action.SESSION_KEPT_OPEN: "Session kept open: client not yet safe to leave",
    Action.SESSION_SAFETY_PLAN_RECORDED: "Grounding or safety plan recorded",
    Action.SESSION_FOLLOW_UP_RESOLVED: "Session follow-up talked through",
    Action.CALENDAR_FEED_CREATED: "Calendar feed address made",
    Action.NOTE_SAVED: "Session note saved",
    Action.NOTE_SIGNED: "Session note signed",
    Action.NOTE_ADDENDUM_ADDED: "Addendum added to a signed note",
    Action.NOTE_FINDING_NOT_APPLICABLE: "Note finding marked not applicable",
    Action.NOTE_SCOPE_REVIEWED: "Scope review recorded from a note",
    Action.NOTE_BOUNDARY_REVIEWED: "Boundary review recorded from a note",
    Action.SUPERVISOR_ADDED: "Supervisor added",
    Action.SUPERVISION_RECORDED: "Supervision recorded",
    Action.EDUCATION_RECORDED: "Continuing education recorded",
    Action.EDUCATION_TARGET_SET: "Yearly education target changed",
    Action.EDUCATION_EVIDENCE_DOWNLOADED: "Education evidence downloaded",
    Action.CREDENTIAL_ISSUED: "Verifiable certificate issued",
    Action.CREDENTIAL_DOWNLOADED: "Verifiable certificate downloaded",
    Action.STAFF_ADDED: "Association staff account added",
    Action.CHECKPOINT_WITNESSED: "Practice log checkpoint witnessed",
    Action.CHECKPOINT_REFUSED: "Practice log checkpoint refused by the witness",
    Action.BOUNDARY_AGREEMENT_SIGNED: "Boundary agreement signed",
    Action.BOUNDARY_CONTACT_LOGGED: "Contact outside a session logged",
    Action.BOUNDARY_REVIEWED: "Boundary review recorded",
    Action.BOUNDARY_RELATIONSHIP_DECLARED: "Relationship with a client declared",
    Action.SAFEGUARDING_REPORT_TASK_OPENED: "Mandatory report task opened",
    Action.SAFEGUARDING_REPORT_RECORDED: "Mandatory report recorded",
    Action.SAFEGUARDING_FLAG_DISMISSED: "Abuse flag judged not a disclosure",
    Action.SAFEGUARDING_CONSENT_RECORDED: "Consent to share recorded",
    Action.SAFEGUARDING_CONSENT_REVOKED: "Consent to share revoked",
    Action.SAFEGUARDING_COURT_ORDER_RECORDED: "Subpoena or court order recorded",
    Action.SAFEGUARDING_DISCLOSED: "Client information disclosed",
    Action.SAFEGUARDING_DISCLOSURE_ANNOTATED: "Disclosure annotated",
    Action.SAFEGUARDING_EMERGENCY_REVIEWED: "Emergency disclosure reviewed",
    Action.SAFEGUARDING_ACCOUNTING_PRINTED: "Accounting of disclosures printed",
    Action.SAFEGUARDING_COPY_DOWNLOADED: "Safeguarding document downloaded",
    Action.MONEY_AGREEMENT_MADE: "Fee agreement made",
    Action.MONEY_PACKAGE_SOLD: "Prepaid package recorded",
    Action.MONEY_PACKAGE_CLOSED: "Prepaid package closed, unused sessions refunded",
    Action.MONEY_CHARGES_ADDED: "Charges brought up to date from sessions",
    Action.MONEY_PAYMENT_RECORDED: "Payment recorded",
    Action.MONEY_GIFT_RECORDED: "Gift recorded as declined or returned",
    Action.MONEY_INVOICE_ISSUED: "Invoice issued",
    Action.MONEY_DOCUMENT_PRINTED: "Invoice or receipt printed for a client",
    Action.CASE_COMPLAINT_RECEIVED: "Complaint received through the public form",
    Action.CASE_COMPLAINT_READ: "Complaint opened by staff",
    Action.CASE_COMPLAINT_CLOSED: "Complaint closed at screening",
    Action.CASE_OPENED: "Ethics case opened",
    Action.CASE_COACH_RESPONDED: "Coach's response received",
    Action.CASE_STAGE_CHANGED: "Ethics case moved to another stage",
    Action.CASE_CONFLICT_DECLARED: "Conflict of interest declared",
    Action.CASE_PANEL_APPOINTED: "Panel appointed",
    Action.CASE_VOTE_RECORDED: "Panel vote recorded",
    Action.CASE_DECIDED: "Ethics case decided",
    Action.CASE_APPEAL_LODGED: "Appeal lodged",
    Action.CASE_APPEAL_DECIDED: "Appeal decided",
    Action.CASE_INTERIM_SUSPENDED: "Interim suspension while a case is open",
    Action.CASE_FINALISED: "Ethics case outcome final",
}


def check_actions() -> None:
    """Refuse to start with a badly named action or one without a label (called from ready())."""
    for action in Action:
        if not ACTION_NAME.match(action.value):
            raise ImproperlyConfigured(ACTION_BADLY_NAMED.format(value=action.value))
        if action not in _LABELS:
            raise ImproperlyConfigured(ACTION_NO_LABEL.format(value=action.value))


def as_action(value: Action | str) -> Action:
    """Return `value` as an Action; a name that is not one is a programming error."""
    try:
        return Action(value)
    except ValueError:
        raise ValueError(ACTION_UNKNOWN.format(value=value)) from None
