"""The tamper-evident audit log: per-coach Merkle tree, proofs and signed checkpoints."""
