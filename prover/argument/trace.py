"""Trace building (PROTOCOL.md section 3): one row per entry, one summary row per user.

:func:`build_trace` lays out the round-1 witness: users in random order, each user's
entry rows followed by a summary row, dummy users, padding entry rows and the padding
summary row at N-1. Columns that only hold small integers in an honest trace (limbs,
asset index, price, selector, multiplicities) are uint64 vectors; mask and eq are F_r
vectors in Montgomery form.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

import numpy as np

from zkpor.circuits.solvency import EQUITY_BOUND, LIMB_BITS, LIMBS, MIN_LOG_N, RANGE_SIZE
from zkpor.prover.arith.field import (
    fr_add,
    fr_add_int,
    fr_from_ints,
    fr_from_uint64,
    fr_mul,
    fr_mul_int,
    fr_zeros,
)
from zkpor.prover.arith.prefix import segmented_cumsum
from zkpor.prover.exchange.snapshot import Snapshot
from zkpor.verifier.field import R
from zkpor.verifier.fingerprint import SALT_BYTES, user_mask


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

    @property
    def n_summary(self) -> int:
        return int(np.count_nonzero(self.cols["s"]))


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


def entry_values(cols: dict[str, np.ndarray]) -> np.ndarray:
    """(1 - s) * V per row in F_r, with V = sum_k 2^(16k) l_k - 2^127."""
    w = fr_from_uint64(cols["l0"])
    for k in range(1, LIMBS):
        w = fr_add(w, fr_mul_int(fr_from_uint64(cols[f"l{k}"]), 1 << (LIMB_BITS * k)))
    v = fr_add_int(w, R - (1 << 127))
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
) -> Trace:
    """Lay out the witness. The honest builder refuses negative or oversized equity.

    ``dummy_users`` zero-entry users hide the exact user count; ``None`` draws their
    number with :func:`random_dummy_count`.

    ``honest=False`` is for soundness tests only: it writes equity modulo 2^128 into the
    summary limbs instead of refusing, so the rest of the real prover can run.
    """
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
    n = domain_size(rows_used, min_log_n)

    s = np.zeros(n, dtype=np.uint64)
    seg_summary = np.cumsum(seg_counts + 1) - 1
    s[seg_summary] = 1
    s[n - 1] = 1
    entry_rows = np.flatnonzero(s[:rows_used] == 0)
    seg_start = np.cumsum(seg_counts) - seg_counts
    ent = np.repeat(seg_offsets_all[order] - seg_start, seg_counts) + np.arange(len(entry_rows))

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
    padding_rows = np.arange(rows_used, n - 1)
    limbs[padding_rows, LIMBS - 1] = 1 << (127 - LIMB_BITS * (LIMBS - 1))

    is_real = order < n_users
    user_rows = seg_summary[is_real]
    user_of_row = order[is_real]
    summary_row = np.empty(n_users, dtype=np.int64)
    summary_row[user_of_row] = user_rows
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

    salts_blob = secrets.token_bytes(SALT_BYTES * n_users)
    salts = [salts_blob[i * SALT_BYTES : (i + 1) * SALT_BYTES] for i in range(n_users)]
    masks = [user_mask(snapshot_id, salts[u], uid) for u, uid in enumerate(snapshot.uids)]
    mask = fr_zeros(n)
    if n_users:
        mask[summary_row] = fr_from_ints(masks)
    other_summary = np.concatenate([seg_summary[~is_real], [n - 1]])
    mask[other_summary] = fr_from_ints([secrets.randbelow(R) for _ in other_summary])

    trace = Trace(
        n=n,
        symbols=list(snapshot.symbols),
        prices=[int(x) for x in snapshot.prices],
        totals=snapshot.totals(),
        cols=cols,
        mask=mask,
        eq=fr_zeros(n),
        uids=list(snapshot.uids),
        salts=salts,
        summary_row=summary_row,
    )
    trace.eq = running_equity(cols)
    return trace
