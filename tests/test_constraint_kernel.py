"""The generated constraint kernel agrees with the verifier's evaluation of circuits/."""

from __future__ import annotations

import os
import random
from dataclasses import replace

import numpy as np
import pytest

from zkpor.circuits.expr import IntBackend, evaluate
from zkpor.circuits.solvency import TIERED, V1, Circuit
from zkpor.prover.argument import constraint_kernel
from zkpor.prover.argument.constraint_kernel import (
    constraint_columns,
    constraint_sum,
    expression_values,
    linear_columns,
    linear_terms,
    shifted_columns,
)
from zkpor.prover.arith.field import fr_from_ints, fr_to_ints
from zkpor.prover.arith.ifma import host_has_ifma
from zkpor.verifier.field import R

CHALLENGES = ("beta", "eta", "gamma", "alpha", "sigma_over_n")


@pytest.mark.parametrize("circuit", [V1, TIERED], ids=lambda c: c.name)
def test_kernel_matches_python_evaluation(circuit: Circuit) -> None:
    rng = random.Random(11)
    n = 37
    names = constraint_columns(circuit)
    linear = linear_terms(circuit, challenges := {k: rng.randrange(R) for k in CHALLENGES})
    every = names + [name for name, _ in linear]
    values = {name: [rng.randrange(R) for _ in range(n)] for name in every}
    values["s"][5] = 0
    values["s"][6] = 1
    values["l0"][3] = R - 1
    evals = {k: fr_from_ints(v) for k, v in values.items() if k in names}
    got = fr_to_ints(constraint_sum(evals, challenges, circuit))
    backend = IntBackend(R)
    for row in (0, 1, 5, 6, n - 1):

        def column(name: str, shifted: bool, row: int = row) -> int:
            return values[name][(row - 1) % n if shifted else row]

        want, alpha_k = 0, 1
        for _, expr in circuit.constraints:
            want = (want + alpha_k * evaluate(expr, backend, column, challenges.__getitem__)) % R
            alpha_k = alpha_k * challenges["alpha"] % R
        for (name, shifted), coef in linear.items():
            want = (want - coef * column(name, shifted)) % R
        assert got[row] == want, row


@pytest.mark.parametrize("circuit", [V1, TIERED], ids=lambda c: c.name)
def test_expression_values_match_python_evaluation(circuit: Circuit) -> None:
    """The prover's on-H expressions (entry values, tuple values, grand sum), fused,
    against the verifier's evaluation row by row (shifted columns read the row before)."""
    rng = random.Random(13)
    n = 29
    challenges = {k: rng.randrange(R) for k in (*CHALLENGES, "rho")}
    backend = IntBackend(R)
    values: dict[str, list[int]] = {}

    def vector(name: str):  # noqa: ANN202
        """Small round-1 columns as uint64 (converted in the kernel), the rest in F_r."""
        if name in circuit.small:
            values[name] = [rng.choice([0, 1, 2**64 - 1, rng.randrange(1 << 16)]) for _ in range(n)]
            return np.array(values[name], dtype=np.uint64)
        values[name] = [rng.choice([0, 1, R - 1, rng.randrange(R)]) for _ in range(n)]
        return fr_from_ints(values[name])

    for expr in (circuit.entry_v, circuit.tuple_value, circuit.grand_sum):
        got = fr_to_ints(expression_values(expr, vector, challenges))
        assert any(name in values for name in circuit.small)
        for row in range(n):

            def column(name: str, shifted: bool, row: int = row) -> int:
                return values[name][(row - 1) % n if shifted else row]

            assert got[row] == evaluate(expr, backend, column, challenges.__getitem__), row


def test_kernel_reads_previous_values_where_told() -> None:
    """With evaluations in bit-reversed order and the previous points' values given, the
    kernel gives the natural-order result in bit-reversed order."""
    from zkpor.prover.arith.ntt import bitrev_indices, bitrev_permute

    rng = random.Random(12)
    n = 64
    names = constraint_columns(V1)
    evals = {name: fr_from_ints([rng.randrange(R) for _ in range(n)]) for name in names}
    challenges = {k: rng.randrange(R) for k in CHALLENGES}
    natural = constraint_sum(evals, challenges, V1)
    rows = bitrev_indices(n)
    permuted = {name: bitrev_permute(v) for name, v in evals.items()}
    before = rows[(rows - 1) % n]
    prev = {name: permuted[name][before] for name in shifted_columns(V1)}
    got = constraint_sum(permuted, challenges, V1, prev)
    assert (got == bitrev_permute(natural)).all()
    with pytest.raises(ValueError):
        constraint_sum(evals, challenges, V1, {name: v[:-1] for name, v in prev.items()})


