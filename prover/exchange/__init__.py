"""Exchange data: ingestion of snapshots and prices, the account builder, synthetic exchanges.

Money is exact here: integers in 1e-8 units and ``decimal.Decimal``, never floats.
Imports nothing from the rest of ``zkpor.prover`` but ``zkpor.prover.atomic``.
"""

from zkpor.prover.lazy import lazy_exports

_NAMES = {
    "Snapshot": "snapshot",
    "SnapshotError": "snapshot",
    "load_snapshot": "ingest",
    "load_prices": "ingest",
    "write_snapshot_csv": "ingest",
    "build_accounts": "accounts",
    "synth_snapshot": "synth",
    "synth_accounts": "synth",
}
__all__ = sorted(_NAMES)
__getattr__, __dir__ = lazy_exports(__name__, _NAMES)
