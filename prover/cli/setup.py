"""Click commands: ``zkpor setup import|dev|check``.

Heavy modules (numpy, numba) are imported inside the commands, so ``zkpor --help``
stays fast.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from zkpor.verifier.text import echo


def _fail(msg: str) -> None:
    echo(f"error: {msg}", err=True)
    sys.exit(2)


def _insecure_banner() -> None:
    click.secho(
        "INSECURE: development SRS from a known tau. Proofs made with it prove NOTHING. "
        "Use `zkpor setup import` with a public ceremony file for real proofs.",
        fg="red",
        bold=True,
        err=True,
    )


@click.group()
def setup() -> None:
    """Trusted setup: import a snarkjs .ptau or make an INSECURE development SRS."""


@setup.command("import")
@click.argument("ptau", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--log-n", "log_n", type=int, required=True, help="Domain size N = 2^K.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
def setup_import(ptau: Path, log_n: int, out: Path, force: bool) -> None:
    """Import and check the SRS for N = 2^K from a snarkjs .ptau (after prepare phase2)."""
    from zkpor.prover.setup.srs import SetupError, import_ptau

    t0 = time.perf_counter()
    try:
        vk = import_ptau(
            ptau, log_n, out, force=force, progress=True, log=lambda m: echo(f"  ok: {m}")
        )
    except SetupError as exc:
        _fail(str(exc))
    echo(f"wrote {out} (N = 2^{log_n}) in {time.perf_counter() - t0:.1f} s")
    echo(f"SRS digest {vk.digest.hex()}")


@setup.command("dev")
@click.option("--log-n", "log_n", type=int, required=True, help="Domain size N = 2^K.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option("--seed", default="0", show_default=True, help="Derives the known tau.")
@click.option("--force", is_flag=True, help="Replace an existing output directory.")
def setup_dev(log_n: int, out: Path, seed: str, force: bool) -> None:
    """Make an INSECURE development SRS (tau derived from the seed, known to anyone)."""
    from zkpor.prover.setup.srs import SetupError, dev_srs

    _insecure_banner()
    try:
        vk = dev_srs(log_n, out, seed=seed, force=force)
    except SetupError as exc:
        _fail(str(exc))
    echo(f"wrote {out} (N = 2^{log_n}, INSECURE)")
    echo(f"SRS digest {vk.digest.hex()}")
    _insecure_banner()


@setup.command("check")
@click.argument("srs_dir", type=click.Path(file_okay=False, path_type=Path))
def setup_check(srs_dir: Path) -> None:
    """Re-check an SRS directory: vk.json digest, point files, random-combination checks."""
    from zkpor.prover.setup.srs import SRS, SetupError

    try:
        srs = SRS.load(srs_dir)
        srs.check(log=lambda m: echo(f"  ok: {m}"))
    except SetupError as exc:
        _fail(str(exc))
    if srs.insecure:
        _insecure_banner()
    echo(f"{srs_dir}: N = 2^{srs.log_n}, source {srs.vk.source}")
    echo(f"SRS digest {srs.digest.hex()}")


__all__ = ["setup"]
