"""The auditor's check of a solvency proof (PROTOCOL.md section 5), pure Python.

:func:`verify` raises :class:`VerificationError` with a one-line reason unless the
statement is within bounds, the fingerprint list matches its Merkle root, the
constraint identity holds at zeta and both batched KZG openings verify.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from zkpor.circuits.expr import IntBackend, evaluate
from zkpor.circuits.solvency import (
    CONSTRAINTS,
    OPENED_AT_ZETA,
    OPENED_AT_ZETA_PREV,
    RANGE_SIZE,
    tuple_table_value,
)
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R, batch_inv, inv, previous_point, root_of_unity
from zkpor.verifier.kzg import verify_openings
from zkpor.verifier.merkle import merkle_root
from zkpor.verifier.proof import Proof
from zkpor.verifier.rounds import replay
from zkpor.verifier.srs import VerifierKey
from zkpor.verifier.statement import Statement


@dataclass(frozen=True)
class Verified:
    """What a successful verification established, for reports and inclusion checks."""

    statement: Statement
    challenges: dict[str, int]
    fingerprints: list[int]


def parse_fingerprints(data: bytes, statement: Statement) -> list[int]:
    """The fingerprint list: n_u big-endian 32-byte values, each < r, strictly ascending."""
    if len(data) != 32 * statement.n_u:
        raise VerificationError(
            f"fingerprint list has {len(data)} bytes, expected 32 x {statement.n_u}"
        )
    values = [int.from_bytes(data[i : i + 32], "big") for i in range(0, len(data), 32)]
    previous = -1
    for index, value in enumerate(values):
        if value >= R:
            raise VerificationError(f"fingerprint {index} is not below r")
        if value <= previous:
            raise VerificationError(f"fingerprint {index} is not strictly ascending")
        previous = value
    return values


def public_evaluations(statement: Statement, ch: dict[str, int]) -> dict[str, int]:
    """tab, tT and L_{N-1} at zeta, and the Lagrange values L_j(zeta) for the assets."""
    n, zeta = statement.n, ch["zeta"]
    omega = root_of_unity(n)
    z_n = pow(zeta, n, R)
    if z_n == 1:
        raise VerificationError("zeta lies in the domain (zeta^N = 1)")
    scale = (z_n - 1) * inv(n) % R
    count = max(RANGE_SIZE, len(statement.assets))
    powers = [1] * count
    for i in range(1, count):
        powers[i] = powers[i - 1] * omega % R
    inverses = batch_inv([(zeta - w) % R for w in powers])
    lagrange = [scale * w % R * d % R for w, d in zip(powers, inverses, strict=True)]
    tab = sum(i * lagrange[i] for i in range(RANGE_SIZE)) % R
    rho, eta = ch["rho"], ch["eta"]
    rho_pows = [pow(rho, j + 1, R) for j in range(len(statement.assets))]
    table = [
        tuple_table_value(j, a.price, rho_pows[j], eta, R) for j, a in enumerate(statement.assets)
    ]
    t_t = (table[0] + sum((t - table[0]) * lagrange[j] for j, t in enumerate(table))) % R
    omega_inv = pow(omega, n - 1, R)
    l_last = scale * omega_inv % R * inv(zeta - omega_inv) % R
    return {"tab": tab, "tT": t_t, "l_last": l_last, "z_n": z_n}


def weighted_totals(statement: Statement, rho: int) -> int:
    """sum_j rho^(j+1) L_j: the per-asset totals folded with rho."""
    return sum(pow(rho, j + 1, R) * a.total for j, a in enumerate(statement.assets)) % R


def sigma_over_n(statement: Statement, fingerprints: Sequence[int], ch: dict[str, int]) -> int:
    """sigma / N with sigma = gamma^2 sum_j rho^(j+1) L_j + gamma^3 sum_F 1/(beta + f)."""
    beta, gamma = ch["beta"], ch["gamma"]
    totals = weighted_totals(statement, ch["rho"])
    denominators = [(beta + f) % R for f in fingerprints]
    if any(d == 0 for d in denominators):
        raise VerificationError("beta + f vanishes for a fingerprint")
    fp_sum = sum(batch_inv(denominators)) % R
    sigma = (gamma * gamma % R * totals + pow(gamma, 3, R) * fp_sum) % R
    return sigma * inv(statement.n) % R


def constraint_sum(proof: Proof, public: dict[str, int], ch: dict[str, int], sigma_n: int) -> int:
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
    for _, expr in CONSTRAINTS:
        total = (total + alpha_k * evaluate(expr, backend, column, challenge, memo)) % R
        alpha_k = alpha_k * ch["alpha"] % R
    return total


def verify(
    statement: Statement, fingerprint_bytes: bytes, proof: Proof, vk: VerifierKey
) -> Verified:
    """Verify a proof against its statement, fingerprint list and SRS verifier key."""
    statement.check()
    proof.check_shape()
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
    lhs = constraint_sum(proof, public, ch, sigma_n)
    z_n = public["z_n"]
    t = proof.evals
    quotient = (t["t0"] + z_n * t["t1"] + z_n * z_n % R * t["t2"]) % R
    if lhs != quotient * (z_n - 1) % R:
        raise VerificationError("the constraints do not hold at zeta (quotient identity fails)")
    zeta = ch["zeta"]
    zeta_prev = previous_point(zeta, statement.n)
    ok = verify_openings(
        vk,
        zeta,
        [commitments[name] for name in OPENED_AT_ZETA],
        [proof.evals[name] for name in OPENED_AT_ZETA],
        w_zeta,
        zeta_prev,
        [commitments[name] for name in OPENED_AT_ZETA_PREV],
        [proof.evals_prev[name] for name in OPENED_AT_ZETA_PREV],
        w_zeta_prev,
        ch["v"],
        ch["u"],
    )
    if not ok:
        raise VerificationError("the KZG opening proofs do not verify (pairing check fails)")
    return Verified(statement, ch, fingerprints)
