"""Classic Merkle sum tree (baseline to compare the zero-knowledge argument with).

SHA-256; every node carries a vector of per-asset sums. The parent hash binds both
children's hashes *and both children's sum vectors* -- the fix for the flaw in
Maxwell's original construction, where the parent committed only to the total so an
exchange could shift value between the two sides of a node. Leaves are hashed with a
per-user 32-byte nonce so that a leaf hash reveals nothing by brute force.

    leaf  = SHA256(0x00 || nonce(32) || len(uid) (4, BE) || uid (UTF-8) || sums)
    node  = SHA256(0x01 || hash_L || sums_L || hash_R || sums_R),  sums = sums_L + sums_R
    empty = 32 zero bytes with all-zero sums (pads the leaf count to a power of two)

A sum vector is A signed 256-bit big-endian two's-complement integers (32 bytes each).
A leaf's sums are the user's balances per asset (entries of the same asset merged).

What this baseline does *not* give (the ZK argument does): privacy of the other users'
totals along the path (the siblings' sums are revealed), and any protection against
users with negative net equity (an exchange may add fake users with negative
balances to lower the totals; a user can only see their own path).
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from zkpor.prover.exchange.snapshot import Snapshot

SUM_BYTES = 32
_EMPTY = bytes(32)
_MOD = 1 << (8 * SUM_BYTES)


def _enc_sums(sums: Sequence[int]) -> bytes:
    return b"".join((int(s) % _MOD).to_bytes(SUM_BYTES, "big") for s in sums)


def _check_sums(sums: Sequence[int]) -> None:
    for s in sums:
        if not -(1 << (8 * SUM_BYTES - 1)) <= int(s) < 1 << (8 * SUM_BYTES - 1):
            raise ValueError("sum out of the 256-bit signed range")


def leaf_hash(uid: str, nonce: bytes, balances: Sequence[int]) -> bytes:
    if len(nonce) != 32:
        raise ValueError("nonce must be 32 bytes")
    u = uid.encode("utf-8")
    return hashlib.sha256(
        b"\x00" + nonce + len(u).to_bytes(4, "big") + u + _enc_sums(balances)
    ).digest()


def node_hash(hl: bytes, sl: Sequence[int], hr: bytes, sr: Sequence[int]) -> bytes:
    return hashlib.sha256(b"\x01" + hl + _enc_sums(sl) + hr + _enc_sums(sr)).digest()


@dataclass(frozen=True)
class InclusionProof:
    uid: str
    nonce: bytes
    balances: list[int]  # per asset index, 1e-8 coin
    index: int  # leaf index
    siblings: list[tuple[bytes, list[int]]]  # bottom-up: (hash, sums)

    def size_bytes(self) -> int:
        """Serialized size: nonce, uid (4-byte length + bytes), balances, index, path."""
        a = len(self.balances)
        uid = len(self.uid.encode("utf-8"))
        return 32 + 4 + uid + a * SUM_BYTES + 8 + len(self.siblings) * (32 + a * SUM_BYTES)

    def to_bytes(self) -> bytes:
        u = self.uid.encode("utf-8")
        parts = [
            len(self.balances).to_bytes(4, "big"),
            len(self.siblings).to_bytes(4, "big"),
            self.nonce,
            len(u).to_bytes(4, "big"),
            u,
            _enc_sums(self.balances),
            self.index.to_bytes(8, "big"),
        ]
        for h, s in self.siblings:
            parts += [h, _enc_sums(s)]
        return b"".join(parts)


class MerkleSumTree:
    """A Merkle sum tree over a Snapshot's users (leaf i = user i)."""

    def __init__(
        self,
        levels_h: list[list[bytes]],
        levels_s: list[np.ndarray],
        uids: list[str],
        nonces: list[bytes],
        balances: np.ndarray,
    ):
        self._h = levels_h
        self._s = levels_s  # object arrays, shape (nodes, A)
        self.uids = uids
        self.nonces = nonces
        self._bal = balances

    @property
    def depth(self) -> int:
        return len(self._h) - 1

    @property
    def root(self) -> tuple[bytes, list[int]]:
        return self._h[-1][0], [int(x) for x in self._s[-1][0]]

    @classmethod
    def build(cls, snapshot: Snapshot, nonces: Sequence[bytes] | None = None) -> MerkleSumTree:
        """Build from a snapshot; nonces default to fresh CSPRNG bytes (32 per user)."""
        U, A = snapshot.n_users, snapshot.n_assets
        if nonces is None:
            nonces = [secrets.token_bytes(32) for _ in range(U)]
        nonces = list(nonces)
        if len(nonces) != U or any(len(x) != 32 for x in nonces):
            raise ValueError("need one 32-byte nonce per user")
        # per-user per-asset balances (exact Python ints in an object array)
        bal = np.zeros((U, A), dtype=object)
        bal[...] = 0
        owner = snapshot.user_of_entry()
        amounts = np.array(snapshot.amounts(), dtype=object)
        if snapshot.n_entries:
            np.add.at(bal, (owner, snapshot.asset.astype(np.intp)), amounts)
        width = 1
        while width < max(U, 1):
            width *= 2
        hashes = [leaf_hash(uid, nonces[u], bal[u].tolist()) for u, uid in enumerate(snapshot.uids)]
        hashes += [_EMPTY] * (width - U)
        sums = np.zeros((width, A), dtype=object)
        sums[...] = 0
        sums[:U] = bal
        levels_h, levels_s = [hashes], [sums]
        while len(hashes) > 1:
            enc = [_enc_sums(row) for row in sums.tolist()]
            hashes = [
                hashlib.sha256(b"\x01" + hashes[i] + enc[i] + hashes[i + 1] + enc[i + 1]).digest()
                for i in range(0, len(hashes), 2)
            ]
            sums = sums[0::2] + sums[1::2]
            levels_h.append(hashes)
            levels_s.append(sums)
        _check_sums(levels_s[-1][0].tolist())
        return cls(levels_h, levels_s, list(snapshot.uids), nonces, bal)

    def proof(self, u: int) -> InclusionProof:
        siblings = []
        i = u
        for level in range(self.depth):
            j = i ^ 1
            siblings.append((self._h[level][j], [int(x) for x in self._s[level][j]]))
            i >>= 1
        return InclusionProof(
            uid=self.uids[u],
            nonce=self.nonces[u],
            balances=[int(x) for x in self._bal[u]],
            index=u,
            siblings=siblings,
        )


def verify_inclusion(root_hash: bytes, root_sums: Sequence[int], proof: InclusionProof) -> bool:
    """Recompute the path from the user's own data; True iff it reaches the published root."""
    a = len(root_sums)
    if len(proof.balances) != a or proof.index < 0 or proof.index >> len(proof.siblings):
        return False
    try:
        h = leaf_hash(proof.uid, proof.nonce, proof.balances)
        s = [int(x) for x in proof.balances]
        i = proof.index
        for sh, ss in proof.siblings:
            if len(ss) != a or len(sh) != 32:
                return False
            if i & 1:
                h = node_hash(sh, ss, h, s)
            else:
                h = node_hash(h, s, sh, ss)
            s = [x + y for x, y in zip(s, ss, strict=True)]
            _check_sums(s)
            i >>= 1
    except ValueError:
        return False
    return h == root_hash and s == [int(x) for x in root_sums]
