"""The Fiat-Shamir round structure (PROTOCOL.md section 5), shared by prover and verifier.

R0 absorbs the statement; R1..R5 absorb the commitments of that round's polynomials
(R2 also the Merkle root of F) and draw :data:`ROUND_CHALLENGES`; R6 absorbs the
evaluations and draws v, then the two opening proofs and draws u.
"""

from __future__ import annotations

from collections.abc import Mapping

from zkpor.circuits.solvency import ROUND_CHALLENGES, V1, Circuit
from zkpor.verifier.proof import Proof
from zkpor.verifier.statement import Statement
from zkpor.verifier.transcript import Transcript

QUOTIENT_ROUND = 5


def round_names(rnd: int, circuit: Circuit = V1) -> tuple[str, ...]:
    """Names of the polynomials committed in round ``rnd`` (1..5)."""
    return circuit.round_names(rnd)


def commit_round(
    transcript: Transcript,
    rnd: int,
    commitments: Mapping[str, bytes],
    merkle_root: bytes = b"",
    circuit: Circuit = V1,
) -> dict[str, int]:
    """Absorb round ``rnd``'s commitments and return its challenges."""
    for name in circuit.round_names(rnd):
        transcript.absorb("commit:" + name, commitments[name])
    if rnd == 2:
        transcript.absorb("merkle_root", merkle_root)
    return {label: transcript.challenge(label) for label in ROUND_CHALLENGES[rnd]}


def evaluation_round(
    transcript: Transcript,
    evals: Mapping[str, int],
    evals_prev: Mapping[str, int],
    circuit: Circuit = V1,
) -> int:
    for name in circuit.opened_at_zeta:
        transcript.absorb_scalar("eval:" + name, evals[name])
    for name in circuit.opened_at_zeta_prev:
        transcript.absorb_scalar("eval_prev:" + name, evals_prev[name])
    return transcript.challenge("v")


def opening_round(transcript: Transcript, w_zeta: bytes, w_zeta_prev: bytes) -> int:
    transcript.absorb("open:zeta", w_zeta)
    transcript.absorb("open:zeta_prev", w_zeta_prev)
    return transcript.challenge("u")


def replay(statement: Statement, proof: Proof) -> dict[str, int]:
    """All challenges of a proof, in the order the prover drew them."""
    circuit = statement.circuit
    transcript = Transcript()
    statement.absorb(transcript)
    challenges: dict[str, int] = {}
    for rnd in range(1, QUOTIENT_ROUND + 1):
        challenges |= commit_round(
            transcript, rnd, proof.commitments, statement.merkle_root, circuit
        )
    challenges["v"] = evaluation_round(transcript, proof.evals, proof.evals_prev, circuit)
    challenges["u"] = opening_round(transcript, proof.w_zeta, proof.w_zeta_prev)
    return challenges
