"""`zkpor reserves sign`: a signed reserves file from local keys (demos and tests only)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from zkpor.verifier.text import echo


@click.command("sign")
@click.argument("key_file", type=click.Path(path_type=Path))
@click.option("--message", required=True, help="The text every address signs (name the snapshot).")
@click.option("--out", "out", required=True, type=click.Path(path_type=Path))
def sign_command(key_file: Path, message: str, out: Path) -> None:
    """Sign MESSAGE for every address of KEY_FILE (local keys; real custody signs elsewhere).

    KEY_FILE is CSV: coin,network,snapshot height,type,amount,private keys (hex; several
    for multisig, separated by spaces). Types: p2pkh, p2pkh-uncompressed, p2wpkh,
    p2sh-p2wpkh, 'p2sh|p2wsh|p2sh-p2wsh M-of-N', evm, evm-hash, tron.
    """
    try:
        from zkpor.prover.exchange.reserves import KeyFileError, read_key_file, write_reserves
    except ImportError as exc:
        echo(
            f"error: zkpor reserves sign needs the reserves extra ({exc.name} is missing): "
            "pip install '.[reserves]'",
            err=True,
        )
        sys.exit(2)
    try:
        rows = write_reserves(read_key_file(key_file), message, out)
    except KeyFileError as exc:
        echo(f"error: {exc}", err=True)
        sys.exit(2)
    except OSError as exc:
        echo(f"error: {out}: cannot write ({exc.strerror or exc})", err=True)
        sys.exit(2)
    echo(f"signed {len(rows)} address(es) into {out}")
