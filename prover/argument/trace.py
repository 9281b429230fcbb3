"""Trace building (PROTOCOL.md section 3): one row per entry, one summary row per user.

:func:`build_trace` lays out the round-1 witness: users in random order, each user's
entry rows followed by a summary row, dummy users, padding entry rows and the padding
summary row at N-1. Columns that only hold small integers in an honest trace (limbs,
asset index, price, selector, multiplicities) are uint64 vectors; mask and eq are F_r
vectors in Montgomery form.

With tier tables (``tiers``), the trace is the tiered circuit's (PROTOCOL.md section 10.3):
a user's entries are merged per asset and ordered by asset index, each entry row holds
its tier row's lo, rp, bs, pos, the limbs of b - lo and of hi - 1 - b, and the running
haircut value hq replaces eq.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from zkpor.circuits.haircuts import Tier, TierRow, tier_rows
from zkpor.circuits.solvency import (
    EQUITY_BOUND,
    LIMB_BITS,
    LIMBS,
    MAX_TIERED_ASSETS,
    MIN_LOG_N,
    RANGE_SIZE,
    TIERED,
    V1,
    Circuit,
)
from zkpor.prover.arith.field import (
    fr_add,
    fr_add_int,
    fr_from_ints,
    fr_from_limbs,
    fr_from_uint64,
    fr_mul,
    fr_zeros,
)
from zkpor.prover.arith.prefix import segmented_cumsum
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.verifier.field import R
from zkpor.verifier.fingerprint import SALT_BYTES, user_masks


class TraceError(ValueError):
    """The snapshot cannot be proven honestly (names the user)."""


@dataclass
class Trace:
    """The round-1 witness and the bookkeeping to publish user inclusion data."""

    n: int
    symbols: list[str]
    prices: list[int]
    totals: list[int]
    cols: dict[str, np.ndarray]
    """Small columns (uint64, length n): l0..l7, a, p, s, m_r, m_t."""
    mask: np.ndarray
    eq: np.ndarray
    uids: list[str]
    salts: list[bytes]
    summary_row: np.ndarray
    """Row of each real user's summary row (int64, one per user)."""
    circuit: Circuit = V1
    tiers: tuple[tuple[Tier, ...] | None, ...] | None = None
    """Per asset, its tier table (tiered circuit only)."""
    fields: dict[str, np.ndarray] = field(default_factory=dict)
    """Further round-1 F_r columns of the tiered circuit: lo, rp, bs, hq."""
    tier_row: np.ndarray | None = None
    """Tiered circuit: each row's index in the public tier table (-1 on summary rows)."""

    @property
    def n_summary(self) -> int:
        return int(np.count_nonzero(self.cols["s"]))

    def column(self, name: str) -> np.ndarray:
        """A round-1 column: uint64 (small) or F_r (Montgomery)."""
        if name == "mask":
            return self.mask
        if name == "eq":
            return self.eq
        return self.fields[name] if name in self.fields else self.cols[name]


def domain_size(rows_used: int, min_log_n: int = MIN_LOG_N) -> int:
    """Smallest power of two >= 2^min_log_n holding the rows plus the padding summary row."""
    n = 1 << min_log_n
    while n < rows_used + 1:
        n *= 2
    return n


DUMMY_MIN_CAP = 1000
DUMMY_USER_FRACTION = 100


