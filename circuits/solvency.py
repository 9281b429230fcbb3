"""The solvency argument's constraint system (PROTOCOL.md sections 3-5), written once.

Both sides read this module: the prover evaluates :data:`CONSTRAINTS` over coset
vectors, the verifier over the claimed evaluations at zeta. The proof layout (which
polynomials are committed in which round, which are opened at zeta * omega^-1) is
derived from :data:`COLUMNS`, so prover and verifier cannot disagree about it.
"""

from __future__ import annotations

from dataclasses import dataclass

from zkpor.circuits.expr import Chal, Col, Expr

LIMBS = 8
LIMB_BITS = 16
RANGE_SIZE = 1 << LIMB_BITS
BALANCE_OFFSET = 1 << 127
"""Entry rows hold limbs of b + 2^127, so -2^127 <= b < 2^127."""
EQUITY_BOUND = 1 << (LIMBS * LIMB_BITS)
"""Summary rows hold a user's net equity in the same limbs (C12), so 0 <= E < 2^128."""

MIN_LOG_N = 16
MAX_LOG_N = 26
MAX_ASSETS = 1 << 16
PRICE_BOUND = 1 << 64
TOTAL_BOUND = 1 << 160
QUOTIENT_PIECES = 3
COSET_SHIFT = 5


@dataclass(frozen=True)
class Column:
    """A committed witness polynomial."""

    name: str
    round: int
    shifted: bool = False
    """Also opened at zeta * omega^-1 (blinded with a degree-2 instead of degree-1 polynomial)."""

    @property
    def blinders(self) -> int:
        return 3 if self.shifted else 2


def _limb_names() -> list[str]:
    return [f"l{k}" for k in range(LIMBS)]


COLUMNS: tuple[Column, ...] = (
    *(Column(n, 1) for n in _limb_names()),
    Column("a", 1),
    Column("p", 1),
    Column("s", 1, shifted=True),
    Column("mask", 1),
    Column("eq", 1, shifted=True),
    Column("m_r", 1),
    Column("m_t", 1),
    Column("rpow", 2),
    Column("fp", 2, shifted=True),
    *(Column(f"h_r{k}", 3) for k in range(1, 5)),
    Column("psi_r", 3),
    Column("h_t", 3),
    Column("psi_t", 3),
    Column("h_f", 3),
    Column("g", 4, shifted=True),
)
COLUMN_NAMES = tuple(c.name for c in COLUMNS)
SHIFTED_NAMES = tuple(c.name for c in COLUMNS if c.shifted)
QUOTIENT_NAMES = tuple(f"t{k}" for k in range(QUOTIENT_PIECES))
OPENED_AT_ZETA = COLUMN_NAMES + QUOTIENT_NAMES
"""Order of commitments and of evaluations at zeta in the proof."""
OPENED_AT_ZETA_PREV = SHIFTED_NAMES
"""Order of evaluations at zeta * omega^-1 in the proof."""
PUBLIC_POLYS = ("tab", "tT", "l_last")
"""Fixed polynomials the verifier evaluates itself: range table, asset tuples, L_{N-1}."""

ROUND_CHALLENGES = {1: ("rho",), 2: ("eta", "beta"), 3: ("gamma",), 4: ("alpha",), 5: ("zeta",)}


# ---------------------------------------------------------------------------
# Constraints C1..C14 (PROTOCOL.md section 4)
# ---------------------------------------------------------------------------

_c = {name: Col(name) for name in COLUMN_NAMES + PUBLIC_POLYS}
l = [_c[n] for n in _limb_names()]
s, a, p, mask, eq, rpow, fp, g = (_c[n] for n in ("s", "a", "p", "mask", "eq", "rpow", "fp", "g"))
m_r, m_t, psi_r, h_t, psi_t, h_f = (_c[n] for n in ("m_r", "m_t", "psi_r", "h_t", "psi_t", "h_f"))
h_r = [_c[f"h_r{k}"] for k in range(1, 5)]
tab, tT, l_last = _c["tab"], _c["tT"], _c["l_last"]
beta, eta, gamma, sigma_over_n = Chal("beta"), Chal("eta"), Chal("gamma"), Chal("sigma_over_n")

W: Expr = l[0]
for _k in range(1, LIMBS):
    W = W + (1 << (LIMB_BITS * _k)) * l[_k]
V: Expr = W - BALANCE_OFFSET
not_s = 1 - s
not_s_prev = 1 - s.prev
entry_V = not_s * V
tuple_value = a + eta * p + eta * eta * rpow

S: Expr = (h_r[0] + h_r[1] + h_r[2] + h_r[3] - psi_r) + gamma * (h_t - psi_t)
S = S + gamma * gamma * (rpow * entry_V) + gamma * gamma * gamma * h_f

CONSTRAINTS: tuple[tuple[str, Expr], ...] = (
    ("C1 s is a bit", s * not_s),
    ("C2 last row is a summary row", l_last * not_s),
    *(
        (
            f"C{3 + k} range helper h_r{k + 1}",
            h_r[k] * (beta + l[2 * k]) * (beta + l[2 * k + 1])
            - (2 * beta + l[2 * k] + l[2 * k + 1]),
        )
        for k in range(4)
    ),
    ("C7 range table multiplicities", psi_r * (beta + tab) - m_r),
    ("C8 asset tuple helper", h_t * (beta + tuple_value) - 1),
    ("C9 asset table multiplicities", psi_t * (beta + tT) - m_t),
    ("C10 fingerprint helper", h_f * (beta + fp) - s),
    ("C11 running net equity", eq - not_s_prev * eq.prev - p * entry_V),
    ("C12 summary equity equals its limbs", s * (eq - W)),
    ("C13 running fingerprint", fp - not_s_prev * fp.prev - rpow * entry_V - s * mask),
    ("C14 cyclic grand sum", g - g.prev - S + sigma_over_n),
)
MAX_DEGREE = 3


def tuple_table_value(index: int, price: int, rho_pow: int, eta_: int, r: int) -> int:
    """tT at row ``index``: index + eta * p + eta^2 * rho^(index+1)."""
    return (index + eta_ * price + eta_ * eta_ % r * rho_pow) % r


def quotient_degree_bound(n: int) -> int:
    """Number of coefficients the quotient can have: degree 3 * (N + 2) - N, plus one."""
    return MAX_DEGREE * (n + 2) - n + 1
