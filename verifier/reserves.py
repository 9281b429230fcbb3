"""Reserves against proven liabilities.

Two inputs: the plain ``asset,amount`` file of ``zkpor verify --reserves`` (amounts
verified by other means), and the signed reserves file of ``zkpor reserves verify``:
one address per row with its message and signature(s), checked here row by row with
``verifier/signatures.py`` (the ``reserves`` extra, imported on use) and, with
``--rpc``, against an Ethereum node's balances (``verifier/evm_rpc.py``). Layouts:
docs/formats.md, "Reserves files".

Amounts are exact decimals (up to 18 places); per asset, the sum over verified rows is
floored to 1e-8 coin, the statement's unit. Flooring keeps the comparison exact:
floor(R * 1e8) >= L if and only if R * 1e8 >= L for an integer liability L.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

from zkpor.verifier.amounts import DECIMALS, format_units, parse_units
from zkpor.verifier.errors import InputError
from zkpor.verifier.sharded import TopStatement
from zkpor.verifier.statement import Statement
from zkpor.verifier.text import printable

MAX_FILE_BYTES = 64 << 20
MAX_FIELD_CHARS = 16 << 10
MAX_ROWS = 1_000_000
MAX_AMOUNT_DECIMALS = 18
_AMOUNT = re.compile(r"^\+?[0-9]{1,40}(\.[0-9]{1,18})?$")
_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def escape(text: object, limit: int = 80) -> str:
    """Input text fit to print: non-printable characters as escapes, at most ``limit``."""
    out = printable(str(text))
    return out if len(out) <= limit else out[: limit - 3] + "..."


# --- the plain asset,amount file ---------------------------------------------------


def read_reserves(path: Path, statement: Statement | TopStatement) -> dict[str, int]:
    """asset,amount CSV (coins, at most 8 decimals) -> units; errors name file and line."""
    symbols = {a.symbol for a in statement.assets}
    reserves: dict[str, int] = {}
    try:
        with open(path, newline="") as handle:
            rows = list(csv.reader(handle))
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if not rows or [c.strip().lower() for c in rows[0]] != ["asset", "amount"]:
        raise InputError(f"{path}:1: header must be 'asset,amount'")
    for line, row in enumerate(rows[1:], start=2):
        if len(row) != 2:
            raise InputError(f"{path}:{line}: expected 2 fields, got {len(row)}")
        symbol = row[0].strip()
        if symbol not in symbols:
            raise InputError(f"{path}:{line}: asset {symbol!r} is not in the statement")
        if symbol in reserves:
            raise InputError(f"{path}:{line}: asset {symbol!r} listed twice")
        try:
            reserves[symbol] = parse_units(row[1])
        except ValueError as exc:
            raise InputError(f"{path}:{line}: {exc}") from None
    return reserves


@dataclass(frozen=True)
class Coverage:
    asset: str
    reserves: int
    """1e-8 coin."""
    liabilities: int | None
    """1e-8 coin, from the statement; None for an asset the statement does not list."""

    @property
    def covered(self) -> bool:
        return self.liabilities is None or self.reserves >= self.liabilities

    @property
    def ratio(self) -> str:
        if self.liabilities is None or self.liabilities <= 0:
            return "n/a"
        ratio = Decimal(self.reserves) * 100 / Decimal(self.liabilities)
        return f"{ratio.quantize(Decimal('0.01'), rounding=ROUND_FLOOR)}%"  # never overstated


def coverage(statement: Statement | TopStatement | None, reserves: dict[str, int]) -> list[Coverage]:
    """Per asset of the statement (its order), then assets only the reserves name."""
    rows = []
    known = set()
    for asset in statement.assets if statement else ():
        known.add(asset.symbol)
        rows.append(Coverage(asset.symbol, reserves.get(asset.symbol, 0), asset.total))
    rows += [Coverage(s, u, None) for s, u in reserves.items() if s not in known]
    return rows


def format_coverage(rows: list[Coverage]) -> list[str]:
    lines = [f"{'asset':<10} {'liabilities':>24} {'reserves':>24} {'coverage':>10}"]
    for row in rows:
        owed = "-" if row.liabilities is None else format_units(row.liabilities)
        mark = "" if row.covered else "  SHORT"
        lines.append(
            f"{escape(row.asset, 10):<10} {owed:>24} {format_units(row.reserves):>24} {row.ratio:>10}{mark}"
        )
    return lines


def coverage_table(statement: Statement | TopStatement, reserves: dict[str, int]) -> list[str]:
    return format_coverage(coverage(statement, reserves))


# --- the signed reserves file ------------------------------------------------------

_FIELDS = {
    "coin": "coin", "asset": "coin", "currency": "coin", "token": "coin", "symbol": "coin",
    "network": "network", "chain": "network",
    "snapshotheight": "height", "height": "height", "blockheight": "height",
    "block": "height", "snapshotblock": "height",
    "address": "address", "walletaddress": "address",
    "amount": "amount", "balance": "amount",
    "message": "message",
    "signature": "signatures", "signatures": "signatures",
    "redeemscriptpublickey": "script", "redeemscript": "script", "publickey": "script",
    "pubkey": "script", "script": "script", "witnessscript": "script",
}  # fmt: skip
_SIGNATURE_N = re.compile(r"^(signature|sig)(\d{1,2})$")
REQUIRED = ("coin", "network", "address", "amount", "message", "signatures")


def header_key(name: str) -> str:
    """'Snapshot Height' -> 'snapshotheight': lower case, letters and digits only."""
    return "".join(c for c in name.lower() if c.isascii() and c.isalnum())


@dataclass(frozen=True)
class ReserveRow:
    line: int
    coin: str
    network: str
    height: int | None
    address: str
    amount: Decimal
    """Exact (built from the text); arithmetic uses ``atto``, never Decimal's context."""
    atto: int
    """The amount in 1e-18 coin."""
    message: str
    signatures: tuple[str, ...]
    script: str


