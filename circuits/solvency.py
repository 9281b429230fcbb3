"""The solvency argument's constraint systems (PROTOCOL.md sections 3-5 and 9), written once.

Two circuits: :data:`V1` (no tier tables: sections 3-4) and :data:`TIERED` (collateral
haircuts: section 10), chosen by the statement (:func:`circuit_for_version`). Both sides
read the chosen :class:`Circuit`: the prover evaluates its constraints over coset
vectors (a fused kernel generated from them) and its lookup values and grand sum over
H, the verifier evaluates the constraints at zeta. The proof layout (which polynomials
are committed in which round, which are opened at zeta * omega^-1) is derived from the
circuit's columns, so prover and verifier cannot disagree about it.

The module-level names (:data:`COLUMNS`, :data:`CONSTRAINTS`, ...) are V1's.
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
MAX_TIERED_ASSETS = 1 << 15
"""Tiered statements: the key 2a + pos must fit 16 bits."""
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


def _limb_names(prefix: str = "l") -> list[str]:
    return [f"{prefix}{k}" for k in range(LIMBS)]


QUOTIENT_NAMES = tuple(f"t{k}" for k in range(QUOTIENT_PIECES))
PUBLIC_POLYS = ("tab", "tT", "l_last")
"""Fixed polynomials the verifier evaluates itself: range table, asset (or tier) tuples, L_{N-1}."""
ROUND_CHALLENGES = {1: ("rho",), 2: ("eta", "beta"), 3: ("gamma",), 4: ("alpha",), 5: ("zeta",)}
MAX_DEGREE = 3


@dataclass(frozen=True)
class Circuit:
    """One constraint system and everything derived from it."""

    name: str
    version: int
    """Statement and proof format version of this circuit."""
    columns: tuple[Column, ...]
    constraints: tuple[tuple[str, Expr], ...]
    range_helpers: tuple[tuple[str, tuple[str, ...]], ...]
    """(helper, its one or two 16-bit cells): h = sum over the cells of 1/(beta + cell)."""
    tuple_value: Expr
    """The compressed tuple each row looks up in tT (h_t = 1/(beta + tuple_value))."""
    tuple_gated: bool
    """Only entry rows look up (h_t = (1 - s)/(beta + tuple_value)); else every row does."""
    entry_v: Expr
    """(1 - s) V: the signed balance on entry rows, 0 on summary rows."""
    grand_sum: Expr
    """S, whose sum over H must equal sigma (the cyclic accumulator g)."""
    small: frozenset[str] = frozenset()
    """Round-1 columns whose honest values are small non-negative integers (uint64)."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def shifted_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.shifted)

    @property
    def opened_at_zeta(self) -> tuple[str, ...]:
        """Order of commitments and of evaluations at zeta in the proof."""
        return self.column_names + QUOTIENT_NAMES

    @property
    def opened_at_zeta_prev(self) -> tuple[str, ...]:
        """Order of evaluations at zeta * omega^-1 in the proof."""
        return self.shifted_names

    def round_names(self, rnd: int) -> tuple[str, ...]:
        """Names of the polynomials committed in round ``rnd`` (1..5)."""
        if rnd == 5:
            return QUOTIENT_NAMES
        return tuple(c.name for c in self.columns if c.round == rnd)

    @property
    def blinders(self) -> dict[str, int]:
        return {c.name: c.blinders for c in self.columns}

    @property
    def range_cells(self) -> tuple[str, ...]:
        return tuple(cell for _, cells in self.range_helpers for cell in cells)


def _limb_sum(cols: list[Col]) -> Expr:
    out: Expr = cols[0]
    for k in range(1, LIMBS):
        out = out + (1 << (LIMB_BITS * k)) * cols[k]
    return out


def _range_constraint(h: Expr, cells: list[Expr], beta_: Expr) -> Expr:
    """h * prod (beta + cell) - (numerator of sum 1/(beta + cell)), one or two cells."""
    if len(cells) == 1:
        return h * (beta_ + cells[0]) - 1
    x, y = cells
    return h * (beta_ + x) * (beta_ + y) - (2 * beta_ + x + y)


