"""The quotient's parts computed by the prover against exact polynomial arithmetic."""

from __future__ import annotations

import random

import pytest

from zkpor.circuits.expr import evaluate
from zkpor.circuits.solvency import TIERED, V1, Circuit, quotient_degree_bound
from zkpor.prover.argument.constraint_kernel import constraint_columns, shifted_columns
from zkpor.prover.argument.quotient import quotient_top
from zkpor.prover.arith.field import fr_from_ints
from zkpor.verifier.field import R, inv, root_of_unity


class PolyBackend:
    """Dense polynomials over F_r as coefficient lists."""

    @staticmethod
    def _lift(x):  # noqa: ANN001, ANN205
        return [x % R] if isinstance(x, int) else x

    def add(self, x, y, sign: int = 1):  # noqa: ANN001, ANN201
        x, y = self._lift(x), self._lift(y)
        out = list(x) + [0] * max(0, len(y) - len(x))
        for i, c in enumerate(y):
            out[i] = (out[i] + sign * c) % R
        return out

    def sub(self, x, y):  # noqa: ANN001, ANN201
        return self.add(x, y, -1)

    def mul(self, x, y):  # noqa: ANN001, ANN201
        x, y = self._lift(x), self._lift(y)
        out = [0] * (len(x) + len(y) - 1)
        for i, a in enumerate(x):
            for j, b in enumerate(y):
                out[i + j] = (out[i + j] + a * b) % R
        return out


@pytest.mark.parametrize("circuit", [V1, TIERED], ids=lambda c: c.name)
def test_quotient_top_is_the_constraint_sums_top(circuit: Circuit) -> None:
    """quotient_top gives C's coefficients of X^(3N + j), for random (blinded-length)
    columns, where C = sum_k alpha^k C_k is computed with dense polynomials."""
    n = 8
    rng = random.Random(3)
    names = set(constraint_columns(circuit)) | set(shifted_columns(circuit))
    shifted = set(shifted_columns(circuit))
    public = {"tab", "tT", "l_last"}
    polys = {
        name: [rng.randrange(R) for _ in range(n if name in public else n + 2 + (name in shifted))]
        for name in names
    }
    challenges = {k: rng.randrange(R) for k in ("beta", "eta", "gamma", "alpha", "sigma_over_n")}
    w_inv = inv(root_of_unity(n))

    def column(name: str, is_shifted: bool) -> list[int]:
        if name not in polys:  # a linear column: it never reaches degree 3N
            return [0]
        f = polys[name]
        return [c * pow(w_inv, i, R) % R for i, c in enumerate(f)] if is_shifted else f

    backend = PolyBackend()
    total: list[int] = [0]
    alpha_k = 1
    for _, expr in circuit.constraints:
        term = evaluate(expr, backend, column, challenges.__getitem__)
        total = backend.add(total, backend.mul(term, alpha_k))
        alpha_k = alpha_k * challenges["alpha"] % R
    want = [
        total[3 * n + j] if 3 * n + j < len(total) else 0
        for j in range(quotient_degree_bound(n) - 2 * n)
    ]
    assert any(want)
    got = quotient_top({k: fr_from_ints(v) for k, v in polys.items()}, n, challenges, circuit)
    assert got == want
