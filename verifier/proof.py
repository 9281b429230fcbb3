"""The proof's versioned binary format and its JSON description.

Layout (fixed length, nothing optional): an 8-byte magic ``ZKPORPF`` plus a version
byte; the commitments in :data:`OPENED_AT_ZETA` order (64 bytes each); the
evaluations at zeta in the same order and at zeta * omega^-1 in
:data:`OPENED_AT_ZETA_PREV` order (32 bytes each); the two KZG opening proofs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkpor.circuits.solvency import OPENED_AT_ZETA, OPENED_AT_ZETA_PREV
from zkpor.verifier.encoding import (
    G1_BYTES,
    SCALAR_BYTES,
    EncodingError,
    G1Point,
    decode_g1,
    decode_scalar,
)
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R

MAGIC = b"ZKPORPF"
VERSION = 1
HEADER = MAGIC + bytes([VERSION])
PROOF_BYTES = (
    len(HEADER)
    + G1_BYTES * len(OPENED_AT_ZETA)
    + SCALAR_BYTES * (len(OPENED_AT_ZETA) + len(OPENED_AT_ZETA_PREV))
    + 2 * G1_BYTES
)


@dataclass(frozen=True)
class Proof:
    commitments: dict[str, bytes]
    """64-byte encodings, keyed by polynomial name."""
    evals: dict[str, int]
    """Claimed evaluations at zeta."""
    evals_prev: dict[str, int]
    """Claimed evaluations at zeta * omega^-1."""
    w_zeta: bytes
    w_zeta_prev: bytes

    def to_bytes(self) -> bytes:
        parts = [HEADER]
        parts += [self.commitments[name] for name in OPENED_AT_ZETA]
        parts += [self.evals[name].to_bytes(32, "big") for name in OPENED_AT_ZETA]
        parts += [self.evals_prev[name].to_bytes(32, "big") for name in OPENED_AT_ZETA_PREV]
        parts += [self.w_zeta, self.w_zeta_prev]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> Proof:
        """Parse and check lengths, the header and that every scalar is below r."""
        if len(data) < len(HEADER) or data[: len(MAGIC)] != MAGIC:
            raise VerificationError("proof does not start with the zkpor proof magic")
        if data[len(MAGIC)] != VERSION:
            raise VerificationError(f"unsupported proof version {data[len(MAGIC)]}")
        if len(data) != PROOF_BYTES:
            raise VerificationError(f"proof has {len(data)} bytes, expected {PROOF_BYTES}")
        pos = len(HEADER)

        def take(size: int) -> bytes:
            nonlocal pos
            chunk = data[pos : pos + size]
            pos += size
            return chunk

        try:
            commitments = {name: take(G1_BYTES) for name in OPENED_AT_ZETA}
            evals = {name: decode_scalar(take(SCALAR_BYTES)) for name in OPENED_AT_ZETA}
            evals_prev = {name: decode_scalar(take(SCALAR_BYTES)) for name in OPENED_AT_ZETA_PREV}
        except EncodingError as exc:
            raise VerificationError(f"proof evaluation is malformed: {exc}") from None
        return cls(commitments, evals, evals_prev, take(G1_BYTES), take(G1_BYTES))

    def check_shape(self) -> None:
        """Refuse a Proof object (however it was built) that from_bytes could not produce."""
        if set(self.commitments) != set(OPENED_AT_ZETA) or set(self.evals) != set(OPENED_AT_ZETA):
            raise VerificationError("proof does not hold exactly the expected polynomials")
        if set(self.evals_prev) != set(OPENED_AT_ZETA_PREV):
            raise VerificationError("proof does not hold exactly the expected shifted evaluations")
        for name, value in (*self.evals.items(), *self.evals_prev.items()):
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < R:
                raise VerificationError(f"proof evaluation {name} is not a scalar below r")
        raws = (*self.commitments.values(), self.w_zeta, self.w_zeta_prev)
        if any(not isinstance(raw, bytes) or len(raw) != G1_BYTES for raw in raws):
            raise VerificationError(f"every proof point must be {G1_BYTES} bytes")

    def points(self) -> tuple[dict[str, G1Point], G1Point, G1Point]:
        """Decode every G1 point, rejecting points off the curve."""

        def point(label: str, raw: bytes) -> G1Point:
            try:
                return decode_g1(raw)
            except EncodingError as exc:
                raise VerificationError(f"proof point {label}: {exc}") from None

        commitments = {name: point(name, raw) for name, raw in self.commitments.items()}
        return commitments, point("W_zeta", self.w_zeta), point("W_zeta_prev", self.w_zeta_prev)

    def describe(self) -> dict[str, Any]:
        """A human-readable JSON description of every field (hex)."""
        return {
            "format": f"{MAGIC.decode()} v{VERSION}",
            "bytes": PROOF_BYTES,
            "commitments": {k: v.hex() for k, v in self.commitments.items()},
            "evaluations_at_zeta": {k: f"{v:064x}" for k, v in self.evals.items()},
            "evaluations_at_zeta_omega_inv": {k: f"{v:064x}" for k, v in self.evals_prev.items()},
            "opening_zeta": self.w_zeta.hex(),
            "opening_zeta_omega_inv": self.w_zeta_prev.hex(),
        }
