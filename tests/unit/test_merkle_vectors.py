"""The Merkle tree against known vectors and an independent implementation (RFC 9162 §2.1, C2SP merkle-tree).

The expected roots, audit paths and consistency proofs of the eight-leaf reference tree are the published
known answers of Certificate Transparency (certificate-transparency, cpp/merkletree/merkle_tree_test.cc:
kSHA256EmptyTreeHash, kSHA256Roots, kSHA256Paths, kSHA256Proofs; its leaf numbers are 1-based, ours 0-based).
Everything beyond them is checked against the definitions of RFC 9162 written out below in plain hashlib
(MTH, PATH, PROOF/SUBPROOF and a verifier that rebuilds both roots by the same recursion) — nothing of
projections.merkle is used to compute an expected value.

projections.merkle answers from stored complete subtrees; the tree here is stored exactly as
TransparencyLogView stores it (a leaf, then every complete subtree it closes).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence

import pytest

from projections import merkle
from projections.merkle import ProofError

# -- published known answers ------------------------------------------------------------------------------------

EMPTY_TREE_ROOT = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"  # SHA-256 of no bytes

CT_INPUTS = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")]

CT_ROOTS = [  # root of the tree of the first 1, 2, … 8 inputs
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]

CT_PATHS = [  # (0-based leaf index, tree size, audit path)
    (0, 1, []),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]

CT_CONSISTENCY = [  # (old size, new size, proof)
    (1, 1, []),
    (1, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (6, 8, ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
    (2, 5, ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
]

MAX_SIZE = 33
# The eight reference inputs, then leaves of assorted lengths up to 33.
LEAVES = CT_INPUTS + [bytes([i]) * (i % 7) + f"leaf {i}".encode() for i in range(len(CT_INPUTS), MAX_SIZE)]


# -- RFC 9162 §2.1, written out independently ------------------------------------------------------------------


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def spec_split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k * 2 < n:
        k *= 2
    return k


def spec_mth(d: Sequence[bytes]) -> bytes:
    """§2.1.1 MTH(D[n])."""
    if len(d) == 0:
        return sha256(b"")
    if len(d) == 1:
        return sha256(b"\x00" + d[0])
    k = spec_split(len(d))
    return sha256(b"\x01" + spec_mth(d[:k]) + spec_mth(d[k:]))


def spec_path(m: int, d: Sequence[bytes]) -> list[bytes]:
    """§2.1.3.1 PATH(m, D[n])."""
    if len(d) == 1:
        return []
    k = spec_split(len(d))
    if m < k:
        return spec_path(m, d[:k]) + [spec_mth(d[k:])]
    return spec_path(m - k, d[k:]) + [spec_mth(d[:k])]


def spec_subproof(m: int, d: Sequence[bytes], complete: bool) -> list[bytes]:
    """§2.1.4.1 SUBPROOF(m, D[n], b)."""
    n = len(d)
    if m == n:
        return [] if complete else [spec_mth(d)]
    k = spec_split(n)
    if m <= k:
        return spec_subproof(m, d[:k], complete) + [spec_mth(d[k:])]
    return spec_subproof(m - k, d[k:], False) + [spec_mth(d[:k])]


def spec_proof(m: int, d: Sequence[bytes]) -> list[bytes]:
    """§2.1.4.1 PROOF(m, D[n]); empty for the trivial cases m = 0 and m = n."""
    return [] if m in (0, len(d)) else spec_subproof(m, d, True)


def spec_root_from_path(leaf: bytes, m: int, n: int, path: Sequence[bytes]) -> bytes | None:
    """The root an audit path leads to, by PATH's own recursion (None if the path has the wrong length)."""
    if n == 1:
        return leaf if not path else None
    if not path:
        return None
    k = spec_split(n)
    if m < k:
        below = spec_root_from_path(leaf, m, k, path[:-1])
        return None if below is None else sha256(b"\x01" + below + path[-1])
    below = spec_root_from_path(leaf, m - k, n - k, path[:-1])
    return None if below is None else sha256(b"\x01" + path[-1] + below)


def spec_verify_inclusion(leaf: bytes, m: int, n: int, path: Sequence[bytes], root: bytes) -> bool:
    return 0 <= m < n and spec_root_from_path(leaf, m, n, path) == root


