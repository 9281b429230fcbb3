"""The auditor's check of a solvency proof (PROTOCOL.md section 5), pure Python.

:func:`verify` raises :class:`VerificationError` with a one-line reason unless the
statement is within bounds, the fingerprint list matches its Merkle root, the
constraint identity holds at zeta and both batched KZG openings verify.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpor.circuits.expr import IntBackend, evaluate
from zkpor.circuits.solvency import V1, Circuit
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R, previous_point
from zkpor.verifier.kzg import Terms, opening_terms, pairings_hold
from zkpor.verifier.merkle import merkle_root
from zkpor.verifier.proof import Proof
from zkpor.verifier.public_inputs import parse_fingerprints, public_evaluations, sigma_over_n
from zkpor.verifier.rounds import replay
from zkpor.verifier.srs import VerifierKey
from zkpor.verifier.statement import Statement


@dataclass(frozen=True)
class Verified:
    """What a successful verification established, for reports and inclusion checks."""

    statement: Statement
    challenges: dict[str, int]
    fingerprints: list[int]


def constraint_sum(
    proof: Proof, public: dict[str, int], ch: dict[str, int], sigma_n: int, circuit: Circuit = V1
) -> int:
    """sum_k alpha^k C_k(zeta) from the claimed evaluations."""

    def column(name: str, shifted: bool) -> int:
        if shifted:
            return proof.evals_prev[name]
        return public[name] if name in public else proof.evals[name]

    def challenge(name: str) -> int:
        return sigma_n if name == "sigma_over_n" else ch[name]

    backend = IntBackend(R)
    memo: dict[int, int] = {}
    total, alpha_k = 0, 1
    for _, expr in circuit.constraints:
        total = (total + alpha_k * evaluate(expr, backend, column, challenge, memo)) % R
        alpha_k = alpha_k * ch["alpha"] % R
    return total


def quotient_identity_holds(
    proof: Proof, public: dict[str, int], ch: dict[str, int], sigma_n: int, circuit: Circuit = V1
) -> bool:
    """sum_k alpha^k C_k(zeta) = T(zeta) Z_H(zeta), T = t0 + zeta^N t1 + zeta^2N t2, from
    the claimed evaluations (the prover checks the same before it publishes)."""
    z_n = public["z_n"]
    t = proof.evals
    quotient = (t["t0"] + z_n * t["t1"] + z_n * z_n % R * t["t2"]) % R
    return constraint_sum(proof, public, ch, sigma_n, circuit) == quotient * (z_n - 1) % R


def verify_algebra(
    statement: Statement, fingerprint_bytes: bytes, proof: Proof, vk: VerifierKey
) -> tuple[Verified, Terms]:
    """Every check of :func:`verify` but the pairing, whose two G1 terms are returned so
    that several proofs can share one pairing check (PROTOCOL.md section 9)."""
    statement.check()
    proof.check_shape()
    circuit = statement.circuit
    if proof.version != circuit.version:
        raise VerificationError(
            f"the proof has format version {proof.version}, the statement needs version "
            f"{circuit.version} ({'with' if circuit.version == 2 else 'without'} tier tables)"
        )
    if vk.digest != statement.srs_digest:
        raise VerificationError("the proof names another SRS (digest mismatch)")
    if statement.srs_insecure != vk.insecure:
        raise VerificationError("the statement's srs_insecure flag disagrees with the SRS")
    if vk.n < statement.n:
        raise VerificationError(f"the SRS supports N = {vk.n}, the statement needs {statement.n}")
    fingerprints = parse_fingerprints(fingerprint_bytes, statement)
    if merkle_root(fingerprints) != statement.merkle_root:
        raise VerificationError("the fingerprint list does not match the Merkle root")
    commitments, w_zeta, w_zeta_prev = proof.points()
    ch = replay(statement, proof)
    public = public_evaluations(statement, ch)
    sigma_n = sigma_over_n(statement, fingerprints, ch)
    if not quotient_identity_holds(proof, public, ch, sigma_n, circuit):
        raise VerificationError("the constraints do not hold at zeta (quotient identity fails)")
    zeta = ch["zeta"]
    zeta_prev = previous_point(zeta, statement.n)
    terms = opening_terms(
        vk,
        zeta,
        [commitments[name] for name in circuit.opened_at_zeta],
        [proof.evals[name] for name in circuit.opened_at_zeta],
        w_zeta,
        zeta_prev,
        [commitments[name] for name in circuit.opened_at_zeta_prev],
        [proof.evals_prev[name] for name in circuit.opened_at_zeta_prev],
        w_zeta_prev,
        ch["v"],
        ch["u"],
    )
    return Verified(statement, ch, fingerprints), terms


def verify(
    statement: Statement, fingerprint_bytes: bytes, proof: Proof, vk: VerifierKey
) -> Verified:
    """Verify a proof against its statement, fingerprint list and SRS verifier key."""
    verified, terms = verify_algebra(statement, fingerprint_bytes, proof, vk)
    if not pairings_hold(vk, [terms], [1]):
        raise VerificationError("the KZG opening proofs do not verify (pairing check fails)")
    return verified
