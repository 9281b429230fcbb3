"""SHA-256 Merkle tree over the sorted fingerprint list F (PROTOCOL.md section 6).

Leaves are ``SHA256(0x00 || fp)`` with fp as 32 bytes big-endian, inner nodes
``SHA256(0x01 || left || right)``; the leaf count is padded to a power of two with
32 zero bytes standing for an empty leaf's hash.
"""

from __future__ import annotations

from collections.abc import Sequence
from hashlib import sha256

EMPTY = bytes(32)


def leaf_hash(fp: int) -> bytes:
    return sha256(b"\x00" + fp.to_bytes(32, "big")).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return sha256(b"\x01" + left + right).digest()


def _padded_leaves(fingerprints: Sequence[int]) -> list[bytes]:
    if not fingerprints:
        raise ValueError("a Merkle tree needs at least one leaf")
    leaves = [leaf_hash(f) for f in fingerprints]
    size = 1
    while size < len(leaves):
        size *= 2
    return leaves + [EMPTY] * (size - len(leaves))


def tree_levels(fingerprints: Sequence[int]) -> list[list[bytes]]:
    """All levels, leaves first, root last (a one-element list)."""
    level = _padded_leaves(fingerprints)
    levels = [level]
    while len(level) > 1:
        level = [node_hash(level[i], level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def merkle_root(fingerprints: Sequence[int]) -> bytes:
    return tree_levels(fingerprints)[-1][0]


def merkle_path(levels: list[list[bytes]], index: int) -> list[bytes]:
    """Sibling hashes from the leaf level up to just below the root."""
    if not 0 <= index < len(levels[0]):
        raise IndexError(f"leaf index {index} outside the tree")
    path = []
    for level in levels[:-1]:
        path.append(level[index ^ 1])
        index //= 2
    return path


def root_from_path(fp: int, index: int, path: Sequence[bytes]) -> bytes:
    """The root implied by a leaf, its index and its Merkle path."""
    if index < 0 or index >= 1 << len(path):
        raise ValueError(f"leaf index {index} does not fit a path of length {len(path)}")
    node = leaf_hash(fp)
    for sibling in path:
        node = node_hash(sibling, node) if index & 1 else node_hash(node, sibling)
        index //= 2
    return node