def spec_roots_from_subproof(m: int, n: int, proof: Sequence[bytes], complete: bool,
                             old_root: bytes) -> tuple[bytes, bytes] | None:
    """(old subtree hash, new subtree hash) that SUBPROOF's recursion rebuilds from a proof."""
    if m == n:
        if complete:
            return (old_root, old_root) if not proof else None
        return (proof[0], proof[0]) if len(proof) == 1 else None
    if not proof:
        return None
    k = spec_split(n)
    if m <= k:
        below = spec_roots_from_subproof(m, k, proof[:-1], complete, old_root)
        if below is None:
            return None
        return below[0], sha256(b"\x01" + below[1] + proof[-1])
    below = spec_roots_from_subproof(m - k, n - k, proof[:-1], False, old_root)
    if below is None:
        return None
    return sha256(b"\x01" + proof[-1] + below[0]), sha256(b"\x01" + proof[-1] + below[1])


def spec_verify_consistency(m: int, n: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]) -> bool:
    if not 0 <= m <= n:
        return False
    if m == 0:
        return not proof
    if m == n:
        return not proof and old_root == new_root
    rebuilt = spec_roots_from_subproof(m, n, proof, True, old_root)
    return rebuilt == (old_root, new_root)


# -- the tree as TransparencyLogView stores it -------------------------------------------------------------------


