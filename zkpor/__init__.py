"""zkpor: zero-knowledge proof of solvency for crypto exchanges."""

__version__ = "0.1.0"
PROTOCOL_ID = b"zkpor-solvency"
PROTOCOL_VERSION = 1
