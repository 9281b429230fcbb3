"""The solvency prover: rounds R1..R6 of PROTOCOL.md section 5 over a built trace.

The trace's circuit (V1, or the tiered circuit of section 10) decides every column, lookup
value and the grand sum: those are evaluated on H from the circuit's expressions.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from zkpor.circuits.solvency import QUOTIENT_NAMES, RANGE_SIZE, quotient_degree_bound
from zkpor.prover.argument.constraint_kernel import expression_values
from zkpor.prover.argument.quotient import compute_quotient
from zkpor.prover.argument.spill import SpilledPolys
from zkpor.prover.argument.trace import Trace
from zkpor.prover.arith.field import (
    fr_add,
    fr_add_int,
    fr_batch_inv,
    fr_from_ints,
    fr_from_uint64,
    fr_inner,
    fr_mul,
    fr_mul_int,
    fr_neg,
    fr_powers,
    fr_sum,
    fr_to_ints,
    fr_zeros,
)
from zkpor.prover.arith.ntt import intt
from zkpor.prover.arith.prefix import cumsum, segmented_cumsum
from zkpor.prover.setup.kzg import (
    SRS,
    KeyBuckets,
    Point,
    accumulate,
    blind,
    blinded_interpolation,
    commit_coeffs,
    commit_evals,
    commit_evals_small,
    commit_keyed,
    evaluate,
    lagrange_buckets,
    open_combined,
    point_bytes,
)
from zkpor.verifier.field import R, previous_point, root_of_unity
from zkpor.verifier.merkle import merkle_root
from zkpor.verifier.proof import Proof
from zkpor.verifier.public_inputs import (
    lookup_table,
    public_evaluations_from,
    sigma_over_n_from,
    zeta_to_the_n,
)
from zkpor.verifier.rounds import commit_round, evaluation_round, opening_round
from zkpor.verifier.statement import AssetInfo, Statement
from zkpor.verifier.transcript import Transcript
from zkpor.verifier.verify import quotient_identity_holds


class ProverError(RuntimeError):
    """The prover could not produce a valid proof (the witness breaks a constraint)."""


@dataclass
class ProofBundle:
    """Everything the prover publishes, plus per-user data for inclusion files."""

    statement: Statement
    proof: Proof
    fingerprints: list[int]
    user_fingerprints: list[int]
    """Fingerprint of each real user, in snapshot order."""
    salts: list[bytes]
    timings: dict[str, float] = field(default_factory=dict)


def _random_scalars(count: int) -> list[int]:
    return [secrets.randbelow(R) for _ in range(count)]


def _range_inverses(beta: int) -> np.ndarray:
    """1 / (beta + k) for 0 <= k < 2^16: the table of the range helpers."""
    return fr_batch_inv(fr_add_int(fr_from_uint64(np.arange(RANGE_SIZE, dtype=np.uint64)), beta))


TUPLE_ROW = "tT row"
"""A key that is not a column: each row's row of tT (:meth:`SolvencyProver._key_values`)."""
TUPLE_KEYED = frozenset({"a", "p", "pos", "lo", "rp", "bs", "rpow", "h_t"})
"""Columns that an honest trace makes a function of each row's row of tT."""


