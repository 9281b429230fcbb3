"""The in-memory solvency snapshot: assets, prices, users and their signed balances.

This is the contract the prover codes against. Amounts are signed integers in 1e-8
coin stored as a two's-complement 128-bit split ``b = amount_hi * 2**64 + amount_lo``
(``amount_hi`` int64, ``amount_lo`` uint64), so every representable value lies in the
protocol range -2**127 <= b < 2**127 by construction. Amounts that fit int64 (the
usual case) have ``amount_hi`` equal to the sign extension of ``amount_lo`` (0 or -1);
the aggregate methods take a vectorised exact path for those and handle the rare wide
entries separately. No float ever touches a balance, a price or a sum.

Prices are integers in 1e-8 USD per whole coin, 0 <= p < 2**64; a user's net equity
is ``sum p_a * b`` in 1e-16 USD.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

MIN_AMOUNT = -(1 << 127)
MAX_AMOUNT = (1 << 127) - 1
MAX_PRICE = (1 << 64) - 1
_MASK64 = (1 << 64) - 1
_MASK16 = np.int64(0xFFFF)
_MASK32 = np.int64(0xFFFFFFFF)


class SnapshotError(ValueError):
    """A snapshot input or invariant error; one line: 'FILE:LINE: reason' (or 'FILE: reason').

    ``path`` and ``line`` are kept as attributes (None when unknown) and ``reason``
    holds the bare reason.
    """

    def __init__(self, reason: str, path: str | None = None, line: int | None = None):
        self.reason = " ".join(str(reason).split())  # always one line
        self.path = None if path is None else str(path)
        self.line = line
        if self.path is not None and line is not None:
            msg = f"{self.path}:{line}: {self.reason}"
        elif self.path is not None:
            msg = f"{self.path}: {self.reason}"
        else:
            msg = self.reason
        super().__init__(msg)


def split_amount(b: int) -> tuple[int, int]:
    """(hi, lo) with b = hi * 2**64 + lo, hi signed 64-bit, lo unsigned 64-bit."""
    if not MIN_AMOUNT <= b <= MAX_AMOUNT:
        raise SnapshotError(f"amount {b} is outside -2^127 <= b < 2^127")
    return b >> 64, b & _MASK64


def _is_narrow(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Boolean mask: the 128-bit value fits int64 (hi is the sign extension of lo)."""
    return hi == (lo.view(np.int64) >> np.int64(63))


def _as_int_list(values: np.ndarray) -> list[int]:
    return [int(v) for v in values.tolist()]


