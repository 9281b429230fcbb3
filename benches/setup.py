"""`zkpor bench setup`: .ptau import, SRS load, commitments and the verifier's pairing check
at K = 16."""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

import click

DEFAULT_PTAU = Path(__file__).resolve().parents[1].parent / "shared/fixtures/pot16_final.ptau"


def _fail(msg: str) -> None:
    click.echo(f"error: {msg}", err=True)
    sys.exit(2)


@click.command("setup")
@click.option("--ptau", type=click.Path(dir_okay=False, path_type=Path), default=DEFAULT_PTAU)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path))
def bench_setup(ptau: Path, json_out: Path | None) -> None:
    """Time the .ptau import (K = 16) and commitments to a random and a 16-bit column."""
    import secrets

    import numpy as np

    from zkpor.prover.arith.field import fr_from_ints
    from zkpor.prover.setup.kzg import commit_evals, commit_evals_small
    from zkpor.prover.setup.srs import SRS, SetupError, dev_srs, import_ptau
    from zkpor.verifier.field import R

    log_n = 16
    n = 1 << log_n
    res: dict[str, object] = {"log_n": log_n, "ptau": str(ptau)}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            dev_srs(4, Path(tmp) / "warm")
            dev = SRS.load(Path(tmp) / "warm")
            commit_evals(dev, fr_from_ints([1] * dev.n))
            commit_evals_small(dev, np.ones(dev.n, dtype=np.uint64))
            res["warmup_jit_s"] = time.perf_counter() - t
            t = time.perf_counter()
            import_ptau(ptau, log_n, Path(tmp) / "srs16")
            res["import_s"] = time.perf_counter() - t
            t = time.perf_counter()
            srs = SRS.load(Path(tmp) / "srs16")
            res["load_s"] = time.perf_counter() - t
            vals = fr_from_ints([secrets.randbelow(R) for _ in range(n)])
            t = time.perf_counter()
            commit_evals(srs, vals)
            res["commit_random_s"] = time.perf_counter() - t
            small = np.frombuffer(secrets.token_bytes(2 * n), dtype=np.uint16).astype(np.uint64)
            t = time.perf_counter()
            commit_evals_small(srs, small)
            res["commit_16bit_s"] = time.perf_counter() - t
            res["verify_openings_s"] = _time_verifier(srs)
    except SetupError as exc:
        _fail(str(exc))
    for k, v in res.items():
        click.echo(f"{k:>18}: {v:.3f}" if isinstance(v, float) else f"{k:>18}: {v}")
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(res, indent=2) + "\n")


def _time_verifier(srs: object) -> float:
    """Time of the pure-Python batched opening check with 30 + 4 commitments (the proof's
    shape); the points are arbitrary, so the check fails, in the same time."""
    import secrets

    from zkpor.prover.arith.g1 import g1_to_affine_ints
    from zkpor.verifier.field import R
    from zkpor.verifier.kzg import verify_openings

    pts = g1_to_affine_ints(srs.lagrange[:36])  # type: ignore[attr-defined]
    ev = [secrets.randbelow(R) for _ in range(34)]
    z, z2, v, u = (secrets.randbelow(R) for _ in range(4))
    vk = srs.vk  # type: ignore[attr-defined]
    t = time.perf_counter()
    verify_openings(vk, z, pts[:30], ev[:30], pts[34], z2, pts[30:34], ev[30:], pts[35], v, u)
    return time.perf_counter() - t
