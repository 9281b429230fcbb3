"""The prover: numba arithmetic kernels, SRS, KZG and the solvency prover."""