def _read_text(path: Path) -> str:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(f"{path}: {size:,} bytes, more than the {MAX_FILE_BYTES:,}-byte limit")
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{path}: more than the {MAX_FILE_BYTES:,}-byte limit")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text") from None


def _parse_amount(text: str, where: str) -> tuple[Decimal, int]:
    """(exact Decimal, integer 1e-18 units) of a non-negative decimal text."""
    text = text.strip()
    if not _AMOUNT.match(text):
        raise InputError(
            f"{where}: amount '{escape(text)}' is not a non-negative decimal with at most "
            f"{MAX_AMOUNT_DECIMALS} places"
        )
    whole, _, frac = text.lstrip("+").partition(".")
    atto = int(whole) * 10**MAX_AMOUNT_DECIMALS + int(frac.ljust(MAX_AMOUNT_DECIMALS, "0"))
    return Decimal(text.lstrip("+")), atto


def _parse_height(text: str, where: str) -> int | None:
    text = text.strip().replace(",", "")
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        raise InputError(f"{where}: snapshot height '{escape(text)}' is not a block number")
    return int(text)


def _columns(path: Path, header: list[str]) -> dict[str, list[int]]:
    columns: dict[str, list[int]] = {}
    for index, name in enumerate(header):
        key = header_key(name)
        match = _SIGNATURE_N.match(key)
        target = "signatures" if match else _FIELDS.get(key)
        if target is None:
            continue  # extra columns are ignored
        if target != "signatures" and target in columns:
            raise InputError(f"{path}:1: two columns mean {target!r}")
        columns.setdefault(target, []).append(index)
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise InputError(f"{path}:1: missing column(s) {', '.join(missing)}")
    return columns


def read_signed_reserves(path: Path) -> list[ReserveRow]:
    """Read a signed reserves file (the exchange layout or zkpor's); errors name FILE:LINE.

    A cell of a ``signature``/``signatures`` column may hold several signatures separated
    by white space; ``signature1``, ``signature2``, ... columns hold one each.
    """
    text = _read_text(Path(path))
    old_limit = csv.field_size_limit(MAX_FIELD_CHARS)
    try:
        return _parse_rows(Path(path), text)
    finally:
        csv.field_size_limit(old_limit)


