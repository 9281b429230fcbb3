"""Benchmarks and the Merkle-sum-tree baseline: not part of the installed package.

``zkpor bench arith|setup|prove|sweep`` load these modules from the checkout
(``zkpor.prover.cli.main.ensure_benches_importable``). Results go to
``benches/results/`` and docs/benchmarks; benchmarks are not timed tests.
"""
