"""The segmented prefix-sum kernel against Python integers."""

from __future__ import annotations

import random

import numpy as np

from zkpor.prover.arith.field import fr_from_ints, fr_to_ints
from zkpor.prover.arith.prefix import cumsum, segmented_cumsum
from zkpor.verifier.field import R


def test_segmented_cumsum_matches_python() -> None:
    rng = random.Random(5)
    values = [rng.randrange(R) for _ in range(300)] + [R - 1] * 7 + [0, 1]
    resets = np.array([rng.random() < 0.15 for _ in values])
    got = fr_to_ints(segmented_cumsum(fr_from_ints(values), resets))
    acc, want = 0, []
    for v, reset in zip(values, resets, strict=True):
        acc = (acc + v) % R
        want.append(acc)
        if reset:
            acc = 0
    assert got == want
    plain = fr_to_ints(cumsum(fr_from_ints(values)))
    assert plain[-1] == sum(values) % R
