"""Merkle tree hashing and proofs as defined by RFC 9162 §2.1 (and C2SP merkle-tree), over stored subtrees.

Only complete ("perfect") subtrees are stored: node (level, index) covers leaves [index·2^level,
(index+1)·2^level). Every hash RFC 9162 asks for — a root of any size, a PATH, a SUBPROOF — is a right fold
of at most log2(n) such nodes, so each proof needs O(log n) stored hashes, fetched together. The functions
here are pure: callers pass a ``fetch`` that maps node keys to hashes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence

Node = tuple[int, int]  # (level, index)
Fetch = Callable[[Iterable[Node]], dict[Node, bytes]]

EMPTY_ROOT = hashlib.sha256(b"").digest()


class ProofError(ValueError):
    """A proof was asked for sizes or indexes the tree cannot answer."""


def leaf_hash(data: bytes) -> bytes:
    """RFC 9162: MTH({d}) = SHA-256(0x00 ‖ d)."""
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 9162: MTH(D[n]) = SHA-256(0x01 ‖ MTH(left) ‖ MTH(right))."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    return 1 << ((n - 1).bit_length() - 1)


def perfect_cover(start: int, end: int) -> list[Node]:
    """The perfect subtrees that tile leaves [start, end), largest first, as RFC 9162's recursion splits it."""
    nodes = []
    while start < end:
        level = 0
        while start % (1 << (level + 1)) == 0 and start + (1 << (level + 1)) <= end:
            level += 1
        nodes.append((level, start >> level))
        start += 1 << level
    return nodes


def fold(hashes: Sequence[bytes]) -> bytes:
    """Right fold of a perfect cover: node(h0, node(h1, … hk))."""
    result = hashes[-1]
    for h in reversed(hashes[:-1]):
        result = node_hash(h, result)
    return result


def _inclusion_ranges(index: int, start: int, end: int) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.3.1 PATH(m, D[start:end]) as the ranges whose hashes it lists, leaf side first."""
    ranges: list[tuple[int, int]] = []
    while end - start > 1:
        k = split_point(end - start)
        if index - start < k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
    return list(reversed(ranges))


def _consistency_ranges(old: int, start: int, end: int, complete: bool) -> list[tuple[int, int]]:
    """RFC 9162 §2.1.4.1 SUBPROOF(m, D[start:end], b) as ranges, in proof order."""
    ranges: list[tuple[int, int]] = []
    while True:
        n = end - start
        if old == n:
            if not complete:
                ranges.append((start, end))
            break
        k = split_point(n)
        if old <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            old -= k
            start = start + k
            complete = False
    return list(reversed(ranges))


def _hashes_of(ranges: Sequence[tuple[int, int]], fetch: Fetch) -> list[bytes]:
    covers = [perfect_cover(a, b) for a, b in ranges]
    found = fetch({node for cover in covers for node in cover})
    missing = [node for cover in covers for node in cover if node not in found]
    if missing:
        raise ProofError(f"the stored tree lacks {len(missing)} node(s), e.g. level {missing[0][0]} "
                         f"index {missing[0][1]}: it is behind the requested size")
    return [fold([found[node] for node in cover]) for cover in covers]


def root(size: int, fetch: Fetch) -> bytes:
    """MTH of the first ``size`` leaves."""
    if size < 0:
        raise ProofError("tree size must not be negative")
    if size == 0:
        return EMPTY_ROOT
    return _hashes_of([(0, size)], fetch)[0]


def inclusion_proof(index: int, size: int, fetch: Fetch) -> list[bytes]:
    """Audit path of leaf ``index`` in the tree of ``size`` leaves."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is outside a tree of size {size}")
    return _hashes_of(_inclusion_ranges(index, 0, size), fetch)


def consistency_proof(old_size: int, new_size: int, fetch: Fetch) -> list[bytes]:
    """Proof that the tree of ``old_size`` leaves is a prefix of the tree of ``new_size`` leaves."""
    if not 0 <= old_size <= new_size:
        raise ProofError(f"old size {old_size} must be between 0 and the new size {new_size}")
    if old_size in (0, new_size):
        return []
    return _hashes_of(_consistency_ranges(old_size, 0, new_size, True), fetch)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], expected_root: bytes) -> bool:
    """RFC 9162 §2.1.3.2, for a leaf hash."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(old_size: int, new_size: int, old_root: bytes, new_root: bytes,
                       proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2."""
    if not 0 <= old_size <= new_size:
        return False
    if old_size == new_size:
        return not proof and old_root == new_root
    if old_size == 0:
        return not proof
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is itself the first node
        path.insert(0, old_root)
    if not path:
        return False
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return sn == 0 and fr == old_root and sr == new_root