@dataclass(frozen=True)
class Snapshot:
    symbols: list[str]
    prices: list[int]
    uids: list[str]
    offsets: np.ndarray
    asset: np.ndarray
    amount_hi: np.ndarray
    amount_lo: np.ndarray

    # ----------------------------------------------------------------- shape
    @property
    def n_users(self) -> int:
        return len(self.uids)

    @property
    def n_entries(self) -> int:
        return int(self.asset.shape[0])

    @property
    def n_assets(self) -> int:
        return len(self.symbols)

    # --------------------------------------------------------------- amounts
    def amount(self, i: int) -> int:
        """The signed amount of entry i (1e-8 coin)."""
        return (int(self.amount_hi[i]) << 64) + int(self.amount_lo[i])

    def _narrow_mask(self) -> np.ndarray:
        return _is_narrow(self.amount_hi, self.amount_lo)

    def amounts(self) -> list[int]:
        """All entry amounts as Python ints, in entry order."""
        out = self.amount_lo.view(np.int64).tolist()
        narrow = self._narrow_mask()
        if not narrow.all():
            for i in np.flatnonzero(~narrow).tolist():
                out[i] = self.amount(i)
        return out

    def amounts_int64(self) -> np.ndarray:
        """Entry amounts as int64; raises SnapshotError if some amount does not fit."""
        if not self._narrow_mask().all():
            raise SnapshotError("some amounts do not fit in int64")
        return self.amount_lo.view(np.int64)

    def user_balances(self, u: int) -> list[tuple[int, int]]:
        """(asset index, amount) of user u's entries, in entry order."""
        s, e = int(self.offsets[u]), int(self.offsets[u + 1])
        return [(int(self.asset[i]), self.amount(i)) for i in range(s, e)]

    def user_of_entry(self) -> np.ndarray:
        """int64 array: the user index of every entry."""
        counts = np.diff(self.offsets)
        return np.repeat(np.arange(self.n_users, dtype=np.int64), counts)

    def entry_counts(self) -> np.ndarray:
        return np.diff(self.offsets)

    # ---------------------------------------------------------------- totals
    def totals(self) -> list[int]:
        """Per-asset sum of all balances (1e-8 coin), exact.

        The 128-bit amount is cut into four 32-bit limbs (the top one signed); each
        limb is summed per asset in int64 (|limb| < 2**32, so exact below 2**31
        entries) and the limb sums are recombined with Python ints.
        """
        A = self.n_assets
        if self.n_entries >= 1 << 31:
            raise SnapshotError("too many entries for the exact int64 limb sums")
        lo = self.amount_lo.view(np.int64)
        hi = self.amount_hi
        limbs = (
            lo & _MASK32,
            (lo >> np.int64(32)) & _MASK32,
            hi & _MASK32,
            hi >> np.int64(32),
        )
        idx = self.asset.astype(np.intp, copy=False)
        out = [0] * A
        for k, limb in enumerate(limbs):
            acc = np.zeros(A, dtype=np.int64)
            np.add.at(acc, idx, limb)
            for j, v in enumerate(acc.tolist()):
                out[j] += v << (32 * k)
        return out

    # -------------------------------------------------------------- equities
    def _entry_prices(self) -> np.ndarray:
        p = np.array(self.prices, dtype=np.uint64) if self.prices else np.zeros(0, np.uint64)
        return p[self.asset] if self.n_entries else np.zeros(0, np.uint64)

    def equities(self) -> list[int]:
        """Per-user net equity sum p_a * b (1e-16 USD), exact.

        Amounts that fit int64 go through a vectorised path: price and amount are cut
        into 16-bit limbs (the top amount limb signed), the 16 limb products (each
        below 2**32 in magnitude) are grouped by their shift 16*(i+j), summed per user
        with a cumulative sum (exact below 2**29 entries) and recombined. Wide amounts
        are added with Python ints afterwards.
        """
        U = self.n_users
        n = self.n_entries
        if n == 0:
            return [0] * U
        if n >= 1 << 29:
            raise SnapshotError("too many entries for the exact int64 limb sums")
        narrow = self._narrow_mask()
        b = np.where(narrow, self.amount_lo.view(np.int64), np.int64(0))
        p = self._entry_prices()
        pl = [((p >> np.uint64(16 * i)) & np.uint64(0xFFFF)).astype(np.int64) for i in range(4)]
        bl = [(b >> np.int64(16 * j)) & _MASK16 for j in range(3)]
        bl.append(b >> np.int64(48))  # signed top limb
        starts = self.offsets[:-1]
        ends = self.offsets[1:]
        shifted: list[np.ndarray] = []
        for k in range(7):
            acc = np.zeros(n, dtype=np.int64)
            for i in range(4):
                j = k - i
                if 0 <= j < 4:
                    acc += pl[i] * bl[j]
            cs = np.zeros(n + 1, dtype=np.int64)
            np.cumsum(acc, out=cs[1:])
            shifted.append(cs[ends] - cs[starts])
        # carry-normalise: digits 0..5 become 16-bit, the rest is carried upward
        for k in range(6):
            carry = shifted[k] >> np.int64(16)
            shifted[k] = shifted[k] & _MASK16
            shifted[k + 1] = shifted[k + 1] + carry
        low = np.zeros(U, dtype=np.uint64)
        for k in range(4):
            low |= shifted[k].astype(np.uint64) << np.uint64(16 * k)
        mid = shifted[4] | (shifted[5] << np.int64(16))  # < 2**32, non-negative
        top = shifted[6]
        out = [
            (t << 96) + (m << 64) + lo
            for t, m, lo in zip(top.tolist(), mid.tolist(), low.tolist(), strict=True)
        ]
        if not narrow.all():
            wide = np.flatnonzero(~narrow)
            owner = np.searchsorted(self.offsets, wide, side="right") - 1
            for i, u in zip(wide.tolist(), owner.tolist(), strict=True):
                out[u] += self.prices[int(self.asset[i])] * self.amount(i)
        return out

    def select(self, users: np.ndarray) -> Snapshot:
        """The snapshot of the users at indices ``users`` (in that order), same assets."""
        users = np.asarray(users, dtype=np.int64)
        starts, ends = self.offsets[users], self.offsets[users + 1]
        counts = (ends - starts).astype(np.int64)
        offsets = np.zeros(len(users) + 1, dtype=self.offsets.dtype)
        np.cumsum(counts, out=offsets[1:])
        rows = (
            np.repeat(starts - offsets[:-1], counts) + np.arange(int(offsets[-1]))
            if len(users)
            else np.zeros(0, dtype=np.int64)
        )
        return Snapshot(
            list(self.symbols),
            list(self.prices),
            [self.uids[u] for u in users.tolist()],
            offsets,
            self.asset[rows],
            self.amount_hi[rows],
            self.amount_lo[rows],
        )

    # ------------------------------------------------------------ validation
    def validate(self) -> None:
        """Check every invariant; raise SnapshotError on the first violation."""
        A = len(self.symbols)
        if A == 0:
            raise SnapshotError("snapshot has no assets")
        if len(self.prices) != A:
            raise SnapshotError(f"{len(self.prices)} prices for {A} symbols")
        seen: set[str] = set()
        for s in self.symbols:
            if not isinstance(s, str) or not s:
                raise SnapshotError(f"invalid asset symbol {s!r}")
            if s in seen:
                raise SnapshotError(f"duplicate asset symbol {s!r}")
            seen.add(s)
        for s, p in zip(self.symbols, self.prices, strict=True):
            if isinstance(p, bool) or not isinstance(p, (int, np.integer)):
                raise SnapshotError(f"price of {s} is not an integer: {p!r}")
            if not 0 <= int(p) <= MAX_PRICE:
                raise SnapshotError(f"price of {s} is outside 0 <= p < 2^64: {p}")
        if len(set(self.uids)) != len(self.uids):
            seen_u: set[str] = set()
            for u in self.uids:
                if u in seen_u:
                    raise SnapshotError(f"duplicate uid {u!r}")
                seen_u.add(u)
        for u in self.uids:
            if not isinstance(u, str) or not u:
                raise SnapshotError(f"invalid uid {u!r}")
        checks = (
            ("offsets", self.offsets, np.int64),
            ("asset", self.asset, np.int32),
            ("amount_hi", self.amount_hi, np.int64),
            ("amount_lo", self.amount_lo, np.uint64),
        )
        for name, arr, dt in checks:
            if not isinstance(arr, np.ndarray) or arr.dtype != dt or arr.ndim != 1:
                raise SnapshotError(f"{name} must be a 1-d {np.dtype(dt).name} array")
        U = len(self.uids)
        n = self.asset.shape[0]
        if self.offsets.shape[0] != U + 1:
            raise SnapshotError(f"offsets has {self.offsets.shape[0]} items, expected {U + 1}")
        if self.offsets[0] != 0 or self.offsets[-1] != n:
            raise SnapshotError("offsets must start at 0 and end at n_entries")
        if U and (np.diff(self.offsets) < 0).any():
            raise SnapshotError("offsets must be non-decreasing")
        if self.amount_hi.shape[0] != n or self.amount_lo.shape[0] != n:
            raise SnapshotError("amount_hi/amount_lo length differs from asset")
        if n and (int(self.asset.min()) < 0 or int(self.asset.max()) >= A):
            raise SnapshotError(f"asset index outside 0..{A - 1}")

    # ---------------------------------------------------------- constructors
    @classmethod
    def from_int64(
        cls,
        symbols: Sequence[str],
        prices: Sequence[int],
        uids: Sequence[str],
        offsets: np.ndarray,
        asset: np.ndarray,
        amount: np.ndarray,
        validate: bool = True,
    ) -> Snapshot:
        """Build from int64 amounts (the common case) without per-entry Python work."""
        amount = np.ascontiguousarray(amount, dtype=np.int64)
        snap = cls(
            symbols=list(symbols),
            prices=[int(p) for p in prices],
            uids=list(uids),
            offsets=np.ascontiguousarray(offsets, dtype=np.int64),
            asset=np.ascontiguousarray(asset, dtype=np.int32),
            amount_hi=amount >> np.int64(63),
            amount_lo=amount.view(np.uint64),
        )
        if validate:
            snap.validate()
        return snap

    @classmethod
    def from_users(
        cls,
        symbols: Sequence[str],
        prices: Sequence[int],
        users: Mapping[str, Sequence[tuple[str | int, int]]],
    ) -> Snapshot:
        """Build and validate a snapshot from ``{uid: [(asset, amount), ...]}``.

        ``asset`` is a symbol or an index; ``amount`` an int in 1e-8 coin. One asset may
        appear more than once in a user's entries (the protocol allows it). Users keep
        the mapping's order; entries keep their given order.
        """
        symbols = list(symbols)
        index = {s: j for j, s in enumerate(symbols)}
        if len(index) != len(symbols):
            dup = next(s for s in symbols if symbols.count(s) > 1)
            raise SnapshotError(f"duplicate asset symbol {dup!r}")
        for s, p in zip(symbols, prices, strict=False):
            if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p <= MAX_PRICE:
                raise SnapshotError(f"price of {s} is outside 0 <= p < 2^64: {p!r}")
        A = len(symbols)
        uids: list[str] = []
        offsets = [0]
        assets: list[int] = []
        his: list[int] = []
        los: list[int] = []
        seen: set[str] = set()
        for uid, entries in users.items():
            if not isinstance(uid, str) or not uid:
                raise SnapshotError(f"invalid uid {uid!r}")
            if uid in seen:
                raise SnapshotError(f"duplicate uid {uid!r}")
            seen.add(uid)
            uids.append(uid)
            for a, b in entries:
                if isinstance(a, str):
                    if a not in index:
                        raise SnapshotError(f"unknown asset {a!r} for uid {uid!r}")
                    j = index[a]
                elif isinstance(a, (int, np.integer)) and not isinstance(a, bool):
                    j = int(a)
                    if not 0 <= j < A:
                        raise SnapshotError(f"asset index {j} out of range for uid {uid!r}")
                else:
                    raise SnapshotError(f"invalid asset {a!r} for uid {uid!r}")
                if isinstance(b, bool) or not isinstance(b, (int, np.integer)):
                    raise SnapshotError(f"amount {b!r} for uid {uid!r} is not an integer")
                b = int(b)
                if not MIN_AMOUNT <= b <= MAX_AMOUNT:
                    raise SnapshotError(
                        f"amount {b} for uid {uid!r} is outside -2^127 <= b < 2^127"
                    )
                assets.append(j)
                his.append(b >> 64)
                los.append(b & _MASK64)
            offsets.append(len(assets))
        snap = cls(
            symbols=symbols,
            prices=[int(p) for p in prices],
            uids=uids,
            offsets=np.array(offsets, dtype=np.int64),
            asset=np.array(assets, dtype=np.int32),
            amount_hi=np.array(his, dtype=np.int64),
            amount_lo=np.array(los, dtype=np.uint64),
        )
        snap.validate()
        return snap

    # ------------------------------------------------------------- summaries
    def to_users(self) -> dict[str, list[tuple[int, int]]]:
        """``{uid: [(asset index, amount), ...]}`` (small snapshots: per-entry Python)."""
        amts = self.amounts()
        assets = self.asset.tolist()
        offs = self.offsets.tolist()
        return {
            uid: list(zip(assets[offs[u] : offs[u + 1]], amts[offs[u] : offs[u + 1]], strict=True))
            for u, uid in enumerate(self.uids)
        }

    def negative_equity_users(self) -> list[int]:
        """Indices of users whose net equity is negative (the protocol forbids them)."""
        return [u for u, e in enumerate(self.equities()) if e < 0]


__all__ = [
    "MAX_AMOUNT",
    "MAX_PRICE",
    "MIN_AMOUNT",
    "Snapshot",
    "SnapshotError",
    "split_amount",
]
