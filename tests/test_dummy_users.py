"""The user count is hidden by default: a random number of dummy users (issue 10, item 8)."""

from __future__ import annotations

from zkpor.prover.argument.trace import (
    DUMMY_MIN_CAP,
    build_trace,
    domain_size,
    random_dummy_count,
)
from zkpor.prover.exchange.snapshot import Snapshot


def _snapshot(users: int) -> Snapshot:
    return Snapshot.from_users(["USDT"], [10**8], {f"u{i}": [("USDT", 100)] for i in range(users)})


def test_default_trace_adds_a_random_number_of_dummy_users() -> None:
    snapshot = _snapshot(5)
    counts = {build_trace(snapshot, "s", min_log_n=16).n_summary for _ in range(6)}
    assert len(counts) > 1, counts  # all equal with probability about 1e-15
    assert all(5 + 1 <= c <= 5 + 1 + DUMMY_MIN_CAP for c in counts)


def test_dummy_count_is_uniform_and_never_grows_the_domain() -> None:
    draws = [random_dummy_count(100, 50, 10) for _ in range(2000)]
    assert min(draws) >= 0 and max(draws) <= domain_size(100, 10) - 1 - 100
    assert len(set(draws)) > 500
    full = domain_size(1000, 10) - 1  # rows that exactly fill the domain: no room
    assert {random_dummy_count(full, 10, 10) for _ in range(50)} == {0}
    big = [random_dummy_count(10**6, 500_000, 10) for _ in range(200)]
    assert max(big) <= 5000 and max(big) > DUMMY_MIN_CAP  # cap = users / 100


def test_explicit_zero_keeps_the_exact_count() -> None:
    assert build_trace(_snapshot(5), "s", dummy_users=0, min_log_n=16).n_summary == 6
