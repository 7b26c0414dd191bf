import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ethos.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    root,
    verify_consistency,
    verify_inclusion,
)


def h(text):
    return bytes.fromhex(text)


# Published test vectors of transparency-dev/merkle (testonly/constants.go and
# proof/verify_test.go), computed with RFC 6962 hashing, which RFC 9162 keeps.
LEAF_INPUTS = [
    h(""),
    h("00"),
    h("10"),
    h("2021"),
    h("3031"),
    h("40414243"),
    h("5051525354555657"),
    h("606162636465666768696a6b6c6d6e6f"),
]
NODE_HASHES = [
    [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7"),
        h("07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1"),
    ],
    [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
    ],
    [
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ],
    [
        h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
    ],
]
ROOTS = [  # indexed by tree size, 0..8
    h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
    h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
    h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    h("aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77"),
    h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    h("4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4"),
    h("76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"),
    h("ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c"),
    h("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"),
]
NH = NODE_HASHES
COMPACT_TREES = [  # the compact range's hashes for tree sizes 0..8
    [],
    [NH[0][0]],
    [NH[1][0]],
    [NH[1][0], NH[0][2]],
    [NH[2][0]],
    [NH[2][0], NH[0][4]],
    [NH[2][0], NH[1][2]],
    [NH[2][0], NH[1][2], NH[0][6]],
    [NH[3][0]],
]
# (leaf index, tree size, proof); the Go file numbers leaves from 1, converted here.
INCLUSION_PROOFS = [
    (0, 1, []),
    (0, 8, [
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]),
    (5, 8, [
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
    (2, 3, [
        h("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"),
    ]),
    (1, 5, [
        h("6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ]),
]  # fmt: skip
CONSISTENCY_PROOFS = [
    (1, 1, []),
    (1, 8, [
        h("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]),
    (6, 8, [
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
    (2, 5, [
        h("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        h("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
    ]),
    (6, 7, [
        h("0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a"),
        h("b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f"),
        h("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]),
]  # fmt: skip
SOME_HASH = h("abacaba000000000000000000000000000000000000000000060061e00123456")
LEAF_HASHES = [leaf_hash(data) for data in LEAF_INPUTS]


def flip(value, bit=3):
    return bytes([value[0] ^ (1 << bit)]) + value[1:]


def make_leaves(n, salt=b""):
    return [leaf_hash(salt + i.to_bytes(4, "big")) for i in range(n)]


# --------------------------------------------------------------------------- hashing


def test_it_hashes_leaves_and_nodes_with_domain_separation():
    assert leaf_hash(b"") == NODE_HASHES[0][0]
    assert node_hash(NODE_HASHES[0][0], NODE_HASHES[0][1]) == NODE_HASHES[1][0]
    assert ROOTS[0] == EMPTY_ROOT


def test_it_hashes_the_published_leaves():
    assert NODE_HASHES[0] == LEAF_HASHES


@pytest.mark.parametrize("size", range(9))
def test_it_computes_the_published_roots(size):
    assert root(LEAF_HASHES[:size]) == ROOTS[size]


@pytest.mark.parametrize("size", range(9))
def test_it_keeps_the_published_compact_range(size):
    compact = CompactRange.from_leaf_hashes(LEAF_HASHES[:size])
    assert list(compact.hashes) == COMPACT_TREES[size]
    assert compact.root() == ROOTS[size]
    assert compact.size == size


# --------------------------------------------------------------------------- vectors: inclusion


@pytest.mark.parametrize(("index", "size", "expected"), INCLUSION_PROOFS)
def test_it_builds_the_published_inclusion_proofs(index, size, expected):
    assert inclusion_proof(index, size, LEAF_HASHES.__getitem__) == expected


@pytest.mark.parametrize(("index", "size", "proof"), INCLUSION_PROOFS)
def test_it_verifies_the_published_inclusion_proofs_and_rejects_corruptions(index, size, proof):
    leaf, good_root = LEAF_HASHES[index], ROOTS[size]
    assert verify_inclusion(leaf, index, size, proof, good_root)

    # The corruptions of transparency-dev's verifierCheck.
    probes = [
        (leaf, index - 1, size, proof, good_root),
        (leaf, index + 1, size, proof, good_root),
        (leaf, index ^ 2, size, proof, good_root),
        (leaf, index, size * 2, proof, good_root),
        (leaf, index, size // 2, proof, good_root),
        (b"WrongLeaf", index, size, proof, good_root),
        (leaf_hash(b"WrongLeaf"), index, size, proof, good_root),
        (leaf, index, size, proof, EMPTY_ROOT),
        (leaf, index, size, proof, SOME_HASH),
        (leaf, index, size, [*proof, b""], good_root),
        (leaf, index, size, [*proof, good_root], good_root),
        (leaf, index, size, [b"", *proof], good_root),
        (leaf, index, size, [good_root, *proof], good_root),
    ]
    for i in range(len(proof)):
        probes.append((leaf, index, size, [*proof[:i], flip(proof[i]), *proof[i + 1 :]], good_root))
    if proof:
        probes.append((leaf, index, size, proof[:-1], good_root))
    if len(proof) > 1:
        probes.append((leaf, index, size, [proof[0], SOME_HASH, *proof[1:]], good_root))
    for probe in probes:
        assert not verify_inclusion(*probe), probe


@pytest.mark.parametrize(("index", "size"), [(0, 0), (0, 1), (1, 0), (2, 1)])
def test_it_rejects_inclusion_in_impossible_positions(index, size):
    assert not verify_inclusion(SOME_HASH, index, size, [], b"")
    assert not verify_inclusion(b"", index, size, [], EMPTY_ROOT)
    assert not verify_inclusion(SOME_HASH, index, size, [], EMPTY_ROOT)


def test_it_verifies_a_single_entry_tree():
    leaf = leaf_hash(b"data")
    assert verify_inclusion(leaf, 0, 1, [], leaf)
    assert not verify_inclusion(leaf, 0, 1, [], b"")
    assert not verify_inclusion(b"", 0, 1, [], leaf)


# --------------------------------------------------------------------------- vectors: consistency


@pytest.mark.parametrize(("old", "new", "expected"), CONSISTENCY_PROOFS)
def test_it_builds_the_published_consistency_proofs(old, new, expected):
    assert consistency_proof(old, new, LEAF_HASHES.__getitem__) == expected


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY_PROOFS)
def test_it_verifies_the_published_consistency_proofs_and_rejects_corruptions(old, new, proof):
    root1, root2 = ROOTS[old], ROOTS[new]
    assert verify_consistency(old, new, root1, root2, proof)
    if not proof:
        return

    # The corruptions of transparency-dev's verifierConsistencyCheck.
    probes = [
        (old - 1, new, root1, root2, proof),
        (old + 1, new, root1, root2, proof),
        (old ^ 2, new, root1, root2, proof),
        (old, new * 2, root1, root2, proof),
        (old, new // 2, root1, root2, proof),
        (old, new, b"WrongRoot", root2, proof),
        (old, new, root1, b"WrongRoot", proof),
        (old, new, SOME_HASH, root2, proof),
        (old, new, root1, SOME_HASH, proof),
        (old, new, root2, root1, proof),
        (old, new, root1, root2, []),
        (old, new, root1, root2, [*proof, b""]),
        (old, new, root1, root2, [*proof, root1]),
        (old, new, root1, root2, [*proof, root2]),
        (old, new, root1, root2, [b"", *proof]),
        (old, new, root1, root2, [root1, *proof]),
        (old, new, root1, root2, [root2, *proof]),
        (old, new, root1, root2, [proof[0], *proof]),
        (old, new, root1, root2, proof[:-1]),
    ]
    for i in range(len(proof)):
        probes.append((old, new, root1, root2, [*proof[:i], flip(proof[i], 4), *proof[i + 1 :]]))
    for probe in probes:
        assert not verify_consistency(*probe), probe


@pytest.mark.parametrize(
    ("old", "new", "root1", "root2", "proof", "valid"),
    [
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [], True),
        (0, 0, SOME_HASH, EMPTY_ROOT, [], False),
        (0, 0, EMPTY_ROOT, EMPTY_ROOT, [EMPTY_ROOT], False),
        (0, 1, EMPTY_ROOT, SOME_HASH, [], True),
        (0, 1, SOME_HASH, SOME_HASH, [], False),  # stricter than Go: size 0 has one root
        (0, 1, EMPTY_ROOT, SOME_HASH, [EMPTY_ROOT], False),
        (1, 1, SOME_HASH, SOME_HASH, [], True),
        (1, 1, SOME_HASH, EMPTY_ROOT, [], False),
        (1, 1, SOME_HASH, SOME_HASH, [EMPTY_ROOT], False),
        (1, 0, SOME_HASH, EMPTY_ROOT, [], False),
        (2, 1, SOME_HASH, EMPTY_ROOT, [], False),
        (1, 2, SOME_HASH, EMPTY_ROOT, [], False),
    ],
)
def test_it_handles_consistency_edge_cases(old, new, root1, root2, proof, valid):
    assert verify_consistency(old, new, root1, root2, proof) is valid


def test_it_refuses_to_build_impossible_proofs():
    get = LEAF_HASHES.__getitem__
    for index, size in [(0, 0), (8, 8), (-1, 8)]:
        with pytest.raises(ValueError):
            inclusion_proof(index, size, get)
    for old, new in [(5, 4), (-1, 3)]:
        with pytest.raises(ValueError):
            consistency_proof(old, new, get)
    assert consistency_proof(0, 8, get) == []
    assert consistency_proof(8, 8, get) == []


def test_it_refuses_a_leaf_hash_of_the_wrong_length():
    with pytest.raises(ValueError):
        inclusion_proof(1, 2, [b"short", b"x" * 32].__getitem__)


# --------------------------------------------------------------------------- properties


@settings(max_examples=25, deadline=None)
@given(size=st.integers(1, 300), salt=st.binary(max_size=4))
def test_it_proves_and_verifies_every_leaf_and_every_older_size(size, salt):
    leaves = make_leaves(size, salt)
    get, cache = leaves.__getitem__, {}
    roots = [EMPTY_ROOT]
    compact = CompactRange()
    for leaf in leaves:
        compact.append(leaf)
        roots.append(compact.root())
    assert roots[-1] == root(leaves)

    for index in range(size):
        proof = inclusion_proof(index, size, get, cache=cache)
        assert verify_inclusion(leaves[index], index, size, proof, roots[size])
    for old in range(size + 1):
        proof = consistency_proof(old, size, get, cache=cache)
        assert verify_consistency(old, size, roots[old], roots[size], proof)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_it_rejects_any_altered_inclusion_claim(data):
    size = data.draw(st.integers(1, 300))
    index = data.draw(st.integers(0, size - 1))
    leaves = make_leaves(size)
    tree_root = root(leaves)
    proof = inclusion_proof(index, size, leaves.__getitem__)
    assert verify_inclusion(leaves[index], index, size, proof, tree_root)

    # Another leaf's data, or the right leaf at another position, does not verify.
    other = data.draw(st.integers(0, size - 1).filter(lambda i: i != index)) if size > 1 else None
    assert not verify_inclusion(leaf_hash(b"forged"), index, size, proof, tree_root)
    if other is not None:
        assert not verify_inclusion(leaves[other], index, size, proof, tree_root)
        assert not verify_inclusion(leaves[index], other, size, proof, tree_root)
    # A changed leaf anywhere changes the root the proof must reach.
    changed = list(leaves)
    changed[data.draw(st.integers(0, size - 1))] = leaf_hash(b"changed")
    assert not verify_inclusion(leaves[index], index, size, proof, root(changed))
    # Another size fails whenever its proof has another length. (Where the lengths match,
    # the path has the same shape: a root hash does not commit to the tree size, which is
    # why the size must come from the signed checkpoint.)
    new_size = data.draw(st.integers(index + 1, 600).filter(lambda s: s != size))
    if len(inclusion_proof(index, new_size, make_leaves(new_size).__getitem__)) != len(proof):
        assert not verify_inclusion(leaves[index], index, new_size, proof, tree_root)
    assert not verify_inclusion(leaves[index], index, size * 2, proof, tree_root)
    # Any bit flip in any proof element fails.
    if proof:
        i = data.draw(st.integers(0, len(proof) - 1))
        bit = data.draw(st.integers(0, 255))
        element = bytearray(proof[i])
        element[bit // 8] ^= 1 << (bit % 8)
        tampered = [*proof[:i], bytes(element), *proof[i + 1 :]]
        assert not verify_inclusion(leaves[index], index, size, tampered, tree_root)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_it_rejects_any_altered_consistency_claim(data):
    new = data.draw(st.integers(2, 300))
    old = data.draw(st.integers(1, new - 1))
    leaves = make_leaves(new)
    root1, root2 = root(leaves[:old]), root(leaves)
    proof = consistency_proof(old, new, leaves.__getitem__)
    assert verify_consistency(old, new, root1, root2, proof)

    # A rewritten old leaf (history changed) breaks the proof.
    changed = list(leaves)
    changed[data.draw(st.integers(0, old - 1))] = leaf_hash(b"rewritten")
    assert not verify_consistency(old, new, root1, root(changed), proof)
    assert not verify_consistency(old, new, root(changed[:old]), root2, proof)
    # Other sizes fail whenever their proof has another length (see the inclusion test).
    longer = make_leaves(600)
    other_old = data.draw(st.integers(1, new).filter(lambda s: s != old))
    if len(consistency_proof(other_old, new, longer.__getitem__)) != len(proof):
        assert not verify_consistency(other_old, new, root1, root2, proof)
    other_new = data.draw(st.integers(old + 1, 600).filter(lambda s: s != new))
    if len(consistency_proof(old, other_new, longer.__getitem__)) != len(proof):
        assert not verify_consistency(old, other_new, root1, root2, proof)
    assert not verify_consistency(old, new * 2, root1, root2, proof)
    # Any bit flip in any proof element fails.
    i = data.draw(st.integers(0, len(proof) - 1))
    bit = data.draw(st.integers(0, 255))
    element = bytearray(proof[i])
    element[bit // 8] ^= 1 << (bit % 8)
    assert not verify_consistency(old, new, root1, root2, [*proof[:i], bytes(element), *proof[i + 1 :]])


def test_it_rejects_every_single_corruption_in_small_trees_exhaustively():
    for size in range(1, 18):
        leaves = make_leaves(size, b"exhaustive")
        roots = [root(leaves[:n]) for n in range(size + 1)]
        for index in range(size):
            proof = inclusion_proof(index, size, leaves.__getitem__)
            for i in range(len(proof)):
                bad = [*proof[:i], flip(proof[i], 0), *proof[i + 1 :]]
                assert not verify_inclusion(leaves[index], index, size, bad, roots[size])
            for wrong_index in range(size):
                if wrong_index != index:
                    assert not verify_inclusion(leaves[index], wrong_index, size, proof, roots[size])
        for old in range(1, size):
            proof = consistency_proof(old, size, leaves.__getitem__)
            for i in range(len(proof)):
                bad = [*proof[:i], flip(proof[i], 0), *proof[i + 1 :]]
                assert not verify_consistency(old, size, roots[old], roots[size], bad)
            for wrong_old in range(1, size):
                if wrong_old != old and roots[wrong_old] != roots[old]:
                    assert not verify_consistency(wrong_old, size, roots[old], roots[size], proof)


def test_it_gives_the_same_proofs_with_a_cache_shared_across_sizes():
    leaves = make_leaves(300, b"cache")
    cache = {}
    for size in (37, 128, 129, 300):
        for index in (0, size // 2, size - 1):
            assert inclusion_proof(index, size, leaves.__getitem__, cache=cache) == (
                inclusion_proof(index, size, leaves.__getitem__)
            )
        assert consistency_proof(size // 3 + 1, size, leaves.__getitem__, cache=cache) == (
            consistency_proof(size // 3 + 1, size, leaves.__getitem__)
        )
    assert cache
    assert all(level >= 4 for level, _ in cache)


# --------------------------------------------------------------------------- compact range


def test_it_matches_root_for_every_size_up_to_300():
    leaves = make_leaves(300, b"compact")
    compact = CompactRange()
    assert compact.root() == EMPTY_ROOT
    for size, leaf in enumerate(leaves, start=1):
        compact.append(leaf)
        assert compact.size == size
        assert len(compact.hashes) == size.bit_count()
        assert compact.root() == root(leaves[:size])


@settings(max_examples=30)
@given(size=st.integers(0, 600))
def test_it_serialises_a_compact_range(size):
    compact = CompactRange.from_leaf_hashes(make_leaves(size))
    restored = CompactRange.from_dict(json.loads(json.dumps(compact.to_dict())))
    assert restored == compact
    assert restored.root() == compact.root()
    restored.append(leaf_hash(b"next"))
    compact.append(leaf_hash(b"next"))
    assert restored.root() == compact.root()


@pytest.mark.parametrize(
    "data",
    [
        {"size": 3, "hashes": ["00" * 32]},
        {"size": 1, "hashes": ["00" * 31]},
        {"size": -1, "hashes": []},
        {"size": 1, "hashes": ["zz" * 32]},
        {"size": 1, "hashes": "00" * 32},
        {"size": 0},
    ],
)
def test_it_refuses_a_broken_compact_range(data):
    with pytest.raises(ValueError):
        CompactRange.from_dict(data)


def test_it_refuses_to_append_a_non_hash():
    with pytest.raises(ValueError):
        CompactRange().append(b"not a hash")