# ---------------------------------------------------------------------------
# V1: constraints C1..C14 (PROTOCOL.md section 4)
# ---------------------------------------------------------------------------

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
OPENED_AT_ZETA = COLUMN_NAMES + QUOTIENT_NAMES
"""Order of commitments and of evaluations at zeta in the proof (V1)."""
OPENED_AT_ZETA_PREV = SHIFTED_NAMES
"""Order of evaluations at zeta * omega^-1 in the proof (V1)."""

_ALL_NAMES = (
    COLUMN_NAMES
    + tuple(_limb_names("v"))
    + ("pos", "dk", "lo", "rp", "bs", "hq", "h_d")
    + tuple(f"h_v{k}" for k in range(1, 5))
    + PUBLIC_POLYS
)
_c = {name: Col(name) for name in _ALL_NAMES}
l = [_c[n] for n in _limb_names()]
s, a, p, mask, eq, rpow, fp, g = (_c[n] for n in ("s", "a", "p", "mask", "eq", "rpow", "fp", "g"))
m_r, m_t, psi_r, h_t, psi_t, h_f = (_c[n] for n in ("m_r", "m_t", "psi_r", "h_t", "psi_t", "h_f"))
h_r = [_c[f"h_r{k}"] for k in range(1, 5)]
tab, tT, l_last = _c["tab"], _c["tT"], _c["l_last"]
beta, eta, gamma, sigma_over_n = Chal("beta"), Chal("eta"), Chal("gamma"), Chal("sigma_over_n")

W: Expr = _limb_sum(l)
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

V1 = Circuit(
    name="v1",
    version=1,
    columns=COLUMNS,
    constraints=CONSTRAINTS,
    range_helpers=tuple((f"h_r{k + 1}", (f"l{2 * k}", f"l{2 * k + 1}")) for k in range(4)),
    tuple_value=tuple_value,
    tuple_gated=False,
    entry_v=entry_V,
    grand_sum=S,
    small=frozenset([*_limb_names(), "a", "p", "s", "m_r", "m_t"]),
)


# ---------------------------------------------------------------------------
# TIERED: constraints D1..D20 (PROTOCOL.md section 10.4)
# ---------------------------------------------------------------------------


def compress(parts: list, eta_: object) -> object:
    """parts[0] + eta (parts[1] + eta (parts[2] + ...)): Horner, for Exprs or ints alike."""
    acc = parts[-1]
    for part in reversed(parts[:-1]):
        acc = part + eta_ * acc
    return acc


def tier_table_value(
    index: int, rho_pow: int, lo: int, hi: int, rp: int, bs: int, pos: int, eta_: int, r: int
) -> int:
    """tT at a tier-table row: the same compression as the rows' tuple (section 10.2)."""
    return compress([index, rho_pow, lo, hi, rp, bs, pos], eta_) % r  # type: ignore[operator]


_v = [_c[n] for n in _limb_names("v")]
pos, dk, lo, rp, bs, hq, h_d = (_c[n] for n in ("pos", "dk", "lo", "rp", "bs", "hq", "h_d"))
h_v = [_c[f"h_v{k}"] for k in range(1, 5)]
X2: Expr = _limb_sum(_v)
TV: Expr = W + lo
"""The balance on an entry row: b = x1 + lo."""
tiered_entry_V = not_s * TV
tiered_tuple: Expr = compress([a, rpow, lo, X2 + 1 + TV, rp, bs, pos], eta)  # type: ignore[assignment]
key = 2 * a + pos
key_prev = 2 * a.prev + pos.prev

TS: Expr = h_r[0] + h_r[1] + h_r[2] + h_r[3]
TS = TS + h_v[0] + h_v[1] + h_v[2] + h_v[3] + h_d - psi_r
TS = TS + gamma * (h_t - psi_t)
TS = TS + gamma * gamma * (rpow * tiered_entry_V) + gamma * gamma * gamma * h_f

