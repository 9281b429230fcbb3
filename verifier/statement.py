"""The public statement an exchange publishes (PROTOCOL.md section 1), as JSON.

Integers that can exceed 2^53 (prices, totals) are JSON strings of decimal digits, so
no JSON reader can round them. Prices are in 1e-8 USD per whole coin, totals in
1e-8 coin. A statement with collateral tier tables (PROTOCOL.md section 10) is version 2;
tier bounds are decimal-digit strings in 1e-16 USD (null: unbounded), ratios integers.
A shard of a sharded snapshot (section 9) carries ``"shard": {"index": i, "count": K}``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from zkpor.circuits.haircuts import Tier, check_tiers, tier_rows
from zkpor.circuits.solvency import (
    MAX_ASSETS,
    MAX_LOG_N,
    MAX_TIERED_ASSETS,
    MIN_LOG_N,
    PRICE_BOUND,
    TOTAL_BOUND,
    Circuit,
    circuit_for_version,
)
from zkpor.verifier.errors import MalformedInput, VerificationError
from zkpor.verifier.jsonio import STATEMENT_MAX_BYTES, parse_int
from zkpor.verifier.jsonio import loads as json_loads
from zkpor.verifier.transcript import Transcript

PROTOCOL_ID = b"zkpor-solvency"
"""Absorbed first in every transcript (PROTOCOL.md section 8)."""
PROTOCOL_VERSION = 1
TIERED_VERSION = 2
VERSIONS = (PROTOCOL_VERSION, TIERED_VERSION)
MAX_SHARDS = 1 << 16
"""A shard statement's (index, count) has count <= MAX_SHARDS (PROTOCOL.md section 9)."""

SYMBOL_RE = re.compile(r"[A-Z0-9._-]{1,16}")
"""An asset symbol: 1 to 16 of ASCII A-Z, 0-9, '.', '_', '-' (docs/formats.md). One
definition for the statement and for ingestion (which upper-cases a-z first), so no
look-alike (Cyrillic 'ВТС' beside 'BTC'), invisible or control character can name an asset."""
SYMBOL_RULE = "1 to 16 of A-Z 0-9 . _ -"


def is_symbol(text: object) -> bool:
    """Whether ``text`` is a valid asset symbol (:data:`SYMBOL_RE`, exactly)."""
    return isinstance(text, str) and SYMBOL_RE.fullmatch(text) is not None


