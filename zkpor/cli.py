"""The `zkpor` command line: one click group; prover commands import numba lazily."""

from __future__ import annotations

import click

from zkpor import __version__


@click.group()
@click.version_option(__version__, prog_name="zkpor")
def main() -> None:
    """zkpor: zero-knowledge proof of solvency for crypto exchanges."""


@main.group()
def bench() -> None:
    """Benchmarks (results as JSON; not timed tests)."""
