"""The proof's versioned binary format and its JSON description.

Layout (fixed length per version, nothing optional): an 8-byte magic ``ZKPORPF`` plus a
version byte, which names the circuit (1: V1, 3,048 bytes; 2: the tiered circuit of
PROTOCOL.md section 10); the commitments in the circuit's ``opened_at_zeta`` order (64
bytes each); the evaluations at zeta in the same order and at zeta * omega^-1 in
``opened_at_zeta_prev`` order (32 bytes each); the two KZG opening proofs.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zkpor.circuits.solvency import CIRCUITS, Circuit, circuit_for_version
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


def proof_bytes(circuit: Circuit) -> int:
    """Length of a proof of ``circuit``."""
    return (
        len(HEADER)
        + G1_BYTES * len(circuit.opened_at_zeta)
        + SCALAR_BYTES * (len(circuit.opened_at_zeta) + len(circuit.opened_at_zeta_prev))
        + 2 * G1_BYTES
    )


PROOF_BYTES = proof_bytes(circuit_for_version(VERSION))
"""Length of a V1 proof (3,048 bytes)."""


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
    version: int = VERSION
    """Format version = the circuit's version (1: V1, 2: tiered)."""

    @property
    def circuit(self) -> Circuit:
        return circuit_for_version(self.version)

    def to_bytes(self) -> bytes:
        c = self.circuit
        parts = [MAGIC + bytes([self.version])]
        parts += [self.commitments[name] for name in c.opened_at_zeta]
        parts += [self.evals[name].to_bytes(32, "big") for name in c.opened_at_zeta]
        parts += [self.evals_prev[name].to_bytes(32, "big") for name in c.opened_at_zeta_prev]
        parts += [self.w_zeta, self.w_zeta_prev]
        return b"".join(parts)

    @classmethod
    def from_bytes(cls, data: bytes) -> Proof:
        """Parse and check lengths, the header and that every scalar is below r."""
        if len(data) < len(HEADER) or data[: len(MAGIC)] != MAGIC:
            raise VerificationError("proof does not start with the zkpor proof magic")
        version = data[len(MAGIC)]
        if version not in CIRCUITS:
            raise VerificationError(f"unsupported proof version {version}")
        circuit = circuit_for_version(version)
        expected = proof_bytes(circuit)
        if len(data) != expected:
            raise VerificationError(
                f"proof has {len(data)} bytes, expected {expected} (proof version {version})"
            )
        pos = len(HEADER)

        def take(size: int) -> bytes:
            nonlocal pos
            chunk = data[pos : pos + size]
            pos += size
            return chunk

        try:
            commitments = {name: take(G1_BYTES) for name in circuit.opened_at_zeta}
            evals = {name: decode_scalar(take(SCALAR_BYTES)) for name in circuit.opened_at_zeta}
            evals_prev = {
                name: decode_scalar(take(SCALAR_BYTES)) for name in circuit.opened_at_zeta_prev
            }
        except EncodingError as exc:
            raise VerificationError(f"proof evaluation is malformed: {exc}") from None
        return cls(commitments, evals, evals_prev, take(G1_BYTES), take(G1_BYTES), version)

    def check_shape(self) -> None:
        """Refuse a Proof object (however it was built) that from_bytes could not produce."""
        if isinstance(self.version, bool) or self.version not in CIRCUITS:
            raise VerificationError(f"unsupported proof version {self.version!r}")
        c = self.circuit
        opened = set(c.opened_at_zeta)
        if set(self.commitments) != opened or set(self.evals) != opened:
            raise VerificationError("proof does not hold exactly the expected polynomials")
        if set(self.evals_prev) != set(c.opened_at_zeta_prev):
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
            "format": f"{MAGIC.decode()} v{self.version}",
            "bytes": proof_bytes(self.circuit),
            "commitments": {k: v.hex() for k, v in self.commitments.items()},
            "evaluations_at_zeta": {k: f"{v:064x}" for k, v in self.evals.items()},
            "evaluations_at_zeta_omega_inv": {k: f"{v:064x}" for k, v in self.evals_prev.items()},
            "opening_zeta": self.w_zeta.hex(),
            "opening_zeta_omega_inv": self.w_zeta_prev.hex(),
        }
