"""What the vault and the audit log tell the compliance report about C2."""

from __future__ import annotations

import json

from django.db.models import Count, Q
from django.utils import timezone

from ethos.prepared import as_datetime, prepared
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


@prepared
def _account_key(coach) -> list[tuple]:
    """The key's derivation parameters and when the recovery kit was confirmed (one row or none)."""
    return list(AccountKey.objects.filter(coach=coach).values_list("passphrase_kdf", "recovery_confirmed_at"))


@evidence_provider("C2")
def confidentiality_evidence(coach) -> list[Evidence]:
    record = _account_key(coach)
    if not record:
        return [Evidence("No encryption keys exist for this account.", attention=True)]
    ((kdf, recovery_confirmed_at),) = record
    params = crypto.KdfParams.from_dict(json.loads(kdf) if isinstance(kdf, str) else kdf)
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
    if recovery_confirmed_at:
        confirmed = timezone.localtime(as_datetime(recovery_confirmed_at))
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