def test_kernel_reads_every_constrained_column_but_the_linear_ones() -> None:
    names = set(constraint_columns())
    assert {"l0", "l7", "s", "eq", "fp", "tab", "tT", "l_last", "mask"} <= names
    assert linear_columns(V1.constraints) == linear_columns(TIERED.constraints)
    assert linear_columns(V1.constraints) == ("g", "m_r", "m_t")
    for circuit in (V1, TIERED):
        every = set(circuit.column_names) | {"tab", "tT", "l_last"}
        assert set(constraint_columns(circuit)) | set(linear_columns(circuit.constraints)) == every
        assert not set(constraint_columns(circuit)) & set(linear_columns(circuit.constraints))


def test_linear_analysis_sees_products_of_columns() -> None:
    """A column multiplied by another column (or by itself) is not linear; by a
    challenge or a constant it is; the coefficients are read off exactly."""
    from zkpor.circuits.expr import Chal, Col

    x, y, z, w = Col("x"), Col("y"), Col("z"), Col("w")
    constraints = (("a", 3 * x - Chal("beta") * y.prev + z * z), ("b", w * (y + 1) - x))
    assert linear_columns(constraints) == ("x",)
    circuit = replace(V1, constraints=(("a", 3 * x - Chal("beta") * y.prev + 5), ("b", y - x)))
    terms = linear_terms(circuit, {"beta": 7, "alpha": 10})
    assert terms == {("x", False): (3 - 10) % R, ("y", True): R - 7, ("y", False): 10}


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


@pytest.mark.skipif(not host_has_ifma(), reason="the host has no AVX-512 IFMA")
@pytest.mark.parametrize("circuit", [V1, TIERED], ids=lambda c: c.name)
def test_lane_kernel_equals_the_scalar_kernel(circuit: Circuit, monkeypatch) -> None:  # noqa: ANN001
    """The AVX-512 IFMA rendering gives the scalar rendering's limbs at every row, with
    small (uint64) columns, edge values and a row count that is not a multiple of eight."""
    rng = random.Random(17)
    n = 45
    names = constraint_columns(circuit)
    challenges = {k: rng.randrange(R) for k in CHALLENGES}
    edge = [0, 1, R - 1, R - 2, (1 << 253) % R]
    evals = {}
    for j, name in enumerate(names):
        if j % 3 == 0:
            vals = np.array([rng.randrange(2**64) for _ in range(n)], dtype=np.uint64)
            vals[:2] = [0, 2**64 - 1]
            evals[name] = vals
        else:
            evals[name] = fr_from_ints(edge + [rng.randrange(R) for _ in range(n - len(edge))])
    full = {name: fr_from_ints(edge + [rng.randrange(R) for _ in range(n - 5)]) for name in names}
    got = []
    for lanes in (False, True):
        monkeypatch.setattr(constraint_kernel, "_LANES", lanes)
        for expr in (circuit.grand_sum, circuit.tuple_value):
            got.append(expression_values(expr, lambda name: evals[name], challenges))
        got.append(constraint_sum(full, challenges, circuit))
    for a, b in zip(got[:3], got[3:], strict=True):
        assert a.shape == (n, 4) and (a == b).all()


def test_generated_source_does_not_depend_on_the_hash_seed() -> None:
    """The kernel modules are cached by the hash of their text: a rendering that varied
    with string hashing would recompile in every process."""
    import subprocess
    import sys

    code = (
        "from zkpor.circuits.solvency import TIERED as c\n"
        "from zkpor.prover.argument.constraint_kernel import _source\n"
        "s = _source(c)\n"
        "print(s.lane_source() + s.source())"
    )
    texts = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(texts) == 1 and "vmul(s, " in next(iter(texts))


def test_a_changed_primitive_gives_a_new_kernel_module(tmp_path, monkeypatch) -> None:  # noqa: ANN001
    """The generated module names the hash of mont.py and ifma.py, so a changed primitive
    is compiled in rather than served from numba's cache of the old module."""
    from zkpor.circuits.expr import Col

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    expr = Col("a") * Col("b")
    values = {"a": fr_from_ints([3] * 8), "b": fr_from_ints([5] * 8)}
    folder = tmp_path / "zkpor" / "kernels"
    assert fr_to_ints(expression_values(expr, values.__getitem__, {})) == [15] * 8
    first = {p.name for p in folder.glob("constraints_*.py")}
    monkeypatch.setattr(constraint_kernel, "_primitives_digest", lambda: "0" * 16)
    assert fr_to_ints(expression_values(expr, values.__getitem__, {})) == [15] * 8
    second = {p.name for p in folder.glob("constraints_*.py")}
    assert len(first) == 1 and len(second) == 2
    assert "0" * 16 in (folder / (second - first).pop()).read_text()
