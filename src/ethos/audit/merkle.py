"""RFC 9162 (Certificate Transparency 2.0) Merkle tree hashing, proofs and their verification.

Plain functions, no Django. The tree over leaves d(0) .. d(n-1) is the one of RFC 9162
section 2.1.1 (same as RFC 6962): leaf hash SHA-256(0x00 || d), interior node
SHA-256(0x01 || left || right), the left subtree of a range of n leaves holding the largest
power of two smaller than n. Callers keep leaf hashes (not leaf data) and hand them in.

Every complete, aligned subtree (2**level leaves starting at a multiple of 2**level) never
changes once written, so its root may be cached across tree sizes of the same log: the
proof functions take an optional ``cache`` mapping ``(level, index) -> hash`` for that. The
audit log stores those roots from level ``NODE_MIN_LEVEL`` up (``CompactRange.append`` returns
the ones each leaf completes, ``subtree_nodes`` lists them for a whole log), and
``proof_reads`` says which of them, and which leaf hashes, a proof will read.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable, Iterator, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

__all__ = [
    "EMPTY_ROOT",
    "HASH_LEN",
    "NODE_MIN_LEVEL",
    "CompactRange",
    "Node",
    "ProofReads",
    "consistency_proof",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "proof_reads",
    "root",
    "subtree_nodes",
    "verify_consistency",
    "verify_inclusion",
]

HASH_LEN = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

# Subtrees smaller than this (16 leaves) are cheap to recompute from their leaf hashes; caching
# or storing them would only cost memory, and the append that completes them a write.
NODE_MIN_LEVEL = 4

GetLeafHash = Callable[[int], bytes]
SubtreeCache = MutableMapping[tuple[int, int], bytes]


def leaf_hash(data: bytes) -> bytes:
    """Hash one leaf's data: SHA-256(0x00 || data)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """Hash two child hashes: SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """Return the largest power of two strictly smaller than n (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def _is_hash(value: Any) -> bool:
    return isinstance(value, bytes) and len(value) == HASH_LEN


class Node(NamedTuple):
    """The root of the complete subtree of leaves [index * 2**level, (index + 1) * 2**level)."""

    level: int
    index: int
    hash: bytes


