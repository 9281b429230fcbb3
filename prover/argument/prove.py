"""The solvency prover: rounds R1..R6 of PROTOCOL.md section 5 over a built trace."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from zkpor.circuits.solvency import (
    COLUMNS,
    OPENED_AT_ZETA,
    OPENED_AT_ZETA_PREV,
    QUOTIENT_NAMES,
    RANGE_SIZE,
    quotient_degree_bound,
    tuple_table_value,
)
from zkpor.prover.argument.quotient import compute_quotient, quotient_is_low_degree
from zkpor.prover.argument.trace import Trace, entry_values
from zkpor.prover.arith.field import (
    fr_add,
    fr_add_int,
    fr_batch_inv,
    fr_from_ints,
    fr_from_uint64,
    fr_mul,
    fr_mul_int,
    fr_powers,
    fr_sub,
    fr_to_ints,
    fr_zeros,
)
from zkpor.prover.arith.ntt import intt
from zkpor.prover.arith.prefix import cumsum, segmented_cumsum
from zkpor.prover.setup.kzg import (
    SRS,
    blind,
    blinded_coeffs,
    commit_coeffs,
    commit_evals,
    commit_evals_small,
    evaluate,
    open_batch,
    point_bytes,
)
from zkpor.verifier.field import R, previous_point
from zkpor.verifier.merkle import merkle_root
from zkpor.verifier.proof import Proof
from zkpor.verifier.public_inputs import sigma_over_n
from zkpor.verifier.rounds import commit_round, evaluation_round, opening_round
from zkpor.verifier.statement import AssetInfo, Statement
from zkpor.verifier.transcript import Transcript

BLINDERS = {c.name: c.blinders for c in COLUMNS}


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
        self.coeffs: dict[str, np.ndarray] = {}
        self.commitments: dict[str, bytes] = {}
        self.timings: dict[str, float] = {}

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
        blinders = _random_scalars(BLINDERS[name])
        start = time.perf_counter()
        if values.ndim == 1:
            base = commit_evals_small(self.srs, values)
            values = fr_from_uint64(values)
        else:
            base = commit_evals(self.srs, values)
        self.commitments[name] = point_bytes(blind(self.srs, base, blinders))
        self._timed("msm_s", start)
        start = time.perf_counter()
        self.coeffs[name] = blinded_coeffs(intt(values), blinders, self.trace.n)
        self._timed("ntt_s", start)

    # -- the rounds --------------------------------------------------------------------
    def prove(self) -> ProofBundle:
        tr, n = self.trace, self.trace.n
        cols, s = tr.cols, tr.cols["s"]
        summary = np.flatnonzero(s)
        assets = tuple(
            AssetInfo(sym, price, total)
            for sym, price, total in zip(
                tr.symbols, tr.prices, self.statement_totals(), strict=True
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
        transcript = Transcript()
        statement.absorb(transcript)

        self.progress("round 1: balances, limbs, equity")
        for column in COLUMNS:
            if column.round == 1:
                values = {"mask": tr.mask, "eq": tr.eq}.get(column.name, cols.get(column.name))
                self._commit(column.name, values)
        ch = commit_round(transcript, 1, self.commitments)

        self.progress("round 2: fingerprints")
        start = time.perf_counter()
        a = cols["a"].astype(np.int64)
        rho_table = fr_powers(ch["rho"], int(a.max()) + 2)[1:]
        rpow = rho_table[a]
        v_entry = entry_values(cols)
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
        ch |= commit_round(transcript, 2, self.commitments, statement.merkle_root)

        self.progress("round 3: lookup helpers")
        start = time.perf_counter()
        helpers = self._lookup_helpers(ch, rpow, fp, summary)
        self._timed("trace_s", start)
        for name, values in helpers.items():
            self._commit(name, values)
        ch |= commit_round(transcript, 3, self.commitments)

        self.progress("round 4: grand sum")
        start = time.perf_counter()
        gamma = ch["gamma"]
        sigma_n = sigma_over_n(statement, fingerprints, ch)
        s_sum = fr_sub(
            fr_add(
                fr_add(helpers["h_r1"], helpers["h_r2"]), fr_add(helpers["h_r3"], helpers["h_r4"])
            ),
            helpers["psi_r"],
        )
        s_sum = fr_add(s_sum, fr_mul_int(fr_sub(helpers["h_t"], helpers["psi_t"]), gamma))
        s_sum = fr_add(s_sum, fr_mul_int(rpow_v, gamma * gamma % R))
        s_sum = fr_add(s_sum, fr_mul_int(helpers["h_f"], pow(gamma, 3, R)))
        steps = fr_add_int(s_sum, (R - sigma_n) % R)
        steps[0] = 0
        self._timed("trace_s", start)
        self._commit("g", cumsum(steps))
        ch |= commit_round(transcript, 4, self.commitments)

        self.progress("round 5: quotient")
        start = time.perf_counter()
        polys = dict(self.coeffs)
        polys.update(self._public_coeffs(ch))
        t_coeffs = compute_quotient(polys, n, ch | {"sigma_over_n": sigma_n})
        self._timed("quotient_s", start)
        if self.strict and not quotient_is_low_degree(t_coeffs, n):
            raise ProverError("the witness breaks a constraint: the quotient is not a polynomial")
        b1, b2 = _random_scalars(2)
        pieces = [t_coeffs[:n], t_coeffs[n : 2 * n], t_coeffs[2 * n : quotient_degree_bound(n)]]
        pieces[0] = np.concatenate([pieces[0], fr_from_ints([b1])])
        pieces[1] = np.concatenate(
            [fr_add_int(pieces[1][:1], R - b1), pieces[1][1:], fr_from_ints([b2])]
        )
        pieces[2] = np.concatenate([fr_add_int(pieces[2][:1], R - b2), pieces[2][1:]])
        start = time.perf_counter()
        for name, piece in zip(QUOTIENT_NAMES, pieces, strict=True):
            self.coeffs[name] = piece
            self.commitments[name] = point_bytes(commit_coeffs(self.srs, piece))
        self._timed("msm_s", start)
        ch |= commit_round(transcript, 5, self.commitments)

        self.progress("round 6: openings")
        start = time.perf_counter()
        zeta = ch["zeta"]
        zeta_prev = previous_point(zeta, n)
        evals = {name: evaluate(self.coeffs[name], zeta) for name in OPENED_AT_ZETA}
        evals_prev = {name: evaluate(self.coeffs[name], zeta_prev) for name in OPENED_AT_ZETA_PREV}
        v = evaluation_round(transcript, evals, evals_prev)
        w_zeta = point_bytes(
            open_batch(self.srs, [self.coeffs[k] for k in OPENED_AT_ZETA], zeta, v)
        )
        w_prev = point_bytes(
            open_batch(self.srs, [self.coeffs[k] for k in OPENED_AT_ZETA_PREV], zeta_prev, v)
        )
        opening_round(transcript, w_zeta, w_prev)
        self._timed("open_s", start)

        proof = Proof(dict(self.commitments), evals, evals_prev, w_zeta, w_prev)
        user_fps = [own[int(np.searchsorted(summary, row))] for row in tr.summary_row]
        return ProofBundle(statement, proof, fingerprints, user_fps, tr.salts, dict(self.timings))

    def _lookup_helpers(
        self, ch: dict[str, int], rpow: np.ndarray, fp: np.ndarray, summary: np.ndarray
    ) -> dict[str, np.ndarray]:
        """Round-3 columns: h_r1..h_r4, psi_r, h_t, psi_t, h_f (PROTOCOL.md section 3)."""
        tr, n, beta, eta = self.trace, self.trace.n, ch["beta"], ch["eta"]
        cols = tr.cols
        inv_tab = fr_batch_inv(
            fr_add_int(fr_from_uint64(np.arange(RANGE_SIZE, dtype=np.uint64)), beta)
        )

        def inverse(values: np.ndarray) -> np.ndarray:
            """1 / (beta + v) per row: a table gather, direct inversion for values off the table."""
            out = inv_tab[np.minimum(values, RANGE_SIZE - 1).astype(np.int64)]
            off = np.flatnonzero(values >= RANGE_SIZE)
            if len(off):
                out[off] = fr_batch_inv(fr_add_int(fr_from_uint64(values[off]), beta))
            return out

        out: dict[str, np.ndarray] = {}
        for k in range(4):
            out[f"h_r{k + 1}"] = fr_add(inverse(cols[f"l{2 * k}"]), inverse(cols[f"l{2 * k + 1}"]))
        m_r = fr_from_uint64(cols["m_r"])
        psi_r = fr_mul(m_r, inv_tab[np.zeros(n, dtype=np.int64)])
        psi_r[:RANGE_SIZE] = fr_mul(m_r[:RANGE_SIZE], inv_tab)
        out["psi_r"] = psi_r
        eta2 = eta * eta % R
        tau = fr_add(fr_from_uint64(cols["a"]), fr_mul_int(fr_from_uint64(cols["p"]), eta))
        tau = fr_add(tau, fr_mul_int(rpow, eta2))
        out["h_t"] = fr_batch_inv(fr_add_int(tau, beta))
        table = self._tuple_table(ch)
        inv_table = fr_batch_inv(fr_add_int(table, beta))
        out["psi_t"] = fr_mul(fr_from_uint64(cols["m_t"]), inv_table)
        h_f = fr_zeros(n)
        h_f[summary] = fr_batch_inv(fr_add_int(fp[summary], beta))
        out["h_f"] = h_f
        return out

    def _tuple_table(self, ch: dict[str, int]) -> np.ndarray:
        """tT on H: the asset tuples j + eta p_j + eta^2 rho^(j+1), rows >= A repeat row 0."""
        tr = self.trace
        values = [
            tuple_table_value(j, price, pow(ch["rho"], j + 1, R), ch["eta"], R)
            for j, price in enumerate(tr.prices)
        ]
        table = np.empty((tr.n, 4), dtype=np.uint64)
        table[:] = fr_from_ints(values[:1])
        table[: len(values)] = fr_from_ints(values)
        return table

    def _public_coeffs(self, ch: dict[str, int]) -> dict[str, np.ndarray]:
        """Coefficients of the fixed polynomials tab, tT and L_{N-1}."""
        n = self.trace.n
        tab = np.zeros(n, dtype=np.uint64)
        tab[:RANGE_SIZE] = np.arange(RANGE_SIZE, dtype=np.uint64)
        last = np.zeros(n, dtype=np.uint64)
        last[n - 1] = 1
        return {
            "tab": intt(fr_from_uint64(tab)),
            "tT": intt(self._tuple_table(ch)),
            "l_last": intt(fr_from_uint64(last)),
        }