class StoredTree:
    """Complete subtrees keyed (level, index), appended as TransparencyLogView.apply_stored does; the fetch
    answers like its SQL (absent keys are simply missing) and records every call."""

    def __init__(self) -> None:
        self.nodes: dict[tuple[int, int], bytes] = {}
        self.size = 0
        self.calls: list[set[tuple[int, int]]] = []

    def append(self, data: bytes) -> None:
        index = self.size
        digest = sha256(b"\x00" + data)
        self.nodes[(0, index)] = digest
        level, idx = 0, index
        while idx & 1:
            digest = sha256(b"\x01" + self.nodes[(level, idx - 1)] + digest)
            level, idx = level + 1, idx >> 1
            self.nodes[(level, idx)] = digest
        self.size += 1

    def fetch(self, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
        wanted = set(keys)
        self.calls.append(wanted)
        return {k: self.nodes[k] for k in wanted if k in self.nodes}


def tree_of(leaves: Sequence[bytes]) -> StoredTree:
    tree = StoredTree()
    for data in leaves:
        tree.append(data)
    return tree


@pytest.fixture(scope="module")
def trees() -> dict[int, StoredTree]:
    """The stored tree after 0, 1, … MAX_SIZE appends (each size its own tree, so a fetch cannot see ahead)."""
    return {n: tree_of(LEAVES[:n]) for n in range(MAX_SIZE + 1)}


def unhex(hashes: Sequence[str]) -> list[bytes]:
    return [bytes.fromhex(h) for h in hashes]


def flipped(h: bytes) -> bytes:
    return bytes([h[0] ^ 0x01]) + h[1:]


# -- known answers ---------------------------------------------------------------------------------------------


def test_the_empty_tree_root_is_the_sha256_of_no_bytes(trees: dict[int, StoredTree]) -> None:
    assert spec_mth([]).hex() == EMPTY_TREE_ROOT
    assert merkle.EMPTY_ROOT.hex() == EMPTY_TREE_ROOT
    assert merkle.root(0, trees[0].fetch).hex() == EMPTY_TREE_ROOT


def test_leaf_and_node_hashes_carry_the_rfc_9162_domain_prefixes() -> None:
    left, right = sha256(b"left"), sha256(b"right")
    for data in CT_INPUTS:
        assert merkle.leaf_hash(data) == hashlib.sha256(b"\x00" + data).digest()
    assert merkle.node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    # The first reference leaf is the empty string: its hash is SHA-256(0x00), not the empty-tree root.
    assert merkle.leaf_hash(b"").hex() == CT_ROOTS[0] != EMPTY_TREE_ROOT


@pytest.mark.parametrize("size", range(1, 9))
def test_the_reference_tree_has_the_published_root_at_every_size(size: int, trees: dict[int, StoredTree]) -> None:
    assert spec_mth(CT_INPUTS[:size]).hex() == CT_ROOTS[size - 1]  # the independent implementation agrees
    assert merkle.root(size, trees[size].fetch).hex() == CT_ROOTS[size - 1]
    # An older size of a larger tree is answered from the same stored nodes.
    assert merkle.root(size, trees[8].fetch).hex() == CT_ROOTS[size - 1]


@pytest.mark.parametrize(("index", "size", "path"), CT_PATHS)
def test_the_reference_tree_has_the_published_audit_paths(index: int, size: int, path: list[str],
                                                          trees: dict[int, StoredTree]) -> None:
    assert [h.hex() for h in spec_path(index, CT_INPUTS[:size])] == path
    assert [h.hex() for h in merkle.inclusion_proof(index, size, trees[8].fetch)] == path
    assert merkle.verify_inclusion(merkle.leaf_hash(CT_INPUTS[index]), index, size, unhex(path),
                                   bytes.fromhex(CT_ROOTS[size - 1]))


@pytest.mark.parametrize(("old", "new", "proof"), CT_CONSISTENCY)
def test_the_reference_tree_has_the_published_consistency_proofs(old: int, new: int, proof: list[str],
                                                                 trees: dict[int, StoredTree]) -> None:
    assert [h.hex() for h in spec_proof(old, CT_INPUTS[:new])] == proof
    assert [h.hex() for h in merkle.consistency_proof(old, new, trees[8].fetch)] == proof
    assert merkle.verify_consistency(old, new, bytes.fromhex(CT_ROOTS[old - 1]), bytes.fromhex(CT_ROOTS[new - 1]),
                                     unhex(proof))


# -- every size up to 33 against the independent implementation ------------------------------------------------


def test_appending_stores_exactly_the_complete_subtrees(trees: dict[int, StoredTree]) -> None:
    for n, tree in trees.items():
        expected = {(level, i): spec_mth(LEAVES[i << level:(i + 1) << level])
                    for level in range(n.bit_length()) for i in range(n >> level)}
        assert tree.nodes == expected, n


@pytest.mark.parametrize("size", range(MAX_SIZE + 1))
def test_the_root_of_every_size_is_the_rfc_root(size: int, trees: dict[int, StoredTree]) -> None:
    expected = spec_mth(LEAVES[:size])
    assert merkle.root(size, trees[size].fetch) == expected
    assert merkle.root(size, trees[MAX_SIZE].fetch) == expected


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_every_inclusion_proof_is_the_rfc_path_and_verifies(size: int, trees: dict[int, StoredTree]) -> None:
    root = spec_mth(LEAVES[:size])
    for index in range(size):
        tree = trees[size]
        tree.calls.clear()
        proof = merkle.inclusion_proof(index, size, tree.fetch)
        assert proof == spec_path(index, LEAVES[:size]), (index, size)
        # O(log n): one fetch of at most two nodes per level, never the leaves.
        assert len(tree.calls) == 1 and len(tree.calls[0]) <= 2 * size.bit_length(), (index, size)
        leaf = merkle.leaf_hash(LEAVES[index])
        assert merkle.verify_inclusion(leaf, index, size, proof, root), (index, size)
        assert spec_verify_inclusion(leaf, index, size, proof, root), (index, size)
        # The same proof from a larger tree's stored nodes.
        assert merkle.inclusion_proof(index, size, trees[MAX_SIZE].fetch) == proof


@pytest.mark.parametrize("size", range(0, MAX_SIZE + 1))
def test_every_consistency_proof_is_the_rfc_proof_and_verifies(size: int, trees: dict[int, StoredTree]) -> None:
    new_root = spec_mth(LEAVES[:size])
    for old in range(size + 1):
        tree = trees[size]
        tree.calls.clear()
        proof = merkle.consistency_proof(old, size, tree.fetch)
        assert proof == spec_proof(old, LEAVES[:size]), (old, size)
        assert len(tree.calls) <= 1 and all(len(c) <= 2 * size.bit_length() for c in tree.calls), (old, size)
        old_root = spec_mth(LEAVES[:old])
        assert merkle.verify_consistency(old, size, old_root, new_root, proof), (old, size)
        assert spec_verify_consistency(old, size, old_root, new_root, proof), (old, size)
        assert merkle.consistency_proof(old, size, trees[MAX_SIZE].fetch) == proof


# -- what must not verify -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("size", range(1, MAX_SIZE + 1))
def test_a_tampered_inclusion_proof_or_a_wrong_leaf_or_index_fails(size: int, trees: dict[int, StoredTree]) -> None:
    root = spec_mth(LEAVES[:size])
    other_root = spec_mth(LEAVES[:size - 1])
    for index in range(size):
        proof = merkle.inclusion_proof(index, size, trees[size].fetch)
        leaf = merkle.leaf_hash(LEAVES[index])

        def neither(leaf_: bytes, index_: int, size_: int, proof_: Sequence[bytes], root_: bytes) -> bool:
            return not merkle.verify_inclusion(leaf_, index_, size_, proof_, root_) and \
                not spec_verify_inclusion(leaf_, index_, size_, proof_, root_)

        for i in range(len(proof)):  # each hash changed by one bit
            assert neither(leaf, index, size, proof[:i] + [flipped(proof[i])] + proof[i + 1:], root), (index, i)
        assert neither(flipped(leaf), index, size, proof, root)
        assert neither(merkle.leaf_hash(LEAVES[index] + b"!"), index, size, proof, root)
        assert neither(leaf, index, size, proof, other_root)
        assert neither(leaf, index, size, proof + [root], root)  # one hash too many
        if proof:
            assert neither(leaf, index, size, proof[:-1], root)  # one too few
            assert neither(leaf, index, size, list(reversed(proof)), root) or len(set(proof)) == 1
        for wrong in range(size):
            if wrong != index:
                assert neither(leaf, wrong, size, proof, root), (index, wrong, size)
        for wrong in (-1, size, size + 1):
            assert neither(leaf, wrong, size, proof, root), (index, wrong, size)


@pytest.mark.parametrize("size", range(2, MAX_SIZE + 1))
def test_a_tampered_consistency_proof_or_a_wrong_root_fails(size: int, trees: dict[int, StoredTree]) -> None:
    new_root = spec_mth(LEAVES[:size])
    for old in range(1, size):
        proof = merkle.consistency_proof(old, size, trees[size].fetch)
        old_root = spec_mth(LEAVES[:old])

        def neither(m: int, n: int, r1: bytes, r2: bytes, p: Sequence[bytes]) -> bool:
            return not merkle.verify_consistency(m, n, r1, r2, p) and not spec_verify_consistency(m, n, r1, r2, p)

        for i in range(len(proof)):
            assert neither(old, size, old_root, new_root, proof[:i] + [flipped(proof[i])] + proof[i + 1:]), (old, i)
        assert neither(old, size, flipped(old_root), new_root, proof)
        assert neither(old, size, old_root, flipped(new_root), proof)
        assert neither(old, size, spec_mth(LEAVES[1:old + 1]), new_root, proof)  # a different history
        assert neither(old, size, old_root, new_root, proof[:-1])
        assert neither(old, size, old_root, new_root, proof + [new_root])
        assert neither(old, size, old_root, new_root, [])
        assert neither(size, old, new_root, old_root, proof)  # sizes the wrong way round
        assert neither(old, size, new_root, new_root, proof)


def test_the_trivial_consistency_cases_need_no_proof_and_accept_none() -> None:
    root = spec_mth(LEAVES[:5])
    assert merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root, [])
    assert not merkle.verify_consistency(0, 5, merkle.EMPTY_ROOT, root, [root])
    assert merkle.verify_consistency(5, 5, root, root, [])
    assert not merkle.verify_consistency(5, 5, root, flipped(root), [])
    assert not merkle.verify_consistency(5, 5, root, root, [root])