def _subtree_root(begin: int, end: int, get: GetLeafHash, cache: SubtreeCache | None) -> bytes:
    """Return MTH of leaves [begin, end), recursing over the RFC 9162 split."""
    n = end - begin
    if n == 1:
        h = get(begin)
        if not _is_hash(h):
            raise ValueError(f"Leaf hash {begin} is not {HASH_LEN} bytes.")
        return h
    # Every complete subtree reached from the root by this recursion is aligned
    # (begin is a multiple of n), so (level, begin >> level) names it for good.
    slot = None
    if cache is not None and n & (n - 1) == 0 and n >= 1 << NODE_MIN_LEVEL:
        slot = (n.bit_length() - 1, begin // n)
        cached = cache.get(slot)
        if cached is not None:
            return cached
    k = _split(n)
    h = node_hash(
        _subtree_root(begin, begin + k, get, cache),
        _subtree_root(begin + k, end, get, cache),
    )
    if slot is not None:
        cache[slot] = h
    return h


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """Return the Merkle tree hash (MTH) of a sequence of leaf hashes."""
    if not leaf_hashes:
        return EMPTY_ROOT
    return _subtree_root(0, len(leaf_hashes), leaf_hashes.__getitem__, None)


class CompactRange:
    """The right edge of a growing tree: append a leaf and get the new root in O(log n).

    It holds the roots of the complete subtrees that make up [0, size), largest first,
    one per set bit of size. ``to_dict()``/``from_dict()`` let the caller persist it.
    """

    __slots__ = ("_hashes", "_root", "_size")

    def __init__(self, size: int = 0, hashes: Iterable[bytes] = ()) -> None:
        hashes = list(hashes)
        if type(size) is not int or size < 0:
            raise ValueError("size must be a non-negative integer.")
        if len(hashes) != size.bit_count():
            raise ValueError(f"A range of size {size} holds {size.bit_count()} hashes.")
        if not all(_is_hash(h) for h in hashes):
            raise ValueError(f"Every hash must be {HASH_LEN} bytes.")
        self._size = size
        self._hashes = hashes
        self._root: bytes | None = None

    @classmethod
    def from_leaf_hashes(cls, leaf_hashes: Iterable[bytes]) -> CompactRange:
        """Build a range by appending every leaf hash in order."""
        compact = cls()
        for h in leaf_hashes:
            compact.append(h)
        return compact

    @property
    def size(self) -> int:
        """Return the number of leaves appended so far."""
        return self._size

    @property
    def hashes(self) -> tuple[bytes, ...]:
        """Return the complete-subtree roots, largest (leftmost) first."""
        return tuple(self._hashes)

    def append(self, leaf_hash: bytes, *, min_level: int = NODE_MIN_LEVEL) -> list[Node]:
        """Append one leaf hash; return the complete subtrees of min_level or more it completes.

        A leaf completes one subtree per trailing one bit of the old size (none half the time),
        lowest first; they are the nodes a store of subtree roots gains with this leaf.
        """
        if not _is_hash(leaf_hash):
            raise ValueError(f"A leaf hash is {HASH_LEN} bytes.")
        h, size, level = leaf_hash, self._size, 0
        completed: list[Node] = []
        # Each trailing one bit of the old size is a complete subtree of the same height
        # as the one being carried: merge them like a binary counter's carry.
        while size & 1:
            h = node_hash(self._hashes.pop(), h)
            size >>= 1
            level += 1
            if level >= min_level:
                completed.append(Node(level, self._size >> level, h))
        self._hashes.append(h)
        self._size += 1
        self._root = None
        return completed

    def root(self) -> bytes:
        """Return the root of the tree over [0, size)."""
        if self._root is None:
            hashes = self._hashes
            if not hashes:
                self._root = EMPTY_ROOT
            else:
                # node_hash inlined: the verifier takes the root after every one of its events.
                r, sha256 = hashes[-1], hashlib.sha256
                for i in range(len(hashes) - 2, -1, -1):
                    r = sha256(b"\x01" + hashes[i] + r).digest()
                self._root = r
        return self._root

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict: size and hex hashes."""
        return {"size": self._size, "hashes": [h.hex() for h in self._hashes]}

    @classmethod
    def from_dict(cls, data: Any) -> CompactRange:
        """Rebuild a range from ``to_dict()`` output."""
        if not isinstance(data, dict) or set(data) != {"size", "hashes"}:
            raise ValueError("A compact range dict has exactly the keys size and hashes.")
        if not isinstance(data["hashes"], list) or not all(isinstance(h, str) for h in data["hashes"]):
            raise ValueError("hashes must be a list of hex strings.")
        return cls(data["size"], (bytes.fromhex(h) for h in data["hashes"]))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompactRange):
            return NotImplemented
        return self._size == other._size and self._hashes == other._hashes

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"CompactRange(size={self._size}, root={self.root().hex()})"


def inclusion_proof(
    leaf_index: int,
    tree_size: int,
    get_leaf_hash: GetLeafHash,
    *,
    cache: SubtreeCache | None = None,
) -> list[bytes]:
    """Return the RFC 9162 2.1.3.1 inclusion proof of a leaf, lowest sibling first."""
    if not 0 <= leaf_index < tree_size:
        raise ValueError(f"Leaf index {leaf_index} is not in a tree of size {tree_size}.")
    proof = []
    begin, end = 0, tree_size
    # Walk down from the root; the sibling of each range on the path is one proof node.
    while end - begin > 1:
        mid = begin + _split(end - begin)
        if leaf_index < mid:
            proof.append(_subtree_root(mid, end, get_leaf_hash, cache))
            end = mid
        else:
            proof.append(_subtree_root(begin, mid, get_leaf_hash, cache))
            begin = mid
    proof.reverse()
    return proof


def consistency_proof(
    old_size: int,
    new_size: int,
    get_leaf_hash: GetLeafHash,
    *,
    cache: SubtreeCache | None = None,
) -> list[bytes]:
    """Return the RFC 9162 2.1.4.1 consistency proof from old_size to new_size.

    The proof is empty when old_size is 0 or equals new_size.
    """
    if not 0 <= old_size <= new_size:
        raise ValueError(f"Cannot prove consistency from size {old_size} to {new_size}.")
    if old_size in (0, new_size):
        return []
    proof = []
    begin, end = 0, new_size
    # SUBPROOF(m, D[begin:end], complete) walked top-down; old_size stays the absolute
    # boundary. ``complete`` turns false once we descend into a right subtree, and then
    # the old tree's last subtree root must itself be sent.
    complete = True
    while old_size != end:
        mid = begin + _split(end - begin)
        if old_size <= mid:
            proof.append(_subtree_root(mid, end, get_leaf_hash, cache))
            end = mid
        else:
            proof.append(_subtree_root(begin, mid, get_leaf_hash, cache))
            begin = mid
            complete = False
    if not complete:
        proof.append(_subtree_root(begin, end, get_leaf_hash, cache))
    proof.reverse()
    return proof


def subtree_nodes(leaf_hashes: Iterable[bytes], *, min_level: int = NODE_MIN_LEVEL) -> Iterator[Node]:
    """Yield every complete subtree of min_level or more over the leaf hashes, given in order.

    The nodes come in the order the leaves complete them, so a log can be stored (or checked)
    while its leaf hashes stream past; memory stays O(log n).
    """
    compact = CompactRange()
    for h in leaf_hashes:
        yield from compact.append(h, min_level=min_level)


@dataclass(frozen=True)
class ProofReads:
    """What a proof reads from a store of subtree roots: node slots, and leaf indices below them."""

    nodes: frozenset[tuple[int, int]]
    leaves: frozenset[int]


class _Recorder(dict):
    """A cache that answers every subtree slot: a dry run of a proof stops at each one it reads."""

    _placeholder = bytes(HASH_LEN)

    def __init__(self) -> None:
        super().__init__()
        self.slots: set[tuple[int, int]] = set()
        self.leaves: set[int] = set()

    def get(self, slot, default=None):
        self.slots.add(slot)
        return self._placeholder

    def leaf(self, index: int) -> bytes:
        self.leaves.add(index)
        return self._placeholder


def proof_reads(build: Callable[[GetLeafHash, SubtreeCache], list[bytes]]) -> ProofReads:
    """Return the subtree roots (NODE_MIN_LEVEL up) and leaf hashes ``build(get, cache)`` reads.

    ``build`` runs once over placeholders, stopping at every complete subtree it looks up, so
    the answer is exact and costs O(log n) hashes: an inclusion or consistency proof reads at
    most about 2 * log2(n) nodes and, below NODE_MIN_LEVEL, a few dozen leaves.
    """
    recorder = _Recorder()
    build(recorder.leaf, recorder)
    return ProofReads(nodes=frozenset(recorder.slots), leaves=frozenset(recorder.leaves))


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """Check an inclusion proof with the RFC 9162 2.1.3.2 algorithm."""
    if not (_is_hash(leaf_hash) and _is_hash(root) and all(_is_hash(p) for p in proof)):
        return False
    if not 0 <= index < size:
        return False
    fn, sn = index, size - 1
    r = leaf_hash
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and hmac.compare_digest(r, root)


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Check a consistency proof with the RFC 9162 2.1.4.2 algorithm.

    Edge cases outside the RFC algorithm: equal sizes need an empty proof and equal roots;
    old size 0 needs an empty proof and ``old_root == EMPTY_ROOT``.
    """
    if not (_is_hash(old_root) and _is_hash(new_root) and all(_is_hash(p) for p in proof)):
        return False
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and hmac.compare_digest(old_root, new_root)
    if old_size == 0:
        return not proof and hmac.compare_digest(old_root, EMPTY_ROOT)
    # 1. An empty path fails.
    if not proof:
        return False
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3-4. fn = first - 1, sn = second - 1; shift both right while LSB(fn) is set.
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. Start both running roots from the first path element.
    fr = sr = path[0]
    # 6. Fold in every following element.
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7. Both roots must match and the path must have reached the top.
    return hmac.compare_digest(fr, old_root) and hmac.compare_digest(sr, new_root) and sn == 0
