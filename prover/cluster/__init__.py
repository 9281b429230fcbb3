"""Where shards are proved: in this process, on a local Dask cluster, or on a remote one.

May import ``zkpor.prover.argument`` (whose :func:`prove_shard` is the unit of work) and
the layers below. ``dask.py`` is the only importer of ``distributed`` (the ``cluster``
extra); ``executor.py`` picks the executor and is what the CLI calls.
"""

from zkpor.prover.lazy import lazy_exports

_NAMES = {"run_shards": "executor", "Progress": "executor"}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
