"""The `zkpor` command line. Subcommands are imported on use, so `zkpor --help` and the
verifier commands start without loading numba.

The `bench` commands live in the checkout's `benches/` folder, not in the installed
package: they are found beside the installed sources (an editable install) or in the
working directory or one of its parents (a regular install run inside a checkout).
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path

import click

BENCHES = "benches"


class LazyGroup(click.Group):
    """A click group whose subcommands live in other modules, named 'module:attribute'."""

    def __init__(self, *args: object, lazy: dict[str, str] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in self.lazy:
            module, attr = self.lazy[name].split(":")
            if module.split(".")[0] == BENCHES:
                ensure_benches_importable()
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


def find_checkout() -> Path | None:
    """The zkpor checkout holding `benches/`: beside these sources, else cwd or a parent."""
    here = Path(__file__).resolve().parents[2]
    for root in (here, Path.cwd().resolve(), *Path.cwd().resolve().parents):
        if (root / BENCHES / "__init__.py").is_file() and (root / "prover" / "cli").is_dir():
            return root
    return None


def ensure_benches_importable() -> None:
    """Put the checkout on sys.path so that `import benches` works, or exit with a clear error."""
    if importlib.util.find_spec(BENCHES) is not None:
        return
    root = find_checkout()
    if root is None:
        raise click.ClickException(
            "the bench commands need a zkpor checkout: run them inside one (benches/ not found)"
        )
    sys.path.insert(0, str(root))


@click.group(
    cls=LazyGroup,
    lazy={
        "prove": "zkpor.prover.cli.prove:prove_command",
        "verify": "zkpor.verifier.cli:verify_command",
        "setup": "zkpor.prover.cli.setup:setup",
        "snapshot": "zkpor.prover.cli.snapshot:snapshot",
        "demo": "zkpor.prover.cli.demo:demo_command",
        "page": "zkpor.prover.cli.page:page",
    },
)
@click.version_option(package_name="zkpor", prog_name="zkpor")
def main() -> None:
    """zkpor: zero-knowledge proof of solvency for crypto exchanges."""


@main.group(
    cls=LazyGroup,
    lazy={
        "arith": "benches.arith:bench_arith",
        "setup": "benches.setup:bench_setup",
        "prove": "benches.prove:bench_prove",
        "sweep": "benches.sweep:bench_sweep",
        "page": "benches.page:bench_page",
        "haircuts": "benches.haircuts:bench_haircuts",
        "phases": "benches.prover_phases:bench_phases",
    },
)
def bench() -> None:
    """Benchmarks from the checkout's benches/ (results as JSON; not timed tests)."""


@main.group(
    cls=LazyGroup,
    lazy={
        "export": "zkpor.prover.cli.prove:export_command",
        "verify": "zkpor.verifier.cli:inclusion_verify_command",
    },
)
def inclusion() -> None:
    """Users' inclusion files: export (exchange) and verify (user)."""


@main.group(
    cls=LazyGroup,
    lazy={
        "sign": "zkpor.prover.cli.reserves:sign_command",
        "verify": "zkpor.verifier.cli:reserves_verify_command",
    },
)
def reserves() -> None:
    """Proof of reserves: sign address messages (demo keys) and verify them (auditor)."""
