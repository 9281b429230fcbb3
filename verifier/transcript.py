"""The Fiat-Shamir transcript (PROTOCOL.md section 5): SHA-256, labelled, length-prefixed.

Every absorbed item is ``len(label) || label || len(data) || data`` hashed into a
32-byte chaining state. A challenge with label t is
``SHA256(state || lp(t) || 0x00) || SHA256(state || lp(t) || 0x01)`` read as a
512-bit big-endian integer mod r; the challenge is then absorbed, so every later
challenge depends on it.
"""

from __future__ import annotations

from hashlib import sha256

from zkpor.verifier.field import R

DOMAIN = b"zkpor-transcript-v1"


def length_prefixed(data: bytes) -> bytes:
    return len(data).to_bytes(8, "big") + data


class Transcript:
    def __init__(self) -> None:
        self._state = sha256(length_prefixed(DOMAIN)).digest()

    def absorb(self, label: str, data: bytes) -> None:
        self._state = sha256(
            self._state + length_prefixed(label.encode()) + length_prefixed(data)
        ).digest()

    def absorb_int(self, label: str, value: int) -> None:
        """Absorb a (possibly negative) integer as its ASCII decimal text."""
        self.absorb(label, str(value).encode())

    def absorb_scalar(self, label: str, value: int) -> None:
        self.absorb(label, (value % R).to_bytes(32, "big"))

    def challenge(self, label: str) -> int:
        tag = self._state + length_prefixed(label.encode())
        wide = sha256(tag + b"\x00").digest() + sha256(tag + b"\x01").digest()
        value = int.from_bytes(wide, "big") % R
        self.absorb_scalar("challenge:" + label, value)
        return value
