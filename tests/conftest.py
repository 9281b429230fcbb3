"""Shared fixtures: the snarkjs test ceremony file and session-cached SRS directories."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
PTAU16 = SHARED / "fixtures" / "pot16_final.ptau"


@pytest.fixture(scope="session")
def ptau16() -> Path:
    """The K = 16 snarkjs fixture (../shared/fixtures beside the repository)."""
    if not PTAU16.exists():
        pytest.skip(f"fixture {PTAU16} not found")
    return PTAU16


@pytest.fixture(scope="session")
def srs16(ptau16: Path, tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """The SRS imported from the fixture for K = 16 (imported once per session)."""
    from zkpor.prover.setup.srs import SRS, import_ptau

    out = tmp_path_factory.mktemp("srs") / "srs16"
    import_ptau(ptau16, 16, out)
    return SRS.load(out)


@pytest.fixture(scope="session")
def dev_srs_dir(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201
    """Factory for session-cached development SRS directories: dev_srs_dir(log_n, seed)."""
    from zkpor.prover.setup.srs import dev_srs

    base = tmp_path_factory.mktemp("devsrs")
    made: dict[tuple[int, str], Path] = {}

    def get(log_n: int = 8, seed: str = "0") -> Path:
        key = (log_n, seed)
        if key not in made:
            made[key] = base / f"k{log_n}-{seed}"
            dev_srs(log_n, made[key], seed=seed)
        return made[key]

    return get
