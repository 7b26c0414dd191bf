"""What the vault and the audit log tell the compliance report about C2."""

from __future__ import annotations

from ethos.audit.selectors import chain_head
from ethos.standards.evidence import Evidence, evidence_provider
from ethos.vault import crypto
from ethos.vault.models import AccountKey, DataKey


@evidence_provider("C2")
def confidentiality_evidence(coach) -> list[Evidence]:
    record = AccountKey.objects.filter(coach=coach).first()
    if record is None:
        return [Evidence("No encryption keys exist for this account.", attention=True)]
    params = crypto.KdfParams.from_dict(record.passphrase_kdf)
    keys = DataKey.objects.filter(coach=coach)
    lines = [
        Evidence(
            "Client records are encrypted (AES-256-GCM) under keys only your passphrase or recovery key "
            f"opens; passphrase key derivation: Argon2id, {params.memory_kib // 1024} MiB, "
            f"{params.iterations} passes."
        ),
        Evidence(
            f"{keys.filter(wrapped__isnull=False).count()} client keys in use, "
            f"{keys.filter(wrapped__isnull=True).count()} destroyed at the end of retention."
        ),
    ]
    if record.recovery_confirmed_at:
        lines.append(Evidence(f"Recovery kit confirmed on {record.recovery_confirmed_at:%Y-%m-%d}."))
    else:
        lines.append(Evidence("The recovery kit has not been confirmed.", attention=True))
    head = chain_head(coach)
    lines.append(Evidence(f"Audit log: {head.size} events, each with a signed checkpoint."))
    return lines