def _parse_rows(path: Path, text: str) -> list[ReserveRow]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[ReserveRow] = []
    line = 1
    try:
        header = next(reader, None)
        if not header:
            raise InputError(f"{path}: empty file")
        columns = _columns(path, header)
        line = reader.line_num + 1
        for record in reader:
            where = f"{path}:{line}"
            start, line = line, reader.line_num + 1
            if not any(c.strip() for c in record):
                continue
            if len(rows) >= MAX_ROWS:
                raise InputError(f"{where}: more than {MAX_ROWS:,} rows")
            if len(record) < len(header):
                raise InputError(f"{where}: {len(record)} fields, the header has {len(header)}")

            def cell(name: str, record: list[str] = record) -> str:
                return record[columns[name][0]].strip() if name in columns else ""

            signatures = tuple(
                s for i in columns["signatures"] for s in record[i].split() if s.strip()
            )
            coin, address = cell("coin").upper(), cell("address")
            if not coin or not address:
                raise InputError(f"{where}: empty {'coin' if not coin else 'address'}")
            rows.append(
                ReserveRow(
                    start, coin, cell("network"), _parse_height(cell("height"), where), address,
                    *_parse_amount(cell("amount"), where),
                    record[columns["message"][0]], signatures, cell("script"),
                )
            )  # fmt: skip
    except csv.Error as exc:
        raise InputError(f"{path}:{line}: malformed CSV ({exc})") from None
    if not rows:
        raise InputError(f"{path}: no rows after the header")
    return rows


# --- the check ---------------------------------------------------------------------


@dataclass
class RowResult:
    row: ReserveRow
    status: str
    """'verified', 'failed' or 'duplicate'."""
    detail: str
    """What was verified, or why not."""


@dataclass
class ReservesReport:
    path: Path
    results: list[RowResult]
    assets: list[Coverage]
    warnings: list[str] = field(default_factory=list)
    snapshot_id: str | None = None

    @property
    def failures(self) -> list[str]:
        rows = [
            f"{self.path}:{r.row.line}: {r.detail}" for r in self.results if r.status == "failed"
        ]
        short = [
            f"{escape(a.asset)}: reserves {format_units(a.reserves)} < liabilities "
            f"{format_units(a.liabilities or 0)}"
            for a in self.assets
            if not a.covered
        ]
        return rows + short

    @property
    def passed(self) -> bool:
        return not self.failures

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    def lines(self) -> list[str]:
        """The readable report: table, failures, warnings, summary line."""
        out = [
            f"reserves {self.path}: {len(self.results)} rows, {self.count('verified')} verified, "
            f"{self.count('failed')} failed, {self.count('duplicate')} duplicate"
            + (
                f"; snapshot {escape(self.snapshot_id)}"
                if self.snapshot_id
                else "; no statement (--public)"
            )
        ]
        out += ["  " + line for line in format_coverage(self.assets)]
        out += [f"FAIL {escape(line, 400)}" for line in self.failures]
        out += [f"warning: {escape(line, 400)}" for line in self.warnings]
        if self.passed:
            covered = (
                "cover the proven liabilities" if self.snapshot_id else "(no liabilities given)"
            )
            out.append(f"PASS: every row verifies; reserves {covered}")
        else:
            out.append(f"FAIL: {len(self.failures)} problem(s)")
        return out

    def to_json(self) -> dict:
        return {
            "format": "zkpor-reserves-report",
            "version": 1,
            "file": str(self.path),
            "snapshot_id": self.snapshot_id,
            "pass": self.passed,
            "assets": [
                {
                    "asset": a.asset,
                    "reserves": format_units(a.reserves),
                    "liabilities": None if a.liabilities is None else format_units(a.liabilities),
                    "coverage": a.ratio,
                    "covered": a.covered,
                }
                for a in self.assets
            ],
            "rows": [
                {
                    "line": r.row.line,
                    "coin": r.row.coin,
                    "network": r.row.network,
                    "address": r.row.address,
                    "amount": str(r.row.amount),
                    "status": r.status,
                    "detail": r.detail,
                }
                for r in self.results
            ],
            "failures": self.failures,
            "warnings": self.warnings,
        }