def random_dummy_count(rows_used: int, n_users: int, min_log_n: int = MIN_LOG_N) -> int:
    """Uniform in [0, cap] from a CSPRNG, cap = max(1000, ceil(users / 100)), lowered to the
    free rows so that N does not grow (PROTOCOL.md section 8: what n_u reveals)."""
    slack = domain_size(rows_used, min_log_n) - 1 - rows_used
    cap = min(max(DUMMY_MIN_CAP, -(-n_users // DUMMY_USER_FRACTION)), slack)
    return secrets.randbelow(cap + 1)


def _shuffle(count: int) -> np.ndarray:
    """A uniformly random permutation from a CSPRNG-seeded generator."""
    rng = np.random.default_rng(int.from_bytes(secrets.token_bytes(32), "big"))
    return rng.permutation(count)


def _limbs_of(values: list[int]) -> np.ndarray:
    """(len, 8) uint64 16-bit limbs of non-negative integers below 2^128 (others wrap)."""
    obj = np.array(values, dtype=object)
    out = np.empty((len(values), LIMBS), dtype=np.uint64)
    for k in range(LIMBS):
        out[:, k] = ((obj >> (LIMB_BITS * k)) & (RANGE_SIZE - 1)).astype(np.uint64)
    return out


def limb_values(cols: dict[str, np.ndarray], prefix: str = "l") -> np.ndarray:
    """W = sum_k 2^(16k) l_k per row in F_r."""
    return fr_from_limbs([cols[f"{prefix}{k}"] for k in range(LIMBS)], LIMB_BITS)


def entry_values(cols: dict[str, np.ndarray]) -> np.ndarray:
    """(1 - s) * V per row in F_r, with V = sum_k 2^(16k) l_k - 2^127."""
    v = fr_add_int(limb_values(cols), R - (1 << 127))
    v[cols["s"] != 0] = 0
    return v


def running_equity(cols: dict[str, np.ndarray]) -> np.ndarray:
    """eq: per segment, the running sum of p * V over entry rows (C11)."""
    return segmented_cumsum(fr_mul(fr_from_uint64(cols["p"]), entry_values(cols)), cols["s"] != 0)


def build_trace(
    snapshot: Snapshot,
    snapshot_id: str,
    dummy_users: int | None = None,
    honest: bool = True,
    min_log_n: int = MIN_LOG_N,
    tiers: Sequence[Sequence[Tier] | None] | None = None,
    merge: bool = True,
) -> Trace:
    """Lay out the witness. The honest builder refuses negative or oversized equity.

    ``dummy_users`` zero-entry users hide the exact user count; ``None`` draws their
    number with :func:`random_dummy_count`.

    ``tiers`` (per asset a tier table or None) selects the tiered circuit if any asset has
    one; then the builder refuses negative or oversized haircut equity instead, and
    ``merge=False`` (soundness tests only) keeps a user's entries of one asset apart.

    ``honest=False`` is for soundness tests only: it writes equity modulo 2^128 into the
    summary limbs instead of refusing, so the rest of the real prover can run.
    """
    if tiers is not None and any(t is not None for t in tiers):
        return _build_tiered(snapshot, snapshot_id, dummy_users, honest, min_log_n, tiers, merge)
    n_users, n_assets = snapshot.n_users, snapshot.n_assets
    equities = snapshot.equities()
    if honest:
        for u, e in enumerate(equities):
            if e < 0:
                raise TraceError(
                    f"user {snapshot.uids[u]!r} has negative net equity {e} (1e-16 USD); "
                    "leave such users out and report them"
                )
            if e >= EQUITY_BOUND:
                raise TraceError(f"user {snapshot.uids[u]!r} has net equity of 2^128 or more")
    lay = _lay_out(snapshot, dummy_users, min_log_n)
    n, s, entry_rows, ent, summary_row = lay.n, lay.s, lay.entry_rows, lay.ent, lay.summary_row

    a = np.zeros(n, dtype=np.uint64)
    a[entry_rows] = snapshot.asset[ent].astype(np.uint64)
    prices = np.array(snapshot.prices, dtype=np.uint64)
    p = np.where(a < n_assets, prices[np.minimum(a, n_assets - 1)], np.uint64(0))

    limbs = np.zeros((n, LIMBS), dtype=np.uint64)
    lo = snapshot.amount_lo[ent].astype(np.uint64)
    top = snapshot.amount_hi[ent].view(np.uint64) ^ np.uint64(1 << 63)
    for k in range(4):
        limbs[entry_rows, k] = (lo >> np.uint64(LIMB_BITS * k)) & np.uint64(RANGE_SIZE - 1)
        limbs[entry_rows, 4 + k] = (top >> np.uint64(LIMB_BITS * k)) & np.uint64(RANGE_SIZE - 1)
    limbs[lay.padding_rows, LIMBS - 1] = 1 << (127 - LIMB_BITS * (LIMBS - 1))
    limbs[summary_row] = _limbs_of(equities) if n_users else limbs[summary_row]

    cols: dict[str, np.ndarray] = {f"l{k}": np.ascontiguousarray(limbs[:, k]) for k in range(LIMBS)}
    cols.update(a=a, p=p, s=s)
    in_range = limbs[limbs < RANGE_SIZE].astype(np.int64)
    m_r = np.zeros(n, dtype=np.uint64)
    m_r[:RANGE_SIZE] = np.bincount(in_range, minlength=RANGE_SIZE)[:RANGE_SIZE]
    m_t = np.zeros(n, dtype=np.uint64)
    listed = a[a < n_assets].astype(np.int64)
    m_t[:n_assets] = np.bincount(listed, minlength=n_assets)[:n_assets]
    cols.update(m_r=m_r, m_t=m_t)

    trace = _new_trace(snapshot, snapshot_id, lay, n, cols, summary_row, eq=fr_zeros(n))
    trace.eq = running_equity(cols)
    return trace


def _new_trace(
    snapshot: Snapshot, snapshot_id: str, lay: _Layout, n: int, cols: dict[str, np.ndarray],
    summary_row: np.ndarray, **circuit_fields: object,
) -> Trace:  # fmt: skip
    """The Trace both builders return: the snapshot's data, the masks and salts drawn for
    its layout, and ``circuit_fields`` (eq for V1; circuit, tiers, fields, tier_row for TIERED)."""
    mask, salts = _masks(snapshot, snapshot_id, lay)
    return Trace(
        n=n,
        symbols=list(snapshot.symbols),
        prices=[int(x) for x in snapshot.prices],
        totals=snapshot.totals(),
        cols=cols,
        mask=mask,
        uids=list(snapshot.uids),
        salts=salts,
        summary_row=summary_row,
        **circuit_fields,  # type: ignore[arg-type]
    )


@dataclass
class _Layout:
    """Where every segment's rows are (PROTOCOL.md section 3), shared by both circuits."""

    n: int
    s: np.ndarray
    entry_rows: np.ndarray
    ent: np.ndarray
    """Snapshot entry index of each entry row (in row order)."""
    padding_rows: np.ndarray
    summary_row: np.ndarray
    other_summary: np.ndarray
    """Summary rows of the dummy users and the padding segment (row N-1)."""


def _lay_out(
    snapshot: Snapshot, dummy_users: int | None, min_log_n: int, min_n: int = 0
) -> _Layout:
    """Users (and dummy users) in random order, each its entry rows then a summary row."""
    n_users = snapshot.n_users
    counts = np.diff(snapshot.offsets).astype(np.int64)
    if dummy_users is None:
        dummy_users = random_dummy_count(int(counts.sum()) + n_users, n_users, min_log_n)
    n_seg = n_users + dummy_users
    seg_counts_all = np.concatenate([counts, np.zeros(dummy_users, dtype=np.int64)])
    seg_offsets_all = np.concatenate(
        [snapshot.offsets[:-1].astype(np.int64), np.zeros(dummy_users, dtype=np.int64)]
    )
    order = _shuffle(n_seg)
    seg_counts = seg_counts_all[order]
    rows_used = int(seg_counts.sum()) + n_seg
    n = max(domain_size(rows_used, min_log_n), min_n)

    s = np.zeros(n, dtype=np.uint64)
    seg_summary = np.cumsum(seg_counts + 1) - 1
    s[seg_summary] = 1
    s[n - 1] = 1
    entry_rows = np.flatnonzero(s[:rows_used] == 0)
    seg_start = np.cumsum(seg_counts) - seg_counts
    ent = np.repeat(seg_offsets_all[order] - seg_start, seg_counts) + np.arange(len(entry_rows))
    is_real = order < n_users
    summary_row = np.empty(n_users, dtype=np.int64)
    summary_row[order[is_real]] = seg_summary[is_real]
    other_summary = np.concatenate([seg_summary[~is_real], [n - 1]])
    padding_rows = np.arange(rows_used, n - 1)
    return _Layout(n, s, entry_rows, ent, padding_rows, summary_row, other_summary)


def _masks(snapshot: Snapshot, snapshot_id: str, lay: _Layout) -> tuple[np.ndarray, list[bytes]]:
    """Fresh salts, users' masks at their summary rows, CSPRNG masks at the others."""
    n_users = snapshot.n_users
    salts_blob = secrets.token_bytes(SALT_BYTES * n_users)
    salts = [salts_blob[i * SALT_BYTES : (i + 1) * SALT_BYTES] for i in range(n_users)]
    masks = user_masks(snapshot_id, salts, snapshot.uids)
    mask = fr_zeros(lay.n)
    if n_users:
        mask[lay.summary_row] = fr_from_ints(masks)
    other = lay.other_summary
    mask[other] = fr_from_ints([secrets.randbelow(R) for _ in other])
    return mask, salts


# ---------------------------------------------------------------------------
# The tiered circuit (PROTOCOL.md section 10.3)
# ---------------------------------------------------------------------------


def merge_entries(snapshot: Snapshot) -> Snapshot:
    """The snapshot with each user's entries summed per asset, in ascending asset order.

    Returns ``snapshot`` itself when that is already so (the ingested files' case).
    Raises :class:`TraceError` if a merged balance leaves -2^127 <= b < 2^127.
    """
    user = snapshot.user_of_entry()
    key = user * snapshot.n_assets + snapshot.asset.astype(np.int64)
    if len(key) < 2 or bool(np.all(key[1:] > key[:-1])):
        return snapshot
    users: dict[str, list[tuple[int, int]]] = {}
    for uid, entries in snapshot.to_users().items():
        merged: dict[int, int] = {}
        for a, b in entries:
            merged[a] = merged.get(a, 0) + b
        for a, b in merged.items():
            if not -(1 << 127) <= b < 1 << 127:
                raise TraceError(
                    f"user {uid!r}: merged {snapshot.symbols[a]} balance is outside -2^127 <= b < 2^127"
                )
        users[uid] = sorted(merged.items())
    return Snapshot.from_users(snapshot.symbols, snapshot.prices, users)


def _obj(values: Sequence[int] | np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = list(values)
    return out


def _build_tiered(
    snapshot: Snapshot,
    snapshot_id: str,
    dummy_users: int | None,
    honest: bool,
    min_log_n: int,
    tiers: Sequence[Sequence[Tier] | None],
    merge: bool,
) -> Trace:
    n_assets = snapshot.n_assets
    if len(tiers) != n_assets:
        raise TraceError(f"{len(tiers)} tier tables for {n_assets} assets")
    if n_assets > MAX_TIERED_ASSETS:
        raise TraceError(f"tier tables allow at most {MAX_TIERED_ASSETS} assets")
    tiers = tuple(None if t is None else tuple(t) for t in tiers)
    if merge:
        snapshot = merge_entries(snapshot)
    n_users = snapshot.n_users
    rows_of = [tier_rows(p, t) for p, t in zip(snapshot.prices, tiers, strict=True)]
    table: list[TierRow] = [row for rows in rows_of for row in rows]
    first = np.cumsum([0] + [len(rows) for rows in rows_of])

    # each entry's tier row (global index into the table)
    amounts = snapshot.amounts()
    assets = snapshot.asset.astype(np.int64)
    gi = np.empty(len(amounts), dtype=np.int64)
    for j, rows in enumerate(rows_of):
        idx = np.flatnonzero(assets == j)
        if not len(idx):
            continue
        if len(rows) == 1:
            gi[idx] = first[j]
            continue
        bounds = [row.lo for row in rows]
        gi[idx] = (
            first[j] + np.searchsorted(_obj(bounds), _obj([amounts[i] for i in idx]), "right") - 1
        )
    b_obj = _obj(amounts)
    lo_t = _obj([r.lo for r in table])
    rp_t, bs_t = _obj([r.rp for r in table]), _obj([r.bs for r in table])
    values = bs_t[gi] + rp_t[gi] * (b_obj - lo_t[gi])
    csum = np.concatenate([_obj([0]), np.cumsum(values)]) if len(values) else _obj([0])
    offsets = snapshot.offsets
    haircut = [int(csum[offsets[u + 1]] - csum[offsets[u]]) for u in range(n_users)]
    if honest:
        for u, he in enumerate(haircut):
            if he < 0:
                raise TraceError(
                    f"user {snapshot.uids[u]!r} has negative haircut equity {he} "
                    "(1e-16 USD x percent): collateral after haircuts does not cover the debt; "
                    "leave such users out and report them"
                )
            if he >= EQUITY_BOUND:
                raise TraceError(f"user {snapshot.uids[u]!r} has haircut equity of 2^128 or more")

    lay = _lay_out(snapshot, dummy_users, min_log_n, 1 << (len(table) - 1).bit_length())
    n, s, entry_rows, ent, summary_row = lay.n, lay.s, lay.entry_rows, lay.ent, lay.summary_row
    padding_rows = lay.padding_rows

    # per row: global tier row, W = b - lo, X2 = hi - 1 - b (summary rows: HE_u, 0)
    pad_row = int(first[0]) + next(k for k, r in enumerate(rows_of[0]) if r.lo <= 0 < r.hi)
    row_gi = np.full(n, -1, dtype=np.int64)
    row_gi[entry_rows] = gi[ent]
    row_gi[padding_rows] = pad_row
    b_words = (snapshot.amount_hi.view(np.uint64)[ent], snapshot.amount_lo[ent])
    lo_words, top_words = _words([r.lo for r in table]), _words([r.hi - 1 for r in table])
    w_hi, w_lo = np.zeros(n, dtype=np.uint64), np.zeros(n, dtype=np.uint64)
    x2_hi, x2_lo = np.zeros(n, dtype=np.uint64), np.zeros(n, dtype=np.uint64)
    gi_rows = gi[ent]
    w_hi[entry_rows], w_lo[entry_rows] = _sub128(
        b_words, (lo_words[0][gi_rows], lo_words[1][gi_rows])
    )
    x2_hi[entry_rows], x2_lo[entry_rows] = _sub128(
        (top_words[0][gi_rows], top_words[1][gi_rows]), b_words
    )
    pad_w, pad_x2 = _words([-table[pad_row].lo]), _words([table[pad_row].hi - 1])
    w_hi[padding_rows], w_lo[padding_rows] = pad_w[0][0], pad_w[1][0]
    x2_hi[padding_rows], x2_lo[padding_rows] = pad_x2[0][0], pad_x2[1][0]
    if n_users:
        w_hi[summary_row], w_lo[summary_row] = _words(haircut)
    limbs, vlimbs = _limbs128(w_hi, w_lo), _limbs128(x2_hi, x2_lo)

    entry_mask = row_gi >= 0
    a = np.zeros(n, dtype=np.uint64)
    a[entry_rows] = snapshot.asset[ent].astype(np.uint64)
    pos_t = np.array([r.pos for r in table], dtype=np.uint64)
    pos = np.zeros(n, dtype=np.uint64)
    pos[entry_mask] = pos_t[row_gi[entry_mask]]
    key = 2 * a.astype(np.int64) + pos.astype(np.int64)
    prev_entry = np.roll(s, 1) == 0
    diff = key - np.roll(key, 1) - pos.astype(np.int64)
    dk_int = np.where(entry_mask & prev_entry, diff, 0)
    if honest and (np.any(dk_int < 0) or np.any(dk_int >= RANGE_SIZE)):
        raise TraceError("a user's entries are not in ascending asset order (merge them)")
    dk = (dk_int % RANGE_SIZE).astype(np.uint64)

    cols: dict[str, np.ndarray] = {f"l{k}": np.ascontiguousarray(limbs[:, k]) for k in range(LIMBS)}
    cols.update({f"v{k}": np.ascontiguousarray(vlimbs[:, k]) for k in range(LIMBS)})
    cols.update(a=a, pos=pos, dk=dk, s=s)
    cells = np.concatenate([limbs.reshape(-1), vlimbs.reshape(-1), dk])
    in_range = cells[cells < RANGE_SIZE].astype(np.int64)
    m_r = np.zeros(n, dtype=np.uint64)
    m_r[:RANGE_SIZE] = np.bincount(in_range, minlength=RANGE_SIZE)[:RANGE_SIZE]
    m_t = np.zeros(n, dtype=np.uint64)
    m_t[: len(table)] = np.bincount(row_gi[entry_mask], minlength=len(table))[: len(table)]
    cols.update(m_r=m_r, m_t=m_t)

    fields = {}
    for name, values_t in (("lo", lo_t), ("rp", rp_t), ("bs", bs_t)):
        if name == "rp" and max(values_t) < 1 << 64:  # the usual case: a cheaper commitment
            column = np.zeros(n, dtype=np.uint64)
            column[entry_mask] = np.array(list(values_t), dtype=np.uint64)[row_gi[entry_mask]]
            cols[name] = column
            continue
        column_t = fr_from_ints([int(v) % R for v in values_t])
        column = fr_zeros(n)
        column[entry_mask] = column_t[row_gi[entry_mask]]
        fields[name] = column

    trace = _new_trace(
        snapshot, snapshot_id, lay, n, cols, summary_row,
        eq=fr_zeros(0), circuit=TIERED, tiers=tiers, fields=fields, tier_row=row_gi,
    )  # fmt: skip
    fields["hq"] = running_haircut(trace)
    return trace


def _words(values: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """(high, low) uint64 words of integers modulo 2^128."""
    obj = _obj([v % EQUITY_BOUND for v in values])
    low = (obj & ((1 << 64) - 1)).astype(np.uint64) if len(obj) else np.zeros(0, np.uint64)
    high = (obj >> 64).astype(np.uint64) if len(obj) else np.zeros(0, np.uint64)
    return high, low


def _sub128(
    x: tuple[np.ndarray, np.ndarray], y: tuple[np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray]:
    """(x - y) modulo 2^128 on (high, low) uint64 words."""
    low = x[1] - y[1]
    high = x[0] - y[0] - (x[1] < y[1]).astype(np.uint64)
    return high, low


def _limbs128(high: np.ndarray, low: np.ndarray) -> np.ndarray:
    """(len, 8) 16-bit limbs of (high, low) uint64 words."""
    out = np.empty((len(low), LIMBS), dtype=np.uint64)
    mask16 = np.uint64(RANGE_SIZE - 1)
    for k in range(4):
        out[:, k] = (low >> np.uint64(LIMB_BITS * k)) & mask16
        out[:, 4 + k] = (high >> np.uint64(LIMB_BITS * k)) & mask16
    return out


def _as_fr(values: np.ndarray) -> np.ndarray:
    return fr_from_uint64(values) if values.ndim == 1 else values


def running_haircut(trace: Trace) -> np.ndarray:
    """hq: per segment, the running sum of bs + rp * W over entry rows (D16)."""
    cols = trace.cols
    rp = _as_fr(trace.column("rp"))
    c = fr_add(trace.fields["bs"], fr_mul(rp, limb_values(cols)))
    c[cols["s"] != 0] = 0
    return segmented_cumsum(c, cols["s"] != 0)
