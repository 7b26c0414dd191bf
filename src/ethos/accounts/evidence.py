"""What the vault and the audit log tell the compliance report about C2."""

from __future__ import annotations

from django.db.models import Count, Q
from django.utils import timezone

from ethos.prepared import prepared
from ethos.standards.evidence import Evidence, count, evidence_provider, report_chain_head
from ethos.vault import crypto
from ethos.vault.models import AccountKey, DataKey

CLIENT_KEY_PURPOSE = "client"


@prepared
def _client_keys(coach) -> dict[str, int]:
    return DataKey.objects.filter(coach=coach, purpose=CLIENT_KEY_PURPOSE).aggregate(
        in_use=Count("pk", filter=Q(wrapped__isnull=False)),
        destroyed=Count("pk", filter=Q(wrapped__isnull=True)),
    )


@evidence_provider("C2")
def confidentiality_evidence(coach) -> list[Evidence]:
    record = AccountKey.objects.filter(coach=coach).first()
    if record is None:
        return [Evidence("No encryption keys exist for this account.", attention=True)]
    params = crypto.KdfParams.from_dict(record.passphrase_kdf)
    # One key per client record (purpose "client"); the directory and other scopes have their own.
    keys = _client_keys(coach)
    lines = [
        Evidence(
            "Client records are encrypted (AES-256-GCM) under keys only your passphrase or recovery key "
            f"opens; passphrase key derivation: Argon2id, {params.memory_kib // 1024} MiB, "
            f"{count(params.iterations, 'pass', 'passes')}."
        ),
        Evidence(
            f"{count(keys['in_use'], 'client')} with their own key in use, "
            f"{count(keys['destroyed'], 'client key')} destroyed at the end of retention."
        ),
    ]
    if record.recovery_confirmed_at:
        confirmed = timezone.localtime(record.recovery_confirmed_at)
        lines.append(Evidence(f"Recovery kit confirmed on {confirmed.day} {confirmed:%B %Y}."))
    else:
        lines.append(Evidence("The recovery kit has not been confirmed.", attention=True))
    # The report's own chain head counts the events; this line holds only what the records show,
    # so a report file stays valid while nothing but the log grows (standards.services.report_export).
    if report_chain_head(coach).size:
        lines.append(
            Evidence(
                "Audit log: every event carries a signed checkpoint; the report's chain head covers them all."
            )
        )
    return lines
