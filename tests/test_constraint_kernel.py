"""The generated constraint kernel agrees with the verifier's evaluation of circuits/."""

from __future__ import annotations

import random

import numpy as np
import pytest

from zkpor.circuits.expr import IntBackend, evaluate
from zkpor.circuits.solvency import TIERED, V1, Circuit
from zkpor.prover.argument.constraint_kernel import constraint_columns, constraint_sum
from zkpor.prover.arith.field import fr_from_ints, fr_to_ints
from zkpor.verifier.field import R


@pytest.mark.parametrize("circuit", [V1, TIERED], ids=lambda c: c.name)
def test_kernel_matches_python_evaluation(circuit: Circuit) -> None:
    rng = random.Random(11)
    n = 37
    names = constraint_columns(circuit)
    values = {name: [rng.randrange(R) for _ in range(n)] for name in names}
    values["s"][5] = 0
    values["s"][6] = 1
    values["l0"][3] = R - 1
    challenges = {k: rng.randrange(R) for k in ("beta", "eta", "gamma", "alpha", "sigma_over_n")}
    evals = {k: fr_from_ints(v) for k, v in values.items()}
    got = fr_to_ints(constraint_sum(evals, challenges, circuit))
    backend = IntBackend(R)
    for row in (0, 1, 5, 6, n - 1):

        def column(name: str, shifted: bool, row: int = row) -> int:
            return values[name][(row - 1) % n if shifted else row]

        want, alpha_k = 0, 1
        for _, expr in circuit.constraints:
            want = (want + alpha_k * evaluate(expr, backend, column, challenges.__getitem__)) % R
            alpha_k = alpha_k * challenges["alpha"] % R
        assert got[row] == want, row


def test_kernel_reads_previous_rows_where_told() -> None:
    """With evaluations in bit-reversed order and prev_rows mapping to the previous point,
    the kernel gives the natural-order result in bit-reversed order."""
    from zkpor.prover.arith.ntt import bitrev_indices, bitrev_permute

    rng = random.Random(12)
    n = 64
    names = constraint_columns(V1)
    evals = {name: fr_from_ints([rng.randrange(R) for _ in range(n)]) for name in names}
    challenges = {k: rng.randrange(R) for k in ("beta", "eta", "gamma", "alpha", "sigma_over_n")}
    natural = constraint_sum(evals, challenges, V1)
    rows = bitrev_indices(n)
    permuted = {name: bitrev_permute(v) for name, v in evals.items()}
    got = constraint_sum(permuted, challenges, V1, rows[(rows - 1) % n])
    assert (got == bitrev_permute(natural)).all()
    with pytest.raises(ValueError):
        constraint_sum(evals, challenges, V1, np.zeros(n, dtype=np.int32))


def test_kernel_reads_every_constrained_column() -> None:
    names = set(constraint_columns())
    assert {"l0", "l7", "s", "eq", "fp", "g", "tab", "tT", "l_last", "mask"} <= names
    tiered = set(constraint_columns(TIERED))
    assert set(TIERED.column_names) | {"tab", "tT", "l_last"} == tiered


def test_kernel_cache_folder_is_private(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The generated module never runs from a folder others can write (a shared /tmp)."""
    import os
    import stat

    from zkpor.prover.argument import constraint_kernel as ck

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    folder = ck._cache_dir()
    assert folder == tmp_path / "cache" / "zkpor" / "kernels"
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0
    os.chmod(folder, 0o777)  # someone else could plant code here: not used
    other = ck._cache_dir()
    assert other != folder and other.stat().st_uid == os.getuid()
    assert stat.S_IMODE(other.stat().st_mode) == 0o700
    (tmp_path / "file").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "file"))  # not a folder: fallback
    fallback = ck._cache_dir()
    assert stat.S_IMODE(fallback.stat().st_mode) == 0o700


def test_altered_kernel_module_is_rewritten(tmp_path) -> None:  # noqa: ANN001
    from zkpor.prover.argument.constraint_kernel import write_checked

    path = tmp_path / "constraints_x.py"
    write_checked(path, b"GOOD = 1\n")
    path.write_text("import os  # planted\n")
    write_checked(path, b"GOOD = 1\n")
    assert path.read_bytes() == b"GOOD = 1\n"
