"""What the verifier computes from public data alone (PROTOCOL.md sections 4-5).

The fingerprint list, the public columns at zeta (tab, tT, L_{N-1}) and sigma / N, the
term of the cyclic grand sum fixed by the totals and the fingerprints. Shared by the
prover, which needs sigma / N for its quotient, and by :mod:`zkpor.verifier.verify`.
"""

from __future__ import annotations

from collections.abc import Sequence

from zkpor.circuits.haircuts import tier_rows
from zkpor.circuits.solvency import RANGE_SIZE, TIERED, tier_table_value, tuple_table_value
from zkpor.verifier.errors import VerificationError
from zkpor.verifier.field import R, batch_inv, inv, root_of_unity
from zkpor.verifier.statement import Statement


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


def lookup_table(statement: Statement, rho: int, eta: int) -> list[int]:
    """tT's values on its rows (rows beyond repeat row 0): the asset tuples (V1) or the
    tier-table tuples (PROTOCOL.md section 10.2), computed from the statement alone."""
    rho_pows = [pow(rho, j + 1, R) for j in range(len(statement.assets))]
    if statement.circuit is not TIERED:
        return [
            tuple_table_value(j, a.price, rho_pows[j], eta, R)
            for j, a in enumerate(statement.assets)
        ]
    return [
        tier_table_value(j, rho_pows[j], row.lo, row.hi, row.rp, row.bs, row.pos, eta, R)
        for j, a in enumerate(statement.assets)
        for row in tier_rows(a.price, a.tiers)
    ]


def zeta_to_the_n(statement: Statement, zeta: int) -> int:
    """zeta^N, which must not be 1 (zeta off the domain, so every L_i(zeta) is defined)."""
    z_n = pow(zeta, statement.n, R)
    if z_n == 1:
        raise VerificationError("zeta lies in the domain (zeta^N = 1)")
    return z_n


def public_evaluations(statement: Statement, ch: dict[str, int]) -> dict[str, int]:
    """tab, tT and L_{N-1} at zeta, with the Lagrange values L_i(zeta) of the table rows."""
    n, zeta = statement.n, ch["zeta"]
    omega = root_of_unity(n)
    table = lookup_table(statement, ch["rho"], ch["eta"])
    count = max(RANGE_SIZE, len(table))
    powers = [1] * count
    for i in range(1, count):
        powers[i] = powers[i - 1] * omega % R
    scale = (zeta_to_the_n(statement, zeta) - 1) * inv(n) % R
    inverses = batch_inv([(zeta - w) % R for w in powers])
    lagrange = [scale * w % R * d % R for w, d in zip(powers, inverses, strict=True)]
    tab = sum(i * lagrange[i] for i in range(RANGE_SIZE)) % R
    return public_evaluations_from(statement, ch, tab, table, lagrange[: len(table)])


def public_evaluations_from(
    statement: Statement, ch: dict[str, int], tab: int, table: list[int], lagrange: list[int]
) -> dict[str, int]:
    """:func:`public_evaluations` given tab(zeta) = sum_i i L_i(zeta) over the range rows
    and L_j(zeta) for the rows j of ``table`` (the prover computes them vectorised)."""
    n, zeta = statement.n, ch["zeta"]
    z_n = zeta_to_the_n(statement, zeta)
    scale = (z_n - 1) * inv(n) % R
    t_t = (table[0] + sum((t - table[0]) * lag for t, lag in zip(table, lagrange, strict=True))) % R
    omega_inv = pow(root_of_unity(n), n - 1, R)
    l_last = scale * omega_inv % R * inv(zeta - omega_inv) % R
    return {"tab": tab, "tT": t_t, "l_last": l_last, "z_n": z_n}


def weighted_totals(statement: Statement, rho: int) -> int:
    """sum_j rho^(j+1) L_j: the per-asset totals folded with rho."""
    return sum(pow(rho, j + 1, R) * a.total for j, a in enumerate(statement.assets)) % R


def sigma_over_n(statement: Statement, fingerprints: Sequence[int], ch: dict[str, int]) -> int:
    """sigma / N with sigma = gamma^2 sum_j rho^(j+1) L_j + gamma^3 sum_F 1/(beta + f)."""
    denominators = [(ch["beta"] + f) % R for f in fingerprints]
    if any(d == 0 for d in denominators):
        raise VerificationError("beta + f vanishes for a fingerprint")
    return sigma_over_n_from(statement, sum(batch_inv(denominators)) % R, ch)


def sigma_over_n_from(statement: Statement, inverse_sum: int, ch: dict[str, int]) -> int:
    """:func:`sigma_over_n` given sum_F 1/(beta + f) (the prover computes it vectorised)."""
    gamma = ch["gamma"]
    totals = weighted_totals(statement, ch["rho"])
    sigma = (gamma * gamma % R * totals + pow(gamma, 3, R) * inverse_sum) % R
    return sigma * inv(statement.n) % R