class SolvencyProver:
    """Runs the rounds; soundness tests subclass it to play a dishonest exchange."""

    strict = True
    """Refuse to publish a proof whose quotient is not a polynomial (a broken witness)."""

    def __init__(
        self,
        srs: SRS,
        trace: Trace,
        snapshot_id: str,
        snapshot_time: str,
        progress: Callable[[str], None] = lambda _: None,
        shard: tuple[int, int] | None = None,
    ) -> None:
        if srs.n != trace.n:
            raise ProverError(
                f"the trace needs N = 2^{trace.n.bit_length() - 1}, the SRS is for "
                f"N = 2^{srs.log_n}"
            )
        self.srs, self.trace, self.progress = srs, trace, progress
        self.snapshot_id, self.snapshot_time = snapshot_id, snapshot_time
        self.shard = shard
        self.coeffs = SpilledPolys()
        """Coefficients of every committed and public polynomial, parked on disk."""
        self.commitments: dict[str, bytes] = {}
        self.timings: dict[str, float] = {}
        self.buckets: dict[str, KeyBuckets | None] = {}
        """Lagrange points bucketed by key column (rounds 1-3), None for a column of non-keys."""
        self.range_inverses: np.ndarray | None = None
        """The range helpers' table 1 / (beta + k), from round 3."""

    # -- hooks a dishonest prover overrides in tests -------------------------------
    def statement_totals(self) -> list[int]:
        return list(self.trace.totals)

    def published_count(self, summary_rows: int) -> int:
        """n_u, absorbed in R0 before the fingerprints exist (one per summary row)."""
        return summary_rows

    def published_fingerprints(self, fingerprints: list[int]) -> list[int]:
        return sorted(fingerprints)

    # -- helpers ---------------------------------------------------------------------
    def _timed(self, key: str, start: float) -> None:
        self.timings[key] = self.timings.get(key, 0.0) + time.perf_counter() - start

    def _commit(self, name: str, values: np.ndarray) -> None:
        """Commit a witness column from its values on H, blinded by Z_H * (random poly)."""
        blinders = _random_scalars(self.trace.circuit.blinders[name])
        start = time.perf_counter()
        base = self._commitment(name, values)
        self.commitments[name] = point_bytes(blind(self.srs, base, blinders))
        self._timed("msm_s", start)
        start = time.perf_counter()
        self.coeffs[name] = blinded_interpolation(values, blinders)
        self._timed("ntt_s", start)

    def _commitment(self, name: str, values: np.ndarray) -> Point:
        """The column's unblinded commitment: from the Lagrange points bucketed by the key
        columns an honest trace makes it a function of (``commit_keyed`` checks that it is
        one, whatever the trace), else from its rows."""
        keys = self._key_columns(name)
        buckets = [b for b in map(self._buckets, keys) if b is not None]
        if keys and len(buckets) == len(keys):
            helper = name in dict(self.trace.circuit.range_helpers)
            table = self.range_inverses if helper else None
            return commit_keyed(self.srs, values, buckets, table)
        if values.ndim == 1:
            return commit_evals_small(self.srs, values)
        return commit_evals(self.srs, values)

    def _key_columns(self, name: str) -> tuple[str, ...]:
        """The key columns of which an honest trace makes column ``name`` a function: a
        range cell of itself, a range helper of its cells (through ``range_inverses``), the
        columns of TUPLE_KEYED of each row's row of tT."""
        circuit = self.trace.circuit
        if name in circuit.range_cells:
            return (name,)
        cells = dict(circuit.range_helpers).get(name)
        if cells:
            return cells
        return (TUPLE_ROW,) if name in TUPLE_KEYED else ()

    def _buckets(self, key: str) -> KeyBuckets | None:
        """The Lagrange buckets of a key column (made once), None if it holds other values."""
        if key not in self.buckets:
            keys, nkeys = self._key_values(key)
            small = len(keys) == self.trace.n and 0 <= int(keys.min()) and int(keys.max()) < nkeys
            self.buckets[key] = lagrange_buckets(self.srs, keys, nkeys) if small else None
        return self.buckets[key]

    def _key_values(self, key: str) -> tuple[np.ndarray, int]:
        """A key column and its number of keys: a range cell's 16-bit values, or each row's
        row of tT (TUPLE_ROW): in V1 its asset, in the tiered circuit its tier-table row
        (summary rows, which look nothing up, one key past the table)."""
        tr = self.trace
        if key != TUPLE_ROW:
            return tr.cols[key], RANGE_SIZE
        if tr.tier_row is None:
            keys = tr.cols["a"].astype(np.int64)
        else:
            keys = np.where(tr.tier_row >= 0, tr.tier_row, int(tr.tier_row.max()) + 1)
        return keys, min(int(keys.max()) + 1, tr.n)

    def _on_h(self, name: str) -> np.ndarray:
        """A column's values on H: an F_r vector, or uint64 for a small round-1 column."""
        if name in self.on_h:
            return self.on_h[name]
        return self.trace.column(name)

    # -- the rounds --------------------------------------------------------------------
    def prove(self) -> ProofBundle:
        tr, n, circuit = self.trace, self.trace.n, self.trace.circuit
        cols, s = tr.cols, tr.cols["s"]
        summary = np.flatnonzero(s)
        self.on_h: dict[str, np.ndarray] = {}
        tiers = tr.tiers or (None,) * len(tr.symbols)
        assets = tuple(
            AssetInfo(sym, price, total, tier)
            for sym, price, total, tier in zip(
                tr.symbols, tr.prices, self.statement_totals(), tiers, strict=True
            )
        )
        statement = Statement(
            snapshot_id=self.snapshot_id,
            snapshot_time=self.snapshot_time,
            n=n,
            n_u=self.published_count(len(summary)),
            assets=assets,
            srs_digest=self.srs.digest,
            srs_insecure=self.srs.vk.insecure,
            merkle_root=bytes(32),
            shard=self.shard,
        )
        self.statement = statement
        transcript = Transcript()
        statement.absorb(transcript)

        self.progress("round 1: balances, limbs, equity")
        for name in circuit.round_names(1):
            self._commit(name, tr.column(name))
        ch = commit_round(transcript, 1, self.commitments, circuit=circuit)

        self.progress("round 2: fingerprints")
        start = time.perf_counter()
        a = cols["a"].astype(np.int64)
        rho_table = fr_powers(ch["rho"], int(a.max()) + 2)[1:]
        rpow = rho_table[a]
        v_entry = expression_values(circuit.entry_v, self._on_h, ch)
        rpow_v = fr_mul(rpow, v_entry)
        s_fr = fr_from_uint64(s)
        fp = segmented_cumsum(fr_add(rpow_v, fr_mul(tr.mask, s_fr)), s != 0)
        own = fr_to_ints(fp[summary])
        fingerprints = self.published_fingerprints(own)
        if len(fingerprints) != statement.n_u:
            raise ProverError(
                f"{len(fingerprints)} fingerprints to publish, the statement promised {statement.n_u}"
            )
        statement = replace(statement, merkle_root=merkle_root(fingerprints))
        self._timed("trace_s", start)
        self._commit("rpow", rpow)
        self._commit("fp", fp)
        ch |= commit_round(transcript, 2, self.commitments, statement.merkle_root, circuit)

        self.progress("round 3: lookup helpers")
        start = time.perf_counter()
        self.on_h |= {"rpow": rpow, "fp": fp}
        self.range_inverses = _range_inverses(ch["beta"])
        helpers = self._lookup_helpers(ch, rpow, fp, summary)
        self._timed("trace_s", start)
        for name in circuit.round_names(3):
            self._commit(name, helpers[name])
        self.buckets.clear()
        ch |= commit_round(transcript, 3, self.commitments, circuit=circuit)

        self.progress("round 4: grand sum")
        start = time.perf_counter()
        sigma_n = sigma_over_n_from(statement, self._inverse_sum(fingerprints, ch["beta"]), ch)
        self.on_h |= helpers
        s_sum = expression_values(circuit.grand_sum, self._on_h, ch)
        self.on_h.clear()
        del helpers, rpow, fp, v_entry, rpow_v, s_fr, rho_table
        steps = fr_add_int(s_sum, (R - sigma_n) % R)
        del s_sum
        steps[0] = 0
        self._timed("trace_s", start)
        self._commit("g", cumsum(steps))
        del steps
        ch |= commit_round(transcript, 4, self.commitments, circuit=circuit)

        self.progress("round 5: quotient")
        start = time.perf_counter()
        for name, coeffs in self._public_coeffs(ch).items():
            self.coeffs[name] = coeffs
        t_coeffs = compute_quotient(self.coeffs, n, ch | {"sigma_over_n": sigma_n}, circuit)
        self._timed("quotient_s", start)
        b1, b2 = _random_scalars(2)
        pieces = [t_coeffs[:n], t_coeffs[n : 2 * n], t_coeffs[2 * n : quotient_degree_bound(n)]]
        pieces[0] = np.concatenate([pieces[0], fr_from_ints([b1])])
        pieces[1] = np.concatenate(
            [fr_add_int(pieces[1][:1], R - b1), pieces[1][1:], fr_from_ints([b2])]
        )
        pieces[2] = np.concatenate([fr_add_int(pieces[2][:1], R - b2), pieces[2][1:]])
        del t_coeffs
        start = time.perf_counter()
        for name, piece in zip(QUOTIENT_NAMES, pieces, strict=True):
            self.coeffs[name] = piece
            self.commitments[name] = point_bytes(commit_coeffs(self.srs, piece))
        del pieces, piece
        self._timed("msm_s", start)
        ch |= commit_round(transcript, 5, self.commitments)

        self.progress("round 6: openings")
        start = time.perf_counter()
        zeta = ch["zeta"]
        zeta_prev = previous_point(zeta, n)
        at_zeta, at_prev = circuit.opened_at_zeta, circuit.opened_at_zeta_prev
        evals, evals_prev = {}, {}
        for name in at_zeta:
            coeffs = self.coeffs[name]
            evals[name] = evaluate(coeffs, zeta)
            if name in at_prev:
                evals_prev[name] = evaluate(coeffs, zeta_prev)
        del coeffs
        evals_prev = {name: evals_prev[name] for name in at_prev}
        if self.strict:
            self._check_quotient(statement, ch, sigma_n, evals, evals_prev)
        v = evaluation_round(transcript, evals, evals_prev, circuit)
        h_zeta, h_prev = self._batched_openings(at_zeta, at_prev, v)
        w_zeta = point_bytes(open_combined(self.srs, h_zeta, zeta))
        del h_zeta
        w_prev = point_bytes(open_combined(self.srs, h_prev, zeta_prev))
        del h_prev
        opening_round(transcript, w_zeta, w_prev)
        self.coeffs.close()
        self._timed("open_s", start)

        proof = Proof(dict(self.commitments), evals, evals_prev, w_zeta, w_prev, circuit.version)
        user_fps = [own[i] for i in np.searchsorted(summary, tr.summary_row).tolist()]
        return ProofBundle(statement, proof, fingerprints, user_fps, tr.salts, dict(self.timings))

    @staticmethod
    def _inverse_sum(fingerprints: list[int], beta: int) -> int:
        """sum_F 1/(beta + f) over the published fingerprints (the verifier's sum, batched)."""
        if not fingerprints:
            return 0
        denominators = fr_add_int(fr_from_ints(fingerprints), beta)
        if not denominators.any(axis=1).all():
            raise ProverError("beta + f vanishes for a fingerprint")
        return fr_sum(fr_batch_inv(denominators))

    @staticmethod
    def _public_evaluations(statement: Statement, ch: dict[str, int]) -> dict[str, int]:
        """The verifier's public evaluations at zeta, its Lagrange values L_i(zeta) =
        (zeta^N - 1) / N * omega^i / (zeta - omega^i) batched."""
        n, zeta = statement.n, ch["zeta"]
        table = lookup_table(statement, ch["rho"], ch["eta"])
        count = max(RANGE_SIZE, len(table))
        powers = fr_powers(root_of_unity(n), count)
        scale = (zeta_to_the_n(statement, zeta) - 1) * pow(n, -1, R) % R
        lagrange = fr_mul(fr_batch_inv(fr_add_int(fr_neg(powers), zeta)), fr_mul_int(powers, scale))
        rows = fr_from_uint64(np.arange(RANGE_SIZE, dtype=np.uint64))
        tab = fr_inner(rows, lagrange[:RANGE_SIZE])
        return public_evaluations_from(
            statement, ch, tab, table, fr_to_ints(lagrange[: len(table)])
        )

    def _check_quotient(
        self, statement: Statement, ch: dict[str, int], sigma_n: int,
        evals: dict[str, int], evals_prev: dict[str, int],
    ) -> None:  # fmt: skip
        """The verifier's quotient identity at zeta: it fails (but for probability about
        3N/r) iff the witness breaks a constraint, so such a proof is never published."""
        circuit = self.trace.circuit
        claimed = Proof({}, evals, evals_prev, b"", b"", circuit.version)
        public = self._public_evaluations(statement, ch)
        if not quotient_identity_holds(claimed, public, ch, sigma_n, circuit):
            raise ProverError("the witness breaks a constraint: the quotient is not a polynomial")

    def _batched_openings(
        self, at_zeta: tuple[str, ...], at_prev: tuple[str, ...], v: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """sum_k v^k f_k over each opening's list (PLONK batching), reading each stored
        polynomial once for both sums (``at_prev`` is a subsequence of ``at_zeta``)."""
        h_zeta = h_prev = None
        vk_zeta = vk_prev = 1
        for name in at_zeta:
            coeffs = self.coeffs[name]
            h_zeta = accumulate(h_zeta, coeffs, vk_zeta)
            vk_zeta = vk_zeta * v % R
            if name in at_prev:
                h_prev = accumulate(h_prev, coeffs, vk_prev)
                vk_prev = vk_prev * v % R
        assert h_zeta is not None and h_prev is not None
        return h_zeta, h_prev

    def _lookup_helpers(
        self, ch: dict[str, int], rpow: np.ndarray, fp: np.ndarray, summary: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Round-3 columns: range helpers, psi_r, h_t, psi_t, h_f (PROTOCOL.md sections 3, 10.3)."""
        tr, n, beta = self.trace, self.trace.n, ch["beta"]
        cols, circuit = tr.cols, tr.circuit
        inv_tab = self.range_inverses
        assert inv_tab is not None

        def inverse(values: np.ndarray) -> np.ndarray:
            """1 / (beta + v) per row: a table gather, direct inversion for values off the table."""
            out = inv_tab[np.minimum(values, RANGE_SIZE - 1).astype(np.int64)]
            off = np.flatnonzero(values >= RANGE_SIZE)
            if len(off):
                out[off] = fr_batch_inv(fr_add_int(fr_from_uint64(values[off]), beta))
            return out

        out: dict[str, np.ndarray] = {}
        for helper, cells in circuit.range_helpers:
            acc = inverse(cols[cells[0]])
            for cell in cells[1:]:
                acc = fr_add(acc, inverse(cols[cell]))
            out[helper] = acc
        m_r = fr_from_uint64(cols["m_r"])
        psi_r = fr_mul(m_r, inv_tab[np.zeros(n, dtype=np.int64)])
        psi_r[:RANGE_SIZE] = fr_mul(m_r[:RANGE_SIZE], inv_tab)
        out["psi_r"] = psi_r
        tau = expression_values(circuit.tuple_value, self._on_h, ch)
        out["h_t"] = fr_batch_inv(fr_add_int(tau, beta))
        if circuit.tuple_gated:
            out["h_t"][cols["s"] != 0] = 0
        table = self._tuple_table(ch)
        inv_table = fr_batch_inv(fr_add_int(table, beta))
        out["psi_t"] = fr_mul(fr_from_uint64(cols["m_t"]), inv_table)
        h_f = fr_zeros(n)
        h_f[summary] = fr_batch_inv(fr_add_int(fp[summary], beta))
        out["h_f"] = h_f
        return out

    def _tuple_table(self, ch: dict[str, int]) -> np.ndarray:
        """tT on H: the asset (or tier) tuples of the statement, rows beyond repeat row 0."""
        tr = self.trace
        values = lookup_table(self.statement, ch["rho"], ch["eta"])
        table = np.empty((tr.n, 4), dtype=np.uint64)
        table[:] = fr_from_ints(values[:1])
        table[: len(values)] = fr_from_ints(values)
        return table

    def _public_coeffs(self, ch: dict[str, int]) -> dict[str, np.ndarray]:
        """Coefficients of the fixed polynomials tab, tT and L_{N-1}."""
        n = self.trace.n
        tab = np.zeros(n, dtype=np.uint64)
        tab[:RANGE_SIZE] = np.arange(RANGE_SIZE, dtype=np.uint64)
        omega = root_of_unity(n)
        return {
            "tab": intt(fr_from_uint64(tab)),
            "tT": intt(self._tuple_table(ch)),
            "l_last": fr_powers(omega, n, pow(n, -1, R)),  # L_{N-1} = (1/N) sum_i omega^i X^i
        }
