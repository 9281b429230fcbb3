"""The constraint system of the solvency argument, shared by prover and verifier."""
