"""The `zkpor` command line. Subcommands are imported on use, so `zkpor --help` and the
verifier commands start without loading numba."""

from __future__ import annotations

import importlib

import click

from zkpor import __version__


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
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


@click.group(
    cls=LazyGroup,
    lazy={
        "prove": "zkpor.prover.cli_prove:prove_command",
        "verify": "zkpor.verifier.cli:verify_command",
        "setup": "zkpor.prover.cli_setup:setup",
        "snapshot": "zkpor.prover.cli_snapshot:snapshot",
        "demo": "zkpor.prover.demo:demo_command",
    },
)
@click.version_option(__version__, prog_name="zkpor")
def main() -> None:
    """zkpor: zero-knowledge proof of solvency for crypto exchanges."""


@main.group(
    cls=LazyGroup,
    lazy={
        "arith": "zkpor.prover.bench_arith:bench_arith",
        "setup": "zkpor.prover.cli_setup:bench_setup",
        "prove": "zkpor.prover.bench_prove:bench_prove",
        "sweep": "zkpor.prover.bench_sweep:bench_sweep",
    },
)
def bench() -> None:
    """Benchmarks (results as JSON; not timed tests)."""


@main.group(
    cls=LazyGroup,
    lazy={
        "export": "zkpor.prover.cli_prove:export_command",
        "verify": "zkpor.verifier.cli:inclusion_verify_command",
    },
)
def inclusion() -> None:
    """Users' inclusion files: export (exchange) and verify (user)."""
