"""The Fiat-Shamir round structure (PROTOCOL.md section 5), shared by prover and verifier.

R0 absorbs the statement; R1..R5 absorb the commitments of that round's polynomials
(R2 also the Merkle root of F) and draw :data:`ROUND_CHALLENGES`; R6 absorbs the
evaluations and draws v, then the two opening proofs and draws u.
"""

from __future__ import annotations

from collections.abc import Mapping

from zkpor.circuits.solvency import (
    COLUMNS,
    OPENED_AT_ZETA,
    OPENED_AT_ZETA_PREV,
    QUOTIENT_NAMES,
    ROUND_CHALLENGES,
)
from zkpor.verifier.proof import Proof
from zkpor.verifier.statement import Statement
from zkpor.verifier.transcript import Transcript

QUOTIENT_ROUND = 5


def round_names(rnd: int) -> tuple[str, ...]:
    """Names of the polynomials committed in round ``rnd`` (1..5)."""
    if rnd == QUOTIENT_ROUND:
        return QUOTIENT_NAMES
    return tuple(c.name for c in COLUMNS if c.round == rnd)


def commit_round(
    transcript: Transcript, rnd: int, commitments: Mapping[str, bytes], merkle_root: bytes = b""
) -> dict[str, int]:
    """Absorb round ``rnd``'s commitments and return its challenges."""
    for name in round_names(rnd):
        transcript.absorb("commit:" + name, commitments[name])
    if rnd == 2:
        transcript.absorb("merkle_root", merkle_root)
    return {label: transcript.challenge(label) for label in ROUND_CHALLENGES[rnd]}


def evaluation_round(
    transcript: Transcript, evals: Mapping[str, int], evals_prev: Mapping[str, int]
) -> int:
    for name in OPENED_AT_ZETA:
        transcript.absorb_scalar("eval:" + name, evals[name])
    for name in OPENED_AT_ZETA_PREV:
        transcript.absorb_scalar("eval_prev:" + name, evals_prev[name])
    return transcript.challenge("v")


def opening_round(transcript: Transcript, w_zeta: bytes, w_zeta_prev: bytes) -> int:
    transcript.absorb("open:zeta", w_zeta)
    transcript.absorb("open:zeta_prev", w_zeta_prev)
    return transcript.challenge("u")


def replay(statement: Statement, proof: Proof) -> dict[str, int]:
    """All challenges of a proof, in the order the prover drew them."""
    transcript = Transcript()
    statement.absorb(transcript)
    challenges: dict[str, int] = {}
    for rnd in range(1, QUOTIENT_ROUND + 1):
        challenges |= commit_round(transcript, rnd, proof.commitments, statement.merkle_root)
    challenges["v"] = evaluation_round(transcript, proof.evals, proof.evals_prev)
    challenges["u"] = opening_round(transcript, proof.w_zeta, proof.w_zeta_prev)
    return challenges