@dataclass(frozen=True)
class AssetInfo:
    symbol: str
    price: int
    """1e-8 USD per whole coin."""
    total: int
    """Sum of all users' balances, 1e-8 coin (signed)."""
    tiers: tuple[Tier, ...] | None = None
    """Collateral tier table (PROTOCOL.md section 10), or None: counted at 100%."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "symbol": self.symbol,
            "price": str(self.price),
            "total": str(self.total),
        }
        if self.tiers is not None:
            out["tiers"] = [
                {"upper": None if t.upper is None else str(t.upper), "ratio": t.ratio}
                for t in self.tiers
            ]
        return out

    @classmethod
    def from_json(cls, a: Any) -> AssetInfo:
        tiers = _tiers(a["tiers"]) if "tiers" in a else None
        return cls(
            field_str(a["symbol"]), field_int_str(a["price"]), field_int_str(a["total"]), tiers
        )


@dataclass(frozen=True)
class Statement:
    snapshot_id: str
    snapshot_time: str
    n: int
    """Domain size N."""
    n_u: int
    """Number of fingerprints: real users + dummy users + the padding row."""
    assets: tuple[AssetInfo, ...]
    srs_digest: bytes
    srs_insecure: bool
    merkle_root: bytes
    shard: tuple[int, int] | None = None
    """(index i, count K) of a shard of a sharded snapshot; None for a whole snapshot."""

    @property
    def log_n(self) -> int:
        return self.n.bit_length() - 1

    @property
    def version(self) -> int:
        """2 if any asset has a tier table (the haircut circuit), else 1."""
        return TIERED_VERSION if any(a.tiers is not None for a in self.assets) else PROTOCOL_VERSION

    @property
    def circuit(self) -> Circuit:
        return circuit_for_version(self.version)

    def tier_table_rows(self) -> int:
        """Rows of the public tier table (PROTOCOL.md section 10.2)."""
        return sum(len(tier_rows(a.price, a.tiers)) for a in self.assets)

    def check(self) -> None:
        """The statement checks of PROTOCOL.md section 1; raises VerificationError."""
        n = self.n
        if n & (n - 1) or not (1 << MIN_LOG_N) <= n <= (1 << MAX_LOG_N):
            raise VerificationError(
                f"domain size {n} is not a power of two in [2^{MIN_LOG_N}, 2^{MAX_LOG_N}]"
            )
        if not 1 <= len(self.assets) <= MAX_ASSETS:
            raise VerificationError(f"asset count {len(self.assets)} is not in [1, {MAX_ASSETS}]")
        symbols = [a.symbol for a in self.assets]
        if len(set(symbols)) != len(symbols):
            raise VerificationError("asset symbols are not unique")
        for asset in self.assets:
            if not asset.symbol:
                raise VerificationError("an asset has an empty symbol")
            if not is_symbol(asset.symbol):
                raise VerificationError(
                    f"asset symbol {asset.symbol!r} is not {SYMBOL_RULE} (ASCII)"
                )
            if not 0 <= asset.price < PRICE_BOUND:
                raise VerificationError(f"price of {asset.symbol} is outside [0, 2^64)")
            if not -TOTAL_BOUND < asset.total < TOTAL_BOUND:
                raise VerificationError(f"total of {asset.symbol} is outside (-2^160, 2^160)")
        if not 1 <= self.n_u <= n:
            raise VerificationError(f"fingerprint count {self.n_u} is not in [1, N={n}]")
        if len(self.srs_digest) != 32 or len(self.merkle_root) != 32:
            raise VerificationError("SRS digest and Merkle root must be 32 bytes each")
        if not self.snapshot_id:
            raise VerificationError("snapshot id is empty")
        for label, text in (("snapshot id", self.snapshot_id), ("time", self.snapshot_time)):
            if not _encodable(text):
                raise VerificationError(f"snapshot {label} {text!r} is not encodable as UTF-8")
        if self.shard is not None:
            index, count = self.shard
            if not 0 <= index < count <= MAX_SHARDS:
                raise VerificationError(f"shard {index} of {count} is out of range")
        if self.version == TIERED_VERSION:
            self._check_tiers()

    def _check_tiers(self) -> None:
        """Version-2 statement checks (PROTOCOL.md section 10.1)."""
        if len(self.assets) > MAX_TIERED_ASSETS:
            raise VerificationError(
                f"a statement with tier tables has at most {MAX_TIERED_ASSETS} assets"
            )
        for asset in self.assets:
            if asset.tiers is not None:
                reason = check_tiers(asset.tiers)
                if reason:
                    raise VerificationError(f"tier table of {asset.symbol} {reason}")
        if self.tier_table_rows() > self.n:
            raise VerificationError(f"the tier table has more than N = {self.n} rows")

    def absorb(self, transcript: Transcript) -> None:
        """Round R0: everything public except the Merkle root (absorbed in R2)."""
        version = self.version
        transcript.absorb("protocol", PROTOCOL_ID)
        transcript.absorb_int("version", version)
        transcript.absorb("snapshot_id", self.snapshot_id.encode())
        transcript.absorb("snapshot_time", self.snapshot_time.encode())
        transcript.absorb_int("N", self.n)
        transcript.absorb_int("A", len(self.assets))
        transcript.absorb_int("n_u", self.n_u)
        for asset in self.assets:
            transcript.absorb("symbol", asset.symbol.encode())
            transcript.absorb_int("price", asset.price)
            transcript.absorb_int("total", asset.total)
            if version == TIERED_VERSION:
                tiers = asset.tiers or ()
                transcript.absorb_int("tiers", len(tiers))
                for tier in tiers:
                    upper = b"unbounded" if tier.upper is None else str(tier.upper).encode()
                    transcript.absorb("tier_upper", upper)
                    transcript.absorb_int("tier_ratio", tier.ratio)
        transcript.absorb("srs_digest", self.srs_digest)
        if self.shard is not None:
            transcript.absorb_int("shard_index", self.shard[0])
            transcript.absorb_int("shard_count", self.shard[1])

    def to_json(self) -> dict[str, Any]:
        shard = {} if self.shard is None else {"shard": {"index": self.shard[0], "count": self.shard[1]}}
        units = {"price": "1e-8 USD per coin", "total": "1e-8 coin"}
        if self.version == TIERED_VERSION:
            units |= {"tier_upper": "1e-16 USD", "tier_ratio": "percent"}
        return {
            "protocol": PROTOCOL_ID.decode(),
            "version": self.version,
            **shard,
            "snapshot_id": self.snapshot_id,
            "snapshot_time": self.snapshot_time,
            "domain_size": self.n,
            "n_fingerprints": self.n_u,
            "units": units,
            "assets": [a.to_json() for a in self.assets],
            "srs_digest": self.srs_digest.hex(),
            "srs_insecure": self.srs_insecure,
            "merkle_root": self.merkle_root.hex(),
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2) + "\n"

    @classmethod
    def from_json(cls, data: Any) -> Statement:
        """Parse strictly; any missing or mistyped field raises MalformedInput."""
        try:
            if data["protocol"] != PROTOCOL_ID.decode():
                raise MalformedInput(f"not a zkpor statement (protocol {data['protocol']!r})")
            version = data["version"]
            if type(version) is not int or version not in VERSIONS:
                raise MalformedInput(f"unsupported statement version {version!r}")
            shard = None
            if "shard" in data:
                shard = (field_int(data["shard"]["index"]), field_int(data["shard"]["count"]))
            assets = tuple(AssetInfo.from_json(a) for a in data["assets"])
            statement = cls(
                snapshot_id=field_str(data["snapshot_id"]),
                snapshot_time=field_str(data["snapshot_time"]),
                n=field_int(data["domain_size"]),
                n_u=field_int(data["n_fingerprints"]),
                assets=assets,
                srs_digest=bytes.fromhex(field_str(data["srs_digest"])),
                srs_insecure=field_bool(data["srs_insecure"]),
                merkle_root=bytes.fromhex(field_str(data["merkle_root"])),
                shard=shard,
            )
            if statement.version != version:
                raise MalformedInput(
                    f"statement version {version} does not match its tier tables "
                    f"(version {statement.version})"
                )
            return statement
        except KeyError as exc:
            raise MalformedInput(f"statement lacks field {exc.args[0]!r}") from None
        except (TypeError, ValueError) as exc:
            raise MalformedInput(f"statement field is malformed: {exc}") from None

    @classmethod
    def loads(cls, data: bytes | str, name: str = "statement.json") -> Statement:
        """Parse statement.json (bounded, strict UTF-8); errors start with ``name``."""
        obj = json_loads(data, name, STATEMENT_MAX_BYTES)
        try:
            return cls.from_json(obj)
        except MalformedInput as exc:
            raise MalformedInput(f"{name}: {exc}") from None


def field_str(x: Any) -> str:
    if not isinstance(x, str):
        raise TypeError(f"expected a string, got {type(x).__name__}")
    return x


def field_int(x: Any) -> int:
    if isinstance(x, bool) or not isinstance(x, int):
        raise TypeError(f"expected an integer, got {type(x).__name__}")
    return x


def field_bool(x: Any) -> bool:
    if not isinstance(x, bool):
        raise TypeError(f"expected true or false, got {type(x).__name__}")
    return x


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_CANONICAL_INT = re.compile(r"0|-?[1-9][0-9]*")


def field_int_str(x: Any) -> int:
    """An integer written as a JSON string of ASCII decimal digits with an optional minus."""
    text = field_str(x)
    if not _CANONICAL_INT.fullmatch(text):
        raise ValueError(f"{text[:40]!r} is not a canonical decimal integer")
    return parse_int(text)


def _tiers(x: Any) -> tuple[Tier, ...]:
    """A tier list: [{"upper": "digits" (1e-16 USD) or null, "ratio": integer percent}]."""
    if not isinstance(x, list):
        raise TypeError(f"expected a list of tiers, got {type(x).__name__}")
    out = []
    for item in x:
        if not isinstance(item, dict) or set(item) != {"upper", "ratio"}:
            raise ValueError("a tier is an object with exactly the keys 'upper' and 'ratio'")
        upper = None if item["upper"] is None else field_int_str(item["upper"])
        out.append(Tier(upper, field_int(item["ratio"])))
    return tuple(out)
