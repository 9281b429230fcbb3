"""User masks and fingerprints (PROTOCOL.md section 6)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from hashlib import sha256

from zkpor.verifier.field import R

SALT_BYTES = 32


def _field_from(state: hashlib._Hash) -> int:
    """SHA256(data || 0x00) || SHA256(data || 0x01) mod r, from a SHA-256 state that has
    absorbed data (the state is used up: it absorbs the 0x00)."""
    other = state.copy()
    state.update(b"\x00")
    other.update(b"\x01")
    return int.from_bytes(state.digest() + other.digest(), "big") % R


def hash_to_field(data: bytes) -> int:
    """SHA256(data || 0x00) || SHA256(data || 0x01) as a 512-bit integer mod r."""
    return _field_from(sha256(data))


def user_mask(snapshot_id: str, salt: bytes, uid: str) -> int:
    """mask_u = hash_to_field("zkpor-mask" || snapshot_id || salt || uid)."""
    return user_masks(snapshot_id, [salt], [uid])[0]


def user_masks(snapshot_id: str, salts: Sequence[bytes], uids: Sequence[str]) -> list[int]:
    """:func:`user_mask` for many users (the prover's trace): the common prefix
    "zkpor-mask" || snapshot_id is hashed once and its SHA-256 state copied per user."""
    if len(salts) != len(uids):
        raise ValueError(f"{len(salts)} salts for {len(uids)} users")
    prefix = sha256(b"zkpor-mask" + snapshot_id.encode())
    out = []
    for salt, uid in zip(salts, uids, strict=True):
        if len(salt) != SALT_BYTES:
            raise ValueError(f"a salt is {SALT_BYTES} bytes, got {len(salt)}")
        state = prefix.copy()
        state.update(salt + uid.encode())
        out.append(_field_from(state))
    return out


def fingerprint(mask: int, entries: Iterable[tuple[int, int]], rho: int) -> int:
    """fp = mask + sum over (asset index a, balance b) of rho^(a+1) * b (mod r)."""
    acc = mask
    for asset, amount in entries:
        acc += pow(rho, asset + 1, R) * amount
    return acc % R
