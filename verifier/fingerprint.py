"""User masks and fingerprints (PROTOCOL.md section 6)."""

from __future__ import annotations

from collections.abc import Iterable
from hashlib import sha256

from zkpor.verifier.field import R

SALT_BYTES = 32


def hash_to_field(data: bytes) -> int:
    """SHA256(data || 0x00) || SHA256(data || 0x01) as a 512-bit integer mod r."""
    wide = sha256(data + b"\x00").digest() + sha256(data + b"\x01").digest()
    return int.from_bytes(wide, "big") % R


def user_mask(snapshot_id: str, salt: bytes, uid: str) -> int:
    """mask_u = hash_to_field("zkpor-mask" || snapshot_id || salt || uid)."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a salt is {SALT_BYTES} bytes, got {len(salt)}")
    return hash_to_field(b"zkpor-mask" + snapshot_id.encode() + salt + uid.encode())


def fingerprint(mask: int, entries: Iterable[tuple[int, int]], rho: int) -> int:
    """fp = mask + sum over (asset index a, balance b) of rho^(a+1) * b (mod r)."""
    acc = mask
    for asset, amount in entries:
        acc += pow(rho, asset + 1, R) * amount
    return acc % R
