"""User masks and fingerprints (PROTOCOL.md section 6)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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


def user_masks(snapshot_id: str, salts: Sequence[bytes], uids: Sequence[str]) -> list[int]:
    """[user_mask(snapshot_id, salt, uid) ...] for many users (the prover's trace): the
    common prefix is hashed once and each SHA-256 state copied, not rebuilt."""
    if len(salts) != len(uids):
        raise ValueError(f"{len(salts)} salts for {len(uids)} users")
    prefix = sha256(b"zkpor-mask" + snapshot_id.encode())
    out = []
    for salt, uid in zip(salts, uids, strict=True):
        if len(salt) != SALT_BYTES:
            raise ValueError(f"a salt is {SALT_BYTES} bytes, got {len(salt)}")
        h0 = prefix.copy()
        h0.update(salt + uid.encode())
        h1 = h0.copy()
        h0.update(b"\x00")
        h1.update(b"\x01")
        out.append(int.from_bytes(h0.digest() + h1.digest(), "big") % R)
    return out


def fingerprint(mask: int, entries: Iterable[tuple[int, int]], rho: int) -> int:
    """fp = mask + sum over (asset index a, balance b) of rho^(a+1) * b (mod r)."""
    acc = mask
    for asset, amount in entries:
        acc += pow(rho, asset + 1, R) * amount
    return acc % R
