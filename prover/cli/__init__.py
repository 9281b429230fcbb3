"""The ``zkpor`` command line: click commands and the demo, the top layer.

May import every prover layer. ``main.py`` holds the ``zkpor`` group and loads each
subcommand on use, so ``zkpor --help`` and the verifier commands import no numba code.
"""

__all__: list[str] = []
