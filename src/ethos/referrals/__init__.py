"""The referral directory (P10): services the coach has vetted personally, and the P10 guard.

architecture.md places the directory inside `clients`. It is its own app instead, so that the
clients app stays small and safeguarding (the crisis protocol) can list crisis lines without
depending on clients. Other apps use `selectors` (`usable_resources`, `crisis_resources`,
`vetting_state`) and call `services.referral_check` before they record a referral.

Two facts have one source each, in `models`: whether a resource is currently vetted
(`Resource.objects.currently_vetted(on=...)`: in use, with the coach's own vetting whose review
date, at most twelve months out, has not passed), and which open items a referral to each kind
of service can answer (`RECORD_TYPES_BY_KIND`, checked against the catalog at start-up).

A resource's own public details (name, phone, address) are plain columns; the coach's notes
and what they learnt when vetting may mention clients, so those are encrypted with one
per-coach "directory" data key.
"""