BalanceCheck = Callable[[object, ReserveRow], "str | None"]
"""(chain, row) -> None if the chain agrees (or is not checked), else the mismatch."""


def names_snapshot(message: str, row: ReserveRow, snapshot_id: str | None) -> bool:
    """Does the message name a snapshot: the statement's id, the row's height, or a date?"""
    if snapshot_id and snapshot_id in message:
        return True
    if row.height is not None and re.search(rf"(?<!\d){row.height}(?!\d)", message):
        return True
    return bool(_DATE.search(message))


def check_reserves(
    path: Path,
    rows: list[ReserveRow],
    statement: Statement | None = None,
    expect_message: str | None = None,
    balance_check: BalanceCheck | None = None,
) -> ReservesReport:
    """Verify every row, count each (chain, address, coin) once, compare with the statement."""
    from zkpor.verifier import signatures as sig

    snapshot_id = statement.snapshot_id if statement else None
    results: list[RowResult] = []
    warnings: list[str] = []
    seen: dict[tuple[str, str, str], int] = {}
    totals: dict[str, int] = {}
    """1e-18 coin: integers, so no Decimal context can round a sum."""
    replayable = []
    for row in rows:
        where = f"{path}:{row.line}"
        try:
            chain = sig.chain_of(row.network)
        except sig.Unsupported:
            results.append(
                RowResult(
                    row, "failed", f"unsupported: network '{escape(row.network)}' (never counted)"
                )
            )
            continue
        key = (chain.name, sig.normal_address(chain, row.address), row.coin)
        if key in seen:
            warnings.append(
                f"{where}: {escape(row.address)} ({escape(row.coin)} on {chain.name}) is listed "
                f"again (first at line {seen[key]}): counted once"
            )
            results.append(RowResult(row, "duplicate", f"same as line {seen[key]}"))
            continue
        seen[key] = row.line
        if expect_message is not None and row.message != expect_message:
            results.append(RowResult(row, "failed", "message is not the expected text"))
            continue
        try:
            verified = sig.verify_ownership(
                chain, row.address, row.message, list(row.signatures), row.script
            )
        except sig.Unsupported as exc:
            results.append(RowResult(row, "failed", f"unsupported: {exc} (never counted)"))
            continue
        except sig.SignatureError as exc:
            results.append(RowResult(row, "failed", str(exc)))
            continue
        mismatch = balance_check(chain, row) if balance_check else None
        if mismatch:
            results.append(RowResult(row, "failed", mismatch))
            continue
        if expect_message is None and not names_snapshot(row.message, row, snapshot_id):
            replayable.append(row.line)
        results.append(RowResult(row, "verified", f"{chain.name} {verified}"))
        totals[row.coin] = totals.get(row.coin, 0) + row.atto
    if replayable:
        shown = ", ".join(str(n) for n in replayable[:10]) + (
            " ..." if len(replayable) > 10 else ""
        )
        warnings.append(
            f"{path}: {len(replayable)} message(s) name no snapshot (id, height or date) and "
            f"could be replayed from an earlier snapshot: line(s) {shown}; use --expect-message"
        )
    floor = 10 ** (MAX_AMOUNT_DECIMALS - DECIMALS)
    units = {coin: total // floor for coin, total in totals.items()}
    return ReservesReport(path, results, coverage(statement, units), warnings, snapshot_id)


def write_json_atomic(path: Path, data: dict) -> None:
    """Write JSON whole or not at all: a temp file in the target folder, then os.replace."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent or ".")
    try:
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle, indent=1)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
