"""Run the shards of a plan: in process (the single-machine path) or on Dask.

Without a scheduler and with one worker, shards run here one at a time (bounded memory:
one shard's prover at once) and no Dask is imported. Otherwise :mod:`.dask` sends one
task per shard to the cluster. Finished shards (their folders exist) are skipped, which
is what ``--resume`` relies on.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from zkpor.prover.argument.shards import ShardResult, ShardSpec, is_finished, prove_shard


@dataclass
class Progress:
    """Shards done / running / left, reported after every change."""

    total: int
    done: int = 0
    running: int = 0
    report: Callable[[Progress], None] = lambda _: None

    @property
    def left(self) -> int:
        return self.total - self.done - self.running

    def update(self, done: int | None = None, running: int | None = None) -> None:
        self.done = self.done if done is None else done
        self.running = self.running if running is None else running
        self.report(self)

    def line(self) -> str:
        return f"shards: {self.done} done, {self.running} running, {self.left} left"


def run_shards(
    specs: Sequence[ShardSpec],
    scheduler: str | None = None,
    workers: int = 1,
    report: Callable[[Progress], None] = lambda _: None,
) -> list[ShardResult]:
    """Prove every unfinished shard; results of the shards proved in this run."""
    todo = [s for s in specs if not is_finished(s)]
    progress = Progress(len(specs), done=len(specs) - len(todo), report=report)
    progress.update()
    if not todo:
        return []
    if scheduler is None and workers == 1:
        results = []
        for spec in todo:
            progress.update(running=1)
            results.append(prove_shard(spec))
            progress.update(done=progress.done + 1, running=0)
        return results
    from zkpor.prover.cluster.dask import run_on_dask

    return run_on_dask(todo, progress, scheduler=scheduler, workers=workers)
