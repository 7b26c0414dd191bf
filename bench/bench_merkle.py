"""Time the audit log's Merkle tree: append + root per event, and proof building/verifying.

Usage: .venv/bin/python bench/bench_merkle.py [events]   (default 100000; `make bench` runs it)
"""

import random
import statistics
import sys
import time

from ethos.audit.merkle import (
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    proof_reads,
    root,
    subtree_nodes,
    verify_consistency,
    verify_inclusion,
)

PROOFS = 200


def us(seconds: float) -> str:
    return f"{seconds * 1e6:9.1f} µs"


def main() -> None:
    events = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    leaves = [leaf_hash(b"event %d" % i) for i in range(events)]
    get = leaves.__getitem__
    rng = random.Random(9162)
    olds = {rng.randrange(1, events) for _ in range(PROOFS)}
    old_roots = {}

    # What the Django layer does per event: append the leaf, read the new root.
    compact = CompactRange()
    per_event = []
    start = time.perf_counter()
    for leaf in leaves:
        t = time.perf_counter()
        compact.append(leaf)
        tree_root = compact.root()
        per_event.append(time.perf_counter() - t)
        if compact.size in olds:
            old_roots[compact.size] = tree_root
    total = time.perf_counter() - start
    print(f"append + root, {events} events: {total:.2f} s total")
    print(f"  mean {us(statistics.fmean(per_event))}   "
          f"p99 {us(sorted(per_event)[int(len(per_event) * 0.99)])}   "
          f"max {us(max(per_event))}")  # fmt: skip

    # The same, with the compact range loaded from and saved to its dict each time
    # (the persisted form), on the last 10,000 events.
    state = CompactRange.from_leaf_hashes(leaves[: events - 10_000]).to_dict()
    t = time.perf_counter()
    for leaf in leaves[events - 10_000 :]:
        restored = CompactRange.from_dict(state)
        restored.append(leaf)
        restored.root()
        state = restored.to_dict()
    print(f"  with from_dict/to_dict round trip each event: {us((time.perf_counter() - t) / 10_000)}")

    t = time.perf_counter()
    full_root = root(leaves)
    print(f"root() from scratch over {events} leaves: {(time.perf_counter() - t) * 1e3:.1f} ms")
    assert full_root == compact.root()

    indices = [rng.randrange(events) for _ in range(PROOFS)]
    cold = []
    for index in indices[:5]:
        t = time.perf_counter()
        inclusion_proof(index, events, get)
        cold.append(time.perf_counter() - t)
    cache: dict = {}
    inclusion_proof(0, events, get, cache=cache)  # warm the cache once
    warm, verify = [], []
    for index in indices:
        t = time.perf_counter()
        proof = inclusion_proof(index, events, get, cache=cache)
        warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert verify_inclusion(leaves[index], index, events, proof, full_root)
        verify.append(time.perf_counter() - t)
    print(f"inclusion proof at size {events}:")
    print(f"  build, no cache      {us(statistics.fmean(cold))}  (reads every leaf)")
    print(f"  build, warm cache    {us(statistics.fmean(warm))}  ({len(cache)} cached subtrees)")
    print(f"  verify               {us(statistics.fmean(verify))}")

    olds = sorted(olds)
    cold, warm, verify = [], [], []
    for old in olds[:5]:
        t = time.perf_counter()
        consistency_proof(old, events, get)
        cold.append(time.perf_counter() - t)
    for old in olds:
        t = time.perf_counter()
        proof = consistency_proof(old, events, get, cache=cache)
        warm.append(time.perf_counter() - t)
        t = time.perf_counter()
        assert verify_consistency(old, events, old_roots[old], full_root, proof)
        verify.append(time.perf_counter() - t)
    print(f"consistency proof to size {events}:")
    print(f"  build, no cache      {us(statistics.fmean(cold))}")
    print(f"  build, warm cache    {us(statistics.fmean(warm))}")
    print(f"  verify               {us(statistics.fmean(verify))}")

    # What the audit log stores (subtree roots of 16 leaves and more) and what a proof reads of it.
    t = time.perf_counter()
    stored = {(node.level, node.index): node.hash for node in subtree_nodes(leaves)}
    print(f"stored subtree roots over {events} leaves: {len(stored)} "
          f"(computed in {(time.perf_counter() - t) * 1e3:.1f} ms)")  # fmt: skip
    plan, build, nodes_read, leaves_read = [], [], [], []
    full = dict(stored)
    for old in olds:

        def proof(get, cache, old=old):
            return consistency_proof(old, events, get, cache=cache)

        t = time.perf_counter()
        reads = proof_reads(proof)
        plan.append(time.perf_counter() - t)
        cache = {slot: stored[slot] for slot in reads.nodes}
        only = {i: leaves[i] for i in reads.leaves}
        t = time.perf_counter()
        built = proof(only.__getitem__, cache)
        build.append(time.perf_counter() - t)
        assert built == consistency_proof(old, events, get, cache=full)
        nodes_read.append(len(reads.nodes))
        leaves_read.append(len(reads.leaves))
    print(f"consistency proof to size {events} from stored roots:")
    print(f"  plan the reads       {us(statistics.fmean(plan))}")
    print(f"  build from them      {us(statistics.fmean(build))}")
    print(f"  rows read            {statistics.fmean(nodes_read):.1f} nodes (max {max(nodes_read)}), "
          f"{statistics.fmean(leaves_read):.1f} leaf hashes (max {max(leaves_read)})")  # fmt: skip


if __name__ == "__main__":
    main()