# -- requests the tree cannot answer -------------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "size"), [(-1, 5), (5, 5), (6, 5), (0, 0), (0, -1)])
def test_an_inclusion_proof_outside_the_tree_is_a_proof_error(index: int, size: int,
                                                              trees: dict[int, StoredTree]) -> None:
    with pytest.raises(ProofError):
        merkle.inclusion_proof(index, size, trees[MAX_SIZE].fetch)


@pytest.mark.parametrize(("old", "new"), [(6, 5), (-1, 5), (-2, -1)])
def test_a_consistency_proof_between_impossible_sizes_is_a_proof_error(old: int, new: int,
                                                                       trees: dict[int, StoredTree]) -> None:
    with pytest.raises(ProofError):
        merkle.consistency_proof(old, new, trees[MAX_SIZE].fetch)


def test_a_negative_size_has_no_root(trees: dict[int, StoredTree]) -> None:
    with pytest.raises(ProofError):
        merkle.root(-1, trees[MAX_SIZE].fetch)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 13, 16])
def test_a_size_beyond_the_stored_tree_is_a_proof_error_not_a_wrong_answer(size: int,
                                                                           trees: dict[int, StoredTree]) -> None:
    tree = trees[size]
    with pytest.raises(ProofError):
        merkle.root(size + 1, tree.fetch)
    with pytest.raises(ProofError):  # the path of leaf 0 needs the missing leaf's subtree
        merkle.inclusion_proof(0, size + 1, tree.fetch)
    with pytest.raises(ProofError):
        merkle.consistency_proof(size, size + 1, tree.fetch)