TIERED_COLUMNS: tuple[Column, ...] = (
    *(Column(n, 1) for n in _limb_names()),
    *(Column(n, 1) for n in _limb_names("v")),
    Column("a", 1, shifted=True),
    Column("pos", 1, shifted=True),
    Column("dk", 1),
    Column("lo", 1),
    Column("rp", 1),
    Column("bs", 1),
    Column("s", 1, shifted=True),
    Column("mask", 1),
    Column("hq", 1, shifted=True),
    Column("m_r", 1),
    Column("m_t", 1),
    Column("rpow", 2),
    Column("fp", 2, shifted=True),
    *(Column(f"h_r{k}", 3) for k in range(1, 5)),
    *(Column(f"h_v{k}", 3) for k in range(1, 5)),
    Column("h_d", 3),
    Column("psi_r", 3),
    Column("h_t", 3),
    Column("psi_t", 3),
    Column("h_f", 3),
    Column("g", 4, shifted=True),
)

TIERED_CONSTRAINTS: tuple[tuple[str, Expr], ...] = (
    ("D1 s is a bit", s * not_s),
    ("D2 last row is a summary row", l_last * not_s),
    *(
        (f"D{3 + k} range helper h_r{k + 1}", _range_constraint(h_r[k], l[2 * k : 2 * k + 2], beta))
        for k in range(4)
    ),
    *(
        (
            f"D{7 + k} range helper h_v{k + 1}",
            _range_constraint(h_v[k], _v[2 * k : 2 * k + 2], beta),
        )
        for k in range(4)
    ),
    ("D11 range helper h_d", _range_constraint(h_d, [dk], beta)),
    ("D12 range table multiplicities", psi_r * (beta + tab) - m_r),
    ("D13 tier tuple helper (entry rows)", h_t * (beta + tiered_tuple) - not_s),
    ("D14 tier table multiplicities", psi_t * (beta + tT) - m_t),
    ("D15 fingerprint helper", h_f * (beta + fp) - s),
    ("D16 running haircut value", hq - not_s_prev * hq.prev - not_s * (bs + rp * W)),
    ("D17 summary haircut equity equals its limbs", s * (hq - W)),
    ("D18 running fingerprint", fp - not_s_prev * fp.prev - rpow * tiered_entry_V - s * mask),
    ("D19 one positive entry per tiered asset", not_s * not_s_prev * (dk - key + key_prev + pos)),
    ("D20 cyclic grand sum", g - g.prev - TS + sigma_over_n),
)

TIERED = Circuit(
    name="tiered",
    version=2,
    columns=TIERED_COLUMNS,
    constraints=TIERED_CONSTRAINTS,
    range_helpers=(
        *((f"h_r{k + 1}", (f"l{2 * k}", f"l{2 * k + 1}")) for k in range(4)),
        *((f"h_v{k + 1}", (f"v{2 * k}", f"v{2 * k + 1}")) for k in range(4)),
        ("h_d", ("dk",)),
    ),
    tuple_value=tiered_tuple,
    tuple_gated=True,
    entry_v=tiered_entry_V,
    grand_sum=TS,
    small=frozenset([*_limb_names(), *_limb_names("v"), "a", "pos", "dk", "s", "m_r", "m_t"]),
)

CIRCUITS = {c.version: c for c in (V1, TIERED)}


def circuit_for_version(version: int) -> Circuit:
    """The circuit of a statement or proof format version (1: no tiers, 2: tiered)."""
    try:
        return CIRCUITS[version]
    except KeyError:
        raise ValueError(f"no circuit for version {version!r}") from None


def tuple_table_value(index: int, price: int, rho_pow: int, eta_: int, r: int) -> int:
    """tT at row ``index`` (V1): index + eta * p + eta^2 * rho^(index+1)."""
    return (index + eta_ * price + eta_ * eta_ % r * rho_pow) % r


def quotient_degree_bound(n: int) -> int:
    """Number of coefficients the quotient can have: degree 3 * (N + 2) - N, plus one."""
    return MAX_DEGREE * (n + 2) - n + 1
